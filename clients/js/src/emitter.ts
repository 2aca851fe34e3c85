/** A handler of one message type: the message's `data`, then the whole message. */
export type Handler<D = any, M = any> = (data: D, message: M) => void;

/**
 * Handlers by message type, with `*` hearing every type. A handler that throws is reported
 * to `onHandlerError` and does not stop the others or the client.
 */
export class Emitter {
  private readonly handlers = new Map<string, Set<Handler>>();

  constructor(private readonly onHandlerError: (type: string, error: unknown) => void) {}

  /** Adds a handler; the returned function removes it. */
  on(type: string, handler: Handler): () => void {
    let set = this.handlers.get(type);
    if (!set) this.handlers.set(type, (set = new Set()));
    set.add(handler);
    return () => this.off(type, handler);
  }

  /** Adds a handler that runs once. */
  once(type: string, handler: Handler): () => void {
    const off = this.on(type, (data, message) => {
      off();
      handler(data, message);
    });
    return off;
  }

  off(type: string, handler: Handler): void {
    const set = this.handlers.get(type);
    if (set && set.delete(handler) && set.size === 0) this.handlers.delete(type);
  }

  /** Calls the type's handlers, then (for the server's messages) the `*` ones. */
  emit(type: string, data: unknown, message: unknown, wildcard = true): void {
    for (const key of wildcard ? [type, '*'] : [type]) {
      const set = this.handlers.get(key);
      if (!set) continue;
      for (const handler of [...set]) {
        try {
          handler(data, message);
        } catch (error) {
          this.onHandlerError(type, error);
        }
      }
    }
  }
}
