// emitToObservers keeps lib0's semantics: every listener of the event is called with the
// arguments, in order; a listener added while the event is emitted waits for the next one; an
// event nobody listens to calls nothing.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { emitToObservers } from './observers';

type Listener = (...args: never[]) => unknown;

describe('emitToObservers', () => {
  it('calls each listener once with the arguments, not those added during the emit', () => {
    const calls: string[] = [];
    const observers = new Map<string, Set<Listener>>();
    const late = (x: number) => calls.push(`late ${x}`);
    const first = (x: number) => {
      calls.push(`first ${x}`);
      observers.get('e')!.add(late as Listener);
    };
    observers.set('e', new Set([first as Listener]));
    emitToObservers(observers, 'e', [1]);
    expect(calls).toEqual(['first 1']);
    const second = (x: number) => calls.push(`second ${x}`);
    observers.get('e')!.add(second as Listener);
    const added = () => calls.push('added');
    observers.get('e')!.add((() => observers.get('e')!.add(added as Listener)) as Listener);
    emitToObservers(observers, 'e', [2]);
    expect(calls).toEqual(['first 1', 'first 2', 'late 2', 'second 2']);
    emitToObservers(observers, 'none', [3]);
    expect(calls).toHaveLength(4);
  });

  it("gives a Y.Doc's listeners what lib0's emit gives them", () => {
    class QuietDoc extends Y.Doc {
      override emit(name: string, args: unknown[]): void {
        emitToObservers(this._observers, name, args);
      }
    }
    const seen = (doc: Y.Doc) => {
      // One clientID for both docs: an update's length depends on it (a varint).
      doc.clientID = 7;
      const events: string[] = [];
      doc.on('beforeTransaction', () => events.push('before'));
      doc.on('update', (update: Uint8Array) => events.push(`update ${update.byteLength}`));
      doc.on('afterTransaction', () => events.push('after'));
      doc.getText('t').insert(0, 'bonjour');
      return events;
    };
    expect(seen(new QuietDoc())).toEqual(seen(new Y.Doc()));
    expect(seen(new QuietDoc())).toContain('before');
  });
});
