// The socketio dialect (seed 001) with the real `socket.io-client`: the seed's client code
// as written (default transports: HTTP long-polling, then the upgrade to WebSocket), and the
// flows below on each transport (polling then upgrade, WebSocket only, polling only): CONNECT
// errors, actions answered, failed, timed out and unknown, invalid requests, emitWithAck,
// company and artifact updates reaching exactly the right clients, the Engine.IO heartbeat,
// the request rate limit. Then binary events, the reference server's answers to bad polling
// requests, per-user and per-address limits, and reconnection after a server restart.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert');
const http = require('node:http');
const { io } = require('socket.io-client');
const { startServer } = require('./support/server');

const API_KEY = 'test-api-key';
let server;
let backend;
const backendCalls = [];

// The application's actions backend: what the gateway forwards actions to.
function startBackend() {
  return new Promise((resolve) => {
    const b = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        const call = { path: req.url, authorization: req.headers.authorization, body: JSON.parse(body) };
        backendCalls.push(call);
        const reply = (status, json) => {
          res.writeHead(status, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(json));
        };
        if (req.url === '/actions/someAction') return reply(200, { echoed: call.body.data, user: call.body.user });
        if (req.url === '/actions/restricted') return reply(403, { message: 'not allowed for this user' });
        if (req.url === '/actions/slow') return setTimeout(() => reply(200, { late: true }), 3000);
        return reply(404, { message: 'unknown action' });
      });
    });
    b.listen(0, '127.0.0.1', () => resolve(b));
  });
}

before(async () => {
  backend = await startBackend();
  server = await startServer({
    SWITCHBOARD_ACTIONS_URL: `http://127.0.0.1:${backend.address().port}/actions`,
    SWITCHBOARD_ACTION_TIMEOUT_MS: '1000',
  });
});
after(async () => {
  assert.strictEqual(await server.stop(), 0);
  backend.close();
});

const wait = (ms) => new Promise((r) => setTimeout(r, ms));

// The seed's connectWebSocket, as written but for the transport and the URL.
function connectWebSocket(token, sessionId, artifactId, path = '/realtime', transports = ['websocket']) {
  const socket = io(`ws://127.0.0.1:${server.port}`, {
    path,
    auth: { token },
    query: {
      sessionId,
      ...(artifactId && { artifactId }),
    },
    ...(transports && { transports }),
    reconnection: false,
  });
  socket.received = [];
  socket.on('message', (message) => {
    socket.received.push(typeof message === 'string' ? JSON.parse(message) : message);
  });
  return socket;
}

// The seed's sendAction, returning the requestId it used.
let counter = 0;
const sendAction = (socket, action, data) => {
  const message = { type: 'REQUEST', requestId: `${Date.now()}-${++counter}`, action, data };
  socket.emit('message', JSON.stringify(message));
  return message.requestId;
};

function connected(socket) {
  return new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
}

async function nextMessage(socket, predicate, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const i = socket.received.findIndex(predicate);
    if (i >= 0) return socket.received.splice(i, 1)[0];
    if (Date.now() > deadline) throw new Error('timeout waiting for a message');
    await wait(10);
  }
}

const token = (user, ...claims) => server.token(user, ...claims.flatMap((c) => ['--claim', c]));

