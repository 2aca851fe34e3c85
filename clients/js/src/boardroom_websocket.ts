import { backoffDelay, BackoffOptions } from './backoff.js';
import { Emitter } from './emitter.js';
import { errorFromServer, SwitchboardError } from './errors.js';
import {
  ConnectionReadyData,
  ConnectionState,
  EventMap,
  Message,
  RequestMap,
  StreamPosition,
  SubscriptionUpdateData,
} from './messages.js';
import { messageText, OPEN, socketConstructor, SocketConstructor, SocketLike } from './transport.js';

export interface BoardroomWebSocketOptions {
  /** The events dialect's endpoint, e.g. `wss://gateway.example.com/ws`. */
  url: string;
  /** The JWT to connect with (sent as the `token` query parameter, as the seed says). */
  token?: string;
  /**
   * Returns a fresh token. Called before the current one expires (the session is renewed
   * in place with `connection.token.refresh`) and when the server says it expired.
   * Without it, an expired token ends the client.
   */
  getToken?: () => string | Promise<string>;
  /** Reconnect after the connection drops (default true). */
  reconnect?: boolean;
  /** Log what the client does to the console, tokens left out (default false). */
  debug?: boolean;
  /** Sent as `clientId` for the server's session tracking. */
  clientId?: string;
  /** API version asked for (default "1.0"). */
  version?: string;
  /** Waits between reconnection attempts: full jitter, 500 ms doubling up to 30 s. */
  backoff?: BackoffOptions;
  /** Attempts in a row before giving up (default: never give up). */
  maxReconnectAttempts?: number;
  /** Messages kept while offline (default 1,000); beyond, send() throws QUEUE_FULL. */
  queueLimit?: number;
  /** How long sendAndWait and subscribe wait for their answer (default 10 s). */
  requestTimeoutMs?: number;
  /** Heartbeat period (default 25 s; 0 turns heartbeats off). */
  heartbeatIntervalMs?: number;
  /** A heartbeat unanswered this long means the connection is dead (default 10 s). */
  heartbeatTimeoutMs?: number;
  /** Renew the token this long before it expires (default 60 s, at most a fifth of its life). */
  refreshBeforeExpiryMs?: number;
  /** Connect at once (default true, as in the seed's example); else call connect(). */
  autoConnect?: boolean;
  /** The WebSocket implementation (default: the platform's, else Node's `ws`). */
  WebSocket?: SocketConstructor;
}

export interface RequestOptions {
  /** ms to wait for the answer (default: the client's requestTimeoutMs). */
  timeout?: number;
  /** Times a retryable error (RATE_LIMITED, SERVER_ERROR...) is retried (default 2). */
  retries?: number;
}

type Resolver<T> = { resolve: (value: T) => void; reject: (error: SwitchboardError) => void };

interface PendingRequest extends Resolver<Message> {
  timer: ReturnType<typeof setTimeout> | null;
  /** The message types that answer it (empty: any type). */
  answers: readonly string[];
}

/**
 * What the server answers each request with. A request settles only on one of these (or an
 * error) carrying its own correlation id, so no other message, whoever caused it, can
 * resolve it.
 */
const ANSWERS: Readonly<Record<string, readonly string[]>> = {
  'connection.heartbeat.ping': ['connection.heartbeat.pong'],
  'connection.token.refresh': ['connection.token.refreshed'],
  subscribe: ['subscription.update'],
  unsubscribe: ['subscription.update'],
  'meeting.join': ['meeting.participant.joined'],
  'meeting.leave': ['meeting.participant.left'],
  'meeting.chat.message': ['meeting.chat.message'],
  'decision.vote.cast': ['decision.vote.received'],
  'presence.update': ['presence.changed'],
  'presence.subscribe': ['presence.list'],
  'presence.unsubscribe': ['subscription.update'],
  'notification.acknowledge': ['notification.acknowledged'],
};

interface ChannelState {
  position?: StreamPosition;
  /** subscribe() calls waiting for the server's word on this channel. */
  waiters: Resolver<SubscriptionUpdateData>[];
  /** When the subscribe carrying it was sent (for its timeout). */
  sentAt: number;
}

