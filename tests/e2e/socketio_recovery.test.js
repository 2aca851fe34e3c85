// Socket.IO connection state recovery with the real `socket.io-client`: its `socket.recovered`
// after the transport drops (WebSocket and polling), every update missed meanwhile delivered
// once and in order on each of the company's and the artifact's channels (a replay sends
// each channel's missed updates in turn), `recovered: false`
// with a fresh pid when the history is gone (a restart), and the server's answers to pids
// and offsets that are not its own, seen on a raw WebSocket.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert');
const { io } = require('socket.io-client');
const WebSocket = require('ws');
const { startServer } = require('./support/server');

const API_KEY = 'test-api-key';
let server;

before(async () => {
  server = await startServer({});
});
after(async () => {
  assert.strictEqual(await server.stop(), 0);
});

const wait = (ms) => new Promise((r) => setTimeout(r, ms));
const token = (srv, user, company) => srv.token(user, '--claim', `companyId=${company}`);

async function postUpdate(srv, body) {
  const res = await fetch(`http://127.0.0.1:${srv.port}/api/updates`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.strictEqual(res.status, 200, await res.text());
}

// A client as an application writes it, reconnecting quickly; `updates` collects the data
// of every UPDATE in arrival order.
function recoveringClient(srv, user, company, artifactId, transports) {
  const socket = io(`ws://127.0.0.1:${srv.port}`, {
    path: '/realtime',
    auth: { token: token(srv, user, company) },
    query: { sessionId: 's', ...(artifactId && { artifactId }) },
    ...(transports && { transports }),
    reconnectionDelay: 300,
    reconnectionDelayMax: 300,
    randomizationFactor: 0,
  });
  socket.updates = [];
  socket.artifactUpdates = [];
  socket.offsets = [];
  socket.on('message', (text, offset) => {
    const m = JSON.parse(text);
    if (m.type === 'UPDATE') socket.updates.push(m.data.n);
    if (m.type === 'UPDATE' && m.data.artifact) socket.artifactUpdates.push(m.data.n);
    socket.offsets.push(offset);
  });
  return socket;
}

const once = (emitter, event) => new Promise((resolve, reject) => {
  emitter.once(event, resolve);
  if (event === 'connect') emitter.once('connect_error', reject);
});

async function until(predicate, what, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timeout: ${what}`);
    await wait(10);
  }
}

for (const [variant, transports] of [['WebSocket', ['websocket']], ['polling', ['polling']]]) {
  test(`a client whose transport dropped is recovered and gets every missed update once, in order [${variant}]`, async () => {
    const company = `rec-${variant}`;
    const socket = recoveringClient(server, 'rita', company, 'doc-1', transports);
    await once(socket, 'connect');
    assert.strictEqual(socket.recovered, false);
    let n = 0;
    const artifactSent = [];
    const post = (artifact) => {
      n += 1;
      if (artifact) artifactSent.push(n);
      return postUpdate(server, {
        companyId: company, ...(artifact && { artifactId: 'doc-1' }), action: 'step', data: { n, artifact },
      });
    };
    // Every update once, and each channel's in the order published.
    const check = (count) => {
      assert.deepStrictEqual([...socket.updates].sort((a, b) => a - b), Array.from({ length: count }, (_, i) => i + 1));
      assert.deepStrictEqual(socket.artifactUpdates, artifactSent);
      assert.deepStrictEqual(socket.updates.filter((x) => !artifactSent.includes(x)),
        Array.from({ length: count }, (_, i) => i + 1).filter((x) => !artifactSent.includes(x)));
    };
    // Updates on both channels before the drop: each event ends with the session's offset.
    for (let i = 0; i < 4; ++i) await post(i % 2 === 1);
    await until(() => socket.updates.length === 4, 'the first updates');
    assert.ok(socket.offsets.every((o) => typeof o === 'string' && /^\d+:[0-9a-z-]+,\d+:[0-9a-z-]+$/.test(o)),
      JSON.stringify(socket.offsets));
    // The transport drops (the client's own reconnection brings it back); updates go on
    // meanwhile on both channels, some before and some after the reconnection.
    const reconnected = once(socket, 'connect');
    socket.io.engine.close();
    const publishing = (async () => {
      for (let i = 0; i < 12; ++i) {
        await post(i % 3 === 0);
        await wait(40);
      }
    })();
    await reconnected;
    assert.strictEqual(socket.recovered, true, 'the same pid came back');
    await publishing;
    await until(() => socket.updates.length >= 16, 'every update');
    await wait(200);
    check(16);
    // Recovered again right away: the offset of the last event is enough.
    const again = once(socket, 'connect');
    socket.io.engine.close();
    await again;
    assert.strictEqual(socket.recovered, true);
    await post(false);
    await until(() => socket.updates.length === 17, 'a live update after the second recovery');
    await wait(200);
    check(17);
    socket.disconnect();
  });
}

test('a client that received nothing before the drop is recovered from its pid alone', async () => {
  const company = 'rec-quiet';
  const socket = recoveringClient(server, 'quinn', company);
  await once(socket, 'connect');
  const reconnected = once(socket, 'connect');
  socket.io.engine.close();
  await postUpdate(server, { companyId: company, action: 'step', data: { n: 1 } });
  await postUpdate(server, { companyId: company, action: 'step', data: { n: 2 } });
  await reconnected;
  assert.strictEqual(socket.recovered, true);
  await until(() => socket.updates.length === 2, 'the missed updates');
  await wait(200);
  assert.deepStrictEqual(socket.updates, [1, 2]);
  socket.disconnect();
});

test('after a restart the history is gone: recovered is false, and the client goes on live', async () => {
  const first = await startServer({});
  const port = first.port;
  const company = 'rec-restart';
  const socket = recoveringClient(first, 'remy', company);
  await once(socket, 'connect');
  await postUpdate(first, { companyId: company, action: 'step', data: { n: 1 } });
  await until(() => socket.updates.length === 1, 'the first update');
  const reconnected = once(socket, 'connect');
  assert.strictEqual(await first.stop(), 0);
  const second = await startServer({ PORT_FIXED: String(port) });
  try {
    await reconnected;
    assert.strictEqual(socket.recovered, false, 'a new epoch cannot be recovered');
    await postUpdate(second, { companyId: company, action: 'step', data: { n: 2 } });
    await until(() => socket.updates.length === 2, 'a live update');
    assert.deepStrictEqual(socket.updates, [1, 2]);
  } finally {
    socket.disconnect();
    assert.strictEqual(await second.stop(), 0);
  }
});

// A raw Socket.IO session over a WebSocket: the CONNECT answer for the given auth.
async function rawConnect(auth) {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/realtime/?EIO=4&transport=websocket&sessionId=s`);
  const packets = [];
  const waiters = [];
  ws.on('message', (data) => {
    const text = data.toString();
    if (text === '2') return ws.send('3');
    packets.push(text);
    waiters.splice(0).forEach((w) => w());
  });
  await once(ws, 'open');
  const next = async (prefix) => {
    const deadline = Date.now() + 5000;
    for (;;) {
      const i = packets.findIndex((p) => p.startsWith(prefix));
      if (i >= 0) return packets.splice(i, 1)[0];
      if (Date.now() > deadline) throw new Error(`timeout waiting for ${prefix}`);
      await new Promise((r) => { waiters.push(r); setTimeout(r, 50); });
    }
  };
  await next('0{');
  ws.send(`40${JSON.stringify(auth)}`);
  const answer = await next('40');
  return { ws, next, answer: JSON.parse(answer.slice(2)) };
}

