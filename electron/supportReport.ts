/**
 * The support report of « Signaler un problème » (convention, art. 4.6.1: the commune describes
 * its environment when it calls the Métropole's support, the CATI). Pure: main gathers the facts,
 * this module writes the French text. It holds the app's version, the OS, the server's origin, the
 * sync state, the number of pending changes, the update state and the last errors — never page
 * content (it is not an input), and every free text goes through `redactSecrets` (tokens,
 * passwords, URL credentials and query strings, e-mail addresses, long opaque strings).
 */
import type { AppInfo, SyncReport, UpdateState } from './ipcContract';
import { describeUpdateState } from './updatePolicy';

/** How many errors the report keeps (the most recent), and how long each may be. */
export const MAX_REPORTED_ERRORS = 20;
export const MAX_ERROR_LENGTH = 300;

const MASK = '[masqué]';

export interface SupportReportInput {
  generatedAt: Date;
  app: AppInfo & { packaged: boolean };
  os: { release: string; arch: string };
  /** The server the app talks to; only its origin is written. */
  serverUrl: string;
  sync: SyncReport | null;
  update: UpdateState;
  /** Oldest first; free text from main and from the renderer. */
  errors: readonly string[];
}

const SECRET_KEY = String.raw`(?:pass(?:word|wd)?|mot[ _-]?de[ _-]?passe|mdp|[a-z_]*token|secret|authorization|cookie|api[_-]?key|session|credentials?)`;

const REDACTIONS: ReadonlyArray<[RegExp, (match: string, ...groups: string[]) => string]> = [
  // URLs: keep scheme, host and path; drop user:password@, ?query and #fragment.
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>)]+/gi, (url) => redactUrl(url)],
  // Authorization headers.
  [/\b(Bearer|Basic)\s+[^\s"',;]+/gi, (_m, scheme) => `${scheme} ${MASK}`],
  // key=value, key: value, "key": "value" with a secret-looking key.
  [
    new RegExp(String.raw`(["']?\b${SECRET_KEY}\b["']?\s*[:=]\s*)(?:"[^"]*"|'[^']*'|[^\s,;&}]+)`, 'gi'),
    (_m, head) => `${head}${MASK}`,
  ],
  // JSON Web Tokens.
  [/\beyJ[\w-]+\.[\w-]+\.[\w-]*/g, () => MASK],
  // E-mail addresses (personal data, not needed by the support).
  [/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g, () => '[adresse masquée]'],
  // Long opaque strings: tokens, keys, hashes.
  [/[A-Za-z0-9_\-+/=]{32,}/g, () => MASK],
];

function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    const hadExtras = url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '';
    url.username = '';
    url.password = '';
    url.search = '';
    url.hash = '';
    return hadExtras ? `${url.href} ${MASK}` : url.href;
  } catch {
    return MASK;
  }
}

/** The text with every secret-looking part replaced by « [masqué] ». */
export function redactSecrets(text: string): string {
  let result = text;
  for (const [pattern, replace] of REDACTIONS) result = result.replace(pattern, replace);
  return result;
}

/** One error line: redacted, on one line, bounded. */
export function sanitizeErrorLine(raw: string): string {
  const oneLine = raw.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  const bounded = oneLine.length > MAX_ERROR_LENGTH * 4 ? oneLine.slice(0, MAX_ERROR_LENGTH * 4) : oneLine;
  const redacted = redactSecrets(bounded);
  return redacted.length > MAX_ERROR_LENGTH ? `${redacted.slice(0, MAX_ERROR_LENGTH - 1)}…` : redacted;
}

/** Keeps the last errors of main, already redacted. */
export function createRecentErrors(limit = MAX_REPORTED_ERRORS): {
  add: (message: string) => void;
  list: () => string[];
} {
  const entries: string[] = [];
  return {
    add(message) {
      entries.push(`${new Date().toISOString()} ${sanitizeErrorLine(message)}`);
      if (entries.length > limit) entries.splice(0, entries.length - limit);
    },
    list: () => [...entries],
  };
}

const SYNC_LABELS: Record<SyncReport['status'], string> = {
  connected: 'connecté au serveur',
  connecting: 'connexion en cours',
  offline: 'hors ligne',
  error: 'en erreur',
};

const PLATFORMS: Record<string, string> = { win32: 'Windows', darwin: 'macOS', linux: 'Linux' };

function serverOrigin(serverUrl: string): string {
  try {
    return new URL(serverUrl).origin;
  } catch {
    return 'adresse invalide';
  }
}

/** The report as the agent sees, copies and attaches it. */
export function buildSupportReport(input: SupportReportInput): string {
  const { app, os, sync } = input;
  const errors = input.errors.slice(-MAX_REPORTED_ERRORS).map(sanitizeErrorLine);
  const lines = [
    'Rapport pour le support de la Métropole (CATI) — Usine à sites',
    `Créé le : ${input.generatedAt.toISOString()}`,
    `Application : version ${sanitizeErrorLine(app.version)} (Electron ${sanitizeErrorLine(app.electron)}, ${app.packaged ? 'version installée' : 'version de développement'})`,
    `Système : ${PLATFORMS[app.platform] ?? sanitizeErrorLine(app.platform)} ${sanitizeErrorLine(os.release)} (${sanitizeErrorLine(os.arch)})`,
    `Serveur : ${serverOrigin(input.serverUrl)}`,
    `Synchronisation : ${sync ? SYNC_LABELS[sync.status] : 'inconnue (éditeur pas encore démarré)'}`,
    `Modifications en attente d’envoi : ${sync ? String(sync.pendingChanges) : 'inconnu'}`,
    `Mise à jour : ${redactSecrets(describeUpdateState(input.update))}`,
    `Dernières erreurs (${errors.length}) :`,
    ...(errors.length > 0 ? errors.map((error) => `- ${error}`) : ['- aucune']),
    '',
    'Ce rapport ne contient ni le contenu des pages, ni mot de passe, ni jeton de connexion.',
  ];
  return `${lines.join('\n')}\n`;
}
