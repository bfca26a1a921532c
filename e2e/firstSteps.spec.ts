// Issue 10 parts 5 and 6 — first steps and forms: « Premiers pas » on the dashboard followed to
// a first publication (starter pages on request, settings reached through the checklist, an
// error summary whose link moves the focus to its field, the logo as a JPEG), « Horaires et
// contact » taking the settings' coordinates, « Copier sur les autres jours »; axe-core on the
// dialogs added.
import type { Page } from '@playwright/test';
import { expect, goTo, openPage, status, STATUS, test } from './harness';
import {
  axeViolations,
  chooseFile,
  chooseOption,
  expectDateField,
  fileButton,
  fillDateField,
} from './editorHelpers';

/** A JPEG drawn in the browser (a logo). */
async function jpegFile(page: Page): Promise<Buffer> {
  const base64 = await page.evaluate(async () => {
    const canvas = new OffscreenCanvas(200, 200);
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = '#18753c';
    ctx.fillRect(0, 0, 200, 200);
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(50, 50, 100, 100);
    const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/jpeg' })).arrayBuffer());
    let binary = '';
    for (const b of bytes) binary += String.fromCharCode(b);
    return btoa(binary);
  });
  return Buffer.from(base64, 'base64');
}

test('[first-1] « Premiers pas » followed to a first publication', async ({ openAgent, server }) => {
  test.setTimeout(180_000);
  const alice = await openAgent({ displayName: 'Alice Premierpas', role: 'referent', commune: '13041' });
  const { page } = alice;
  const steps = page.getByRole('region', { name: 'Premiers pas' });
  await expect(steps).toContainText('0 étape sur 4 faite.');
  await expect(steps).toContainText(
    'Il manque « Accueil », « Horaires et contact », « Conseil municipal » et une démarche.',
  );

  // The starter pages, on request, through a dialog (keyboard: Enter on the focused button).
  await steps.getByRole('button', { name: 'Créer les pages de départ' }).focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Créer les pages de départ' });
  await expect(dialog).toContainText('Le conseil municipal');
  expect(await axeViolations(page), 'starter pages dialog').toEqual([]);
  await dialog.getByRole('button', { name: 'Créer ces pages' }).click();
  await expect(page.getByText('7 pages créées en brouillon.')).toBeVisible();
  await expect(steps).toContainText('1 étape sur 4 faite.');
  expect(await axeViolations(page), 'dashboard with the toast').toEqual([]);

  // The checklist leads to the settings; the error summary's link moves the focus to its field.
  await steps.getByRole('link', { name: 'Ouvrir les paramètres du site' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Paramètres du site' })).toBeVisible();
  const summary = page.getByRole('region', { name: /À compléter avant de publier le site/ });
  await summary.getByRole('link', { name: 'Téléphone' }).click();
  const phone = page.getByLabel('Téléphone *');
  await expect(phone).toBeFocused();
  await expect(phone).toHaveAccessibleDescription(
    'Le téléphone de la mairie est obligatoire (mentions légales).',
  );
  await page.keyboard.type('04 42 51 79 00');
  await summary.getByRole('link', { name: 'Adresse de la mairie' }).click();
  await expect(page.getByLabel('Adresse de la mairie *')).toBeFocused();
  await page.keyboard.type('Cours de la République, 13120 Gardanne');
  await page.getByLabel('Adresse e-mail de contact *').fill('mairie@gardanne.example');
  await page.getByLabel('Maire (directeur ou directrice de la publication) *').fill('Marie Martin');
  await expect(summary).toHaveCount(0);
  await chooseOption(page, 'Couleur d’accent *', 'Vert émeraude');
  await chooseFile(fileButton(page, 'Logo ou blason'), {
    name: 'blason.jpg',
    mimeType: 'image/jpeg',
    buffer: await jpegFile(page),
  });
  await expect(page.locator('.media-current')).toContainText('blason.jpg');

  await goTo(page, 'Tableau de bord');
  await expect(steps).toContainText('3 étapes sur 4 faites.');
  await expect(steps).toContainText('Le site n’a encore jamais été publié.');

  // « Horaires et contact » takes the coordinates of the settings.
  await openPage(alice, 'Horaires et contact');
  await page.getByRole('button', { name: 'Reprendre les coordonnées des paramètres du site' }).click();
  await expect(page.getByLabel('Adresse *', { exact: true })).toHaveValue(
    'Cours de la République, 13120 Gardanne',
  );
  await expect(page.getByLabel('Téléphone *')).toHaveValue('04 42 51 79 00');

  // The first publication: the step leads to the Publication screen; the home page goes online.
  await goTo(page, 'Tableau de bord');
  await steps.getByRole('link', { name: 'Aller à la publication' }).click();
  await expect(page.getByRole('button', { name: 'Publier les modifications' })).toBeVisible();
  await openPage(alice, 'Accueil');
  await expect(status(page)).toHaveText(STATUS.saved);
  await page.getByRole('button', { name: 'Mettre en ligne' }).click();
  await expect(page.getByText(/est en ligne telle qu’elle est maintenant/)).toBeVisible();
  const home = await fetch(`${server.url}/sites/gardanne/`);
  expect(home.status).toBe(200);
  expect(await home.text()).toContain('Bienvenue sur le site officiel de la commune de Gardanne.');

  // Every step done: the checklist leaves the dashboard.
  await goTo(page, 'Tableau de bord');
  await expect(page.getByRole('heading', { level: 1, name: 'Tableau de bord' })).toBeVisible();
  await expect(steps).toHaveCount(0);
});

test('[first-2] opening hours: one day typed, copied onto the other weekdays', async ({ openAgent }) => {
  // Aurons, the demo commune, seeded with the starter pages at the server's first start.
  const bob = await openAgent({ displayName: 'Bob Horaires', role: 'agent', commune: '13008' });
  const { page } = bob;
  await openPage(bob, 'Horaires et contact');
  const hours = page.getByRole('group', { name: 'Horaires d’ouverture *' });
  await hours.getByRole('button', { name: 'Ajouter un jour d’ouverture' }).click();
  const monday = hours.getByRole('group', { name: /^Jour n° 1/ });
  await chooseOption(monday, 'Jour *', 'Lundi');
  await fillDateField(monday, 'Ouverture', '08:30');
  await fillDateField(monday, 'Fermeture', '12:00');
  await hours.getByRole('button', { name: 'Copier sur les autres jours — Jour n° 1 (Lundi)' }).click();
  const dialog = page.getByRole('dialog', { name: 'Copier les horaires du lundi' });
  await expect(dialog.getByRole('checkbox', { name: 'Vendredi' })).toBeChecked();
  await expect(dialog.getByRole('checkbox', { name: 'Samedi' })).not.toBeChecked();
  expect(await axeViolations(page), 'copy hours dialog').toEqual([]);
  await dialog.getByRole('checkbox', { name: 'Mercredi' }).press('Space');
  await expect(dialog.getByRole('checkbox', { name: 'Mercredi' })).not.toBeChecked();
  await dialog.getByRole('button', { name: 'Copier les horaires' }).click();
  await expect(page.getByText('Horaires du lundi copiés sur 3 jours.')).toBeVisible();
  for (const [n, day] of [
    [2, 'Mardi'],
    [3, 'Jeudi'],
    [4, 'Vendredi'],
  ] as const) {
    const entry = hours.getByRole('group', { name: `Jour n° ${n} (${day})` });
    await expectDateField(entry, 'Ouverture', '08:30');
    await expectDateField(entry, 'Fermeture', '12:00');
  }
});
