import { describe, expect, it, vi } from 'vitest';
import { reportSyncToDesktop, toSyncReport } from './desktopSyncReport';
import type { SyncSnapshot } from './SyncClient';

function source(initial: SyncSnapshot) {
  let snapshot = initial;
  const listeners = new Set<() => void>();
  return {
    subscribe: (listener: () => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getSnapshot: () => snapshot,
    set(next: SyncSnapshot) {
      snapshot = next;
      for (const l of listeners) l();
    },
    listeners,
  };
}

const saved: SyncSnapshot = { status: { kind: 'saved' }, alerts: [], pendingRooms: [] };
const offlineTwoPages: SyncSnapshot = {
  status: { kind: 'offline', rooms: ['13008/page/a'] },
  alerts: [],
  pendingRooms: ['13008/page/a', '13008/page/b'],
};

describe('the sync state told to the desktop app (updates wait for unsent edits)', () => {
  it('counts pages holding unsent changes, not Yjs transactions', () => {
    expect(toSyncReport(saved)).toEqual({ status: 'connected', pendingChanges: 0 });
    expect(toSyncReport(offlineTwoPages)).toEqual({ status: 'offline', pendingChanges: 2 });
  });

  it('sends the state at once and at each change, once per distinct state, and stops when asked', () => {
    const reportSync = vi.fn(() => Promise.resolve(null));
    const sync = source(saved);
    const stop = reportSyncToDesktop(sync, { usine: { reportSync } });
    expect(reportSync).toHaveBeenLastCalledWith({ status: 'connected', pendingChanges: 0 });
    sync.set(offlineTwoPages);
    // Another snapshot (an alert appeared) with the same report: not sent again.
    sync.set({ ...offlineTwoPages, alerts: [{ room: '13008/page/a', message: 'Accès refusé' }] });
    expect(reportSync).toHaveBeenCalledTimes(2);
    expect(reportSync).toHaveBeenLastCalledWith({ status: 'offline', pendingChanges: 2 });
    stop();
    expect(sync.listeners.size).toBe(0);
  });

  it('does nothing in a browser, where there is no desktop API', () => {
    const sync = source(saved);
    reportSyncToDesktop(sync, {})();
    expect(sync.listeners.size).toBe(0);
  });
});
