// Issue 5 journey — an actualité with an image, written offline then published online: the
// image is resized to WebP ≤ 1600 px in the app, with smaller copies for `srcset`, stored by
// SHA-256 and shown at once offline; the outbox uploads each file once when back online; the
// published page shows it with its alt text, and every size of its srcset is served.
import type { Page } from '@playwright/test';
import { createHash } from 'node:crypto';
import { webpSize } from '../sync-server/transport/mediaRoutes';
import { editor, expect, goTo, openPage, STATUS, status, test } from './harness';
import {
  blurDateField,
  chooseFile,
  chooseOption,
  selectButton,
  createTypedPage,
  fileButton,
  fillDateField,
  focusDateField,
  pageStatus,
  uniqueTitle,
} from './editorHelpers';

/** A 2400 × 1600 PNG drawn in the browser (a photo-sized image to scale down). */
async function bigPng(page: Page): Promise<Buffer> {
  const base64 = await page.evaluate(async () => {
    const canvas = new OffscreenCanvas(2400, 1600);
    const ctx = canvas.getContext('2d')!;
    const gradient = ctx.createLinearGradient(0, 0, 2400, 1600);
    gradient.addColorStop(0, '#1d4ed8');
    gradient.addColorStop(1, '#f59e0b');
    ctx.fillStyle = gradient;
    ctx.fillRect(0, 0, 2400, 1600);
    const blob = await canvas.convertToBlob({ type: 'image/png' });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let binary = '';
    for (const b of bytes) binary += String.fromCharCode(b);
    return btoa(binary);
  });
  return Buffer.from(base64, 'base64');
}

test('[media-1] an actualité with an image offline, uploaded once when online, published with its alt text', async ({
  openAgent,
  server,
}) => {
  const chantal = await openAgent({ displayName: 'Chantal Référente', role: 'referent', viaLink: true });
  const { page } = chantal;
  const puts: string[] = [];
  page.on('request', (r) => {
    if (r.method() === 'PUT' && r.url().includes('/media/')) puts.push(r.url());
  });
  const title = uniqueTitle('Marché de Noël');
  const png = await bigPng(page);

  chantal.link!.goOffline();
  await expect(status(page)).toHaveText(STATUS.offline);
  await createTypedPage(chantal, title, { type: 'Actualité' });

  // Structured fields, validated with the shared schema, in French.
  await focusDateField(page, 'Date de l’actualité *');
  await blurDateField(page, 'Date de l’actualité *');
  await expect(page.getByText('« Date de l’actualité » : date attendue (AAAA-MM-JJ).')).toBeVisible();
  await fillDateField(page, 'Date de l’actualité *', '2026-12-12');
  await page.getByLabel('Résumé *').fill('Chalets et vin chaud sur la place.');
  await expect(page.getByText('« Date de l’actualité » : date attendue')).toHaveCount(0);

  // The image: resized and re-encoded in the app, shown at once while offline.
  await chooseFile(fileButton(page, 'Image'), { name: 'marche.png', mimeType: 'image/png', buffer: png });
  await expect(page.locator('.media-current')).toContainText('1600 × 1067 px');
  await expect(page.locator('.media-current img')).toHaveJSProperty('naturalWidth', 1600);
  const hash = (await page.locator('.media-current').getAttribute('data-sha256')) ?? '';
  expect(hash).toMatch(/^[0-9a-f]{64}$/);
  // Alt text is required unless the image is marked decorative.
  await page.getByLabel('Texte alternatif de l’image').focus();
  await page.getByLabel('Texte alternatif de l’image').blur();
  await expect(page.getByText('Décrivez l’image', { exact: false })).toBeVisible();
  await page.getByLabel('Texte alternatif de l’image').fill('Chalets illuminés sur la place du village');
  await expect(page.getByText('Décrivez l’image', { exact: false })).toHaveCount(0);

  await editor(page).click();
  await page.keyboard.type('Du 12 au 14 décembre.');
  await expect(pageStatus(page)).toContainText('pas encore envoyées');

  await goTo(page, 'Médiathèque');
  const library = page.getByRole('region', { name: 'Médiathèque' });
  await expect(library).toContainText('1 fichier en attente d’envoi');
  await expect(library).toContainText(`Utilisé dans : ${title} (Image)`);
  expect(puts).toEqual([]);

  // Back online: the outbox uploads the file once; the status reaches the server's ack.
  chantal.link!.goOnline();
  await expect(status(page)).toHaveText(STATUS.saved, { timeout: 30_000 });
  await expect(library).toContainText('Tous les fichiers ajoutés depuis cet ordinateur sont sur le serveur', {
    timeout: 30_000,
  });
  // The image, then each of its smaller copies, once (the server keeps the image itself as
  // its 1600 px size).
  const files = [hash, `${hash}-480`, `${hash}-960`];
  await expect.poll(() => puts.length).toBe(files.length);
  const sent = puts.map((u) => u.slice(u.lastIndexOf('/') + 1));
  expect(sent[0]).toBe(hash);
  expect([...sent].sort()).toEqual([...files].sort());

  // Publish: the page shows the image with its alt text, served from the published site.
  await openPage(chantal, title);
  await page.getByRole('button', { name: 'Mettre en ligne' }).click();
  await expect(page.getByText(/est en ligne telle qu’elle est maintenant/)).toBeVisible();
  const siteHref = await page.getByRole('link', { name: 'Voir le site publié' }).getAttribute('href');
  const siteUrl = new URL(siteHref!, server.url);
  const pages = await fetch(new URL('plan-du-site/', siteUrl)).catch(() => null);
  void pages;
  const slug = title
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const html = await (
    await fetch(new URL(`${slug}/index.html`, siteUrl.href.replace(/index\.html$/, '')))
  ).text();
  expect(html).toContain('alt="Chalets illuminés sur la place du village"');
  expect(html).toContain(hash);
  const src = /<img[^>]+src="([^"]+)"/.exec(html)?.[1];
  expect(src).toBeTruthy();
  const image = await fetch(
    new URL(src!, new URL(`${slug}/index.html`, siteUrl.href.replace(/index\.html$/, ''))),
  );
  expect(image.status).toBe(200);
  // [HTML-11][MEDIA-1] srcset of re-encoded sizes: every URL answers a WebP of the width it announces.
  const srcset = /<img[^>]+srcset="([^"]+)"/.exec(html)?.[1] ?? '';
  const candidates = srcset.split(',').map((c) => c.trim().split(/\s+/) as [string, string]);
  expect(candidates.map(([, w]) => w)).toEqual(['480w', '960w', '1600w']);
  for (const [href, w] of candidates) {
    const response = await fetch(
      new URL(href, new URL(`${slug}/index.html`, siteUrl.href.replace(/index\.html$/, ''))),
    );
    expect(response.status, href).toBe(200);
    expect(response.headers.get('content-type'), href).toBe('image/webp');
    expect(webpSize(Buffer.from(await response.arrayBuffer()))?.width, href).toBe(Number(w.slice(0, -1)));
  }

  // A reload does not upload anything again.
  await goTo(page, 'Médiathèque');
  await page.reload();
  await expect(page.getByRole('region', { name: 'Médiathèque' })).toContainText('Tous les fichiers');
  expect(puts).toHaveLength(files.length);
});

