import { describe, expect, it } from 'vitest';
import type { SerializedEditorState } from 'lexical';
import * as Y from 'yjs';
import { addMenuEntry, renameMenuEntry } from '../../../site/menus';
import { paragraphsBody } from '../../../site/sampleSite';
import { createPage, type PageMeta, updatePage } from '../../../site/siteDoc';
import { normalizeSettings } from '../../../site/settings';
import { manifestPreviewHtml, previewHtml } from './previewHtml';

const IMG = 'a'.repeat(64);
const PDF = 'b'.repeat(64);
const DATA = 'data:image/webp;base64,UklGRg==';

const page = {
  id: 'p1',
  type: 'page',
  title: 'Plan',
  slug: 'plan',
  parentId: null,
  order: 'a0',
  status: 'draft',
  fields: {},
  updatedAt: 0,
  updatedBy: '',
} as unknown as PageMeta;

const body = {
  root: {
    type: 'root',
    children: [
      { type: 'image', sha256: IMG, altText: 'Plan du village', decorative: false, caption: '' },
      {
        type: 'paragraph',
        children: [{ type: 'link', url: `media:${PDF}`, children: [{ type: 'text', text: 'Arrêté' }] }],
      },
    ],
  },
} as unknown as SerializedEditorState;

function render(imageUrls?: Map<string, string>) {
  return previewHtml({
    commune: { insee: '13001', name: 'Aix-en-Provence', slug: 'aix-en-provence' },
    settings: normalizeSettings({}, 'Aix-en-Provence'),
    pages: [page],
    page,
    body,
    stylesheet: 'body{}',
    media: {
      [IMG]: { mime: 'image/webp', width: 900, height: 600, widths: [480, 900] },
      [PDF]: { mime: 'application/pdf', width: 0, height: 0, widths: [], bytes: 4096 },
    },
    imageUrls,
  });
}

describe('live preview HTML', () => {
  it('shows body images from this computer (data: URL, no srcset of server variants) and PDF links with their size', () => {
    const html = render(new Map([[IMG, DATA]]));
    expect(html).toContain(`<img src="${DATA}" width="900" height="600" alt="Plan du village"`);
    expect(html).not.toContain('srcset');
    expect(html).toContain('Arrêté (PDF, 4 Ko)</a>');
  });

  it('keeps the relative path while the image is not loaded, and never inlines anything but an image data: URL', () => {
    expect(render()).toContain(`src="../media/${IMG}.webp"`);
    expect(render(new Map([[IMG, 'javascript:alert(1)']]))).toContain(`src="../media/${IMG}.webp"`);
    expect(render(new Map([[IMG, 'data:text/html;base64,PHNjcmlwdD4=']]))).not.toContain('data:text/html');
  });
});

/** The preview's « Menu principal », as « label → href » in document order. */
function previewMenu(html: string): string[] {
  const nav = /<nav class="site-nav" aria-label="Menu principal">[^]*?<\/nav>/.exec(html)?.[0] ?? '';
  return [...nav.matchAll(/<a href="([^"]*)"[^>]*>([^<]*)<\/a>/g)].map((m) => `${m[2]} → ${m[1]}`);
}

describe('live preview menu', () => {
  it('[MENU-5] shows the main menu chosen in « Menus », not the default, and follows its changes', () => {
    const manifest = new Y.Doc();
    const ecoles = createPage(manifest, { title: 'Écoles', updatedBy: 'a' });
    const mairie = createPage(manifest, { title: 'Mairie', updatedBy: 'a' });
    for (const p of [ecoles, mairie]) updatePage(manifest, p.id, { status: 'published' }, 'a');
    const draft = createPage(manifest, { title: 'Projet', updatedBy: 'a' });
    const preview = () =>
      previewMenu(
        manifestPreviewHtml(manifest, {
          commune: { insee: '13001', name: 'Aix-en-Provence', slug: 'aix-en-provence' },
          page: draft,
          body: paragraphsBody(['Texte']),
          stylesheet: 'body{}',
        }),
      );
    // Never chosen: the default ([MENU-4]), the previewed page shown as if online.
    expect(preview()).toEqual([
      'Écoles → ../ecoles/index.html',
      'Mairie → ../mairie/index.html',
      'Projet → ../projet/index.html',
    ]);
    // Chosen in « Menus »: the Mairie, then the Agenda list page.
    const mairieEntry = addMenuEntry(manifest, { menu: 'main', kind: 'page', target: mairie.id });
    if (!('id' in mairieEntry)) throw new Error(mairieEntry.problem);
    addMenuEntry(manifest, { menu: 'main', kind: 'list', target: 'agenda' });
    expect(preview()).toEqual(['Mairie → ../mairie/index.html', 'Agenda → ../agenda/index.html']);
    renameMenuEntry(manifest, mairieEntry.id, 'La mairie');
    expect(preview()[0]).toBe('La mairie → ../mairie/index.html');
  });
});
