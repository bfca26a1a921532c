/**
 * The starter set of pages a small commune can ask for (« Premiers pas » on the editor's
 * dashboard, and the demo commune of `npm start`): accueil, la mairie, horaires et contact,
 * conseil municipal, démarches courantes (with one démarche) and one actualité. Every text is a
 * placeholder to replace, marked « À remplacer » so nobody publishes it by mistake unread.
 * Pure: the caller writes each body (`writeParagraphs`) in its own document.
 */
import type * as Y from 'yjs';
import { createPage, newPageId, type PageMeta, type PageType, updatePageFields } from './siteDoc';

export interface StarterPage {
  /** Stable key, to place children under their parent. */
  key: string;
  type: PageType;
  title: string;
  parentKey: string | null;
  fields: Record<string, string>;
  /** Paragraphs of the body, placeholders to replace. */
  body: string[];
}

/** What the starter pages take from the commune: its name and contact (from the settings). */
export interface StarterContext {
  communeName: string;
  address: string;
  phone: string;
  email: string;
  /** Today, `YYYY-MM-DD` (the actualité's date). */
  today: string;
}

const TODO = 'À remplacer :';

export function starterPages(c: StarterContext): StarterPage[] {
  return [
    {
      key: 'accueil',
      type: 'accueil',
      title: 'Accueil',
      parentKey: null,
      fields: { intro: `Bienvenue sur le site officiel de la commune de ${c.communeName}.` },
      body: [
        `${TODO} présentez la commune en quelques phrases (sa situation, ses habitants, ce qui fait sa vie).`,
      ],
    },
    {
      key: 'mairie',
      type: 'page',
      title: 'La mairie',
      parentKey: null,
      fields: { summary: 'Les services de la mairie, l’équipe municipale et les horaires.' },
      body: [
        `${TODO} présentez les services de la mairie (état civil, urbanisme, élections, cimetière…) et les personnes à contacter.`,
      ],
    },
    {
      key: 'horaires',
      type: 'contact',
      title: 'Horaires et contact',
      parentKey: 'mairie',
      // Taken from the site settings, so nobody types them twice.
      fields: { address: c.address, phone: c.phone, email: c.email },
      body: [`${TODO} indiquez comment venir (stationnement, accès en fauteuil roulant, transports).`],
    },
    {
      key: 'conseil',
      type: 'elus',
      title: 'Le conseil municipal',
      parentKey: 'mairie',
      fields: {},
      body: [
        `${TODO} présentez le conseil municipal : le maire, les adjoints et leurs délégations, les conseillers.`,
        `${TODO} indiquez quand et où se réunit le conseil (les séances sont publiques).`,
      ],
    },
    {
      key: 'demarches',
      type: 'page',
      title: 'Démarches courantes',
      parentKey: null,
      fields: { summary: 'Les démarches les plus fréquentes et où les faire.' },
      body: [`${TODO} listez les démarches que les habitants font le plus souvent auprès de la mairie.`],
    },
    {
      key: 'identite',
      type: 'demarche',
      title: 'Carte d’identité et passeport',
      parentKey: 'demarches',
      fields: {
        audience: 'Toute personne de nationalité française.',
        howTo: `${TODO} indiquez où déposer la demande (mairie équipée la plus proche), s’il faut prendre rendez-vous, et le délai.`,
        servicePublicUrl: 'https://www.service-public.fr/particuliers/vosdroits/N358',
      },
      body: [
        `${TODO} ajoutez ce qui est propre à la commune (permanences, aide pour la pré-demande en ligne).`,
      ],
    },
    {
      key: 'actualite',
      type: 'actualite',
      title: 'Le nouveau site de la commune',
      parentKey: null,
      fields: {
        date: c.today,
        summary: `${TODO} annoncez le nouveau site de ${c.communeName} en deux ou trois lignes.`,
      },
      body: [`${TODO} dites ce que les habitants trouveront sur le site et comment écrire à la mairie.`],
    },
  ];
}

/**
 * The starter pages still missing from a site: a page is there when one of the same type and
 * title exists (a second click, or another agent's, adds nothing twice).
 */
export function missingStarterPages(
  existing: readonly PageMeta[],
  starter: readonly StarterPage[],
): StarterPage[] {
  const have = new Set(existing.map((p) => `${p.type}\n${p.title.trim().toLowerCase()}`));
  return starter.filter((s) => !have.has(`${s.type}\n${s.title.toLowerCase()}`));
}

/** A starter page about to be added: its new id and its parent's (new or already there). */
export interface PlannedPage {
  id: string;
  parentId: string | null;
  page: StarterPage;
}

/**
 * Which starter pages to add, parents first, with their ids: the caller stores each body under
 * its id, then `addPlannedPages` puts them in the manifest (a page never appears without its
 * body). A parent already on the site (same type and title) receives the new children.
 */
export function planStarterPages(
  existing: readonly PageMeta[],
  starter: readonly StarterPage[],
  newId: () => string = newPageId,
): PlannedPage[] {
  const idOf = new Map<string, string>();
  for (const s of starter) {
    const found = existing.find(
      (p) => p.type === s.type && p.title.trim().toLowerCase() === s.title.toLowerCase(),
    );
    if (found) idOf.set(s.key, found.id);
  }
  return missingStarterPages(existing, starter).map((page) => {
    const id = newId();
    const parentId = page.parentKey ? (idOf.get(page.parentKey) ?? null) : null;
    idOf.set(page.key, id);
    return { id, parentId, page };
  });
}

/** Adds planned pages to the manifest (drafts, at the end of their siblings) with their fields. */
export function addPlannedPages(
  manifest: Y.Doc,
  plan: readonly PlannedPage[],
  options: { updatedBy: string; now?: number },
): void {
  for (const { id, parentId, page } of plan) {
    createPage(manifest, {
      id,
      title: page.title,
      type: page.type,
      parentId,
      updatedBy: options.updatedBy,
      now: options.now,
    });
    const fields = Object.fromEntries(Object.entries(page.fields).filter(([, v]) => v !== ''));
    if (Object.keys(fields).length > 0)
      updatePageFields(manifest, id, fields, options.updatedBy, options.now);
  }
}

/** `YYYY-MM-DD` of an instant in the local time zone. */
export function localIsoDate(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
