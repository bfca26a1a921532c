// Journey d (issue 2): the référent publishes; the published page is valid, accessible HTML.
import AxeBuilder from '@axe-core/playwright';
import { validateHtml } from './htmlValidator';
import { slugify } from '../site/siteDoc';
import { createTypedPage, uniqueTitle } from './editorHelpers';
import { createPage, editor, expect, STATUS, status, test } from './harness';

test('[d] the référent publishes: the page is online with its text, valid HTML (Nu checker), no axe violation, no JavaScript', async ({
  openAgent,
  server,
  browser,
}) => {
  const referent = await openAgent({ displayName: 'Chantal Référente', role: 'referent' });
  await createPage(referent, 'Horaires de la mairie');
  await editor(referent.page).click();
  await referent.page.keyboard.type(
    'Ouverte du lundi au vendredi, de 8 h 30 à 12 h. <script>alert(1)</script>',
  );
  await expect(status(referent.page)).toHaveText(STATUS.saved);
  await referent.page.getByRole('button', { name: 'Mettre en ligne' }).click();
  await expect(referent.page.getByText(/est en ligne telle qu’elle est maintenant/)).toBeVisible();

  const siteLink = referent.page.getByRole('link', { name: 'Voir le site publié' });
  const siteUrl = new URL((await siteLink.getAttribute('href'))!, server.url);
  expect(siteUrl.pathname).toMatch(/^\/sites\/[a-z0-9-]+\/(index\.html)?$/);

  const homeUrl = new URL('index.html', siteUrl.href.replace(/index\.html$/, ''));
  const pageUrl = new URL('horaires-de-la-mairie/index.html', homeUrl);
  const homeResponse = await fetch(homeUrl);
  const pageResponse = await fetch(pageUrl);
  expect(homeResponse.status).toBe(200);
  expect(pageResponse.status).toBe(200);
  const home = await homeResponse.text();
  const html = await pageResponse.text();

  expect(home).toContain('Horaires de la mairie');
  expect(html).toContain('Ouverte du lundi au vendredi, de 8 h 30 à 12 h.');
  // What the agent typed is text, never markup.
  expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  expect(html).not.toMatch(/<script/i);
  expect(html).toMatch(/<html lang="fr"/);

  expect(await validateHtml({ home, page: html })).toEqual([]);

  // axe-core runs as a script in the page, so the audit needs JavaScript enabled…
  const auditor = await browser.newContext();
  try {
    const auditPage = await auditor.newPage();
    for (const url of [homeUrl, pageUrl]) {
      await auditPage.goto(url.href);
      const scan = await new AxeBuilder({ page: auditPage }).analyze();
      expect(scan.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
    }
  } finally {
    await auditor.close();
  }
  // …while a citizen with JavaScript disabled reads and navigates the site.
  const citizen = await browser.newContext({ javaScriptEnabled: false });
  try {
    const reader = await citizen.newPage();
    await reader.goto(homeUrl.href);
    await reader
      .getByRole('navigation', { name: 'Menu principal' })
      .getByRole('link', { name: 'Horaires de la mairie' })
      .click();
    await expect(reader.getByRole('heading', { level: 1 })).toHaveText('Horaires de la mairie');
  } finally {
    await citizen.close();
  }
});

test('[d2][PUBL-8] a publication refused by the checks lists each problem with its page, in French; nothing goes online', async ({
  openAgent,
  server,
}) => {
  const referent = await openAgent({ displayName: 'Chantal Référente', role: 'referent' });
  const title = uniqueTitle('Fête des voisins');
  await createTypedPage(referent, title, { type: 'Actualité' });
  await expect(status(referent.page)).toHaveText(STATUS.saved);
  await referent.page.getByRole('button', { name: 'Mettre en ligne' }).click();
  const alert = referent.page.locator('.page-publication').getByRole('alert');
  await expect(alert).toContainText('Publication refusée : 2 problèmes à corriger avant de publier.');
  await expect(
    alert.getByRole('link', { name: /« Date de l’actualité » : date attendue/ }),
  ).toHaveAccessibleName(new RegExp(`^Page « ${title} » \\(Actualité\\)`));
  await expect(
    alert.getByRole('link', { name: `Page « ${title} » (Actualité) : « Résumé » est obligatoire.` }),
  ).toBeVisible();
  await expect(alert).not.toContainText('a échoué');
  expect((await fetch(`${server.url}/sites/aix-en-provence/${slugify(title)}/`)).status).toBe(404);
});
