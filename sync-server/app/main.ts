/**
 * `npm run server`: the sync server on the embedded default. The only place reading the
 * environment: PORT (default 8080), DATA_DIR (default ./data), HOST (default 0.0.0.0),
 * BACKUP_DIR (default DATA_DIR/backups), TRUST_PROXY (comma-separated addresses or CIDR ranges
 * of the reverse proxies whose X-Forwarded-For is believed; default none), METRICS_TOKEN
 * (bearer token required on /metrics; default none: loopback clients only),
 * AUDIT_RETENTION_DAYS (how long audit entries are kept; default 365), BACKUP_COPY_DIR (a
 * second folder, off the machine, receiving a checksum-verified copy of every backup),
 * PUBLIC_URL (the public origin, for sitemaps and feeds; required when NODE_ENV=production),
 * DATABASE_URL (`postgres://…`: everything the server keeps on PostgreSQL, shared by every node;
 * default none: all in DATA_DIR),
 * SITES_DIR and MEDIA_DIR (published versions and the media library; default DATA_DIR/sites and
 * DATA_DIR/media; with several nodes, folders they all see), UPDATES_DIR (the desktop app's
 * updates; default DATA_DIR/updates; likewise shared),
 * REDIS_URL (`redis://…`, with DATABASE_URL: rooms shared with the other nodes; default none),
 * REDIS_PASSWORD (Redis's password, kept out of the URL; default none).
 */
import path from 'node:path';
import { DEMO_COMMUNE } from '../accounts/Accounts';
import { INVALID_DATABASE_URL, isPostgresUrl } from '../storage/postgres/databaseUrl';
import { parsePublicUrl } from '../transport/publicUrl';
import { startServer } from './server';

const port = Number(process.env.PORT ?? 8080);
const dataDir = path.resolve(process.env.DATA_DIR ?? './data');
const host = process.env.HOST ?? '0.0.0.0';
const backupDir = process.env.BACKUP_DIR ? path.resolve(process.env.BACKUP_DIR) : undefined;
const backupCopyDir = process.env.BACKUP_COPY_DIR ? path.resolve(process.env.BACKUP_COPY_DIR) : undefined;
const sitesDir = process.env.SITES_DIR ? path.resolve(process.env.SITES_DIR) : undefined;
const mediaDir = process.env.MEDIA_DIR ? path.resolve(process.env.MEDIA_DIR) : undefined;
const updatesDir = process.env.UPDATES_DIR ? path.resolve(process.env.UPDATES_DIR) : undefined;
const trustProxy = (process.env.TRUST_PROXY ?? '').split(',').filter((entry) => entry.trim() !== '');

if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT invalide : « ${process.env.PORT} ». Indiquez un numéro de port entre 0 et 65535.`);
  process.exit(2);
}

const databaseUrl = process.env.DATABASE_URL || undefined;
if (databaseUrl !== undefined && !isPostgresUrl(databaseUrl)) {
  console.error(INVALID_DATABASE_URL);
  process.exit(2);
}

const redisUrl = process.env.REDIS_URL || undefined;
if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
  console.error('REDIS_URL invalide : elle doit commencer par « redis:// » ou « rediss:// ».');
  process.exit(2);
}
if (redisUrl !== undefined && databaseUrl === undefined) {
  console.error('REDIS_URL demande DATABASE_URL : les nœuds partagent leurs documents dans PostgreSQL.');
  process.exit(2);
}

const publicUrl = parsePublicUrl(process.env.PUBLIC_URL, process.env.NODE_ENV === 'production');
if (!publicUrl.ok) {
  console.error(publicUrl.message);
  process.exit(2);
}

let server: Awaited<ReturnType<typeof startServer>>;
try {
  // One backup a day (convention art. 4.2), kept 7 days / 4 weeks / 12 months.
  server = await startServer({
    port,
    host,
    dataDir,
    trustProxy,
    publicUrl: publicUrl.origin,
    metricsToken: process.env.METRICS_TOKEN || undefined,
    auditRetentionDays: process.env.AUDIT_RETENTION_DAYS
      ? Number(process.env.AUDIT_RETENTION_DAYS)
      : undefined,
    backups: { dir: backupDir, copyDir: backupCopyDir, daily: true },
    databaseUrl,
    sitesDir,
    mediaDir,
    updatesDir,
    redisUrl,
    redisPassword: process.env.REDIS_PASSWORD || undefined,
  });
} catch (error) {
  console.error(`Le serveur n'a pas pu démarrer : ${(error as Error).message}`);
  process.exit(1);
}

// Before the banner: whoever reads it may stop the server at once (the banner is written to a
// pipe synchronously, and a SIGTERM before these handlers would kill it without closing).
let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`Arrêt demandé (${signal}) : enregistrement des dernières modifications…`);
  try {
    await server.close();
    process.exit(0);
  } catch (error) {
    console.error(`Arrêt incomplet : ${(error as Error).message}`);
    process.exit(1);
  }
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));

const base = publicUrl.origin ?? `http://localhost:${server.port}`;
// One write, so that a reader of stdout gets the whole banner at once.
const banner = [
  `Usine à sites — serveur de la Métropole prêt. Données : ${dataDir}`,
  `Éditeur : ${base}/app/   Sites publiés : ${base}/sites/{commune}/`,
];
if (server.demoAccount) {
  // Printed once, at the first start only: the password is not stored anywhere in clear.
  banner.push(
    `Compte de démonstration (référent d’Aurons, commune ${DEMO_COMMUNE}) : ${server.demoAccount.email} / ${server.demoAccount.password}`,
  );
}
console.log(banner.join('\n'));
