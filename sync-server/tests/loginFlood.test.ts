// Parallel logins against the real server with the real scrypt cost (issue #9, findings 2 and
// 3): a burst of guesses cannot overrun the lock while the first hashes run, and an
// unauthenticated login flood neither stalls the published sites and /healthz nor grows the
// memory without bound. Clients speak from loopback addresses (127.0.x.y), real peers.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoginResponse } from '../../site/apiContract';
import { writeParagraphs } from '../../site/pageBody';
import { createPage, updatePage } from '../../site/siteDoc';
import type { RunningServer } from '../app/server';
import {
  isSaved,
  login,
  openClient,
  startTestServer,
  tempDataDir,
  waitFor,
  type TestClient,
  waitSynced,
  type ApiBody,
} from '../app/testHarness';

const PASSWORD = 'Plateau-de-Valensole-lavande';
/** scrypt holds 128·N·r bytes: 128 MB with the production parameters. */
const HASH_BYTES = 128 * 2 ** 17 * 8;
const servers: RunningServer[] = [];
const removals: Array<() => Promise<void>> = [];
const clients: TestClient[] = [];

async function start(options: Parameters<typeof startTestServer>[1]): Promise<RunningServer> {
  const data = await tempDataDir();
  removals.push(data.remove);
  const server = await startTestServer(data.dir, { createDemoAccount: false, ...options });
  servers.push(server);
  return server;
}

