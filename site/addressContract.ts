/** HTTP contract of a page's addresses (SPEC.md [ADDR-7]), shared by the server and the editor. */
import { apiPath } from './apiContract';

export interface PageAddressesResponse {
  /** The page's address in the version online (`/sites/{slug}/…/`), or null when not online. */
  current: string | null;
  /** Its former addresses that still answer, newest first. */
  former: Array<{ address: string; title: string; until: number }>;
}

export function apiPageAddressesPath(insee: string, pageId: string): string {
  return apiPath('pageAddresses', { insee, pageId });
}
