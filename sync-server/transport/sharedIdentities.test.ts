// [CONN-5] Connections of one login session share one identity object, held weakly: once no
// connection holds it, it is collected and its entry goes with it. gc is exposed at run time.
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { ConnectionIdentity } from '../sync/Room';
import { sharedIdentities } from './sharedIdentities';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const identity = (over: Partial<ConnectionIdentity> = {}): ConnectionIdentity => ({
  agentId: 'agent-1',
  displayName: 'Élise Martin',
  color: '#1f5fbf',
  readOnly: false,
  sessionId: 'session-1',
  address: '192.0.2.10',
  ...over,
});

describe('shared identities', () => {
  it('[CONN-5] one frozen object for equal identities; any difference makes another', () => {
    const shared = sharedIdentities();
    const first = shared.of(identity());
    expect(shared.of(identity())).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(first).toEqual(identity());
    for (const over of [
      { sessionId: 'session-2' },
      { readOnly: true },
      { displayName: 'Élise Martin-Durand' },
      { color: '#bf1f5f' },
      { address: '192.0.2.11' },
      { agentId: 'agent-2' },
    ]) {
      const other = shared.of(identity(over));
      expect(other).not.toBe(first);
      expect(other).toEqual(identity(over));
    }
    expect(shared.size).toBe(7);
  });

  it('[CONN-5] an identity no connection holds is collected, and its entry with it', async () => {
    const shared = sharedIdentities();
    const held = shared.of(identity());
    for (let i = 0; i < 50; i++) shared.of(identity({ sessionId: `gone-${i}` }));
    for (let round = 0; round < 10 && shared.size > 1; round++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(shared.size).toBe(1);
    expect(shared.of(identity())).toBe(held);
  });
});