test('pids and offsets that are not the server\'s get a fresh session, never a crash or a replay', async () => {
  const company = 'rec-raw';
  const tok = token(server, 'rob', company);
  const first = await rawConnect({ token: tok });
  assert.match(first.answer.pid, /^[A-Za-z0-9_-]{16}\.\d+:[0-9a-z-]+$/);
  await postUpdate(server, { companyId: company, action: 'step', data: { n: 1 } });
  const event = JSON.parse((await first.next('42')).slice(2));
  assert.strictEqual(event[0], 'message');
  assert.strictEqual(JSON.parse(event[1]).data.n, 1);
  const offset = event[2];
  first.ws.close();
  const [position, epoch] = offset.split(':');
  const cases = [
    { pid: first.answer.pid, offset: 'not an offset' },
    { pid: first.answer.pid, offset: `${position}:${epoch},${position}:${epoch}` },  // one channel too many
    { pid: first.answer.pid, offset: `${position}:ffffffff` },                       // another epoch
    { pid: first.answer.pid, offset: `${Number(position) + 5}:${epoch}` },           // beyond the stream
    { pid: first.answer.pid, offset: `${position}:${'e'.repeat(65)}` },              // an overlong epoch
    { pid: 'garbage' },
    { pid: 42, offset: 7 },
  ];
  for (const auth of cases) {
    const c = await rawConnect({ token: tok, ...auth });
    assert.ok(c.answer.sid, JSON.stringify(auth));
    assert.notStrictEqual(c.answer.pid, first.answer.pid, `recovered with ${JSON.stringify(auth)}`);
    await postUpdate(server, { companyId: company, action: 'probe', data: { n: 0 } });
    const live = JSON.parse((await c.next('42')).slice(2));
    assert.strictEqual(JSON.parse(live[1]).action, 'probe', `a replay for ${JSON.stringify(auth)}`);
    c.ws.close();
  }
  // The genuine pair still recovers, replaying what came after it.
  const back = await rawConnect({ token: tok, pid: first.answer.pid, offset });
  assert.strictEqual(back.answer.pid, first.answer.pid);
  const replayed = JSON.parse((await back.next('42')).slice(2));
  assert.strictEqual(JSON.parse(replayed[1]).action, 'probe');
  back.ws.close();
  // Another company's user holding the pid gets that company's channels only, and no pid match.
  const stranger = await rawConnect({ token: token(server, 'sly', 'elsewhere'), pid: first.answer.pid, offset });
  assert.notStrictEqual(stranger.answer.pid, first.answer.pid);
  stranger.ws.close();
});

test('with recovery switched off the client gets no pid and no offsets', async () => {
  const plain = await startServer({ SWITCHBOARD_SOCKETIO_RECOVERY: 'false' });
  try {
    const socket = recoveringClient(plain, 'olga', 'rec-off');
    await once(socket, 'connect');
    await postUpdate(plain, { companyId: 'rec-off', action: 'step', data: { n: 1 } });
    await until(() => socket.updates.length === 1, 'the update');
    assert.deepStrictEqual(socket.offsets, [undefined]);
    const reconnected = once(socket, 'connect');
    socket.io.engine.close();
    await reconnected;
    assert.ok(!socket.recovered);  // the client leaves it undefined without a pid
    socket.disconnect();
  } finally {
    assert.strictEqual(await plain.stop(), 0);
  }
});
