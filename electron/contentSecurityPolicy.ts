/**
 * Builds the Content-Security-Policy sent with every app:// response.
 * Strict on purpose: no inline script or style, no eval, network only to our own origin and the
 * configured sync server. Lexical and React set styles through the CSSOM (`el.style.x = …`),
 * which `style-src` does not govern, so `'unsafe-inline'` is not needed.
 */
import type { ServerEndpoint } from './urlPolicy';

export function buildContentSecurityPolicy(server: ServerEndpoint): string {
  const directives: Array<[string, string[]]> = [
    ['default-src', ["'self'"]],
    ['script-src', ["'self'"]],
    ['style-src', ["'self'"]],
    ['img-src', ["'self'", 'blob:', 'data:']],
    ['font-src', ["'self'"]],
    ['connect-src', ["'self'", server.origin, server.wsOrigin]],
    ['worker-src', ["'self'"]],
    ['object-src', ["'none'"]],
    ['frame-src', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['form-action', ["'none'"]],
    ['frame-ancestors', ["'none'"]],
  ];
  return directives.map(([name, sources]) => `${name} ${sources.join(' ')}`).join('; ');
}
