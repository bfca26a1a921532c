/**
 * The doc's state as it was before a transaction (what `encodeDocState` gave just before it),
 * computed after the fact from the transaction: its state vector then (`beforeState`) and the
 * deletions of what was known then, less the transaction's own. A quiet room keeps no copy of
 * its durable state (the doc's state is then the durable one, ~180 bytes per room saved); its
 * next unsaved update is already applied when the room hears of it, so the durable state is the
 * state before that update's transaction.
 */
import * as Y from 'yjs';

interface Range {
  clock: number;
  len: number;
}

/** `ranges` (sorted and merged, as Yjs keeps a delete set) minus `removed`. */
function subtract(ranges: readonly Range[], removed: readonly Range[]): Range[] {
  const kept: Range[] = [];
  // Sorted by clock (a transaction not yet cleaned up has not sorted its own); overlaps are fine.
  const cuts = [...removed].sort((a, b) => a.clock - b.clock);
  let r = 0;
  for (const range of ranges) {
    let clock = range.clock;
    const end = range.clock + range.len;
    while (r < cuts.length && cuts[r]!.clock + cuts[r]!.len <= clock) r += 1;
    for (let k = r; k < cuts.length && cuts[k]!.clock < end; k++) {
      const cut = cuts[k]!;
      if (cut.clock > clock) kept.push({ clock, len: cut.clock - clock });
      clock = Math.max(clock, cut.clock + cut.len);
    }
    if (clock < end) kept.push({ clock, len: end - clock });
  }
  return kept;
}

/**
 * `encodeDocState(doc)` as it was before `transaction` (the doc's latest) changed it. Deletions
 * are kept only for what was known before it (structs that arrived already collected — a
 * deleted parent's children — are in the store's deletions, not in the transaction's), less
 * what any transaction still being cleaned up deleted (one an observer opened inside this one
 * has changed the store already): at worst less than was durable, never more.
 */
export function encodeDocStateBefore(doc: Y.Doc, transaction: Y.Transaction): Uint8Array {
  const known = transaction.beforeState;
  const store = Y.createDeleteSetFromStructStore(doc.store);
  const deletions = Y.createDeleteSet();
  for (const [client, ranges] of store.clients) {
    const end = known.get(client) ?? 0;
    const kept = ranges
      .filter((r) => r.clock < end)
      .map((r) => ({ clock: r.clock, len: Math.min(r.len, end - r.clock) }));
    if (kept.length > 0) deletions.clients.set(client, kept as typeof ranges);
  }
  const pending = (doc as unknown as { _transactionCleanups?: Y.Transaction[] })._transactionCleanups;
  for (const cleaned of pending && pending.includes(transaction) ? pending : [transaction]) {
    for (const [client, removed] of cleaned.deleteSet.clients) {
      const ranges = deletions.clients.get(client);
      if (!ranges) continue;
      const kept = subtract(ranges, removed);
      if (kept.length > 0) deletions.clients.set(client, kept as typeof ranges);
      else deletions.clients.delete(client);
    }
  }
  return Y.encodeSnapshot(Y.createSnapshot(deletions, new Map(known)));
}
