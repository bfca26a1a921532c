/**
 * The desktop app's update feed (electron-updater, generic provider) kept in DATA_DIR/updates:
 * the `latest*.yml` manifests electron-builder writes next to the installers, and the files they
 * list. An administrator publishes a release folder with the admin CLI (`publish-update`): every
 * listed file must be there with the size and SHA-512 the manifest states, or nothing is
 * published. The staged rollout is electron-updater's `stagingPercentage` in the manifests (each
 * installation draws a stable random number and takes the update when below it).
 * The server serves only the manifests, the files they list and the blockmaps publishing kept
 * (updateRoutes.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import yaml from 'js-yaml';
import { z } from 'zod';

/** Manifests electron-builder writes: Windows, Linux, macOS. */
export const MANIFEST_NAMES = ['latest.yml', 'latest-linux.yml', 'latest-mac.yml'] as const;
/** A release file name: one path segment, no leading dot, nothing to decode. */
export const RELEASE_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$/;
/** Manifests are a few hundred bytes; anything bigger is not one. */
export const MAX_MANIFEST_BYTES = 64 * 1024;

/**
 * electron-builder writes `<installer>.blockmap` next to each installer; electron-updater's
 * differential download reads the new release's blockmap and the one of the version installed
 * (same name with the old version), then asks only the changed blocks with Range requests.
 */
export const BLOCKMAP_SUFFIX = '.blockmap';
/** A blockmap is gzip JSON, ~1 KB per MB of installer; anything bigger is not one. */
export const MAX_BLOCKMAP_BYTES = 8 * 1024 * 1024;
/** The blockmaps published (newest first), so a client on one of the last releases can diff. */
export const BLOCKMAP_INDEX = 'blockmaps.json';
/** How many blockmaps the feed keeps: the current release's and those of the releases before. */
export const KEPT_BLOCKMAPS = 6;

/** A refusal the administrator can fix; the message is French. */
export class ReleaseRefused extends Error {}

const fileName = z
  .string()
  .regex(RELEASE_FILE_NAME)
  .refine((name) => !name.includes('..') && !MANIFEST_NAMES.includes(name as never));
const sha512 = z.string().regex(/^[A-Za-z0-9+/]{86}==$/);

const manifestSchema = z
  .object({
    version: z.string().regex(/^\d{1,4}\.\d{1,4}\.\d{1,6}$/),
    files: z
      .array(z.object({ url: fileName, sha512, size: z.number().int().positive() }).loose())
      .min(1)
      .max(10),
    path: fileName.optional(),
    sha512: sha512.optional(),
    releaseDate: z.string().max(64).optional(),
    stagingPercentage: z.number().int().min(0).max(100).optional(),
  })
  .loose();

export type ReleaseManifest = z.infer<typeof manifestSchema>;

function parseManifest(text: string, name: string): ReleaseManifest {
  let data: unknown;
  try {
    data = yaml.load(text, { schema: yaml.JSON_SCHEMA });
  } catch {
    throw new ReleaseRefused(`${name} n’est pas un fichier YAML lisible.`);
  }
  const parsed = manifestSchema.safeParse(data);
  if (!parsed.success)
    throw new ReleaseRefused(
      `${name} n’est pas un manifeste de mise à jour valide (version x.y.z, fichiers avec nom, taille et SHA-512).`,
    );
  return parsed.data;
}

async function readManifest(dir: string, name: string): Promise<ReleaseManifest | null> {
  const file = path.join(dir, name);
  let stat;
  try {
    stat = await fs.lstat(file);
  } catch {
    return null;
  }
  if (!stat.isFile() || stat.size > MAX_MANIFEST_BYTES)
    throw new ReleaseRefused(`${name} n’est pas un fichier ordinaire de taille raisonnable.`);
  return parseManifest(await fs.readFile(file, 'utf8'), name);
}

/** The manifests currently published, by name. */
export async function publishedManifests(updatesDir: string): Promise<Map<string, ReleaseManifest>> {
  const manifests = new Map<string, ReleaseManifest>();
  for (const name of MANIFEST_NAMES) {
    const manifest = await readManifest(updatesDir, name).catch(() => null);
    if (manifest) manifests.set(name, manifest);
  }
  return manifests;
}

export async function sha512Base64(file: string): Promise<string> {
  const hash = createHash('sha512');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('base64');
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i += 1) if (pa[i] !== pb[i]) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

async function verifyFiles(sourceDir: string, name: string, manifest: ReleaseManifest): Promise<void> {
  for (const entry of manifest.files) {
    const file = path.join(sourceDir, entry.url);
    const stat = await fs.lstat(file).catch(() => null);
    if (!stat?.isFile()) throw new ReleaseRefused(`${entry.url} (listé dans ${name}) est absent du dossier.`);
    if (stat.size !== entry.size)
      throw new ReleaseRefused(
        `${entry.url} ne fait pas la taille annoncée par ${name} (${stat.size} octets au lieu de ${entry.size}).`,
      );
    if ((await sha512Base64(file)) !== entry.sha512)
      throw new ReleaseRefused(`${entry.url} ne correspond pas à l’empreinte SHA-512 annoncée par ${name}.`);
  }
}

async function atomicCopy(from: string, to: string): Promise<void> {
  const temp = `${to}.${randomBytes(6).toString('hex')}.tmp`;
  await fs.copyFile(from, temp);
  await fs.rename(temp, to);
}

async function atomicWrite(to: string, text: string): Promise<void> {
  const temp = `${to}.${randomBytes(6).toString('hex')}.tmp`;
  await fs.writeFile(temp, text, 'utf8');
  await fs.rename(temp, to);
}

