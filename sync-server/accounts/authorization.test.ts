// The one authorization policy, as a table: every role (and none, and the Métropole) × every
// action, in the commune and in another one.
import { describe, expect, it } from 'vitest';
import type { Role } from '../../site/apiContract';
import { authorize, type CommuneAction } from './authorization';

const HOME = '13008';
const OTHER = '13001';

function identity(role: Role | null, admin = false) {
  return { admin, communes: role ? [{ insee: HOME, name: 'Aurons', slug: 'aurons', role }] : [] };
}

const ACTIONS: CommuneAction[] = ['read', 'edit', 'publish', 'manage-members'];
const EXPECTED: Record<string, Record<CommuneAction, boolean>> = {
  admin: { read: true, edit: true, publish: true, 'manage-members': true },
  referent: { read: true, edit: true, publish: true, 'manage-members': true },
  agent: { read: true, edit: true, publish: false, 'manage-members': false },
  relecteur: { read: true, edit: false, publish: false, 'manage-members': false },
  none: { read: false, edit: false, publish: false, 'manage-members': false },
};

describe('[ROLE-4] authorization policy', () => {
  for (const [who, row] of Object.entries(EXPECTED)) {
    const id = who === 'admin' ? identity(null, true) : identity(who === 'none' ? null : (who as Role));
    it(`${who}: ${ACTIONS.map((a) => `${a} ${row[a] ? 'yes' : 'no'}`).join(', ')} in its commune`, () => {
      for (const action of ACTIONS) expect(authorize(id, HOME, action).allowed, action).toBe(row[action]);
    });
    it(`${who}: in another commune, only the Métropole`, () => {
      for (const action of ACTIONS)
        expect(authorize(id, OTHER, action).allowed, action).toBe(who === 'admin');
    });
  }

  it('a refusal says whether the caller is no member or lacks the role', () => {
    expect(authorize(identity('agent'), OTHER, 'read')).toEqual({ allowed: false, refusal: 'not-member' });
    expect(authorize(identity('agent'), HOME, 'publish')).toEqual({ allowed: false, refusal: 'role' });
  });

  it('a référent neither makes nor changes a référent; the Métropole does', () => {
    const referent = identity('referent');
    expect(authorize(referent, HOME, 'manage-members', { role: 'agent' }).allowed).toBe(true);
    expect(
      authorize(referent, HOME, 'manage-members', { role: 'relecteur', currentRole: 'agent' }).allowed,
    ).toBe(true);
    expect(authorize(referent, HOME, 'manage-members', { role: 'referent' }).allowed).toBe(false);
    expect(authorize(referent, HOME, 'manage-members', { currentRole: 'referent' }).allowed).toBe(false);
    expect(authorize(identity(null, true), HOME, 'manage-members', { role: 'referent' }).allowed).toBe(true);
  });
});
