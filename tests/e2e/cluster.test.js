// Several Switchboard nodes over a real redis-server (Debian's, on a free loopback port):
// one channel space whichever node holds the socket, history and resume across nodes, a
// node killed with SIGKILL, Redis restarting, sharding over two Redis instances, and a
// clear refusal to start when Redis is unreachable. Socket.IO sessions are served whichever
// node a request reaches, raw and behind a round-robin HAProxy with no sticky sessions.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert');
const { startServer, backendApi } = require('./support/server');
const { openClient, topicsClient: topics, subscribeTopic: subscribe, eventsClient } = require('./support/client');
const { startRedis, startLink, freePort } = require('./support/redis');
const { stopAll } = require('./support/children');
const { io } = require('socket.io-client');
const WebSocket = require('ws');
const { startHaproxy } = require('./support/haproxy');

const api = backendApi;
const wait = (ms) => new Promise((r) => setTimeout(r, ms));

let redis;
const nodes = [];
before(async () => {
  redis = await startRedis();
  for (let i = 0; i < 3; i++) nodes.push(await startServer(clusterEnv(redis.url)));
});
after(async () => {
  // Also whatever a failed test left running.
  await stopAll();
});

function clusterEnv(url) {
  return { PUBSUB_ADAPTER: 'redis', PUBSUB_REDIS_URL: url };
}

async function publishApi(node, body) {
  const res = await backendApi(node, 'POST', '/api/publish', body);
  assert.strictEqual(res.status, 200, res.text);
}

async function collect(c, count, pred = (m) => m.type === 'message') {
  const out = [];
  while (out.length < count) out.push(await c.next(pred));
  return out;
}

test('a publication from any node or any node\'s HTTP API reaches every subscriber once, in order', async () => {
  const readers = [];
  for (let i = 0; i < 3; i++) {
    const c = await topics(nodes[i], `reader-${i}`);
    await subscribe(c, 'messages.cluster');  // keeps history
    await subscribe(c, 'plain.cluster');     // does not
    readers.push(c);
  }
  const writers = [];
  for (let i = 0; i < 3; i++) writers.push(await topics(nodes[i], `writer-${i}`));
  for (let n = 0; n < 20; n++) {
    for (let i = 0; i < 3; i++) {
      writers[i].send({ type: 'message', topic: 'messages.cluster', data: { w: i, n } });
      writers[i].send({ type: 'message', topic: 'plain.cluster', data: { w: i, n } });
    }
  }
  for (let n = 0; n < 5; n++) await publishApi(nodes[n % 3], { channel: 'messages.cluster', type: 'api', data: { w: 'api', n } });
  for (const c of readers) {
    const history = await collect(c, 65, (m) => m.type === 'message' && m.topic === 'messages.cluster');
    const plain = await collect(c, 60, (m) => m.type === 'message' && m.topic === 'plain.cluster');
    assert.deepStrictEqual(history.map((m) => m.offset), Array.from({ length: 65 }, (_, i) => i + 1), 'offsets in order');
    for (const list of [history, plain]) {
      for (const w of [0, 1, 2, 'api']) {
        const ns = list.filter((m) => m.data.w === w).map((m) => m.data.n);
        assert.deepStrictEqual(ns, Array.from({ length: w === 'api' ? (list === plain ? 0 : 5) : 20 }, (_, i) => i), `publisher ${w}`);
      }
    }
    assert.ok(await c.none((m) => m.type === 'message', 200), 'nothing twice');
  }
  for (const c of [...readers, ...writers]) c.ws.close();
});

test('patterns across nodes: one delivery per node even when patterns and exact channels overlap', async () => {
  const c = await topics(nodes[1], 'pattern-reader');
  await subscribe(c, 'messages.overlap.*');
  await subscribe(c, 'messages.**');
  await subscribe(c, 'messages.overlap.one');
  const w = await topics(nodes[0], 'pattern-writer');
  w.send({ type: 'message', topic: 'messages.overlap.one', data: 1 });
  w.send({ type: 'message', topic: 'messages.overlap.two', data: 2 });
  w.send({ type: 'message', topic: 'messages.deeper.x.y', data: 3 });
  const got = await collect(c, 3);
  assert.deepStrictEqual(got.map((m) => m.data).sort(), [1, 2, 3]);
  assert.ok(await c.none((m) => m.type === 'message', 300));
  for (const x of [c, w]) x.ws.close();
});

// Cost review C2: every client pattern was its own PSUBSCRIBE, so Redis sent a node one copy
// of a publication per pattern and the node compared each with every pattern it held (20
// publications delayed another user's message by 24 s). Patterns now share covering globs.
test('hundreds of overlapping patterns cost a node a few Redis subscriptions and one delivery each', async () => {
  const { execFileSync } = require('child_process');
  const numpat = () => Number(execFileSync('redis-cli', ['-p', String(redis.port), 'PUBSUB', 'NUMPAT'], { encoding: 'utf8' }));
  const before = numpat();
  const c = await topics(nodes[1], 'overlap-mallory');
  const tokens = ['a', '*', '**'];
  for (let i = 0; i < 300; i++) {
    const rest = [];
    for (let k = 0, n = i; k < 6; k++, n = Math.floor(n / 3)) rest.push(tokens[n % 3]);
    const answer = await subscribe(c, `messages.c2.${rest.join('.')}`);
    assert.strictEqual(answer.type, 'subscribed');
  }
  assert.ok(numpat() - before <= 4, `${numpat() - before} Redis patterns for 300 client patterns`);
  const bystander = await topics(nodes[1], 'overlap-bystander');
  await subscribe(bystander, 'plain.c2');
  const w = await topics(nodes[0], 'overlap-writer');
  for (let i = 0; i < 20; i++) w.send({ type: 'message', topic: 'messages.c2.a.a.a.a.a.a', data: i });
  const sent = Date.now();
  w.send({ type: 'message', topic: 'plain.c2', data: 'unrelated' });
  assert.strictEqual((await bystander.next((m) => m.type === 'message')).data, 'unrelated');
  assert.ok(Date.now() - sent < 2000, `the unrelated message took ${Date.now() - sent} ms`);
  const got = await collect(c, 20);
  assert.deepStrictEqual(got.map((m) => m.data), [...Array(20).keys()]);
  assert.ok(await c.none((m) => m.type === 'message', 300));
  for (const x of [c, bystander, w]) x.ws.close();
});

