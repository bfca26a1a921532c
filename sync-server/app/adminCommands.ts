/**
 * The admin CLI's commands, one short function each, in one table (`COMMANDS`). Most run on the
 * services of `composeCore` (the same, with the same audit hooks, as the server's); `restore`,
 * `list-backups` and the desktop update commands run before any database is opened.
 */
import path from 'node:path';
import * as Y from 'yjs';
import type { Role } from '../../site/apiContract';
import { ROLES } from '../accounts/Accounts';
import { AuditLog } from '../observability/AuditLog';
import { silentLogger } from '../observability/Logger';
import { copyMissing, listBackups, RestoreRefused, restoreBackup } from '../operations/Backups';
import { recordedSha256, sha256Of } from '../operations/backupCopy';
import { MigrationRefused, migrateToPostgres } from '../operations/migrateToPostgres';
import { pgRestoreFrom } from '../storage/postgres/pgDump';
import { CommuneData } from '../operations/CommuneData';
import {
  cliOperator,
  currentRelease,
  recordRolloutChanged,
  recordUpdatePublished,
  recordUpdateRefused,
} from '../operations/updateAudit';
import { publishedManifests, publishRelease, ReleaseRefused, setRollout } from '../operations/updateReleases';
import { openDatabase } from '../storage/database';
import { DataDirLocked, acquireDataDirLock } from '../storage/serverLock';
import { SqliteDocStore } from '../storage/SqliteDocStore';
import { type PageRepair, repairPage } from '../sync/pageRepair';
import { SqliteAuditStore } from '../storage/SqliteAuditStore';
import { composeCore, type CoreServices, fileRoots } from './composition';

/** The parsed options of a command line. */
export type Values = Record<string, string | boolean | undefined>;

export interface CommandContext {
  values: Values;
  dataDir: string;
  backupDir: string;
  backupCopyDir: string | undefined;
  /** DATABASE_URL: set, accounts and documents are in PostgreSQL (the document commands refuse). */
  databaseUrl?: string;
  /** SITES_DIR, MEDIA_DIR and UPDATES_DIR, when set (default: in DATA_DIR). */
  sitesDir?: string;
  mediaDir?: string;
  updatesDir?: string;
}

/** A command used wrongly (exit code 2). */
export class UsageError extends Error {}
/** A refusal the operator can fix (exit code 1). */
export class RefusedError extends Error {}
/** How long a command waits for a lock holder that is still dying (a server just killed). */
const CLI_LOCK_WAIT_MS = 1000;

/**
 * Takes the DATA_DIR for an operation that must not run under a live server (restore,
 * deletion); refuses with what to do instead when the server runs.
 */
async function lockDataDir(dataDir: string, holder: string, whatToDo: string): Promise<() => void> {
  try {
    // A second is enough for a process killed just before to be gone.
    return await acquireDataDirLock(dataDir, holder, { waitMs: CLI_LOCK_WAIT_MS });
  } catch (error) {
    if (!(error instanceof DataDirLocked)) throw error;
    const pid = error.holder.pid ?? 'inconnu';
    const who =
      error.holder.holder === 'serveur'
        ? `Le serveur tourne sur ${dataDir} (processus ${pid})`
        : `Une autre commande (${error.holder.holder}, processus ${pid}) utilise ${dataDir}`;
    throw new RefusedError(`${who} : ${whatToDo}`);
  }
}

function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`Option manquante : --${name}.`);
  return value;
}

