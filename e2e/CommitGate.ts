/**
 * Holds the server's durable commits while a test checks what the agent is told in the
 * meantime: the status may say « enregistré sur le serveur » only once the server has
 * committed and acknowledged. Wraps the real store; nothing is faked, only delayed.
 */
import type { DocStore } from '../sync-server/storage/DocStore';

export class CommitGate {
  private held: Promise<void> | null = null;
  private releaseHeld: (() => void) | null = null;

  hold(): void {
    if (this.held) return;
    this.held = new Promise((resolve) => (this.releaseHeld = resolve));
  }

  release(): void {
    this.releaseHeld?.();
    this.held = null;
    this.releaseHeld = null;
  }

  /** Each write to the store waits while the gate is held. */
  wrap(store: DocStore): DocStore {
    const waitWhileHeld = async () => {
      while (this.held) await this.held;
    };
    return new Proxy(store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        if (typeof property === 'string' && /^append/i.test(property)) {
          return async (...args: unknown[]) => {
            await waitWhileHeld();
            return value.apply(target, args);
          };
        }
        return value.bind(target);
      },
    });
  }
}
