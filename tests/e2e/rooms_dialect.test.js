// The rooms dialect (seed 004) with real `ws` clients: cookie sessions, the seed's support
// chat, role and capacity rules, limits, the hub API and cross-dialect delivery.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert');
const http = require('http');
const { startServer } = require('./support/server');
const { openClient } = require('./support/client');

const API_KEY = 'test-api-key';
let server;
let backend;
let backendCalls = 0;

// The application's session service: resolves opaque pm-session ids.
function startSessionBackend() {
  const sessions = {
    'sess-carol': { user: { id: 'carol', name: 'Carol', roles: ['admin'] } },
    'sess-vic': { user: { id: 'vic', name: 'Vic', roles: ['viewer'] } },
  };
  return new Promise((resolve) => {
    const srv = http.createServer((req, res) => {
      backendCalls++;
      const id = /pm-session=([^;]+)/.exec(req.headers.cookie || '')?.[1];
      if (id === 'sess-slow') return setTimeout(() => res.end('{}'), 3000);
      if (id === 'sess-broken') return res.writeHead(500).end('oops');
      if (!sessions[id]) return res.writeHead(401).end('{"error":"no session"}');
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(sessions[id]));
    });
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
}

before(async () => {
  backend = await startSessionBackend();
  server = await startServer({ ROOMS_SESSION_URL: `http://127.0.0.1:${backend.address().port}/api/session` });
});
after(async () => {
  assert.strictEqual(await server.stop(), 0);
  backend.close();
});

const cookieFor = (value) => ({ headers: { Cookie: `theme=dark; pm-session=${value}` } });
const jwtCookie = (user, ...args) => cookieFor(server.token(user, ...args));
async function rooms(options) {
  const c = await openClient(server.url('/api/ws'), options);
  c.hello = await c.next((m) => m.type === 'connected');
  return c;
}
async function join(c, room, id) {
  c.send({ type: 'subscribe', payload: { room }, timestamp: Date.now(), ...(id ? { id } : {}) });
  return c.next((m) => m.type === 'subscribed' || m.type === 'error');
}
async function hubApi(method, path, body) {
  const res = await fetch(`http://127.0.0.1:${server.port}${path}`, {
    method,
    headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json() };
}

test('support chat: an editor and an admin talk in support, a viewer is refused', async () => {
  const alice = await rooms(jwtCookie('alice', '--name', 'Alice', '--role', 'editor'));
  assert.strictEqual(alice.hello.payload.userId, 'alice');
  assert.strictEqual(alice.hello.payload.user.name, 'Alice');
  assert.ok(alice.hello.payload.connectionId);
  assert.strictEqual(typeof alice.hello.timestamp, 'number');
  const carol = await rooms(cookieFor('sess-carol')); // opaque session resolved by the backend
  assert.strictEqual(carol.hello.payload.userId, 'carol');
  const vic = await rooms(cookieFor('sess-vic'));

  assert.strictEqual((await join(alice, 'support', 'j1')).type, 'subscribed');
  const joined = await join(carol, 'support');
  assert.deepStrictEqual(joined.payload, { room: 'support' });
  const refused = await join(vic, 'support', 'j2');
  assert.strictEqual(refused.type, 'error');
  assert.strictEqual(refused.payload.code, 'FORBIDDEN');
  assert.strictEqual(refused.id, 'j2');

  alice.send({ type: 'message', payload: { room: 'support', content: { text: 'Hello!' } }, timestamp: Date.now() });
  for (const c of [alice, carol]) {
    const m = await c.next((x) => x.type === 'message');
    assert.strictEqual(m.payload.room, 'support');
    assert.strictEqual(m.payload.from.name, 'Alice');
    assert.strictEqual(m.payload.content.text, 'Hello!');
  }
  assert.ok(await vic.none((x) => x.type === 'message'), 'the refused viewer hears nothing');
  vic.send({ type: 'message', payload: { room: 'support', content: { text: 'let me in' } } });
  assert.strictEqual((await vic.next((m) => m.type === 'error')).payload.code, 'NOT_SUBSCRIBED');
  for (const c of [alice, carol, vic]) c.ws.close();
});

test('anonymous connections use public rooms only; bad cookies are anonymous', async () => {
  const anon = await rooms();
  assert.strictEqual(anon.hello.payload.authenticated, false);
  assert.strictEqual(anon.hello.payload.userId, null);
  assert.strictEqual((await join(anon, 'lobby')).type, 'subscribed');
  assert.strictEqual((await join(anon, 'support')).payload.code, 'UNAUTHORIZED');
  assert.strictEqual((await join(anon, 'project:123')).payload.code, 'UNAUTHORIZED');
  const member = await rooms(jwtCookie('dan'));
  await join(member, 'lobby');
  member.send({ type: 'message', payload: { room: 'lobby', content: { text: 'welcome' } } });
  assert.strictEqual((await anon.next((m) => m.type === 'message')).payload.content.text, 'welcome');

  for (const cookie of ['not-a-jwt.at.all', server.token('eve', '--ttl', '-300'), 'sess-unknown']) {
    const c = await rooms(cookieFor(cookie));
    assert.strictEqual(c.hello.payload.authenticated, false, cookie);
    c.ws.close();
  }
  anon.ws.close();
  member.ws.close();
});

test('a failing or slow session backend refuses the upgrade after a bounded wait; others keep working', async () => {
  const bystander = await rooms(jwtCookie('bystander'));
  const started = Date.now();
  const slow = openClient(server.url('/api/ws'), cookieFor('sess-slow'));
  bystander.send({ type: 'ping', id: 'p' });
  const pong = await bystander.next((m) => m.type === 'pong');
  assert.strictEqual(pong.id, 'p');
  assert.ok(Date.now() - started < 900, 'the loop is not blocked by the session lookup');
  await assert.rejects(slow, (e) => e.statusCode === 503);
  assert.ok(Date.now() - started < 2500, 'refused within the configured timeout');
  await assert.rejects(openClient(server.url('/api/ws'), cookieFor('sess-broken')), (e) => e.statusCode === 503);
  bystander.ws.close();
});

test('session lookups are cached', async () => {
  const before = backendCalls;
  const a = await rooms(cookieFor('sess-vic'));
  const b = await rooms(cookieFor('sess-vic'));
  assert.ok(backendCalls - before <= 1, `backend called ${backendCalls - before} times`);
  a.ws.close();
  b.ws.close();
});

test('the sixth connection of a user is refused with a clear reason', async () => {
  const cookie = jwtCookie('frank');
  const five = [];
  for (let i = 0; i < 5; i++) five.push(await rooms(cookie));
  const sixth = await openClient(server.url('/api/ws'), cookie);
  const err = await sixth.next((m) => m.type === 'error');
  assert.strictEqual(err.payload.code, 'CONNECTION_LIMIT');
  const closed = await sixth.closed;
  assert.strictEqual(closed.code, 1008);
  assert.match(closed.reason, /too many connections/);
  five[0].ws.close();
  await five[0].closed;
  await new Promise((r) => setTimeout(r, 100));
  const again = await rooms(cookie); // a slot is free again
  for (const c of [...five.slice(1), again]) c.ws.close();
});

test('the rate limit trips with retryAfter and recovers', async () => {
  const c = await rooms(jwtCookie('gus'));
  for (let i = 0; i < 5; i++) c.send({ type: 'ping', id: `p${i}` });
  for (let i = 0; i < 5; i++) assert.strictEqual((await c.next((m) => m.id === `p${i}`)).type, 'pong');
  c.send({ type: 'ping', id: 'over' });
  const limited = await c.next((m) => m.id === 'over');
  assert.strictEqual(limited.type, 'error');
  assert.strictEqual(limited.payload.code, 'RATE_LIMITED');
  assert.ok(limited.payload.retryAfter > 0 && limited.payload.retryAfter <= 1000, JSON.stringify(limited));
  await new Promise((r) => setTimeout(r, limited.payload.retryAfter + 50));
  c.send({ type: 'ping', id: 'after' });
  assert.strictEqual((await c.next((m) => m.id === 'after')).type, 'pong');
  c.ws.close();
});

test('room capacity and rooms per connection', async () => {
  const a = await rooms(jwtCookie('h1'));
  const b = await rooms(jwtCookie('h2'));
  const c = await rooms(jwtCookie('h3'));
  assert.strictEqual((await join(a, 'tiny')).type, 'subscribed');
  assert.strictEqual((await join(b, 'tiny')).type, 'subscribed');
  assert.strictEqual((await join(c, 'tiny')).payload.code, 'ROOM_FULL');
  b.send({ type: 'unsubscribe', payload: { room: 'tiny' } });
  assert.strictEqual((await b.next((m) => m.type === 'unsubscribed')).payload.room, 'tiny');
  assert.strictEqual((await join(c, 'tiny')).type, 'subscribed');

  const d = await rooms(jwtCookie('h4'));
  await new Promise((r) => setTimeout(r, 1100)); // a fresh rate-limit budget for 11 joins
  for (let i = 0; i < 4; i++) assert.strictEqual((await join(d, `r${i}`)).type, 'subscribed');
  await new Promise((r) => setTimeout(r, 1100));
  for (let i = 4; i < 8; i++) assert.strictEqual((await join(d, `r${i}`)).type, 'subscribed');
  await new Promise((r) => setTimeout(r, 1100));
  for (let i = 8; i < 10; i++) assert.strictEqual((await join(d, `r${i}`)).type, 'subscribed');
  assert.strictEqual((await join(d, 'r10')).payload.code, 'ROOM_LIMIT');
  for (const x of [a, b, c, d]) x.ws.close();
});

test('bad input gets an error and the connection stays', async () => {
  const c = await rooms(jwtCookie('ivy'));
  c.ws.send('{not json');
  assert.strictEqual((await c.next((m) => m.type === 'error')).payload.code, 'INVALID_MESSAGE');
  c.send({ type: 'teleport', id: 't' });
  const unknown = await c.next((m) => m.type === 'error');
  assert.strictEqual(unknown.payload.code, 'UNKNOWN_TYPE');
  assert.strictEqual(unknown.id, 't');
  c.send({ type: 'subscribe', payload: {} });
  assert.strictEqual((await c.next((m) => m.type === 'error')).payload.code, 'INVALID_MESSAGE');
  await new Promise((r) => setTimeout(r, 1000));
  c.send({ type: 'ping' });
  assert.strictEqual((await c.next((m) => m.type === 'pong')).type, 'pong');
  c.ws.close();
});

test('hub API: send to a user, broadcast to a room and to a minimum role, list connections, stats', async () => {
  const kim1 = await rooms(jwtCookie('kim', '--role', 'editor'));
  const kim2 = await rooms(jwtCookie('kim', '--role', 'editor'));
  const boss = await rooms(jwtCookie('boss', '--role', 'admin'));
  const anon = await rooms();
  await join(kim1, 'support');
  await join(boss, 'support');

  let r = await hubApi('POST', '/api/hub/send-to-user', { userId: 'kim', type: 'notification', payload: { title: 'New message' } });
  assert.strictEqual(r.status, 200);
  for (const c of [kim1, kim2]) {
    const n = await c.next((m) => m.type === 'notification');
    assert.strictEqual(n.payload.title, 'New message');
  }
  assert.ok(await boss.none((m) => m.type === 'notification'));

  r = await hubApi('POST', '/api/hub/broadcast-to-room', { room: 'support', type: 'message', payload: { type: 'new_ticket' } });
  assert.strictEqual(r.status, 200);
  for (const c of [kim1, boss]) {
    const m = await c.next((x) => x.type === 'message');
    assert.strictEqual(m.payload.room, 'support');
    assert.strictEqual(m.payload.content.type, 'new_ticket');
  }
  assert.ok(await kim2.none((m) => m.type === 'message'));

  r = await hubApi('POST', '/api/hub/broadcast-to-authenticated', { type: 'notification', payload: { title: 'Alert' }, minRole: 'admin' });
  assert.strictEqual(r.status, 200);
  assert.strictEqual((await boss.next((m) => m.type === 'notification')).payload.title, 'Alert');
  assert.ok(await kim1.none((m) => m.type === 'notification'));
  r = await hubApi('POST', '/api/hub/broadcast-to-authenticated', { type: 'notification', payload: { title: 'All' } });
  for (const c of [kim1, kim2, boss]) assert.strictEqual((await c.next((m) => m.type === 'notification')).payload.title, 'All');
  assert.ok(await anon.none((m) => m.type === 'notification'));

  r = await hubApi('GET', '/api/hub/users/kim/connections');
  assert.strictEqual(r.body.data.length, 2);
  assert.deepStrictEqual(r.body.data.map((c) => c.dialect), ['rooms', 'rooms']);
  r = await hubApi('GET', '/api/hub/stats');
  assert.ok(r.body.data.connections >= 4);
  assert.ok(r.body.data.authenticatedUsers >= 2);
  assert.strictEqual(r.body.data.rooms.find((x) => x.name === 'support').members, 2);
  assert.strictEqual(typeof r.body.data.messagesPerSecond, 'number');

  const denied = await fetch(`http://127.0.0.1:${server.port}/api/hub/stats`);
  assert.strictEqual(denied.status, 401);
  for (const c of [kim1, kim2, boss, anon]) c.ws.close();
});

test('cross-dialect: a room is the same channel for topics clients', async () => {
  const roomsSide = await rooms(jwtCookie('lena', '--name', 'Lena', '--role', 'editor'));
  await join(roomsSide, 'support');
  const topics = await openClient(server.url('/ws'));
  topics.send({ type: 'auth', token: server.token('tom', '--name', 'Tom', '--role', 'editor') });
  await topics.next((m) => m.type === 'auth_success');
  topics.send({ type: 'subscribe', topic: 'support' });
  await topics.next((m) => m.type === 'subscribed');

  roomsSide.send({ type: 'message', payload: { room: 'support', content: { text: 'from rooms' } } });
  const inTopics = await topics.next((m) => m.type === 'message');
  assert.strictEqual(inTopics.topic, 'support');
  assert.deepStrictEqual(inTopics.data, { text: 'from rooms' });
  assert.strictEqual(inTopics.metadata.senderId, 'lena');

  topics.send({ type: 'message', topic: 'support', data: { text: 'from topics' } });
  const inRooms = await roomsSide.next((m) => m.type === 'message' && m.payload.content.text === 'from topics');
  assert.strictEqual(inRooms.payload.from.id, 'tom');
  assert.strictEqual(inRooms.payload.from.name, 'Tom');
  roomsSide.ws.close();
  topics.ws.close();
});