interface Queued {
  id: string;
  text: string;
}

// A connection error that ends the client instead of reconnecting: reconnecting with the
// same credentials would only be refused again, and many clients doing so is a storm.
const FATAL_CLOSE_WITHOUT_RETRY = new Set(['AUTH_FAILED', 'PERMISSION_DENIED', 'INVALID_MESSAGE']);

let instances = 0;

/**
 * A client of Switchboard's events dialect with the API of seed 003's `BoardroomWebSocket`.
 * It connects on construction; calls made before the socket is open are queued and sent in
 * order once the server says `connection.ready`. It reconnects with jittered backoff,
 * subscribes again to its channels (resuming each from the last offset it saw), renews its
 * token before expiry and checks the connection with heartbeats.
 */
export class BoardroomWebSocket {
  private readonly options: BoardroomWebSocketOptions;
  private readonly emitter: Emitter;
  private readonly idPrefix: string;
  private nextId = 0;
  private token: string | undefined;
  private tokenExpired = false;
  private socket: SocketLike | null = null;
  private generation = 0;
  private currentState: ConnectionState = 'idle';
  private userClosed = false;
  private attempt = 0;
  private retryFloorMs = 0;
  private fatal: SwitchboardError | null = null;
  private lastConnectionError: SwitchboardError | null = null;
  private ready: ConnectionReadyData | null = null;
  private readonly queue: Queued[] = [];
  private readonly channels = new Map<string, ChannelState>();
  private readonly requests = new Map<string, PendingRequest>();
  private readonly sentRequests = new Set<string>();
  private readyWaiters: Resolver<void>[] = [];
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private heartbeatDeadline: ReturnType<typeof setTimeout> | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private subscribeTimer: ReturnType<typeof setInterval> | null = null;
  private pingSentAt = 0;
  private pingWaiters: Array<(latencyMs: number) => void> = [];
  private latencyMs: number | null = null;

