// Preloaded (`node --expose-gc --require bench/memoryProbe.cjs …`) into both servers that
// bench/server.ts compares, ours and the reference, so that both run under the same flags: on
// the parent's 'memory' message it forces full garbage collections and answers
// process.memoryUsage() (RSS, and the live heap of the main thread after the collection) with the
// young generation's committed size.
'use strict';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS file preloaded by --require
const v8 = require('node:v8');

if (typeof process.send === 'function') {
  process.on('message', (message) => {
    if (message !== 'memory') return;
    if (typeof globalThis.gc === 'function') {
      globalThis.gc();
      globalThis.gc();
    }
    // The young generation's committed size: V8 sizes it (up to 2 × 16 MiB) by the allocation
    // rate, not by what is kept — whichever readings it grows between, it is no per-document cost.
    const young = v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
    process.send({
      memory: process.memoryUsage(),
      youngGeneration: young ? young.space_size : 0,
      gc: typeof globalThis.gc === 'function',
    });
  });
  // The channel alone must not keep a server alive once it has closed everything else.
  process.channel?.unref();
}
