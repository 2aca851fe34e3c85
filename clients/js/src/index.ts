// @switchboard/client: the events dialect's client (seed 003's BoardroomWebSocket).
export { BoardroomWebSocket } from './boardroom_websocket.js';
export type { BoardroomWebSocketOptions, RequestOptions } from './boardroom_websocket.js';
export { SwitchboardError } from './errors.js';
export { backoffDelay } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export type { SocketConstructor, SocketLike } from './transport.js';
export * from './messages.js';
