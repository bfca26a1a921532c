// Issue 5 §2 journey — the rich page body: an agent builds a page with a table (by keyboard
// only), an image (alt text required unless decorative), a callout and a link to a PDF; a
// second agent sees the table and the image arrive live; the référent publishes; the published
// page has the table with its header cells, the image with its alt text, the callout and the
// PDF link with its type and size, every file it refers to answers 200, the Nu HTML Checker
// finds no error and axe-core no violation.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { createPage, editor, expect, goTo, openPage, STATUS, status, test } from './harness';
import { axeViolations, chooseFile, pdfFile, pngFile, slugOf, uniqueTitle } from './editorHelpers';
import { validateHtml } from './htmlValidator';

/** The toolbar's dialog (a modal <dialog>) by its title. */
function dialog(page: Page, title: string) {
  return page.getByRole('dialog', { name: title });
}

test('[rich-1] a table by keyboard, an image, a callout and a PDF link: live for the other agent, published valid and accessible', async ({
  openAgent,
  server,
  browser,
}) => {
  test.setTimeout(180_000);
  const alice = await openAgent({ displayName: 'Alice Martin' });
  const chantal = await openAgent({ displayName: 'Chantal Référente', role: 'referent' });
  const { page } = alice;
  const title = uniqueTitle('Services municipaux');
  const uploads: string[] = [];
  page.on('response', (r) => {
    if (r.request().method() === 'PUT' && r.url().includes('/media/') && r.status() < 300)
      uploads.push(r.url());
  });

  await createPage(alice, title);
  await openPage(chantal, title);
  const body = editor(page);
  const otherBody = editor(chantal.page);

  // ---- The table, with the keyboard only. ----
  await body.click();
  await page.keyboard.type('Horaires d’ouverture');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Control+Alt+KeyT');
  const tableDialog = dialog(page, 'Insérer un tableau');
  await expect(tableDialog).toBeVisible();
  await expect(tableDialog.getByLabel('Nombre de lignes')).toBeFocused();
  expect(await axeViolations(page)).toEqual([]);
  await page.keyboard.press('Control+A');
  await page.keyboard.type('3');
  await page.keyboard.press('Tab');
  await expect(tableDialog.getByLabel('Nombre de colonnes')).toBeFocused();
  await page.keyboard.press('Control+A');
  await page.keyboard.type('2');
  await page.keyboard.press('Enter');
  await expect(tableDialog).toBeHidden();
  // The caret is in the first header cell; Tab goes from cell to cell.
  for (const [i, word] of ['Jour', 'Horaires', 'Lundi', '9 h – 12 h', 'Mardi', 'Fermé'].entries()) {
    if (i > 0) await page.keyboard.press('Tab');
    await page.keyboard.type(word);
  }
  await expect(body.locator('table th')).toHaveText(['Jour', 'Horaires']);
  await expect(body.locator('table td')).toHaveText(['Lundi', '9 h – 12 h', 'Mardi', 'Fermé']);
  // While the caret is in the table, the toolbar offers to change it.
  await expect(page.getByRole('button', { name: 'Ajouter une ligne' })).toBeVisible();
  // Out of the table, below it.
  await page.keyboard.press('ArrowDown');
  await page.keyboard.type('Accueil');
  await expect(page.getByRole('button', { name: 'Ajouter une ligne' })).toHaveCount(0);

  // The other agent sees the table arrive live.
  await expect(otherBody.locator('table th')).toHaveText(['Jour', 'Horaires']);
  await expect(otherBody.locator('table td')).toHaveText(['Lundi', '9 h – 12 h', 'Mardi', 'Fermé']);
  await expect(otherBody).toContainText('Accueil');

  // ---- The image: refused without alt text, then inserted with it. ----
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Insérer une image' }).click();
  const imageDialog = dialog(page, 'Insérer une image');
  await expect(imageDialog).toBeVisible();
  await chooseFile(imageDialog.getByRole('button', { name: 'Importer une image depuis cet ordinateur' }), {
    name: 'parvis.png',
    mimeType: 'image/png',
    buffer: await pngFile(page, 1200, 800),
  });
  await expect(imageDialog.getByRole('radio', { name: 'parvis' })).toBeChecked();
  await imageDialog.getByRole('button', { name: 'Insérer l’image' }).click();
  await expect(imageDialog.getByRole('alert')).toHaveText(
    'Indiquez le texte alternatif de l’image (ce qu’elle montre ou apporte), ou cochez « Image décorative » si elle n’apporte aucune information.',
  );
  await expect(imageDialog.getByLabel('Texte alternatif')).toHaveAttribute('aria-invalid', 'true');
  await expect(imageDialog).toBeVisible();
  await expect(body.locator('img')).toHaveCount(0);
  await imageDialog.getByLabel('Texte alternatif').fill('La mairie et son parvis fleuri');
  await imageDialog.getByLabel('Légende (facultative)').fill('Le parvis rénové en 2026');
  await imageDialog.getByRole('button', { name: 'Insérer l’image' }).click();
  await expect(imageDialog).toBeHidden();
  // Shown at once from this computer's store.
  const image = body.getByRole('img', { name: 'La mairie et son parvis fleuri' });
  await expect(image).toBeVisible();
  await expect(image).toHaveJSProperty('naturalWidth', 1200);
  await expect(body.locator('figcaption')).toHaveText('Le parvis rénové en 2026');

  // The other agent sees it too (downloaded from the server once uploaded).
  const otherImage = otherBody.getByRole('img', { name: 'La mairie et son parvis fleuri' });
  await expect(otherImage).toBeVisible({ timeout: 30_000 });
  await expect(otherImage).toHaveJSProperty('naturalWidth', 1200);

  // ---- The callout (toggle, by its shortcut). ----
  const calloutButton = page.getByRole('button', { name: 'Encadré', exact: true });
  await expect(calloutButton).toHaveAttribute('aria-pressed', 'false');
  await page.keyboard.press('Control+Alt+KeyC');
  await expect(calloutButton).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.type('La mairie sera fermée le 15 août.');
  await expect(body.locator('.ed-callout')).toHaveText('La mairie sera fermée le 15 août.');
  await page.keyboard.press('Enter');
  await expect(calloutButton).toHaveAttribute('aria-pressed', 'false');
  const importantButton = page.getByRole('button', { name: 'Encadré important' });
  await page.keyboard.press('Control+Alt+Shift+KeyC');
  await expect(importantButton).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.type('Alerte canicule : buvez de l’eau.');
  await page.keyboard.press('Enter');
  await expect(importantButton).toHaveAttribute('aria-pressed', 'false');

  // ---- The link to a PDF. ----
  await page.keyboard.type('À lire : ');
  await page.getByRole('button', { name: 'Lien vers un PDF' }).click();
  const fileDialog = dialog(page, 'Insérer un lien vers un PDF');
  await fileDialog.getByRole('button', { name: 'Insérer le lien' }).click();
  await expect(fileDialog.getByRole('alert')).toHaveText(
    'Choisissez un PDF de la médiathèque ou importez-en un.',
  );
  expect(await axeViolations(page)).toEqual([]);
  await chooseFile(fileDialog.getByRole('button', { name: 'Importer un PDF depuis cet ordinateur' }), {
    name: 'compte-rendu_conseil.pdf',
    mimeType: 'application/pdf',
    buffer: pdfFile(title),
  });
  await expect(fileDialog.getByRole('radio', { name: /compte-rendu_conseil\.pdf/ })).toBeChecked();
  await expect(fileDialog.getByLabel('Texte du lien')).toHaveValue('compte-rendu conseil');
  await fileDialog.getByLabel('Texte du lien').fill('Compte rendu du conseil municipal');
  await fileDialog.getByRole('button', { name: 'Insérer le lien' }).click();
  await expect(fileDialog).toBeHidden();
  await expect(body.locator('a')).toHaveText('Compte rendu du conseil municipal');
  // Opening the link form on it (Ctrl+K) shows its file target, which it keeps.
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('Control+KeyK');
  await expect(page.getByLabel('Adresse du lien')).toHaveValue(/^media:[0-9a-f]{64}$/);
  await page.keyboard.press('Enter');
  await expect(page.getByLabel('Adresse du lien')).toBeHidden();
  await expect(body.locator('a')).toHaveText('Compte rendu du conseil municipal');

  // The editor screen with all of it stays accessible.
  expect(await axeViolations(page)).toEqual([]);
  await expect(status(page)).toHaveText(STATUS.saved, { timeout: 30_000 });
  // The image (1200 px: original + its 480 and 960 px copies) and the PDF, each sent once.
  await expect.poll(() => uploads.length, { timeout: 30_000 }).toBe(4);
  expect(uploads.filter((u) => /\/media\/[0-9a-f]{64}$/.test(u))).toHaveLength(2);
  expect(new Set(uploads).size).toBe(uploads.length);

  // ---- The référent publishes. ----
  await expect(otherBody.locator('a')).toHaveText('Compte rendu du conseil municipal');
  await chantal.page.getByRole('button', { name: 'Mettre en ligne' }).click();
  await expect(chantal.page.getByText(/est en ligne telle qu’elle est maintenant/)).toBeVisible({
    timeout: 30_000,
  });
  const siteHref = await chantal.page.getByRole('link', { name: 'Voir le site publié' }).getAttribute('href');
  const siteRoot = new URL(siteHref!, server.url).href.replace(/index\.html$/, '');
  const pageUrl = new URL(`${slugOf(title)}/index.html`, siteRoot);
  const response = await fetch(pageUrl);
  expect(response.status).toBe(200);
  const html = await response.text();

  expect(html).toContain(
    '<table><thead><tr><th scope="col">Jour</th><th scope="col">Horaires</th></tr></thead>' +
      '<tbody><tr><td>Lundi</td><td>9 h – 12 h</td></tr><tr><td>Mardi</td><td>Fermé</td></tr></tbody></table>',
  );
  expect(html).toMatch(
    /<figure><img [^>]*alt="La mairie et son parvis fleuri"[^>]*><figcaption>Le parvis rénové en 2026<\/figcaption><\/figure>/,
  );
  expect(html).toContain('<div class="callout" role="note"><p>La mairie sera fermée le 15 août.</p></div>');
  expect(html).toContain(
    '<div class="callout callout-important" role="note"><p>Alerte canicule : buvez de l’eau.</p></div>',
  );
  expect(html).toMatch(
    /<a href="\.\.\/media\/[0-9a-f]{64}\.pdf">Compte rendu du conseil municipal \(PDF, \d+ octets\)<\/a>/,
  );

  // Every file the page refers to answers 200 (stylesheet, image sources, the PDF).
  const refs = new Set<string>();
  for (const m of html.matchAll(/\s(?:src|href)="([^"]+)"/g)) refs.add(m[1]!);
  for (const m of html.matchAll(/\ssrcset="([^"]+)"/g))
    for (const candidate of m[1]!.split(',')) refs.add(candidate.trim().split(/\s+/)[0]!);
  const files = [...refs].filter((r) => !/^(https?:|mailto:|tel:|#)/.test(r));
  expect(files.some((f) => f.endsWith('.pdf'))).toBe(true);
  expect(files.some((f) => /media\/[0-9a-f]{64}/.test(f) && !f.endsWith('.pdf'))).toBe(true);
  for (const file of files) {
    const answer = await fetch(new URL(file, pageUrl));
    expect(`${file} → ${answer.status}`).toBe(`${file} → 200`);
  }

  expect(await validateHtml({ page: html })).toEqual([]);
  const auditor = await browser.newContext();
  try {
    const auditPage = await auditor.newPage();
    await auditPage.goto(pageUrl.href);
    const scan = await new AxeBuilder({ page: auditPage }).analyze();
    expect(scan.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  } finally {
    await auditor.close();
  }

  // The media library says where each file is used: the image and the PDF, in this page's text.
  await goTo(page, 'Médiathèque');
  for (const name of ['parvis', 'compte-rendu']) {
    const item = page.locator('.media-item').filter({ has: page.locator('.media-name', { hasText: name }) });
    await expect(item).toContainText(`Utilisé dans : ${title} (texte de la page)`);
  }
});

test('[rich-2] the image dialog refuses an image without alt text unless it is marked decorative', async ({
  openAgent,
}) => {
  const alice = await openAgent({ displayName: 'Alice Martin' });
  const { page } = alice;
  await createPage(alice, uniqueTitle('Galerie'));
  const body = editor(page);
  await body.click();
  await page.keyboard.press('Control+Alt+KeyI');
  const imageDialog = dialog(page, 'Insérer une image');
  await expect(imageDialog).toBeVisible();

  // The dialog itself is accessible (labels, errors tied to their fields).
  expect(await axeViolations(page)).toEqual([]);

  // A PDF is not an image: refused with a pointer to the right button.
  await chooseFile(imageDialog.getByRole('button', { name: 'Importer une image depuis cet ordinateur' }), {
    name: 'arrete.pdf',
    mimeType: 'application/pdf',
    buffer: pdfFile('galerie'),
  });
  await expect(imageDialog.getByRole('alert')).toHaveText(
    'Ce fichier n’est pas une image (JPEG, PNG, WebP…). Pour un document PDF, utilisez « Lien vers un PDF ».',
  );

  // Nothing chosen, nothing described: both are said, nothing is inserted.
  await imageDialog.getByRole('button', { name: 'Insérer l’image' }).click();
  await expect(
    imageDialog.getByText('Choisissez une image de la médiathèque ou importez-en une.'),
  ).toBeVisible();
  await expect(imageDialog.getByText(/Indiquez le texte alternatif de l’image/)).toBeVisible();
  await chooseFile(imageDialog.getByRole('button', { name: 'Importer une image depuis cet ordinateur' }), {
    name: 'frise.png',
    mimeType: 'image/png',
    buffer: await pngFile(page, 600, 100),
  });
  await expect(imageDialog.getByRole('radio', { name: 'frise' })).toBeChecked();
  await imageDialog.getByLabel('Texte alternatif').fill('   ');
  await imageDialog.getByRole('button', { name: 'Insérer l’image' }).click();
  await expect(imageDialog.getByText(/Indiquez le texte alternatif de l’image/)).toBeVisible();
  await expect(body.locator('img')).toHaveCount(0);
  expect(await axeViolations(page)).toEqual([]);

  // Escape cancels and gives the focus back to the text.
  await page.keyboard.press('Escape');
  await expect(imageDialog).toBeHidden();
  await expect(body).toBeFocused();

  // Marked decorative, it is accepted with an empty alt.
  await page.getByRole('button', { name: 'Insérer une image' }).click();
  await imageDialog.getByRole('radio', { name: 'frise' }).check();
  await imageDialog.getByLabel('Image décorative').check();
  await expect(imageDialog.getByLabel('Texte alternatif')).toBeDisabled();
  await imageDialog.getByRole('button', { name: 'Insérer l’image' }).click();
  await expect(imageDialog).toBeHidden();
  await expect(body.locator('img')).toHaveAttribute('alt', '');
  await expect(body).toContainText('Image décorative');

  // Its alt text can be given later from the image itself.
  await body.getByRole('button', { name: 'Modifier l’image décorative' }).click();
  const editDialog = dialog(page, 'Modifier l’image');
  await editDialog.getByLabel('Image décorative').uncheck();
  await editDialog.getByLabel('Texte alternatif').fill('Frise de la fête du village');
  await editDialog.getByRole('button', { name: 'Enregistrer l’image' }).click();
  await expect(body.getByRole('img', { name: 'Frise de la fête du village' })).toBeVisible();
});

/** What Word puts on the clipboard (trimmed): MsoNormal paragraphs, inline styles, a td-only table. */
const WORD_HTML = `<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word"><body lang=FR>
<h1 style="color:#c00000;font-family:Calibri">Tarifs de la cantine</h1>
<p class=MsoNormal style="text-align:center;margin-left:36pt"><span style="font-family:Calibri;color:#c00000"><u>Tarifs</u> <b>2026</b></span></p>
<table class=MsoTableGrid border=1 cellspacing=0 cellpadding=0 style="border-collapse:collapse">
<tr><td width=200 style="background:yellow;width:150pt"><p class=MsoNormal><b>Quotient familial</b></p></td><td width=200><p class=MsoNormal><b>Prix du repas</b></p></td></tr>
<tr><td width=200><h2>0 à 500</h2></td><td width=200><p class=MsoNormal>1 €</p></td></tr>
</table>
<p class=MsoNormal><img width=100 height=50 src="file:///C:/Users/mairie/AppData/Local/Temp/image001.png" alt="Logo"></p>
<p class=MsoNormal><a href="javascript:alert(1)">piège</a> et <a href="https://www.service-public.fr/">Service public</a></p>
</body></html>`;

test('[rich-3] a paste from Word keeps the heading (as h2), the table with a header row and safe links, and drops the rest', async ({
  openAgent,
}) => {
  const alice = await openAgent({ displayName: 'Alice Martin' });
  const { page } = alice;
  await createPage(alice, uniqueTitle('Cantine'));
  const body = editor(page);
  await body.click();
  await body.evaluate((element, html) => {
    const data = new DataTransfer();
    data.setData('text/html', html);
    data.setData('text/plain', 'Tarifs de la cantine');
    element.dispatchEvent(
      new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }),
    );
  }, WORD_HTML);

  await expect(body.locator('table th')).toHaveText(['Quotient familial', 'Prix du repas']);
  await expect(body.locator('table td')).toHaveText(['0 à 500', '1 €']);
  await expect(body.locator('table h2, table h3, table h4')).toHaveCount(0);
  await expect(body.locator('h1')).toHaveCount(0);
  await expect(body.locator('h2')).toHaveText(['Tarifs de la cantine']);
  await expect(body.locator('img')).toHaveCount(0);
  await expect(
    page.getByRole('status').filter({ hasText: 'Les images collées ne sont pas reprises' }),
  ).toBeVisible();
  await expect(body.locator('u')).toHaveCount(0);
  await expect(body.locator('strong, b').filter({ hasText: '2026' })).toHaveCount(1);
  await expect(
    body.locator('[style*="color"], [style*="font-family"], [style*="text-align"], [style*="background"]'),
  ).toHaveCount(0);
  await expect(body.getByRole('link')).toHaveCount(1);
  await expect(body.getByRole('link', { name: 'Service public' })).toHaveAttribute(
    'href',
    'https://www.service-public.fr/',
  );
  await expect(body).toContainText('piège et Service public');

  // The table grows and shrinks from the toolbar, at the caret.
  await body.locator('table td').filter({ hasText: '1 €' }).click();
  await page.getByRole('button', { name: 'Ajouter une ligne' }).click();
  await expect(body.locator('table tr')).toHaveCount(3);
  await page.keyboard.type('Plus de 500');
  await expect(body.locator('table tr').last()).toContainText('Plus de 500');
  await page.getByRole('button', { name: 'Ajouter une colonne' }).click();
  await expect(body.locator('table tr').first().locator('th')).toHaveCount(3);
  await page.getByRole('button', { name: 'Supprimer la colonne' }).click();
  await expect(body.locator('table tr').first().locator('th')).toHaveCount(2);
  await body.locator('table td').filter({ hasText: 'Plus de 500' }).click();
  await page.getByRole('button', { name: 'Supprimer la ligne' }).click();
  await expect(body.locator('table')).not.toContainText('Plus de 500');
  await expect(body.locator('table tr')).toHaveCount(2);

  // The site's own renderer (the live preview) publishes the table with its header row.
  await page.getByRole('button', { name: 'Aperçu avec le thème du site' }).click();
  const preview = page.locator('iframe.page-preview');
  await expect
    .poll(async () => (await preview.getAttribute('srcdoc')) ?? '')
    .toContain(
      '<table><thead><tr><th scope="col"><strong>Quotient familial</strong></th><th scope="col"><strong>Prix du repas</strong></th></tr></thead>' +
        '<tbody><tr><td>0 à 500</td><td>1 €</td></tr></tbody></table>',
    );
});

test('[rich-4] offline, an imported image shows at once from this computer and the table is typed; both reach the server when back online', async ({
  openAgent,
}) => {
  const alice = await openAgent({ displayName: 'Alice Martin', viaLink: true });
  const { page } = alice;
  const uploads: string[] = [];
  page.on('response', (r) => {
    if (r.request().method() === 'PUT' && r.url().includes('/media/') && r.status() < 300)
      uploads.push(r.url());
  });
  alice.link!.goOffline();
  await expect(status(page)).toHaveText(STATUS.offline);
  await createPage(alice, uniqueTitle('Plan du village'));
  const body = editor(page);
  await body.click();

  await page.keyboard.press('Control+Alt+KeyI');
  const imageDialog = dialog(page, 'Insérer une image');
  await chooseFile(imageDialog.getByRole('button', { name: 'Importer une image depuis cet ordinateur' }), {
    name: 'plan.png',
    mimeType: 'image/png',
    buffer: await pngFile(page, 900, 600),
  });
  await expect(imageDialog.getByRole('radio', { name: 'plan' })).toBeChecked();
  await imageDialog.getByLabel('Texte alternatif').fill('Plan du centre du village');
  await imageDialog.getByRole('button', { name: 'Insérer l’image' }).click();
  const image = body.getByRole('img', { name: 'Plan du centre du village' });
  await expect(image).toHaveJSProperty('naturalWidth', 900);

  await page.keyboard.press('Control+Alt+KeyT');
  await page.keyboard.press('Enter');
  await page.keyboard.type('Lieu');
  await expect(body.locator('table th').first()).toHaveText('Lieu');
  await expect(body.locator('table th')).toHaveCount(3);
  // The live preview shows the image too, read from this computer.
  await page.getByRole('button', { name: 'Aperçu avec le thème du site' }).click();
  await expect
    .poll(async () => (await page.locator('iframe.page-preview').getAttribute('srcdoc')) ?? '')
    .toMatch(
      /<img src="data:image\/webp;base64,[^"]+" width="900" height="600" alt="Plan du centre du village"/,
    );
  expect(uploads).toEqual([]);

  alice.link!.goOnline();
  await expect(status(page)).toHaveText(STATUS.saved, { timeout: 30_000 });
  // The image (900 px) and its 480 px copy, each sent once.
  await expect.poll(() => uploads.length, { timeout: 30_000 }).toBe(2);
  expect(uploads.filter((u) => /\/media\/[0-9a-f]{64}$/.test(u))).toHaveLength(1);
  expect(new Set(uploads).size).toBe(uploads.length);
  await expect(image).toHaveJSProperty('naturalWidth', 900);
});
