// @switchboard/vue: seed 004's useWebSocket() composable on Switchboard's rooms dialect.
export { useWebSocket } from './use_websocket.js';
export type { UseWebSocket, UseWebSocketOptions, WSHandler, WSMessage } from './use_websocket.js';