function checkRollout(rolloutPercent: number): void {
  if (!Number.isInteger(rolloutPercent) || rolloutPercent < 0 || rolloutPercent > 100)
    throw new ReleaseRefused('Le pourcentage de déploiement doit être un entier de 0 à 100.');
}

/** The blockmaps the feed serves (written by `publishRelease` only; anything odd is dropped). */
export async function publishedBlockmaps(updatesDir: string): Promise<string[]> {
  let data: unknown;
  try {
    data = JSON.parse(await fs.readFile(path.join(updatesDir, BLOCKMAP_INDEX), 'utf8'));
  } catch {
    return [];
  }
  if (!Array.isArray(data)) return [];
  return data
    .filter(
      (name): name is string =>
        typeof name === 'string' && name.endsWith(BLOCKMAP_SUFFIX) && RELEASE_FILE_NAME.test(name),
    )
    .slice(0, KEPT_BLOCKMAPS);
}

/** Copies the release's blockmaps that are there (optional: without them, full downloads). */
async function copyBlockmaps(sourceDir: string, updatesDir: string, files: string[]): Promise<string[]> {
  const copied: string[] = [];
  for (const file of files) {
    const name = `${file}${BLOCKMAP_SUFFIX}`;
    if (!RELEASE_FILE_NAME.test(name)) continue;
    const stat = await fs.lstat(path.join(sourceDir, name)).catch(() => null);
    if (!stat) continue;
    if (!stat.isFile() || stat.size > MAX_BLOCKMAP_BYTES)
      throw new ReleaseRefused(`${name} n’est pas un fichier ordinaire de taille raisonnable.`);
    copied.push(name);
  }
  for (const name of copied) await atomicCopy(path.join(sourceDir, name), path.join(updatesDir, name));
  return copied;
}

/** Removes from the feed every file no current manifest lists (older installers, leftovers). */
async function prune(updatesDir: string): Promise<string[]> {
  const manifests = await publishedManifests(updatesDir);
  const kept = new Set<string>([
    ...manifests.keys(),
    BLOCKMAP_INDEX,
    ...(await publishedBlockmaps(updatesDir)),
  ]);
  for (const manifest of manifests.values()) for (const entry of manifest.files) kept.add(entry.url);
  const removed: string[] = [];
  for (const name of await fs.readdir(updatesDir)) {
    if (kept.has(name)) continue;
    await fs.rm(path.join(updatesDir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

export interface PublishResult {
  version: string;
  manifests: string[];
  files: string[];
  /** The release's blockmaps copied (none when the folder has none). */
  blockmaps: string[];
  rolloutPercent: number;
  removed: string[];
}

/**
 * Publishes the release electron-builder wrote to `sourceDir` (its `latest*.yml` and the files
 * they list). All checks pass before anything is copied; the manifests are written last, so a
 * client never reads a manifest whose files are missing.
 */
export async function publishRelease(input: {
  sourceDir: string;
  updatesDir: string;
  rolloutPercent: number;
}): Promise<PublishResult> {
  checkRollout(input.rolloutPercent);
  const found: Array<[string, ReleaseManifest]> = [];
  for (const name of MANIFEST_NAMES) {
    const manifest = await readManifest(input.sourceDir, name);
    if (manifest) found.push([name, manifest]);
  }
  if (found.length === 0)
    throw new ReleaseRefused(
      `Aucun manifeste (${MANIFEST_NAMES.join(', ')}) dans ${input.sourceDir} : indiquez le dossier produit par « npm run dist ».`,
    );
  const versions = new Set(found.map(([, manifest]) => manifest.version));
  if (versions.size !== 1)
    throw new ReleaseRefused('Les manifestes du dossier annoncent des versions différentes.');
  const [version] = [...versions] as [string];
  await fs.mkdir(input.updatesDir, { recursive: true });
  for (const [name, current] of await publishedManifests(input.updatesDir)) {
    if (found.some(([n]) => n === name) && compareVersions(version, current.version) <= 0)
      throw new ReleaseRefused(
        `La version ${version} n’est pas plus récente que la version publiée (${current.version}, ${name}).`,
      );
  }
  for (const [name, manifest] of found) await verifyFiles(input.sourceDir, name, manifest);

  const files = [...new Set(found.flatMap(([, manifest]) => manifest.files.map((entry) => entry.url)))];
  for (const file of files)
    await atomicCopy(path.join(input.sourceDir, file), path.join(input.updatesDir, file));
  const blockmaps = await copyBlockmaps(input.sourceDir, input.updatesDir, files);
  const previous = await publishedBlockmaps(input.updatesDir);
  const index = [...new Set([...blockmaps, ...previous])].slice(0, KEPT_BLOCKMAPS);
  await atomicWrite(path.join(input.updatesDir, BLOCKMAP_INDEX), JSON.stringify(index));
  for (const [name, manifest] of found)
    await atomicWrite(
      path.join(input.updatesDir, name),
      yaml.dump({ ...manifest, stagingPercentage: input.rolloutPercent }, { lineWidth: -1 }),
    );
  const removed = await prune(input.updatesDir);
  return {
    version,
    manifests: found.map(([name]) => name),
    files,
    blockmaps,
    rolloutPercent: input.rolloutPercent,
    removed,
  };
}

/** Changes the staged rollout of the published release (0 stops it, 100 gives it to everyone). */
export async function setRollout(updatesDir: string, rolloutPercent: number): Promise<string[]> {
  checkRollout(rolloutPercent);
  const manifests = await publishedManifests(updatesDir);
  if (manifests.size === 0) throw new ReleaseRefused('Aucune mise à jour n’est publiée.');
  for (const [name, manifest] of manifests)
    await atomicWrite(
      path.join(updatesDir, name),
      yaml.dump({ ...manifest, stagingPercentage: rolloutPercent }, { lineWidth: -1 }),
    );
  return [...manifests.keys()];
}
