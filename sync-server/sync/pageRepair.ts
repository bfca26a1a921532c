/**
 * Repair of a page nested deeper than its schema allows (written before the update guard
 * bounded depth, or brought back by a restore): removes every type beyond the bound, in the
 * manifest's page entry and in the page's body doc; a page entry still unreadable afterwards
 * gets its fields reset (its list fields recreated empty).
 *
 * Yjs deletes a type and garbage-collects it recursively, so deleting a 20,000-deep map in one
 * transaction overflows the stack (the server's, and every client's applying the update).
 * The types are deleted deepest first, LEVELS_PER_TRANSACTION levels per transaction: each
 * transaction — and each update the clients receive — recurses at most that deep. The caller
 * then rewrites the room's stored log as one snapshot of the repaired doc (`rewriteRoom`):
 * replaying the old log plus the deletions in one transaction would recurse through it all.
 */
import * as Y from 'yjs';
import {
  MANIFEST_MAX_TYPE_DEPTH,
  PAGE_BODY_MAX_TYPE_DEPTH,
  PAGE_BODY_ROOT,
  PAGE_LIST_FIELDS,
  PAGE_TYPES,
  type AnyYType,
  type PageType,
  pagesMap,
  readPage,
} from '../../site/siteDoc';
import { pageRoom, parseRoom, siteRoom } from '../../site/syncProtocol';

export const ORIGIN_REPAIR = 'usine:repair';
/** A page id as room names accept it (site/syncProtocol.ts). */
const PAGE_ID = { test: (id: string) => parseRoom(`00000/page/${id}`) !== undefined };
/** Levels deleted in one transaction: bounds Yjs' recursion in it and in every client. */
export const LEVELS_PER_TRANSACTION = 200;

export interface PageRepair {
  /** Whether the manifest has an entry for this page. */
  found: boolean;
  /** Types removed from the page entry of the manifest (beyond the schema's depth). */
  manifestTypesRemoved: number;
  /** Whether the entry's fields had to be reset (still unreadable once trimmed). */
  fieldsReset: boolean;
  /** Types removed from the page's body doc (beyond PAGE_BODY_MAX_TYPE_DEPTH). */
  bodyTypesRemoved: number;
}

interface Deep {
  item: Y.Item;
  depth: number;
}

/**
 * Every live item holding a type deeper than `maxDepth` under `type`, whose own depth is
 * `depth`; with the depth of the type each holds. Iterative.
 */
function deeperThan(type: AnyYType, depth: number, maxDepth: number): Deep[] {
  const found: Deep[] = [];
  const stack: Array<{ type: AnyYType; depth: number }> = [{ type, depth }];
  while (stack.length > 0) {
    const current = stack.pop()!;
    const visit = (item: Y.Item | null) => {
      if (!item || item.deleted || !(item.content instanceof Y.ContentType)) return;
      const childDepth = current.depth + 1;
      if (childDepth > maxDepth) found.push({ item, depth: childDepth });
      stack.push({ type: item.content.type as AnyYType, depth: childDepth });
    };
    current.type._map.forEach(visit);
    for (let item = current.type._start; item !== null; item = item.right) visit(item);
  }
  return found;
}

/**
 * Deletes the items by bands of LEVELS_PER_TRANSACTION levels, the deepest band first, one
 * transaction per band: in each, only the band's shallowest items are deleted and Yjs deletes
 * the rest of the band under them (its recursion stops at what earlier bands deleted). One
 * deleted type per band then has a live parent — Yjs walks up from each such parent to the root
 * to notify observers, so deleting every item one by one would cost depth² steps. Waits a
 * turn of the event loop between bands, so a live server keeps serving. Returns how many.
 */
export async function deleteDeepestFirst(
  doc: Y.Doc,
  items: Deep[],
  origin: unknown = ORIGIN_REPAIR,
): Promise<number> {
  const sorted = [...items].sort((a, b) => b.depth - a.depth);
  let index = 0;
  while (index < sorted.length) {
    const bandBottom = sorted[index]!.depth - LEVELS_PER_TRANSACTION;
    const band: Deep[] = [];
    while (index < sorted.length && sorted[index]!.depth > bandBottom) band.push(sorted[index++]!);
    const top = band.at(-1)!.depth;
    doc.transact((transaction) => {
      for (const { item, depth } of band) if (depth === top && !item.deleted) item.delete(transaction);
    }, origin);
    if (index < sorted.length) await new Promise((resolve) => setImmediate(resolve));
  }
  return sorted.length;
}

