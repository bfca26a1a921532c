/**
 * Crafted Yjs updates shared by the guard's unit tests and the server's hostile-input tests.
 */
import * as encoding from 'lib0/encoding';

/** The reproductions of yjs issue #687 (from its pull request #688), byte for byte. */
export const YJS_687_PAYLOADS: Record<string, number[]> = {
  'mergeUpdatesV2 with 4,398,046,511,101 structs': [
    0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 2, 0, 0, 22, 2, 0, 0, 1, 253, 255, 255, 255, 255, 127, 0, 0,
  ],
  'mergeUpdates (v1) with 265,828 updates': [
    228, 156, 16, 0, 5, 255, 255, 5, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 237, 0, 0, 0, 1, 1, 0, 254, 184, 194, 233,
    173, 135, 217, 18, 0, 0, 1, 1, 255, 237, 246,
  ],
  'mergeUpdatesV2 with 7,658,324,286 updates': [
    228, 149, 0, 0, 1, 24, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 237, 1, 190, 130, 227, 195, 28, 1, 2, 228, 149, 0, 0,
    1, 24, 0, 0, 1, 24, 0, 0, 1, 0, 1, 237, 0,
  ],
  'a GC item of length 553,253': [
    143, 1, 128, 0, 0, 0, 1, 170, 1, 0, 1, 2, 0, 0, 22, 2, 0, 229, 196, 67, 20, 231, 166, 139, 147, 174, 181,
    253, 93, 232, 38, 154, 138, 89, 0, 49, 213, 15, 18, 1, 48, 0, 0, 0,
  ],
  'applyUpdateV2 with 267,854,847 structs': [
    0, 1, 35, 0, 0, 0, 1, 2, 129, 0, 0, 16, 0, 199, 220, 0, 196, 122, 128, 0, 65, 171, 234, 214, 0, 1, 0, 0,
    1, 0, 0, 132, 0, 0, 16, 255, 199, 220, 255, 0, 0, 0,
  ],
};

/** A v1 update of one client with `count` one-unit GC structs: 2 bytes each on the wire. */
export function manyGcStructs(count: number): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1);
  encoding.writeVarUint(e, count);
  encoding.writeVarUint(e, 777_001);
  encoding.writeVarUint(e, 0);
  for (let i = 0; i < count; i++) {
    encoding.writeUint8(e, 0);
    encoding.writeVarUint(e, 1);
  }
  encoding.writeVarUint(e, 0);
  return encoding.toUint8Array(e);
}
