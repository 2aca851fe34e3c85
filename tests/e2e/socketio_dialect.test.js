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
const WebSocket = require('ws');
const { startServer } = require('./support/server');
const { extractSocketIoClient, seedDocument, vendored } = require('./support/seed_extract');

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

async function waitFor(probe, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timeout waiting for ' + probe.toString());
    await wait(10);
  }
}

// Runs the seed's client code as written: only its import becomes a parameter, the host
// placeholder becomes this server, and its console is captured.
function runSeedClient() {
  const code = vendored('socketio_client.js')
    .replace("import { io } from 'socket.io-client';", '')
    .replace('ws://your-domain', `ws://127.0.0.1:${server.port}`);
  const logs = [];
  const capture = (...args) => logs.push(args);
  const run = new Function('io', 'console', `${code}\nreturn { connectWebSocket, sendAction, socket };`);
  return { ...run(io, { log: capture, error: capture }), logs };
}

const logged = (seed, label, predicate = () => true) =>
  waitFor(() => seed.logs.find(([l, m]) => l === label && predicate(m)));

test('the seed\'s client code runs as written: polling, the upgrade, responses, updates, errors', async () => {
  const doc = seedDocument('001_58dfc27e3300493d.txt');
  if (doc) {
    assert.strictEqual(vendored('socketio_client.js'), extractSocketIoClient(doc)['socketio_client.js'],
      'seed/socketio_client.js differs from the seed; run support/seed_extract.js');
  }
  const seed = runSeedClient();
  // Its own usage example connects with 'your-jwt-token': refused at CONNECT, as it logs.
  const refused = await logged(seed, 'Connection error:');
  assert.match(refused[1].message, /Authentication failed/);
  seed.socket.disconnect();
  const socket = seed.connectWebSocket(token('zed', 'companyId=acme', 'sid=z-1'), 'z-1', 'doc-1');
  await logged(seed, 'Connected to WebSocket server');
  await waitFor(() => socket.io.engine.transport.name === 'websocket');  // upgraded from polling
  seed.sendAction(socket, 'someAction', { key: 'value' });
  const response = await logged(seed, 'Received response:', (m) => m.action === 'someAction');
  assert.deepStrictEqual(response[1].data, { echoed: { key: 'value' }, user: { id: 'zed', companyId: 'acme' } });
  const r = await postUpdate({ companyId: 'acme', artifactId: 'doc-1', requestId: 'seed-job', action: 'import', data: { n: 1 } });
  assert.strictEqual(r.status, 200);
  await logged(seed, 'Received update:', (m) => m.requestId === 'seed-job');
  seed.sendAction(socket, 'noSuchThing', {});
  await logged(seed, 'Received error:', (m) => m.error.code === 'ACTION_NOT_FOUND');
  socket.disconnect();
  await logged(seed, 'Disconnected from WebSocket server');
});

// Cost review C5: '.' and '..' passed the old name check and libcurl collapsed them, so the
// caller's token was POSTed to the backend's parent path.
test('action names that are not one plain path segment are refused before anything reaches the backend', async () => {
  const socket = connectWebSocket(token('kim', 'companyId=acme', 'sid=s-9'), 's-9');
  await connected(socket);
  const before = backendCalls.length;
  for (const name of ['.', '..', '%2e%2e', '%2E.', 'a/b', '../admin', 'a..b']) {
    const id = sendAction(socket, name, {});
    const error = await nextMessage(socket, (m) => m.requestId === id);
    assert.deepStrictEqual([error.type, error.error.code], ['ERROR', 'INVALID_REQUEST'], name);
  }
  const ok = sendAction(socket, 'someAction', {});
  assert.strictEqual((await nextMessage(socket, (m) => m.requestId === ok)).type, 'RESPONSE');
  assert.deepStrictEqual(backendCalls.slice(before).map((c) => c.path), ['/actions/someAction']);
  socket.disconnect();
});