/** Trims the page entry `pageId` of a manifest to the schema's depth; resets its fields if still unreadable. */
export async function repairManifestPage(
  manifest: Y.Doc,
  pageId: string,
): Promise<Pick<PageRepair, 'found' | 'manifestTypesRemoved' | 'fieldsReset'>> {
  const entry = pagesMap(manifest).get(pageId);
  if (!(entry instanceof Y.Map)) return { found: false, manifestTypesRemoved: 0, fieldsReset: false };
  const removed = await deleteDeepestFirst(manifest, deeperThan(entry, 1, MANIFEST_MAX_TYPE_DEPTH));
  try {
    readPage(pageId, entry);
    return { found: true, manifestTypesRemoved: removed, fieldsReset: false };
  } catch {
    const type = entry.get('type');
    const lists =
      PAGE_LIST_FIELDS[
        (PAGE_TYPES as readonly string[]).includes(type as string) ? (type as PageType) : 'page'
      ];
    manifest.transact(() => {
      const fields = new Y.Map<unknown>();
      for (const name of lists) fields.set(name, new Y.Array<unknown>());
      entry.set('fields', fields);
    }, ORIGIN_REPAIR);
    return { found: true, manifestTypesRemoved: removed, fieldsReset: true };
  }
}

/** Trims a page's body doc to PAGE_BODY_MAX_TYPE_DEPTH; returns how many types were removed. */
export function repairPageBody(body: Y.Doc): Promise<number> {
  return deleteDeepestFirst(
    body,
    deeperThan(body.get(PAGE_BODY_ROOT, Y.XmlText), 0, PAGE_BODY_MAX_TYPE_DEPTH),
  );
}

/** What the repair needs from the store: the room's log, and rewriting it as one snapshot. */
export interface RepairStore {
  loadDoc(room: string): Promise<{ updates: Uint8Array[]; seq: number }>;
  rewriteRoom(room: string, lastSeq: number, snapshot: Uint8Array): Promise<void>;
}

/** Runs `change` on a room's doc; the open room's when `open` gives one (server running). */
export interface RepairTarget {
  /** The live room (server running): its doc, and a promise of its writes being durable. */
  open?: (room: string) => Promise<{ doc: Y.Doc; flushed: () => Promise<void>; release: () => void }>;
  store: RepairStore;
}

async function repairRoom<T>(
  target: RepairTarget,
  room: string,
  change: (doc: Y.Doc) => Promise<T>,
  changed: (r: T) => boolean,
): Promise<T> {
  if (target.open) {
    const live = await target.open(room);
    try {
      // The deletions go through the room: persisted, and sent to its clients band by band.
      const result = await change(live.doc);
      if (!changed(result)) return result;
      await live.flushed();
      const { seq } = await target.store.loadDoc(room);
      await target.store.rewriteRoom(room, seq, Y.encodeStateAsUpdate(live.doc));
      return result;
    } finally {
      live.release();
    }
  }
  const stored = await target.store.loadDoc(room);
  const doc = new Y.Doc();
  // One update at a time: each its own transaction, as it was written.
  for (const update of stored.updates) Y.applyUpdate(doc, update);
  try {
    const result = await change(doc);
    if (changed(result)) await target.store.rewriteRoom(room, stored.seq, Y.encodeStateAsUpdate(doc));
    return result;
  } finally {
    doc.destroy();
  }
}

/** Repairs a page: its entry in the manifest `{insee}/site`, then its body `{insee}/page/{pageId}`. */
export async function repairPage(target: RepairTarget, insee: string, pageId: string): Promise<PageRepair> {
  if (!PAGE_ID.test(pageId))
    return { found: false, manifestTypesRemoved: 0, fieldsReset: false, bodyTypesRemoved: 0 };
  const manifest = await repairRoom(
    target,
    siteRoom(insee),
    (doc) => repairManifestPage(doc, pageId),
    (r) => r.manifestTypesRemoved > 0 || r.fieldsReset,
  );
  const bodyTypesRemoved = await repairRoom(target, pageRoom(insee, pageId), repairPageBody, (n) => n > 0);
  return { ...manifest, bodyTypesRemoved };
}
