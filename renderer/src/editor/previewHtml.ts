// The live preview's HTML: the page rendered by site/'s own renderer with the published
// theme, exactly as it will be published, the stylesheet inlined (the preview is a
// `srcdoc` iframe without scripts nor same-origin access, so it cannot load files: body images
// are given as data: URLs read from this computer's media store).
import type { SerializedEditorState } from 'lexical';
import type * as Y from 'yjs';
import { readMenus, type SiteMenus } from '../../../site/menus';
import type { MediaInfo } from '../../../site/renderHtml';
import { renderSite } from '../../../site/renderSite';
import { paragraphsBody } from '../../../site/sampleSite';
import { type PageMeta, readMedia, readPages, readSettings, type SiteSettings } from '../../../site/siteDoc';

export function previewHtml(input: {
  commune: { insee: string; name: string; slug: string };
  settings: SiteSettings;
  pages: readonly PageMeta[];
  page: PageMeta;
  body: SerializedEditorState;
  stylesheet: string;
  /** The media library (manifest `media`), so images and links to PDFs render as published. */
  media?: Readonly<Record<string, MediaInfo>>;
  /** data: URLs of the images available on this computer, by sha256. */
  imageUrls?: ReadonlyMap<string, string>;
  /** The menus chosen in « Menus » (manifest `menus`): the preview shows the published menu. */
  menus?: SiteMenus;
}): string {
  const empty = paragraphsBody([]);
  const pages = input.pages.map((meta) =>
    meta.id === input.page.id
      ? { meta: { ...input.page, status: 'published' as const }, body: input.body }
      : { meta, body: empty },
  );
  if (!pages.some((p) => p.meta.id === input.page.id)) {
    pages.push({ meta: { ...input.page, status: 'published' }, body: input.body });
  }
  // Only the stored original exists on this computer: no srcset of server-made variants.
  const media: Record<string, MediaInfo> = {};
  for (const [sha, info] of Object.entries(input.media ?? {})) media[sha] = { ...info, widths: [] };
  const site = renderSite({
    commune: input.commune,
    settings: input.settings,
    pages,
    stylesheet: input.stylesheet,
    publishedAt: Date.now(),
    media,
    menus: input.menus,
  });
  const html = site.files.get(`${input.page.slug}/index.html`) ?? site.files.get('index.html') ?? '';
  const css = [...site.files].find(([name]) => name.endsWith('.css'))?.[1] ?? '';
  return html
    .replace(/<link rel="stylesheet" href="[^"]*">/, () => `<style>${css.replace(/<\//g, '<\\/')}</style>`)
    .replace(/ src="(?:\.\.\/|\.\/)media\/([0-9a-f]{64})\.[a-z0-9]+"/g, (whole, sha: string) => {
      const url = input.imageUrls?.get(sha);
      return url && /^data:image\/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=]+$/.test(url) ? ` src="${url}"` : whole;
    });
}

/** The preview of a page from the live manifest: its settings, pages, media and chosen menus. */
export function manifestPreviewHtml(
  manifest: Y.Doc,
  input: {
    commune: { insee: string; name: string; slug: string };
    page: PageMeta;
    body: SerializedEditorState;
    stylesheet: string;
    imageUrls?: ReadonlyMap<string, string>;
  },
): string {
  return previewHtml({
    ...input,
    settings: readSettings(manifest, input.commune.name),
    pages: readPages(manifest),
    media: readMedia(manifest),
    menus: readMenus(manifest),
  });
}
