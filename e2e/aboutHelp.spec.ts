// Issue 14 — « À propos et aide »: the version, the server, the desktop app's update state in
// French and the support report for the Métropole's assistance (CATI).
//
// The Electron binary cannot be downloaded in this environment, so the desktop journey runs the
// browser build with a STAND-IN for the Electron preload: `window.usine` is injected with
// addInitScript and answers like electron/ipcHandlers.ts would (IpcResult values), recording
// each call. It proves the renderer's side of the contract; the real preload, IPC validation
// and the file written by main are covered by electron/*.test.ts in Node, and only run together
// where the binary exists.
import type { Page } from '@playwright/test';
import { axeViolations, uniqueTitle } from './editorHelpers';
import { createPage, editor, expect, STATUS, status, test } from './harness';

/** What the stand-in's update state and calls look like from the test. */
interface StandIn {
  update: unknown;
  calls: Array<{ method: string; args: unknown }>;
}

/** Runs in the page before the editor: a `window.usine` shaped like electron/usineApi.ts. */
function electronPreloadStandIn(): void {
  const standIn = {
    update: { status: 'downloaded', version: '0.2.0' } as unknown,
    calls: [] as Array<{ method: string; args: unknown }>,
    credentials: new Map<string, string>(),
  };
  (window as unknown as { __usineStandIn: typeof standIn }).__usineStandIn = standIn;
  const ok = (value: unknown) => Promise.resolve({ ok: true, value });
  const record = (method: string, args: unknown) => standIn.calls.push({ method, args });
  const api = {
    saveCredentials: (args: { serverUrl: string; refreshToken: string }) => {
      record('saveCredentials', { serverUrl: args.serverUrl });
      standIn.credentials.set(args.serverUrl, args.refreshToken);
      return ok(null);
    },
    loadCredentials: (args: { serverUrl: string }) => ok(standIn.credentials.get(args.serverUrl) ?? null),
    clearCredentials: (args: { serverUrl: string }) => {
      standIn.credentials.delete(args.serverUrl);
      return ok(null);
    },
    appInfo: () => ok({ version: '0.1.0', platform: 'win32', electron: '45.4.1' }),
    openExternal: (args: unknown) => {
      record('openExternal', args);
      return ok(null);
    },
    reportSync: (args: unknown) => {
      record('reportSync', args);
      return ok(null);
    },
    updateState: () => ok(standIn.update),
    supportReport: (args: { errors: string[] }) => {
      record('supportReport', args);
      return ok({
        text: 'Rapport pour l’assistance — Usine à sites 0.1.0 (Windows)',
        file: 'C:\\Users\\agent\\AppData\\Roaming\\Usine à sites\\logs\\rapport-support.txt',
      });
    },
  };
  Object.defineProperty(window, 'usine', { value: Object.freeze(api) });
}

async function standIn(page: Page): Promise<StandIn> {
  return page.evaluate(() => {
    const s = (window as unknown as { __usineStandIn: StandIn }).__usineStandIn;
    return { update: s.update, calls: s.calls };
  });
}

async function setUpdate(page: Page, update: unknown): Promise<void> {
  await page.evaluate((u) => {
    (window as unknown as { __usineStandIn: StandIn }).__usineStandIn.update = u;
  }, update);
}

