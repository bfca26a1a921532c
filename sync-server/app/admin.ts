/**
 * Entry point of `npm run admin -- <command>`: administers the DATA_DIR (default ./data),
 * whether the server runs or not (SQLite in WAL mode). Messages in French; exit codes:
 * 0 success, 1 refused operation, 2 usage error.
 *
 *   add-agent   --commune 13001 --email a@b.fr --password … --role agent|referent|relecteur [--name "Prénom Nom"]
 *   grant-role  --commune 13002 --email a@b.fr --role agent|referent|relecteur
 *   list-agents [--commune 13001]
 *   set-admin   --email a@b.fr [--remove]
 *   disable-agent --email a@b.fr      enable-agent --email a@b.fr
 *   revoke-role --commune 13001 --email a@b.fr      set-password --email a@b.fr --password …
 *   unlock --email a@b.fr      list-communes      audit [--commune 13001]
 *   backup      list-backups      restore --file <backup>      (restore: server stopped)
 *   export --commune 13001 --out export.zip      delete-commune-data --commune 13001 --confirm 13001
 *   repair-page --commune 13001 --page <id>      (server stopped; else the API route)
 *   publish-update --dir <release folder> [--rollout 100]      set-update-rollout --rollout 25
 */
import path from 'node:path';
import * as Y from 'yjs';
import { parseArgs } from 'node:util';
import type { Role } from '../../site/apiContract';
import { AccountError, ROLES } from '../accounts/Accounts';
import { composeCore } from './composition';
import { UnsafePathError } from '../storage/safePaths';
import { DataDirLocked, acquireDataDirLock } from '../storage/serverLock';
import { AuditLog } from '../observability/AuditLog';
import { listBackups, RestoreRefused, restoreBackup } from '../operations/Backups';
import { CommuneData } from '../operations/CommuneData';
import { openDatabase } from '../storage/database';
import { SchemaTooNewError } from '../storage/schema';
import { type PageRepair, repairPage } from '../sync/pageRepair';
import { silentLogger } from '../observability/Logger';
import { SqliteDocStore } from '../storage/SqliteDocStore';
import {
  cliOperator,
  currentRelease,
  recordRolloutChanged,
  recordUpdatePublished,
  recordUpdateRefused,
} from '../operations/updateAudit';
import { publishedManifests, publishRelease, ReleaseRefused, setRollout } from '../operations/updateReleases';

const USAGE = `Utilisation : npm run admin -- <commande> [options]

Commandes :
  add-agent --commune <INSEE> --email <adresse> --password <mot de passe> --role <agent|referent|relecteur> [--name "Prénom Nom"]
  grant-role --commune <INSEE> --email <adresse> --role <agent|referent|relecteur>
  list-agents [--commune <INSEE>]
  set-admin --email <adresse> [--remove]
  disable-agent --email <adresse>
  enable-agent --email <adresse>
  revoke-role --commune <INSEE> --email <adresse>
  set-password --email <adresse> --password <mot de passe>
  unlock --email <adresse>                  (lève le blocage après des échecs de connexion)
  unlock-address --address <IP>             (lève le blocage d'une adresse réseau)
  list-communes
  audit [--commune <INSEE>]                 (journal d'audit, une ligne JSON par entrée)
  backup                                    (sauvegarde immédiate, serveur en marche ou non)
  list-backups
  restore --file <sauvegarde>               (serveur ARRÊTÉ ; la base actuelle est gardée de côté)
  export --commune <INSEE> --out <fichier.zip>
  delete-commune-data --commune <INSEE> --confirm <INSEE>   (fin de convention ; serveur arrêté,
                                            ou DELETE /api/admin/communes/<INSEE>/data s'il tourne)
  repair-page --commune <INSEE> --page <identifiant>   (page illisible : retire ce qui dépasse la
                                            profondeur du modèle ; serveur arrêté, ou
                                            POST /api/admin/communes/<INSEE>/pages/<identifiant>/repair s'il tourne)
  publish-update --dir <dossier> [--rollout <0-100>]   (publie la mise à jour de l'application de
                                            bureau produite par « npm run dist » : latest*.yml et
                                            fichiers vérifiés (taille, SHA-512) ; 100 % par défaut)
  set-update-rollout --rollout <0-100>      (part des postes qui reçoivent la mise à jour publiée)

Les données sont dans DATA_DIR (par défaut ./data), les sauvegardes dans BACKUP_DIR
(par défaut DATA_DIR/backups) et, si BACKUP_COPY_DIR est indiqué, une copie vérifiée
(SHA-256) de chaque sauvegarde dans ce second dossier, hors de la machine.`;

class UsageError extends Error {}
/** A refusal the operator can fix (exit code 1). */
class RefusedError extends Error {}
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

