// The child process of crashRestart.test.ts: opens DATA_DIR through the server's own path
// (`openDataDir`: kernel-held lock, then the database with its durable settings) and its store,
// reports what the room holds, then writes numbered edits one after the other, printing each
// once the store acknowledged it as durable, until it is killed. The store writes on this
// thread (`inline`): the same commits as the server's writer thread, without the thread's start
// in each of the 200 starts. Lines on stdout:
//   open <ms waited for the lock> <pid>
//   stored <JSON array of the edit ids the room holds>
//   ack <edit id>
import * as Y from 'yjs';
import { openDataDir } from '../storage/dataDir';
import { SqliteDocStore } from '../storage/SqliteDocStore';

const [dataDir, room, prefix] = process.argv.slice(2);
if (!dataDir || !room || !prefix) throw new Error('usage: crashRestartChild <dataDir> <room> <prefix>');

const started = Date.now();
const { db } = await openDataDir(dataDir);
process.stdout.write(`open ${Date.now() - started} ${process.pid}\n`);
const store = new SqliteDocStore(db, { writer: 'inline' });
const doc = new Y.Doc();
for (const update of (await store.loadDoc(room)).updates) Y.applyUpdate(doc, update);
const edits = doc.getArray<string>('edits');
process.stdout.write(`stored ${JSON.stringify(edits.toArray())}\n`);

for (let i = 0; ; i++) {
  const id = `${prefix}.${i}`;
  const before = Y.encodeStateVector(doc);
  edits.push([id]);
  await store.appendUpdates(room, [Y.encodeStateAsUpdate(doc, before)]);
  process.stdout.write(`ack ${id}\n`);
}
