import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { validatePageFields } from './pageTypes';
import { createPage, readPages } from './siteDoc';
import {
  addPlannedPages,
  localIsoDate,
  planStarterPages,
  starterPages,
  type StarterContext,
} from './starterPages';

const context: StarterContext = {
  communeName: 'Aurons',
  address: 'Place de la Mairie\n13121 Aurons',
  phone: '04 90 59 30 05',
  email: 'mairie@aurons.fr',
  today: '2026-07-01',
};

function counter() {
  let n = 0;
  return () => `p${++n}`;
}

describe('starter pages of a small commune', () => {
  it('[START-1] gives accueil, la mairie, horaires, conseil municipal, démarches courantes and one actualité', () => {
    const pages = starterPages(context);
    expect(pages.map((p) => [p.type, p.title])).toEqual([
      ['accueil', 'Accueil'],
      ['page', 'La mairie'],
      ['contact', 'Horaires et contact'],
      ['elus', 'Le conseil municipal'],
      ['page', 'Démarches courantes'],
      ['demarche', 'Carte d’identité et passeport'],
      ['actualite', 'Le nouveau site de la commune'],
    ]);
    // Every body says what to replace.
    for (const p of pages) expect(p.body.join(' ')).toContain('À remplacer');
  });

  it('[START-2] « Horaires et contact » takes the address, phone and e-mail of the settings', () => {
    const contact = starterPages(context).find((p) => p.type === 'contact')!;
    expect(contact.fields).toMatchObject({
      address: context.address,
      phone: context.phone,
      email: context.email,
    });
  });

  it('[START-3] adds the pages as drafts, children under their parents, with valid fields where filled', () => {
    const manifest = new Y.Doc();
    const plan = planStarterPages([], starterPages(context), counter());
    addPlannedPages(manifest, plan, { updatedBy: 'Agent', now: 1 });
    const pages = readPages(manifest);
    expect(pages).toHaveLength(7);
    expect(pages.every((p) => p.status === 'draft')).toBe(true);
    const byTitle = new Map(pages.map((p) => [p.title, p]));
    expect(byTitle.get('Horaires et contact')!.parentId).toBe(byTitle.get('La mairie')!.id);
    expect(byTitle.get('Le conseil municipal')!.parentId).toBe(byTitle.get('La mairie')!.id);
    expect(byTitle.get('Carte d’identité et passeport')!.parentId).toBe(
      byTitle.get('Démarches courantes')!.id,
    );
    expect(byTitle.get('Accueil')!.parentId).toBeNull();
    const news = byTitle.get('Le nouveau site de la commune')!;
    expect(news.fields.date).toBe('2026-07-01');
    expect(validatePageFields('actualite', news.fields)).toEqual([]);
    expect(validatePageFields('demarche', byTitle.get('Carte d’identité et passeport')!.fields)).toEqual([]);
  });

  it('[START-4] a second request adds nothing twice, and keeps existing parents for missing children', () => {
    const manifest = new Y.Doc();
    const mairie = createPage(manifest, { id: 'old', title: 'La mairie', type: 'page', updatedBy: 'A' });
    const plan = planStarterPages(readPages(manifest), starterPages(context), counter());
    expect(plan.map((p) => p.page.key)).not.toContain('mairie');
    expect(plan.find((p) => p.page.key === 'horaires')!.parentId).toBe(mairie.id);
    addPlannedPages(manifest, plan, { updatedBy: 'A' });
    expect(planStarterPages(readPages(manifest), starterPages(context))).toEqual([]);
    expect(readPages(manifest)).toHaveLength(7);
  });

  it('[START-5] empty settings leave the contact fields empty rather than writing blanks', () => {
    const manifest = new Y.Doc();
    const starter = starterPages({ ...context, address: '', phone: '', email: '' });
    addPlannedPages(manifest, planStarterPages([], starter, counter()), { updatedBy: 'A' });
    const contact = readPages(manifest).find((p) => p.type === 'contact')!;
    expect(contact.fields.address).toBeUndefined();
    expect(localIsoDate(new Date(2026, 6, 1, 23, 30).getTime())).toBe('2026-07-01');
  });
});
