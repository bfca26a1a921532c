// The published output itself, for every page type (site/sampleSite.ts) and the generated
// pages: axe-core finds no violation (light and dark themes, phone and desktop widths), the
// pages need no JavaScript, use few requests, and the version works opened from disk.
import AxeBuilder from '@axe-core/playwright';
import { type Browser, chromium, expect, test } from '@playwright/test';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { renderSite } from '../site/renderSite';
import { SAMPLE_MEDIA, sampleSnapshot } from '../site/sampleSite';
import { PUBLISHED_SITE_HEADERS, contentTypeFor, resolveStaticFile } from '../sync-server/staticFiles';
import { CHROMIUM_ARGS } from './playwright.config';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let dir: string;
let server: http.Server;
let base: string;
let pages: string[];

/** Real WebP/PNG bytes drawn by Chromium (no image library in the repo). */
async function drawImage(browser: Browser, width: number, height: number, mime: string): Promise<Buffer> {
  const page = await browser.newPage();
  try {
    const dataUrl = await page.evaluate(
      ({ width, height, mime }) => {
        const canvas = document.createElement('canvas');
        canvas.width = width;
        canvas.height = height;
        const ctx = canvas.getContext('2d')!;
        const gradient = ctx.createLinearGradient(0, 0, width, height);
        gradient.addColorStop(0, '#18753c');
        gradient.addColorStop(1, '#f5d76e');
        ctx.fillStyle = gradient;
        ctx.fillRect(0, 0, width, height);
        return canvas.toDataURL(mime, 0.7);
      },
      { width, height, mime },
    );
    return Buffer.from(dataUrl.split(',')[1]!, 'base64');
  } finally {
    await page.close();
  }
}

test.beforeAll(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  dir = mkdtempSync(path.join(tmpdir(), 'usine-site-'));
  const snapshot = sampleSnapshot(readFileSync(path.join(repo, 'assets/site.css'), 'utf8'));
  const site = renderSite(snapshot);
  for (const [rel, content] of site.files) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
  }
  mkdirSync(path.join(dir, 'media'), { recursive: true });
  for (const rel of site.media) {
    const file = path.join(dir, rel);
    const name = path.basename(rel);
    if (name.startsWith(SAMPLE_MEDIA.photo)) {
      const w = Number(/-(\d+)\.webp$/.exec(name)![1]);
      writeFileSync(file, await drawImage(browser, w, Math.round((w * 900) / 1600), 'image/webp'));
    } else if (name.startsWith(SAMPLE_MEDIA.logo)) {
      writeFileSync(file, await drawImage(browser, 96, 96, 'image/png'));
    } else {
      writeFileSync(file, '%PDF-1.7\n% acte signé (exemple)\n');
    }
  }
  await browser.close();
  pages = [...site.files.keys()].filter((p) => p.endsWith('.html'));

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
  test.setTimeout(180_000);
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
      page.on('requestfailed', (r) => errors.push(`${r.url()} failed`));
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
  page.on('requestfailed', (r) => failed.push(r.url()));
  await page.goto(pathToFileURL(path.join(dir, 'index.html')).href);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Aix-en-Provence');
  await page
    .getByRole('navigation', { name: 'Menu principal' })
    .getByRole('link', { name: 'Fête du village' })
    .click();
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
