// Issue 11, journey « the menu edited in the editor and published » (SPEC [MENU-7]): the
// référent sets the main menu in « Paramètres du site › Menus » — removes an entry, adds it
// back as a sub-entry, adds a list page, reorders by button and by keyboard drag and drop,
// renames an entry — publishes, and the served site's « Menu principal » is that menu, in order.
import type { Page } from '@playwright/test';
import { axeViolations, chooseOption } from './editorHelpers';
import { createPage, expect, goTo, STATUS, status, test } from './harness';

const shots = process.env.MENU_SHOTS_DIR;

function mainMenuRows(page: Page) {
  return page.getByRole('grid', { name: 'Entrées du menu principal' }).getByRole('row');
}

function row(page: Page, name: string) {
  return page
    .getByRole('grid', { name: 'Entrées du menu principal' })
    .getByRole('row', { name, exact: true });
}

/** The served « Menu principal »: summaries and links, in document order. */
function publishedMenu(html: string): string[] {
  const nav = /<nav class="site-nav" aria-label="Menu principal">[^]*?<\/nav>/.exec(html)?.[0] ?? '';
  return [...nav.matchAll(/<summary[^>]*>([^<]*)<\/summary>|<a href="([^"]*)"[^>]*>([^<]*)<\/a>/g)].map(
    (m) => (m[1] !== undefined ? `[${m[1]}]` : `${m[3]} → ${m[2]}`),
  );
}

