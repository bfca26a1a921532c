/**
 * A small, realistic site snapshot (for tests, benchmarks and demos): a home page, one
 * published page of every type with its fields, a sub-page, a draft, media (an image with
 * re-encoded sizes, a signed PDF, a logo), and bodies using every allow-listed node.
 */
import type { MenuEntry, MenuKind, SiteMenus } from './menus';
import type { SerializedEditorState } from 'lexical';
import type { SiteSnapshot } from './renderSite';
import type { PageMeta, PageStatus, PageType } from './siteDoc';

const textNode = (text: string, format = 0) => ({
  type: 'text',
  text,
  format,
  detail: 0,
  mode: 'normal',
  style: '',
  version: 1,
});

function body(...children: unknown[]): SerializedEditorState {
  return {
    root: { type: 'root', children, direction: null, format: '', indent: 0, version: 1 },
  } as unknown as SerializedEditorState;
}

const paragraph = (...children: unknown[]) => ({
  type: 'paragraph',
  children,
  direction: null,
  format: '',
  indent: 0,
  version: 1,
});

/** Editor-state JSON of plain paragraphs. */
export function paragraphsBody(paragraphs: string[]): SerializedEditorState {
  return body(...paragraphs.map((p) => paragraph(textNode(p))));
}

function meta(
  id: string,
  title: string,
  slug: string,
  order: string,
  status: PageStatus = 'published',
  type: PageType = 'page',
  parentId: string | null = null,
  fields: Record<string, unknown> = {},
): PageMeta {
  return {
    id,
    type,
    title,
    slug,
    parentId,
    order,
    status,
    fields,
    createdAt: 0,
    updatedAt: 0,
    updatedBy: 'test',
  };
}

/** sha256 keys of the sample media library. */
export const SAMPLE_MEDIA = {
  photo: 'a3f1c2d4e5b60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90',
  pdf: '5d41402abc4b2a76b9719d911017c592aa3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d',
  logo: '0f0e0d0c0b0a09080706050403020100f0e0d0c0b0a090807060504030201000',
} as const;

const table = (rows: string[][], headerRow = true) => ({
  type: 'table',
  children: rows.map((cells, r) => ({
    type: 'tablerow',
    children: cells.map((text, c) => ({
      type: 'tablecell',
      headerState: headerRow && r === 0 ? 1 : c === 0 ? 2 : 0,
      children: [paragraph(textNode(text))],
    })),
  })),
});

const entry = (id: string, kind: MenuKind, target: string, label = '', children: MenuEntry[] = []) => ({
  id,
  kind,
  target,
  label,
  children,
});

/**
 * The sample's chosen menus (SPEC [MENU-*]): sub-menus, list pages, an external link, a draft
 * page left out; the footer gets one link besides the legal pages.
 */
export const SAMPLE_MENUS: SiteMenus = {
  mainChosen: true,
  main: [
    entry('m1', 'page', 'horaires', 'La mairie', [
      entry('m11', 'page', 'elus0001'),
      entry('m12', 'list', 'registre-des-actes'),
      entry('m13', 'page', 'brouillon'),
    ]),
    entry('m2', 'page', 'demarche', 'Démarches'),
    entry('m3', 'list', 'actualites'),
    entry('m4', 'list', 'agenda'),
    entry('m5', 'page', 'assoc001', 'Vie locale', [
      entry('m51', 'page', 'cantine1'),
      entry('m52', 'page', 'libre001'),
    ]),
    entry('m6', 'page', 'risques1'),
    entry('m7', 'link', 'https://www.ampmetropole.fr/', 'La Métropole'),
  ],
  footer: [entry('f1', 'link', 'https://www.service-public.fr/', 'Service-public.fr')],
};

