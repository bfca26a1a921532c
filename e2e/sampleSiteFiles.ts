/**
 * Writes the rendered sample site (every page type, generated pages, feeds) into a folder,
 * with real WebP/PNG images drawn by Chromium (there is no image library in the repo).
 * Used by the site-output journey and the site-quality benchmark.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from '@playwright/test';
import { renderSite, type RenderedSite, type SiteSnapshot } from '../site/renderSite';
import { SAMPLE_MEDIA, sampleSnapshot } from '../site/sampleSite';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

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

export interface WrittenSampleSite {
  snapshot: SiteSnapshot;
  site: RenderedSite;
  /** Relative paths of the HTML pages. */
  htmlPages: string[];
}

/** Renders the sample site into `dir`. */
export async function writeSampleSite(dir: string, browser: Browser): Promise<WrittenSampleSite> {
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
  return { snapshot, site, htmlPages: [...site.files.keys()].filter((p) => p.endsWith('.html')) };
}
