// « Horaires et contact » takes the address, phone and e-mail of the site settings: at the
// page's creation, and on request when they are still empty (nobody types them twice).
import type * as Y from 'yjs';
import { readSiteSettings } from '../../../../site/settings';
import { type PageMeta, updatePageFields } from '../../../../site/siteDoc';

export const CONTACT_FROM_SETTINGS = ['address', 'phone', 'email'] as const;

/** The settings' values for the page's empty contact fields (nothing when none to fill). */
export function contactPrefill(manifest: Y.Doc, page: Pick<PageMeta, 'fields'>): Record<string, string> {
  const settings = readSiteSettings(manifest, '');
  const patch: Record<string, string> = {};
  for (const name of CONTACT_FROM_SETTINGS) {
    const current = page.fields[name];
    if ((typeof current !== 'string' || current.trim() === '') && settings[name].trim() !== '')
      patch[name] = settings[name];
  }
  return patch;
}

/** Fills the empty contact fields of a page from the settings; returns the names filled. */
export function prefillContact(manifest: Y.Doc, page: PageMeta, updatedBy: string): string[] {
  const patch = contactPrefill(manifest, page);
  if (Object.keys(patch).length > 0) updatePageFields(manifest, page.id, patch, updatedBy);
  return Object.keys(patch);
}
