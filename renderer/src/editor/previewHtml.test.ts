import { describe, expect, it } from 'vitest';
import type { SerializedEditorState } from 'lexical';
import type { PageMeta } from '../../../site/siteDoc';
import { normalizeSettings } from '../../../site/settings';
import { previewHtml } from './previewHtml';

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