  constructor(options: BoardroomWebSocketOptions) {
    if (!options || typeof options.url !== 'string') throw new TypeError('BoardroomWebSocket needs options.url');
    this.options = options;
    this.token = options.token;
    this.idPrefix = `c${(++instances).toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    this.emitter = new Emitter((type, error) => console.error(`[switchboard] a '${type}' handler threw:`, error));
    if (options.autoConnect !== false) this.connect().catch(() => {/* reported by 'client.stopped' */});
  }

  /** The connection's state: idle, connecting, open, reconnecting or closed. */
  get state(): ConnectionState {
    return this.currentState;
  }

  /** True once the server said `connection.ready`, until the connection drops. */
  get connected(): boolean {
    return this.currentState === 'open';
  }

  /** What the server said in its last `connection.ready` (session, user, permissions). */
  get session(): ConnectionReadyData | null {
    return this.ready;
  }

  /** The last heartbeat's round trip in ms, or null before the first. */
  get latency(): number | null {
    return this.latencyMs;
  }

  /** Messages waiting for the connection. */
  get queuedCount(): number {
    return this.queue.length;
  }

  /** Channels the client keeps subscribed (and subscribes again after a reconnect). */
  get subscriptions(): string[] {
    return [...this.channels.keys()];
  }

  /** The last position seen on a channel that keeps history, used to resume it. */
  position(channel: string): StreamPosition | undefined {
    return this.channels.get(channel)?.position;
  }

  /**
   * Opens the connection (again after close()). Resolves at `connection.ready`; rejects when
   * the client stops without getting there (bad token, attempts exhausted, close()).
   */
  connect(): Promise<void> {
    if (this.currentState === 'open') return Promise.resolve();
    const waiting = new Promise<void>((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
    if (this.currentState === 'idle' || this.currentState === 'closed') {
      this.userClosed = false;
      this.fatal = null;
      this.attempt = 0;
      void this.open();
    }
    return waiting;
  }

  /** Closes the connection for good (code 1000); pending requests are rejected with CLOSED. */
  close(code = 1000, reason = 'client closed'): void {
    this.userClosed = true;
    this.clearTimer('reconnectTimer');
    const socket = this.socket;
    this.dropSocket();
    if (socket) {
      try {
        socket.close(code, reason);
      } catch {
        /* already closing */
      }
    }
    this.stop(new SwitchboardError('CLOSED', reason));
  }

  /**
   * Adds a handler for a message type: `*` hears every server message, `client.*` types are
   * the client's own events. It receives `data`, then the message. Returns the function
   * that removes it.
   */
  on<K extends keyof EventMap>(type: K, handler: (data: EventMap[K], message: Message<EventMap[K]>) => void): () => void;
  on(type: string, handler: (data: any, message: Message) => void): () => void;
  on(type: string, handler: (data: any, message: any) => void): () => void {
    return this.emitter.on(type, handler);
  }

  /** Like on(), for the next message of that type only. */
  once<K extends keyof EventMap>(type: K, handler: (data: EventMap[K], message: Message<EventMap[K]>) => void): () => void;
  once(type: string, handler: (data: any, message: Message) => void): () => void;
  once(type: string, handler: (data: any, message: any) => void): () => void {
    return this.emitter.once(type, handler);
  }

  /** Removes a handler added with on(). */
  off(type: string, handler: (data: any, message: any) => void): void {
    this.emitter.off(type, handler);
  }

  /**
   * Subscribes to one channel or several. Resolves with the server's `subscription.update`;
   * rejects (PERMISSION_DENIED...) when a channel is refused. The client keeps the
   * channels and subscribes again after every reconnect, from the last offset it saw.
   */
  subscribe(channels: string | string[]): Promise<SubscriptionUpdateData> {
    const list = Array.isArray(channels) ? channels : [channels];
    const fresh: string[] = [];
    const answers = list.map((channel) => {
      let state = this.channels.get(channel);
      if (!state) {
        this.channels.set(channel, (state = { waiters: [], sentAt: 0 }));
        fresh.push(channel);
      }
      const entry = state;
      return new Promise<SubscriptionUpdateData>((resolve, reject) => entry.waiters.push({ resolve, reject }));
    });
    if (this.connected) {
      this.sendSubscribe(fresh.length > 0 ? fresh : list, false);
    }
    const all = Promise.all(answers).then((updates) => mergeUpdates(updates));
    all.catch(() => {/* also emitted as 'subscription.update'; callers that await see it */});
    return all;
  }

  /** Unsubscribes; the channels are no longer subscribed again after a reconnect. */
  unsubscribe(channels: string | string[]): Promise<SubscriptionUpdateData> {
    const list = Array.isArray(channels) ? channels : [channels];
    for (const channel of list) {
      const state = this.channels.get(channel);
      if (!state) continue;
      this.channels.delete(channel);
      for (const w of state.waiters) w.reject(new SwitchboardError('CANCELLED', `unsubscribed from ${channel}`));
    }
    if (!this.connected) return Promise.resolve({ subscribed: [], unsubscribed: list, failed: {} });
    const answer = this.request('unsubscribe', { channels: list }, {}).then((m) => m.data as SubscriptionUpdateData);
    answer.catch(() => {/* the channels are forgotten either way */});
    return answer;
  }

  /**
   * Sends a message (queued, in order, while the connection is not ready). Returns the
   * message id, which the server echoes as `metadata.correlationId` on what it causes.
   * Throws QUEUE_FULL when the offline queue is at its bound.
   */
  send<K extends keyof RequestMap>(type: K, data: RequestMap[K]): string;
  send(type: string, data?: unknown): string;
  send(type: string, data: unknown = {}): string {
    const id = this.newId();
    this.transmit(id, type, data);
    return id;
  }

  /**
   * Sends a message and resolves with the whole first answer that carries its correlation
   * id (e.g. `decision.vote.received`, so `response.data.status`). Rejects on an `error`
   * answer that is not retryable, after `retries` retryable ones (waiting retryAfter), on
   * timeout (TIMEOUT), and when the connection drops before the answer (CONNECTION_ERROR).
   */
  sendAndWait<K extends keyof RequestMap>(type: K, data: RequestMap[K], options?: RequestOptions): Promise<Message>;
  sendAndWait(type: string, data?: unknown, options?: RequestOptions): Promise<Message>;
  async sendAndWait(type: string, data: unknown = {}, options: RequestOptions = {}): Promise<Message> {
    let retries = options.retries ?? 2;
    for (;;) {
      try {
        return await this.request(type, data, options);
      } catch (error) {
        const e = error as SwitchboardError;
        if (!(e instanceof SwitchboardError) || !e.retryable || e.code === 'TIMEOUT' || retries <= 0) throw e;
        retries--;
        await sleep(e.retryAfter ?? backoffDelay(1, this.options.backoff));
        if (this.userClosed) throw new SwitchboardError('CLOSED', 'client closed');
      }
    }
  }

  /** Sends a heartbeat now; resolves with its round trip in ms. */
  ping(): Promise<number> {
    const answer = new Promise<number>((resolve) => this.pingWaiters.push(resolve));
    this.sendHeartbeat();
    return answer;
  }

  // ---- the connection ----

  private async open(): Promise<void> {
    const generation = ++this.generation;
    this.setState(this.attempt > 0 ? 'reconnecting' : 'connecting');
    let Socket: SocketConstructor;
    try {
      if (this.options.getToken && (this.tokenExpired || !this.token)) {
        this.token = await this.options.getToken();
        this.tokenExpired = false;
      }
      Socket = await socketConstructor(this.options.WebSocket);
    } catch (error) {
      if (generation !== this.generation || this.userClosed) return;
      this.log('could not prepare the connection:', error);
      this.connectionLost(1006, String(error));
      return;
    }
    if (generation !== this.generation || this.userClosed) return;
    let socket: SocketLike;
    try {
      socket = new Socket(this.connectUrl());
    } catch (error) {
      this.stop(new SwitchboardError('INVALID_URL', String(error)));
      return;
    }
    this.socket = socket;
    this.lastConnectionError = null;
    this.log('connecting to', this.connectUrl().replace(/token=[^&]*/, 'token=[redacted]'));
    socket.onmessage = (event) => {
      if (generation === this.generation) this.onMessage(event.data);
    };
    socket.onclose = (event) => {
      if (generation === this.generation) this.connectionLost(event.code, event.reason);
    };
    socket.onerror = () => {
      // The close event follows with what there is to know.
    };
  }

  private connectUrl(): string {
    const params: string[] = [];
    if (this.token) params.push(`token=${encodeURIComponent(this.token)}`);
    if (this.options.clientId) params.push(`clientId=${encodeURIComponent(this.options.clientId)}`);
    params.push(`version=${encodeURIComponent(this.options.version ?? '1.0')}`);
    const url = this.options.url;
    return url + (url.includes('?') ? '&' : '?') + params.join('&');
  }

  private onMessage(raw: unknown): void {
    const text = messageText(raw);
    let message: Message;
    try {
      message = JSON.parse(text ?? '');
    } catch {
      this.log('ignored a message that is not JSON');
      return;
    }
    if (!message || typeof message !== 'object' || typeof message.type !== 'string') {
      this.log('ignored a message without a type');
      return;
    }
    if (!message.metadata || typeof message.metadata !== 'object') message.metadata = {};
    this.notePosition(message);
    switch (message.type) {
      case 'connection.ready':
        this.onReady(message.data as ConnectionReadyData);
        break;
      case 'connection.error':
        this.onConnectionError(message);
        break;
      case 'connection.heartbeat.pong':
        this.onPong();
        break;
      case 'connection.token.refreshed':
        this.scheduleRefresh(message.data?.expiresAt);
        break;
      case 'subscription.update':
        this.onSubscriptionUpdate(message.data as SubscriptionUpdateData);
        break;
    }
    this.settleRequest(message);
    this.emitter.emit(message.type, message.data, message);
  }

  private onReady(data: ConnectionReadyData): void {
    this.ready = data;
    this.attempt = 0;
    this.retryFloorMs = 0;
    this.setState('open');
    this.log('ready as', data.userId);
    this.startHeartbeat();
    this.scheduleRefresh(data.expiresAt);
    if (this.channels.size > 0) this.sendSubscribe([...this.channels.keys()], true);
    for (const queued of this.queue.splice(0)) this.write(queued.id, queued.text);
    for (const w of this.readyWaiters.splice(0)) w.resolve();
  }

  private onConnectionError(message: Message): void {
    const error = errorFromServer(message.data);
    this.lastConnectionError = error;
    this.log('connection error', error.code, error.message);
    if (error.retryAfter) this.retryFloorMs = error.retryAfter;
    if (error.code === 'AUTH_EXPIRED' || (error.code === 'AUTH_FAILED' && error.retryable)) {
      // An expired token: worth another try only with a new one.
      if (this.options.getToken) this.tokenExpired = true;
      else this.fatal = error;
    } else if (!error.retryable || FATAL_CLOSE_WITHOUT_RETRY.has(error.code)) {
      this.fatal = error;
    }
  }

  private connectionLost(code: number, reason: string): void {
    this.dropSocket();
    this.log('connection closed', code, reason);
    const lost = new SwitchboardError('CONNECTION_ERROR', `connection closed (${code}${reason ? ' ' + reason : ''})`, {
      retryable: true,
    });
    for (const id of this.sentRequests) this.rejectRequest(id, lost);
    this.sentRequests.clear();
    for (const state of this.channels.values()) state.sentAt = 0;
    if (this.userClosed) return;
    if (this.fatal) return this.stop(this.fatal);
    if (this.options.reconnect === false) {
      return this.stop(this.lastConnectionError ?? new SwitchboardError('CONNECTION_ERROR', lost.message));
    }
    const limit = this.options.maxReconnectAttempts ?? Infinity;
    if (this.attempt >= limit) {
      return this.stop(new SwitchboardError('RECONNECT_FAILED', `gave up after ${this.attempt} attempts`));
    }
    const delayMs = backoffDelay(this.attempt, this.options.backoff, this.retryFloorMs);
    this.attempt++;
    this.retryFloorMs = 0;
    this.setState('reconnecting');
    this.log(`reconnecting in ${delayMs} ms (attempt ${this.attempt})`);
    this.emitter.emit('client.reconnecting', { attempt: this.attempt, delayMs }, null, false);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.open();
    }, delayMs);
  }

  /** Detaches the current socket: its later events are ignored. */
  private dropSocket(): void {
    this.generation++;
    if (this.socket) {
      this.socket.onmessage = null;
      this.socket.onclose = null;
      // Not null: Node's `ws` reports closing a socket that is still connecting as an
      // 'error' event, which with no listener would be an uncaught exception.
      this.socket.onerror = () => {};
    }
    this.socket = null;
    this.clearTimer('heartbeatTimer');
    this.clearTimer('heartbeatDeadline');
    this.clearTimer('refreshTimer');
    this.clearTimer('subscribeTimer');
  }

  /** Ends the client: no more reconnecting; everything waiting is told why. */
  private stop(error: SwitchboardError): void {
    const wasStopped = this.currentState === 'closed';
    this.setState('closed');
    for (const w of this.readyWaiters.splice(0)) w.reject(error);
    for (const id of [...this.requests.keys()]) this.rejectRequest(id, error);
    this.sentRequests.clear();
    for (const state of this.channels.values()) {
      for (const w of state.waiters.splice(0)) w.reject(error);
    }
    if (!wasStopped) {
      if (error.code !== 'CLOSED') console.warn(`[switchboard] stopped: ${error.code} ${error.message}`);
      this.emitter.emit('client.stopped', { code: error.code, message: error.message }, null, false);
    }
  }

  private setState(state: ConnectionState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.emitter.emit('client.state', { state }, null, false);
  }

  // ---- messages out ----

  private newId(): string {
    return `${this.idPrefix}-${++this.nextId}`;
  }

  private transmit(id: string, type: string, data: unknown): void {
    const text = JSON.stringify({ id, type, data, metadata: { correlationId: id, timestamp: new Date().toISOString() } });
    if (this.connected && this.socket) {
      this.write(id, text);
      return;
    }
    const limit = this.options.queueLimit ?? 1000;
    if (this.queue.length >= limit) {
      throw new SwitchboardError('QUEUE_FULL', `${limit} messages already wait for the connection`, { retryable: true });
    }
    this.queue.push({ id, text });
  }

  private write(id: string, text: string): void {
    if (!this.socket || this.socket.readyState !== OPEN) {
      this.queue.push({ id, text });
      return;
    }
    this.socket.send(text);
    if (this.requests.has(id)) this.sentRequests.add(id);
  }

  private request(type: string, data: unknown, options: RequestOptions): Promise<Message> {
    const id = this.newId();
    const timeout = options.timeout ?? this.options.requestTimeoutMs ?? 10_000;
    const answer = new Promise<Message>((resolve, reject) => {
      const timer = setTimeout(
        () => this.rejectRequest(id, new SwitchboardError('TIMEOUT', `no answer to ${type} within ${timeout} ms`, { retryable: true })),
        timeout,
      );
      this.requests.set(id, { resolve, reject, timer, answers: ANSWERS[type] ?? [] });
    });
    try {
      this.transmit(id, type, data);
    } catch (error) {
      this.rejectRequest(id, error as SwitchboardError);
    }
    return answer;
  }

  private settleRequest(message: Message): void {
    const error = message.type === 'error' || message.type === 'connection.error';
    // An error names the request in its data too; any other answer only in its metadata.
    const id = message.metadata?.correlationId ?? (error && message.data ? message.data.correlationId : undefined);
    if (typeof id !== 'string') return;
    const pending = this.requests.get(id);
    if (!pending) return;
    if (error) {
      this.rejectRequest(id, errorFromServer(message.data));
      return;
    }
    if (pending.answers.length > 0 && !pending.answers.includes(message.type)) return;
    this.requests.delete(id);
    this.sentRequests.delete(id);
    if (pending.timer) clearTimeout(pending.timer);
    pending.resolve(message);
  }

  private rejectRequest(id: string, error: SwitchboardError): void {
    const pending = this.requests.get(id);
    if (!pending) return;
    this.requests.delete(id);
    this.sentRequests.delete(id);
    if (pending.timer) clearTimeout(pending.timer);
    const at = this.queue.findIndex((q) => q.id === id);
    if (at >= 0) this.queue.splice(at, 1);  // a request given up on is not sent later
    pending.reject(error);
  }

  // ---- subscriptions ----

  /**
   * Sends `subscribe` for these channels, with `since` for each whose position is known,
   * in messages of at most 100 channels (the server's bound).
   */
  private sendSubscribe(channels: string[], resuming: boolean): void {
    for (let i = 0; i < channels.length; i += 100) {
      const batch = channels.slice(i, i + 100);
      const since: Record<string, StreamPosition> = {};
      for (const channel of batch) {
        const state = this.channels.get(channel);
        if (state) state.sentAt = Date.now();
        if (resuming && state?.position) since[channel] = state.position;
      }
      this.send('subscribe', Object.keys(since).length > 0 ? { channels: batch, since } : { channels: batch });
    }
    this.watchSubscribeTimeouts();
  }

  private watchSubscribeTimeouts(): void {
    if (this.subscribeTimer) return;
    const timeout = this.options.requestTimeoutMs ?? 10_000;
    this.subscribeTimer = setInterval(() => {
      let waiting = false;
      for (const [channel, state] of this.channels) {
        if (state.waiters.length === 0 || state.sentAt === 0) continue;
        if (Date.now() - state.sentAt < timeout) {
          waiting = true;
          continue;
        }
        const error = new SwitchboardError('TIMEOUT', `no answer to subscribe ${channel}`, { retryable: true });
        for (const w of state.waiters.splice(0)) w.reject(error);
      }
      if (!waiting) this.clearTimer('subscribeTimer');
    }, Math.min(timeout, 1000));
  }

  private onSubscriptionUpdate(data: SubscriptionUpdateData): void {
    if (!data || typeof data !== 'object') return;
    for (const channel of data.subscribed ?? []) {
      const state = this.channels.get(channel);
      if (!state) continue;
      const stream = data.streams?.[channel];
      if (stream && typeof stream.offset === 'number') {
        if (state.position && stream.recovered === false) {
          this.emitter.emit('client.recovery.failed', { channel }, null, false);
        }
        state.position = { offset: stream.offset, epoch: stream.epoch };
      }
      for (const w of state.waiters.splice(0)) w.resolve(data);
    }
    for (const [channel, reason] of Object.entries(data.failed ?? {})) {
      const state = this.channels.get(channel);
      if (!state) continue;
      this.channels.delete(channel);  // refused: not asked again after a reconnect
      const code = /permission/i.test(reason) ? 'PERMISSION_DENIED' : 'SUBSCRIBE_FAILED';
      for (const w of state.waiters.splice(0)) w.reject(new SwitchboardError(code, `${channel}: ${reason}`));
    }
  }

  /** Remembers the offset of each publication on a subscribed channel, to resume from it. */
  private notePosition(message: Message): void {
    const { channel, offset, epoch } = message.metadata;
    if (typeof channel !== 'string' || typeof offset !== 'number' || typeof epoch !== 'string') return;
    const state = this.channels.get(channel);
    if (state && (!state.position || state.position.epoch !== epoch || offset > state.position.offset)) {
      state.position = { offset, epoch };
    }
  }

  // ---- heartbeats and token renewal ----

  private startHeartbeat(): void {
    const every = this.options.heartbeatIntervalMs ?? 25_000;
    if (every <= 0) return;
    this.heartbeatTimer = setInterval(() => this.sendHeartbeat(), every);
  }

  private sendHeartbeat(): void {
    if (!this.connected) return;
    this.pingSentAt = Date.now();
    this.send('connection.heartbeat.ping', { timestamp: new Date(this.pingSentAt).toISOString() });
    if (this.heartbeatDeadline) return;
    const timeout = this.options.heartbeatTimeoutMs ?? 10_000;
    this.heartbeatDeadline = setTimeout(() => {
      this.heartbeatDeadline = null;
      this.log(`no heartbeat answer within ${timeout} ms: the connection is dead`);
      const socket = this.socket;
      this.connectionLost(4000, 'heartbeat timeout');
      try {
        socket?.close(4000, 'heartbeat timeout');
      } catch {
        /* already gone */
      }
    }, timeout);
  }

  private onPong(): void {
    this.clearTimer('heartbeatDeadline');
    if (this.pingSentAt === 0) return;
    this.latencyMs = Date.now() - this.pingSentAt;
    this.emitter.emit('client.latency', { latencyMs: this.latencyMs }, null, false);
    for (const resolve of this.pingWaiters.splice(0)) resolve(this.latencyMs);
  }

  private scheduleRefresh(expiresAt: string | null | undefined): void {
    this.clearTimer('refreshTimer');
    const getToken = this.options.getToken;
    if (!getToken || !expiresAt) return;
    const remaining = Date.parse(expiresAt) - Date.now();
    if (!(remaining > 0)) return;
    const lead = Math.min(this.options.refreshBeforeExpiryMs ?? 60_000, remaining / 5);
    this.refreshTimer = setTimeout(async () => {
      this.refreshTimer = null;
      try {
        const token = await getToken();
        this.token = token;
        if (this.connected) this.send('connection.token.refresh', { token });
      } catch (error) {
        this.log('getToken failed; the session ends when the token expires:', error);
      }
    }, remaining - lead);
  }

  private clearTimer(name: 'reconnectTimer' | 'heartbeatTimer' | 'heartbeatDeadline' | 'refreshTimer' | 'subscribeTimer'): void {
    const timer = this[name];
    if (timer) {
      clearTimeout(timer as any);
      this[name] = null;
    }
  }

  private log(...args: unknown[]): void {
    if (this.options.debug) console.debug('[switchboard]', ...args);
  }
}

function mergeUpdates(updates: SubscriptionUpdateData[]): SubscriptionUpdateData {
  if (updates.length === 1) return updates[0];
  const merged: SubscriptionUpdateData = { subscribed: [], failed: {} };
  for (const u of new Set(updates)) {
    merged.subscribed.push(...u.subscribed);
    Object.assign(merged.failed, u.failed);
    if (u.streams) merged.streams = { ...merged.streams, ...u.streams };
    if (u.recovered !== undefined) merged.recovered = (merged.recovered ?? true) && u.recovered;
  }
  merged.subscribed = [...new Set(merged.subscribed)];
  return merged;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
