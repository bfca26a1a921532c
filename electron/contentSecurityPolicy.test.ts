// The CSP sent with every app:// response: strict, with network access only to the sync server.
import { describe, expect, it } from 'vitest';
import { buildContentSecurityPolicy } from './contentSecurityPolicy';
import { parseServerUrl } from './urlPolicy';

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp.split(';').map((part) => {
      const [name = '', ...sources] = part.trim().split(/\s+/);
      return [name, sources] as const;
    }),
  );
}

function endpoint(raw: string) {
  const parsed = parseServerUrl(raw);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.endpoint;
}

describe('buildContentSecurityPolicy', () => {
  const csp = buildContentSecurityPolicy(endpoint('http://localhost:8080'));
  const d = directives(csp);

  it('defaults to self and restricts scripts and styles to self', () => {
    expect(d.get('default-src')).toEqual(["'self'"]);
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(d.get('style-src')).toEqual(["'self'"]);
  });

  it('never allows inline code, eval or wildcards', () => {
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).not.toContain('unsafe-hashes');
    expect(csp).not.toContain('*');
  });

  it('connects only to self and the configured server (http and ws)', () => {
    expect(d.get('connect-src')).toEqual(["'self'", 'http://localhost:8080', 'ws://localhost:8080']);
    const tls = directives(buildContentSecurityPolicy(endpoint('https://usine.ampmetropole.fr/x')));
    expect(tls.get('connect-src')).toEqual([
      "'self'",
      'https://usine.ampmetropole.fr',
      'wss://usine.ampmetropole.fr',
    ]);
  });

  it('allows images from self, blob: and data: only', () => {
    expect(d.get('img-src')).toEqual(["'self'", 'blob:', 'data:']);
  });

  it('forbids plugins, frames, base and form hijacking', () => {
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(d.get('frame-src')).toEqual(["'none'"]);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
    expect(d.get('base-uri')).toEqual(["'none'"]);
    expect(d.get('form-action')).toEqual(["'none'"]);
  });
});
