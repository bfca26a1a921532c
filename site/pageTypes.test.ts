import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  acteUnpublishRefusal,
  isAlertActive,
  PAGE_FIELD_SCHEMAS,
  PAGE_FIELDS,
  PageFieldsSchema,
  parisTime,
  readPageFields,
  validatePageFields,
} from './pageTypes';
import { ACCENT_PALETTE, readSiteSettings, validateSettings } from './settings';
import { contrastRatio } from './checks';
import { PAGE_TYPES, settingsMap } from './siteDoc';

const SHA = 'a'.repeat(64);

describe('page types', () => {
  it('[TYPE-1] every page type has descriptors and a schema; descriptors name their schema keys', () => {
    for (const type of PAGE_TYPES) {
      expect(PAGE_FIELDS[type].length).toBeGreaterThan(0);
      const keys = Object.keys(PAGE_FIELD_SCHEMAS[type].shape);
      expect(keys).toEqual(PAGE_FIELDS[type].map((d) => d.name));
      for (const d of PAGE_FIELDS[type])
        if (d.kind === 'select') expect(d.options?.length).toBeGreaterThan(0);
    }
  });

  it('[TYPE-2] an arrêté requires its author and capacity; a délibération does not', () => {
    const base = {
      kind: 'arrete',
      number: '2026-1',
      date: '2026-01-10',
      subject: 'Voirie',
      pdf: SHA,
      onlineAt: '2026-01-11T09:00',
    };
    expect(validatePageFields('acte', base).map((i) => i.field)).toEqual(['author', 'authorCapacity']);
    expect(validatePageFields('acte', { ...base, author: 'M. Dupont', authorCapacity: 'le maire' })).toEqual(
      [],
    );
    expect(validatePageFields('acte', { ...base, kind: 'deliberation' })).toEqual([]);
    expect(validatePageFields('acte', { ...base, pdf: 'pas-un-hash' })[0]?.message).toMatch(/Acte signé/);
    expect(
      PageFieldsSchema.safeParse({ type: 'acte', fields: { ...base, kind: 'deliberation' } }).success,
    ).toBe(true);
  });

  it('[TYPE-3] fields are read leniently: wrong types, unknown keys and __proto__ are ignored', () => {
    const raw = JSON.parse('{"__proto__":{"x":1},"date":42,"summary":"ok","evil":"x"}');
    expect(readPageFields('actualite', raw)).toEqual({ date: '', summary: 'ok', image: '', imageAlt: '' });
    expect(readPageFields('page', null)).toEqual({ summary: '' });
  });

  it('[TYPE-4] an acte stays online two months after its date put online', () => {
    const page = { type: 'acte', title: 'Arrêté 12', fields: { onlineAt: '2026-01-15T10:00' } };
    expect(acteUnpublishRefusal(page, Date.UTC(2026, 2, 1))).toMatch(/deux mois.*15 mars 2026/);
    expect(acteUnpublishRefusal(page, Date.UTC(2026, 2, 16))).toBeNull();
    expect(acteUnpublishRefusal({ ...page, type: 'page' }, 0)).toBeNull();
  });

  it('[TYPE-5] Paris wall-clock dates handle summer and winter time', () => {
    expect(parisTime('2026-01-15T10:00')).toBe(Date.UTC(2026, 0, 15, 9, 0));
    expect(parisTime('2026-07-15T10:00')).toBe(Date.UTC(2026, 6, 15, 8, 0));
    expect(parisTime('n’importe quoi')).toBeNull();
  });

  it('[TYPE-6] the alert banner is active while « oui », with a message, before its end', () => {
    const fields = {
      alertActive: 'oui',
      alertLevel: 'alerte',
      alertMessage: 'Crue',
      alertUntil: '2026-03-01T12:00',
    };
    expect(isAlertActive(fields, Date.UTC(2026, 1, 1))).toBe(true);
    expect(isAlertActive(fields, Date.UTC(2026, 2, 2))).toBe(false);
    expect(isAlertActive({ ...fields, alertActive: 'non' }, 0)).toBe(false);
  });
});

describe('settings', () => {
  it('[SET-1] every palette colour passes 4.5:1 on the light and dark themes', () => {
    for (const c of ACCENT_PALETTE) {
      for (const bg of ['#ffffff', '#f6f6f6']) expect(contrastRatio(c.value, bg)).toBeGreaterThanOrEqual(4.5);
      for (const bg of ['#161616', '#242424']) expect(contrastRatio(c.dark, bg)).toBeGreaterThanOrEqual(4.5);
    }
  });

  it('[SET-2] settings are read from the manifest with defaults and validated in French', () => {
    const doc = new Y.Doc();
    settingsMap(doc).set('name', 'Allauch');
    settingsMap(doc).set('phone', 42);
    const settings = readSiteSettings(doc, 'Commune');
    expect(settings).toMatchObject({
      name: 'Allauch',
      phone: '',
      accentColor: '#000091',
      accessibilityStatus: 'non-conforme',
    });
    const issues = validateSettings(settings).map((i) => i.field);
    expect(issues).toEqual(expect.arrayContaining(['address', 'phone', 'email', 'mayorName']));
    expect(
      validateSettings({ ...settings, accentColor: '#ffff00' }).some((i) => i.field === 'accentColor'),
    ).toBe(true);
  });
});

describe('conditional selects', () => {
  it('[TYPE-2] a risk page without an alert needs no alert level', () => {
    expect(validatePageFields('risques', { alertActive: 'non', alertLevel: '', alertMessage: '' })).toEqual(
      [],
    );
    expect(validatePageFields('risques', { alertActive: 'oui', alertLevel: '', alertMessage: 'x' })).toEqual([
      { field: 'alertLevel', message: '« Niveau de l’alerte » est obligatoire.' },
    ]);
  });
});
