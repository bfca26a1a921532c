/**
 * The publisher's hook ([SEARCH-3]): adds the search index of a rendered site to the files of
 * the version being written, so it is linked when unchanged and rolled back with the version.
 */
import type { RenderedSite, SiteSnapshot } from '../../../site/renderSite';
import type { SearchIndexBuilder } from './searchIndex';

export { SearchIndexBuilder } from './searchIndex';

/** Puts the index shards into `rendered.files`; returns how many pages were read again. */
export function indexRenderedSite(
  builder: SearchIndexBuilder,
  insee: string,
  snapshot: SiteSnapshot,
  rendered: RenderedSite,
): number {
  const pages = snapshot.pages.flatMap(({ meta, body }) => {
    const path = rendered.pagePaths.get(meta.id);
    return path ? [{ meta, body, path }] : [];
  });
  const { files, reindexed } = builder.build(insee, pages);
  for (const [file, json] of files) rendered.files.set(file, json);
  return reindexed;
}
