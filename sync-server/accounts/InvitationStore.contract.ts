/**
 * The contract every InvitationStore must meet, checked through Invitations. Run by
 * invitationStore.test.ts against SqliteInvitationStore and by
 * storage/postgres/PgInvitationStore.test.ts against PgInvitationStore on a real PostgreSQL. A
 * second store on the same database stands for a second node.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InvitationStore } from '../storage/InvitationStore';
import { INVITATION_TTL_MS, Invitations, MAX_PENDING_PER_COMMUNE } from './Invitations';

export interface InvitationStoreFixture {
  /** A store on an emptied database. */
  store: InvitationStore;
  /** Another store on the same database: another node. */
  another(): Promise<InvitationStore>;
  cleanup(): Promise<void>;
}

// Long by reason: the contract suite, one short `it` per rule, run against each store.
export function invitationStoreContract(name: string, make: () => Promise<InvitationStoreFixture>): void {
  describe(`InvitationStore contract: ${name}`, () => {
    let fixture: InvitationStoreFixture;
    let clock: number;
    const extra: InvitationStore[] = [];
    const invitations = (store: InvitationStore = fixture.store) => new Invitations(store, () => clock);
    const otherNode = async () => {
      const store = await fixture.another();
      extra.push(store);
      return invitations(store);
    };

    beforeEach(async () => {
      clock = Date.UTC(2026, 11, 5, 9);
      fixture = await make();
    });
    afterEach(async () => {
      for (const store of extra.splice(0)) await store.close();
      await fixture.store.close();
      await fixture.cleanup();
    });

    it('[INV-6] an invitation is listed for its address and its commune, oldest first; a new one renews it', async () => {
      const a = invitations();
      const b = await otherNode();
      expect(await a.put('lea@aix.fr', '13001', 'agent', 'ref-1')).toBe(true);
      clock += 1_000;
      expect(await b.put('lea@aix.fr', '13055', 'relecteur', 'ref-2')).toBe(true);
      clock += 1_000;
      expect(await a.put('max@aix.fr', '13001', 'agent', null)).toBe(true);
      expect((await b.forEmail('lea@aix.fr')).map((i) => [i.insee, i.role, i.invitedBy])).toEqual([
        ['13001', 'agent', 'ref-1'],
        ['13055', 'relecteur', 'ref-2'],
      ]);
      expect((await b.forCommune('13001')).map((i) => i.email)).toEqual(['lea@aix.fr', 'max@aix.fr']);
      clock += 1_000;
      expect(await b.put('lea@aix.fr', '13001', 'referent', 'ref-3')).toBe(true);
      const renewed = (await a.forCommune('13001')).map((i) => [i.email, i.role, i.invitedBy, i.createdAt]);
      expect(renewed).toEqual([
        ['max@aix.fr', 'agent', null, clock - 1_000],
        ['lea@aix.fr', 'referent', 'ref-3', clock],
      ]);
    });

    it('[INV-6] an invitation is taken once, even by two nodes at once; an expired one is neither listed nor taken', async () => {
      const a = invitations();
      const b = await otherNode();
      await a.put('lea@aix.fr', '13001', 'agent', 'ref-1');
      const [onA, onB] = await Promise.all([a.take('lea@aix.fr', '13001'), b.take('lea@aix.fr', '13001')]);
      expect([onA, onB].filter(Boolean)).toEqual([
        expect.objectContaining({ email: 'lea@aix.fr', role: 'agent' }),
      ]);
      expect(await a.forEmail('lea@aix.fr')).toEqual([]);
      await a.put('old@aix.fr', '13001', 'agent', 'ref-1');
      clock += INVITATION_TTL_MS + 1;
      expect(await b.forCommune('13001')).toEqual([]);
      expect(await b.take('old@aix.fr', '13001')).toBeUndefined();
    });

    it('[INV-6] a commune holds at most MAX_PENDING_PER_COMMUNE invitations, even invited from two nodes at once', async () => {
      const a = invitations();
      const b = await otherNode();
      for (let i = 0; i < MAX_PENDING_PER_COMMUNE - 1; i++)
        expect(await a.put(`agent${i}@aix.fr`, '13001', 'agent', 'ref-1')).toBe(true);
      const racing = await Promise.all([
        a.put('dernier-a@aix.fr', '13001', 'agent', 'ref-1'),
        b.put('dernier-b@aix.fr', '13001', 'agent', 'ref-2'),
      ]);
      expect(racing.filter(Boolean)).toHaveLength(1);
      expect(await a.forCommune('13001')).toHaveLength(MAX_PENDING_PER_COMMUNE);
      // Renewing one already there is not a new one; another commune is not affected.
      expect(await b.put('agent0@aix.fr', '13001', 'relecteur', 'ref-2')).toBe(true);
      expect(await b.put('agent0@aix.fr', '13055', 'agent', 'ref-2')).toBe(true);
    }, 60_000);
  });
}
