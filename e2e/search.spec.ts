// Journey (issue 11, part 7): a citizen, not logged in and without JavaScript, searches a word
// of a published site with and without its accent, from the header's form, and finds the
// page. The results page passes the Nu HTML Checker and axe-core (site/SPEC.md [SEARCH-*]).
import AxeBuilder from '@axe-core/playwright';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeParagraphs } from '../site/pageBody';
import { createPage, updatePage, updatePageFields } from '../site/siteDoc';
import {
  isSaved,
  login,
  openClient,
  waitFor,
  waitSynced,
  type TestClient,
} from '../sync-server/app/testHarness';
import { validateHtml } from './htmlValidator';
import { expect, test } from './harness';

// Screenshots only when asked (SEARCH_SHOTS=1 writes them into docs/site-screens/).
const SCREENS = process.env.SEARCH_SHOTS
  ? fileURLToPath(new URL('../docs/site-screens/', import.meta.url))
  : null;

test('[SEARCH-1][SEARCH-2][SEARCH-5] a citizen searches « fete » and « fêtes » from the header and finds « Fête du village »', async ({
  server,
  browser,
}) => {
  // Six runs of axe on a loaded machine: a bound against hangs only.
  test.setTimeout(300_000);
  // The commune's content, written by a référent through the sync protocol, then published.
  const email = `recherche.${Date.now().toString(36)}@mairie-test.fr`;
  const password = 'Mot-de-passe-solide-recherche';
  await server.admin.addAgent({
    commune: '13001',
    email,
    password,
    role: 'referent',
    displayName: 'Référente',
  });
  const referent = await login(server, email, password);
  const clients: TestClient[] = [];
  const saved = (c: TestClient) => waitFor(() => isSaved(c), 'durable', 15_000);
  try {
    const manifest = openClient(server, '13001/site', referent.accessToken);
    clients.push(manifest);
    await waitSynced(manifest);
    const pages: Array<[string, string, string]> = [
      [
        'Fête du village',
        'Le samedi 14 juillet, bal et feu d’artifice sur la place des Platanes.',
        '2026-07-01',
      ],
      [
        'Travaux rue des Écoles',
        'La rue des Écoles est fermée pendant les travaux de la fête foraine.',
        '2026-06-15',
      ],
      ['Inscriptions à la cantine', 'Les inscriptions se font en mairie.', '2026-05-20'],
    ];
    for (const [title, text, date] of pages) {
      const page = createPage(manifest.doc, { title, type: 'actualite', updatedBy: 'test' });
      updatePageFields(manifest.doc, page.id, { date, summary: text.slice(0, 60) }, 'test');
      updatePage(manifest.doc, page.id, { status: 'published' }, 'test');
      const body = openClient(server, `13001/page/${page.id}`, referent.accessToken);
      clients.push(body);
      await waitSynced(body);
      writeParagraphs(body.doc, [text]);
      await saved(body);
    }
    await saved(manifest);
    const published = await fetch(`${server.url}/api/communes/13001/publish`, {
      method: 'POST',
      headers: { authorization: `Bearer ${referent.accessToken}` },
    });
    expect(published.status).toBe(200);
    const { url } = (await published.json()) as { url: string };

    // The citizen: no account, no JavaScript.
    const context = await browser.newContext({
      javaScriptEnabled: false,
      viewport: { width: 1280, height: 800 },
    });
    const page = await context.newPage();
    for (const word of ['fete', 'fêtes']) {
      await page.goto(`${server.url}${url}`);
      const form = page.getByRole('search').first();
      await form.getByRole('searchbox', { name: 'Rechercher sur le site' }).fill(word);
      await form.getByRole('button', { name: 'Rechercher' }).click();
      await expect(page).toHaveURL(new RegExp(`/recherche/\\?q=${encodeURIComponent(word)}$`));
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Résultats pour « ${word} »`);
      const results = page.getByRole('list').filter({ has: page.getByRole('heading', { level: 2 }) });
      await expect(results.getByRole('link')).toHaveText(['Fête du village', 'Travaux rue des Écoles']);
      await expect(page.locator('main mark').first()).toBeVisible();
      await expect(page.getByRole('searchbox', { name: 'Rechercher sur le site' })).toHaveValue(word);
    }
    // Budgets ([THEME-8]): no script, at most 5 requests and 30 KB of HTML+CSS before images.
    const requests: string[] = [];
    let bytes = 0;
    page.on('response', (r) => {
      if (r.request().resourceType() === 'image') return;
      requests.push(r.url());
      void r
        .body()
        .then((b) => (bytes += b.length))
        .catch(() => undefined);
    });
    await page.goto(`${server.url}${url}recherche/?q=f%C3%AAtes`);
    await page.waitForLoadState('load');
    expect(requests.length, requests.join(', ')).toBeLessThanOrEqual(5);
    await expect.poll(() => bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(30 * 1024);
    expect(await page.locator('script').count()).toBe(0);
    page.removeAllListeners('response');
    await page.getByRole('main').getByRole('link', { name: 'Fête du village' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Fête du village');

    // Valid HTML and no axe violation: results, no result, empty query.
    const addresses = ['?q=f%C3%AAtes', '?q=piscine', '?q='].map((q) => `${server.url}${url}recherche/${q}`);
    const documents: Record<string, string> = {};
    for (const [i, address] of addresses.entries())
      documents[`search-${i}`] = await (await fetch(address)).text();
    expect(await validateHtml(documents)).toEqual([]);
    const auditor = await browser.newContext();
    const auditPage = await auditor.newPage();
    for (const [width, height] of [
      [375, 740],
      [1280, 800],
    ]) {
      await auditPage.setViewportSize({ width: width!, height: height! });
      for (const address of addresses) {
        await auditPage.goto(address);
        const scan = await new AxeBuilder({ page: auditPage }).analyze();
        expect(scan.violations.map((v) => `${width}px ${address} ${v.id}`)).toEqual([]);
        const overflow = await auditPage.evaluate(
          () => document.documentElement.scrollWidth - window.innerWidth,
        );
        expect(overflow, `${address} at ${width}px`).toBeLessThanOrEqual(0);
      }
      if (SCREENS) {
        await auditPage.goto(addresses[0]!);
        await auditPage.screenshot({
          path: path.join(SCREENS, `recherche-${width}-light.png`),
          fullPage: true,
        });
      }
    }
    await auditor.close();
    await context.close();
  } finally {
    for (const c of clients) c.destroy();
  }
});
