// Issue 10 — the app shell: every screen and every page has its own address (Back, Forward
// and a reload keep the place); the status is right at once: offline within 2 s of losing the
// network, then the right words at each step back online; publishing is disabled offline
// with the reason, and its failure goes away once the connection is back.
import { createTypedPage, uniqueTitle } from './editorHelpers';
import { editor, expect, goTo, STATUS, status, test } from './harness';

const nav = (page: import('@playwright/test').Page) =>
  page.getByRole('navigation', { name: 'Navigation de l’éditeur' });

test('[shell-1] each screen and page has an address: Back, Forward and reload keep the place', async ({
  openAgent,
}) => {
  const alice = await openAgent({ displayName: 'Alice Martin' });
  const { page } = alice;
  const title = uniqueTitle('Horaires de la mairie');
  await expect(page).toHaveURL(/\/app\/#\/tableau-de-bord$/);
  for (const name of [
    'Tableau de bord',
    'Pages',
    'Actualités',
    'Agenda',
    'Actes',
    'Médiathèque',
    'Paramètres du site',
    'Publication',
  ]) {
    await expect(nav(page).getByRole('link', { name, exact: true })).toBeVisible();
  }

  await goTo(page, 'Médiathèque');
  await expect(page).toHaveURL(/#\/medias$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Médiathèque' })).toBeFocused();
  await createTypedPage(alice, title);
  await expect(page).toHaveURL(/#\/pages\/[\w-]+$/);
  const pageUrl = page.url();
  await editor(page).click();
  await page.keyboard.type('Ouverte le lundi.');
  await expect(page.getByRole('navigation', { name: 'Fil d’Ariane' })).toHaveText(`Pages${title}`);

  // Back: the media library; Forward: the page again, with its text.
  await page.goBack();
  await expect(page).toHaveURL(/#\/medias$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Médiathèque' })).toBeVisible();
  await page.goForward();
  await expect(page).toHaveURL(pageUrl);
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await expect(editor(page)).toContainText('Ouverte le lundi.');

  // A reload keeps the place.
  await page.reload();
  await expect(page).toHaveURL(pageUrl);
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await expect(editor(page)).toContainText('Ouverte le lundi.');
  await goTo(page, 'Paramètres du site');
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Paramètres du site' })).toBeVisible();

  // The top bar's search opens a page by its title.
  await page.getByRole('combobox', { name: 'Rechercher une page' }).fill(title.slice(0, 12).toLowerCase());
  await page.getByRole('option', { name: title }).click();
  await expect(page).toHaveURL(pageUrl);
});

test('[shell-2] the page screen: title and text visible at 1366×768 and 1024×768, details in a drawer at 1024 px, the top bar on one line', async ({
  openAgent,
}) => {
  const alice = await openAgent({ displayName: 'Alice Martin' });
  const { page } = alice;
  const title = uniqueTitle('Conseil municipal');
  await page.setViewportSize({ width: 1366, height: 768 });
  await createTypedPage(alice, title, { type: 'Actualité' });
  const heading = page.getByRole('heading', { level: 1, name: title });
  const panel = page.getByRole('complementary', { name: 'Détails de la page' });
  await expect(heading).toBeInViewport();
  await expect(editor(page)).toBeInViewport();
  await expect(panel.getByLabel('Résumé *')).toBeVisible();

  await page.setViewportSize({ width: 1024, height: 768 });
  await expect(heading).toBeInViewport();
  await expect(editor(page)).toBeInViewport();
  await expect(panel).toBeHidden();
  // The navigation's links keep their names as icons.
  await expect(nav(page).getByRole('link', { name: 'Médiathèque', exact: true })).toBeVisible();
  const bar = await page.getByRole('banner').boundingBox();
  expect(bar!.height).toBeLessThanOrEqual(49);
  const toolbar = await page.getByRole('toolbar', { name: 'Mise en forme du texte' }).boundingBox();
  expect(toolbar!.height).toBeLessThanOrEqual(56);
  // A rare action from the « Plus d’outils » menu, on the line being written.
  await editor(page).click();
  await page.keyboard.type('Ordre du jour');
  await page.getByRole('button', { name: 'Plus d’outils' }).click();
  await page.getByRole('menuitem', { name: /^Citation/ }).click();
  await expect(editor(page).locator('blockquote')).toHaveText('Ordre du jour');

  // « Détails de la page » opens the drawer; what was typed there is kept when it closes.
  const details = page.getByRole('button', { name: 'Détails de la page' });
  await details.click();
  await expect(details).toHaveAttribute('aria-expanded', 'true');
  await expect(panel.getByRole('button', { name: 'Fermer les détails' })).toBeFocused();
  await panel.getByLabel('Résumé *').fill('Séance publique jeudi à 18 h.');
  await page.keyboard.press('Escape');
  await expect(panel).toBeHidden();
  await expect(details).toBeFocused();
  await details.click();
  await expect(panel.getByLabel('Résumé *')).toHaveValue('Séance publique jeudi à 18 h.');
});

test('[shell-3] offline shown within 2 s, pages counted, publishing disabled with its reason; back online the right words at each step', async ({
  openAgent,
  gate,
}) => {
  const chantal = await openAgent({ displayName: 'Chantal Référente', role: 'referent', viaLink: true });
  const { page } = chantal;
  const first = uniqueTitle('Marché de Noël');
  const second = uniqueTitle('Collecte des déchets');
  await createTypedPage(chantal, first);
  await createTypedPage(chantal, second);
  await expect(status(page)).toHaveText(STATUS.saved);

  // The network goes away: the browser says so and the link to the server drops.
  const cutAt = Date.now();
  await chantal.context.setOffline(true);
  chantal.link!.goOffline();
  await expect(status(page)).toHaveText('Hors ligne — vos modifications restent sur cet ordinateur', {
    timeout: 2_000,
  });
  expect(Date.now() - cutAt).toBeLessThan(2_000);
  const publish = page.getByRole('button', { name: 'Mettre en ligne' });
  await expect(publish).toBeDisabled();
  await expect(publish).toHaveAccessibleDescription(/Publication impossible hors ligne/);

  // Many keystrokes on two pages: two pages wait, not dozens of « modifications ».
  await editor(page).click();
  await page.keyboard.type('Ramassage le mardi.');
  await goTo(page, 'Pages');
  await page.getByRole('navigation', { name: 'Pages du site' }).getByText(first, { exact: true }).click();
  await editor(page).click();
  await page.keyboard.type('Sur la place, du 12 au 14 décembre.');
  await expect(status(page)).toHaveText('Hors ligne — 2 pages modifiées pas encore envoyées');

  // Back online while the server holds its commits: « Envoi en cours… », never « Enregistré ».
  gate.hold();
  try {
    chantal.link!.goOnline();
    await chantal.context.setOffline(false);
    await expect(status(page)).toHaveText(STATUS.syncing, { timeout: 10_000 });
    await expect(publish).toBeEnabled();
    await expect(page.getByText('Publication impossible hors ligne', { exact: false })).toHaveCount(0);
    for (let i = 0; i < 4; i++) {
      await page.waitForTimeout(250);
      await expect(status(page)).not.toHaveText(STATUS.saved, { timeout: 100 });
    }
  } finally {
    gate.release();
  }
  await expect(status(page)).toHaveText('Enregistré', { timeout: 30_000 });
});

test('[shell-4] the browser says the network is gone while the socket still looks open: offline within 2 s, then back', async ({
  openAgent,
}) => {
  const alice = await openAgent({ displayName: 'Alice Martin' });
  const { page } = alice;
  await expect(status(page)).toHaveText(STATUS.saved);
  // Only the browser's network is cut (its `offline` event): no socket close comes from the
  // server side, as when a Wi-Fi drops silently.
  const cutAt = Date.now();
  await alice.context.setOffline(true);
  await expect(status(page)).toHaveText('Hors ligne — vos modifications restent sur cet ordinateur', {
    timeout: 2_000,
  });
  expect(Date.now() - cutAt).toBeLessThan(2_000);
  await alice.context.setOffline(false);
  await expect(status(page)).toHaveText(STATUS.saved, { timeout: 15_000 });
});
