/**
 * HTTP route of a page's addresses in the version online (site/SPEC.md [ADDR-7]), for the
 * members of the commune (and the Métropole):
 *
 *   GET /api/communes/{insee}/pages/{pageId}/addresses   → PageAddressesResponse
 */
import type { PageAddressesResponse } from '../../site/addressContract';
import { formerAddressesOf } from '../../site/addressMap';
import type { ApiError } from '../../site/apiContract';
import type { Accounts } from '../accounts/Accounts';
import type { ApiRequest, ApiResponse } from './api';
import type { Publisher } from '../publishing/Publisher';
import { authorizeMember } from './publishingApi';
import { readAddressFile } from '../publishing/siteAddresses';

const ROUTE = /^\/api\/communes\/((?:\d{5}|2[AB]\d{3}))\/pages\/([A-Za-z0-9_-]{8,64})\/addresses$/;

export function withAddressRoutes(
  inner: (request: ApiRequest) => Promise<ApiResponse>,
  options: { accounts: Accounts; publisher: Publisher },
): (request: ApiRequest) => Promise<ApiResponse> {
  return async (request) => {
    const match = ROUTE.exec(request.pathname);
    if (!match) return inner(request);
    const [, insee, pageId] = match as unknown as [string, string, string];
    if (request.method !== 'GET') {
      const body: ApiError = {
        error: { code: 'method-not-allowed', message: 'Méthode non autorisée pour cette adresse.' },
      };
      return { status: 405, body };
    }
    const auth = authorizeMember(options.accounts, request, insee);
    if ('response' in auth) return auth.response;
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
  };
}
