// [PUBL-9] One honest publishing model per page (issue 10 part 3), by accessible names. What
// the editor says is checked against the HTML the server serves, never against the UI alone.
import type { Page } from '@playwright/test';
import { createTypedPage, slugOf, tree, uniqueTitle } from './editorHelpers';
import { createPage, editor, expect, goTo, openPage, STATUS, status, test } from './harness';

/** « Mettre en ligne » in the page's panel; returns the site's address. */
async function putOnline(page: Page): Promise<string> {
  const panel = page.getByRole('complementary', { name: 'Détails de la page' });
  await panel.getByRole('button', { name: 'Mettre en ligne' }).click();
  await expect(panel.getByText(/est en ligne telle qu’elle est maintenant/)).toBeVisible();
  return (await panel.getByRole('link', { name: 'Voir le site publié' }).getAttribute('href'))!;
}

async function served(site: string, title: string): Promise<{ status: number; html: string }> {
  const response = await fetch(new URL(`${slugOf(title)}/`, site));
  return { status: response.status, html: await response.text() };
}

/** The state a page's row of the « Pages » tree shows. */
function treeState(page: Page, title: string) {
  return tree(page)
    .getByRole('button', { name: new RegExp(`^${title}`) })
    .locator('.badge');
}

async function typeAndSave(page: Page, text: string): Promise<void> {
  await editor(page).click();
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Enter');
  await page.keyboard.type(text);
  await expect(status(page)).toHaveText(STATUS.saved);
}

test('[PUBL-9] « Mettre en ligne » one page while another holds unfinished changes; « Retirer du site »; the tree says what is served', async ({
  openAgent,
}) => {
  const referent = await openAgent({ displayName: 'Chantal Référente', role: 'referent' });
  const { page } = referent;
  const horaires = uniqueTitle('Horaires');
  const travaux = uniqueTitle('Travaux');
  await createPage(referent, horaires);
  await typeAndSave(page, 'Ouvert le lundi.');
  const site = await putOnline(page);
  await createPage(referent, travaux);
  await typeAndSave(page, 'Rue fermée en mars.');
  await putOnline(page);

  // Unfinished changes on « Travaux », then a change on « Horaires » put online alone.
  await typeAndSave(page, 'NOTE INTERNE PAS FINIE');
  await openPage(referent, horaires);
  await typeAndSave(page, 'Ouvert aussi le mardi.');
  await putOnline(page);
  const horairesHtml = await served(site, horaires);
  expect(horairesHtml.html).toContain('Ouvert aussi le mardi.');
  const travauxHtml = await served(site, travaux);
  expect(travauxHtml.html).toContain('Rue fermée en mars.');
  expect(travauxHtml.html).not.toContain('NOTE INTERNE PAS FINIE');

  // The tree says the same as the served HTML.
  await goTo(page, 'Pages');
  await expect(treeState(page, horaires)).toHaveText('En ligne');
  await expect(treeState(page, travaux)).toHaveText('En ligne — modifiée depuis');

  // « Retirer du site »: gone from the public site; the tree says « Brouillon ».
  await openPage(referent, travaux);
  const panel = page.getByRole('complementary', { name: 'Détails de la page' });
  await panel.getByRole('button', { name: 'Retirer du site' }).click();
  await expect(panel.getByText(/n’est plus sur le site/)).toBeVisible();
  // A page taken offline answers 410 « Page retirée » (site/SPEC.md [ADDR-4]), not its text.
  const withdrawn = await served(site, travaux);
  expect(withdrawn.status).toBe(410);
  expect(withdrawn.html).not.toContain('Rue fermée en mars.');
  await goTo(page, 'Pages');
  await expect(treeState(page, travaux)).toHaveText('Brouillon');
  await expect(treeState(page, horaires)).toHaveText('En ligne');
  expect((await served(site, horaires)).status).toBe(200);

  // The dashboard counts the same.
  await goTo(page, 'Tableau de bord');
  const card = page.locator('.card', { has: page.getByRole('heading', { name: 'Pages non publiées' }) });
  await expect(card.getByRole('listitem').filter({ hasText: travaux })).toContainText('Brouillon');
  await expect(card.getByRole('listitem').filter({ hasText: horaires })).toHaveCount(0);
  await referent.context.close();
});

test('[PUBL-9] an urgent alert goes online while another draft is incomplete; the refusal links to the field to fix', async ({
  openAgent,
}) => {
  const referent = await openAgent({ displayName: 'Chantal Référente', role: 'referent' });
  const { page } = referent;
  const brocante = uniqueTitle('Brocante');
  await createTypedPage(referent, brocante, { type: 'Actualité' });
  await typeAndSave(page, 'Détails à venir.');
  const alerte = uniqueTitle('Alerte canicule');
  await createPage(referent, alerte);
  await typeAndSave(page, 'Restez au frais, buvez de l’eau.');
  const site = await putOnline(page);
  expect((await served(site, alerte)).html).toContain('Restez au frais, buvez de l’eau.');
  expect((await served(site, brocante)).status).toBe(404);

  // The incomplete actualité itself is refused, with a link to each field to fix.
  await openPage(referent, brocante);
  const panel = page.getByRole('complementary', { name: 'Détails de la page' });
  await panel.getByRole('button', { name: 'Mettre en ligne' }).click();
  const refusal = panel.getByRole('alert');
  await expect(refusal).toContainText('Publication refusée');
  await refusal.getByRole('link', { name: /Résumé/ }).click();
  await expect(page.locator('[data-field="summary"]')).toBeFocused();
  expect((await served(site, brocante)).status).toBe(404);
  expect((await served(site, alerte)).status).toBe(200);
  await referent.context.close();
});

test('[PUBL-9] « Publier les modifications » shows what will go online, then serves it', async ({
  openAgent,
}) => {
  const referent = await openAgent({ displayName: 'Chantal Référente', role: 'referent' });
  const { page } = referent;
  const tarifs = uniqueTitle('Tarifs');
  await createPage(referent, tarifs);
  await typeAndSave(page, 'Cantine : 3 €.');
  const site = await putOnline(page);
  await typeAndSave(page, 'Garderie : 2 €.');
  expect((await served(site, tarifs)).html).not.toContain('Garderie');

  await goTo(page, 'Publication');
  await page.getByRole('button', { name: 'Publier les modifications' }).click();
  const dialog = page.getByRole('dialog', { name: 'Publier les modifications' });
  await expect(dialog.getByRole('listitem').filter({ hasText: tarifs })).toContainText(
    'En ligne — modifiée depuis',
  );
  await dialog.getByRole('button', { name: 'Publier', exact: true }).click();
  await expect(page.getByText(/^Site publié : \d+ pages? mises? en ligne\./)).toBeVisible();
  expect((await served(site, tarifs)).html).toContain('Garderie : 2 €.');
  await goTo(page, 'Pages');
  await expect(treeState(page, tarifs)).toHaveText('En ligne');
  await referent.context.close();
});
