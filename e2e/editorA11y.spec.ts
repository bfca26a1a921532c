// Issue 5 and issue 10 part 8 — the editor's own accessibility: an axe-core scan of every
// editor screen and state (login, home with dashboard/tree/lists, page editor, link form, rename
// form, delete confirmation, preview, offline) and of every dialog (« Nouvelle page », « Créer
// les pages de départ », « Copier sur les autres jours », image, comments, history comparison
// and restore, « Publier les modifications », « Menus », the page's drawer at 1024 px) finds no
// violation, in the light theme AND the dark one (prefers-color-scheme: dark); the tree and
// toolbar work by keyboard.
import type { Page } from '@playwright/test';
import { createPage, editor, expect, goTo, openPage, STATUS, status, test } from './harness';
import { axeViolations, backHome, tree, treeItem, uniqueTitle } from './editorHelpers';

const SCHEMES = ['light', 'dark'] as const;
type Scheme = (typeof SCHEMES)[number];

/** The editor's page background per theme (app.css `--bg`): proves the theme really applies. */
const BACKGROUND: Record<Scheme, string> = { light: 'rgb(244, 245, 247)', dark: 'rgb(22, 23, 28)' };

async function useScheme(page: Page, scheme: Scheme): Promise<void> {
  await page.emulateMedia({ colorScheme: scheme });
  await expect
    .poll(() => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor))
    .toBe(BACKGROUND[scheme]);
}