// Cost review C3: every read of a stream position used to leave an m:<channel> key in Redis
// for a day, for channels that never published.
test('positions of channels that never published leave no Redis key, and resume from the start on any node', async () => {
  const { execFileSync } = require('child_process');
  const keys = (pattern) => execFileSync('redis-cli', ['-p', String(redis.port), '--scan', '--pattern', pattern],
    { encoding: 'utf8' }).split('\n').filter(Boolean);
  const c = await topics(nodes[0], 'c3-reader');
  for (let i = 0; i < 200; i++) {
    const answer = await subscribe(c, `messages.c3.${i}`);
    assert.strictEqual(answer.offset, 0);
    c.send({ type: 'unsubscribe', topic: `messages.c3.${i}` });
    await c.next((m) => m.type === 'unsubscribed');
  }
  assert.deepStrictEqual(keys('switchboard:m:messages.c3.*'), []);
  assert.deepStrictEqual(keys('switchboard:h:messages.c3.*'), []);
  // Unstarted on node 0, published on node 1, resumed on node 2: everything since the start.
  const start = await subscribe(c, 'messages.c3.resume');
  c.ws.close();
  const w = await topics(nodes[1], 'c3-writer');
  for (let n = 1; n <= 3; n++) w.send({ type: 'message', topic: 'messages.c3.resume', data: n });
  await wait(200);
  assert.strictEqual(keys('switchboard:m:messages.c3.*').length, 1);
  const back = await topics(nodes[2], 'c3-reader');
  const answer = await subscribe(back, 'messages.c3.resume', { offset: start.offset, epoch: start.epoch });
  assert.strictEqual(answer.recovered, true);
  assert.deepStrictEqual((await collect(back, 3)).map((m) => m.data), [1, 2, 3]);
  for (const x of [back, w]) x.ws.close();
});

test('"subscribed" means Redis confirmed it: a node with a slow link to Redis misses nothing published right after', async () => {
  // Everything the slow node sends Redis (its SUBSCRIBE and PSUBSCRIBE too) takes 400 ms.
  const link = await startLink(redis.port, { delayMs: 400 });
  const slow = await startServer(clusterEnv(link.url));
  const reader = await topics(slow, 'slow-reader');
  const writer = await topics(nodes[0], 'slow-writer');
  for (const topic of ['messages.slow.*', 'plain.slow', 'messages.slowly.**']) {
    await subscribe(reader, topic);
    writer.send({ type: 'message', topic: topic.replace(/\*+$/, 'x'), data: topic });
    assert.strictEqual((await reader.next((m) => m.type === 'message')).data, topic);
  }
  for (const x of [reader, writer]) x.ws.close();
  await slow.stop();
  await link.stop();
});

test('every dialect on different nodes hears the same publication', async () => {
  const envelope = await openClient(`${nodes[0].url('/v1/ws')}?token=${nodes[0].token('env-user')}`);
  await envelope.next((m) => m.type === 'CONNECTION_ESTABLISHED');
  envelope.send({ type: 'SUBSCRIBE', payload: { channels: ['messages.all'] } });
  await envelope.next((m) => m.type === 'SUBSCRIPTION_CONFIRMED');
  const events = await openClient(`${nodes[1].url('/events/ws')}?token=${nodes[1].token('ev-user')}`);
  await events.next((m) => m.type === 'connection.ready');
  events.send({ type: 'subscribe', data: { channels: ['messages.all'] } });
  await events.next((m) => m.type === 'subscription.update');
  const rooms = await openClient(nodes[2].url('/api/ws'), { headers: { Cookie: `pm-session=${nodes[2].token('room-user')}` } });
  await rooms.next((m) => m.type === 'connected');
  rooms.send({ type: 'subscribe', payload: { room: 'messages.all' } });
  await rooms.next((m) => m.type === 'subscribed');
  await publishApi(nodes[2], { channel: 'messages.all', type: 'note', data: { text: 'hello' } });
  const e = await envelope.next((m) => m.type === 'NOTE');
  assert.deepStrictEqual([e.payload.text, e.metadata.offset], ['hello', 1]);
  const v = await events.next((m) => m.type === 'note');
  assert.deepStrictEqual([v.data.text, v.metadata.offset, v.metadata.epoch], ['hello', 1, e.metadata.epoch]);
  const r = await rooms.next((m) => m.type === 'note');
  assert.deepStrictEqual([r.payload.text, r.payload.offset], ['hello', 1]);
  for (const c of [envelope, events, rooms]) c.ws.close();
});

test('kill -9 of a node: its client resumes on another node and gets exactly what it missed', async () => {
  const victim = await startServer(clusterEnv(redis.url));
  const c = await topics(victim, 'resumer');
  const start = await subscribe(c, 'messages.resume');
  const w = await topics(nodes[0], 'resume-writer');
  for (let n = 1; n <= 3; n++) w.send({ type: 'message', topic: 'messages.resume', data: n });
  const seen = await collect(c, 3);
  assert.match(start.epoch, /^u-/);  // read before the channel's first publication
  assert.match(seen[2].epoch, /^[0-9a-f]{8}$/);
  await victim.kill();
  for (let n = 4; n <= 9; n++) w.send({ type: 'message', topic: 'messages.resume', data: n });
  await wait(100);
  const back = await topics(nodes[2], 'resumer');
  const answer = await subscribe(back, 'messages.resume', { offset: seen[2].offset, epoch: seen[2].epoch });
  assert.strictEqual(answer.recovered, true);
  assert.strictEqual(answer.offset, 9);
  w.send({ type: 'message', topic: 'messages.resume', data: 10 });
  const rest = await collect(back, 7);
  assert.deepStrictEqual(rest.map((m) => m.data), [4, 5, 6, 7, 8, 9, 10]);
  assert.deepStrictEqual(rest.map((m) => m.offset), [4, 5, 6, 7, 8, 9, 10]);
  assert.ok(await back.none((m) => m.type === 'message', 200));
  back.ws.close();
  w.ws.close();
});

test('kill -9 of a node: a Socket.IO client reconnecting to another node is recovered with what it missed', async () => {
  const victim = await startServer(clusterEnv(redis.url));
  const socket = io(`ws://127.0.0.1:${victim.port}`, {
    path: '/realtime',
    auth: { token: victim.token('sio-resumer', '--claim', 'companyId=cluster-co') },
    query: { sessionId: 's', artifactId: 'doc-1' },
    transports: ['websocket'],
    reconnectionDelay: 200,
    reconnectionDelayMax: 200,
  });
  const updates = [];
  socket.on('message', (text) => {
    const m = JSON.parse(text);
    if (m.type === 'UPDATE') updates.push(m.data);
  });
  await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('connect_error', reject); });
  const post = (node, n, artifact) => api(node, 'POST', '/api/updates',
    { companyId: 'cluster-co', ...(artifact && { artifactId: 'doc-1' }), action: 'step', data: { n, artifact } })
    .then((r) => assert.strictEqual(r.status, 200));
  for (let n = 1; n <= 4; n++) await post(nodes[n % 3], n, n % 2 === 0);
  while (updates.length < 4) await wait(10);
  // The node dies; the client's next attempt reaches another node (as through a balancer).
  const reconnected = new Promise((resolve) => socket.once('connect', resolve));
  await victim.kill();
  socket.io.uri = `ws://127.0.0.1:${nodes[1].port}`;
  for (let n = 5; n <= 12; n++) await post(nodes[n % 3], n, n % 3 === 0);
  await reconnected;
  assert.strictEqual(socket.recovered, true);
  await post(nodes[0], 13, false);
  const deadline = Date.now() + 5000;
  while (updates.length < 13 && Date.now() < deadline) await wait(10);
  await wait(200);
  const ns = updates.map((u) => u.n);
  assert.deepStrictEqual([...ns].sort((a, b) => a - b), Array.from({ length: 13 }, (_, i) => i + 1), 'each once');
  const artifact = updates.filter((u) => u.artifact).map((u) => u.n);
  assert.deepStrictEqual(artifact, [2, 4, 6, 9, 12], 'the artifact channel in order');
  assert.deepStrictEqual(updates.filter((u) => !u.artifact).map((u) => u.n), [1, 3, 5, 7, 8, 10, 11, 13]);
  socket.disconnect();
});

