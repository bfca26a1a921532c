// Changing a page's address in the manifest (SPEC.md [ADDR-9]).
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { changePageSlug } from './pageAddress';
import { createPage, readPages } from './siteDoc';

describe('page address', () => {
  it('[ADDR-9] slugifies the wanted address, refuses empty, reserved and taken ones, changing nothing', () => {
    const doc = new Y.Doc();
    const page = createPage(doc, { title: 'Horaires', updatedBy: 'a' });
    createPage(doc, { title: 'État civil', updatedBy: 'a' });
    const slugOf = () => readPages(doc).find((p) => p.id === page.id)!.slug;

    expect(changePageSlug(doc, page.id, '  Horaires & accès ! ', 'b', 5)).toEqual({
      ok: true,
      slug: 'horaires-acces',
    });
    expect(readPages(doc).find((p) => p.id === page.id)).toMatchObject({
      slug: 'horaires-acces',
      updatedBy: 'b',
      updatedAt: 5,
    });
    for (const [wanted, message] of [
      ['', 'Adresse vide'],
      ['  !!! ', 'Adresse vide'],
      ['agenda', 'est réservée'],
      ['Plan du site', 'est réservée'],
      ['etat-civil', 'déjà celle de la page « État civil »'],
    ] as const) {
      const result = changePageSlug(doc, page.id, wanted, 'c');
      expect(result.ok, wanted).toBe(false);
      expect(!result.ok && result.message, wanted).toContain(message);
      expect(slugOf()).toBe('horaires-acces');
    }
    // Its own address again is fine.
    expect(changePageSlug(doc, page.id, 'horaires-acces', 'c')).toEqual({ ok: true, slug: 'horaires-acces' });
  });
});
