import { getCurrentScope, onScopeDispose, ref, Ref } from 'vue';
import { backoffDelay } from '@switchboard/client';
import type { SocketLike } from '@switchboard/client';

/** Seed 004's message structure. */
export interface WSMessage<T = unknown> {
  type: string;
  payload?: T;
  timestamp: number;
  id?: string;
}

export type WSHandler<T = any> = (payload: T, message: WSMessage<T>) => void;

export interface UseWebSocketOptions {
  /** Default: the page's own origin at /api/ws (wss on https pages). */
  url?: string;
  /** Connect when the composable is first used (default false, as in the seed). */
  autoConnect?: boolean;
  /** Reconnect after the connection drops (default true). */
  reconnect?: boolean;
  /** Attempts in a row before giving up (default 5). */
  maxReconnectAttempts?: number;
  /** Base of the jittered, doubling wait between attempts, in ms (default 1000). */
  reconnectDelay?: number;
  /** Cap of that wait, in ms (default 30,000). */
  maxReconnectDelay?: number;
  /** Messages kept while offline (default 1,000); beyond, send() throws. */
  queueLimit?: number;
  /** Opens the socket; default: the platform's WebSocket. Node passes one from `ws` (with a Cookie header). */
  createSocket?: (url: string) => SocketLike;
  /** Log what the connection does to the console. */
  debug?: boolean;
}

/** What useWebSocket() returns: seed 004's API. */
export interface UseWebSocket {
  connected: Ref<boolean>;
  connectionId: Ref<string | null>;
  userId: Ref<string | number | null>;
  /** Why the connection gave up (CONNECTION_LIMIT, RECONNECT_FAILED...), else null. */
  lastError: Ref<string | null>;
  connect(): void;
  disconnect(): void;
  send(message: WSMessage): void;
  sendMessage<T>(type: string, payload?: T): void;
  sendToRoom<T>(room: string, content: T): void;
  ping(): void;
  subscribe(room: string): void;
  unsubscribe(room: string): void;
  on<T = any>(type: string, handler: WSHandler<T>): () => void;
  once<T = any>(type: string, handler: WSHandler<T>): () => void;
}

// Errors after which trying again the same way would be refused again: the client stops.
const STOP_CODES = new Set(['CONNECTION_LIMIT']);
// Subscribe refusals: the room is dropped from those joined again after a reconnect.
const ROOM_REFUSALS = new Set(['FORBIDDEN', 'UNAUTHORIZED', 'ROOM_FULL', 'ROOM_LIMIT', 'INVALID_ROOM']);
const OPEN = 1;
const RESEND_WINDOW = 100;

/**
 * One connection to one URL, shared by every component that uses it: rooms, queue,
 * handlers and the reactive state live here.
 */
class RoomsConnection {
  readonly connected = ref(false);
  readonly connectionId = ref<string | null>(null);
  readonly userId = ref<string | number | null>(null);
  readonly lastError = ref<string | null>(null);
  private readonly rooms = new Set<string>();
  private readonly handlers = new Map<string, Set<WSHandler>>();
  /** Messages waiting, in order; `seq` is set on those sent once and refused since. */
  private readonly queue: Array<{ message: WSMessage; seq?: number }> = [];
  /** Recently sent messages by id, to send again one the server refused with RATE_LIMITED. */
  private readonly recent = new Map<string, { message: WSMessage; seq: number }>();
  private sent = 0;
  /** Which room each subscribe message (by id) was for. */
  private readonly subscribeIds = new Map<string, string>();
  private socket: SocketLike | null = null;
  private attempts = 0;
  private manualClose = false;
  private stopped = false;
  private pausedUntil = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private resumeTimer: ReturnType<typeof setTimeout> | null = null;
  private nextId = 0;
  users = 0;

  constructor(readonly url: string, readonly options: UseWebSocketOptions) {}

  connect(): void {
    if (this.socket) return;
    this.manualClose = false;
    this.stopped = false;
    this.lastError.value = null;
    this.clearReconnect();
    this.open();
  }

  disconnect(): void {
    this.manualClose = true;
    this.clearReconnect();
    const socket = this.socket;
    this.detach();
    if (socket) {
      try {
        socket.close(1000, 'client disconnected');
      } catch {
        /* already closing */
      }
    }
  }

  send(message: WSMessage): void {
    if (this.isOpen() && Date.now() >= this.pausedUntil) {
      this.write(message);
      return;
    }
    if (this.queue.length >= (this.options.queueLimit ?? 1000)) {
      throw new Error(`QUEUE_FULL: ${this.queue.length} messages already wait for the connection`);
    }
    this.queue.push({ message });
  }