test('binary events: attachments reach actions and come back as BINARY_ACK or BINARY_EVENT', async () => {
  const bytes = Buffer.from([0, 1, 2, 253, 254, 255]);
  for (const transports of [['websocket'], ['polling']]) {
    const t = transports[0];
    const socket = connectWebSocket(token('bin', 'companyId=acme'), 's', undefined, '/realtime', transports);
    await connected(socket);
    const ack = await socket.timeout(5000).emitWithAck('message',
      { type: 'REQUEST', requestId: `b-1-${t}`, action: 'echo', data: { file: bytes, name: 'x.bin' } });
    assert.strictEqual(ack.type, 'RESPONSE');
    assert.ok(Buffer.from(ack.data.file).equals(bytes));
    assert.strictEqual(ack.data.name, 'x.bin');
    socket.emit('message', { type: 'REQUEST', requestId: `b-2-${t}`, action: 'echo', data: [bytes, 'mid', bytes] });
    const event = await nextMessage(socket, (m) => m.requestId === `b-2-${t}`);
    assert.ok(Buffer.from(event.data[2]).equals(bytes) && event.data[1] === 'mid');
    // Forwarded: the backend gets the parts base64-encoded beside the data's placeholders.
    socket.emit('message', { type: 'REQUEST', requestId: `b-3-${t}`, action: 'someAction', data: { file: bytes } });
    assert.strictEqual((await nextMessage(socket, (m) => m.requestId === `b-3-${t}`)).type, 'RESPONSE');
    const call = backendCalls.find((c) => c.body.requestId === `b-3-${t}`);
    assert.deepStrictEqual(call.body.attachments, [bytes.toString('base64')]);
    assert.deepStrictEqual(call.body.data, { file: { _placeholder: true, num: 0 } });
    socket.disconnect();
  }
});

test('an artifactId holding a wildcard is refused at CONNECT; one with separators stays in its company', async () => {
  for (const artifact of ['*', '**', 'doc.*', 'a:*']) {
    const socket = connectWebSocket(token('wild', 'companyId=acme'), 's', artifact, '/realtime', ['polling']);
    await assert.rejects(connected(socket), /Not allowed/, artifact);
    socket.disconnect();
  }
  // A separator in it names a narrower channel of the same company, never another's.
  const narrow = connectWebSocket(token('wild', 'companyId=acme'), 's', 'doc-9:sub');
  await connected(narrow);
  assert.strictEqual((await postUpdate({ companyId: 'acme', artifactId: 'doc-9', action: 'wide', data: {} })).status, 200);
  assert.strictEqual((await postUpdate({ companyId: 'globex', action: 'other', data: {} })).status, 200);
  await wait(300);
  assert.ok(!narrow.received.some((m) => m.action === 'wide' || m.action === 'other'), 'an update leaked');
  narrow.disconnect();
});

