/**
 * Password rules for agents (RGS art. 12, ANSSI recommendations): at least 12 characters, not a
 * common password or a common word padded with digits and symbols, not built on the e-mail
 * address, not a handful of repeated characters. Returns a French reason, or null when accepted.
 */

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;

/**
 * Common passwords and the words they are built on (leaked-password lists, French and
 * international, plus local names). Compared after lower-casing and removing accents, spaces,
 * digits and symbols at both ends — so « Marseille2024! » and « 123azerty123 » are refused.
 */
// prettier-ignore
const COMMON = [
  'password', 'passw0rd', 'motdepasse', 'mot2passe', 'azerty', 'azertyuiop', 'qwerty', 'qwertyuiop',
  'abcdef', 'abcdefgh', 'abc', 'admin', 'administrateur', 'administrator', 'root', 'user', 'utilisateur',
  'welcome', 'bienvenue', 'bonjour', 'salut', 'coucou', 'soleil', 'doudou', 'chouchou', 'loulou',
  'jetaime', 'iloveyou', 'amour', 'monamour', 'princesse', 'chocolat', 'football', 'olympique',
  'olympiquedemarseille', 'om', 'allezlom', 'marseille', 'aixenprovence', 'aix', 'provence',
  'metropole', 'mairie', 'commune', 'mairiede', 'ville', 'secretariat', 'secretaire', 'accueil',
  'usineasites', 'usine', 'site', 'sites', 'internet', 'informatique', 'ordinateur', 'changeme',
  'changezmoi', 'letmein', 'trustno', 'dragon', 'master', 'monkey', 'shadow', 'sunshine', 'superman',
  'batman', 'starwars', 'pokemon', 'nicolas', 'camille', 'julien', 'thomas', 'marie', 'sophie',
  'qazwsx', 'zaqxsw', 'asdfgh', 'zxcvbn', 'wxcvbn', 'qsdfgh', 'aaaaaa', 'test', 'testtest', 'demo',
  'secret', 'motdepassesecret', 'default', 'defaut', 'temporaire', 'provisoire', 'janvier', 'fevrier',
  'mars', 'avril', 'mai', 'juin', 'juillet', 'aout', 'septembre', 'octobre', 'novembre', 'decembre',
  'printemps', 'ete', 'automne', 'hiver', 'france', 'republique', 'liberte', 'egalitefraternite',
];

/** Whole passwords refused as they are (after lower-casing), typically digit runs. */
// prettier-ignore
const COMMON_WHOLE = [
  '123456789012', '1234567890123', '12345678901234', '123456789123', '111111111111', '000000000000',
  '123123123123', '121212121212', '987654321098', '147258369147', 'azerty123456', 'azertyuiop12',
  'qwerty123456', 'motdepasse12', 'motdepasse123', 'password1234', 'password123!', 'motdepasse!!',
];

const COMMON_SET = new Set(COMMON);
const COMMON_WHOLE_SET = new Set(COMMON_WHOLE);

function fold(value: string): string {
  return value
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

/** The word a password is built on: letters left once digits, symbols and spaces are trimmed. */
function core(folded: string): string {
  return folded.replace(/^[^a-z]+|[^a-z]+$/g, '').replace(/[\s_.-]+/g, '');
}

/** Null when the password is acceptable, else the French reason it is refused. */
export function passwordProblem(password: string, email?: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH)
    return `Mot de passe trop court : au moins ${MIN_PASSWORD_LENGTH} caractères.`;
  if (password.length > MAX_PASSWORD_LENGTH) return 'Mot de passe trop long.';
  const folded = fold(password);
  if (COMMON_WHOLE_SET.has(folded) || COMMON_SET.has(core(folded)) || COMMON_SET.has(folded)) {
    return 'Mot de passe trop courant : choisissez une phrase ou une suite de mots personnelle.';
  }
  if (new Set(folded).size < 5) return 'Mot de passe trop simple : trop peu de caractères différents.';
  if (email) {
    const local = fold(email.split('@')[0] ?? '').replace(/[^a-z0-9]/g, '');
    const bare = folded.replace(/[^a-z0-9]/g, '');
    // Built mostly on the e-mail address (« jdupont2024 » for jdupont@…).
    if (local.length >= 4 && bare.includes(local) && local.length * 2 >= bare.length)
      return "Le mot de passe ne doit pas reprendre l'adresse e-mail.";
  }
  return null;
}