// The seed's message event: a REQUEST as a JSON string, and what the server sends back.
function requestPacket(requestId) {
  return `42${JSON.stringify(['message', JSON.stringify({ type: 'REQUEST', requestId, action: 'ping' })])}`;
}
function messageOf(packet) {
  assert.match(packet, /^42\["message",/);
  return JSON.parse(JSON.parse(packet.slice(2))[1]);
}

test('a Socket.IO session is served by every node: polls, posts and the upgrade reach nodes other than its own', async () => {
  const token = nodes[0].token('sio-roamer', '--claim', 'companyId=roam-co');
  const base = (node) => `http://127.0.0.1:${node.port}/realtime/?EIO=4&transport=polling`;
  const opened = await (await fetch(`${base(nodes[0])}&sessionId=s&artifactId=doc-9`)).text();
  const { sid } = JSON.parse(opened.slice(1));
  const call = async (node, body) => {
    const res = await fetch(`${base(node)}&sid=${sid}`, body === undefined ? {} : { method: 'POST', body });
    return { status: res.status, body: await res.text() };
  };
  // A made-up sid naming node 0 is forwarded there and refused as node 0 would refuse it.
  const [loop, owner] = sid.split('.');
  const forged = `${loop}.${owner}.${'A'.repeat(24)}`;
  const refused = await fetch(`${base(nodes[1])}&sid=${forged}`, { method: 'POST', body: '40' });
  assert.deepStrictEqual({ status: refused.status, body: await refused.text() },
    { status: 400, body: '{"code":1,"message":"Session ID unknown"}' });
  // CONNECT posted through node 1, its answer polled through node 2.
  assert.deepStrictEqual(await call(nodes[1], `40${JSON.stringify({ token })}`), { status: 200, body: 'ok' });
  const connected = await call(nodes[2]);
  assert.match(connected.body, /^40\{"sid":/);
  // An action through node 2, answered through node 1.
  assert.deepStrictEqual(await call(nodes[2], requestPacket('r-1')), { status: 200, body: 'ok' });
  const answer = messageOf((await call(nodes[1])).body);
  assert.strictEqual(answer.type, 'RESPONSE');
  assert.strictEqual(answer.requestId, 'r-1');
  // A poll held on node 2 until an update published through node 0's API arrives.
  const held = call(nodes[2]);
  await wait(100);
  await api(nodes[0], 'POST', '/api/updates', { companyId: 'roam-co', action: 'step', data: { n: 1 } });
  const update = messageOf((await held).body);
  assert.strictEqual(update.type, 'UPDATE');
  assert.deepStrictEqual(update.data, { n: 1 });

  // The upgrade through node 1: its WebSocket stays there, the session on node 0.
  const ws = new WebSocket(`ws://127.0.0.1:${nodes[1].port}/realtime/?EIO=4&transport=websocket&sid=${sid}`);
  const frames = [];
  let notify = () => {};
  ws.on('message', (data) => { frames.push(data.toString()); notify(); });
  const frame = async (pred) => {
    const deadline = Date.now() + 5000;
    for (;;) {
      const i = frames.findIndex(pred);
      if (i >= 0) return frames.splice(i, 1)[0];
      if (Date.now() > deadline) throw new Error(`no such frame; have ${JSON.stringify(frames)}`);
      await new Promise((r) => { notify = r; setTimeout(r, 100); });
    }
  };
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const released = call(nodes[0]);
  await wait(100);
  ws.send('2probe');
  assert.strictEqual(await frame((f) => f === '3probe'), '3probe');
  assert.deepStrictEqual(await released, { status: 200, body: '6' }, 'the held poll is released with a noop');
  ws.send('5');
  ws.send(requestPacket('r-2'));
  const overWs = messageOf(await frame((f) => f.startsWith('42')));
  assert.strictEqual(overWs.requestId, 'r-2');
  await api(nodes[2], 'POST', '/api/updates', { companyId: 'roam-co', action: 'step', data: { n: 2 } });
  assert.deepStrictEqual(messageOf(await frame((f) => f.startsWith('42'))).data, { n: 2 });
  // Polling is over for this session: the transport is the WebSocket now.
  assert.strictEqual((await call(nodes[2])).status, 400);
  // The client closes the WebSocket on node 1: the session ends on node 0.
  ws.close();
  const deadline = Date.now() + 5000;
  let after;
  do {
    await wait(100);
    after = await call(nodes[2]);
  } while (!after.body.includes('Session ID unknown') && Date.now() < deadline);
  assert.deepStrictEqual(after, { status: 400, body: '{"code":1,"message":"Session ID unknown"}' });
});

test('behind HAProxy round-robin, with no sticky sessions, Socket.IO clients poll, upgrade and get everything once', async () => {
  const lb = await startHaproxy(nodes);
  const clients = [];
  for (const transports of [['polling', 'websocket'], ['polling']]) {
    const user = `lb-${transports.length}`;
    const socket = io(lb.url(''), {
      path: '/realtime',
      auth: { token: nodes[0].token(user, '--claim', 'companyId=lb-co') },
      query: { sessionId: 's', artifactId: 'doc-lb' },
      transports,
      reconnection: false,
    });
    const updates = [];
    socket.on('message', (text) => {
      const m = JSON.parse(text);
      if (m.type === 'UPDATE') updates.push(m.data.n);
    });
    await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('connect_error', reject); });
    clients.push({ socket, updates, transports });
  }
  const upgraded = clients[0].socket.io.engine;
  if (upgraded.transport.name !== 'websocket') await new Promise((resolve) => upgraded.once('upgrade', resolve));
  for (const { socket } of clients) {
    for (let i = 0; i < 6; i++) {
      const answer = JSON.parse(await socket.timeout(5000).emitWithAck('message',
        JSON.stringify({ type: 'REQUEST', requestId: `lb-${i}`, action: 'ping' })));
      assert.strictEqual(answer.type, 'RESPONSE');
      assert.strictEqual(answer.requestId, `lb-${i}`);
    }
  }
  for (let n = 1; n <= 9; n++) {
    const res = await api(nodes[n % 3], 'POST', '/api/updates', { companyId: 'lb-co', action: 'step', data: { n } });
    assert.strictEqual(res.status, 200);
  }
  for (const { updates, transports } of clients) {
    const deadline = Date.now() + 5000;
    while (updates.length < 9 && Date.now() < deadline) await wait(20);
    await wait(200);
    assert.deepStrictEqual(updates, [1, 2, 3, 4, 5, 6, 7, 8, 9], `in order, each once (${transports})`);
  }
  assert.strictEqual(clients[0].socket.io.engine.transport.name, 'websocket');
  assert.strictEqual(clients[1].socket.io.engine.transport.name, 'polling');
  const sent = await lb.stats();
  for (const name of ['node0', 'node1', 'node2']) assert.ok(sent[name] > 2, `HAProxy spread the requests: ${JSON.stringify(sent)}`);
  for (const { socket } of clients) socket.disconnect();
  await lb.stop();
});

