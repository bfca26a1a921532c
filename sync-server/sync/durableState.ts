/**
 * The doc's state as it was before a transaction (what `encodeDocState` gave just before it),
 * computed after the fact from the transaction: its state vector then (`beforeState`) and
 * today's deletions minus the transaction's own. A room keeps no copy of its durable state while
 * nothing is unsaved (the doc's state is then the durable one, ~180 bytes per room saved); its
 * first unsaved update is already applied when the room hears of it, so the durable state is
 * the state before that update's transaction.
 */
import * as Y from 'yjs';

interface Range {
  clock: number;
  len: number;
}

/** `ranges` minus `removed`; both sorted and merged (as Yjs keeps delete sets). */
function subtract(ranges: readonly Range[], removed: readonly Range[]): Range[] {
  const kept: Range[] = [];
  let r = 0;
  for (const range of ranges) {
    let clock = range.clock;
    const end = range.clock + range.len;
    while (r < removed.length && removed[r]!.clock + removed[r]!.len <= clock) r += 1;
    for (let k = r; k < removed.length && removed[k]!.clock < end; k++) {
      const cut = removed[k]!;
      if (cut.clock > clock) kept.push({ clock, len: cut.clock - clock });
      clock = Math.max(clock, cut.clock + cut.len);
    }
    if (clock < end) kept.push({ clock, len: end - clock });
  }
  return kept;
}

/** `encodeDocState(doc)` as it was before `transaction` (the doc's latest) changed it. */
export function encodeDocStateBefore(doc: Y.Doc, transaction: Y.Transaction): Uint8Array {
  const deletions = Y.createDeleteSetFromStructStore(doc.store);
  for (const [client, removed] of transaction.deleteSet.clients) {
    const ranges = deletions.clients.get(client);
    if (!ranges) continue;
    const kept = subtract(ranges, removed);
    if (kept.length > 0) deletions.clients.set(client, kept as typeof ranges);
    else deletions.clients.delete(client);
  }
  return Y.encodeSnapshot(Y.createSnapshot(deletions, new Map(transaction.beforeState)));
}
