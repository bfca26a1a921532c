/**
 * Paths derived from stored data (a commune's slug, its INSEE code), checked where they are
 * used: the data may come from a restored backup, so a slug like `../../../../srv/autre` must
 * never become a folder the server writes to, deletes or names a file after. Each check is
 * twofold: the value matches its pattern, and the resolved path stays inside its root.
 */
import path from 'node:path';

/** A site slug as `slugify` makes it: lower-case ASCII words joined by single dashes. */
export const SITE_SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const SITE_SLUG_MAX = 80;
/** An INSEE commune code (Corsica: 2A/2B). */
export const INSEE_CODE = /^(?:\d{5}|2[AB]\d{3})$/;

/** A path derived from data that would leave its folder; the message is French. */
export class UnsafePathError extends Error {}

export function isSiteSlug(value: unknown): value is string {
  return typeof value === 'string' && value.length <= SITE_SLUG_MAX && SITE_SLUG.test(value);
}

export function isInseeCode(value: unknown): value is string {
  return typeof value === 'string' && INSEE_CODE.test(value);
}

/** `root/segment`, refused unless it resolves strictly inside `root`. */
export function childPath(root: string, segment: string): string {
  const base = path.resolve(root);
  const target = path.resolve(base, segment);
  const relative = path.relative(base, target);
  if (
    relative === '' ||
    relative.startsWith('..') ||
    path.isAbsolute(relative) ||
    relative.includes(path.sep)
  )
    throw new UnsafePathError(`Chemin refusé : « ${segment} » sortirait du dossier ${base}.`);
  return target;
}

/** The folder of a commune's published site, `{sitesDir}/{slug}`, checked. */
export function siteDirOf(sitesDir: string, slug: unknown): string {
  if (!isSiteSlug(slug))
    throw new UnsafePathError(
      `Nom de site refusé : « ${String(slug)} » n’est pas un nom de site valide (lettres minuscules, chiffres et tirets). La base de données a peut-être été modifiée ou restaurée depuis une sauvegarde altérée.`,
    );
  return childPath(sitesDir, slug);
}

/** The folder of a commune's media, `{mediaRoot}/{insee}`, checked. */
export function mediaDirOf(mediaRoot: string, insee: unknown): string {
  if (!isInseeCode(insee))
    throw new UnsafePathError(
      `Code INSEE refusé : « ${String(insee)} » n’est pas un code de commune valide.`,
    );
  return childPath(mediaRoot, insee);
}

/**
 * A request path of a published site with a segment starting with a dot (the search index,
 * the address map, anything hidden: [SEARCH-1], [ADDR-8]): never served. A path that does not
 * decode counts as hidden.
 */
export function isHiddenSitePath(rest: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    return true;
  }
  return decoded.split('/').some((segment) => segment.startsWith('.') && segment !== '.');
}
