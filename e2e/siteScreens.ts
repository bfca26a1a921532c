/**
 * Screenshots of the published sample site (site/sampleSite.ts) for the design review:
 * home, an actualité, the actualités list, the agenda, the registre des actes, the données
 * ouvertes page, the 404 and the 410 (a page taken offline), at 375 px and 1280 px, light and
 * dark, into docs/site-screens/.
 * Run: npx tsx e2e/siteScreens.ts [outDir] [name…] (names: only those shots, e.g. `410`).
 */
import { chromium } from '@playwright/test';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHROMIUM_ARGS } from './playwright.config';
import { writeSampleSite } from './sampleSiteFiles';

const SHOTS: ReadonlyArray<[string, string]> = [
  ['accueil', 'index.html'],
  ['actualite', 'fete-du-village/index.html'],
  ['actualites', 'actualites/index.html'],
  ['agenda', 'agenda/index.html'],
  ['registre', 'registre-des-actes/index.html'],
  ['donnees-ouvertes', 'donnees-ouvertes/index.html'],
  ['demarche', 'carte-d-identite/index.html'],
  ['404', '404.html'],
  ['410', '410.html'],
];

async function main(): Promise<void> {
  const out = path.resolve(process.argv[2] ?? 'docs/site-screens');
  const only = new Set(process.argv.slice(3));
  const shots = SHOTS.filter(([name]) => only.size === 0 || only.has(name));
  if (shots.length === 0) throw new Error(`no such shot: ${[...only].join(', ')}`);
  mkdirSync(out, { recursive: true });
  const dir = mkdtempSync(path.join(tmpdir(), 'usine-screens-'));
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    await writeSampleSite(dir, browser);
    for (const scheme of ['light', 'dark'] as const) {
      for (const width of [375, 1280]) {
        const context = await browser.newContext({
          colorScheme: scheme,
          viewport: { width, height: width < 800 ? 800 : 900 },
          javaScriptEnabled: false,
        });
        const page = await context.newPage();
        for (const [name, rel] of shots) {
          await page.goto(pathToFileURL(path.join(dir, rel)).href);
          await page.screenshot({ path: path.join(out, `${name}-${width}-${scheme}.png`), fullPage: true });
        }
        await context.close();
      }
    }
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`screenshots written to ${out}`);
}

void main();
