/**
 * `npm run screens`: PNGs of the editor's main screens and dialogs at 1366×768 and 1024×768, in
 * the light theme (`<screen>-<size>.png`) and the dark one (`<screen>-<size>-dark.png`), written
 * to docs/screens/ (committed), so anyone sees the editor without running it. Starts the real
 * server in-process (like harness.ts) on a temporary DATA_DIR, logs in as its demo référent
 * through the login screen, writes a few pages and a comment, then visits each screen by its
 * address (and opens its dialog or drawer).
 * Needs `npm run build` first (the script runs it) and Chromium (/usr/bin/chromium or CHROMIUM_PATH).
 */
import { chromium, type Page } from '@playwright/test';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../sync-server/app/server';
import { CHROMIUM_ARGS } from './playwright.config';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(repoRoot, 'docs', 'screens');
const SIZES = [
  { width: 1366, height: 768 },
  { width: 1024, height: 768 },
] as const;
const SCHEMES = [
  { scheme: 'light', suffix: '' },
  { scheme: 'dark', suffix: '-dark' },
] as const;

interface Screen {
  name: string;
  route: string;
  /** Opens what the PNG shows once the screen is there (a dialog, the page's drawer). */
  prepare?: (page: Page) => Promise<void>;
}

/** Below 1200 px the page's details are a drawer: open it. */
async function openDetails(page: Page): Promise<void> {
  const toggle = page.getByRole('button', { name: 'Détails de la page' });
  if (await toggle.isVisible()) await toggle.click();
}

async function comment(page: Page, text: string): Promise<void> {
  const panel = page.getByRole('region', { name: /^Commentaires/ });
  const unfold = panel.getByRole('button', { name: 'Ajouter un commentaire' });
  if (await unfold.isVisible()) await unfold.click();
  await panel.getByLabel('Votre commentaire').fill(text);
  await panel.getByRole('button', { name: 'Commenter la page' }).click();
  await panel.getByRole('article').first().waitFor();
}

async function createPage(page: Page, title: string, type?: string): Promise<string> {
  await page.getByRole('button', { name: 'Nouvelle page' }).click();
  await page.getByLabel('Titre de la page').fill(title);
  if (type) {
    await page.getByRole('button', { name: /Type de page$/ }).click();
    await page.getByRole('listbox').getByRole('option', { name: type, exact: true }).click();
  }
  await page.getByRole('button', { name: 'Créer la page' }).click();
  await page.getByRole('textbox', { name: 'Contenu de la page' }).waitFor();
  return new URL(page.url()).hash.slice(1);
}

async function write(page: Page, lines: readonly string[]): Promise<void> {
  const body = page.getByRole('textbox', { name: 'Contenu de la page' });
  await body.click();
  for (const [i, line] of lines.entries()) {
    if (i > 0) await page.keyboard.press('Enter');
    await page.keyboard.type(line);
  }
}

async function settle(page: Page): Promise<void> {
  await page
    .getByRole('status', { name: 'État de l’enregistrement' })
    .filter({ hasText: /^Enregistré$/ })
    .waitFor({ timeout: 20_000 });
  await page.mouse.move(0, 767);
  await page.waitForTimeout(400);
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'usine-screens-'));
  const server = await startServer({
    port: 0,
    dataDir,
    appDir: path.join(repoRoot, 'dist', 'renderer'),
    logger: { log: (level, event, fields) => level === 'error' && console.error(event, fields) },
  });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
  try {
    const account = server.demoAccount;
    if (!account) throw new Error('Le serveur n’a pas créé de compte de démonstration.');
    const context = await browser.newContext({ locale: 'fr-FR', viewport: SIZES[0], colorScheme: 'light' });
    const page = await context.newPage();
    await page.goto(`${server.url}/app/`);
    await page.getByLabel('Adresse e-mail').fill(account.email);
    await page.getByLabel('Mot de passe').fill(account.password);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('button', { name: 'Nouvelle page' }).waitFor();

    // The demo commune (Aurons) already has the starter pages of « Premiers pas ».
    await createPage(page, 'Fête du village', 'Actualité');
    const hours = await createPage(page, 'Horaires de la mairie');
    await write(page, [
      'La mairie vous accueille du lundi au vendredi de 8 h 30 à 12 h et de 13 h 30 à 17 h.',
      'Le samedi matin, une permanence est assurée de 9 h à 12 h, sauf pendant les vacances scolaires.',
      'Pour une démarche d’état civil, pensez à apporter votre livret de famille et une pièce d’identité.',
    ]);
    await comment(page, 'Faut-il préciser les horaires d’été ?');
    // The demo's main menu starts empty: one entry with a label of its own (« Renommer » then
    // offers to take the page's title back).
    await page.goto(`${server.url}/app/#/parametres/menus`);
    await page
      .getByRole('button', { name: /Page ou lien$/ })
      .first()
      .click();
    await page.getByRole('option', { name: /^La mairie/ }).click();
    await page.getByLabel('Libellé (facultatif)').first().fill('Votre mairie');
    await page.getByRole('button', { name: 'Ajouter au menu principal' }).click();
    await page.getByRole('button', { name: 'Renommer' }).waitFor();

    const screens: Screen[] = [
      { name: 'tableau-de-bord', route: '/tableau-de-bord' },
      { name: 'pages', route: '/pages' },
      { name: 'page', route: hours },
      {
        name: 'commentaires',
        route: hours,
        prepare: async (p) => {
          await openDetails(p);
          await p.getByRole('region', { name: /^Commentaires/ }).scrollIntoViewIfNeeded();
        },
      },
      { name: 'medias', route: '/medias' },
      { name: 'parametres', route: '/parametres' },
      { name: 'menus', route: '/parametres/menus' },
      {
        name: 'menus-renommer',
        route: '/parametres/menus',
        prepare: async (p) => {
          await p.getByRole('button', { name: 'Renommer' }).first().click();
          await p.getByRole('dialog', { name: /^Renommer/ }).waitFor();
        },
      },
      { name: 'publication', route: '/publication' },
      { name: 'aide', route: '/aide' },
      {
        name: 'publication-dialogue',
        route: '/publication',
        prepare: async (p) => {
          await p.getByRole('button', { name: 'Publier les modifications' }).click();
          await p.getByRole('dialog', { name: 'Publier les modifications' }).waitFor();
        },
      },
    ];
    await mkdir(outDir, { recursive: true });
    for (const { scheme, suffix } of SCHEMES) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const size of SIZES) {
        await page.setViewportSize(size);
        for (const screen of screens) {
          // Through about:blank, so a screen never inherits the previous one's dialog or drawer.
          await page.goto('about:blank');
          await page.goto(`${server.url}/app/#${screen.route}`);
          await page.getByRole('heading', { level: 1 }).first().waitFor();
          await settle(page);
          await screen.prepare?.(page);
          await page.waitForTimeout(300);
          const file = path.join(outDir, `${screen.name}-${size.width}x${size.height}${suffix}.png`);
          await page.screenshot({ path: file });
          console.log(path.relative(repoRoot, file));
        }
      }
    }
    await context.close();
  } finally {
    await browser.close();
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
