// Preloaded (`node --expose-gc --require bench/memoryProbe.cjs …`) into both servers that
// bench/server.ts compares, ours and the reference, so that both run under the same flags: on
// the parent's 'memory' message it forces full garbage collections and answers
// process.memoryUsage() (RSS, and the live heap of the main thread after the collection).
//
// Under the memory step's pinned young generation (--min-semi-space-size), it first allocates
// garbage past both semi-spaces: every page of the young generation is then resident in every
// reading, however little the server itself allocated since the last one.
'use strict';

const pinned = process.execArgv.some((flag) => flag.startsWith('--min-semi-space-size'));

/** ~80 MB of short-lived objects: more than the 2 × 16 MiB of pinned semi-spaces, twice. */
function fillYoungGeneration() {
  let last = null;
  for (let i = 0; i < 500_000; i++) last = { i, values: [i, i, i, i, i, i, i, i, i, i, i, i] };
  return last;
}

if (typeof process.send === 'function') {
  process.on('message', (message) => {
    if (message !== 'memory') return;
    if (pinned) fillYoungGeneration();
    if (typeof globalThis.gc === 'function') {
      globalThis.gc();
      globalThis.gc();
    }
    process.send({ memory: process.memoryUsage(), gc: typeof globalThis.gc === 'function' });
  });
  // The channel alone must not keep a server alive once it has closed everything else.
  process.channel?.unref();
}