/** « À propos et aide » from the account menu. */
async function openAbout(page: Page, displayName: string): Promise<void> {
  await page.getByRole('button', { name: displayName }).click();
  await page.getByRole('menuitem', { name: 'À propos et aide' }).click();
  await expect(page).toHaveURL(/#\/aide$/);
  await expect(page.getByRole('heading', { level: 1, name: 'À propos et aide' })).toBeFocused();
}

const facts = (page: Page) => page.locator('.about-facts');

/** axe in the light and the dark theme, then PNGs at 1366×768 and 1024×768 (light). */
async function scanAndShoot(page: Page, name: string): Promise<void> {
  for (const colorScheme of ['dark', 'light'] as const) {
    await page.emulateMedia({ colorScheme });
    expect(await axeViolations(page), colorScheme).toEqual([]);
  }
  for (const width of [1366, 1024]) {
    await page.setViewportSize({ width, height: 768 });
    const content = page.locator('main#contenu');
    await content.evaluate((main) => main.scrollTo(0, 0));
    await page.screenshot({ path: test.info().outputPath(`${name}-${width}.png`) });
    await content.evaluate((main) => main.scrollTo(0, main.scrollHeight));
    await page.screenshot({ path: test.info().outputPath(`${name}-${width}-bas.png`) });
  }
}

test('[about-1] in a browser: the version and the server, desktop-only features said unavailable', async ({
  openAgent,
  server,
}) => {
  const alice = await openAgent({ displayName: 'Alice Martin' });
  const { page } = alice;
  await openAbout(page, 'Alice Martin');
  await expect(page.getByRole('navigation', { name: 'Fil d’Ariane' })).toHaveText('À propos et aide');
  await expect(facts(page)).toContainText('Version de l’éditeur0.1.0');
  await expect(facts(page)).toContainText(`Serveur${server.url}`);
  await expect(facts(page)).not.toContainText('Mise à jour');
  await expect(
    page.getByText(/n’existent que dans l’application de bureau, indisponibles ici/),
  ).toBeVisible();
  await expect(page.getByRole('button', { name: 'Signaler un problème' })).toHaveCount(0);
  const cati = page.getByRole('link', { name: 'cati.ampmetropole.fr' });
  await expect(cati).toHaveAttribute('href', 'https://cati.ampmetropole.fr/');
  await expect(page.getByText(/du lundi au vendredi de 8 h 30 à 12 h 30/)).toBeVisible();
  await scanAndShoot(page, 'a-propos-navigateur');
});

test('[about-2] desktop (preload stand-in): update states in French, the report saved and shown', async ({
  openAgent,
}) => {
  const alice = await openAgent({
    displayName: 'Alice Martin',
    viaLink: true,
    initScript: electronPreloadStandIn,
  });
  const { page } = alice;
  const title = uniqueTitle('Horaires de la mairie');
  await createPage(alice, title);
  await expect(status(page)).toHaveText(STATUS.saved);

  await openAbout(page, 'Alice Martin');
  await expect(facts(page)).toContainText('Version de l’application0.1.0');
  await expect(facts(page)).toContainText('SystèmeWindows (Electron 45.4.1)');
  await expect(facts(page)).toContainText(
    'Mise à jourMise à jour téléchargée — elle s’installera à la fermeture, quand tout est envoyéNouvelle version0.2.0',
  );

  // Edits that have not reached the server: the downloaded update waits, and the screen says so.
  alice.link!.goOffline();
  await expect(status(page)).toHaveText(STATUS.offline);
  await page.goBack();
  await editor(page).click();
  await page.keyboard.type('Ouverte le samedi matin.');
  await page.goForward();
  await expect(facts(page)).toContainText(
    'Mise à jourMise à jour en attente : des modifications ne sont pas encore envoyées',
  );
  await page.screenshot({ path: test.info().outputPath('a-propos-bureau-en-attente.png') });
  const reports = (await standIn(page)).calls.filter((c) => c.method === 'reportSync');
  expect(reports.at(-1)?.args).toMatchObject({ status: 'offline' });
  expect((reports.at(-1)?.args as { pendingChanges: number }).pendingChanges).toBeGreaterThan(0);
  alice.link!.goOnline();
  await expect(facts(page)).toContainText('quand tout est envoyé', { timeout: 30_000 });

  // A failed check, then up to date (the screen asks main again every few seconds).
  await setUpdate(page, {
    status: 'error',
    message: 'serveur de mise à jour injoignable ou réponse invalide.',
  });
  await expect(facts(page)).toContainText(
    'Vérification impossible : serveur de mise à jour injoignable ou réponse invalide.',
    { timeout: 10_000 },
  );
  await setUpdate(page, { status: 'up-to-date' });
  await expect(page.locator('.about-update')).toHaveText('À jour', { timeout: 10_000 });

  // The support report: asked of main through the bridge, its file shown.
  await page.getByRole('button', { name: 'Signaler un problème' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Rapport enregistré dans' })).toContainText(
    'C:\\Users\\agent\\AppData\\Roaming\\Usine à sites\\logs\\rapport-support.txt',
  );
  const call = (await standIn(page)).calls.find((c) => c.method === 'supportReport');
  expect(call?.args).toEqual({ errors: expect.any(Array) });
  await page.getByText('Voir le rapport').click();
  await expect(page.locator('.about-report pre')).toHaveText(/^Rapport pour l’assistance/);

  // The CATI link opens in the agent's browser through main, not in the app's window.
  await page.getByRole('link', { name: 'cati.ampmetropole.fr' }).click();
  await expect(page).toHaveURL(/#\/aide$/);
  expect((await standIn(page)).calls.filter((c) => c.method === 'openExternal')).toEqual([
    { method: 'openExternal', args: { url: 'https://cati.ampmetropole.fr/' } },
  ]);

  await scanAndShoot(page, 'a-propos-bureau');
});
