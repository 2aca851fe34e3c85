// The benchmark peer for presence and cursors: a Node `ws` server speaking the subset of
// the envelope dialect that `switchboard-bench --mode cursors` uses (?token= HS256 auth,
// SUBSCRIBE with USER_JOINED/USER_LEFT per user, CURSOR_POSITION relayed to the other
// members at most 20 times per second per connection, the latest position winning).
// Usage: PORT=3101 JWT_SECRET=... node envelope_peer.js
'use strict';
const { verifier } = require('./hs256_token');
const { WebSocketServer } = require('ws');

const port = Number(process.env.PORT || 3101);
const secret = process.env.JWT_SECRET || 'switchboard-development-secret-change-me';
const CURSOR_INTERVAL_MS = 50;
const channels = new Map(); // channel -> Set<ws>
let ids = 0;

const verify = verifier(secret);
const envelope = (type, payload) => JSON.stringify({ id: 'm-' + ++ids, type, timestamp: new Date().toISOString(), payload });
const usersIn = (channel, userId) => [...(channels.get(channel) || [])].filter((s) => s.user.id === userId).length;
function broadcast(channel, text, except) {
  for (const s of channels.get(channel) || []) if (s !== except) s.send(text);
}

const wss = new WebSocketServer({ port, path: '/ws', perMessageDeflate: false });
wss.on('connection', (ws, req) => {
  const claims = verify(new URL(req.url, 'http://x').searchParams.get('token'));
  if (!claims) return ws.close(1008, 'authentication failed');
  ws.user = { id: claims.sub, name: claims.name || null };
  ws.joined = new Set();
  ws.cursor = new Map(); // channel -> { last, pending, timer }
  ws.send(envelope('CONNECTION_ESTABLISHED', { sessionId: 's-' + ids, userId: ws.user.id, permissions: claims.permissions || [] }));
  ws.on('message', (raw) => {
    let m;
    try { m = JSON.parse(raw); } catch { return ws.send(envelope('ERROR', { code: 'INVALID_MESSAGE' })); }
    if (m.type === 'SUBSCRIBE') {
      for (const c of m.payload.channels) {
        if (!channels.has(c)) channels.set(c, new Set());
        const first = usersIn(c, ws.user.id) === 0;
        channels.get(c).add(ws);
        ws.joined.add(c);
        if (first) broadcast(c, envelope('USER_JOINED', { channelId: c, user: ws.user }), ws);
      }
      return ws.send(envelope('SUBSCRIPTION_CONFIRMED', { channels: m.payload.channels, failed: [] }));
    }
    if (m.type === 'CURSOR_POSITION') {
      const c = m.payload.channelId || 'document:' + m.payload.documentId;
      if (!ws.joined.has(c)) return ws.send(envelope('ERROR', { code: 'FORBIDDEN' }));
      const { userId, user, ...fields } = m.payload;
      const text = () => envelope('CURSOR_POSITION', { channelId: c, userId: ws.user.id, user: ws.user, ...fields });
      const state = ws.cursor.get(c) || { last: 0, pending: null, timer: null };
      ws.cursor.set(c, state);
      const now = Date.now();
      if (now - state.last >= CURSOR_INTERVAL_MS) {
        state.last = now;
        broadcast(c, text(), ws);
      } else {
        state.pending = text;
        if (!state.timer) {
          state.timer = setTimeout(() => {
            state.timer = null;
            state.last = Date.now();
            if (state.pending) broadcast(c, state.pending(), ws);
            state.pending = null;
          }, CURSOR_INTERVAL_MS - (now - state.last));
        }
      }
    }
  });
  ws.on('close', () => {
    for (const c of ws.joined) {
      channels.get(c).delete(ws);
      const state = ws.cursor.get(c);
      if (state?.timer) clearTimeout(state.timer);
      if (usersIn(c, ws.user.id) === 0) broadcast(c, envelope('USER_LEFT', { channelId: c, userId: ws.user.id }));
    }
  });
});
wss.on('listening', () => console.error(JSON.stringify({ event: 'server.listening', port })));
