// Journeys of issue 11 §7 (site/SPEC.md [ADDR-*], [THEME-4], [THEME-6]): a page renamed in the
// editor then reached by its old address; the themed 404; the « Registre des actes ».
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderSite } from '../site/renderSite';
import { sampleSnapshot } from '../site/sampleSite';
import { acteKindLabel } from '../site/pageBlocks';
import {
  PUBLISHED_SITE_HEADERS,
  contentTypeFor,
  resolveStaticFile,
} from '../sync-server/publishing/staticFiles';
import { openPanelSection, uniqueTitle } from './editorHelpers';
import { createPage, expect, STATUS, status, test } from './harness';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A commune of its own, so the pages other journeys leave cannot block its publication. */
const COMMUNE = '13005';

async function publishNow(page: import('@playwright/test').Page): Promise<URL> {
  await expect(status(page)).toHaveText(STATUS.saved);
  await page.getByRole('button', { name: 'Mettre en ligne' }).click();
  await expect(page.getByText(/est en ligne telle qu’elle est maintenant/)).toBeVisible();
  const link = page.getByRole('link', { name: 'Voir le site publié' });
  await expect(link).toBeVisible();
  return new URL((await link.getAttribute('href'))!);
}

test('[ADDR-1][ADDR-9] a page renamed in the editor, published, then its old address opened in the browser lands on the new page', async ({
  openAgent,
  browser,
}) => {
  const referent = await openAgent({ displayName: 'Chantal Référente', role: 'referent', commune: COMMUNE });
  const title = uniqueTitle('Horaires de la piscine');
  await createPage(referent, title);
  const site = await publishNow(referent.page);

  await openPanelSection(referent.page, 'Adresse de la page');
  const panel = referent.page.getByRole('complementary', { name: 'Détails de la page' });
  const oldSlug = (await panel.locator('.page-address code').first().textContent())!.replace(/\//g, '');
  const oldUrl = new URL(`${oldSlug}/`, site);
  expect((await fetch(oldUrl, { redirect: 'manual' })).status).toBe(200);

  // A reserved address is refused, in French, and nothing changes.
  await panel.getByRole('textbox', { name: 'Nouvelle adresse' }).fill('agenda');
  await panel.getByRole('button', { name: 'Changer l’adresse' }).click();
  await expect(panel.getByRole('alert')).toContainText('est réservée');
  await panel
    .getByRole('textbox', { name: 'Nouvelle adresse' })
    .fill(`Piscine ${oldSlug.slice(-6)} horaires d’été`);
  await panel.getByRole('button', { name: 'Changer l’adresse' }).click();
  await expect(panel.getByText(/^Nouvelle adresse : \/piscine-/)).toBeVisible();
  const newSlug = (await panel.locator('.page-address code').first().textContent())!.replace(/\//g, '');
  expect(newSlug).not.toBe(oldSlug);
  await publishNow(referent.page);
  await expect
    .poll(async () => (await fetch(oldUrl, { redirect: 'manual' })).headers.get('location'))
    .toBe(new URL(`${newSlug}/`, site).pathname);

  // The panel now lists the former address.
  await expect(panel.getByRole('list', { name: 'Anciennes adresses' })).toContainText(oldUrl.pathname);

  // A citizen (no JavaScript) follows an old link: the browser lands on the page's new address.
  const citizen = await browser.newContext({ javaScriptEnabled: false });
  try {
    const reader = await citizen.newPage();
    const response = await reader.goto(oldUrl.href);
    expect(response?.status()).toBe(200);
    expect(reader.url()).toBe(new URL(`${newSlug}/`, site).href);
    await expect(reader.getByRole('heading', { level: 1 })).toHaveText(title);
  } finally {
    await citizen.close();
  }
});

test('[THEME-6] a missing page shows the themed 404: status 404, the site header, a search form and the way home', async ({
  openAgent,
  browser,
}) => {
  const referent = await openAgent({ displayName: 'Chantal Référente', role: 'referent', commune: COMMUNE });
  await createPage(referent, uniqueTitle('Marché du samedi'));
  const site = await publishNow(referent.page);

  const citizen = await browser.newContext({ javaScriptEnabled: false });
  try {
    const reader = await citizen.newPage();
    const response = await reader.goto(new URL('rubrique/page-qui-n-existe-pas/', site).href);
    expect(response?.status()).toBe(404);
    await expect(reader.getByRole('heading', { level: 1 })).toHaveText('Page introuvable');
    await expect(reader.getByRole('banner')).toBeVisible();
    await expect(reader.getByRole('navigation', { name: 'Menu principal' })).toBeVisible();
    await expect(reader.getByRole('search', { name: 'Rechercher la page' })).toBeVisible();
    await expect(reader.getByRole('contentinfo')).toBeVisible();
    // The way home works from any depth (the server adds the site's <base>).
    await reader.getByRole('link', { name: 'Revenir à l’accueil' }).click();
    await expect(reader).toHaveURL(new URL('index.html', site).href);
    await expect(reader.getByRole('heading', { level: 1 })).toBeVisible();
  } finally {
    await citizen.close();
  }
});

test('[THEME-4] the « Registre des actes » lists the published actes by year and by kind', async ({
  browser,
}) => {
  const base = sampleSnapshot(readFileSync(path.join(repo, 'assets', 'site.css'), 'utf8'));
  const model = base.pages.find((p) => p.meta.id === 'delib001')!;
  // One more délibération, of another year, so the registre has two years.
  const snapshot = {
    ...base,
    pages: [
      ...base.pages,
      {
        ...model,
        meta: {
          ...model.meta,
          id: 'delib2024',
          title: 'Délibération n° 2024-088 : tarifs de la cantine',
          slug: 'deliberation-2024-088',
          order: 'b7',
          fields: {
            ...model.meta.fields,
            number: '2024-088',
            date: '2024-11-14',
            subject: 'Tarifs de la cantine scolaire',
            onlineAt: '2024-11-15T09:00',
          },
        },
      },
    ],
  };
  const rendered = renderSite(snapshot);
  const dir = mkdtempSync(path.join(tmpdir(), 'usine-registre-'));
  for (const [rel, content] of rendered.files) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
  }
  const server = http.createServer((req, res) => {
    void resolveStaticFile(dir, new URL(req.url ?? '/', 'http://x').pathname.slice(1)).then((r) => {
      if (r.kind !== 'file') {
        res.writeHead(404, PUBLISHED_SITE_HEADERS);
        res.end();
        return;
      }
      res.writeHead(200, { ...PUBLISHED_SITE_HEADERS, 'Content-Type': contentTypeFor(r.file) });
      res.end(readFileSync(r.file));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  // What was published: the actes, by year then kind.
  const actes = snapshot.pages
    .filter((p) => p.meta.type === 'acte' && p.meta.status === 'published')
    .map((p) => p.meta.fields as Record<string, string>);
  const years = [...new Set(actes.map((a) => a.date!.slice(0, 4)))].sort().reverse();
  expect(years).toEqual(['2025', '2024']);

  const citizen = await browser.newContext({ javaScriptEnabled: false });
  try {
    const reader = await citizen.newPage();
    await reader.goto(`${origin}index.html`);
    await reader.getByRole('contentinfo').getByRole('link', { name: 'Registre des actes' }).click();
    await expect(reader.getByRole('heading', { level: 1 })).toHaveText('Registre des actes');
    for (const [i, year] of years.entries()) {
      if (i > 0) {
        await reader
          .getByRole('navigation', { name: 'Années du registre' })
          .getByRole('link', { name: year })
          .click();
        await expect(reader.getByRole('heading', { level: 1 })).toHaveText(`Registre des actes – ${year}`);
      }
      const yearNav = reader.getByRole('navigation', { name: 'Années du registre' });
      await expect(yearNav.getByRole('link')).toHaveText(years);
      await expect(yearNav.getByRole('link', { name: year })).toHaveAttribute('aria-current', 'page');
      const ofYear = actes.filter((a) => a.date!.startsWith(year));
      const kinds = [...new Set(ofYear.map((a) => a.kind!))];
      const tables = reader.getByRole('table');
      await expect(tables).toHaveCount(kinds.length);
      for (const kind of kinds) {
        const items = ofYear.filter((a) => a.kind === kind);
        await expect(
          reader.getByRole('heading', { level: 3, name: `${acteKindLabel(kind)}s (${items.length})` }),
        ).toBeVisible();
        for (const acte of items) {
          const row = reader
            .getByRole('row')
            .filter({ has: reader.getByRole('link', { name: acte.number! }) });
          await expect(row).toContainText(acte.subject!);
          await expect(row.locator('time')).toHaveAttribute('datetime', acte.date!);
        }
      }
      for (const other of actes.filter((a) => !a.date!.startsWith(year)))
        await expect(reader.getByRole('link', { name: other.number!, exact: true })).toHaveCount(0);
    }
    // An acte's number leads to its page.
    await reader.getByRole('link', { name: '2024-088', exact: true }).click();
    await expect(reader.getByRole('heading', { level: 1 })).toHaveText(
      'Délibération n° 2024-088 : tarifs de la cantine',
    );
  } finally {
    await citizen.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
});