export function sampleSnapshot(stylesheet = ':root{--accent:#000091}'): SiteSnapshot {
  return {
    commune: { insee: '13001', name: 'Aix-en-Provence', slug: 'aix-en-provence' },
    settings: {
      name: 'Aix-en-Provence',
      accentColor: '#000091',
      logo: SAMPLE_MEDIA.logo,
      logoAlt: 'Blason de la commune',
      address: 'Place de l’Hôtel de Ville\n13100 Aix-en-Provence',
      phone: '04 42 00 00 00',
      email: 'mairie@aix-en-provence.example',
      mayorName: 'Sophie Martin',
      accessibilityStatus: 'partielle',
      accessibilityAuditDate: '2025-03-14',
      accessibilityAuditor: 'la Métropole Aix-Marseille-Provence',
      accessibilityRate: '87',
      nonAccessibleContent: 'Certains actes anciens, numérisés, ne sont pas des PDF balisés.',
      accessibilityPlanUrl: 'https://www.ampmetropole.fr/accessibilite',
      banner: SAMPLE_MEDIA.photo,
      siret: '21130001700012',
    },
    media: {
      [SAMPLE_MEDIA.photo]: {
        mime: 'image/webp',
        width: 1600,
        height: 900,
        widths: [480, 960, 1440],
        bytes: 180_000,
      },
      [SAMPLE_MEDIA.pdf]: {
        mime: 'application/pdf',
        width: 0,
        height: 0,
        widths: [],
        bytes: 123_456,
        name: 'arrete.pdf',
      },
      [SAMPLE_MEDIA.logo]: { mime: 'image/png', width: 96, height: 96, widths: [], bytes: 2_000 },
    },
    menus: SAMPLE_MENUS,
    siteUrl: 'https://aix-en-provence.example/',
    publishedAt: Date.UTC(2025, 5, 2, 8, 30),
    stylesheet,
    pages: [
      {
        meta: meta('home0000', 'Accueil', 'accueil', 'a0', 'published', 'accueil', null, {
          intro: 'Bienvenue à Aix-en-Provence.',
        }),
        body: paragraphsBody(['Bienvenue sur le site de la commune.']),
      },
      {
        meta: meta(
          'horaires',
          'Horaires & contact <mairie>',
          'horaires-et-contact',
          'a1',
          'published',
          'contact',
          null,
          {
            address: 'Place de l’Hôtel de Ville\n13100 Aix-en-Provence',
            phone: '04 42 00 00 00',
            email: 'mairie@aix-en-provence.example',
            hours: [
              { day: 'lundi', opens: '08:30', closes: '12:00', reopens: '', recloses: '', note: '' },
              {
                day: 'mardi',
                opens: '08:30',
                closes: '12:00',
                reopens: '13:30',
                recloses: '17:00',
                note: '',
              },
              { day: 'samedi', opens: '', closes: '', reopens: '', recloses: '', note: 'Sur rendez-vous' },
            ],
            closures: [{ from: '2099-05-14', to: '2099-05-15', reason: 'Pont de l’Ascension' }],
          },
        ),
        body: body(
          paragraph(textNode('La mairie est ouverte du '), textNode('lundi au vendredi', 1), textNode('.')),
          { type: 'heading', tag: 'h2', children: [textNode('Adresse')] },
          paragraph(
            textNode('Place de l’Hôtel de Ville'),
            { type: 'linebreak', version: 1 },
            textNode('13100 Aix-en-Provence'),
          ),
          {
            type: 'list',
            listType: 'bullet',
            start: 1,
            tag: 'ul',
            children: [
              {
                type: 'listitem',
                value: 1,
                children: [{ type: 'link', url: 'tel:+33442000000', children: [textNode('04 42 00 00 00')] }],
              },
              {
                type: 'listitem',
                value: 2,
                children: [
                  {
                    type: 'link',
                    url: 'javascript:alert(1)',
                    children: [textNode('<script>alert(1)</script>')],
                  },
                ],
              },
              {
                type: 'listitem',
                value: 3,
                children: [
                  {
                    type: 'list',
                    listType: 'number',
                    start: 1,
                    tag: 'ol',
                    children: [{ type: 'listitem', value: 1, children: [textNode('imbriqué')] }],
                  },
                ],
              },
            ],
          },
          { type: 'quote', children: [textNode('Une citation', 2)] },
          { type: 'heading', tag: 'h6', children: [textNode('Petit titre')] },
          paragraph({
            type: 'autolink',
            url: 'https://www.service-public.fr/',
            children: [textNode('service-public.fr')],
          }),
        ),
      },
      {
        meta: meta(
          'demarche',
          'Carte d’identité',
          'carte-d-identite',
          'a2',
          'published',
          'demarche',
          'horaires',
          {
            audience: 'Toute personne de nationalité française.',
            howTo: 'Prenez rendez-vous en mairie.',
            documents: 'Photo d’identité\nJustificatif de domicile',
            servicePublicUrl: 'https://www.service-public.fr/particuliers/vosdroits/F1341',
          },
        ),
        body: paragraphsBody(['Prenez rendez-vous.']),
      },
      {
        meta: meta('brouillon', 'Brouillon secret', 'brouillon-secret', 'a3', 'draft'),
        body: paragraphsBody(['Pas encore.']),
      },
      {
        meta: meta('actu0001', 'Fête du village', 'fete-du-village', 'a4', 'published', 'actualite', null, {
          date: '2025-05-28',
          summary: 'La fête revient le 21 juin sur la place.',
          image: SAMPLE_MEDIA.photo,
          imageAlt: 'La place du village décorée de lampions',
        }),
        body: body(
          paragraph(textNode('Programme de la journée :')),
          table([
            ['Heure', 'Animation'],
            ['10 h', 'Marché'],
            ['21 h', 'Bal'],
          ]),
          {
            type: 'image',
            sha256: SAMPLE_MEDIA.photo,
            altText: 'Le bal de l’an dernier',
            caption: 'Le bal, en 2024.',
          },
          { type: 'image', sha256: SAMPLE_MEDIA.photo, decorative: true },
          {
            type: 'callout',
            variant: 'important',
            children: [paragraph(textNode('Route fermée de 18 h à minuit.'))],
          },
        ),
      },
      {
        meta: meta('event001', 'Concert de l’harmonie', 'concert', 'a5', 'published', 'evenement', null, {
          startsAt: '2025-06-21T20:30',
          endsAt: '2025-06-21T23:00',
          place: 'Cours Mirabeau',
          organiser: 'Harmonie municipale',
          summary: 'Concert gratuit, en plein air.',
        }),
        body: paragraphsBody(['Venez nombreux.']),
      },
      {
        meta: meta(
          'acte0001',
          'Arrêté de circulation n° 2025-042',
          'arrete-2025-042',
          'a6',
          'published',
          'acte',
          null,
          {
            kind: 'arrete',
            number: '2025-042',
            date: '2025-05-20',
            subject: 'Circulation interdite pendant la fête du village',
            author: 'Sophie Martin',
            authorCapacity: 'maire',
            pdf: SAMPLE_MEDIA.pdf,
            onlineAt: '2025-05-21T09:00',
          },
        ),
        body: paragraphsBody([]),
      },
      {
        meta: meta('elus0001', 'Le conseil municipal', 'conseil-municipal', 'a7', 'published', 'elus', null, {
          councilInstalledOn: '2020-05-25',
          members: [
            { name: 'Sophie Martin', role: 'maire', delegation: '', photo: SAMPLE_MEDIA.photo },
            { name: 'Paul Durand', role: 'premier adjoint', delegation: 'Écoles et jeunesse', photo: '' },
          ],
        }),
        body: paragraphsBody([]),
      },
      {
        meta: meta('assoc001', 'Associations', 'associations', 'a8', 'published', 'associations', null, {
          entries: [
            {
              name: 'Club de pétanque',
              description: 'Sport et loisirs',
              email: 'petanque@example.org',
              phone: '04 42 00 00 01',
              website: '',
            },
            {
              name: 'Chorale',
              description: 'Musique',
              email: '',
              phone: '',
              website: 'https://chorale.example.org',
            },
          ],
        }),
        body: paragraphsBody([]),
      },
      {
        meta: meta('cantine1', 'Menus de la cantine', 'cantine', 'a9', 'published', 'cantine', null, {
          weekOf: '2025-06-02',
          menu: [
            {
              date: '2025-06-02',
              starter: 'Carottes râpées',
              main: 'Poisson pané',
              side: 'Riz',
              dairy: 'Yaourt',
              dessert: 'Pomme',
              labels: 'bio,local',
              allergens: 'Poisson, gluten, lait',
            },
            {
              date: '2025-06-03',
              starter: 'Salade verte',
              main: 'Lasagnes',
              side: '',
              dairy: '',
              dessert: 'Fruit de saison',
              labels: 'fait-maison',
              allergens: 'Gluten, lait, œuf',
            },
          ],
          allergens: 'Poisson, gluten, lait.',
        }),
        body: paragraphsBody([]),
      },
      {
        meta: meta('risques1', 'Risques et alertes', 'risques', 'b0', 'published', 'risques', null, {
          alertActive: 'oui',
          alertLevel: 'vigilance',
          alertMessage: 'Vigilance orange canicule.',
          dicrim: SAMPLE_MEDIA.pdf,
        }),
        body: paragraphsBody(['Consultez le DICRIM.']),
      },
      {
        meta: meta('libre001', 'Histoire de la commune', 'histoire', 'b1', 'published', 'page'),
        body: paragraphsBody(['Une longue histoire.']),
      },
      {
        meta: meta(
          'actu0002',
          'Travaux de la rue Thiers',
          'travaux-rue-thiers',
          'b2',
          'published',
          'actualite',
          null,
          {
            date: '2025-05-15',
            summary:
              'La rue Thiers est en travaux jusqu’au 30 juin : circulation alternée et stationnement interdit.',
          },
        ),
        body: paragraphsBody(['Le chantier renouvelle les réseaux d’eau.']),
      },
      {
        meta: meta(
          'actu0003',
          'Inscriptions scolaires',
          'inscriptions-scolaires',
          'b3',
          'published',
          'actualite',
          null,
          {
            date: '2025-04-30',
            summary:
              'Les inscriptions pour la rentrée de septembre sont ouvertes en mairie jusqu’au 13 juin.',
            image: SAMPLE_MEDIA.photo,
            imageAlt: 'La cour de l’école',
          },
        ),
        body: paragraphsBody(['Apportez le livret de famille.']),
      },
      {
        meta: meta(
          'event002',
          'Marché des producteurs',
          'marche-des-producteurs',
          'b4',
          'published',
          'evenement',
          null,
          {
            startsAt: '2025-06-07T08:00',
            endsAt: '2025-06-07T13:00',
            place: 'Place Richelme',
            summary: 'Fruits, légumes et fromages de la vallée.',
          },
        ),
        body: paragraphsBody(['Chaque premier samedi du mois.']),
      },
      {
        meta: meta('event003', 'Vide-greniers', 'vide-greniers', 'b5', 'published', 'evenement', null, {
          startsAt: '2025-05-11T07:00',
          endsAt: '2025-05-11T18:00',
          place: 'Parc Jourdan',
        }),
        body: paragraphsBody(['Merci aux exposants.']),
      },
      {
        meta: meta(
          'delib001',
          'Délibération n° 2025-017 : budget primitif 2025',
          'deliberation-2025-017',
          'b6',
          'published',
          'acte',
          null,
          {
            kind: 'deliberation',
            number: '2025-017',
            date: '2025-04-08',
            subject: 'Adoption du budget primitif 2025, budget principal',
            pdf: SAMPLE_MEDIA.pdf,
            onlineAt: '2025-04-10T09:00',
            matiere: '7.1',
            budgetYear: '2025',
            budgetName: 'Budget principal',
            prefId: 'PREF013',
            prefDate: '2025-04-09',
            voteEffectif: '29',
            voteReel: '27',
            votePour: '23',
            voteContre: '3',
            voteAbstention: '1',
          },
        ),
        body: paragraphsBody([]),
      },
    ],
  };
}