function role(value: string): Role {
  if (!(ROLES as readonly string[]).includes(value)) {
    throw new UsageError(`Rôle inconnu : « ${value} » (agent, referent ou relecteur).`);
  }
  return value as Role;
}

/** `publish-update` / `set-update-rollout`, each audited (done or refused). */
async function updateCommand(
  command: 'publish-update' | 'set-update-rollout',
  values: Record<string, unknown>,
  dataDir: string,
): Promise<number> {
  const updatesDir = path.join(dataDir, 'updates');
  const operator = cliOperator();
  const withAudit = (write: (audit: AuditLog) => void): void => {
    const db = openDatabase(dataDir);
    try {
      write(new AuditLog(db));
    } finally {
      db.close();
    }
  };
  try {
    const rollout =
      values.rollout === undefined && command === 'publish-update'
        ? 100
        : Number(required(values, 'rollout'));
    const before = currentRelease(await publishedManifests(updatesDir));
    if (command === 'set-update-rollout') {
      const manifests = await setRollout(updatesDir, rollout);
      withAudit((audit) =>
        recordRolloutChanged(audit, {
          operator,
          version: before?.version ?? null,
          from: before?.rolloutPercent ?? null,
          to: rollout,
          manifests,
        }),
      );
      console.log(`Déploiement de la mise à jour : ${rollout} % des postes (${manifests.join(', ')}).`);
      return 0;
    }
    const result = await publishRelease({
      sourceDir: path.resolve(required(values, 'dir')),
      updatesDir,
      rolloutPercent: rollout,
    });
    withAudit((audit) =>
      recordUpdatePublished(audit, { operator, result, previousVersion: before?.version ?? null }),
    );
    console.log(
      `Version ${result.version} publiée (${result.manifests.join(', ')} ; ${result.files.length} fichier(s) vérifié(s)) pour ${result.rolloutPercent} % des postes.` +
        (result.removed.length > 0 ? ` Retirés : ${result.removed.join(', ')}.` : ''),
    );
    return 0;
  } catch (error) {
    if (error instanceof ReleaseRefused || error instanceof UsageError)
      withAudit((audit) => recordUpdateRefused(audit, { operator, command, reason: error.message }));
    throw error;
  }
}