// An envelope client (seed 000) of a node, allowed to read matters (a presence channel).
async function matterReader(node, user, name) {
  const c = await openClient(`${node.url('/v1/ws')}?token=${node.token(user, '--name', name, '--permission', 'matter:read')}`);
  await c.next((m) => m.type === 'CONNECTION_ESTABLISHED');
  return c;
}
async function enter(c, channel) {
  c.send({ type: 'SUBSCRIBE', payload: { channels: [channel] } });
  await c.next((m) => m.type === 'SUBSCRIPTION_CONFIRMED');
}
async function presenceList(c, channel) {
  c.send({ type: 'GET_PRESENCE', payload: { channelId: channel } });
  const list = await c.next((m) => m.type === 'PRESENCE_LIST');
  return Object.fromEntries(list.payload.users.map((u) => [u.id, u.connections]));
}

test('presence across nodes: one join for the first tab anywhere, one leave after the last, lists from every node', async () => {
  const bob = await matterReader(nodes[0], 'p-bob', 'Bob');
  await enter(bob, 'matter:cl1');
  const alice1 = await matterReader(nodes[1], 'p-alice', 'Alice');
  await enter(alice1, 'matter:cl1');
  const joined = await bob.next((m) => m.type === 'USER_JOINED');
  assert.deepStrictEqual(joined.payload, { channelId: 'matter:cl1', user: { id: 'p-alice', name: 'Alice' } });
  const alice2 = await matterReader(nodes[2], 'p-alice', 'Alice');
  await enter(alice2, 'matter:cl1');
  assert.ok(await bob.none((m) => m.type === 'USER_JOINED', 300), 'a second tab on another node is not a new user');
  // Every node lists both users, with alice's two connections on two nodes.
  for (const [c, node] of [[bob, 0], [alice1, 1], [alice2, 2]]) {
    assert.deepStrictEqual(await presenceList(c, 'matter:cl1'), { 'p-alice': 2, 'p-bob': 1 }, `node ${node}`);
  }
  alice1.ws.close();
  assert.ok(await bob.none((m) => m.type === 'USER_LEFT', 300), 'one tab left, the user is still here');
  assert.deepStrictEqual(await presenceList(bob, 'matter:cl1'), { 'p-alice': 1, 'p-bob': 1 });
  alice2.ws.terminate();
  const left = await bob.next((m) => m.type === 'USER_LEFT');
  assert.deepStrictEqual(left.payload, { channelId: 'matter:cl1', userId: 'p-alice' });
  assert.ok(await bob.none((m) => m.type === 'USER_LEFT', 300), 'left once');
  assert.deepStrictEqual(await presenceList(bob, 'matter:cl1'), { 'p-bob': 1 });
  bob.ws.close();
});

test('presence across nodes: the members of a node killed with SIGKILL leave within the TTL', async () => {
  const victim = await startServer({ ...clusterEnv(redis.url), PRESENCE_TTL_MS: '2000' });
  const watcher = await matterReader(nodes[0], 'p-watcher', 'Watcher');
  await enter(watcher, 'matter:cl2');
  const carol = await matterReader(victim, 'p-carol', 'Carol');
  await enter(carol, 'matter:cl2');
  const dave = await matterReader(victim, 'p-dave', 'Dave');
  await enter(dave, 'matter:cl2');
  const daveElsewhere = await matterReader(nodes[1], 'p-dave', 'Dave');
  await enter(daveElsewhere, 'matter:cl2');
  for (let i = 0; i < 2; i++) await watcher.next((m) => m.type === 'USER_JOINED');
  assert.deepStrictEqual(await presenceList(watcher, 'matter:cl2'), { 'p-carol': 1, 'p-dave': 2, 'p-watcher': 1 });
  const killedAt = Date.now();
  await victim.kill();
  const left = await watcher.next((m) => m.type === 'USER_LEFT', 6000);
  const waited = Date.now() - killedAt;
  assert.deepStrictEqual(left.payload, { channelId: 'matter:cl2', userId: 'p-carol' });
  assert.ok(waited < 4500, `left after ${waited} ms with a TTL of 2000 ms`);
  // Dave is still here on another node: no leave, one connection left.
  assert.ok(await watcher.none((m) => m.type === 'USER_LEFT', 500), 'dave did not leave');
  assert.deepStrictEqual(await presenceList(watcher, 'matter:cl2'), { 'p-dave': 1, 'p-watcher': 1 });
  for (const c of [watcher, daveElsewhere]) c.ws.close();
});

// A rooms client (seed 004) of a node; resolves with its first message (connected or an error).
async function roomsClient(node, user) {
  const c = await openClient(node.url('/api/ws'), { headers: { Cookie: `pm-session=${node.token(user, '--role', 'editor')}` } });
  c.first = await c.next((m) => m.type === 'connected' || m.type === 'error');
  return c;
}
async function hubApi(node, path) {
  const res = await api(node, 'GET', path);
  assert.strictEqual(res.status, 200);
  return res.body.data;
}

test('the per-user connection limit and the hub API count every node', async () => {
  const open = [];
  for (let i = 0; i < 5; i++) {
    const c = await roomsClient(nodes[i % 2], 'limited');
    assert.strictEqual(c.first.type, 'connected', `connection ${i + 1} of 5`);
    open.push(c);
  }
  // Five on nodes 0 and 1: a sixth on node 2 is one too many for seed 004's limit of 5.
  const sixth = await roomsClient(nodes[2], 'limited');
  assert.strictEqual(sixth.first.type, 'error');
  assert.strictEqual(sixth.first.payload.code, 'CONNECTION_LIMIT');
  assert.strictEqual((await sixth.closed).code, 1008);
  const listed = await hubApi(nodes[2], '/api/hub/users/limited/connections');
  assert.strictEqual(listed.length, 5, JSON.stringify(listed));
  assert.deepStrictEqual([...new Set(listed.map((c) => c.dialect))], ['rooms']);
  // Each node's totals are refreshed every second: asked until they add up (a busy
  // machine may miss one refresh).
  let stats = null;
  for (const deadline = Date.now() + 5000; Date.now() < deadline;) {
    await wait(250);
    stats = await hubApi(nodes[2], '/api/hub/stats');
    if (stats.connections >= 5) break;
  }
  assert.ok(stats.connections >= 5, JSON.stringify(stats));
  assert.ok(stats.authenticatedUsers >= 1, JSON.stringify(stats));
  // One closes on node 0: node 2 admits a new one.
  open.shift().ws.close();
  const deadline = Date.now() + 5000;  // the close reaches node 0, then Redis
  while ((await hubApi(nodes[2], '/api/hub/users/limited/connections')).length !== 4 && Date.now() < deadline) {
    await wait(50);
  }
  const again = await roomsClient(nodes[2], 'limited');
  assert.strictEqual(again.first.type, 'connected');
  open.push(again);
  for (const c of open) c.ws.close();
  await wait(200);
  assert.deepStrictEqual(await hubApi(nodes[0], '/api/hub/users/limited/connections'), []);
});

