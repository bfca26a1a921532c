/**
 * Changing a page's address (its slug) in the manifest (SPEC.md [ADDR-9]): the old address keeps
 * answering once published ([ADDR-1]). Pure over the Y.Doc; messages in French.
 */
import type * as Y from 'yjs';
import { RESERVED_SLUGS } from './generatedPages';
import { ORIGIN_LOCAL_EDIT, pagesMap, readPages, slugify } from './siteDoc';

export type SlugChange = { ok: true; slug: string } | { ok: false; message: string };

/** Checks `wanted` (free text, slugified) as the new address of page `id`. */
export function checkPageSlug(manifest: Y.Doc, id: string, wanted: string): SlugChange {
  if (!/[a-z0-9]/i.test(wanted.normalize('NFD')))
    return {
      ok: false,
      message: 'Adresse vide : saisissez quelques mots, par exemple « horaires-de-la-mairie ».',
    };
  const slug = slugify(wanted);
  if (RESERVED_SLUGS.has(slug))
    return {
      ok: false,
      message: `L’adresse « ${slug} » est réservée par le site : choisissez-en une autre.`,
    };
  const other = readPages(manifest).find((p) => p.id !== id && p.slug === slug);
  if (other)
    return { ok: false, message: `L’adresse « ${slug} » est déjà celle de la page « ${other.title} ».` };
  return { ok: true, slug };
}

/** Sets the page's slug after `checkPageSlug`, stamping who and when; nothing changes on refusal. */
export function changePageSlug(
  manifest: Y.Doc,
  id: string,
  wanted: string,
  updatedBy: string,
  now: number = Date.now(),
): SlugChange {
  const check = checkPageSlug(manifest, id, wanted);
  const entry = pagesMap(manifest).get(id);
  if (!check.ok) return check;
  if (!entry) return { ok: false, message: 'Cette page n’existe plus.' };
  manifest.transact(() => {
    entry.set('slug', check.slug);
    entry.set('updatedAt', now);
    entry.set('updatedBy', updatedBy);
  }, ORIGIN_LOCAL_EDIT);
  return check;
}