  sendMessage(type: string, payload?: unknown, id?: string): void {
    this.send({ type, payload, timestamp: Date.now(), id: id ?? this.newId() });
  }

  subscribe(room: string): void {
    this.rooms.add(room);
    if (this.connected.value) this.sendSubscribe(room);
  }

  unsubscribe(room: string): void {
    if (!this.rooms.delete(room)) return;
    if (this.connected.value) this.sendMessage('unsubscribe', { room });
  }

  on(type: string, handler: WSHandler): () => void {
    let set = this.handlers.get(type);
    if (!set) this.handlers.set(type, (set = new Set()));
    set.add(handler);
    return () => {
      set!.delete(handler);
    };
  }

  private open(): void {
    let socket: SocketLike;
    try {
      socket = this.options.createSocket ? this.options.createSocket(this.url) : new (globalThis as any).WebSocket(this.url);
    } catch (error) {
      this.giveUp(`INVALID_URL: ${String(error)}`);
      return;
    }
    this.socket = socket;
    this.log('connecting to', this.url);
    socket.onmessage = (event) => {
      if (this.socket === socket) this.onMessage(typeof event.data === 'string' ? event.data : String(event.data));
    };
    socket.onclose = (event) => {
      if (this.socket === socket) this.onClose(event.code, event.reason);
    };
    socket.onerror = () => {/* the close event follows */};
  }

  private onMessage(text: string): void {
    let message: WSMessage;
    try {
      message = JSON.parse(text);
    } catch {
      this.log('ignored a message that is not JSON');
      return;
    }
    if (!message || typeof message.type !== 'string') return;
    const payload = message.payload as any;
    if (message.type === 'connected') {
      this.connected.value = true;
      this.connectionId.value = payload?.connectionId ?? null;
      this.userId.value = payload?.userId ?? null;
      this.attempts = 0;
      for (const room of this.rooms) this.sendSubscribe(room);
      this.flush();
    } else if (message.type === 'error') {
      this.onError(message, payload ?? {});
    }
    this.emit(message.type, payload, message);
    if (message.id) this.recent.delete(message.id);
  }

  private onError(message: WSMessage, payload: { code?: string; retryAfter?: number }): void {
    const code = String(payload.code ?? '');
    if (STOP_CODES.has(code)) {
      this.lastError.value = code;
      this.stopped = true;  // the close that follows is not retried
    }
    const room = message.id ? this.subscribeIds.get(message.id) : undefined;
    if (room && ROOM_REFUSALS.has(code)) this.rooms.delete(room);
    if (code === 'RATE_LIMITED') {
      // Not accepted: hold everything for retryAfter, then send the refused message first.
      const wait = typeof payload.retryAfter === 'number' ? payload.retryAfter : 1000;
      this.pausedUntil = Date.now() + wait;
      const refused = message.id ? this.recent.get(message.id) : undefined;
      if (refused) {
        // Before everything sent after it, so that the room sees the original order.
        const at = this.queue.findIndex((q) => q.seq === undefined || q.seq > refused.seq);
        this.queue.splice(at < 0 ? this.queue.length : at, 0, refused);
      }
      this.scheduleResume();
    }
  }

