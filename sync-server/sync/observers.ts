/**
 * lib0's `ObservableV2.emit`, without the garbage when nobody listens. lib0 copies the listeners
 * of an event into a new array — from a new empty Map when the event has none — before calling
 * them: a Y.Doc emits six or seven events per transaction (`beforeTransaction`,
 * `afterTransactionCleanup`…), of which a room listens to one, so each update the server applied
 * left a dozen empty Maps and arrays to the collector. Same semantics: listeners added while an
 * event is emitted are not called for it.
 */
type Listener = (...args: never[]) => unknown;

export function emitToObservers(observers: Map<string, Set<Listener>>, name: string, args: unknown[]): void {
  const listeners = observers.get(name);
  if (listeners === undefined) return;
  if (listeners.size === 1) {
    const listener = listeners.values().next().value!;
    Reflect.apply(listener, undefined, args);
    return;
  }
  for (const listener of [...listeners]) Reflect.apply(listener, undefined, args);
}