async function run(
  argv: string[],
  dataDir: string,
  backupDir: string,
  backupCopyDir: string | undefined,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      commune: { type: 'string' },
      email: { type: 'string' },
      password: { type: 'string' },
      role: { type: 'string' },
      name: { type: 'string' },
      remove: { type: 'boolean' },
      file: { type: 'string' },
      out: { type: 'string' },
      confirm: { type: 'string' },
      address: { type: 'string' },
      page: { type: 'string' },
      dir: { type: 'string' },
      rollout: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  if (command === 'restore') {
    // Before opening the database: the file is replaced, which a running server must not see.
    const file = path.resolve(required(values, 'file'));
    const release = await lockDataDir(
      dataDir,
      'restauration',
      "arrêtez-le avant de restaurer une sauvegarde (la base qu'il a ouverte serait remplacée sous lui), puis relancez-le.",
    );
    let keptAside: string | null;
    try {
      try {
        keptAside = restoreBackup(file, dataDir);
      } catch (error) {
        if (error instanceof RestoreRefused) throw new RefusedError(error.message);
        throw error;
      }
      const db = openDatabase(dataDir);
      try {
        new AuditLog(db).record({
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
  if (command === 'publish-update' || command === 'set-update-rollout')
    return updateCommand(command, values, dataDir);
  if (command === 'list-backups') {
    const backups = listBackups(backupDir);
    if (backups.length === 0) console.log(`Aucune sauvegarde dans ${backupDir}.`);
    for (const b of backups) console.log(`${new Date(b.takenAt).toISOString()}\t${b.bytes}\t${b.file}`);
    return 0;
  }
  // The same services, with the same audit hooks, as the server's (composition.ts).
  const core = composeCore({
    dataDir,
    logger: silentLogger,
    backups: { dir: backupDir, copyDir: backupCopyDir },
  });
  try {
    const { db, accounts, audit, admin } = core;
    switch (command) {
      case 'add-agent': {
        const agent = await admin.addAgent({
          commune: required(values, 'commune'),
          email: required(values, 'email'),
          password: required(values, 'password'),
          role: role(required(values, 'role')),
          displayName: values.name,
        });
        const ref = agent.communes[0];
        console.log(
          `Compte créé : ${agent.email} (${agent.displayName}), ${ref?.role} de ${ref?.name} (${ref?.insee}).`,
        );
        return 0;
      }
      case 'grant-role': {
        const agent = admin.grantRole(
          required(values, 'email'),
          required(values, 'commune'),
          role(required(values, 'role')),
        );
        console.log(
          `Rôles de ${agent.email} : ${agent.communes.map((c) => `${c.role} de ${c.name} (${c.insee})`).join(', ')}.`,
        );
        return 0;
      }
      case 'list-agents': {
        const agents = admin.listAgents(values.commune);
        if (agents.length === 0) {
          console.log(values.commune ? `Aucun compte pour la commune ${values.commune}.` : 'Aucun compte.');
          return 0;
        }
        for (const agent of agents) {
          const roles = agent.roles.map((r) => `${r.role}@${r.insee}`).join(' ');
          const flags = [agent.admin ? 'admin' : '', agent.disabled ? 'désactivé' : '']
            .filter(Boolean)
            .join(' ');
          console.log(`${agent.email}\t${agent.displayName}\t${roles}${flags ? `\t${flags}` : ''}`);
        }
        return 0;
      }
      case 'set-admin': {
        const agent = admin.setAdmin(required(values, 'email'), !values.remove);
        console.log(
          agent.admin ? `${agent.email} est administrateur.` : `${agent.email} n'est plus administrateur.`,
        );
        return 0;
      }
      case 'disable-agent':
        admin.disableAgent(required(values, 'email'));
        console.log(`Compte désactivé : ${values.email}.`);
        return 0;
      case 'enable-agent':
        admin.enableAgent(required(values, 'email'));
        console.log(`Compte réactivé : ${values.email}.`);
        return 0;
      case 'revoke-role':
        admin.revokeRole(required(values, 'email'), required(values, 'commune'));
        console.log(`Rôle retiré : ${values.email} dans la commune ${values.commune}.`);
        return 0;
      case 'set-password':
        await admin.setPassword(required(values, 'email'), required(values, 'password'));
        console.log(`Mot de passe changé pour ${values.email} ; ses sessions sont terminées.`);
        return 0;
      case 'unlock':
        admin.unlock(required(values, 'email'));
        console.log(`Compte débloqué : ${values.email}.`);
        return 0;
      case 'unlock-address':
        admin.unlockAddress(required(values, 'address'));
        console.log(`Adresse débloquée : ${values.address}.`);
        return 0;
      case 'list-communes':
        for (const c of admin.listCommunes()) console.log(`${c.insee}\t${c.slug}\t${c.name}`);
        return 0;
      case 'audit':
        for (const entry of audit.list({ insee: values.commune })) console.log(JSON.stringify(entry));
        return 0;
      case 'backup': {
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
      case 'export':
      case 'delete-commune-data': {
        const insee = required(values, 'commune');
        if (!accounts.commune(insee)) throw new UsageError(`Commune inconnue : « ${insee} ».`);
        const store = new SqliteDocStore(db);
        const data = new CommuneData({
          db,
          dataDir,
          store,
          accounts,
          audit,
          readDoc: async (room) => {
            const doc = new Y.Doc();
            for (const update of (await store.loadDoc(room)).updates) Y.applyUpdate(doc, update);
            return doc;
          },
        });
        if (command === 'export') {
          const out = path.resolve(required(values, 'out'));
          const { bytes } = await data.exportToFile(insee, out);
          audit.record({
            event: 'commune.exported',
            insee,
            outcome: 'ok',
            details: { bytes, via: 'cli' },
          });
          console.log(`Export de la commune ${insee} : ${out} (${bytes} octets).`);
          return 0;
        }
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
          result = await data.deleteAll(insee);
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
      case 'repair-page': {
        const insee = required(values, 'commune');
        const pageId = required(values, 'page');
        if (!accounts.commune(insee)) throw new UsageError(`Commune inconnue : « ${insee} ».`);
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
      default:
        throw new UsageError(`Commande inconnue : « ${command} ».`);
    }
  } finally {
    await core.dispose();
  }
}

const dataDir = path.resolve(process.env.DATA_DIR ?? './data');
const backupDir = path.resolve(process.env.BACKUP_DIR ?? path.join(dataDir, 'backups'));
const backupCopyDir = process.env.BACKUP_COPY_DIR ? path.resolve(process.env.BACKUP_COPY_DIR) : undefined;
run(process.argv.slice(2), dataDir, backupDir, backupCopyDir).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (
      error instanceof AccountError ||
      error instanceof RefusedError ||
      error instanceof UnsafePathError ||
      error instanceof ReleaseRefused ||
      error instanceof SchemaTooNewError
    ) {
      console.error(`Erreur : ${error.message}`);
      process.exit(1);
    }
    if (
      error instanceof UsageError ||
      (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      console.error(
        `Erreur : ${error instanceof UsageError ? error.message : 'option inconnue ou mal formée.'}\n\n${USAGE}`,
      );
      process.exit(2);
    }
    console.error('Erreur inattendue :', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
