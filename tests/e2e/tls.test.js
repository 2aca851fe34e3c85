// wss:// and https:// with Node's real clients: `ws` (the topics and events dialects, a
// fan-out, a certificate it does not trust, a client certificate when the server asks for
// one, plain ws:// on the TLS port) and `socket.io-client` with its default transports
// (HTTPS long-polling, then the upgrade to wss://), certificates from scripts/make-cert.sh.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert');
const https = require('node:https');
const WebSocket = require('ws');
const { io } = require('socket.io-client');
const { startServer } = require('./support/server');
const { openClient, topicsClient, subscribeTopic, eventsClient } = require('./support/client');
const { makeCerts } = require('./support/certs');

let certs;
let server;

before(async () => {
  certs = makeCerts();
  server = await startServer(certs.env, { ca: certs.ca });
});
after(async () => {
  assert.strictEqual(await server.stop(), 0);
});

// Whether opening url with options fails, and how.
function refused(url, options) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, options);
    ws.once('open', () => {
      ws.close();
      resolve(null);
    });
    ws.once('unexpected-response', (req, res) => resolve(`HTTP ${res.statusCode}`));
    ws.once('error', (err) => resolve(err.code || err.message));
  });
}

test('topics over wss: three clients receive a publication of another', async () => {
  const clients = [];
  for (const user of ['ana', 'ben', 'cy']) clients.push(await topicsClient(server, user));
  for (const c of clients) await subscribeTopic(c, 'tls.updates');
  clients[0].send({ type: 'message', topic: 'tls.updates', data: { text: 'over TLS', big: 'x'.repeat(40000) } });
  for (const c of clients) {
    const m = await c.next((x) => x.type === 'message');
    assert.strictEqual(m.data.text, 'over TLS');
    assert.strictEqual(m.data.big.length, 40000);
  }
  for (const c of clients) c.ws.close();
});

test('events dialect over wss: connection.ready and a heartbeat answered', async () => {
  const c = await eventsClient(server, 'dana');
  assert.strictEqual(c.ready.type, 'connection.ready');
  c.request('connection.heartbeat.ping', {});
  await c.next((m) => m.type === 'connection.heartbeat.pong');
  c.ws.close();
});

test('ws refuses a server whose CA it does not trust, and a name the certificate lacks', async () => {
  // Node names it by the first check that failed: no issuer found, or the leaf unverifiable.
  assert.match(await refused(server.url('/echo'), {}), /^UNABLE_TO_(GET_ISSUER_CERT_LOCALLY|VERIFY_LEAF_SIGNATURE)$/);
  const stranger = makeCerts();
  assert.match(await refused(server.url('/echo'), { ca: stranger.ca }),
    /^UNABLE_TO_(GET_ISSUER_CERT_LOCALLY|VERIFY_LEAF_SIGNATURE)$/);
  assert.strictEqual(await refused(server.url('/echo'), { ca: certs.ca, servername: 'switchboard.example.com' }),
    'ERR_TLS_CERT_ALTNAME_INVALID');
});

test('plain ws:// on the TLS port is answered 400', async () => {
  assert.strictEqual(await refused(`ws://127.0.0.1:${server.port}/echo`, {}), 'HTTP 400');
});

test('https API: health and metrics count the handshakes', async () => {
  const get = (path) => new Promise((resolve, reject) => {
    https.get({ host: '127.0.0.1', port: server.port, path, ca: certs.ca, servername: 'localhost' }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    }).on('error', reject);
  });
  const health = await get('/health');
  assert.strictEqual(health.status, 200);
  assert.strictEqual(JSON.parse(health.body).status, 'ok');
  const metrics = await get('/metrics');
  assert.match(metrics.body, /^switchboard_tls_handshakes_total [1-9]\d*$/m);
});

test('a client certificate is required when tls_ca is set', async () => {
  const mutual = await startServer({ ...certs.env, SWITCHBOARD_TLS_CA: certs.caFile }, { ca: certs.ca });
  try {
    // Without one the server ends the handshake (TLS 1.3 tells the client after it finished).
    assert.notStrictEqual(await refused(mutual.url('/echo'), { ca: certs.ca }), null);
    const c = await openClient(mutual.url('/echo'), { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey });
    c.ws.send(JSON.stringify({ hello: 'mutual' }));
    assert.deepStrictEqual(await c.next(), { hello: 'mutual' });
    c.ws.close();
  } finally {
    assert.strictEqual(await mutual.stop(), 0);
  }
});

test('socket.io-client over https: long-polling, then the upgrade to wss', async () => {
  const socket = io(`https://127.0.0.1:${server.port}`, {
    path: '/realtime',
    auth: { token: server.token('eve', '--claim', 'sessionId=s-9') },
    query: { sessionId: 's-9' },
    ca: certs.ca,
    reconnection: false,
  });
  let firstTransport = null;
  const upgraded = new Promise((resolve) => {
    socket.io.once('open', () => {
      firstTransport = socket.io.engine.transport.name;
      socket.io.engine.once('upgrade', resolve);
    });
  });
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  assert.strictEqual(firstTransport, 'polling');
  await upgraded;
  assert.strictEqual(socket.io.engine.transport.name, 'websocket');
  const answer = await socket.timeout(5000).emitWithAck('message', JSON.stringify({ type: 'PING', requestId: 'r1' }))
    .catch(() => null);
  // Whatever the dialect answers to PING, the connection carried it over TLS and stays up.
  assert.ok(socket.connected, `disconnected (${answer})`);
  socket.close();
});
