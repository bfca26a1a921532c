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
 *   list-communes
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Role } from '../site/apiContract';
import { AccountError, Accounts, ROLES } from './Accounts';
import { createAdmin } from './adminOperations';
import { openDatabase } from './database';
import { silentLogger } from './Logger';

const USAGE = `Utilisation : npm run admin -- <commande> [options]

Commandes :
  add-agent --commune <INSEE> --email <adresse> --password <mot de passe> --role <agent|referent|relecteur> [--name "Prénom Nom"]
  grant-role --commune <INSEE> --email <adresse> --role <agent|referent|relecteur>
  list-agents [--commune <INSEE>]
  set-admin --email <adresse> [--remove]
  disable-agent --email <adresse>
  enable-agent --email <adresse>
  list-communes

Les données sont dans DATA_DIR (par défaut ./data).`;

class UsageError extends Error {}

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

async function run(argv: string[], dataDir: string): Promise<number> {
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
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  const db = openDatabase(dataDir);
  try {
    const admin = createAdmin(new Accounts(db, { logger: silentLogger }));
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
      case 'list-communes':
        for (const c of admin.listCommunes()) console.log(`${c.insee}\t${c.slug}\t${c.name}`);
        return 0;
      default:
        throw new UsageError(`Commande inconnue : « ${command} ».`);
    }
  } finally {
    db.close();
  }
}

const dataDir = path.resolve(process.env.DATA_DIR ?? './data');
run(process.argv.slice(2), dataDir).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof AccountError) {
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
