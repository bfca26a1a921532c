// Issue 5 — the editor's own accessibility: an axe-core scan of every editor screen and
// state (login, home with dashboard/tree/lists, page editor, link form, rename form, delete
// confirmation, preview, offline) finds no violation; the tree and toolbar work by keyboard.
import { createPage, editor, expect, goTo, test } from './harness';
import { axeViolations, backHome, tree, treeItem, uniqueTitle } from './editorHelpers';

test('[a11y-1] no axe violation on any editor screen', async ({ openAgent, browser, server }) => {
  // Every screen of the shell, its menus and dialogs, scanned one after the other.
  test.setTimeout(240_000);
  // Login screen (a fresh browser).
  const anonymous = await browser.newContext();
  try {
    const login = await anonymous.newPage();
    await login.goto(`${server.url}/app/`);
    await expect(login.getByLabel('Adresse e-mail')).toBeVisible();
    expect(await axeViolations(login), 'login').toEqual([]);
  } finally {
    await anonymous.close();
  }

  const alice = await openAgent({ displayName: 'Alice Martin', role: 'referent', viaLink: true });
  const { page } = alice;
  const title = uniqueTitle('Accessibilité');
  expect(await axeViolations(page), 'dashboard').toEqual([]);
  for (const screen of ['Pages', 'Actualités', 'Agenda', 'Actes', 'Médiathèque', 'Publication']) {
    await goTo(page, screen);
    await expect(page.getByRole('heading', { level: 1, name: screen })).toBeVisible();
    expect(await axeViolations(page), screen).toEqual([]);
  }
  // The user menu and the page search of the top bar, open.
  await page.getByRole('button', { name: 'Alice Martin' }).click();
  await expect(page.getByRole('menuitem', { name: 'Se déconnecter' })).toBeVisible();
  expect(await axeViolations(page), 'user menu').toEqual([]);
  await page.keyboard.press('Escape');

  await goTo(page, 'Paramètres du site');
  await page.getByLabel('Adresse e-mail de contact *').fill('pas-une-adresse');
  await page.getByLabel('Adresse e-mail de contact *').blur();
  await expect(page.getByText('L’adresse e-mail de contact est obligatoire', { exact: false })).toBeVisible();
  expect(await axeViolations(page), 'site settings with an error').toEqual([]);
  await page.getByLabel('Adresse e-mail de contact *').fill('mairie@example.fr');

  await page.getByRole('button', { name: 'Nouvelle page' }).click();
  expect(await axeViolations(page), 'new page form').toEqual([]);
  await page.getByRole('button', { name: 'Annuler', exact: true }).click();

  await createPage(alice, title);
  await editor(page).click();
  await page.keyboard.type('Texte de la page.');
  expect(await axeViolations(page), 'page editor').toEqual([]);

  await page.keyboard.press('Shift+Home');
  await page.keyboard.press('Control+k');
  await page.getByLabel('Adresse du lien').fill('pas une adresse');
  await page.getByRole('button', { name: 'Appliquer le lien' }).click();
  await expect(page.getByText('Adresse invalide', { exact: false })).toBeVisible();
  expect(await axeViolations(page), 'link form with error').toEqual([]);
  await page.getByRole('button', { name: 'Annuler', exact: true }).click();

  await page.getByRole('button', { name: 'Historique des versions' }).click();
  await page
    .getByRole('button', { name: /^Comparer la version du/ })
    .first()
    .click();
  expect(await axeViolations(page), 'history and comparison').toEqual([]);

  await page.getByRole('button', { name: 'Aperçu avec le thème du site' }).click();
  expect(await axeViolations(page), 'page with preview').toEqual([]);

  await backHome(alice);
  await treeItem(page, title)
    .getByRole('button', { name: `Renommer « ${title} »` })
    .click();
  expect(await axeViolations(page), 'rename form').toEqual([]);
  await page.keyboard.press('Escape');
  await treeItem(page, title)
    .getByRole('button', { name: `Supprimer « ${title} »` })
    .click();
  expect(await axeViolations(page), 'delete confirmation').toEqual([]);
  await page.getByRole('button', { name: 'Non, garder la page' }).click();

  alice.link!.goOffline();
  await expect(page.getByText('Vous travaillez sans connexion', { exact: false })).toBeVisible();
  expect(await axeViolations(page), 'offline home').toEqual([]);
  alice.link!.goOnline();
});

test('[a11y-2] keyboard only: open a page from the tree, format with the toolbar (one tab stop, arrows), come back', async ({
  openAgent,
}) => {
  const alice = await openAgent({ displayName: 'Alice Martin' });
  const { page } = alice;
  const title = uniqueTitle('Clavier');
  await createPage(alice, title);
  await backHome(alice);

  await treeItem(page, title).locator(':scope > .tree-row .page-link').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeFocused();
  // Tab reaches the toolbar; arrows move inside it; Tab leaves it for the text.
  const toolbar = page.getByRole('toolbar', { name: 'Mise en forme du texte' });
  for (let i = 0; i < 10 && !(await toolbar.evaluate((el) => el.contains(document.activeElement))); i++) {
    await page.keyboard.press('Tab');
  }
  await expect(toolbar.getByRole('button', { name: 'Paragraphe' })).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await expect(toolbar.getByRole('button', { name: 'Titre 2' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(editor(page)).toBeFocused();
  await page.keyboard.type('Titre au clavier');
  await page.keyboard.press('Shift+Tab');
  await expect(toolbar.getByRole('button', { name: 'Titre 2' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(editor(page).locator('h2')).toHaveText('Titre au clavier');
  // Back to the pages by the side navigation's link, from the keyboard.
  await page
    .getByRole('navigation', { name: 'Navigation de l’éditeur' })
    .getByRole('link', { name: 'Pages', exact: true })
    .focus();
  await page.keyboard.press('Enter');
  await expect(tree(page)).toBeVisible();
});
