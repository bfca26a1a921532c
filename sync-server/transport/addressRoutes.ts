/**
 * HTTP route of a page's addresses in the version online (site/SPEC.md [ADDR-7]), for the
 * members of the commune (and the Métropole):
 *
 *   GET /api/communes/{insee}/pages/{pageId}/addresses   → PageAddressesResponse
 */
import type { PageAddressesResponse } from '../../site/addressContract';
import { formerAddressesOf } from '../../site/addressMap';
import type { Accounts } from '../accounts/Accounts';
import type { Publisher } from '../publishing/Publisher';
import { readAddressFile } from '../publishing/siteAddresses';
import type { ApiResponse, Handlers, RouteCall } from './routeTypes';

export function addressRoutes(options: { accounts: Accounts; publisher: Publisher }) {
  async function pageAddresses({ params }: RouteCall): Promise<ApiResponse> {
    const { insee, pageId } = params as { insee: string; pageId: string };
    const slug = options.accounts.commune(insee)!.slug;
    const dir = await options.publisher.currentDir(slug);
    const map = dir ? await readAddressFile(dir) : null;
    const site = `/sites/${slug}/`;
    const current = map?.pages[pageId];
    const body: PageAddressesResponse = {
      current: current ? site + current.path : null,
      former: map
        ? formerAddressesOf(map, pageId).map((f) => ({
            address: site + f.path,
            title: f.title,
            until: f.until,
          }))
        : [],
    };
    return { status: 200, body };
  }

  return { pageAddresses } satisfies Handlers;
}