for (const scheme of SCHEMES) {
  test(`[a11y-1] no axe violation on any editor screen (${scheme})`, async ({
    openAgent,
    browser,
    server,
  }) => {
    // Every screen of the shell, its menus and dialogs, scanned one after the other.
    test.setTimeout(240_000);
    // Login screen (a fresh browser).
    const anonymous = await browser.newContext({ colorScheme: scheme });
    try {
      const login = await anonymous.newPage();
      await login.goto(`${server.url}/app/`);
      await expect(login.getByLabel('Adresse e-mail')).toBeVisible();
      await useScheme(login, scheme);
      expect(await axeViolations(login), 'login').toEqual([]);
    } finally {
      await anonymous.close();
    }

    const alice = await openAgent({ displayName: 'Alice Martin', role: 'referent', viaLink: true });
    const { page } = alice;
    await useScheme(page, scheme);
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
    await expect(
      page.getByText('L’adresse e-mail de contact est obligatoire', { exact: false }),
    ).toBeVisible();
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
}

/** A commune per theme, so its « Premiers pas » are untouched by the other journeys. */
const DIALOG_COMMUNE: Record<Scheme, string> = { light: '13005', dark: '13007' };

for (const scheme of SCHEMES) {
  test(`[a11y-3] no axe violation in any dialog, panel or drawer (${scheme})`, async ({ openAgent }) => {
    test.setTimeout(300_000); // a long journey on a loaded machine; the bound only guards hangs
    const chantal = await openAgent({
      displayName: 'Chantal Référente',
      role: 'referent',
      commune: DIALOG_COMMUNE[scheme],
    });
    const { page } = chantal;
    await useScheme(page, scheme);

    // « Premiers pas » and its « Créer les pages de départ » dialog.
    const steps = page.getByRole('region', { name: 'Premiers pas' });
    await expect(steps).toBeVisible();
    expect(await axeViolations(page), 'dashboard with the first steps').toEqual([]);
    await steps.getByRole('button', { name: 'Créer les pages de départ' }).click();
    const starter = page.getByRole('dialog', { name: 'Créer les pages de départ' });
    await expect(starter).toContainText('Le conseil municipal');
    expect(await axeViolations(page), 'starter pages dialog').toEqual([]);
    await starter.getByRole('button', { name: 'Créer ces pages' }).click();
    await expect(page.getByText(/pages créées en brouillon\./)).toBeVisible();

    // « Nouvelle page », refused without a title.
    await page.getByRole('button', { name: 'Nouvelle page' }).click();
    const newPage = page.getByRole('dialog', { name: 'Nouvelle page' });
    await newPage.getByRole('button', { name: 'Créer la page' }).click();
    await expect(newPage.getByRole('alert')).toHaveText('Donnez un titre à la page.');
    expect(await axeViolations(page), 'new page dialog with its error').toEqual([]);
    await newPage.getByRole('button', { name: 'Annuler', exact: true }).click();
    await expect(newPage).toHaveCount(0);

    // « Copier sur les autres jours » on the starter page « Horaires et contact ».
    await openPage(chantal, 'Horaires et contact');
    const hours = page.getByRole('group', { name: 'Horaires d’ouverture *' });
    await hours.getByRole('button', { name: 'Ajouter un jour d’ouverture' }).click();
    await hours
      .getByRole('group', { name: /^Jour n° 1/ })
      .first()
      .getByRole('button', { name: /Jour \*$/ })
      .click();
    await page.getByRole('listbox').getByRole('option', { name: 'Lundi', exact: true }).click();
    expect(await axeViolations(page), 'structured page (hours and contact)').toEqual([]);
    await hours.getByRole('button', { name: 'Copier sur les autres jours — Jour n° 1 (Lundi)' }).click();
    const copy = page.getByRole('dialog', { name: 'Copier les horaires du lundi' });
    await expect(copy.getByRole('checkbox', { name: 'Mardi' })).toBeChecked();
    expect(await axeViolations(page), 'copy hours dialog').toEqual([]);
    await copy.getByRole('button', { name: 'Annuler' }).click();
    await expect(copy).toHaveCount(0);

    // A page of text: the image dialog, a comment, « Mettre en ligne », the history.
    const title = uniqueTitle('Dialogues');
    await backHome(chantal);
    await createPage(chantal, title);
    await editor(page).click();
    await page.keyboard.type('La salle des fêtes est ouverte aux associations.');
    await expect(status(page)).toHaveText(STATUS.saved);
    await page.getByRole('button', { name: 'Insérer une image' }).click();
    const image = page.getByRole('dialog', { name: 'Insérer une image' });
    await expect(image).toBeVisible();
    expect(await axeViolations(page), 'image dialog').toEqual([]);
    await page.keyboard.press('Escape');
    await expect(image).toHaveCount(0);

    const panel = page.getByRole('complementary', { name: 'Détails de la page' });
    const comments = panel.getByRole('region', { name: /^Commentaires/ });
    const unfold = comments.getByRole('button', { name: 'Ajouter un commentaire' });
    if (await unfold.isVisible()) await unfold.click();
    await comments.getByLabel('Votre commentaire').fill('Préciser les horaires de réservation ?');
    await comments.getByRole('button', { name: 'Commenter la page' }).click();
    await expect(comments.getByRole('article', { name: /Commentaire de Chantal Référente/ })).toBeVisible();
    expect(await axeViolations(page), 'comments panel').toEqual([]);

    await panel.getByRole('button', { name: 'Mettre en ligne' }).click();
    await expect(panel.getByText(/est en ligne telle qu’elle est maintenant/)).toBeVisible();
    expect(await axeViolations(page), 'page put online').toEqual([]);

    const history = panel.getByRole('region', { name: 'Historique des versions' });
    await history.getByRole('button', { name: 'Historique des versions' }).click();
    await history
      .getByRole('button', { name: /^Comparer la version du/ })
      .first()
      .click();
    expect(await axeViolations(page), 'history comparison').toEqual([]);
    await history
      .getByRole('button', { name: /^Restaurer la version du/ })
      .first()
      .click();
    await expect(history).toContainText('restaurée. Les autres agents la voient déjà');
    expect(await axeViolations(page), 'history after a restore').toEqual([]);

    // At 1024 px the page's details are a drawer.
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.getByRole('button', { name: 'Détails de la page' }).click();
    await expect(panel.getByRole('button', { name: 'Fermer les détails' })).toBeFocused();
    expect(await axeViolations(page), 'page drawer at 1024 px').toEqual([]);
    await page.keyboard.press('Escape');
    await expect(page.getByRole('button', { name: 'Détails de la page' })).toBeFocused();
    await page.setViewportSize({ width: 1366, height: 768 });

    // « Publier les modifications » and its dialog.
    await goTo(page, 'Publication');
    await page.getByRole('button', { name: 'Publier les modifications' }).click();
    const publish = page.getByRole('dialog', { name: 'Publier les modifications' });
    await expect(publish.getByRole('button', { name: 'Publier', exact: true })).toBeVisible();
    expect(await axeViolations(page), 'publish dialog').toEqual([]);
    await publish.getByRole('button', { name: 'Annuler' }).click();
    await expect(publish).toHaveCount(0);

    // « Menus » (Paramètres du site › Menus).
    await goTo(page, 'Paramètres du site');
    await page.getByRole('link', { name: 'Menus du site' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Menus' })).toBeVisible();
    expect(await axeViolations(page), 'menus screen').toEqual([]);
  });
}

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