test('the per-user limit counts every node for Socket.IO sessions, which authenticate after they open', async () => {
  // The socketio limit is 6: three sessions on each of two nodes, a seventh on the third.
  const connect = (node) => {
    const socket = io(`ws://127.0.0.1:${node.port}`, {
      path: '/realtime',
      auth: { token: node.token('sio-limited', '--claim', 'companyId=limit-co') },
      query: { sessionId: 's' },
      transports: ['websocket'],
      reconnection: false,
    });
    const outcome = new Promise((resolve) => {
      socket.once('connect', () => resolve('connected'));
      socket.once('connect_error', (e) => resolve(e.message));
    });
    return { socket, outcome };
  };
  const open = [];
  for (let i = 0; i < 6; i++) {
    const c = connect(nodes[i % 2]);
    assert.strictEqual(await c.outcome, 'connected', `session ${i + 1} of 6`);
    open.push(c);
  }
  const seventh = connect(nodes[2]);
  assert.match(await seventh.outcome, /Too many connections/);
  seventh.socket.disconnect();
  const listed = await hubApi(nodes[1], '/api/hub/users/sio-limited/connections');
  assert.strictEqual(listed.length, 6, JSON.stringify(listed));
  for (const c of open) c.socket.disconnect();
});

test('the connections of a node killed with SIGKILL leave the cluster\'s count within the TTL', async () => {
  const victim = await startServer({ ...clusterEnv(redis.url), PRESENCE_TTL_MS: '2000' });
  const c = await roomsClient(victim, 'stranded');
  assert.strictEqual(c.first.type, 'connected');
  assert.strictEqual((await hubApi(nodes[0], '/api/hub/users/stranded/connections')).length, 1);
  await victim.kill();
  const deadline = Date.now() + 6000;
  let listed;
  do {
    await wait(250);
    listed = await hubApi(nodes[0], '/api/hub/users/stranded/connections');
  } while (listed.length !== 0 && Date.now() < deadline);
  assert.deepStrictEqual(listed, []);
});

test('room capacity counts every node: the last place goes once, in every dialect, and a dead node\'s places free up', async () => {
  // "tiny" holds two (maxConnections = 2 in the test configuration).
  const join = (c, room) => {
    c.send({ type: 'subscribe', payload: { room } });
    return c.next((m) => (m.type === 'subscribed' && m.payload.room === room) || m.type === 'error');
  };
  const a = await roomsClient(nodes[0], 'cap-a');
  const b = await roomsClient(nodes[1], 'cap-b');
  assert.strictEqual((await join(a, 'tiny')).type, 'subscribed');
  assert.strictEqual((await join(b, 'tiny')).type, 'subscribed');
  // Node 2 holds nobody in the room: only the cluster's count says it is full.
  const c = await roomsClient(nodes[2], 'cap-c');
  const refused = await join(c, 'tiny');
  assert.strictEqual(refused.type, 'error');
  assert.strictEqual(refused.payload.code, 'ROOM_FULL');
  const t = await topics(nodes[2], 'cap-t');
  t.send({ type: 'subscribe', topic: 'tiny' });
  const topicAnswer = await t.next((m) => m.type === 'subscribed' || m.type === 'error');
  assert.strictEqual(topicAnswer.type, 'error', JSON.stringify(topicAnswer));
  assert.match(JSON.stringify(topicAnswer), /Channel is full/);
  const e = await eventsClient(nodes[1], 'cap-e');
  const answer = await e.reply(e.request('subscribe', { channels: ['tiny', 'plain.cap'] }), 'subscription.update');
  assert.deepStrictEqual(answer.data.subscribed, ['plain.cap']);
  assert.deepStrictEqual(answer.data.failed, { tiny: 'Channel is full' });
  // A refused member hears nothing of the room.
  await publishApi(nodes[0], { channel: 'tiny', type: 'note', data: { n: 1 } });
  assert.strictEqual((await b.next((m) => m.type === 'note')).payload.n, 1);
  assert.ok(await c.none((m) => m.type === 'note'));
  assert.ok(await t.none((m) => m.type === 'message'));
  assert.ok(await e.none((m) => m.type === 'note'));
  // A leaves on node 0: node 2 gets the place, and the room is full again for node 1.
  a.send({ type: 'unsubscribe', payload: { room: 'tiny' } });
  await a.next((m) => m.type === 'unsubscribed');
  assert.strictEqual((await join(c, 'tiny')).type, 'subscribed');
  assert.strictEqual((await join(a, 'tiny')).payload.code, 'ROOM_FULL');
  t.ws.close();
  e.ws.close();
  // A node killed with SIGKILL: its places go within the presence TTL.
  const victim = await startServer({ ...clusterEnv(redis.url), PRESENCE_TTL_MS: '2000' });
  c.ws.close();
  await wait(300);
  const v = await roomsClient(victim, 'cap-v');
  assert.strictEqual((await join(v, 'tiny')).type, 'subscribed');
  assert.strictEqual((await join(a, 'tiny')).payload.code, 'ROOM_FULL');
  await victim.kill();
  const deadline = Date.now() + 6000;
  let last;
  do {
    await wait(400);  // within the rooms dialect's message rate
    last = await join(a, 'tiny');
  } while (last.type !== 'subscribed' && Date.now() < deadline);
  assert.strictEqual(last.type, 'subscribed', JSON.stringify(last));
  for (const x of [a, b]) x.ws.close();
});

test('a notification stored through one node is delivered on another and acknowledged once', async () => {
  const user = `roamer-${process.pid}`;
  const online = await eventsClient(nodes[1], user);
  await publishApi(nodes[0], { user, type: 'notification.send', data: { notificationId: 'cluster-n1', title: 'one' } });
  await publishApi(nodes[0], { user, type: 'notification.send', data: { notificationId: 'cluster-n2', title: 'two' } });
  const live = await collect(online, 2, (m) => m.type === 'notification.send');
  assert.deepStrictEqual(live.map((m) => m.data.notificationId), ['cluster-n1', 'cluster-n2'], 'live on another node');
  online.ws.close();

  // The user comes back on a third node: both are still unread there.
  const back = await eventsClient(nodes[2], user);
  const stored = await collect(back, 2, (m) => m.type === 'notification.send');
  assert.deepStrictEqual(stored.map((m) => m.data.notificationId), ['cluster-n1', 'cluster-n2']);
  const ack = back.request('notification.acknowledge', { notificationId: 'cluster-n1' });
  assert.strictEqual((await back.reply(ack, 'notification.acknowledged')).data.notificationId, 'cluster-n1');
  // A second tab on the first node acknowledges the same one: it counts once.
  const tab = await eventsClient(nodes[0], user);
  assert.strictEqual((await tab.next((m) => m.type === 'notification.send')).data.notificationId, 'cluster-n2');
  const again = tab.request('notification.acknowledge', { notificationId: 'cluster-n1' });
  assert.strictEqual((await tab.reply(again, 'error')).data.code, 'RESOURCE_NOT_FOUND');
  const second = tab.request('notification.acknowledge', { notificationId: 'cluster-n2' });
  await tab.reply(second, 'notification.acknowledged');
  for (const c of [back, tab]) c.ws.close();
  const later = await eventsClient(nodes[1], user);
  assert.ok(await later.none((m) => m.type === 'notification.send', 400), 'nothing unread anywhere');
  later.ws.close();
});

