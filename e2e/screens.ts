/**
 * `npm run screens`: PNGs of the editor's main screens at 1366×768 and 1024×768, written to
 * docs/screens/ (committed), so anyone sees the editor without running it. Starts the real
 * server in-process (like harness.ts) on a temporary DATA_DIR, logs in as its demo référent
 * through the login screen, writes a few pages, then visits each screen by its address.
 * Needs `npm run build` first (the script runs it) and Chromium (/usr/bin/chromium or CHROMIUM_PATH).
 */
import { chromium, type Page } from '@playwright/test';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../sync-server/server';
import { CHROMIUM_ARGS } from './playwright.config';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(repoRoot, 'docs', 'screens');
const SIZES = [
  { width: 1366, height: 768 },
  { width: 1024, height: 768 },
] as const;

async function createPage(page: Page, title: string, type?: string): Promise<string> {
  await page.getByRole('button', { name: 'Nouvelle page' }).click();
  await page.getByLabel('Titre de la page').fill(title);
  if (type) await page.getByLabel('Type de page').selectOption({ label: type });
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

    const screens = [
      { name: 'tableau-de-bord', route: '/tableau-de-bord' },
      { name: 'pages', route: '/pages' },
      { name: 'page', route: hours },
      { name: 'medias', route: '/medias' },
      { name: 'parametres', route: '/parametres' },
      { name: 'publication', route: '/publication' },
    ];
    await mkdir(outDir, { recursive: true });
    for (const size of SIZES) {
      await page.setViewportSize(size);
      for (const screen of screens) {
        await page.goto(`${server.url}/app/#${screen.route}`);
        await page.getByRole('heading', { level: 1 }).first().waitFor();
        await settle(page);
        const file = path.join(outDir, `${screen.name}-${size.width}x${size.height}.png`);
        await page.screenshot({ path: file });
        console.log(path.relative(repoRoot, file));
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
