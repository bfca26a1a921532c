// Preloaded (`node --expose-gc --require bench/memoryProbe.cjs …`) into both servers that
// bench/server.ts compares, ours and the reference, so that both run under the same flags: on
// the parent's 'memory' message it forces full garbage collections and answers
// process.memoryUsage() (RSS, and the live heap of the main thread after the collection).
'use strict';

if (typeof process.send === 'function') {
  process.on('message', (message) => {
    if (message !== 'memory') return;
    if (typeof globalThis.gc === 'function') {
      globalThis.gc();
      globalThis.gc();
    }
    process.send({ memory: process.memoryUsage(), gc: typeof globalThis.gc === 'function' });
  });
  // The channel alone must not keep a server alive once it has closed everything else.
  process.channel?.unref();
}
