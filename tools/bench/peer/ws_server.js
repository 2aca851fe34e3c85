// The benchmark peer: a Node `ws` server speaking the subset of the topics dialect that
// tools/bench uses (auth with an HS256 JWT, subscribe to exact topics, publish, ping),
// written the way a Node application would. Each publication is serialised once and sent
// to every subscriber. Usage: PORT=3100 JWT_SECRET=... node ws_server.js
// TLS_CERT and TLS_KEY (PEM files) serve wss:// through Node's https server; DEFLATE=1 turns
// on permessage-deflate as Switchboard has it by default (no context takeover either way,
// messages of 256 bytes and more compressed).
'use strict';
const fs = require('fs');
const https = require('https');
const { verifier } = require('./hs256_token');
const { WebSocketServer } = require('ws');

const port = Number(process.env.PORT || 3100);
const secret = process.env.JWT_SECRET || 'switchboard-development-secret-change-me';
const topics = new Map();
let connections = 0;
let publications = 0;

const verify = verifier(secret);

const now = () => new Date().toISOString();
const deflate = process.env.DEFLATE === '1'
  ? { serverNoContextTakeover: true, clientNoContextTakeover: true, threshold: 256 }
  : false;
let tlsServer = null;
if (process.env.TLS_CERT) {
  tlsServer = https.createServer({ cert: fs.readFileSync(process.env.TLS_CERT), key: fs.readFileSync(process.env.TLS_KEY) });
}
const wss = new WebSocketServer({
  ...(tlsServer ? { server: tlsServer } : { port }), path: '/ws', perMessageDeflate: deflate, maxPayload: 1 << 20,
});
if (tlsServer) tlsServer.listen(port);
wss.on('connection', (ws) => {
  ws.id = 'conn-' + ++connections;
  ws.user = null;
  ws.subs = new Set();
  ws.on('message', (raw) => {
    let m;
    try {
      m = JSON.parse(raw);
    } catch {
      ws.send(JSON.stringify({ type: 'error', code: 400, message: 'Invalid message format', timestamp: now() }));
      return;
    }
    if (m.type === 'ping') return ws.send(JSON.stringify({ type: 'pong', timestamp: now() }));
    if (m.type === 'auth') {
      const claims = verify(m.token);
      if (!claims) return ws.send(JSON.stringify({ type: 'auth_error', message: 'Invalid token', code: 401, timestamp: now() }));
      ws.user = claims.sub;
      return ws.send(JSON.stringify({ type: 'auth_success', userId: ws.user, timestamp: now() }));
    }
    if (!ws.user) return ws.send(JSON.stringify({ type: 'error', code: 401, message: 'Authentication required', timestamp: now() }));
    if (m.type === 'subscribe') {
      if (!topics.has(m.topic)) topics.set(m.topic, new Set());
      topics.get(m.topic).add(ws);
      ws.subs.add(m.topic);
      return ws.send(JSON.stringify({ type: 'subscribed', topic: m.topic, timestamp: now() }));
    }
    if (m.type === 'message') {
      const subscribers = topics.get(m.topic);
      const out = JSON.stringify({
        type: 'message', topic: m.topic, eventType: m.eventType || 'message', data: m.data,
        metadata: { ...(m.metadata || {}), senderId: ws.user, senderConnectionId: ws.id },
        id: 'p-' + ++publications, timestamp: now(),
      });
      if (subscribers) for (const s of subscribers) s.send(out);
    }
  });
  ws.on('close', () => {
    for (const t of ws.subs) topics.get(t)?.delete(ws);
  });
});
wss.on('listening', () => console.error(JSON.stringify({ event: 'server.listening', port })));
