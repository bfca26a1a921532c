// Issue 4 §1 / issue 5 §2 journey — structured lists instead of « a ; b » lines: an élus page
// with two members and a cantine page with two days, filled with the keyboard in the
// repeatable sub-forms (add, a photo per élu, French errors next to the field, move, remove
// and undo), published, then read over HTTP: semantic HTML, valid (Nu checker), no axe
// violation.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { slugify } from '../site/siteDoc';
import {
  axeViolations,
  blurDateField,
  chooseFile,
  chooseOption,
  createTypedPage,
  dateField,
  fileButton,
  fillDateField,
  selectButton,
  uniqueTitle,
} from './editorHelpers';
import { editor, expect, goTo, STATUS, status, test } from './harness';
import { validateHtml } from './htmlValidator';

function entry(page: Page, name: string | RegExp) {
  return page.getByRole('group', { name });
}

test('[structured-1] élus and cantine menus as repeatable sub-forms, by keyboard, published as valid, accessible HTML', async ({
  openAgent,
  server,
  browser,
}) => {
  const referent = await openAgent({ displayName: 'Chantal Référente', role: 'referent' });
  const { page } = referent;

  // Élus: two members, added and filled with the keyboard.
  const council = uniqueTitle('Conseil municipal');
  await createTypedPage(referent, council, { type: 'Élus et conseil municipal' });
  const members = entry(page, 'Élus');
  await members.getByRole('button', { name: 'Ajouter un élu' }).click();
  // The new entry's first field has the focus.
  await expect(entry(page, 'Élu n° 1').getByLabel('Nom et prénom *')).toBeFocused();
  await page.keyboard.type('Sophie Martin');
  await page.keyboard.press('Tab');
  await page.keyboard.type('maire');
  // A photo from the media library, in the entry's own file field.
  const photo = await page.evaluate(async () => {
    const canvas = new OffscreenCanvas(400, 500);
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = '#18753c';
    ctx.fillRect(0, 0, 400, 500);
    const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
    let binary = '';
    for (const b of bytes) binary += String.fromCharCode(b);
    return btoa(binary);
  });
  const upload = page.waitForResponse(
    (r) => r.request().method() === 'PUT' && /\/media\/[0-9a-f]{64}$/.test(r.url()),
  );
  await chooseFile(fileButton(entry(page, 'Élu n° 1'), 'Photo'), {
    name: 'maire.png',
    mimeType: 'image/png',
    buffer: Buffer.from(photo, 'base64'),
  });
  expect((await upload).status()).toBe(201);
  const photoHash =
    (await entry(page, 'Élu n° 1').locator('.media-current').getAttribute('data-sha256')) ?? '';
  expect(photoHash).toMatch(/^[0-9a-f]{64}$/);
  await members.getByRole('button', { name: 'Ajouter un élu' }).click();
  const second = entry(page, 'Élu n° 2');
  await expect(second.getByLabel('Nom et prénom *')).toBeFocused();
  // Leaving a required field empty: a French message next to it.
  await page.keyboard.press('Tab');
  await expect(second.getByText('Élu n° 2 : « Nom et prénom » est obligatoire.')).toBeVisible();
  await expect(second.getByLabel('Nom et prénom *')).toHaveAttribute('aria-invalid', 'true');
  await second.getByLabel('Nom et prénom *').fill('Paul Durand');
  await expect(second.getByText('« Nom et prénom » est obligatoire.')).toHaveCount(0);
  await entry(page, /^Élu n° 2/)
    .getByLabel('Fonction *')
    .fill('premier adjoint');
  await entry(page, /^Élu n° 2/)
    .getByLabel('Délégation')
    .fill('Écoles et jeunesse');

  // Move Paul Durand up with the keyboard: the focus follows the entry.
  await page.getByRole('button', { name: 'Monter Élu n° 2 (Paul Durand)' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('group', { name: 'Élu n° 1 (Paul Durand)' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Descendre Élu n° 1 (Paul Durand)' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('group', { name: 'Élu n° 2 (Paul Durand)' })).toBeVisible();

  // Remove, then undo: the entry comes back with everything it held.
  await page.getByRole('button', { name: 'Supprimer Élu n° 2 (Paul Durand)' }).click();
  await expect(page.getByRole('group', { name: /Paul Durand/ })).toHaveCount(0);
  await expect(page.getByText('Ligne supprimée : Élu n° 2 (Paul Durand).')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Annuler la suppression' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(
    page.getByRole('group', { name: 'Élu n° 2 (Paul Durand)' }).getByLabel('Délégation'),
  ).toHaveValue('Écoles et jeunesse');
  expect(await axeViolations(page)).toEqual([]);
  await editor(page).click();
  await page.keyboard.type('Le conseil municipal se réunit une fois par mois.');
  await expect(status(page)).toHaveText(STATUS.saved);
  await page.getByRole('button', { name: 'Mettre en ligne' }).click();
  await expect(page.getByText(/est en ligne telle qu’elle est maintenant/)).toBeVisible();

  // Cantine: a week with two days.
  await goTo(page, 'Pages');
  const canteen = uniqueTitle('Menus de la cantine');
  await createTypedPage(referent, canteen, { type: 'Menus de la cantine' });
  await fillDateField(page, 'Semaine du *', '2026-06-01');
  const days: Array<[string, string, string, string]> = [
    ['2026-06-02', 'Carottes râpées', 'Poisson pané', 'Compote'],
    ['2026-06-01', 'Salade verte', 'Lasagnes', 'Fruit de saison'],
  ];
  for (const [i, [date, starter, main, dessert]] of days.entries()) {
    await page.getByRole('button', { name: 'Ajouter le menu d’un jour' }).click();
    const day = entry(page, new RegExp(`^Jour n° ${i + 1}`));
    await expect(dateField(day, 'Date *').getByRole('spinbutton').first()).toBeFocused();
    await fillDateField(day, 'Date *', date);
    await day.getByLabel('Entrée').fill(starter);
    await day.getByLabel('Plat').fill(main);
    await day.getByLabel('Dessert').fill(dessert);
  }
  await entry(page, /^Jour n° 1/)
    .getByRole('checkbox', { name: 'Bio' })
    .check();
  await entry(page, /^Jour n° 1/)
    .getByRole('checkbox', { name: 'Fait maison' })
    .check();
  await entry(page, /^Jour n° 1/)
    .getByLabel('Allergènes')
    .fill('Poisson, gluten');
  expect(await axeViolations(page)).toEqual([]);
  await editor(page).click();
  await page.keyboard.type('Menus préparés sur place.');
  await expect(status(page)).toHaveText(STATUS.saved);
  await page.getByRole('button', { name: 'Mettre en ligne' }).click();
  await expect(page.getByText(/est en ligne telle qu’elle est maintenant/)).toBeVisible();

  // Over HTTP, as a citizen reads it.
  const siteLink = page.getByRole('link', { name: 'Voir le site publié' });
  const root = new URL((await siteLink.getAttribute('href'))!.replace(/index\.html$/, ''), server.url);
  const urls = [council, canteen].map((t) => new URL(`${slugify(t)}/index.html`, root));
  const [councilHtml, canteenHtml] = await Promise.all(
    urls.map(async (url) => {
      const response = await fetch(url);
      expect(response.status, url.href).toBe(200);
      return response.text();
    }),
  );
  expect(councilHtml).toContain(
    '<th scope="col">Élu</th><th scope="col">Fonction</th><th scope="col">Délégation</th>',
  );
  expect(councilHtml).toContain(
    `<tr><th scope="row"><img class="member-photo" src="../media/${photoHash}.webp" width="96" height="120" alt="" loading="lazy" decoding="async">Sophie Martin</th><td>maire</td><td>—</td></tr><tr><th scope="row">Paul Durand</th><td>premier adjoint</td><td>Écoles et jeunesse</td></tr>`,
  );
  // Days in date order, each under its <time>, dishes by course.
  expect(canteenHtml).toContain(
    '<section class="menu-day"><h2><time datetime="2026-06-01">lundi 1er juin 2026</time></h2><dl class="fields"><div><dt>Entrée</dt><dd>Salade verte</dd></div><div><dt>Plat</dt><dd>Lasagnes</dd></div><div><dt>Dessert</dt><dd>Fruit de saison</dd></div></dl></section>',
  );
  expect(canteenHtml).toContain('<time datetime="2026-06-02">mardi 2 juin 2026</time>');
  expect(canteenHtml).toContain(
    '<div><dt>Mentions</dt><dd>Bio, Fait maison</dd></div><div><dt>Allergènes</dt><dd>Poisson, gluten</dd></div>',
  );
  expect(await validateHtml({ council: councilHtml!, canteen: canteenHtml! })).toEqual([]);

  const auditor = await browser.newContext();
  try {
    const auditPage = await auditor.newPage();
    for (const url of urls) {
      await auditPage.goto(url.href);
      const scan = await new AxeBuilder({ page: auditPage }).analyze();
      expect(scan.violations.map((v) => `${url.pathname} ${v.id}: ${v.help}`)).toEqual([]);
    }
    // A screen reader user finds the members through the table's headers.
    await auditPage.goto(urls[0]!.href);
    await expect(auditPage.getByRole('rowheader', { name: 'Paul Durand' })).toBeVisible();
    await expect(auditPage.getByRole('columnheader', { name: 'Délégation' })).toBeVisible();
  } finally {
    await auditor.close();
  }
});

test('[structured-2] horaires (opening ranges, closures) and associations: French errors next to the field, no axe violation', async ({
  openAgent,
}) => {
  const alice = await openAgent({ displayName: 'Alice Martin' });
  const { page } = alice;
  await createTypedPage(alice, uniqueTitle('Horaires et contact'), { type: 'Horaires et contact' });
  await page.getByRole('button', { name: 'Ajouter un jour d’ouverture' }).click();
  const monday = entry(page, /^Jour n° 1/);
  await expect(selectButton(monday, 'Jour *')).toBeFocused();
  await chooseOption(monday, 'Jour *', 'Lundi');
  await fillDateField(monday, 'Ouverture', '12:00');
  await fillDateField(monday, 'Fermeture', '08:30');
  await blurDateField(monday, 'Fermeture');
  await expect(monday.getByText('Jour n° 1 : « Fermeture » doit être après « Ouverture ».')).toBeVisible();
  await fillDateField(monday, 'Ouverture', '08:30');
  await fillDateField(monday, 'Fermeture', '12:00');
  await expect(monday.getByText('doit être après')).toHaveCount(0);
  await expect(entry(page, 'Jour n° 1 (Lundi)')).toBeVisible();
  await page.getByRole('button', { name: 'Ajouter une fermeture' }).click();
  const closure = entry(page, /^Fermeture n° 1/);
  await fillDateField(closure, 'Fermé du *', '2026-05-14');
  await fillDateField(closure, 'Jusqu’au', '2026-05-10');
  await blurDateField(closure, 'Jusqu’au');
  await expect(
    closure.getByText('« Jusqu’au » doit être le même jour que « Fermé du » ou après.'),
  ).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);

  await goTo(page, 'Pages');
  await createTypedPage(alice, uniqueTitle('Associations'), { type: 'Associations' });
  await page.getByRole('button', { name: 'Ajouter une association' }).click();
  const club = entry(page, /^Association n° 1/);
  await page.keyboard.type('Club de pétanque');
  await club.getByLabel('Site web').fill('javascript:alert(1)');
  await club.getByLabel('Site web').blur();
  await expect(
    club.getByText('Association n° 1 : « Site web » : adresse web attendue (https://…).'),
  ).toBeVisible();
  await expect(club.getByLabel('Site web')).toHaveAttribute('aria-invalid', 'true');
  await club.getByLabel('Site web').fill('https://petanque.example.fr');
  await expect(club.getByText('adresse web attendue')).toHaveCount(0);
  expect(await axeViolations(page)).toEqual([]);
});
