// The live preview's HTML: the page rendered by site/'s own renderer with the published
// theme, exactly as it will be published, the stylesheet inlined (the preview is a
// `srcdoc` iframe without scripts nor same-origin access, so it cannot load files).
import type { SerializedEditorState } from 'lexical';
import { renderSite } from '../../../site/renderSite';
import { paragraphsBody } from '../../../site/sampleSite';
import type { PageMeta, SiteSettings } from '../../../site/siteDoc';

export function previewHtml(input: {
  commune: { insee: string; name: string; slug: string };
  settings: SiteSettings;
  pages: readonly PageMeta[];
  page: PageMeta;
  body: SerializedEditorState;
  stylesheet: string;
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
  const site = renderSite({
    commune: input.commune,
    settings: input.settings,
    pages,
    stylesheet: input.stylesheet,
    publishedAt: Date.now(),
  });
  const html = site.files.get(`${input.page.slug}/index.html`) ?? site.files.get('index.html') ?? '';
  const css = [...site.files].find(([name]) => name.endsWith('.css'))?.[1] ?? '';
  return html.replace(
    /<link rel="stylesheet" href="[^"]*">/,
    () => `<style>${css.replace(/<\//g, '<\\/')}</style>`,
  );
}
