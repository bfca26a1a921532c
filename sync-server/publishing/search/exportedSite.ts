/**
 * The published site as it goes into the commune's export zip ([SEARCH-9]): an exported folder
 * has no server to answer `recherche/?q=`, so each search form becomes a link to the « Plan
 * du site », and the search index and template (dot folder) stay out.
 */
import fs from 'node:fs';
import { withoutSearchForms } from '../../../site/searchTemplate';
import { isHiddenSitePath } from '../../storage/safePaths';

/** What to put in the zip for the version's file `rel`: nothing, new content, or the file as is. */
export function exportedSiteFile(rel: string, abs: string): 'skip' | 'as-is' | Buffer {
  if (isHiddenSitePath(`/${rel}`)) return 'skip';
  if (!rel.endsWith('.html')) return 'as-is';
  return Buffer.from(withoutSearchForms(fs.readFileSync(abs, 'utf8')), 'utf8');
}
