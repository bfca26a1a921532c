/**
 * A small, realistic site snapshot (for tests, benchmarks and demos): a home page,
 * inner pages with a sub-page, a draft, the legal pages, and bodies using every
 * allow-listed node.
 */
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
): PageMeta {
  return {
    id,
    type,
    title,
    slug,
    parentId,
    order,
    status,
    fields: {},
    createdAt: 0,
    updatedAt: 0,
    updatedBy: 'test',
  };
}

export function sampleSnapshot(stylesheet = ':root{--accent:#000091}'): SiteSnapshot {
  return {
    commune: { insee: '13001', name: 'Aix-en-Provence', slug: 'aix-en-provence' },
    settings: { name: 'Aix-en-Provence', accentColor: '#000091' },
    publishedAt: Date.UTC(2025, 5, 2, 8, 30),
    stylesheet,
    pages: [
      {
        meta: meta('home0000', 'Accueil', 'accueil', 'a0', 'published', 'accueil'),
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
        ),
        body: paragraphsBody(['Prenez rendez-vous.']),
      },
      {
        meta: meta('brouillon', 'Brouillon secret', 'brouillon-secret', 'a3', 'draft'),
        body: paragraphsBody(['Pas encore.']),
      },
      {
        meta: meta('mentions0', 'Mentions légales', 'mentions-legales', 'a4'),
        body: paragraphsBody(['Éditeur : la commune.']),
      },
      {
        meta: meta('accessib0', 'Déclaration d’accessibilité', 'accessibilite', 'a5'),
        body: paragraphsBody(['Partiellement conforme.']),
      },
    ],
  };
}