test('the hub API disconnects a user on every node', async () => {
  const user = `kicked-${process.pid}`;
  const there = await topics(nodes[1], user);
  const elsewhere = await eventsClient(nodes[2], user);
  const bystander = await topics(nodes[1], `stays-${process.pid}`);
  const res = await backendApi(nodes[0], 'POST', '/api/hub/disconnect-user', { userId: user, reason: 'account closed' });
  assert.strictEqual(res.status, 200, res.text);
  const [a, b] = await Promise.all([there.closed, elsewhere.closed]);
  assert.deepStrictEqual([a.code, b.code], [1008, 1008]);
  assert.strictEqual((await elsewhere.next((m) => m.type === 'connection.error')).data.message, 'account closed');
  assert.ok(await bystander.none(() => true, 300));
  assert.strictEqual(bystander.ws.readyState, 1);
  bystander.ws.close();
});

test('a notification sent while its user connects comes once, whether live or from the store', async () => {
  // The store is written before the publication goes out, and a connection subscribes
  // before it reads the store: both orders of the two races are hit over these rounds.
  const seen = [];
  for (let round = 0; round < 24; round++) {
    const user = `racer-${process.pid}-${round}`;
    const id = `race-${round}`;
    const connecting = eventsClient(nodes[1], user);
    await wait(round % 6);
    await publishApi(nodes[0], { user, type: 'notification.send', data: { notificationId: id, title: 'race' } });
    const c = await connecting;
    const first = await c.next((m) => m.type === 'notification.send');
    assert.strictEqual(first.data.notificationId, id);
    assert.ok(await c.none((m) => m.type === 'notification.send', 250), `round ${round}: ${id} came twice`);
    seen.push(JSON.stringify(first).includes('"stored":true') ? 'stored' : 'live');
    c.ws.close();
  }
  console.log(`notifications during connect: ${seen.filter((s) => s === 'live').length} live, ` +
              `${seen.filter((s) => s === 'stored').length} from the store`);
});

test('a node cut off from Redis hands out stored notifications once it is back, and says when it cannot acknowledge', async () => {
  const user = `cutoff-${process.pid}`;
  const link = await startLink(redis.port);
  const island = await startServer(clusterEnv(link.url));
  await publishApi(nodes[0], { user, type: 'notification.send', data: { notificationId: 'kept-1', title: 'kept' } });
  link.cut();
  const c = await eventsClient(island, user);
  // Not an empty inbox: nothing yet, and an acknowledgement is refused as retryable.
  assert.ok(await c.none((m) => m.type === 'notification.send', 500));
  const ack = c.request('notification.acknowledge', { notificationId: 'kept-1' });
  assert.strictEqual((await c.reply(ack, 'error')).data.code, 'SERVER_ERROR');
  link.restore();
  const stored = await c.next((m) => m.type === 'notification.send', 8000);
  assert.strictEqual(stored.data.notificationId, 'kept-1');
  const again = c.request('notification.acknowledge', { notificationId: 'kept-1' });
  await c.reply(again, 'notification.acknowledged');
  c.ws.close();
  await island.stop();
  await link.stop();
});

async function eventsSubscribed(node, user, channel) {
  const c = await eventsClient(node, user);
  const id = c.request('subscribe', { channels: [channel] });
  await c.reply(id, 'subscription.update');
  return c;
}

test('a decision opened through one node takes votes on every node, counts them all and closes once', async () => {
  const decisionId = `cluster_vote_${process.pid}`;
  const deadline = new Date(Date.now() + 60000).toISOString();
  const opened = await api(nodes[0], 'POST', '/api/decisions',
    { decisionId, required: 3, deadline, eligible: { users: ['cv1', 'cv2', 'cv3'] } });
  assert.strictEqual(opened.status, 201, JSON.stringify(opened.body));
  assert.strictEqual((await api(nodes[1], 'POST', '/api/decisions', { decisionId, required: 3, deadline })).status, 409,
    'the id is taken on every node');
  const channel = `decision:${decisionId}`;
  // Voters on three nodes; the two that did not open it learn of it from Redis.
  const voters = [];
  for (const [i, name] of [[1, 'cv1'], [2, 'cv2'], [0, 'cv3']]) {
    const c = await eventsSubscribed(nodes[i], name, channel);
    const snapshot = await c.next((m) => m.type === 'decision.vote.update');
    assert.strictEqual(snapshot.data.voteSummary.total, 0);
    voters.push(c);
  }
  const [v1, v2, v3] = voters;
  const first = await v1.reply(v1.request('decision.vote.cast', { decisionId, vote: 'reject' }), 'decision.vote.received');
  // The same user changes the vote through another node: still one vote, the same id.
  const tab = await eventsClient(nodes[2], 'cv1');
  const changed = await tab.reply(tab.request('decision.vote.cast', { decisionId, vote: 'approve' }), 'decision.vote.received');
  assert.strictEqual(changed.data.voteId, first.data.voteId);
  assert.strictEqual(changed.data.changed, true);
  await v2.reply(v2.request('decision.vote.cast', { decisionId, vote: 'approve' }), 'decision.vote.received');
  const snapshotOnB = await eventsSubscribed(nodes[1], 'watcher', channel);
  const seen = await snapshotOnB.next((m) => m.type === 'decision.vote.update');
  assert.deepStrictEqual(seen.data.voteSummary, { approve: 2, reject: 0, abstain: 0, total: 2, required: 3 },
    'a new subscriber on another node sees the votes of every node');
  await v3.reply(v3.request('decision.vote.cast', { decisionId, vote: 'reject' }), 'decision.vote.received');
  for (const c of [...voters, snapshotOnB]) {
    const result = await c.next((m) => m.type === 'decision.result');
    assert.strictEqual(result.data.result, 'approved');
    assert.deepStrictEqual(result.data.finalVotes, { approve: 2, reject: 1, abstain: 0 });
    assert.ok(await c.none((m) => m.type === 'decision.result', 300), 'one result, from one node');
  }
  const late = await v1.reply(v1.request('decision.vote.cast', { decisionId, vote: 'reject' }), 'error');
  assert.strictEqual(late.data.details.status, 'closed');
  const described = await api(nodes[2], 'GET', `/api/decisions/${decisionId}`);
  assert.strictEqual(described.body.result, 'approved');
  assert.strictEqual(described.body.votes.length, 3);
  for (const c of [...voters, tab, snapshotOnB]) c.ws.close();
});