  private onClose(code: number, reason: string): void {
    this.log('closed', code, reason);
    this.detach();
    if (this.manualClose) return;
    if (code === 1008 && !this.stopped) {
      // A policy refusal (a session the server will not take): the same cookie would be refused again.
      this.giveUp(`CLOSED_BY_POLICY: ${reason}`);
      return;
    }
    if (this.stopped) {
      this.giveUp(this.lastError.value ?? 'STOPPED');
      return;
    }
    if (this.options.reconnect === false) return;
    const max = this.options.maxReconnectAttempts ?? 5;
    if (this.attempts >= max) {
      this.giveUp('RECONNECT_FAILED');
      return;
    }
    const delay = backoffDelay(this.attempts, {
      initialDelayMs: this.options.reconnectDelay ?? 1000,
      maxDelayMs: this.options.maxReconnectDelay ?? 30_000,
    });
    this.attempts++;
    this.log(`reconnecting in ${delay} ms (attempt ${this.attempts})`);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.manualClose) this.open();
    }, delay);
  }

  private giveUp(reason: string): void {
    this.lastError.value = reason;
    this.stopped = true;
    console.warn(`[switchboard] useWebSocket stopped: ${reason}`);
  }

  private detach(): void {
    if (this.socket) {
      this.socket.onmessage = null;
      this.socket.onclose = null;
      // Not null: Node's `ws` reports closing a socket that is still connecting as an
      // 'error' event, which with no listener would be an uncaught exception.
      this.socket.onerror = () => {};
    }
    this.socket = null;
    this.connected.value = false;
    this.subscribeIds.clear();
    this.recent.clear();
  }

  private sendSubscribe(room: string): void {
    const id = this.newId();
    this.subscribeIds.set(id, room);
    this.sendMessage('subscribe', { room }, id);
  }

  /** Flushes the queue once the pause is over (timers may fire a little early: checked again). */
  private scheduleResume(): void {
    if (this.resumeTimer) clearTimeout(this.resumeTimer);
    this.resumeTimer = setTimeout(() => {
      this.resumeTimer = null;
      if (Date.now() < this.pausedUntil) this.scheduleResume();
      else this.flush();
    }, Math.max(1, this.pausedUntil - Date.now()));
  }

  private flush(): void {
    while (this.queue.length > 0 && this.isOpen() && Date.now() >= this.pausedUntil) {
      this.write(this.queue.shift()!.message);
    }
  }

  private write(message: WSMessage): void {
    this.socket!.send(JSON.stringify(message));
    if (message.id) {
      this.recent.set(message.id, { message, seq: ++this.sent });
      if (this.recent.size > RESEND_WINDOW) this.recent.delete(this.recent.keys().next().value as string);
    }
  }

  private isOpen(): boolean {
    return this.connected.value && this.socket !== null && this.socket.readyState === OPEN;
  }

  private emit(type: string, payload: unknown, message: WSMessage): void {
    for (const key of [type, '*']) {
      for (const handler of [...(this.handlers.get(key) ?? [])]) {
        try {
          handler(payload, message);
        } catch (error) {
          console.error(`[switchboard] a '${type}' handler threw:`, error);
        }
      }
    }
  }

  private clearReconnect(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  private newId(): string {
    return `v${++this.nextId}`;
  }

  private log(...args: unknown[]): void {
    if (this.options.debug) console.debug('[switchboard]', ...args);
  }
}

const connections = new Map<string, RoomsConnection>();

function defaultUrl(): string {
  const location = (globalThis as any).location;
  if (!location) throw new Error('useWebSocket: no page origin here; pass options.url');
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/ws`;
}

/**
 * Seed 004's composable. Every call with the same URL shares one connection (the server
 * allows 5 per user); the cookie session goes with the upgrade as the browser sends it.
 * Rooms subscribed before the socket opens are joined once it does, and all rooms again
 * after each reconnect (jittered backoff from `reconnectDelay`, at most
 * `maxReconnectAttempts`). Messages sent while offline are queued in order. Handlers
 * registered inside a component are removed when it unmounts, and the connection closes
 * when the last component using it is gone.
 */
export function useWebSocket(options: UseWebSocketOptions = {}): UseWebSocket {
  const url = options.url ?? defaultUrl();
  let connection = connections.get(url);
  if (!connection) connections.set(url, (connection = new RoomsConnection(url, options)));
  const c = connection;
  const scoped = getCurrentScope() !== undefined;
  const offs = new Set<() => void>();
  if (scoped) {
    c.users++;
    onScopeDispose(() => {
      for (const off of offs) off();
      if (--c.users === 0) {
        c.disconnect();
        connections.delete(url);
      }
    });
  }
  const on = (type: string, handler: WSHandler): (() => void) => {
    const remove = c.on(type, handler);
    const off = () => {
      remove();
      offs.delete(off);
    };
    offs.add(off);
    return off;
  };
  if (options.autoConnect) c.connect();
  return {
    connected: c.connected,
    connectionId: c.connectionId,
    userId: c.userId,
    lastError: c.lastError,
    connect: () => c.connect(),
    disconnect: () => c.disconnect(),
    send: (message) => c.send(message),
    sendMessage: (type, payload) => c.sendMessage(type, payload),
    sendToRoom: (room, content) => c.sendMessage('message', { room, content }),
    ping: () => c.sendMessage('ping'),
    subscribe: (room) => c.subscribe(room),
    unsubscribe: (room) => c.unsubscribe(room),
    on,
    once: (type, handler) => {
      const off = on(type, (payload, message) => {
        off();
        handler(payload, message);
      });
      return off;
    },
  };
}
