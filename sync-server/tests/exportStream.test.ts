// The commune export is built in a temporary file and streamed (tier c, real server): media
// and site files go from disk to the zip, the manifest's digests match, and the temporary file
// is gone once the download ends — finished or abandoned.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoginResponse } from '../../site/apiContract';
import type { RunningServer } from '../app/server';
import { login, readZip, startTestServer, tempDataDir, waitFor } from '../app/testHarness';

const PASSWORD = 'Vieille-Charite-Panier-13';
let server: RunningServer;
let data: { dir: string; remove: () => Promise<void> };
let admin: LoginResponse;
const big = crypto.randomBytes(24 * 1024 * 1024);
const bigSha = crypto.createHash('sha256').update(big).digest('hex');

const tmpFiles = () => fs.readdirSync(path.join(data.dir, 'tmp'));

beforeAll(async () => {
  data = await tempDataDir();
  server = await startTestServer(data.dir, { createDemoAccount: false });
  await server.admin.addAgent({
    commune: '13055',
    email: 'admin@ampmetropole.fr',
    password: PASSWORD,
    role: 'agent',
  });
  await server.admin.setAdmin('admin@ampmetropole.fr', true);
  admin = await login(server, 'admin@ampmetropole.fr', PASSWORD);
  // A large stored media file (content-addressed), as the media routes keep them.
  fs.mkdirSync(path.join(data.dir, 'media', '13055'), { recursive: true });
  fs.writeFileSync(path.join(data.dir, 'media', '13055', `${bigSha}.pdf`), big);
});

afterAll(async () => {
  await server?.close();
  await data?.remove();
});

describe('streamed export', () => {
  it('[EXP-3] a 24 MB media file is streamed into the zip with its digest, and the temporary file is deleted after the download', async () => {
    const response = await fetch(`${server.url}/api/communes/13055/export`, {
      headers: { authorization: `Bearer ${admin.accessToken}` },
    });
    expect(response.status).toBe(200);
    const zip = Buffer.from(await response.arrayBuffer());
    expect(Number(response.headers.get('content-length'))).toBe(zip.length);
    const files = readZip(zip);
    expect(files.get(`media/${bigSha}.pdf`)!.equals(big)).toBe(true);
    const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8'));
    expect(manifest.files).toContainEqual({ path: `media/${bigSha}.pdf`, bytes: big.length, sha256: bigSha });
    await waitFor(() => tmpFiles().length === 0, 'temporary export deleted');
  });

  it('[EXP-4] a download abandoned halfway leaves no temporary file behind', async () => {
    await new Promise<void>((resolve, reject) => {
      const request = http.get(
        `${server.url}/api/communes/13055/export`,
        { headers: { authorization: `Bearer ${admin.accessToken}` } },
        (response) => {
          expect(response.statusCode).toBe(200);
          response.once('data', () => {
            // The client goes away after the first chunk.
            expect(tmpFiles()).toHaveLength(1);
            request.destroy();
            resolve();
          });
        },
      );
      request.on('error', (error) => {
        if (!request.destroyed) reject(error);
      });
    });
    await waitFor(() => tmpFiles().length === 0, 'abandoned export deleted');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