test('a decision whose node was killed still closes at its deadline, through another node', async () => {
  const victim = await startServer(clusterEnv(redis.url));
  const decisionId = `orphan_vote_${process.pid}`;
  const opened = await api(victim, 'POST', '/api/decisions',
    { decisionId, required: 5, deadline: new Date(Date.now() + 1500).toISOString() });
  assert.strictEqual(opened.status, 201);
  // A second one that no other node has heard of: the nodes' sweep finds it.
  const unseen = `unseen_vote_${process.pid}`;
  assert.strictEqual((await api(victim, 'POST', '/api/decisions',
    { decisionId: unseen, required: 5, deadline: new Date(Date.now() + 1500).toISOString() })).status, 201);
  const watcher = await eventsSubscribed(nodes[1], 'orphan-watcher', `decision:${decisionId}`);
  await watcher.reply(watcher.request('decision.vote.cast', { decisionId, vote: 'approve' }), 'decision.vote.received');
  await victim.kill();
  const result = await watcher.next((m) => m.type === 'decision.result', 8000);
  assert.deepStrictEqual(result.data.finalVotes, { approve: 1, reject: 0, abstain: 0 });
  assert.ok(await watcher.none((m) => m.type === 'decision.result', 300));
  watcher.ws.close();
  let described;
  for (let i = 0; i < 40; i++) {
    described = await api(nodes[2], 'GET', `/api/decisions/${unseen}`);
    if (described.body.status === 'closed') break;
    await wait(200);
  }
  assert.strictEqual(described.body.status, 'closed', JSON.stringify(described.body));
  assert.strictEqual(described.body.result, 'rejected');
});

test('a meeting across nodes: one join and one leave per user, counts for the whole cluster, the agenda for latecomers', async () => {
  const meeting = `cl_meeting_${Date.now()}`;
  const join = async (c) => c.reply(c.request('meeting.join', { meetingId: meeting }));
  const ann = await eventsClient(nodes[0], 'm-ann', '/events/ws', '--name', 'Ann');
  assert.strictEqual((await join(ann)).data.totalParticipants, 1);
  const bob = await eventsClient(nodes[1], 'm-bob', '/events/ws', '--name', 'Bob');
  assert.strictEqual((await join(bob)).data.totalParticipants, 2);
  const bobSeen = await ann.next((m) => m.type === 'meeting.participant.joined' && m.data.participant.userId === 'm-bob');
  assert.strictEqual(bobSeen.data.totalParticipants, 2);
  // Ann's second tab, on another node: no second join anywhere.
  const annTab = await eventsClient(nodes[2], 'm-ann', '/events/ws', '--name', 'Ann');
  annTab.request('meeting.join', { meetingId: meeting });
  assert.ok(await bob.none((m) => m.type === 'meeting.participant.joined', 300), 'one join per user for the cluster');
  // The agenda, set through node 2's API, reaches everyone and a latecomer on node 0.
  const agenda = { currentItem: 2, totalItems: 4 };
  const res = await api(nodes[2], 'POST', `/api/meetings/${meeting}/agenda`, agenda);
  assert.strictEqual(res.status, 200);
  assert.strictEqual(res.body.participants, 2);
  for (const c of [ann, bob, annTab]) {
    assert.deepStrictEqual((await c.next((m) => m.type === 'meeting.agenda.update')).data, { meetingId: meeting, ...agenda });
  }
  const cat = await eventsClient(nodes[0], 'm-cat', '/events/ws', '--name', 'Cat');
  cat.request('meeting.join', { meetingId: meeting });
  assert.deepStrictEqual((await cat.next((m) => m.type === 'meeting.agenda.update')).data, { meetingId: meeting, ...agenda });
  assert.strictEqual((await bob.next((m) => m.type === 'meeting.participant.joined')).data.totalParticipants, 3);
  // Ann leaves from one tab: nothing; from the other: one leave, counted for the cluster.
  await ann.reply(ann.request('meeting.leave', { meetingId: meeting }));
  assert.ok(await bob.none((m) => m.type === 'meeting.participant.left', 300), 'her other tab is still in');
  annTab.ws.close();
  const left = await bob.next((m) => m.type === 'meeting.participant.left');
  assert.strictEqual(left.data.participant.userId, 'm-ann');
  assert.strictEqual(left.data.participant.name, 'Ann');
  assert.strictEqual(left.data.totalParticipants, 2);
  for (const c of [ann, bob, cat]) c.ws.close();
});

test('a meeting whose participant\'s node was killed: they leave within the TTL, once', async () => {
  const meeting = `cl_dead_${Date.now()}`;
  const victim = await startServer({ ...clusterEnv(redis.url), PRESENCE_TTL_MS: '2000' });
  const dan = await eventsClient(victim, 'm-dan', '/events/ws', '--name', 'Dan');
  await dan.reply(dan.request('meeting.join', { meetingId: meeting }));
  const eve = await eventsClient(nodes[1], 'm-eve', '/events/ws', '--name', 'Eve');
  await eve.reply(eve.request('meeting.join', { meetingId: meeting }));
  const killedAt = Date.now();
  await victim.kill();
  const left = await eve.next((m) => m.type === 'meeting.participant.left', 10000);
  assert.strictEqual(left.data.participant.userId, 'm-dan');
  assert.strictEqual(left.data.participant.name, 'Dan');
  assert.strictEqual(left.data.totalParticipants, 1);
  assert.ok(Date.now() - killedAt < 6000, `left after ${Date.now() - killedAt} ms with a TTL of 2000 ms`);
  assert.ok(await eve.none((m) => m.type === 'meeting.participant.left', 1500), 'once');
  // Dan comes back through a live node: a join again.
  const back = await eventsClient(nodes[2], 'm-dan', '/events/ws', '--name', 'Dan');
  back.request('meeting.join', { meetingId: meeting });
  assert.strictEqual((await eve.next((m) => m.type === 'meeting.participant.joined')).data.totalParticipants, 2);
  for (const c of [eve, back]) c.ws.close();
});

test('history API answers the same on every node; /api/publish answers with the position Redis gave', async () => {
  const answer = (await api(nodes[2], 'POST', '/api/publish', { channel: 'messages.api-history', type: 'e', data: { n: 0 } })).body;
  assert.strictEqual(answer.offset, 1);
  assert.match(answer.epoch, /^[0-9a-f]{8}$/);
  await publishApi(nodes[0], { channel: 'messages.api-history', type: 'e', data: { n: 1 } });
  await publishApi(nodes[1], { channel: 'messages.api-history', type: 'e', data: { n: 2 } });
  const bodies = [];
  for (const node of nodes) {
    const res = await api(node, 'GET', '/api/history?channel=messages.api-history&since=0');
    assert.strictEqual(res.status, 200);
    bodies.push(res.body);
  }
  assert.deepStrictEqual(bodies[0].publications.map((p) => p.data.n), [0, 1, 2]);
  assert.strictEqual(bodies[0].epoch, answer.epoch);
  assert.deepStrictEqual(bodies[1], bodies[0]);
  assert.deepStrictEqual(bodies[2], bodies[0]);
});

