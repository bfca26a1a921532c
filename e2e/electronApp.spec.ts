// Issue 14 — the real desktop app, driven by Playwright's Electron support (`_electron.launch`):
// main, the sandboxed preload, IPC validation, the app:// protocol and the support report file,
// together. They need the Electron binary, which cannot be downloaded in this environment
// (installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1): where it is absent these journeys are
// skipped with that reason printed, and the same behaviour is covered piecewise by
// electron/*.test.ts in Node and by aboutHelp.spec.ts with a stand-in preload. Where the binary
// exists (a developer's machine, the packaging runner), they run as they are.
import { _electron as electron, type ElectronApplication, type Page } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildElectron } from '../electron/build';
import { resolveElectronBinary } from '../electron/electronBinary';
import { API_METHODS } from '../electron/ipcContract';
import { expect, test } from './harness';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PASSWORD = 'Cours-Mirabeau-et-Calanques-2026';

function electronBinary(): string | null {
  let packageDir: string | null;
  try {
    packageDir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    packageDir = null;
  }
  return resolveElectronBinary({
    electronPackageDir: packageDir,
    overrideDistPath: process.env.ELECTRON_OVERRIDE_DIST_PATH,
    exists: existsSync,
    readText: (file) => (existsSync(file) ? readFileSync(file, 'utf8') : null),
  });
}

const binary = electronBinary();

const SKIP_REASON =
  'Electron binary absent (installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1, not downloadable here): ' +
  'the desktop journeys run only where it exists; electron/*.test.ts and aboutHelp.spec.ts cover the parts.';
if (binary === null) console.log(`electronApp.spec.ts skipped — ${SKIP_REASON}`);
test.skip(binary === null, SKIP_REASON);

let mainPath: string;

test.beforeAll(async () => {
  ({ mainPath } = await buildElectron(repoRoot));
});

interface DesktopApp {
  app: ElectronApplication;
  window: Page;
  userData: string;
  close: () => Promise<void>;
}

async function launch(serverUrl: string): Promise<DesktopApp> {
  const userData = await mkdtemp(path.join(tmpdir(), 'usine-desktop-'));
  const app = await electron.launch({
    executablePath: binary!,
    args: [mainPath, `--user-data-dir=${userData}`],
    env: { ...process.env, USINE_SERVER_URL: serverUrl },
  });
  const window = await app.firstWindow();
  return {
    app,
    window,
    userData,
    close: async () => {
      await app.close();
      await rm(userData, { recursive: true, force: true });
    },
  };
}

async function logIn(window: Page, email: string): Promise<void> {
  await window.getByLabel('Adresse e-mail').fill(email);
  await window.getByLabel('Mot de passe').fill(PASSWORD);
  await window.getByRole('button', { name: 'Se connecter' }).click();
  await expect(window.getByRole('button', { name: 'Nouvelle page' })).toBeVisible();
}

test('[DESK-1] the app serves the editor over app://, with no Node in the page and only the bridge of the contract', async ({
  server,
}) => {
  const email = 'bureau@mairie-test.fr';
  await server.admin.addAgent({ commune: '13001', email, password: PASSWORD, role: 'agent' });
  const desktop = await launch(server.url);
  try {
    const { window } = desktop;
    expect(window.url()).toMatch(/^app:\/\//);
    const page = await window.evaluate(() => ({
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
      bridge: Object.keys((window as unknown as { usine: object }).usine).sort(),
    }));
    expect(page).toEqual({
      require: 'undefined',
      process: 'undefined',
      bridge: Object.keys(API_METHODS).sort(),
    });
    // A link to the outside world never replaces the editor in its window.
    await window.evaluate(() => {
      location.href = 'https://example.org/';
    });
    await window.waitForTimeout(500);
    expect(window.url()).toMatch(/^app:\/\//);
    await logIn(window, email);
  } finally {
    await desktop.close();
  }
});

test('[DESK-2] « À propos et aide » shows the app’s version; the support report is written to the logs folder without a token or a password', async ({
  server,
}) => {
  const email = 'rapport@mairie-test.fr';
  await server.admin.addAgent({
    commune: '13001',
    email,
    password: PASSWORD,
    role: 'agent',
    displayName: 'Rose Bureau',
  });
  const desktop = await launch(server.url);
  try {
    const { app, window } = desktop;
    await logIn(window, email);
    const version = await app.evaluate(({ app: electronApp }) => electronApp.getVersion());
    await window.getByRole('button', { name: 'Rose Bureau' }).click();
    await window.getByRole('menuitem', { name: 'À propos et aide' }).click();
    await expect(window.locator('.about-facts')).toContainText(`Version de l’application${version}`);

    await window.getByRole('button', { name: 'Signaler un problème' }).click();
    const saved = window.getByRole('status').filter({ hasText: 'Rapport enregistré dans' });
    await expect(saved).toBeVisible();
    const logs = await app.evaluate(({ app: electronApp }) => electronApp.getPath('logs'));
    const report = await readFile(path.join(logs, 'rapport-support.txt'), 'utf8');
    expect(report).toContain(version);
    expect(report).toContain(server.url);
    expect(report).not.toContain(PASSWORD);
    const tokens = await window.evaluate(() => JSON.stringify(localStorage));
    for (const token of tokens.match(/[A-Za-z0-9_-]{32,}/g) ?? []) expect(report).not.toContain(token);
  } finally {
    await desktop.close();
  }
});
