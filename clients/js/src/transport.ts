/** The part of the WebSocket API the client uses: the browser's, and that of Node's `ws`. */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((event: any) => void) | null;
  onmessage: ((event: { data: any }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: any) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket constructor: `window.WebSocket`, `ws`, or anything alike. */
export type SocketConstructor = new (url: string) => SocketLike;

export const OPEN = 1;

let nodeSocket: Promise<SocketConstructor> | null = null;

/**
 * The constructor to use: the one given, else the platform's own WebSocket (browsers, Deno,
 * Node 22+), else Node's `ws` package, loaded on first use so that browsers never need it.
 */
export function socketConstructor(given?: SocketConstructor): Promise<SocketConstructor> {
  if (given) return Promise.resolve(given);
  const platform = (globalThis as any).WebSocket;
  if (typeof platform === 'function') return Promise.resolve(platform as SocketConstructor);
  if (!nodeSocket) {
    // A computed specifier keeps bundlers from pulling `ws` into browser builds.
    const name = 'ws';
    nodeSocket = import(name).then(
      (mod: any) => (mod.WebSocket ?? mod.default ?? mod) as SocketConstructor,
      (error: unknown) => {
        nodeSocket = null;
        throw new Error(`no WebSocket in this runtime: install the 'ws' package (${String(error)})`);
      },
    );
  }
  return nodeSocket;
}

/** The text of a message event (Node's `ws` may hand over a Buffer). */
export function messageText(data: unknown): string | null {
  if (typeof data === 'string') return data;
  if (data && typeof (data as any).toString === 'function' && typeof (data as any).byteLength === 'number') {
    return new TextDecoder().decode(data as ArrayBuffer);
  }
  return null;
}