test('Redis restarting: nodes report degraded, reconnect, resubscribe; old positions no longer recover', async () => {
  const own = await startRedis();
  const a = await startServer(clusterEnv(own.url));
  const b = await startServer(clusterEnv(own.url));
  const reader = await topics(a, 'restart-reader');
  const start = await subscribe(reader, 'messages.restart');
  await subscribe(reader, 'plain.restart');
  const writer = await topics(b, 'restart-writer');
  writer.send({ type: 'message', topic: 'messages.restart', data: 1 });
  const before = await reader.next((m) => m.type === 'message');
  assert.match(start.epoch, /^u-/);
  // Both places of "tiny", one on each node: a restarted Redis learns them again.
  await subscribe(reader, 'tiny');
  await subscribe(writer, 'tiny');

  await own.stop();
  let health;
  for (let i = 0; i < 50; i++) {
    health = await (await fetch(`http://127.0.0.1:${a.port}/health`)).json();
    if (health.status === 'degraded') break;
    await wait(100);
  }
  assert.strictEqual(health.status, 'degraded');
  assert.match(health.reason, /redis/);
  // A backend is never told "done" for what Redis did not take.
  const refused = await api(a, 'POST', '/api/publish', { channel: 'messages.restart', type: 'e', data: 1 });
  assert.strictEqual(refused.status, 503);
  // Subscribes are still answered while Redis is away (local traffic goes on); the node
  // subscribes in Redis once it is back.
  await subscribe(reader, 'plain.while-down');
  await subscribe(reader, 'plain.while-down.*');
  const restarted = await startRedis(own.port);
  for (let i = 0; i < 100; i++) {
    health = await (await fetch(`http://127.0.0.1:${a.port}/health`)).json();
    if (health.status === 'ok') break;
    await wait(100);
  }
  assert.strictEqual(health.status, 'ok');
  await wait(300);  // the subscriber links resubscribe once back
  writer.send({ type: 'message', topic: 'plain.restart', data: 'live again' });
  assert.strictEqual((await reader.next((m) => m.type === 'message' && m.topic === 'plain.restart')).data, 'live again');
  const metrics = await (await fetch(`http://127.0.0.1:${a.port}/metrics`)).text();
  assert.match(metrics, /switchboard_broker_reconnects_total [1-9]/);
  const third = await topics(b, 'restart-third');
  third.send({ type: 'subscribe', topic: 'tiny' });
  const full = await third.next((m) => m.type === 'subscribed' || m.type === 'error');
  assert.strictEqual(full.type, 'error', 'node a\'s place was written again after the restart');
  third.ws.close();

  const again = await topics(b, 'restart-reader');
  const answer = await subscribe(again, 'messages.restart', { offset: before.offset, epoch: before.epoch });
  assert.strictEqual(answer.recovered, false, 'the history was lost with the restart');
  assert.notStrictEqual(answer.epoch, before.epoch);
  for (const c of [reader, writer, again]) c.ws.close();
  await a.stop();
  await b.stop();
  await restarted.stop();
});

test('a dropped subscription link: the node catches up from the history, in order, nothing twice', async () => {
  const reader = await topics(nodes[0], 'gap-reader');
  await subscribe(reader, 'messages.gap');
  await subscribe(reader, 'plain.gap');
  const writer = await topics(nodes[1], 'gap-writer');
  for (let n = 1; n <= 3; n++) writer.send({ type: 'message', topic: 'messages.gap', data: n });
  assert.deepStrictEqual((await collect(reader, 3)).map((m) => m.data), [1, 2, 3]);
  // Every node's subscriber connection dropped at once (Redis keeps its data): what is
  // published before they are back (the first reconnect waits 100 ms) is missed live.
  const { execFileSync } = require('child_process');
  execFileSync('redis-cli', ['-p', String(redis.port), 'CLIENT', 'KILL', 'TYPE', 'pubsub']);
  for (let n = 4; n <= 10; n++) writer.send({ type: 'message', topic: 'messages.gap', data: n });
  await wait(400);
  writer.send({ type: 'message', topic: 'messages.gap', data: 11 });
  const got = await collect(reader, 8, (m) => m.type === 'message' && m.topic === 'messages.gap');
  assert.deepStrictEqual(got.map((m) => m.data), [4, 5, 6, 7, 8, 9, 10, 11]);
  assert.deepStrictEqual(got.map((m) => m.offset), [4, 5, 6, 7, 8, 9, 10, 11]);
  assert.ok(await reader.none((m) => m.type === 'message', 200), 'nothing twice');
  // A channel without history only carries on live.
  writer.send({ type: 'message', topic: 'plain.gap', data: 'after' });
  assert.strictEqual((await reader.next((m) => m.type === 'message' && m.topic === 'plain.gap')).data, 'after');
  reader.ws.close();
  writer.ws.close();
});

test('channels shard over two Redis instances and still reach every node', async () => {
  const r1 = await startRedis();
  const r2 = await startRedis();
  const urls = `${r1.url},${r2.url}`;
  const a = await startServer(clusterEnv(urls));
  const b = await startServer(clusterEnv(urls));
  const reader = await topics(a, 'shard-reader');
  const channels = Array.from({ length: 8 }, (_, i) => `messages.shard.${i}`);
  for (const ch of channels) await subscribe(reader, ch);
  const writer = await topics(b, 'shard-writer');
  for (const ch of channels) writer.send({ type: 'message', topic: ch, data: ch });
  const got = await collect(reader, channels.length);
  assert.deepStrictEqual(got.map((m) => m.data).sort(), [...channels].sort());
  // Both instances hold some of the streams.
  const keys = async (port) => {
    const { execFileSync } = require('child_process');
    return execFileSync('redis-cli', ['-p', String(port), '--scan', '--pattern', 'switchboard:m:*'], { encoding: 'utf8' })
      .split('\n').filter(Boolean);
  };
  const k1 = await keys(r1.port), k2 = await keys(r2.port);
  assert.strictEqual(k1.length + k2.length, channels.length);
  assert.ok(k1.length > 0 && k2.length > 0, `both instances used (${k1.length}/${k2.length})`);
  for (const c of [reader, writer]) c.ws.close();
  await a.stop();
  await b.stop();
  await r1.stop();
  await r2.stop();
});

test('an unreachable Redis at start is a clear error, not a pretend cluster', async () => {
  const port = await freePort();
  await assert.rejects(startServer(clusterEnv(`redis://127.0.0.1:${port}`)), (e) => {
    assert.notStrictEqual(e.code, 0);
    assert.match(e.stderr, new RegExp(`redis://127.0.0.1:${port}`));
    return true;
  });
  await assert.rejects(startServer(clusterEnv('http://nowhere')), (e) => /redis:\/\//.test(e.stderr));
});
