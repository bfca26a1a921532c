/**
 * The server's one HTTP router: a table of (method, path template) → route, matched by
 * find-my-way (Fastify's radix-tree router). Each `:name` segment must match its pattern in
 * `API_PARAM_PATTERNS` (site/apiContract.ts), or the path is unknown: handlers only ever see
 * checked values. A path known under other methods answers 405 with the methods it has.
 */
import FindMyWay from 'find-my-way';
import { API_PARAM_PATTERNS } from '../../site/apiContract';

export type RouteMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
const METHODS: readonly RouteMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'];

export interface RouteEntry<R> {
  method: RouteMethod;
  /** `/api/communes/:insee/docs`, or a prefix ending in `/*`. */
  path: string;
  route: R;
}

export type RouteMatch<R> =
  | { kind: 'found'; route: R; params: Record<string, string> }
  | { kind: 'not-found' }
  | { kind: 'method-not-allowed'; allow: RouteMethod[] };

export interface Router<R> {
  match(method: string, pathname: string): RouteMatch<R>;
}

export function createRouter<R>(
  entries: Iterable<RouteEntry<R>>,
  patterns: Readonly<Record<string, RegExp>> = API_PARAM_PATTERNS,
): Router<R> {
  const tree = FindMyWay({ ignoreTrailingSlash: false, maxParamLength: 100 });
  for (const entry of entries) tree.on(entry.method, entry.path, () => {}, { route: entry.route });

  function find(method: RouteMethod, pathname: string): { route: R; params: Record<string, string> } | null {
    const found = tree.find(method, pathname);
    if (!found) return null;
    const params: Record<string, string> = {};
    for (const [name, value] of Object.entries(found.params)) {
      if (value === undefined) return null;
      const pattern = patterns[name];
      if (pattern && !pattern.test(value)) return null;
      params[name] = value;
    }
    return { route: (found.store as { route: R }).route, params };
  }

  return {
    match(method, pathname) {
      const found = (METHODS as readonly string[]).includes(method)
        ? find(method as RouteMethod, pathname)
        : null;
      if (found) return { kind: 'found', ...found };
      const allow = METHODS.filter((m) => m !== method && find(m, pathname));
      return allow.length > 0 ? { kind: 'method-not-allowed', allow } : { kind: 'not-found' };
    },
  };
}