test('[MENU-7][MENU-5] the référent edits the main menu in the editor, publishes, and the site’s menu matches in order', async ({
  openAgent,
  server,
  browser,
}) => {
  test.setTimeout(240_000); // a long journey on a loaded machine; the bound only guards hangs
  const referent = await openAgent({ displayName: 'Chantal Référente', role: 'referent' });
  const { page } = referent;
  for (const title of ['Écoles', 'Cantine scolaire', 'Mairie et conseil']) {
    await createPage(referent, title);
    await expect(status(page)).toHaveText(STATUS.saved);
    await page.getByRole('button', { name: 'Mettre en ligne' }).click();
    await expect(page.getByText(/est en ligne telle qu’elle est maintenant/)).toBeVisible();
  }

  await goTo(page, 'Paramètres du site');
  await page.getByRole('link', { name: 'Menus du site' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Menus' })).toBeVisible();
  // Never chosen: the published top-level pages (SPEC [MENU-4]).
  await expect(mainMenuRows(page)).toHaveText([/^Écoles/, /^Cantine scolaire/, /^Mairie et conseil/]);
  expect(await axeViolations(page)).toEqual([]);
  if (shots) {
    for (const [w, h] of [
      [1366, 768],
      [1024, 768],
    ] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.screenshot({ path: `${shots}/menus-editor-${w}.png`, fullPage: true });
    }
  }

  // Remove « Cantine scolaire », add it back under « Écoles » (a sub-entry).
  await row(page, 'Cantine scolaire').getByRole('button', { name: 'Retirer' }).click();
  await expect(mainMenuRows(page)).toHaveCount(2);
  const add = page.getByRole('form', { name: 'Ajouter une entrée' });
  await chooseOption(add, 'Page ou lien', 'Cantine scolaire');
  await chooseOption(add, 'Emplacement', 'Sous « Écoles »');
  await add.getByRole('button', { name: 'Ajouter au menu principal' }).click();
  await expect(
    page.getByRole('status').filter({ hasText: 'Entrée ajoutée au menu principal.' }),
  ).toBeVisible();

  // Add a list page at the top level, then move it up one place with « Monter ».
  await chooseOption(add, 'Page ou lien', 'Agenda');
  await chooseOption(add, 'Emplacement', 'Au premier niveau');
  await add.getByRole('button', { name: 'Ajouter au menu principal' }).click();
  await expect(mainMenuRows(page)).toHaveText([
    /^Écoles/,
    /^Cantine scolaire/,
    /^Mairie et conseil/,
    /^Agenda/,
  ]);
  await row(page, 'Agenda').getByRole('button', { name: 'Monter' }).click();
  await expect(mainMenuRows(page)).toHaveText([
    /^Écoles/,
    /^Cantine scolaire/,
    /^Agenda/,
    /^Mairie et conseil/,
  ]);

  // Keyboard drag and drop (react-aria): « Mairie et conseil » goes before « Écoles ».
  await row(page, 'Mairie et conseil').getByRole('button', { name: 'Glisser « Mairie et conseil »' }).focus();
  await page.keyboard.press('Enter');
  const before = page.getByRole('button', { name: /Insérer avant Écoles|Déposer avant Écoles/ });
  await expect(before).toBeAttached();
  for (let i = 0; i < 8 && !(await before.evaluate((el) => el === document.activeElement)); i++)
    await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Enter');
  await expect(mainMenuRows(page)).toHaveText([
    /^Mairie et conseil/,
    /^Écoles/,
    /^Cantine scolaire/,
    /^Agenda/,
  ]);
  expect(await axeViolations(page)).toEqual([]);

  // Rename « Agenda » (a dialog): an empty label and one too long are refused in French.
  await row(page, 'Agenda').getByRole('button', { name: 'Renommer' }).click();
  const rename = page.getByRole('dialog', { name: 'Renommer « Agenda »' });
  const label = rename.getByRole('textbox', { name: 'Libellé dans le menu' });
  await expect(label).toBeFocused();
  await expect(label).toHaveValue('Agenda');
  await label.fill('   ');
  await rename.getByRole('button', { name: 'Enregistrer le libellé' }).click();
  await expect(rename.getByRole('alert')).toHaveText('Indiquez le libellé de l’entrée.');
  await expect(label).toHaveAttribute('aria-invalid', 'true');
  await label.fill('A'.repeat(81));
  await rename.getByRole('button', { name: 'Enregistrer le libellé' }).click();
  await expect(rename.getByRole('alert')).toHaveText('Le libellé compte 81 caractères : 80 au plus.');
  expect(await axeViolations(page)).toEqual([]);
  if (shots)
    for (const [w, h] of [
      [1366, 768],
      [1024, 768],
    ] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.screenshot({ path: `${shots}/menus-rename-${w}.png` });
    }
  // Escape closes it and writes nothing; focus goes back to the entry's row.
  await page.keyboard.press('Escape');
  await expect(rename).toBeHidden();
  await expect(row(page, 'Agenda')).toBeFocused();
  await row(page, 'Agenda').getByRole('button', { name: 'Renommer' }).click();
  await expect(label).toBeFocused();
  await expect(label).toHaveValue('Agenda');
  await label.fill('  Agenda des sorties ');
  await page.keyboard.press('Enter');
  await expect(rename).toBeHidden();
  await expect(
    page.getByRole('status').filter({ hasText: '« Agenda » renommée « Agenda des sorties ».' }),
  ).toBeVisible();
  await expect(mainMenuRows(page)).toHaveText([
    /^Mairie et conseil/,
    /^Écoles/,
    /^Cantine scolaire/,
    /^Agenda des sorties/,
  ]);
  await expect(row(page, 'Agenda des sorties')).toBeFocused();
  // The list's own title can be taken back; the entry then follows it again.
  await row(page, 'Agenda des sorties').getByRole('button', { name: 'Renommer' }).click();
  const renamed = page.getByRole('dialog', { name: 'Renommer « Agenda des sorties »' });
  await renamed.getByRole('button', { name: 'Reprendre le titre « Agenda »' }).click();
  await expect(renamed).toBeHidden();
  await expect(
    page.getByRole('status').filter({ hasText: '« Agenda des sorties » reprend le titre « Agenda ».' }),
  ).toBeVisible();
  await expect(mainMenuRows(page).last()).toHaveText(/^Agenda(?! des sorties)/);
  await row(page, 'Agenda').getByRole('button', { name: 'Renommer' }).click();
  await expect(rename.getByRole('button', { name: /^Reprendre le titre/ })).toHaveCount(0);
  await label.fill('Agenda des sorties');
  await page.keyboard.press('Enter');
  await expect(row(page, 'Agenda des sorties')).toBeFocused();

  // Publish with the site-wide button.
  await goTo(page, 'Publication');
  await page.getByRole('button', { name: 'Publier les modifications' }).click();
  await page
    .getByRole('dialog', { name: 'Publier les modifications' })
    .getByRole('button', { name: 'Publier', exact: true })
    .click();
  await expect(page.getByText(/^Site publié : \d+ pages? mises? en ligne\./)).toBeVisible();
  const siteLink = page.getByRole('link', { name: 'Voir le site publié' });
  const slug = /\/sites\/([a-z0-9-]+)\//.exec((await siteLink.getAttribute('href'))!)![1]!;

  const home = await (await fetch(new URL(`/sites/${slug}/`, server.url))).text();
  expect(publishedMenu(home)).toEqual([
    'Mairie et conseil → ./mairie-et-conseil/index.html',
    '[Écoles]',
    'Écoles → ./ecoles/index.html',
    'Cantine scolaire → ./cantine-scolaire/index.html',
    'Agenda des sorties → ./agenda/index.html',
  ]);

  // A citizen with no JavaScript opens the sub-menu and follows it.
  const citizen = await browser.newContext({ javaScriptEnabled: false });
  try {
    const reader = await citizen.newPage();
    for (const width of [375, 1280]) {
      await reader.setViewportSize({ width, height: 800 });
      await reader.goto(new URL(`/sites/${slug}/`, server.url).href);
      const menu = reader.getByRole('navigation', { name: 'Menu principal' });
      await menu.getByText('Écoles', { exact: true }).first().click(); // the <summary>
      await expect(menu.getByRole('link', { name: 'Cantine scolaire' })).toBeVisible();
      if (shots)
        await reader.screenshot({ path: `${shots}/menus-site-${width}.png`, fullPage: width === 375 });
    }
    await reader
      .getByRole('navigation', { name: 'Menu principal' })
      .getByRole('link', { name: 'Cantine scolaire' })
      .click();
    await expect(reader.getByRole('heading', { level: 1 })).toHaveText('Cantine scolaire');
  } finally {
    await citizen.close();
  }
});
