import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../../../../site/settings';
import type { PageMeta, PageType } from '../../../../site/siteDoc';
import { firstSteps } from './checklist';

const page = (type: PageType, title = type): PageMeta => ({
  id: `${type}-${title}`,
  type,
  title,
  slug: title,
  parentId: null,
  order: 'a0',
  status: 'draft',
  fields: {},
  createdAt: 0,
  updatedAt: 0,
  updatedBy: 'A',
});

const filled = {
  ...defaultSettings('Aurons'),
  address: 'Place de la Mairie, 13121 Aurons',
  phone: '04 90 59 30 05',
  email: 'mairie@aurons.fr',
  mayorName: 'Marie Martin',
};
const logo = 'a'.repeat(64);
const essentials = [page('accueil'), page('contact'), page('elus'), page('demarche')];

describe('« Premiers pas » checklist', () => {
  it('[FIRST-1] a brand-new site: nothing done, each step names what is missing and where to go', () => {
    const steps = firstSteps({
      settings: defaultSettings('Aurons'),
      accentChosen: false,
      pages: [],
      lastPublishedAt: null,
    });
    expect(steps.map((s) => [s.id, s.done, s.route])).toEqual([
      ['settings', false, '/parametres'],
      ['identity', false, '/parametres'],
      ['pages', false, '/pages'],
      ['publication', false, '/publication'],
    ]);
    expect(steps[0]!.detail).toBe(
      'Il manque l’adresse de la mairie, le téléphone, l’adresse e-mail de contact et le nom du maire.',
    );
    expect(steps[1]!.detail).toBe('Il manque le logo ou le blason et la couleur du site.');
    expect(steps[2]!.detail).toBe(
      'Il manque « Accueil », « Horaires et contact », « Conseil municipal » et une démarche.',
    );
    expect(steps[3]!.detail).toBe('Le site n’a encore jamais été publié.');
  });

  it('[FIRST-2] each step is done from its own facts only', () => {
    const steps = firstSteps({
      settings: { ...filled, logo },
      accentChosen: true,
      pages: essentials,
      lastPublishedAt: 5,
    });
    expect(steps.every((s) => s.done)).toBe(true);
    const partly = firstSteps({
      settings: { ...filled, phone: '' },
      accentChosen: true,
      pages: essentials.slice(1),
      lastPublishedAt: undefined,
    });
    expect(partly.map((s) => s.done)).toEqual([false, false, false, false]);
    expect(partly[0]!.detail).toBe('Il manque le téléphone.');
    expect(partly[1]!.detail).toBe('Il manque le logo ou le blason.');
    expect(partly[2]!.detail).toBe('Il manque « Accueil ».');
    expect(partly[3]!.detail).toContain('hors ligne');
  });

  it('[FIRST-3] an invalid optional setting keeps the step open with a count', () => {
    const [settings] = firstSteps({
      settings: { ...filled, siret: '123' },
      accentChosen: true,
      pages: [],
      lastPublishedAt: null,
    });
    expect(settings!.done).toBe(false);
    expect(settings!.detail).toBe('Un paramètre est à corriger.');
  });
});
