// Backups copied off the machine (BACKUP_COPY_DIR), against the real server: every backup is
// copied, read back and verified by SHA-256; a copy that differs is refused and reported, and
// a damaged copy is never restored.
import { SqliteAuditStore } from '../storage/SqliteAuditStore';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoginResponse } from '../../site/apiContract';
import { restoreBackup } from './Backups';
import { AuditLog } from '../observability/AuditLog';
import { DATABASE_FILE, openDatabase } from '../storage/database';
import type { RunningServer } from '../app/server';
import {
  callApi,
  login,
  openClient,
  startTestServer,
  tempDataDir,
  waitFor,
  waitSynced,
} from '../app/testHarness';

const PASSWORD = 'Chateau-de-Gardanne-1880';
let server: RunningServer;
let data: { dir: string; remove: () => Promise<void> };
let elsewhere: { dir: string; remove: () => Promise<void> };
let admin: LoginResponse;
let tamper = false;

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

beforeAll(async () => {
  data = await tempDataDir();
  elsewhere = await tempDataDir();
  server = await startTestServer(data.dir, {
    createDemoAccount: false,
    backups: {
      copyDir: elsewhere.dir,
      // Simulates a disk or network that alters what it stores.
      tamperCopy: (partial) => {
        if (!tamper) return;
        const fd = fs.openSync(partial, 'r+');
        fs.writeSync(fd, Buffer.from([0x42]), 0, 1, 200);
        fs.closeSync(fd);
      },
    },
  });
  await server.admin.addAgent({
    commune: '13041',
    email: 'admin@ampmetropole.fr',
    password: PASSWORD,
    role: 'agent',
  });
  await server.admin.setAdmin('admin@ampmetropole.fr', true);
  admin = await login(server, 'admin@ampmetropole.fr', PASSWORD);
  const writer = openClient(server, '13041/page/copie00001', admin.accessToken);
  await waitSynced(writer);
  writer.doc.getText('t').insert(0, 'Délibérations du conseil');
  await waitFor(() => writer.acks.length > 1, 'stored');
  writer.destroy();
});

afterAll(async () => {
  await server?.close();
  await data?.remove();
  await elsewhere?.remove();
});

describe('off-machine backup copies', () => {
  it('[BAK-5] each backup is copied to BACKUP_COPY_DIR, verified by SHA-256, and restores; a damaged copy is refused', async () => {
    const response = await callApi(server, 'POST', '/api/admin/backups', admin.accessToken);
    expect(response.status).toBe(200);
    const original = path.join(server.backups.dir, response.body.backup.file);
    const copy = path.join(elsewhere.dir, response.body.backup.file);
    expect(fs.readFileSync(copy).equals(fs.readFileSync(original))).toBe(true);
    expect(fs.readFileSync(`${copy}.sha256`, 'utf8')).toBe(`${sha256(original)}  ${path.basename(copy)}\n`);
    expect((await server.audit.list({ event: 'backup.created' })).at(-1)!.details).toMatchObject({
      copySha256: sha256(original),
    });
    // The copy alone brings the data back.
    const fresh = await tempDataDir();
    try {
      restoreBackup(copy, fresh.dir);
      expect(fs.existsSync(path.join(fresh.dir, DATABASE_FILE))).toBe(true);
      // A copy damaged later (bit rot, a bad transfer) is never restored.
      const target = await tempDataDir();
      try {
        const bytes = fs.readFileSync(copy);
        bytes[300] = bytes[300]! ^ 0xff;
        fs.writeFileSync(copy, bytes);
        expect(() => restoreBackup(copy, target.dir)).toThrow(
          /ne correspond plus à son empreinte SHA-256 .* fichier abîmé/,
        );
        expect(fs.existsSync(path.join(target.dir, DATABASE_FILE))).toBe(false);
      } finally {
        await target.remove();
      }
    } finally {
      await fresh.remove();
    }
  });

  it('[BAK-6] a copy that differs from the backup is removed and reported; the backup itself is kept', async () => {
    tamper = true;
    try {
      const response = await callApi(server, 'POST', '/api/admin/backups', admin.accessToken);
      expect(response.status).toBe(200);
      const name = response.body.backup.file as string;
      expect(fs.existsSync(path.join(server.backups.dir, name))).toBe(true);
      expect(fs.readdirSync(elsewhere.dir).filter((f) => f.startsWith(name))).toEqual([]);
      expect((await server.audit.list({ event: 'backup.copy_failed' })).at(-1)).toMatchObject({
        outcome: 'error',
      });
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toMatch(/^usine_errors_total\{kind="backup_copy"\} 1$/m);
    } finally {
      tamper = false;
    }
  });

  it("[BAK-7] the CLI backup uses the server's composition: a failed off-machine copy is audited and reported", async () => {
    const target = await tempDataDir();
    try {
      // BACKUP_COPY_DIR names a file: the copy cannot be written.
      const blocked = path.join(target.dir, 'pas-un-dossier');
      fs.writeFileSync(blocked, 'fichier');
      const repoRoot = path.resolve(import.meta.dirname, '..', '..');
      const tsx = path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs');
      const cli = spawnSync(process.execPath, [tsx, 'sync-server/app/admin.ts', 'backup'], {
        cwd: repoRoot,
        env: { ...process.env, DATA_DIR: target.dir, BACKUP_COPY_DIR: blocked },
        encoding: 'utf8',
      });
      expect(cli.stderr).toMatch(/La copie vers BACKUP_COPY_DIR a échoué/);
      expect(cli.status).toBe(1);
      const db = openDatabase(target.dir);
      try {
        const audit = new AuditLog(new SqliteAuditStore(db));
        expect(await audit.list({ event: 'backup.copy_failed' })).toHaveLength(1);
        expect((await audit.list({ event: 'backup.copy_failed' }))[0]).toMatchObject({ outcome: 'error' });
        expect(await audit.list({ event: 'backup.created' })).toHaveLength(1);
      } finally {
        db.close();
      }
    } finally {
      await target.remove();
    }
  });
});
