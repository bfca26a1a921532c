import { describe, expect, it } from 'vitest';
import { checkSite } from './checks';
import { renderSite, type SiteSnapshot } from './renderSite';
import { paragraphsBody, SAMPLE_MEDIA, sampleSnapshot } from './sampleSite';

function check(snapshot: SiteSnapshot, options = {}) {
  return checkSite(snapshot, renderSite(snapshot), options);
}

const imageBody = (image: Record<string, unknown>) =>
  ({ root: { type: 'root', children: [{ type: 'image', sha256: SAMPLE_MEDIA.photo, ...image }] } }) as never;

describe('checks before publishing', () => {
  it('[CHK-0] the sample site has no error (warnings allowed)', () => {
    const report = check(sampleSnapshot());
    expect(report.errors).toEqual([]);
  });

  it('[CHK-1] an image without alt text that is not decorative is an error naming the page', () => {
    const snapshot = sampleSnapshot();
    snapshot.pages[1]!.body = imageBody({ altText: '  ' });
    const report = check(snapshot);
    expect(report.errors).toEqual([
      expect.objectContaining({
        rule: 'alt-text',
        pageId: 'horaires',
        message: expect.stringMatching(
          /^Page « Horaires & contact <mairie> » : l’image n° 1 n’a pas de texte alternatif/,
        ),
      }),
    ]);
    snapshot.pages[1]!.body = imageBody({ decorative: true });
    expect(check(snapshot).errors).toEqual([]);
  });

  it('[CHK-2][CHK-6] duplicate titles block publication; the message names both pages', () => {
    const snapshot = sampleSnapshot();
    snapshot.pages[2]!.meta = { ...snapshot.pages[2]!.meta, title: 'Histoire de la commune' };
    const report = check(snapshot);
    expect(report.errors.map((e) => e.rule)).toEqual(['unique-title']);
    expect(report.errors[0]!.message).toContain('« Histoire de la commune »');
  });

  it('[CHK-3] generic and empty link texts are reported', () => {
    const snapshot = sampleSnapshot();
    snapshot.pages[1]!.body = {
      root: {
        type: 'root',
        children: [
          {
            type: 'paragraph',
            children: [
              { type: 'link', url: 'https://a.fr', children: [{ type: 'text', text: 'cliquez ici' }] },
            ],
          },
        ],
      },
    } as never;
    const report = check(snapshot);
    expect(report.errors).toEqual([]);
    expect(report.warnings.some((w) => w.rule === 'link-text' && w.message.includes('« cliquez ici »'))).toBe(
      true,
    );
  });

  it('[CHK-5] a colour outside the palette is reported; an unreadable one is replaced', () => {
    const snapshot = sampleSnapshot();
    snapshot.settings.accentColor = '#ffff00';
    const report = check(snapshot);
    expect(report.warnings.find((w) => w.rule === 'contrast')?.message).toMatch(/contraste suffisant/);
  });

  it('[CHK-8] unpublishing an acte within two months of going online is refused', () => {
    const snapshot = sampleSnapshot();
    const acte = snapshot.pages.find((p) => p.meta.type === 'acte')!;
    snapshot.pages = snapshot.pages.filter((p) => p !== acte);
    const report = check(snapshot, { previouslyOnline: [acte.meta], now: Date.UTC(2025, 6, 1) });
    expect(report.errors).toEqual([
      expect.objectContaining({
        rule: 'acte-online',
        message: expect.stringMatching(/ne peut pas être retiré avant le 21 juillet 2025/),
      }),
    ]);
    expect(check(snapshot, { previouslyOnline: [acte.meta], now: Date.UTC(2025, 6, 22) }).errors).toEqual([]);
  });

  it('[CHK-9] required fields of a page type block publication; an acte without its PDF too', () => {
    const snapshot = sampleSnapshot();
    const acte = snapshot.pages.find((p) => p.meta.type === 'acte')!;
    acte.meta = { ...acte.meta, fields: { ...acte.meta.fields, author: '', pdf: 'f'.repeat(64) } };
    const rules = check(snapshot).errors.map((e) => `${e.rule}:${e.pageId}`);
    expect(rules).toEqual(['fields:acte0001', 'media:acte0001']);
  });

  it('[CHK-9] field problems are found again on every check, and follow the type of the page', () => {
    const snapshot = sampleSnapshot();
    const acte = snapshot.pages.find((p) => p.meta.type === 'acte')!;
    // One fields object shared (the publisher passes the same objects each time).
    const fields = { ...acte.meta.fields, author: '' };
    acte.meta = { ...acte.meta, fields };
    const fieldErrors = () =>
      check(snapshot)
        .errors.filter((e) => e.rule === 'fields')
        .map((e) => `${e.pageId}:${e.field}`);
    expect(fieldErrors()).toEqual(['acte0001:author']);
    expect(fieldErrors()).toEqual(['acte0001:author']);
    // The same object under a type with no such field is not an acte's problem.
    acte.meta = { ...acte.meta, type: 'page', fields };
    expect(fieldErrors()).toEqual([]);
    acte.meta = { ...acte.meta, type: 'acte', fields };
    expect(fieldErrors()).toEqual(['acte0001:author']);
  });

  it('[CHK-10] pages of the default empty site (e2e journeys) are never blocked', () => {
    const snapshot = sampleSnapshot();
    snapshot.settings = { name: 'Aix-en-Provence', accentColor: '#000091' };
    snapshot.pages = [
      {
        meta: {
          ...sampleSnapshot().pages[0]!.meta,
          id: 'p1',
          type: 'page',
          title: 'Horaires',
          slug: 'horaires',
          fields: {},
        },
        body: paragraphsBody(['Ouvert.']),
      },
    ];
    const report = check(snapshot);
    expect(report.errors).toEqual([]);
    expect(report.warnings.some((w) => w.rule === 'settings')).toBe(true);
  });

  it('[CHK-11] a link to a file the server does not have is a warning naming the page and the link', () => {
    const snapshot = sampleSnapshot();
    const fileLink = (sha: string, words: string) => ({
      type: 'paragraph',
      children: [{ type: 'link', url: `media:${sha}`, children: [{ type: 'text', text: words }] }],
    });
    snapshot.pages[1]!.body = {
      root: {
        type: 'root',
        children: [fileLink(SAMPLE_MEDIA.pdf, 'Arrêté du maire'), fileLink('f'.repeat(64), 'Compte rendu')],
      },
    } as never;
    const report = check(snapshot);
    expect(report.errors).toEqual([]);
    const media = report.warnings.filter((w) => w.rule === 'media');
    expect(media).toEqual([
      expect.objectContaining({
        pageId: 'horaires',
        message: expect.stringMatching(
          /^Page « Horaires & contact <mairie> » : le fichier du lien « Compte rendu » n’est pas encore arrivé sur le serveur/,
        ),
      }),
    ]);
  });

  it('[CHK-12] a table without header cells is a warning naming the page and the table', () => {
    const snapshot = sampleSnapshot();
    const cell = (words: string, headerState: number) => ({
      type: 'tablecell',
      headerState,
      children: [{ type: 'paragraph', children: [{ type: 'text', text: words }] }],
    });
    const table = (headerState: number) => ({
      type: 'table',
      children: [
        { type: 'tablerow', children: [cell('Jour', headerState), cell('Horaires', headerState)] },
        { type: 'tablerow', children: [cell('Lundi', 0), cell('9 h', 0)] },
      ],
    });
    snapshot.pages[1]!.body = { root: { type: 'root', children: [table(1), table(0)] } } as never;
    const report = check(snapshot);
    expect(report.errors).toEqual([]);
    expect(report.warnings.filter((w) => w.rule === 'table-headers')).toEqual([
      expect.objectContaining({
        pageId: 'horaires',
        message:
          'Page « Horaires & contact <mairie> » : le tableau n° 2 n’a pas de ligne ni de colonne de titres ; indiquez ce que contient chaque colonne dans sa première ligne.',
      }),
    ]);
  });
});
