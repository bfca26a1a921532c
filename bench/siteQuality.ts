/**
 * Weight and quality of the published pages (DESIGN.md budgets: 0 bytes of JavaScript,
 * ≤ 30 KB HTML+CSS, ≤ 5 requests before images, EcoIndex A, Lighthouse ≥ 0.99 in the four
 * categories). The sample site (site/sampleSite.ts: one page of every type) is rendered to a
 * folder with real WebP/PNG images drawn by Chromium, served with the published sites'
 * headers, and measured in Debian's Chromium.
 *
 * EcoIndex: the published formula of the reference implementation
 * (https://github.com/cnumr/ecoindex_reference, also https://www.ecoindex.fr/comment-ca-marche/):
 * each of DOM elements, requests and transferred KB is placed in its quantile table (from
 * HTTP Archive), score = 100 − 5 × (3·q_dom + 2·q_req + q_size) / 6; A > 80, B > 70, C > 55,
 * D > 40, E > 25, F > 10, else G.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { chromium } from '@playwright/test';
import { writeSampleSite } from '../e2e/sampleSiteFiles';
import { PAGE_TYPE_LABELS_FR, type PageType } from '../site/siteDoc';
import {
  contentTypeFor,
  PUBLISHED_SITE_HEADERS,
  publishedCacheControl,
  resolveStaticFile,
} from '../sync-server/publishing/staticFiles';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const QUANTILES_DOM = [
  0, 47, 75, 159, 233, 298, 358, 417, 476, 537, 603, 674, 753, 843, 949, 1076, 1237, 1459, 1801, 2479, 594601,
];
const QUANTILES_REQ = [
  0, 2, 15, 25, 34, 42, 49, 56, 63, 70, 78, 86, 95, 105, 117, 130, 147, 170, 205, 281, 3920,
];
const QUANTILES_SIZE_KB = [
  0, 1.37, 144.7, 319.53, 479.46, 631.97, 783.38, 937.91, 1098.62, 1265.47, 1448.32, 1648.27, 1876.08,
  2142.06, 2465.37, 2866.31, 3401.59, 4155.73, 5400.08, 8037.54, 223212.26,
];

function quantile(quantiles: number[], value: number): number {
  for (let i = 1; i < quantiles.length; i++) {
    if (value < quantiles[i]!)
      return i - 1 + (value - quantiles[i - 1]!) / (quantiles[i]! - quantiles[i - 1]!);
  }
  return quantiles.length - 1;
}

export function ecoIndex(dom: number, requests: number, sizeKb: number): { score: number; grade: string } {
  const score =
    100 -
    (5 *
      (3 * quantile(QUANTILES_DOM, dom) +
        2 * quantile(QUANTILES_REQ, requests) +
        quantile(QUANTILES_SIZE_KB, sizeKb))) /
      6;
  const grades: Array<[string, number]> = [
    ['A', 80],
    ['B', 70],
    ['C', 55],
    ['D', 40],
    ['E', 25],
    ['F', 10],
  ];
  return { score, grade: grades.find(([, min]) => score > min)?.[0] ?? 'G' };
}

export interface PageWeight {
  label: string;
  path: string;
  htmlCssBytes: number;
  totalBytes: number;
  requests: number;
  requestsBeforeImages: number;
  scripts: number;
  dom: number;
  ecoIndex: number;
  grade: string;
}

export interface SiteQuality {
  pages: PageWeight[];
  lighthouse: Array<{ path: string; scores: Record<string, number | null>; failed: string[] }>;
  lighthouseError: string | null;
}

export async function benchSiteQuality(options: { lighthouse?: boolean } = {}): Promise<SiteQuality> {
  const dir = mkdtempSync(path.join(tmpdir(), 'usine-quality-'));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS.slice(1) });
  let server: http.Server | null = null;
  try {
    const { snapshot, site } = await writeSampleSite(dir, browser);
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      void resolveStaticFile(dir, url.pathname.slice(1)).then((resolved) => {
        if (resolved.kind !== 'file') {
          res.writeHead(404, PUBLISHED_SITE_HEADERS);
          res.end();
          return;
        }
        res.writeHead(200, {
          ...PUBLISHED_SITE_HEADERS,
          'Content-Type': contentTypeFor(resolved.file),
          'Cache-Control': publishedCacheControl(resolved.file),
        });
        res.end(readFileSync(resolved.file));
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

    // The home page and one page of each type.
    const targets: Array<{ label: string; path: string }> = [
      { label: 'Accueil (page d’accueil)', path: 'index.html' },
    ];
    const seen = new Set<PageType>(['accueil']);
    for (const { meta } of snapshot.pages) {
      const rel = site.pagePaths.get(meta.id);
      if (!rel || seen.has(meta.type) || meta.status !== 'published') continue;
      seen.add(meta.type);
      targets.push({ label: PAGE_TYPE_LABELS_FR[meta.type], path: rel });
    }
    targets.push({ label: 'Déclaration d’accessibilité (générée)', path: 'accessibilite/index.html' });

    const pages: PageWeight[] = [];
    for (const target of targets) {
      const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
      const page = await context.newPage();
      const responses: Array<{ type: string; bytes: number }> = [];
      page.on('response', (response) => {
        void response
          .body()
          .then((body) => responses.push({ type: response.request().resourceType(), bytes: body.length }))
          .catch(() => responses.push({ type: response.request().resourceType(), bytes: 0 }));
      });
      await page.goto(base + target.path, { waitUntil: 'networkidle' });
      // Scroll to the end so lazy images count, as EcoIndex's protocol does.
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      await page.waitForLoadState('networkidle');
      await page.waitForTimeout(300);
      const dom = await page.evaluate(() => document.getElementsByTagName('*').length);
      const scripts = await page.evaluate(() => document.scripts.length);
      await context.close();
      const totalBytes = responses.reduce((sum, r) => sum + r.bytes, 0);
      const htmlCssBytes = responses
        .filter((r) => r.type === 'document' || r.type === 'stylesheet')
        .reduce((sum, r) => sum + r.bytes, 0);
      const eco = ecoIndex(dom, responses.length, totalBytes / 1024);
      pages.push({
        ...target,
        htmlCssBytes,
        totalBytes,
        requests: responses.length,
        requestsBeforeImages: responses.filter((r) => r.type !== 'image').length,
        scripts: scripts + responses.filter((r) => r.type === 'script').length,
        dom,
        ecoIndex: Math.round(eco.score * 10) / 10,
        grade: eco.grade,
      });
    }

    const lighthouse: SiteQuality['lighthouse'] = [];
    let lighthouseError: string | null = null;
    if (options.lighthouse !== false) {
      try {
        const { default: run } = await import('lighthouse');
        const launcher = await import('chrome-launcher');
        const chrome = await launcher.launch({ chromePath: CHROMIUM, chromeFlags: FLAGS });
        try {
          for (const rel of ['index.html', 'fete-du-village/index.html', 'arrete-2025-042/index.html']) {
            const result = await run(base + rel, {
              port: chrome.port,
              output: 'json',
              logLevel: 'error',
              onlyCategories: ['performance', 'accessibility', 'best-practices', 'seo'],
            });
            const categories = result?.lhr.categories ?? {};
            const failed = Object.values(categories)
              .flatMap((c) =>
                c.auditRefs.filter((ref) => ref.weight > 0).map((ref) => result!.lhr.audits[ref.id]),
              )
              .filter((a) => a && a.score !== null && a.score < 1)
              .map((a) => `${a!.id}: ${a!.title}${a!.explanation ? ` (${a!.explanation})` : ''}`);
            lighthouse.push({
              path: rel,
              scores: Object.fromEntries(Object.entries(categories).map(([id, c]) => [id, c.score])),
              failed,
            });
          }
        } finally {
          chrome.kill();
        }
      } catch (error) {
        lighthouseError = error instanceof Error ? error.message : String(error);
      }
    }
    return { pages, lighthouse, lighthouseError };
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatSiteQuality(q: SiteQuality): string[] {
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
  const lines = [
    'published pages (sample site, Chromium 1920×1080, no cache): HTML+CSS / total / requests (before images) / JS / DOM / EcoIndex',
  ];
  for (const p of q.pages) {
    lines.push(
      `  ${p.label.padEnd(40)} ${kb(p.htmlCssBytes).padStart(8)} ${kb(p.totalBytes).padStart(9)} ` +
        `${String(p.requests).padStart(3)} (${p.requestsBeforeImages}) ${p.scripts} JS ${String(p.dom).padStart(4)} el. ` +
        `${p.ecoIndex.toFixed(1)} ${p.grade}`,
    );
  }
  if (q.lighthouseError) lines.push(`  Lighthouse could not run: ${q.lighthouseError}`);
  for (const l of q.lighthouse)
    lines.push(
      `  Lighthouse 12.8.2 ${l.path}: ${Object.entries(l.scores)
        .map(([k, v]) => `${k} ${v ?? '—'}`)
        .join(', ')}${l.failed.length ? ` — below 1: ${l.failed.join('; ')}` : ''}`,
    );
  return lines;
}
