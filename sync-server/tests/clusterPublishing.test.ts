// Publishing with two nodes on one PostgreSQL (and one Redis, one SITES_DIR/MEDIA_DIR): two
// real servers with their own DATA_DIR, their accounts shared in PostgreSQL. Two référents publishing at the same instant on the
// two nodes get two successive, complete versions and a whole site online; a scheduled
// publication due while both nodes run their scheduler is published once.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { PublicationEntry, ScheduledPublication } from '../../site/apiContract';
import { readPageBody, writeParagraphs } from '../../site/pageBody';
import { createPage, updatePage } from '../../site/siteDoc';
import type { RunningServer } from '../app/server';
import {
  isSaved,
  login,
  openClient,
  startTestServer,
  tempDataDir,
  waitFor,
  waitSynced,
  type TestClient,
} from '../app/testHarness';
import { postgresAvailability, startThrowawayPostgres, type ThrowawayPostgres } from './throwawayPostgres';
import { redisAvailability, startThrowawayRedis, type ThrowawayRedis } from './throwawayRedis';

const runs = postgresAvailability().available && redisAvailability().available;
const SITE = 'aix-en-provence';
const SECOND_PASSWORD = 'Publier-deux-fois-2026!';

const saved = (c: TestClient) => waitFor(() => isSaved(c), 'durable');