/** One login from a loopback source address; the answer with its Retry-After header. */
function attempt(
  server: RunningServer,
  from: string,
  email: string,
  password: string,
): Promise<{ status: number; body: ApiBody; retryAfter: string | undefined }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${server.url}/api/auth/login`,
      { method: 'POST', localAddress: from, headers: { 'content-type': 'application/json' } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
            retryAfter: response.headers['retry-after'],
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify({ email, password }));
  });
}

afterAll(async () => {
  for (const client of clients) client.destroy();
  for (const server of servers) await server.close();
  for (const remove of removals) await remove();
});

describe('parallel guesses', () => {
  let server: RunningServer;

  beforeAll(async () => {
    // A gate wide enough to let every guess through: what is tested here is the lock. scrypt a
    // quarter of its cost (still ~0.2 s): the 36 guesses all arrive while the first hashes run.
    server = await start({
      sessions: { hashGate: { perAddress: 64, maxWaiting: 64 }, scryptParams: { N: 2 ** 15, r: 8, p: 1 } },
    });
    await server.admin.addAgent({
      commune: '13047',
      email: 'cible@istres.fr',
      password: PASSWORD,
      role: 'agent',
    });
  });

  it('[AUTH-11] 36 parallel guesses from one address with the right password last: no token, at most 9 failures checked', async () => {
    const from = '127.0.6.1';
    const guesses = Array.from({ length: 35 }, (_, i) => `Mauvaise-devinette-${i}`);
    const answers = await Promise.all(
      [...guesses, PASSWORD].map((password) => attempt(server, from, 'cible@istres.fr', password)),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.at(-1)).not.toBe(200);
    expect(statuses.filter((s) => s === 200)).toEqual([]);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(9);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(26);
    expect(answers.at(-1)!.body.error.code).toBe('account-locked');
    // The agent still logs in from the town hall.
    expect((await attempt(server, '127.0.6.2', 'cible@istres.fr', PASSWORD)).status).toBe(200);
  });
});

describe('login flood', () => {
  let server: RunningServer;
  let pageUrl: string;

  beforeAll(async () => {
    server = await start({});
    await server.admin.addAgent({
      commune: '13001',
      email: 'referent@aix.fr',
      password: PASSWORD,
      role: 'referent',
    });
    const referent: LoginResponse = await login(server, 'referent@aix.fr', PASSWORD);
    const manifest = openClient(server, '13001/site', referent.accessToken);
    clients.push(manifest);
    await waitSynced(manifest);
    const page = createPage(manifest.doc, { title: 'Horaires de la mairie', updatedBy: 'test' });
    updatePage(manifest.doc, page.id, { status: 'published' }, 'test');
    const body = openClient(server, `13001/page/${page.id}`, referent.accessToken);
    clients.push(body);
    await waitSynced(body);
    writeParagraphs(body.doc, ['Ouverte du lundi au vendredi.']);
    await Promise.all([manifest, body].map((c) => waitFor(() => isSaved(c), 'durable')));
    const published = await fetch(`${server.url}/api/communes/13001/publish`, {
      method: 'POST',
      headers: { authorization: `Bearer ${referent.accessToken}` },
    });
    expect(published.status).toBe(200);
    pageUrl = `${server.url}/sites/aix-en-provence/${page.slug}/`;
    expect((await fetch(pageUrl)).status).toBe(200);
  });

  /** Fetches a URL and measures how long the answer took (given up after 5 s: status 0). */
  async function timed(url: string): Promise<{ status: number; ms: number }> {
    const started = performance.now();
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      await response.arrayBuffer();
      return { status: response.status, ms: performance.now() - started };
    } catch {
      return { status: 0, ms: performance.now() - started };
    }
  }

  /**
   * Sends `count` logins with unknown e-mails at once (from `addressOf(i)`); while they run,
   * asks for the published page and /healthz, and samples the process's memory.
   */
  async function flood(count: number, addressOf: (i: number) => string) {
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const logins = Promise.all(
      Array.from({ length: count }, (_, i) =>
        attempt(server, addressOf(i), `inconnu${i}@aix.fr`, 'Essai-au-hasard-du-flot'),
      ),
    );
    // Answers are awaited by finish(); a test that fails before must not leave a rejection behind.
    logins.catch(() => {});
    // Let the flood reach the server and its first hashes start.
    await new Promise((resolve) => setTimeout(resolve, 150));
    const during: Array<{ status: number; ms: number }> = [];
    for (let i = 0; i < 3; i++) {
      during.push(await timed(pageUrl), await timed(`${server.url}/healthz`));
    }
    return {
      during,
      /** The logins' answers, and how much the process's memory grew meanwhile. */
      async finish() {
        const answers = await logins;
        clearInterval(sampler);
        return { answers, growth: peak - baseline };
      },
    };
  }

  function expectResponsive(what: string, during: Array<{ status: number; ms: number }>): void {
    console.info(`${what}: page/healthz ${during.map((d) => Math.round(d.ms)).join('/')} ms`);
    for (const answer of during) {
      expect(answer.status).toBe(200);
      expect(answer.ms).toBeLessThan(1_000);
    }
  }

  it('[AUTH-12] 64 parallel logins from one address: the published site and /healthz answer within a second, memory stays bounded, the rest get 429 with Retry-After', async () => {
    const running = await flood(64, () => '127.0.7.1');
    expectResponsive('one-address flood', running.during);
    const { answers, growth } = await running.finish();
    console.info(`one-address flood: RSS +${Math.round(growth / 2 ** 20)} MB`);
    // Two hashes at once at most (128 MB each), plus room for the rest of the process.
    expect(growth).toBeLessThan(2 * HASH_BYTES + 96 * 2 ** 20);
    const busy = answers.filter((a) => a.status === 429);
    expect(busy.length).toBeGreaterThanOrEqual(56);
    expect(busy[0]!.body.error).toEqual({
      code: 'too-many-logins',
      message:
        'Trop de connexions simultanées depuis cette adresse réseau : réessayez dans quelques secondes.',
    });
    expect(busy.every((a) => a.retryAfter === '5')).toBe(true);
    expect(answers.filter((a) => a.status === 401).length).toBeLessThanOrEqual(8);
    expect(answers.every((a) => a.status === 401 || a.status === 429)).toBe(true);
  }, 120_000);

  it('[AUTH-12] 64 parallel logins from 64 addresses: the sites stay responsive, the overflow gets 503 with Retry-After', async () => {
    const running = await flood(64, (i) => `127.0.8.${i + 1}`);
    expectResponsive('many-address flood', running.during);
    const { answers, growth } = await running.finish();
    console.info(`many-address flood: RSS +${Math.round(growth / 2 ** 20)} MB`);
    expect(growth).toBeLessThan(2 * HASH_BYTES + 96 * 2 ** 20);
    const overflow = answers.filter((a) => a.status === 503);
    expect(overflow.length).toBeGreaterThanOrEqual(44);
    expect(overflow[0]!.body.error.code).toBe('server-busy');
    expect(overflow[0]!.body.error.message).toMatch(/réessayez dans quelques secondes/);
    expect(overflow.every((a) => a.retryAfter === '5')).toBe(true);
    expect(answers.every((a) => a.status === 401 || a.status === 503)).toBe(true);
    // A real agent logs in once the flood has passed.
    expect((await attempt(server, '127.0.8.200', 'referent@aix.fr', PASSWORD)).status).toBe(200);
    // Nine full-cost hashes one after another: generous on a loaded machine, only against a hang.
  }, 120_000);
});
