/**
 * PUBLIC_URL: the origin the public reaches this server at (`https://sites.example.fr`), used
 * for the absolute URLs of sitemaps and feeds and named in the editor's CSP. Without it those
 * URLs would say http://localhost:8080, so a production start (NODE_ENV=production) refuses to
 * go on without it.
 */

export type PublicUrlSetting = { ok: true; origin: string | undefined } | { ok: false; message: string };

/** Validates PUBLIC_URL: an absolute http(s) origin, without path, query, fragment or user. */
export function parsePublicUrl(value: string | undefined, production: boolean): PublicUrlSetting {
  const raw = value?.trim() ?? '';
  if (raw === '') {
    return production
      ? {
          ok: false,
          message:
            'PUBLIC_URL est obligatoire en production (NODE_ENV=production) : indiquez l’adresse publique du serveur, par exemple PUBLIC_URL=https://sites.ampmetropole.fr (les plans de site et les flux des communes la contiennent).',
        }
      : { ok: true, origin: undefined };
  }
  const invalid = (why: string): PublicUrlSetting => ({
    ok: false,
    message: `PUBLIC_URL invalide : « ${raw} » ${why} Exemple : PUBLIC_URL=https://sites.ampmetropole.fr`,
  });
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return invalid('n’est pas une adresse complète.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return invalid('doit commencer par https:// ou http://.');
  if (url.username || url.password) return invalid('ne doit pas contenir d’identifiant ni de mot de passe.');
  if (url.pathname !== '/' || url.search || url.hash || /[?#]/.test(raw))
    return invalid('doit être une origine seule, sans chemin, paramètre ni ancre.');
  return { ok: true, origin: url.origin };
}