describe.runIf(runs)('publishing with two nodes on one PostgreSQL', () => {
  let postgres: ThrowawayPostgres;
  let redis: ThrowawayRedis;
  let shared: string;
  let sitesDir: string;
  const dirs: Array<{ dir: string; remove: () => Promise<void> }> = [];
  let nodeA: RunningServer;
  let nodeB: RunningServer;
  let tokenA: string;
  let tokenB: string;
  const clients: TestClient[] = [];
  let manifest: TestClient | undefined;
  const bodies = new Map<string, TestClient>();

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startThrowawayPostgres(), startThrowawayRedis()]);
    shared = await fs.mkdtemp(path.join(os.tmpdir(), 'usine-cluster-pub-'));
    sitesDir = path.join(shared, 'sites');
    const mediaDir = path.join(shared, 'media');
    dirs.push(await tempDataDir(), await tempDataDir());
    // Both schedulers look for due publications every 50 ms: they race on each one.
    const options = {
      databaseUrl: postgres.url,
      redisUrl: redis.url,
      sitesDir,
      mediaDir,
      scheduleIntervalMs: 50,
    };
    // One after the other: the first seeds the demo commune in PostgreSQL, the second finds it.
    nodeA = await startTestServer(dirs[0]!.dir, options);
    nodeB = await startTestServer(dirs[1]!.dir, options);
    // Two référents of the commune (accounts are in PostgreSQL, shared): one signs in on A, the
    // other, added through B, on B.
    await nodeB.admin.addAgent({
      commune: '13001',
      email: 'seconde.referente@aix.example.fr',
      password: SECOND_PASSWORD,
      role: 'referent',
    });
    tokenA = (await login(nodeA, nodeA.demoAccount!.email, nodeA.demoAccount!.password)).accessToken;
    tokenB = (await login(nodeB, 'seconde.referente@aix.example.fr', SECOND_PASSWORD)).accessToken;
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) c.destroy();
    await nodeA?.close();
    await nodeB?.close();
    await redis?.stop();
    await postgres?.stop();
    for (const d of dirs) await d.remove();
    if (shared) await fs.rm(shared, { recursive: true, force: true });
  });

  const api = async (node: RunningServer, token: string, route: string, body?: unknown) => {
    const response = await fetch(`${node.url}/api/communes/13001/${route}`, {
      method: body === undefined && route !== 'publish' ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const history = async (node: RunningServer, token: string) =>
    (await api(node, token, 'publications')).body.publications as PublicationEntry[];

  /** A page with a paragraph, written on node A, saved in PostgreSQL. */
  async function writePage(title: string, text: string, status: 'published' | 'draft') {
    if (!manifest) {
      manifest = openClient(nodeA, '13001/site', tokenA);
      clients.push(manifest);
      await waitSynced(manifest);
    }
    const page = createPage(manifest.doc, { title, updatedBy: 'test' });
    updatePage(manifest.doc, page.id, { status }, 'test');
    const body = openClient(nodeA, `13001/page/${page.id}`, tokenA);
    clients.push(body);
    bodies.set(page.id, body);
    await waitSynced(body);
    writeParagraphs(body.doc, [text]);
    await Promise.all([saved(manifest), saved(body)]);
    return page;
  }

  it('[PGPUB-2] two référents publishing at once on two nodes: two successive, complete versions; the site whole', async () => {
    const horaires = await writePage('Horaires de la mairie', 'Ouverte le mardi matin.', 'published');
    const travaux = await writePage('Travaux', 'Rue barrée en juin.', 'published');

    const [onA, onB] = await Promise.all([api(nodeA, tokenA, 'publish'), api(nodeB, tokenB, 'publish')]);
    expect([onA.status, onB.status]).toEqual([200, 200]);
    const versions = [onA.body.version as string, onB.body.version as string];
    expect(versions[0]).not.toBe(versions[1]);
    // In turn, not side by side: the first puts the pages online, the second finds them there.
    const released = [onA.body.released as string[], onB.body.released as string[]].sort(
      (x, y) => x.length - y.length,
    );
    expect(released[0]).toEqual([]);
    expect(released[1]).toEqual(expect.arrayContaining([horaires.id, travaux.id]));

    // The log, read on either node: both publications, one after the other.
    const logA = await history(nodeA, tokenA);
    expect(await history(nodeB, tokenB)).toEqual(logA);
    expect(logA.map((e) => e.version).sort()).toEqual([...versions].sort());
    expect(logA[0]!.current).toBe(true);
    // Each version is complete on its own: both pages, as written.
    for (const version of versions)
      for (const [page, text] of [
        [horaires, 'Ouverte le mardi matin.'],
        [travaux, 'Rue barrée en juin.'],
      ] as const) {
        const html = await fs.readFile(
          path.join(sitesDir, SITE, 'versions', version, page.slug, 'index.html'),
          'utf8',
        );
        expect(html).toContain(text);
      }
    // Online: the newest, whole, on both nodes.
    expect(path.basename(await fs.realpath(path.join(sitesDir, SITE, 'current')))).toBe(logA[0]!.version);
    for (const node of [nodeA, nodeB]) {
      const page = await fetch(`${node.url}/sites/${SITE}/${travaux.slug}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Rue barrée en juin.');
      expect(await (await fetch(`${node.url}/sites/${SITE}/${horaires.slug}/`)).text()).toContain(
        'Ouverte le mardi matin.',
      );
    }

    // A node whose last publication is not the newest one reads its caches again: B publishes
    // after A changed a page and published, and the site holds A's change and B's.
    const body = bodies.get(travaux.id)!;
    writeParagraphs(body.doc, ['Rue rouverte le 3 juillet.']);
    await saved(body);
    expect((await api(nodeA, tokenA, 'publish')).status).toBe(200);
    const last = await api(nodeB, tokenB, 'publish');
    expect(last.status).toBe(200);
    const served = await (await fetch(`${nodeA.url}/sites/${SITE}/${travaux.slug}/`)).text();
    expect(served).toContain('Rue rouverte le 3 juillet.');
    expect(await (await fetch(`${nodeB.url}/sites/${SITE}/${horaires.slug}/`)).text()).toContain(
      'Ouverte le mardi matin.',
    );
    expect((await history(nodeA, tokenA)).length).toBe(4);

    // The page history is shared too: on B, the page as each publication put it online.
    const snapshots = (await api(nodeB, tokenB, `pages/${travaux.id}/snapshots`)).body.snapshots as Array<{
      id: number;
      reason: string;
    }>;
    expect(snapshots.filter((s) => s.reason === 'publication').length).toBeGreaterThanOrEqual(2);
    const state = await fetch(
      `${nodeB.url}/api/communes/13001/pages/${travaux.id}/snapshots/${snapshots[0]!.id}`,
      {
        headers: { authorization: `Bearer ${tokenB}` },
      },
    );
    expect(state.status).toBe(200);
    const restored = new Y.Doc();
    Y.applyUpdate(restored, new Uint8Array(await state.arrayBuffer()));
    expect(JSON.stringify(readPageBody(restored))).toContain('Rue rouverte le 3 juillet.');
  });

  it('[PGPUB-3] a schedule due with both schedulers running is published once', async () => {
    const before = (await history(nodeA, tokenA)).length;
    const fete = await writePage('Fête du village', 'Le 14 juillet sur la place.', 'draft');
    const at = Date.now() + 1_500;
    const scheduled = await api(nodeA, tokenA, 'schedule', { pageId: fete.id, at });
    expect(scheduled.status).toBe(200);

    const deadline = Date.now() + 15_000;
    for (;;) {
      const list = (await api(nodeB, tokenB, 'schedule')).body.scheduled as ScheduledPublication[];
      const state = list.find((s) => s.pageId === fete.id)?.state;
      if (state === 'done') break;
      expect(state).toBe('pending');
      if (Date.now() > deadline) throw new Error('timed out waiting for the scheduled publication');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // Both schedulers keep running a while: still one publication.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const log = await history(nodeB, tokenB);
    const byScheduler = log.filter((e) => e.publishedBy === 'programmation');
    expect(byScheduler).toHaveLength(1);
    expect(log.length).toBe(before + 1);
    expect(byScheduler[0]!.changed.map((c) => c.pageId)).toContain(fete.id);
    for (const node of [nodeA, nodeB])
      expect(await (await fetch(`${node.url}/sites/${SITE}/${fete.slug}/`)).text()).toContain(
        'Le 14 juillet sur la place.',
      );
  });
});
