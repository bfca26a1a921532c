// Issue 10 §5 journey — French date and time fields whatever the browser's language: an English
// (en-US) browser still shows JJ/MM/AAAA, a 24-hour clock and a French calendar; a picked day is
// stored as AAAA-MM-JJ. SCREENS_DIR=<dir> also writes screenshots of the scheduling panel with
// the calendar open and of the login screen, at 1366×768 and 1024×768.
import path from 'node:path';
import type { Page } from '@playwright/test';
import { dateField, expectDateField, fillDateField, openPanelSection, uniqueTitle } from './editorHelpers';
import { editor, expect, test } from './harness';

const FRENCH_MONTHS =
  /^(janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre) \d{4}$/;

async function shot(page: Page, name: string): Promise<void> {
  const dir = process.env.SCREENS_DIR;
  if (dir) await page.screenshot({ path: path.join(dir, `${name}.png`) });
}

test('[pickers-1] an English browser gets French dates, a 24-hour clock and a French calendar', async ({
  browser,
  server,
}) => {
  const email = `calendrier.${Date.now().toString(36)}@mairie-test.fr`;
  const password = `Motdepasse-calendrier-${Math.random().toString(36).slice(2)}`;
  await server.admin.addAgent({
    commune: '13001',
    email,
    password,
    role: 'referent',
    displayName: 'Chantal',
  });
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1366, height: 768 } });
  try {
    const page = await context.newPage();
    await page.goto(`${server.url}/app/`);
    await shot(page, 'connexion-1366x768');
    await page.setViewportSize({ width: 1024, height: 768 });
    await shot(page, 'connexion-1024x768');
    await page.setViewportSize({ width: 1366, height: 768 });
    if (process.env.SCREENS_DIR) {
      await page.getByRole('button', { name: 'Se connecter' }).click();
      await expect(page.getByText('Indiquez votre adresse e-mail.')).toBeVisible();
      await shot(page, 'connexion-erreurs-1366x768');
      await page.goto(`${server.url}/app/?serverFixed=1`);
      await expect(page.getByText(`Serveur : ${server.url}`)).toBeVisible();
      await shot(page, 'connexion-serveur-fixe-1366x768');
      await page.setViewportSize({ width: 1024, height: 768 });
      await shot(page, 'connexion-serveur-fixe-1024x768');
      await page.setViewportSize({ width: 1366, height: 768 });
    }
    await page.getByLabel('Adresse e-mail').fill(email);
    await page.getByLabel('Mot de passe').fill(password);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('button', { name: 'Nouvelle page' }).click();
    await page.getByLabel('Titre de la page').fill(uniqueTitle('Fête du village'));
    await page.getByRole('button', { name: 'Créer la page' }).click();
    await expect(editor(page)).toBeVisible();

    await openPanelSection(page, 'Programmer la publication');
    const section = page.getByRole('region', { name: 'Publication à une date choisie' });
    // Segments in French order, with French names, whatever the browser's language.
    const date = dateField(section, 'Date de publication');
    await expect(date.getByRole('spinbutton')).toHaveCount(3);
    await expect(date.getByRole('spinbutton').first()).toHaveAccessibleName(/^jour/);
    await expect(date).toContainText('jj/mm/aaaa');
    const time = dateField(section, 'Heure de publication');
    await expect(time).not.toContainText(/AM|PM/);

    // The calendar: a French month, French weekdays, « Précédent » / « Suivant ».
    await section.scrollIntoViewIfNeeded();
    await date.getByRole('button', { name: /^Calendrier/ }).click();
    const calendar = page.getByRole('dialog');
    await expect(calendar.getByRole('heading')).toHaveText(FRENCH_MONTHS);
    // The weekday row is hidden from assistive technologies (each day is named in full).
    await expect(calendar.locator('th').first()).toHaveText(/^lun/);
    await calendar.getByRole('button', { name: 'Suivant' }).first().click();
    await shot(page, 'programmer-calendrier-1366x768');
    await calendar.getByRole('button', { name: / 15 / }).click();
    await expect(calendar).toHaveCount(0);
    const next = new Date();
    next.setDate(1);
    next.setMonth(next.getMonth() + 1);
    const two = (n: number) => String(n).padStart(2, '0');
    await expectDateField(
      section,
      'Date de publication',
      `15/${two(next.getMonth() + 1)}/${next.getFullYear()}`,
    );

    // A 24-hour clock: 14:30 stays 14:30.
    await fillDateField(section, 'Heure de publication', '14:30:00');
    await expectDateField(section, 'Heure de publication', '14:30:00');
    await section.getByRole('button', { name: 'Programmer la publication' }).click();
    await expect(section.getByText(/^Publication programmée le/)).toContainText(`15 `);
    await expect(section.getByText(/^Publication programmée le/)).toContainText('14:30');

    // The screenshots at 1024 px: the details are a drawer.
    if (process.env.SCREENS_DIR) {
      await section.getByRole('button', { name: /^Calendrier/ }).click();
      await expect(page.getByRole('dialog')).toBeVisible();
      await page.keyboard.press('Escape');
      await page.setViewportSize({ width: 1024, height: 768 });
      const details = page.getByRole('button', { name: 'Détails de la page' });
      if (await details.isVisible()) await details.click();
      // The section stays expanded in the drawer.
      await expect(section).toBeVisible();
      await dateField(section, 'Date de publication')
        .getByRole('button', { name: /^Calendrier/ })
        .click();
      await expect(page.getByRole('dialog').getByRole('heading')).toHaveText(FRENCH_MONTHS);
      await shot(page, 'programmer-calendrier-1024x768');
    }
  } finally {
    await context.close();
  }
});
