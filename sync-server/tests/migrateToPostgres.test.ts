// `migrate-to-postgres` on real engines: an embedded DATA_DIR in use (agents, a session, an
// edited page, the audit log, a media file) is copied into a throwaway PostgreSQL; a node
// started on PostgreSQL then has it all — the agent signs in with the same password, the page
// reads the same, the audit log holds the old entries. A second run, a damaged media file and
// a missing DATABASE_URL are refused in French, leaving PostgreSQL as it was.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { runCommand } from '../app/adminCommands';
import type { RunningServer } from '../app/server';
import {
  isSaved,
  login,
  openClient,
  startTestServer,
  tempDataDir,
  waitFor,
  waitSynced,
} from '../app/testHarness';
import type { PublicationsResponse } from '../../site/apiContract';
import { createPage, updatePage } from '../../site/siteDoc';
import { PgDocStore } from '../storage/postgres/PgDocStore';
import { postgresAvailability, startThrowawayPostgres, type ThrowawayPostgres } from './throwawayPostgres';

const availability = postgresAvailability();
const PASSWORD = 'Migration-vers-PostgreSQL-2026';
const ROOM = '13001/page/page-migree';

describe.runIf(availability.available)('migrate-to-postgres', () => {
  let postgres: ThrowawayPostgres;
  const dirs: Array<{ dir: string; remove: () => Promise<void> }> = [];
  let node: RunningServer | undefined;
  let mediaFile: string;
  let referentEmail: string;
  let referentPassword: string;

  beforeAll(async () => {
    postgres = await startThrowawayPostgres();
    for (let i = 0; i < 3; i++) dirs.push(await tempDataDir());
    // The embedded server, as a commune used it.
    const embedded = await startTestServer(dirs[0]!.dir);
    try {
      await embedded.admin.addAgent({
        commune: '13001',
        email: 'agent@aix.fr',
        password: PASSWORD,
        role: 'agent',
      });
      const session = await login(embedded, 'agent@aix.fr', PASSWORD);
      const client = openClient(embedded, ROOM, session.accessToken);
      await waitSynced(client);
      client.doc.getText('t').insert(0, 'Horaires : du lundi au vendredi.');
      await waitFor(() => isSaved(client), 'saved');
      client.destroy();
      // A publication by the référent: its log, versions and page history move too.
      const referent = await login(embedded, embedded.demoAccount!.email, embedded.demoAccount!.password);
      referentEmail = embedded.demoAccount!.email;
      referentPassword = embedded.demoAccount!.password;
      const manifest = openClient(embedded, '13001/site', referent.accessToken);
      await waitSynced(manifest);
      const page = createPage(manifest.doc, { title: 'La mairie', updatedBy: 'test' });
      updatePage(manifest.doc, page.id, { status: 'published' }, 'test');
      await waitFor(() => isSaved(manifest), 'saved');
      const published = await fetch(`${embedded.url}/api/communes/13001/publish`, {
        method: 'POST',
        headers: { authorization: `Bearer ${referent.accessToken}` },
      });
      if (published.status !== 200) throw new Error(`publish: ${published.status}`);
      manifest.destroy();
    } finally {
      await embedded.close();
    }
    const bytes = Buffer.from('une image de la mairie');
    const sha = crypto.createHash('sha256').update(bytes).digest('hex');
    mediaFile = path.join(dirs[0]!.dir, 'media', '13001', `${sha}.png`);
    fs.mkdirSync(path.dirname(mediaFile), { recursive: true });
    fs.writeFileSync(mediaFile, bytes);
  }, 120_000);

  afterAll(async () => {
    await node?.close();
    await postgres?.stop();
    for (const d of dirs) await d.remove();
  });

  const context = (extra: Record<string, unknown> = {}) => ({
    values: {},
    dataDir: dirs[0]!.dir,
    backupDir: path.join(dirs[0]!.dir, 'backups'),
    backupCopyDir: undefined,
    databaseUrl: postgres.url,
    mediaDir: path.join(dirs[2]!.dir, 'media'),
    ...extra,
  });

  it('[MIGR-1] refuses without DATABASE_URL, and a damaged media file, copying nothing', async () => {
    await expect(runCommand('migrate-to-postgres', context({ databaseUrl: undefined }))).rejects.toThrow(
      /réglez DATABASE_URL/,
    );
    const good = fs.readFileSync(mediaFile);
    fs.writeFileSync(mediaFile, 'abîmé');
    try {
      await expect(runCommand('migrate-to-postgres', context())).rejects.toThrow(
        /ne correspond pas à son empreinte : fichier abîmé, migration annulée/,
      );
    } finally {
      fs.writeFileSync(mediaFile, good);
    }
    const store = await PgDocStore.open(postgres.url, { maxConnections: 1 });
    try {
      expect((await store.loadDoc(ROOM)).updates).toHaveLength(0);
    } finally {
      await store.close();
    }
  });

  it('[MIGR-2] copies and verifies everything; a node on PostgreSQL then serves the same accounts, pages, audit and media', async () => {
    expect(await runCommand('migrate-to-postgres', context())).toBe(0);
    const sharedMedia = path.join(dirs[2]!.dir, 'media');
    expect(fs.readFileSync(path.join(sharedMedia, '13001', path.basename(mediaFile)))).toEqual(
      fs.readFileSync(mediaFile),
    );

    node = await startTestServer(dirs[1]!.dir, { databaseUrl: postgres.url, mediaDir: sharedMedia });
    const session = await login(node, 'agent@aix.fr', PASSWORD);
    const client = openClient(node, ROOM, session.accessToken);
    await waitSynced(client);
    expect(client.doc.getText('t').toString()).toBe('Horaires : du lundi au vendredi.');
    client.destroy();
    const audit = await node.audit.list();
    expect(audit.some((e) => e.event === 'auth.login' && e.at < Date.now() - 1)).toBe(true);
    const doc = new Y.Doc();
    const store = await PgDocStore.open(postgres.url, { maxConnections: 1 });
    try {
      for (const update of (await store.loadDoc(ROOM)).updates) Y.applyUpdate(doc, update);
    } finally {
      await store.close();
    }
    expect(doc.getText('t').toString()).toBe('Horaires : du lundi au vendredi.');
    // The publication log came along: the référent sees the embedded server's publication.
    const referent = await login(node, referentEmail, referentPassword);
    const log = await fetch(`${node.url}/api/communes/13001/publications`, {
      headers: { authorization: `Bearer ${referent.accessToken}` },
    });
    const { publications } = (await log.json()) as PublicationsResponse;
    expect(publications).toHaveLength(1);
    expect(publications[0]!.changed.map((c) => c.title)).toEqual(['La mairie']);
  }, 60_000);

  it('[MIGR-3] a second run is refused: the target is not empty', async () => {
    await expect(runCommand('migrate-to-postgres', context())).rejects.toThrow(
      /la base PostgreSQL n'est pas vide/,
    );
  });
});
