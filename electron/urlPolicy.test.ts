// URL allow-lists: external links, navigation, app origin, configured server URL.
import { describe, expect, it } from 'vitest';
import {
  appEntryUrl,
  decideNavigation,
  decideWindowOpen,
  isAllowedExternalUrl,
  isAppUrl,
  parseServerUrl,
} from './urlPolicy';

describe('isAllowedExternalUrl', () => {
  it.each(['https://www.ampmetropole.fr/', 'http://example.org/a?b=c', 'HTTPS://EXAMPLE.ORG'])(
    'allows %s',
    (url) => expect(isAllowedExternalUrl(url)).toBe(true),
  );
  it.each([
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'file:///etc/passwd',
    'file://C:/Windows/System32/calc.exe',
    'app://usine/index.html',
    'data:text/html,<script>alert(1)</script>',
    'smb://server/share',
    'ms-msdt:/id PCWDiagnostic',
    'mailto:a@b.fr',
    'https://user:pass@example.org/',
    '//example.org',
    'not a url',
    '',
  ])('refuses %s', (url) => expect(isAllowedExternalUrl(url)).toBe(false));
});

describe('isAppUrl', () => {
  it('accepts only app://usine', () => {
    expect(isAppUrl('app://usine/index.html?server=x')).toBe(true);
    expect(isAppUrl('app://usine')).toBe(true);
    expect(isAppUrl('app://other/index.html')).toBe(false);
    expect(isAppUrl('app://usine:1/index.html')).toBe(false);
    expect(isAppUrl('app://u:p@usine/index.html')).toBe(false);
    expect(isAppUrl('https://usine/index.html')).toBe(false);
    expect(isAppUrl('file:///app/usine')).toBe(false);
    expect(isAppUrl('about:blank')).toBe(false);
  });
});

describe('navigation and window.open', () => {
  it('allows navigation inside app://usine only', () => {
    expect(decideNavigation('app://usine/index.html#/page/1')).toEqual({ action: 'allow' });
    expect(decideNavigation('https://example.org/')).toEqual({ action: 'deny', openExternally: true });
    expect(decideNavigation('file:///etc/passwd')).toEqual({ action: 'deny', openExternally: false });
    expect(decideNavigation('javascript:alert(1)')).toEqual({ action: 'deny', openExternally: false });
  });
  it('never opens a window; http(s) goes to the browser', () => {
    expect(decideWindowOpen('https://example.org/')).toEqual({ action: 'deny', openExternally: true });
    expect(decideWindowOpen('app://usine/index.html')).toEqual({ action: 'deny', openExternally: false });
    expect(decideWindowOpen('file:///x')).toEqual({ action: 'deny', openExternally: false });
  });
});

describe('parseServerUrl', () => {
  it('defaults to http://localhost:8080', () => {
    expect(parseServerUrl(undefined)).toEqual({
      ok: true,
      endpoint: { origin: 'http://localhost:8080', wsOrigin: 'ws://localhost:8080' },
    });
    expect(parseServerUrl('  ')).toMatchObject({ ok: true, endpoint: { origin: 'http://localhost:8080' } });
  });
  it('keeps only the origin and derives wss from https', () => {
    expect(parseServerUrl('https://usine.ampmetropole.fr/some/path?x=1')).toEqual({
      ok: true,
      endpoint: { origin: 'https://usine.ampmetropole.fr', wsOrigin: 'wss://usine.ampmetropole.fr' },
    });
  });
  it('refuses non-http(s) URLs and credentials, with a French message', () => {
    for (const raw of ['ftp://x', 'file:///x', 'javascript:alert(1)', 'http://u:p@x', 'localhost:8080']) {
      const result = parseServerUrl(raw);
      expect(result.ok, raw).toBe(false);
      if (!result.ok) expect(result.message).toMatch(/Adresse du serveur invalide/);
    }
  });
  it('passes the server origin to the renderer as a query parameter', () => {
    const parsed = parseServerUrl('https://usine.example.fr:8443');
    if (!parsed.ok) throw new Error('expected ok');
    const url = new URL(appEntryUrl(parsed.endpoint));
    expect(url.protocol).toBe('app:');
    expect(url.host).toBe('usine');
    expect(url.pathname).toBe('/index.html');
    expect(url.searchParams.get('server')).toBe('https://usine.example.fr:8443');
  });
});