async function postUpdate(body) {
  const res = await fetch(`http://127.0.0.1:${server.port}/api/updates`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const VARIANTS = [
  ['polling, then WebSocket (the library default)', undefined],
  ['WebSocket only', ['websocket']],
  ['polling only', ['polling']],
];

for (const [variant, transports] of VARIANTS) {
  const connect = (tok, sessionId, artifactId, path) => connectWebSocket(tok, sessionId, artifactId, path, transports);

  test(`the seed client connects on /realtime and gets RESPONSEs to its actions [${variant}]`, async () => {
    const socket = connect(token('ana', 'companyId=acme', 'sid=s-1'), 's-1');
    await connected(socket);
    const ping = sendAction(socket, 'ping', { key: 'value' });
    const response = await nextMessage(socket, (m) => m.requestId === ping);
    assert.strictEqual(response.type, 'RESPONSE');
    assert.strictEqual(response.action, 'ping');
    assert.strictEqual(response.data.pong, true);
    const who = sendAction(socket, 'whoami');
    const me = await nextMessage(socket, (m) => m.requestId === who);
    assert.deepStrictEqual(me.data, { userId: 'ana', name: null, companyId: 'acme', sessionId: 's-1', artifactId: null });
    socket.disconnect();
  });

  test(`the library default path /socket.io works too, and emitWithAck gets the answer as its ack [${variant}]`, async () => {
    const socket = connect(token('ben', 'companyId=acme'), 'any-session', undefined, '/socket.io');
    await connected(socket);
    const answer = await socket.timeout(5000).emitWithAck('message', JSON.stringify({ type: 'REQUEST', requestId: 'r-1', action: 'ping' }));
    const parsed = JSON.parse(answer);
    assert.strictEqual(parsed.type, 'RESPONSE');
    assert.strictEqual(parsed.requestId, 'r-1');
    // An object instead of a JSON string is accepted as well.
    socket.emit('message', { type: 'REQUEST', requestId: 'r-2', action: 'ping' });
    assert.strictEqual((await nextMessage(socket, (m) => m.requestId === 'r-2')).type, 'RESPONSE');
    socket.disconnect();
  });

  test(`unknown actions, invalid requests and non-JSON strings get ERRORs and the connection stays [${variant}]`, async () => {
    const socket = connect(token('cy', 'companyId=acme'), 's');
    await connected(socket);
    const unknown = sendAction(socket, 'launchRockets', {});
    const e1 = await nextMessage(socket, (m) => m.requestId === unknown);
    assert.strictEqual(e1.type, 'ERROR');
    assert.strictEqual(e1.error.code, 'ACTION_NOT_FOUND');
    socket.emit('message', JSON.stringify({ type: 'REQUEST', action: 'ping' }));
    const e2 = await nextMessage(socket, (m) => m.type === 'ERROR' && m.error.code === 'INVALID_REQUEST');
    assert.match(e2.error.message, /requestId/);
    socket.emit('message', 'not json at all');
    await nextMessage(socket, (m) => m.type === 'ERROR' && /not a JSON object/.test(m.error.message));
    const ok = sendAction(socket, 'ping');
    assert.strictEqual((await nextMessage(socket, (m) => m.requestId === ok)).type, 'RESPONSE');
    assert.ok(socket.connected);
    socket.disconnect();
  });

  test(`a bad token, a missing sessionId or one that is not the token's session are refused at CONNECT [${variant}]`, async () => {
    for (const [tok, session, pattern] of [
      ['not-a-token', 's', /Authentication failed/],
      [undefined, 's', /Authentication required/],
      [token('dan', 'companyId=acme'), '', /sessionId/],
      [token('dan', 'companyId=acme', 'sid=real'), 'forged', /does not match/],
    ]) {
      const socket = connect(tok, session);
      await assert.rejects(connected(socket), (err) => pattern.test(err.message));
      socket.disconnect();
    }
  });

  test(`updates reach the whole company, or only the clients of one artifact, and no other company [${variant}]`, async () => {
    const whole = connect(token('eve', 'companyId=acme'), 's');
    const onArtifact = connect(token('fay', 'companyId=acme'), 's', 'doc-7');
    const otherArtifact = connect(token('gus', 'companyId=acme'), 's', 'doc-8');
    const otherCompany = connect(token('hal', 'companyId=globex'), 's', 'doc-7');
    await Promise.all([whole, onArtifact, otherArtifact, otherCompany].map(connected));
    let r = await postUpdate({ companyId: 'acme', requestId: 'job-1', action: 'import', data: { progress: 50 } });
    assert.strictEqual(r.status, 200, JSON.stringify(r.body));
    for (const s of [whole, onArtifact, otherArtifact]) {
      const u = await nextMessage(s, (m) => m.type === 'UPDATE' && m.requestId === 'job-1');
      assert.deepStrictEqual(u, { type: 'UPDATE', requestId: 'job-1', action: 'import', data: { progress: 50 } });
    }
    r = await postUpdate({ companyId: 'acme', artifactId: 'doc-7', action: 'edited', data: { by: 'x' } });
    assert.strictEqual(r.status, 200);
    await nextMessage(onArtifact, (m) => m.type === 'UPDATE' && m.action === 'edited');
    await wait(300);
    for (const s of [whole, otherArtifact, otherCompany]) {
      assert.ok(!s.received.some((m) => m.action === 'edited' || m.requestId === 'job-1'), 'an update leaked');
    }
    assert.strictEqual((await postUpdate({ action: 'x' })).status, 400);
    // Only backends publish updates: no API key, no update.
    const anonymous = await fetch(`http://127.0.0.1:${server.port}/api/updates`, {
      method: 'POST', body: JSON.stringify({ companyId: 'acme', action: 'forged', data: {} }),
    });
    assert.strictEqual(anonymous.status, 401);
    // A company id holding separators is compared whole: "acme:artifact:doc-7" is not a way
    // into acme's artifact channel.
    const sneaky = connect(token('mal', 'companyId=acme:artifact:doc-7'), 's');
    await assert.rejects(connected(sneaky), /Not allowed/);
    sneaky.disconnect();
    await wait(200);
    for (const s of [whole, onArtifact, otherArtifact, otherCompany]) {
      assert.ok(!s.received.some((m) => m.action === 'forged'), 'an unauthenticated update was delivered');
      s.disconnect();
    }
  });

  test(`other actions go to the backend with the caller's token: answered, failed, timed out, unknown [${variant}]`, async () => {
    const tok = token('kim', 'companyId=acme', 'sid=s-9');
    const socket = connect(tok, 's-9', 'doc-1');
    await connected(socket);
    const ok = sendAction(socket, 'someAction', { key: 'value' });
    const answered = await nextMessage(socket, (m) => m.requestId === ok);
    assert.strictEqual(answered.type, 'RESPONSE');
    assert.deepStrictEqual(answered.data, { echoed: { key: 'value' }, user: { id: 'kim', companyId: 'acme' } });
    const call = backendCalls.find((c) => c.body.requestId === ok);
    assert.strictEqual(call.authorization, `Bearer ${tok}`);
    assert.deepStrictEqual(call.body, {
      requestId: ok, action: 'someAction', data: { key: 'value' }, user: { id: 'kim', companyId: 'acme' },
      sessionId: 's-9', artifactId: 'doc-1',
    });
    const denied = sendAction(socket, 'restricted', {});
    const e1 = await nextMessage(socket, (m) => m.requestId === denied);
    assert.deepStrictEqual([e1.type, e1.error.code, e1.error.message], ['ERROR', 'ACTION_FAILED', 'not allowed for this user']);
    const slow = sendAction(socket, 'slow', {});
    const quick = sendAction(socket, 'ping');  // a slow backend call holds up nothing else
    assert.strictEqual((await nextMessage(socket, (m) => m.requestId === quick)).type, 'RESPONSE');
    const e2 = await nextMessage(socket, (m) => m.requestId === slow, 4000);
    assert.deepStrictEqual([e2.type, e2.error.code], ['ERROR', 'TIMEOUT']);
    const unknown = sendAction(socket, 'noSuchThing', {});
    assert.strictEqual((await nextMessage(socket, (m) => m.requestId === unknown)).error.code, 'ACTION_NOT_FOUND');
    socket.disconnect();
  });

  test(`the Engine.IO heartbeat keeps a quiet client connected past several ping intervals [${variant}]`, async () => {
    const socket = connect(token('ivy', 'companyId=acme'), 's');
    await connected(socket);
    let disconnected = false;
    socket.on('disconnect', () => { disconnected = true; });
    await wait(3500); // ping interval 1 s, timeout 2 s in the test configuration
    assert.ok(!disconnected && socket.connected);
    const id = sendAction(socket, 'ping');
    assert.strictEqual((await nextMessage(socket, (m) => m.requestId === id)).type, 'RESPONSE');
    socket.disconnect();
  });

  test(`requests over the rate are refused with RATE_LIMITED and retryAfter [${variant}]`, async () => {
    const socket = connect(token('jo', 'companyId=acme'), 's');
    await connected(socket);
    const ids = Array.from({ length: 30 }, () => sendAction(socket, 'ping'));
    const answers = [];
    for (const id of ids) answers.push(await nextMessage(socket, (m) => m.requestId === id));
    const limited = answers.filter((m) => m.type === 'ERROR' && m.error.code === 'RATE_LIMITED');
    assert.ok(limited.length > 0 && limited.every((m) => m.error.retryAfter > 0), JSON.stringify(answers.slice(-2)));
    assert.ok(answers.filter((m) => m.type === 'RESPONSE').length >= 20);
    socket.disconnect();
  });
}
