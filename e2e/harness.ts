/**
 * Fixtures for the journeys: the real sync server started in-process on a free port with a
 * temporary DATA_DIR (one per test), agents created through its admin API, and browser
 * contexts logged in through the real login screen — optionally behind a NetworkLink so a
 * test can take one agent offline while the others stay online.
 */
import { test as base, expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Role } from '../site/apiContract';
import { startServer, type RunningServer } from '../sync-server/app/server';
import { CommitGate } from './CommitGate';
import { NetworkLink } from './NetworkLink';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const STATUS = {
  offline: /^Hors ligne — /,
  syncing: /^Envoi en cours…$/,
  saved: /^Enregistré$/,
} as const;

export interface Agent {
  email: string;
  password: string;
  displayName: string;
  context: BrowserContext;
  page: Page;
  /** Present when the agent reaches the server through a link the test can cut. */
  link?: NetworkLink;
  /** The origin this agent's browser uses (the server, or its link). */
  origin: string;
}

export interface AgentOptions {
  displayName: string;
  role?: Role;
  commune?: string;
  viaLink?: boolean;
  /** Runs in the page before the editor's scripts (e.g. a stand-in for the Electron preload). */
  initScript?: () => void;
}

interface TestFixtures {
  server: RunningServer;
  gate: CommitGate;
  openAgent: (options: AgentOptions) => Promise<Agent>;
}

let agentCounter = 0;

export const test = base.extend<TestFixtures>({
  // One server per test: a journey never meets pages, menus or agents another journey left.
  gate: async ({}, use) => {
    await use(new CommitGate());
  },
  server: [
    async ({ gate }, use) => {
      const dataDir = await mkdtemp(path.join(tmpdir(), 'usine-e2e-'));
      const server = await startServer({
        port: 0,
        dataDir,
        appDir: path.join(repoRoot, 'dist', 'renderer'),
        wrapStore: (store) => gate.wrap(store),
        // Scheduled publications are looked for every second (e2e/schedule.spec.ts).
        scheduleIntervalMs: 1_000,
        logger: { log: (level, event, fields) => level === 'error' && console.error(event, fields) },
      });
      await use(server);
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
    { timeout: 60_000 },
  ],
  openAgent: async ({ browser, server }, use) => {
    const opened: Agent[] = [];
    await use(async (options) => {
      const agent = await openAgent(browser, server, options);
      opened.push(agent);
      return agent;
    });
    for (const agent of opened) {
      await agent.context.close();
      await agent.link?.close();
    }
  },
});

export { expect };

async function openAgent(browser: Browser, server: RunningServer, options: AgentOptions): Promise<Agent> {
  agentCounter += 1;
  const email = `agent${agentCounter}.${Date.now().toString(36)}@mairie-test.fr`;
  const password = `Motdepasse-solide-${agentCounter}-${Math.random().toString(36).slice(2)}`;
  await server.admin.addAgent({
    commune: options.commune ?? '13001',
    email,
    password,
    role: options.role ?? 'agent',
    displayName: options.displayName,
  });
  const link = options.viaLink ? await NetworkLink.open(server.port) : undefined;
  const origin = link?.url ?? server.url;
  const context = await browser.newContext();
  if (options.initScript) await context.addInitScript(options.initScript);
  const page = await context.newPage();
  page.on('pageerror', (error) => console.log(`[${options.displayName}] page error: ${error.message}`));
  await page.goto(`${origin}/app/`);
  await page.getByLabel('Adresse e-mail').fill(email);
  await page.getByLabel('Mot de passe').fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page.getByRole('button', { name: 'Nouvelle page' })).toBeVisible();
  return { email, password, displayName: options.displayName, context, page, link, origin };
}

/** The agent creates a page from the pages screen and lands in its editor. */
export async function createPage(agent: Agent, title: string): Promise<void> {
  const { page } = agent;
  await page.getByRole('button', { name: 'Nouvelle page' }).click();
  await page.getByLabel('Titre de la page').fill(title);
  await page.getByRole('button', { name: 'Créer la page' }).click();
  await expect(editor(page)).toBeVisible();
}

/** A screen of the side navigation « Navigation de l’éditeur », by its link's name. */
export async function goTo(page: Page, screen: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Navigation de l’éditeur' })
    .getByRole('link', { name: screen, exact: true })
    .click();
}

/** The agent opens an existing page from the site's page list (the « Pages » screen). */
export async function openPage(agent: Agent, title: string): Promise<void> {
  const pages = agent.page.getByRole('navigation', { name: 'Pages du site' });
  if (!(await pages.isVisible())) await goTo(agent.page, 'Pages');
  await pages.getByText(title, { exact: true }).click();
  await expect(editor(agent.page)).toBeVisible();
}

export function editor(page: Page) {
  return page.getByRole('textbox', { name: 'Contenu de la page' });
}

/** The sync status of the top bar (one short phrase). */
export function status(page: Page) {
  return page.getByRole('status', { name: 'État de l’enregistrement' });
}