test('bad polling requests get the reference server\'s answers; an oversize POST gets 413', async () => {
  const base = `http://127.0.0.1:${server.port}/socket.io/`;
  const call = async (query, init) => {
    const res = await fetch(base + query, init);
    return { status: res.status, body: await res.text() };
  };
  const error = (code, message) => ({ status: 400, body: JSON.stringify({ code, message }) });
  assert.deepStrictEqual(await call('?EIO=4&transport=polling&sid=0.nope'), error(1, 'Session ID unknown'));
  assert.deepStrictEqual(await call('?EIO=4&transport=polling&sid=7'), error(1, 'Session ID unknown'));
  assert.deepStrictEqual(await call('?EIO=4&transport=pigeon'), error(0, 'Transport unknown'));
  assert.deepStrictEqual(await call('?EIO=3&transport=polling'), error(5, 'Unsupported protocol version'));
  assert.deepStrictEqual(await call('?EIO=4&transport=polling', { method: 'POST', body: '40' }),
    error(2, 'Bad handshake method'));
  const open = await call('?EIO=4&transport=polling');
  assert.strictEqual(open.status, 200);
  assert.strictEqual(open.body[0], '0');
  const handshake = JSON.parse(open.body.slice(1));
  assert.deepStrictEqual([handshake.upgrades, handshake.pingInterval, handshake.pingTimeout, handshake.maxPayload],
    [['websocket'], 1000, 2000, 1000000]);
  const sid = `?EIO=4&transport=polling&sid=${encodeURIComponent(handshake.sid)}`;
  // A malformed packet and a CONNECT without a token: answers in the session's next poll.
  assert.deepStrictEqual(await call(sid, { method: 'POST', body: 'x\x1e40{}' }), { status: 200, body: 'ok' });
  const answers = (await call(sid)).body.split('\x1e');
  assert.match(answers[0], /^42\["message",.*INVALID_PACKET/);
  assert.match(answers[1], /^44\{"message":"Authentication required/);
  // The websocket transport without an upgrade, for a polling session: a bad request.
  assert.deepStrictEqual(await call(sid.replace('polling', 'websocket')), error(3, 'Bad request'));
  // Two polls at once: the second is refused and the session ends (the first gets the close).
  const first = call(sid);
  await wait(100);
  assert.deepStrictEqual(await call(sid), error(3, 'Bad request'));
  assert.deepStrictEqual(await first, { status: 200, body: '1' });
  assert.deepStrictEqual(await call(sid), error(1, 'Session ID unknown'));
  // Over maxPayload: 413, and that session ends too.
  const other = JSON.parse((await call('?EIO=4&transport=polling')).body.slice(1)).sid;
  const otherQuery = `?EIO=4&transport=polling&sid=${encodeURIComponent(other)}`;
  const big = await call(otherQuery, { method: 'POST', body: '4' + 'x'.repeat(1000001) });
  assert.strictEqual(big.status, 413);
  assert.deepStrictEqual(await call(otherQuery), error(1, 'Session ID unknown'));
  // An upgrade naming an unknown sid: 400 with the same body.
  const refused = await new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket&sid=0.nope`);
    ws.on('unexpected-response', (req, res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
  });
  assert.deepStrictEqual(refused, error(1, 'Session ID unknown'));
});

test('the per-user limit applies to Socket.IO sessions of any transport', async () => {
  const sockets = [];
  for (let i = 0; i < 6; i++) {
    const s = connectWebSocket(token('many', 'companyId=acme'), 's', undefined, '/realtime', i % 2 ? ['polling'] : ['websocket']);
    await connected(s);
    sockets.push(s);
  }
  const extra = connectWebSocket(token('many', 'companyId=acme'), 's', undefined, '/realtime', ['polling']);
  await assert.rejects(connected(extra), /Too many connections/);
  extra.disconnect();
  sockets.pop().disconnect();
  await wait(300);
  const again = connectWebSocket(token('many', 'companyId=acme'), 's');
  await connected(again);
  for (const s of [...sockets, again]) s.disconnect();
});

test('polling sessions count against the per-address connection limit', async () => {
  const limited = await startServer({ WEBSOCKET_MAX_CONNECTIONS_PER_IP: '3' });
  try {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = (query, method = 'GET', body) => new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: limited.port, path: `/realtime/${query}`, method, agent }, (res) => {
        let text = '';
        res.on('data', (c) => { text += c; });
        res.on('end', () => resolve({ status: res.statusCode, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });
    // One TCP connection and two sessions fill the three slots.
    const a = await get('?EIO=4&transport=polling');
    const b = await get('?EIO=4&transport=polling');
    assert.deepStrictEqual([a.status, b.status], [200, 200]);
    const refused = await get('?EIO=4&transport=polling');
    assert.strictEqual(refused.status, 429);
    // A session that ends gives its slot back at once.
    const sid = JSON.parse(a.body.slice(1)).sid;
    await get(`?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`, 'POST', '1');
    assert.strictEqual((await get('?EIO=4&transport=polling')).status, 200);
    agent.destroy();
  } finally {
    assert.strictEqual(await limited.stop(), 0);
  }
});

test('after a server restart the client reconnects by itself and works again', async () => {
  const first = await startServer({});
  const port = first.port;
  const socket = io(`ws://127.0.0.1:${port}`, {
    path: '/realtime',
    auth: { token: first.token('phoenix', '--claim', 'companyId=acme') },
    query: { sessionId: 's' },
    reconnectionDelay: 200,
    reconnectionDelayMax: 500,
  });
  socket.received = [];
  socket.on('message', (m) => socket.received.push(JSON.parse(m)));
  await connected(socket);
  let reconnects = 0;
  socket.io.on('reconnect', () => { reconnects += 1; });
  assert.strictEqual(await first.stop(), 0);
  const second = await startServer({ PORT_FIXED: String(port) });
  try {
    await waitFor(() => reconnects > 0 && socket.connected, 10000);
    socket.emit('message', JSON.stringify({ type: 'REQUEST', requestId: 'after-restart', action: 'ping' }));
    assert.strictEqual((await nextMessage(socket, (m) => m.requestId === 'after-restart')).type, 'RESPONSE');
  } finally {
    socket.disconnect();
    assert.strictEqual(await second.stop(), 0);
  }
});
