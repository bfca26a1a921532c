import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readFieldList, LIST_FIELDS } from '../../../../site/pageTypes';
import { createPage, editPageList, readPages } from '../../../../site/siteDoc';
import { copyHoursEdits, defaultCopyDays } from './copyHours';

const monday = {
  day: 'lundi',
  opens: '08:30',
  closes: '12:00',
  reopens: '13:30',
  recloses: '17:00',
  note: '',
};

function apply(items: Array<Record<string, string>>, days: string[], from = 0) {
  const manifest = new Y.Doc();
  createPage(manifest, { id: 'c', title: 'Horaires', type: 'contact', updatedBy: 'A' });
  const read = () => readFieldList(LIST_FIELDS.hours, readPages(manifest)[0]!.fields);
  for (const item of items)
    editPageList(manifest, 'c', 'hours', read(), { op: 'insert', index: read().length, item }, 'A');
  for (const edit of copyHoursEdits(read(), from, days))
    editPageList(manifest, 'c', 'hours', read(), edit, 'A');
  return read();
}

describe('« Copier sur les autres jours »', () => {
  it('[HOURS-1] copies Monday onto Tuesday to Friday, added in week order', () => {
    const result = apply([monday], defaultCopyDays('lundi'));
    expect(result.map((i) => i.day)).toEqual(['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi']);
    for (const item of result)
      expect(item).toMatchObject({ opens: '08:30', closes: '12:00', reopens: '13:30', recloses: '17:00' });
  });

  it('[HOURS-2] updates a day already there and inserts missing days between existing ones', () => {
    const thursday = {
      day: 'jeudi',
      opens: '09:00',
      closes: '11:00',
      reopens: '',
      recloses: '',
      note: 'Permanence',
    };
    const saturday = { day: 'samedi', opens: '09:00', closes: '12:00', reopens: '', recloses: '', note: '' };
    const result = apply([thursday, monday, saturday], ['mercredi', 'jeudi'], 1);
    // Wednesday goes after the last earlier day (Monday), Thursday is updated where it is.
    expect(result.map((i) => i.day)).toEqual(['jeudi', 'lundi', 'mercredi', 'samedi']);
    expect(result[0]).toMatchObject({ opens: '08:30', closes: '12:00', note: '' });
    expect(result[2]).toMatchObject({ opens: '08:30', recloses: '17:00' });
    expect(result[3]).toMatchObject({ opens: '09:00', closes: '12:00' });
  });

  it('[HOURS-3] never copies a day onto itself; unknown source gives no edit', () => {
    expect(copyHoursEdits([monday], 0, ['lundi'])).toEqual([]);
    expect(copyHoursEdits([monday], 3, ['mardi'])).toEqual([]);
    expect(defaultCopyDays('mercredi')).toEqual(['lundi', 'mardi', 'jeudi', 'vendredi']);
  });
});
