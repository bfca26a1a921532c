/**
 * Password rules for agents (RGS art. 12, ANSSI recommendations): at least 12 characters, not
 * built on the e-mail address, and hard enough to guess by the zxcvbn-ts strength estimator
 * with its French and common dictionaries — leaked passwords, French words, first and last
 * names, keyboard walks (azerty, qwerty, qwertz), repeats, sequences, dates — plus a few local
 * words (the Métropole's towns, the town hall's vocabulary). Returns a French reason, or null
 * when accepted.
 */
import { createRequire } from 'node:module';
import type { ZxcvbnFactory, ZxcvbnResult } from '@zxcvbn-ts/core';

// Loaded on the first check, not at start: the dictionaries weigh ~15 MB and take a fraction of
// a second to load, which every server start (and every test server) would otherwise pay.
const require = createRequire(import.meta.url);

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;
/**
 * Estimated guesses a password must need: 10^10 (zxcvbn's top score). Online guessing is
 * throttled, but a stolen database must not give passwords away in an afternoon.
 */
export const MIN_GUESSES = 1e10;
/**
 * Only the first characters are estimated: the estimator's time grows fast with the length
 * (seconds past 200 characters), and a strong start makes a strong password.
 */
const ESTIMATED_LENGTH = 32;

/** Words of the Métropole and of town halls, on top of the estimator's dictionaries. */
// prettier-ignore
const LOCAL_WORDS = [
  'marseille', 'aix', 'aixenprovence', 'provence', 'metropole', 'ampmetropole', 'aubagne', 'martigues',
  'istres', 'salon', 'vitrolles', 'marignane', 'lacciotat', 'ciotat', 'cassis', 'gardanne', 'olympique',
  'olympiquedemarseille', 'allezlom', 'mairie', 'mairiede', 'commune', 'hoteldeville', 'secretariat',
  'secretaire', 'accueil', 'usineasites', 'usine', 'site', 'sites', 'motdepasse', 'mot2passe',
  'changezmoi', 'bienvenue', 'provisoire', 'temporaire',
];

/** The dictionaries are let go after this long unused (checks are rare: an account, a reset). */
const RELEASE_AFTER_MS = 10_000;
let estimator: ZxcvbnFactory | undefined;
let releaseTimer: ReturnType<typeof setTimeout> | undefined;

/** The modules the estimator brought into require's cache (its dictionaries, its dependencies). */
let estimatorModules: string[] = [];

function loadedDictionaryModules(): string[] {
  return estimatorModules.filter((file) => require.cache[file]);
}

/**
 * Forgets the estimator and every module it loaded (out of require's cache too): ~15 MB of
 * heap a server would otherwise keep for its whole life after one password check. Each
 * dictionary is a module of its own (`commonWords.json.cjs`…) holding its decompressed words:
 * forgetting only the entry modules kept them all, ~120,000 words (3.5 MiB) for good.
 */
function releaseEstimator(): void {
  estimator = undefined;
  releaseTimer = undefined;
  for (const file of estimatorModules) delete require.cache[file];
  estimatorModules = [];
}

function buildEstimator(): ZxcvbnFactory {
  // A require of its own, dropped after: the modules it loads are its module's `children`,
  // which would keep every dictionary alive after they left require's cache. Each module is a
  // parent of the modules it loaded (`fastest-levenshtein`'s parent is zxcvbn's matcher): all
  // the modules it brings are forgotten together.
  const before = new Set(Object.keys(require.cache));
  const load = createRequire(import.meta.url);
  const core = load('@zxcvbn-ts/core') as typeof import('@zxcvbn-ts/core');
  const common = load('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
  const french = load('@zxcvbn-ts/language-fr') as typeof import('@zxcvbn-ts/language-fr');
  const factory = new core.ZxcvbnFactory({
    translations: french.translations,
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...french.dictionary, local: LOCAL_WORDS },
    maxLength: ESTIMATED_LENGTH,
    // The default (100) costs seconds on some passwords, for the same verdicts.
    l33tMaxSubstitutions: 10,
  });
  estimatorModules = Object.keys(require.cache).filter((file) => !before.has(file));
  return factory;
}

/** Whether the dictionaries are in memory now: all of them, or (false) none (for the memory test). */
export function dictionariesLoaded(): boolean {
  const loaded = loadedDictionaryModules().length;
  if (estimator !== undefined && loaded > 0) return true;
  if (estimator === undefined && loaded === 0) return false;
  throw new Error(`estimator ${estimator ? 'kept' : 'released'} with ${loaded} of its modules cached`);
}

function estimate(password: string, userInputs: string[]): ZxcvbnResult {
  estimator ??= buildEstimator();
  clearTimeout(releaseTimer);
  releaseTimer = setTimeout(releaseEstimator, RELEASE_AFTER_MS);
  releaseTimer.unref();
  return estimator.check(password, userInputs);
}

function fold(value: string): string {
  return value
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

/** The e-mail's local part and its pieces (« jean », « dupont », « jean.dupont »). */
function emailWords(email: string | undefined): string[] {
  const local = fold(email?.split('@')[0] ?? '');
  return [local, ...local.split(/[^a-z0-9]+/)].filter((word) => word.length >= 3);
}

/** The estimator's French feedback, as one sentence list. */
function feedbackOf(result: ZxcvbnResult): string {
  const parts = [result.feedback.warning, ...result.feedback.suggestions]
    .filter((part): part is string => Boolean(part))
    .map((part) => part.trim().replace(/[.!]?$/, '.'));
  return parts.length > 0
    ? parts.join(' ')
    : 'Choisissez une phrase ou une suite de mots personnelle, plus longue.';
}

/** Null when the password is acceptable, else the French reason it is refused. */
export function passwordProblem(password: string, email?: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH)
    return `Mot de passe trop court : au moins ${MIN_PASSWORD_LENGTH} caractères.`;
  if (password.length > MAX_PASSWORD_LENGTH) return 'Mot de passe trop long.';
  if (email) {
    const local = fold(email.split('@')[0] ?? '').replace(/[^a-z0-9]/g, '');
    const bare = fold(password).replace(/[^a-z0-9]/g, '');
    // Built mostly on the e-mail address (« jdupont2024 » for jdupont@…).
    if (local.length >= 4 && bare.includes(local) && local.length * 2 >= bare.length)
      return "Le mot de passe ne doit pas reprendre l'adresse e-mail.";
  }
  const result = estimate(password, emailWords(email));
  if (result.guesses < MIN_GUESSES) return `Mot de passe trop facile à deviner. ${feedbackOf(result)}`;
  return null;
}