/** A string option that may be absent. */
function optional(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

function role(value: string): Role {
  if (!(ROLES as readonly string[]).includes(value)) {
    throw new UsageError(`Rôle inconnu : « ${value} » (agent, referent ou relecteur).`);
  }
  return value as Role;
}

/**
 * `publish-update` / `set-update-rollout`, each audited (done or refused) in the servers' audit
 * log: PostgreSQL's with DATABASE_URL, the embedded one otherwise.
 */
async function updateCommand(
  command: 'publish-update' | 'set-update-rollout',
  context: CommandContext,
  audit: AuditLog,
): Promise<number> {
  const { values } = context;
  const { updatesDir } = fileRoots(context);
  const operator = cliOperator();
  try {
    const rollout =
      values.rollout === undefined && command === 'publish-update'
        ? 100
        : Number(required(values, 'rollout'));
    const before = currentRelease(await publishedManifests(updatesDir));
    if (command === 'set-update-rollout') {
      const manifests = await setRollout(updatesDir, rollout);
      recordRolloutChanged(audit, {
        operator,
        version: before?.version ?? null,
        from: before?.rolloutPercent ?? null,
        to: rollout,
        manifests,
      });
      console.log(`Déploiement de la mise à jour : ${rollout} % des postes (${manifests.join(', ')}).`);
      return 0;
    }
    const result = await publishRelease({
      sourceDir: path.resolve(required(values, 'dir')),
      updatesDir,
      rolloutPercent: rollout,
    });
    recordUpdatePublished(audit, { operator, result, previousVersion: before?.version ?? null });
    console.log(
      `Version ${result.version} publiée (${result.manifests.join(', ')} ; ${result.files.length} fichier(s) vérifié(s)) pour ${result.rolloutPercent} % des postes.` +
        (result.removed.length > 0 ? ` Retirés : ${result.removed.join(', ')}.` : ''),
    );
    return 0;
  } catch (error) {
    if (error instanceof ReleaseRefused || error instanceof UsageError)
      recordUpdateRefused(audit, { operator, command, reason: error.message });
    throw error;
  }
}

/** `restore`: before opening the database, which is replaced (a running server must not see it). */
async function restore(context: CommandContext): Promise<number> {
  const { values, dataDir } = context;
  // Before opening the database: the file is replaced, which a running server must not see.
  const file = path.resolve(required(values, 'file'));
  if (file.endsWith('.pgdump')) return restorePostgres(context, file);
  const release = await lockDataDir(
    dataDir,
    'restauration',
    "arrêtez-le avant de restaurer une sauvegarde (la base qu'il a ouverte serait remplacée sous lui), puis relancez-le.",
  );
  let keptAside: string | null;
  try {
    try {
      keptAside = restoreBackup(file, dataDir, Date.now(), fileRoots(context).mediaDir);
    } catch (error) {
      if (error instanceof RestoreRefused) throw new RefusedError(error.message);
      throw error;
    }
    const db = openDatabase(dataDir);
    try {
      new AuditLog(new SqliteAuditStore(db)).record({
        event: 'backup.restored',
        outcome: 'ok',
        details: { file: path.basename(file) },
      });
    } finally {
      db.close();
    }
  } finally {
    release();
  }
  console.log(`Sauvegarde restaurée : ${path.basename(file)} → ${dataDir}.`);
  if (keptAside) console.log(`L'ancienne base est gardée de côté : ${keptAside}`);
  return 0;
}

/**
 * `restore` of a cluster-mode backup: pg_restore into DATABASE_URL's database, in one
 * transaction, then the media. Every node must be stopped first (they share the database: no
 * lock of one DATA_DIR can tell); the operator's runbook says so (deploy/README.md).
 */
async function restorePostgres(context: CommandContext, file: string): Promise<number> {
  if (!context.databaseUrl) {
    throw new RefusedError(
      `${path.basename(file)} est une sauvegarde de PostgreSQL : réglez DATABASE_URL sur la base à restaurer.`,
    );
  }
  const recorded = recordedSha256(file);
  if (recorded && sha256Of(file) !== recorded) {
    throw new RefusedError(
      `la sauvegarde ${path.basename(file)} ne correspond plus à son empreinte SHA-256 : fichier abîmé, prenez-en une autre.`,
    );
  }
  await pgRestoreFrom(context.databaseUrl, file);
  copyMissing(path.join(path.dirname(file), 'media'), fileRoots(context).mediaDir);
  console.log(`Sauvegarde PostgreSQL restaurée : ${path.basename(file)}.`);
  return 0;
}

/**
 * `migrate-to-postgres`: the embedded DATA_DIR (server stopped: its lock) copied into
 * DATABASE_URL's PostgreSQL and MEDIA_DIR, verified, committed only if all matches.
 */
async function migrateToPostgresCommand(context: CommandContext): Promise<number> {
  const { dataDir, databaseUrl } = context;
  if (!databaseUrl)
    throw new RefusedError('réglez DATABASE_URL sur la base PostgreSQL où copier les données.');
  const release = await lockDataDir(
    dataDir,
    'migration',
    'arrêtez-le avant de copier ses données vers PostgreSQL (ce qu’il écrirait pendant la copie serait perdu).',
  );
  const sqlite = openDatabase(dataDir);
  const { openPostgres } = await import('../storage/postgres/pgDatabase');
  let postgres: Awaited<ReturnType<typeof openPostgres>> | undefined;
  try {
    postgres = await openPostgres(databaseUrl, { maxConnections: 2 });
    const media = { from: path.join(dataDir, 'media'), to: fileRoots(context).mediaDir };
    const report = await migrateToPostgres(sqlite, postgres, media);
    for (const { table, rows } of report.tables)
      console.log(`${table}\t${rows} ligne(s) copiée(s) et comptée(s)`);
    console.log(`${report.documents} document(s) vérifié(s) (même état des deux côtés)`);
    console.log(`${report.mediaFiles} média(s) vérifié(s) (empreinte SHA-256)`);
    if (report.notCopied.length > 0)
      console.log(`Restées dans SQLite (pas encore en PostgreSQL) : ${report.notCopied.join(', ')}.`);
    console.log(`Données de ${dataDir} copiées dans PostgreSQL et vérifiées.`);
    return 0;
  } catch (error) {
    if (error instanceof MigrationRefused) throw new RefusedError(error.message);
    throw error;
  } finally {
    await postgres?.destroy();
    sqlite.close();
    release();
  }
}

function listBackupFiles({ backupDir }: CommandContext): number {
  const backups = listBackups(backupDir);
  if (backups.length === 0) console.log(`Aucune sauvegarde dans ${backupDir}.`);
  for (const b of backups) console.log(`${new Date(b.takenAt).toISOString()}\t${b.bytes}\t${b.file}`);
  return 0;
}

/** The commune an export, a deletion or a repair is about; an unknown one is a usage error. */
function communeOf(values: Values, core: CoreServices): string {
  const insee = required(values, 'commune');
  if (!core.accounts.commune(insee)) throw new UsageError(`Commune inconnue : « ${insee} ».`);
  return insee;
}

/**
 * The commands reading the documents work on DATA_DIR's SQLite only: with DATABASE_URL they
 * would export, delete or repair nothing of the documents. Refused, pointing to the API.
 */
function refuseOnPostgres(context: CommandContext, api: string): void {
  if (!context.databaseUrl) return;
  throw new RefusedError(
    `les documents sont dans PostgreSQL (DATABASE_URL) : cette commande ne les lit pas encore. Passez par l'API du serveur : ${api}.`,
  );
}

/** A commune's data, read from the store as the export and the deletion need it. */
function communeData(core: CoreServices, context: CommandContext): CommuneData {
  const { db, accounts, audit } = core;
  const store = new SqliteDocStore(db);
  return new CommuneData({
    db,
    ...fileRoots(context),
    store,
    accounts,
    audit,
    readDoc: async (room) => {
      const doc = new Y.Doc();
      for (const update of (await store.loadDoc(room)).updates) Y.applyUpdate(doc, update);
      return doc;
    },
  });
}

async function exportCommune(context: CommandContext, core: CoreServices): Promise<number> {
  const { values } = context;
  const insee = communeOf(values, core);
  refuseOnPostgres(context, `GET /api/communes/${insee}/export`);
  const { audit } = core;
  const out = path.resolve(required(values, 'out'));
  const { bytes } = await communeData(core, context).exportToFile(insee, out);
  audit.record({
    event: 'commune.exported',
    insee,
    outcome: 'ok',
    details: { bytes, via: 'cli' },
  });
  console.log(`Export de la commune ${insee} : ${out} (${bytes} octets).`);
  return 0;
}

async function deleteCommuneData(context: CommandContext, core: CoreServices): Promise<number> {
  const { values, dataDir } = context;
  const insee = communeOf(values, core);
  refuseOnPostgres(context, `DELETE /api/admin/communes/${insee}/data`);
  const { audit } = core;
  if (values.confirm !== insee) {
    throw new UsageError(`Confirmation requise : --confirm ${insee} (suppression définitive).`);
  }
  // A live server would keep the commune's rooms in memory and its clients connected:
  // they would write the data back. The API closes them first.
  const release = await lockDataDir(
    dataDir,
    'suppression',
    `supprimez les données par l'API, qui ferme aussi les connexions de la commune : DELETE /api/admin/communes/${insee}/data avec {"confirm": "${insee}"} (compte administrateur) ; ou arrêtez le serveur avant d'utiliser cette commande.`,
  );
  let result: Awaited<ReturnType<CommuneData['deleteAll']>>;
  try {
    result = await communeData(core, context).deleteAll(insee);
  } finally {
    release();
  }
  audit.record({
    event: 'commune.data_deleted',
    insee,
    outcome: 'ok',
    details: { ...result, via: 'cli' },
  });
  console.log(
    `Données de la commune ${insee} supprimées : ${result.documents} documents, ${result.rolesRemoved} rôles, ${result.agentsDeleted} comptes.`,
  );
  return 0;
}

async function repairPageCommand(context: CommandContext, core: CoreServices): Promise<number> {
  const { values, dataDir } = context;
  const insee = communeOf(values, core);
  const { db, audit } = core;
  const pageId = required(values, 'page');
  refuseOnPostgres(context, `POST /api/admin/communes/${insee}/pages/${pageId}/repair`);
  // A live server holds the rooms in memory: its clients would write the old state back.
  const release = await lockDataDir(
    dataDir,
    'réparation',
    `réparez la page par l'API, qui passe par les salons ouverts : POST /api/admin/communes/${insee}/pages/${pageId}/repair (compte administrateur) ; ou arrêtez le serveur avant d'utiliser cette commande.`,
  );
  let result: PageRepair;
  try {
    result = await repairPage({ store: new SqliteDocStore(db, { writer: 'inline' }) }, insee, pageId);
  } finally {
    release();
  }
  if (!result.found) throw new RefusedError(`Page inconnue dans la commune ${insee} : « ${pageId} ».`);
  audit.record({
    event: 'page.repaired',
    insee,
    outcome: 'ok',
    details: { pageId, ...result, via: 'cli' },
  });
  console.log(
    `Page ${pageId} de la commune ${insee} réparée : ${result.manifestTypesRemoved} éléments retirés de ses champs${result.fieldsReset ? ' (champs remis à zéro)' : ''}, ${result.bodyTypesRemoved} de son contenu.`,
  );
  return 0;
}

async function addAgent({ values }: CommandContext, { admin }: CoreServices): Promise<number> {
  const agent = await admin.addAgent({
    commune: required(values, 'commune'),
    email: required(values, 'email'),
    password: required(values, 'password'),
    role: role(required(values, 'role')),
    displayName: optional(values, 'name'),
  });
  const ref = agent.communes[0];
  console.log(
    `Compte créé : ${agent.email} (${agent.displayName}), ${ref?.role} de ${ref?.name} (${ref?.insee}).`,
  );
  return 0;
}

async function grantRole({ values }: CommandContext, { admin }: CoreServices): Promise<number> {
  const agent = await admin.grantRole(
    required(values, 'email'),
    required(values, 'commune'),
    role(required(values, 'role')),
  );
  console.log(
    `Rôles de ${agent.email} : ${agent.communes.map((c) => `${c.role} de ${c.name} (${c.insee})`).join(', ')}.`,
  );
  return 0;
}

async function listAgents({ values }: CommandContext, { admin }: CoreServices): Promise<number> {
  const agents = await admin.listAgents(optional(values, 'commune'));
  if (agents.length === 0) {
    console.log(values.commune ? `Aucun compte pour la commune ${values.commune}.` : 'Aucun compte.');
    return 0;
  }
  for (const agent of agents) {
    const roles = agent.roles.map((r) => `${r.role}@${r.insee}`).join(' ');
    const flags = [agent.admin ? 'admin' : '', agent.disabled ? 'désactivé' : ''].filter(Boolean).join(' ');
    console.log(`${agent.email}\t${agent.displayName}\t${roles}${flags ? `\t${flags}` : ''}`);
  }
  return 0;
}

async function backup(_: CommandContext, core: CoreServices): Promise<number> {
  const backup = await core.takeBackup();
  console.log(`Sauvegarde créée : ${backup.file} (${backup.bytes} octets).`);
  if (backup.copy && 'sha256' in backup.copy) {
    console.log(`Copie vérifiée (SHA-256 ${backup.copy.sha256}) : ${backup.copy.file}`);
  } else if (backup.copy) {
    console.error(`La copie vers BACKUP_COPY_DIR a échoué : ${backup.copy.error}`);
    return 1;
  }
  return 0;
}

/** A command and what it needs: nothing opened, or the services of `composeCore`. */
type Command =
  | { standalone: (context: CommandContext) => Promise<number> | number }
  | { core: (context: CommandContext, core: CoreServices) => Promise<number> | number };

/** Prints one line and succeeds: the short account commands. */
const done = (message: string) => {
  console.log(message);
  return 0;
};

const COMMANDS: Record<string, Command> = {
  restore: { standalone: restore },
  'migrate-to-postgres': { standalone: migrateToPostgresCommand },
  'list-backups': { standalone: listBackupFiles },
  'publish-update': { core: (context, { audit }) => updateCommand('publish-update', context, audit) },
  'set-update-rollout': { core: (context, { audit }) => updateCommand('set-update-rollout', context, audit) },
  'add-agent': { core: addAgent },
  'grant-role': { core: grantRole },
  'list-agents': { core: listAgents },
  'set-admin': {
    core: async ({ values }, { admin }) => {
      const agent = await admin.setAdmin(required(values, 'email'), !values.remove);
      return done(
        agent.admin ? `${agent.email} est administrateur.` : `${agent.email} n'est plus administrateur.`,
      );
    },
  },
  'disable-agent': {
    core: async ({ values }, { admin }) =>
      done((await admin.disableAgent(required(values, 'email')), `Compte désactivé : ${values.email}.`)),
  },
  'enable-agent': {
    core: async ({ values }, { admin }) =>
      done((await admin.enableAgent(required(values, 'email')), `Compte réactivé : ${values.email}.`)),
  },
  'revoke-role': {
    core: async ({ values }, { admin }) => {
      await admin.revokeRole(required(values, 'email'), required(values, 'commune'));
      return done(`Rôle retiré : ${values.email} dans la commune ${values.commune}.`);
    },
  },
  'set-password': {
    core: async ({ values }, { admin }) => {
      await admin.setPassword(required(values, 'email'), required(values, 'password'));
      return done(`Mot de passe changé pour ${values.email} ; ses sessions sont terminées.`);
    },
  },
  unlock: {
    core: async ({ values }, { admin }) =>
      done((await admin.unlock(required(values, 'email')), `Compte débloqué : ${values.email}.`)),
  },
  'unlock-address': {
    core: async ({ values }, { admin }) =>
      done(
        (await admin.unlockAddress(required(values, 'address')), `Adresse débloquée : ${values.address}.`),
      ),
  },
  'list-communes': {
    core: (_, { admin }) => {
      for (const c of admin.listCommunes()) console.log(`${c.insee}\t${c.slug}\t${c.name}`);
      return 0;
    },
  },
  audit: {
    core: async ({ values }, { audit }) => {
      for (const entry of await audit.list({ insee: optional(values, 'commune') }))
        console.log(JSON.stringify(entry));
      return 0;
    },
  },
  backup: { core: backup },
  export: { core: exportCommune },
  'delete-commune-data': { core: deleteCommuneData },
  'repair-page': { core: repairPageCommand },
};

/** Runs one command; its exit code (0 done, 1 refused). */
export async function runCommand(name: string, context: CommandContext): Promise<number> {
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) throw new UsageError(`Commande inconnue : « ${name} ».`);
  if ('standalone' in command) return command.standalone(context);
  const core = await composeCore({
    dataDir: context.dataDir,
    databaseUrl: context.databaseUrl,
    sitesDir: context.sitesDir,
    mediaDir: context.mediaDir,
    logger: silentLogger,
    backups: { dir: context.backupDir, copyDir: context.backupCopyDir },
  });
  try {
    return await command.core(context, core);
  } finally {
    await core.dispose();
  }
}
