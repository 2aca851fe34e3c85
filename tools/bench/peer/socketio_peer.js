// The Socket.IO benchmark peer: a Node `socket.io` server doing what Switchboard's socketio
// dialect does in the benchmark, written the way a Node application would. Clients connect
// with `auth: {token}` (HS256, checked in a middleware) and the `artifactId` query parameter,
// and join their company's room and their artifact's room. Publishers use the topics subset
// of ws_server.js on /ws of the same port (`auth`, then `message` to a topic); a publication to
// `company:<id>` becomes an UPDATE, serialised once, emitted to that room as a JSON string on
// the `message` event. Usage: PORT=3102 JWT_SECRET=... node socketio_peer.js
'use strict';
const { verifier } = require('./hs256_token');
const http = require('http');
const { Server } = require('socket.io');
const { WebSocketServer } = require('ws');

const port = Number(process.env.PORT || 3102);
const secret = process.env.JWT_SECRET || 'switchboard-development-secret-change-me';

const verify = verifier(secret);

const server = http.createServer();
// Upgrades to other paths (the publishers' /ws) are left to the ws server below.
const io = new Server(server, { path: '/socket.io/', perMessageDeflate: false, destroyUpgrade: false });
io.use((socket, next) => {
  const claims = verify(socket.handshake.auth && socket.handshake.auth.token);
  if (!claims) return next(new Error('Authentication failed'));
  socket.data.claims = claims;
  next();
});
io.on('connection', (socket) => {
  const company = socket.data.claims.companyId;
  if (!company) return;
  socket.join('company:' + company);
  const artifact = socket.handshake.query.artifactId;
  if (artifact) socket.join(`company:${company}:artifact:${artifact}`);
});

const publishers = new WebSocketServer({ noServer: true, perMessageDeflate: false });
server.on('upgrade', (req, socket, head) => {
  if (!req.url.startsWith('/ws')) return;
  publishers.handleUpgrade(req, socket, head, (ws) => publishers.emit('connection', ws));
});
publishers.on('connection', (ws) => {
  ws.on('message', (raw) => {
    let m;
    try {
      m = JSON.parse(raw);
    } catch {
      return;
    }
    if (m.type === 'auth') {
      ws.claims = verify(m.token);
      return ws.send(JSON.stringify(ws.claims ? { type: 'auth_success', userId: ws.claims.sub } : { type: 'auth_error' }));
    }
    if (m.type === 'message' && ws.claims) {
      io.to(m.topic).emit('message', JSON.stringify({ type: 'UPDATE', data: m.data }));
    }
  });
});
server.listen(port, () => console.error(JSON.stringify({ event: 'server.listening', port })));
