// The published output itself, for every page type (site/sampleSite.ts) and the generated
// pages: axe-core finds no violation (light and dark themes, phone and desktop widths), the
// pages need no JavaScript, use few requests, and the version works opened from disk.
import AxeBuilder from '@axe-core/playwright';
import { writeSampleSite } from './sampleSiteFiles';
import { chromium, expect, test } from '@playwright/test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  PUBLISHED_SITE_HEADERS,
  contentTypeFor,
  resolveStaticFile,
} from '../sync-server/publishing/staticFiles';
import { CHROMIUM_ARGS } from './playwright.config';

let dir: string;
let server: http.Server;
let base: string;
let pages: string[];

test.beforeAll(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  dir = mkdtempSync(path.join(tmpdir(), 'usine-site-'));
  pages = (await writeSampleSite(dir, browser)).htmlPages;
  await browser.close();

  // Served like the sync server serves /sites/{slug}/: same resolution, same headers.
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    void resolveStaticFile(dir, url.pathname.slice(1)).then((resolved) => {
      if (resolved.kind !== 'file') {
        res.writeHead(404, PUBLISHED_SITE_HEADERS);
        res.end();
        return;
      }
      res.writeHead(200, { ...PUBLISHED_SITE_HEADERS, 'Content-Type': contentTypeFor(resolved.file) });
      res.end(readFileSync(resolved.file));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

test.afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('[PUB-14] every page type and generated page: no axe violation, light and dark, phone and desktop', async ({
  browser,
}) => {
  // 26 pages × 3 runs of axe on a loaded machine: a bound against hangs only.
  test.setTimeout(600_000);
  expect(pages.length).toBeGreaterThanOrEqual(15);
  // Colour contrast in both themes; reflow on a phone (the dark theme changes colours only).
  for (const [scheme, width] of [
    ['light', 360],
    ['light', 1280],
    ['dark', 1280],
  ] as const) {
    {
      const viewport = { width, height: width < 800 ? 740 : 800 };
      const context = await browser.newContext({ colorScheme: scheme, viewport });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`${page.url()}: ${m.text()}`);
      });
      // An image still loading when the next page is opened is aborted: no broken link.
      page.on('requestfailed', (r) => {
        if (r.failure()?.errorText !== 'net::ERR_ABORTED')
          errors.push(`${r.url()} ${r.failure()?.errorText}`);
      });
      for (const rel of pages) {
        const response = await page.goto(base + rel);
        expect(response?.status(), rel).toBe(200);
        const scan = await new AxeBuilder({ page }).analyze();
        expect(
          scan.violations.map(
            (v) => `${scheme} ${viewport.width}px ${rel} ${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`,
          ),
        ).toEqual([]);
        // Nothing wider than the screen (RGAA 10.11, reflow).
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `${rel} at ${viewport.width}px`).toBeLessThanOrEqual(0);
      }
      expect(errors).toEqual([]);
      await context.close();
    }
  }
});

test('[PUB-15] no JavaScript needed; at most 5 requests before images; the alert banner is on every page', async ({
  browser,
}) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  for (const rel of pages) {
    const requests: string[] = [];
    const listener = (r: { url(): string; resourceType(): string }) => {
      if (r.resourceType() !== 'image') requests.push(r.url());
    };
    page.on('request', listener);
    await page.goto(base + rel);
    page.off('request', listener);
    expect(requests.length, `${rel}: ${requests.join(', ')}`).toBeLessThanOrEqual(5);
    await expect(page.getByRole('region', { name: 'Vigilance en cours' })).toBeVisible();
    await expect(page.getByRole('link', { name: /^Accessibilité : / })).toBeVisible();
  }
  await context.close();
});

test('[PUBL-5] the published folder works opened from disk (file://)', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const failed: string[] = [];
  // A missing file fails with net::ERR_FILE_NOT_FOUND; an image still loading when the next
  // click leaves the page is aborted (net::ERR_ABORTED), which is no broken link.
  page.on('requestfailed', (r) => {
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') failed.push(`${r.url()} ${r.failure()?.errorText}`);
  });
  await page.goto(pathToFileURL(path.join(dir, 'index.html')).href);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Aix-en-Provence');
  // The chosen menu ([MENU-5]): a sub-menu opens with no JavaScript.
  const menu = page.getByRole('navigation', { name: 'Menu principal' });
  await menu.locator('summary', { hasText: 'La mairie' }).click();
  await menu.getByRole('link', { name: 'Le conseil municipal' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Le conseil municipal');
  await page.getByRole('link', { name: 'Actualités', exact: true }).first().click();
  await page.getByRole('link', { name: 'Fête du village' }).first().click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Fête du village');
  // The stylesheet applies: the skip link is off-screen until focused.
  expect(await page.locator('.skip-link').evaluate((el) => getComputedStyle(el).position)).toBe('absolute');
  await page.getByRole('link', { name: 'Plan du site' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Plan du site');
  await page.getByRole('link', { name: 'Arrêté de circulation n° 2025-042' }).first().click();
  await expect(page.getByText('Empreinte SHA-256', { exact: true })).toBeVisible();
  expect(failed).toEqual([]);
  await context.close();
});
