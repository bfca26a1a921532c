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
 *   migrate-to-postgres   (DATABASE_URL; an embedded DATA_DIR copied into PostgreSQL, verified)
 *   export --commune 13001 --out export.zip      delete-commune-data --commune 13001 --confirm 13001
 *   repair-page --commune 13001 --page=<id>      (server stopped; else the API route)
 *   publish-update --dir <release folder> [--rollout 100]      set-update-rollout --rollout 25
 *
 * With DATABASE_URL the account commands and `audit` work on PostgreSQL (as the servers do);
 * export, delete-commune-data and repair-page are refused (they read the documents from
 * DATA_DIR's SQLite only): the server's API does them.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AccountError } from '../accounts/Accounts';
import { ReleaseRefused } from '../operations/updateReleases';
import { UnsafePathError } from '../storage/safePaths';
import { SchemaTooNewError } from '../storage/schema';
import { RefusedError, runCommand, UsageError } from './adminCommands';

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
  migrate-to-postgres                       (avec DATABASE_URL, serveur ARRÊTÉ : copie DATA_DIR
                                            dans PostgreSQL et MEDIA_DIR, vérifiée avant validation)
  export --commune <INSEE> --out <fichier.zip>
  delete-commune-data --commune <INSEE> --confirm <INSEE>   (fin de convention ; serveur arrêté,
                                            ou DELETE /api/admin/communes/<INSEE>/data s'il tourne)
  repair-page --commune <INSEE> --page=<identifiant>   (page illisible : retire ce qui dépasse la
                                            profondeur du modèle ; serveur arrêté, ou
                                            POST /api/admin/communes/<INSEE>/pages/<identifiant>/repair s'il tourne)
  publish-update --dir <dossier> [--rollout <0-100>]   (publie la mise à jour de l'application de
                                            bureau produite par « npm run dist » : latest*.yml et
                                            fichiers vérifiés (taille, SHA-512) ; 100 % par défaut)
  set-update-rollout --rollout <0-100>      (part des postes qui reçoivent la mise à jour publiée)

Les données sont dans DATA_DIR (par défaut ./data), les sauvegardes dans BACKUP_DIR
(par défaut DATA_DIR/backups) et, si BACKUP_COPY_DIR est indiqué, une copie vérifiée
(SHA-256) de chaque sauvegarde dans ce second dossier, hors de la machine.`;

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
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const sitesDir = process.env.SITES_DIR ? path.resolve(process.env.SITES_DIR) : undefined;
  const mediaDir = process.env.MEDIA_DIR ? path.resolve(process.env.MEDIA_DIR) : undefined;
  const updatesDir = process.env.UPDATES_DIR ? path.resolve(process.env.UPDATES_DIR) : undefined;
  return runCommand(command, {
    values,
    dataDir,
    backupDir,
    backupCopyDir,
    databaseUrl,
    sitesDir,
    mediaDir,
    updatesDir,
  });
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
