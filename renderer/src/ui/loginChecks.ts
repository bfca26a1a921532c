// What the login form checks before asking the server, in French, one message per field.
import { normalizeServerUrl } from '../auth/Session';

export type LoginField = 'server' | 'email' | 'password';
export type LoginIssues = Partial<Record<LoginField, string>>;

export const LOGIN_MESSAGES_FR = {
  serverMissing: 'Indiquez l’adresse du serveur (exemple : https://usine.exemple.fr).',
  serverInvalid: 'L’adresse du serveur n’est pas valide (exemple : https://usine.exemple.fr).',
  emailMissing: 'Indiquez votre adresse e-mail.',
  emailInvalid: 'Adresse e-mail incomplète (exemple : prenom.nom@mairie-exemple.fr).',
  passwordMissing: 'Indiquez votre mot de passe.',
} as const;

export const LOGIN_LABELS_FR: Record<LoginField, string> = {
  server: 'Adresse du serveur',
  email: 'Adresse e-mail',
  password: 'Mot de passe',
};

export function checkLogin(form: { serverUrl: string; email: string; password: string }): LoginIssues {
  const issues: LoginIssues = {};
  if (form.serverUrl.trim() === '') issues.server = LOGIN_MESSAGES_FR.serverMissing;
  else if (!normalizeServerUrl(form.serverUrl)) issues.server = LOGIN_MESSAGES_FR.serverInvalid;
  const email = form.email.trim();
  if (email === '') issues.email = LOGIN_MESSAGES_FR.emailMissing;
  else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) issues.email = LOGIN_MESSAGES_FR.emailInvalid;
  if (form.password === '') issues.password = LOGIN_MESSAGES_FR.passwordMissing;
  return issues;
}

/** The entry URL's options: `?server=` (Electron) and `serverFixed=1` when it was fixed at packaging. */
export function entryServer(
  search: string,
  origin: string | undefined,
): { serverUrl: string; fixed: boolean } {
  const query = new URLSearchParams(search);
  return { serverUrl: origin ?? query.get('server') ?? '', fixed: query.get('serverFixed') === '1' };
}