test('[media-2] an acte with its signed PDF: stored as is, its SHA-256 shown, uploaded, listed in the library', async ({
  openAgent,
}) => {
  const alice = await openAgent({ displayName: 'Alice Martin' });
  const { page } = alice;
  const title = uniqueTitle('Délibération budget');
  const pdf = Buffer.from(
    `%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF ${title}\n`,
  );
  const sha = createHash('sha256').update(pdf).digest('hex');

  await createTypedPage(alice, title, { type: 'Acte administratif' });
  await chooseOption(page, 'Nature de l’acte *', 'Délibération');
  await page.getByLabel('Numéro *').fill('2026-042');
  const upload = page.waitForResponse(
    (r) => r.request().method() === 'PUT' && r.url().endsWith(`/media/${sha}`),
  );
  await chooseFile(fileButton(page, 'Acte signé (PDF) *'), {
    name: 'deliberation.pdf',
    mimeType: 'application/pdf',
    buffer: pdf,
  });
  await expect(page.locator('.media-current')).toHaveAttribute('data-sha256', sha);
  // The server checked the hash of the bytes it received (201: stored).
  expect((await upload).status()).toBe(201);

  await goTo(page, 'Médiathèque');
  const library = page.getByRole('region', { name: 'Médiathèque' });
  await expect(library.getByRole('listitem').filter({ hasText: sha })).toContainText(
    `Utilisé dans : ${title} (Acte signé (PDF))`,
  );
  await expect(library).toContainText('Tous les fichiers ajoutés depuis cet ordinateur sont sur le serveur', {
    timeout: 30_000,
  });
  await goTo(page, 'Actes');
  const lists = page.getByRole('region', { name: 'Actualités, événements et actes' });
  await expect(selectButton(lists, 'Type de contenu')).toHaveAccessibleName(
    'Actes administratifs Type de contenu',
  );
  await expect(lists.getByRole('row').filter({ hasText: title })).toContainText('Brouillon');
});
