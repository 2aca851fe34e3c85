// The envelope dialect (seed 000): the seed's WebSocketManager run in Node (types stripped,
// `ws` as the global WebSocket), presence, typing and cursors, stored notifications,
// per-channel permission failures, maintenance mode and cross-dialect delivery.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const ts = require('typescript');
const WebSocket = require('ws');
const { startServer, tempStore } = require('./support/server');
const { openClient } = require('./support/client');
const { extractEnvelopeClient, seedDocument, vendored } = require('./support/seed_extract');

const API_KEY = 'test-api-key';
const STORE = tempStore();
let server;

before(async () => {
  server = await startServer({ SWITCHBOARD_DB: STORE });
});
after(async () => {
  assert.strictEqual(await server.stop(), 0);
});

const wait = (ms) => new Promise((r) => setTimeout(r, ms));
const envelopeUrl = (token) => server.url('/v1/ws') + (token ? `?token=${token}` : '');

async function envelope(user, ...tokenArgs) {
  const c = await openClient(envelopeUrl(server.token(user, ...tokenArgs)));
  c.hello = await c.next((m) => m.type === 'CONNECTION_ESTABLISHED');
  return c;
}
async function subscribe(c, channels, id) {
  c.send({ type: 'SUBSCRIBE', payload: { channels }, ...(id ? { id } : {}) });
  return c.next((m) => m.type === 'SUBSCRIPTION_CONFIRMED');
}
async function publish(body) {
  const res = await fetch(`http://127.0.0.1:${server.port}/api/publish`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

// The seed's WebSocketManager, transpiled as written. It calls resubscribe() and
// scheduleReconnect() without defining them, so the test supplies the two in a subclass.
let WebSocketManager;
async function loadManager() {
  if (WebSocketManager) return WebSocketManager;
  globalThis.WebSocket = WebSocket;
  const js = ts.transpileModule(vendored('envelope_manager.ts'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const file = path.join(__dirname, `.envelope_manager_${process.pid}.mjs`);
  fs.writeFileSync(file, js);
  try {
    ({ WebSocketManager } = await import(file));
  } finally {
    fs.rmSync(file, { force: true });
  }
  return WebSocketManager;
}
async function manager(token) {
  const Base = await loadManager();
  class CompletedManager extends Base {
    resubscribe() {
      for (const channel of this.subscriptions.keys()) this.send({ type: 'SUBSCRIBE', payload: { channels: [channel] } });
    }
    scheduleReconnect() {
      this.reconnectTimer = setTimeout(() => this.connect(), 300);
    }
  }
  return new CompletedManager({ url: server.url('/v1/ws'), token, reconnect: true, reconnectInterval: 300 });
}
function collector() {
  const got = [];
  const fn = (m) => got.push(m);
  fn.got = got;
  fn.next = async (pred, ms = 5000) => {
    const start = Date.now();
    while (Date.now() - start < ms) {
      const i = got.findIndex(pred);
      if (i >= 0) return got.splice(i, 1)[0];
      await wait(20);
    }
    throw new Error('timeout waiting for ' + pred);
  };
  return fn;
}

test('the vendored WebSocketManager is the seed document\'s code', () => {
  const doc = seedDocument('000_5db581d8c7f50f01.txt');
  if (!doc) return;
  assert.strictEqual(vendored('envelope_manager.ts'), extractEnvelopeClient(doc)['envelope_manager.ts']);
});

test('WebSocketManager receives matter events and notifications, and resubscribes after a restart', async () => {
  const m = await manager(server.token('mia', '--permission', 'matter:read'));
  const matter = collector();
  const notes = collector();
  m.subscribe('matter:123', matter);
  m.subscribe('user:notifications', notes);
  await wait(400);
  let r = await publish({ channel: 'matter:123', type: 'MATTER_UPDATED',
    data: { matterId: '123', changes: { status: { old: 'ACTIVE', new: 'ON_HOLD' } } } });
  assert.strictEqual(r.status, 200);
  const updated = await matter.next((x) => x.type === 'MATTER_UPDATED');
  assert.strictEqual(updated.payload.changes.status.new, 'ON_HOLD');
  assert.ok(updated.id && updated.timestamp.endsWith('Z'), JSON.stringify(updated));
  assert.strictEqual(updated.metadata.channel, 'matter:123');
  await publish({ channel: 'matter:123', type: 'MATTER_STATUS_CHANGED', data: { matterId: '123', newStatus: 'COMPLETED' } });
  await matter.next((x) => x.type === 'MATTER_STATUS_CHANGED');

  r = await publish({ user: 'mia', type: 'NOTIFICATION', data: { title: 'New Task Assigned', priority: 'HIGH' } });
  assert.strictEqual(r.body.stored, true);
  const note = await notes.next((x) => x.type === 'NOTIFICATION');
  assert.strictEqual(note.payload.title, 'New Task Assigned');
  assert.ok(note.payload.id, 'stored notifications carry an id');

  // Restart the server on the same port and store: the manager reconnects by itself and
  // resubscribes, and events flow again.
  const port = server.port;
  assert.strictEqual(await server.stop(), 0);
  server = await startServer({ SWITCHBOARD_DB: STORE, PORT_FIXED: String(port) });
  await wait(1200);
  // (The manager routes only MATTER_* types to matter channels, so that is what is sent.)
  await publish({ channel: 'matter:123', type: 'MATTER_UPDATED', data: { matterId: '123', changes: { title: 'after restart' } } });
  const afterRestart = await matter.next((x) => x.type === 'MATTER_UPDATED');
  assert.strictEqual(afterRestart.payload.changes.title, 'after restart');
  m.disconnect();
});

test('notifications are stored while offline, delivered on connect, and kept until read (across restarts)', async () => {
  let r = await publish({ user: 'otto', type: 'NOTIFICATION', data: { id: 'notif-1', title: 'While you were away' } });
  assert.strictEqual(r.status, 200);
  r = await publish({ user: 'otto', type: 'NOTIFICATION', data: { id: 'notif-2', title: 'Second' } });
  let c = await envelope('otto');
  await subscribe(c, ['user:notifications']);
  const first = await c.next((m) => m.type === 'NOTIFICATION');
  const second = await c.next((m) => m.type === 'NOTIFICATION');
  assert.deepStrictEqual([first.payload.id, second.payload.id], ['notif-1', 'notif-2']);
  c.send({ type: 'NOTIFICATION_READ', payload: { notificationId: 'notif-1' }, id: 'r1' });
  const confirmed = await c.next((m) => m.type === 'NOTIFICATION_READ_CONFIRMED');
  assert.strictEqual(confirmed.payload.updated, 1);
  c.ws.close();

  const port = server.port;
  assert.strictEqual(await server.stop(), 0);
  server = await startServer({ SWITCHBOARD_DB: STORE, PORT_FIXED: String(port) });
  c = await envelope('otto');
  await subscribe(c, ['user:notifications']);
  const again = await c.next((m) => m.type === 'NOTIFICATION');
  assert.strictEqual(again.payload.id, 'notif-2', 'the unread one survived the restart, the read one did not come back');
  assert.ok(await c.none((m) => m.type === 'NOTIFICATION'));
  c.send({ type: 'NOTIFICATION_READ', payload: { all: true } });
  assert.strictEqual((await c.next((m) => m.type === 'NOTIFICATION_READ_CONFIRMED')).payload.updated, 1);
  c.ws.close();
});

test('stored notifications reach a connection once, however often it subscribes to them', async () => {
  const r = await publish({ user: 'twice', type: 'NOTIFICATION', data: { id: 'notif-once', title: 'Only once' } });
  assert.strictEqual(r.status, 200);
  const c = await envelope('twice');
  // Seed 000's WebSocketManager subscribes to its notifications on every connect, and a
  // client may repeat it on one connection: the stored ones must not come twice.
  await subscribe(c, ['user:notifications']);
  await subscribe(c, ['user:notifications']);
  await subscribe(c, ['user:notifications', 'team:none']);
  assert.strictEqual((await c.next((m) => m.type === 'NOTIFICATION')).payload.id, 'notif-once');
  assert.ok(await c.none((m) => m.type === 'NOTIFICATION', 500));
  // A notification for seed 003's clients reaches this dialect as its own NOTIFICATION,
  // under both ids, so either kind of client can acknowledge it.
  await publish({ user: 'twice', type: 'notification.send', data: { notificationId: 'n-003', title: 'From 003' } });
  const live = await c.next((m) => m.type === 'NOTIFICATION');
  assert.strictEqual(live.payload.id, 'n-003');
  assert.strictEqual(live.payload.notificationId, 'n-003');
  c.ws.close();
});

test('presence: USER_JOINED on the first tab, USER_LEFT after the last, also when a socket just drops', async () => {
  const bob = await envelope('bob', '--name', 'Bob', '--permission', 'matter:read');
  await subscribe(bob, ['matter:7']);
  const alice1 = await envelope('alice', '--name', 'Alice', '--permission', 'matter:read');
  await subscribe(alice1, ['matter:7']);
  const joined = await bob.next((m) => m.type === 'USER_JOINED');
  assert.deepStrictEqual(joined.payload, { channelId: 'matter:7', user: { id: 'alice', name: 'Alice' } });
  const alice2 = await envelope('alice', '--name', 'Alice', '--permission', 'matter:read');
  await subscribe(alice2, ['matter:7']);
  assert.ok(await bob.none((m) => m.type === 'USER_JOINED'), 'a second tab is not a new user');

  bob.send({ type: 'GET_PRESENCE', payload: { channelId: 'matter:7' } });
  const list = await bob.next((m) => m.type === 'PRESENCE_LIST');
  const users = Object.fromEntries(list.payload.users.map((u) => [u.id, u.connections]));
  assert.deepStrictEqual(users, { alice: 2, bob: 1 });

  alice1.ws.close();
  assert.ok(await bob.none((m) => m.type === 'USER_LEFT'), 'one tab left, the user is still here');
  alice2.ws.terminate(); // no close frame: the server notices the dropped socket
  const left = await bob.next((m) => m.type === 'USER_LEFT');
  assert.deepStrictEqual(left.payload, { channelId: 'matter:7', userId: 'alice' });
  bob.ws.close();
});

test('typing and cursors: relayed to others with the server\'s identity, throttled, typing expires', async () => {
  const ann = await envelope('ann', '--name', 'Ann', '--permission', 'document:read');
  const ben = await envelope('ben', '--name', 'Ben');
  await subscribe(ann, ['memo:thread:1', 'document:9']);
  await subscribe(ben, ['memo:thread:1', 'document:9']);

  ann.send({ type: 'TYPING_INDICATOR', payload: { channelId: 'memo:thread:1', userId: 'someone-else', isTyping: true } });
  const typing = await ben.next((m) => m.type === 'TYPING_INDICATOR');
  assert.strictEqual(typing.payload.userId, 'ann', 'the server says who is typing');
  assert.strictEqual(typing.payload.user.name, 'Ann');
  assert.strictEqual(typing.payload.isTyping, true);
  assert.ok(await ann.none((m) => m.type === 'TYPING_INDICATOR', 200), 'not echoed to the typist');
  const stopped = await ben.next((m) => m.type === 'TYPING_INDICATOR', 3000);
  assert.strictEqual(stopped.payload.isTyping, false, 'typing ends by itself after the timeout');

  for (let i = 0; i < 30; i++) {
    ann.send({ type: 'CURSOR_POSITION', payload: { documentId: '9', userId: 'forged', position: { page: 1, x: i, y: 2 * i } } });
  }
  await wait(600);
  const cursors = ben.inbox.filter((m) => m.type === 'CURSOR_POSITION');
  assert.ok(cursors.length >= 1 && cursors.length <= 8, `throttled to ${cursors.length} updates`);
  const last = cursors[cursors.length - 1];
  assert.strictEqual(last.payload.position.x, 29, 'the latest position wins');
  assert.strictEqual(last.payload.userId, 'ann');
  assert.strictEqual(last.payload.channelId, 'document:9');

  ann.send({ type: 'TYPING_INDICATOR', payload: { channelId: 'memo:thread:elsewhere', isTyping: true }, id: 'x' });
  const refused = await ann.next((m) => m.type === 'ERROR');
  assert.strictEqual(refused.payload.code, 'FORBIDDEN');
  ann.send({ type: 'CURSOR_POSITION', payload: { channelId: 'document:other', position: {} } });
  assert.strictEqual((await ann.next((m) => m.type === 'ERROR')).payload.code, 'FORBIDDEN');
  ann.ws.close();
  ben.ws.close();
});

test('SUBSCRIBE lists the channels joined and, per failed channel, the reason', async () => {
  const c = await envelope('pat', '--team', 'red');
  const confirmed = await subscribe(c, ['matter:123', 'user:notifications', 'team:updates', 'team:red'], 's1');
  assert.deepStrictEqual(confirmed.payload.channels, ['user:notifications', 'team:red']);
  assert.deepStrictEqual(confirmed.payload.failed.map((f) => f.channel), ['matter:123', 'team:updates']);
  assert.strictEqual(confirmed.payload.failed[0].reason, 'Insufficient permissions');
  assert.strictEqual(confirmed.metadata.correlationId, 's1');
  const error = await c.next((m) => m.type === 'ERROR' && m.payload.details?.channel === 'matter:123');
  assert.strictEqual(error.payload.code, 'SUBSCRIPTION_FAILED');
  assert.strictEqual(error.payload.details.requiredPermission, 'matter:read');
  c.ws.close();
});

test('authentication by AUTH message, bad tokens, malformed envelopes', async () => {
  const c = await openClient(envelopeUrl());
  c.send({ type: 'SUBSCRIBE', payload: { channels: ['matter:1'] } });
  assert.strictEqual((await c.next((m) => m.type === 'ERROR')).payload.code, 'AUTH_FAILED');
  c.send({ type: 'AUTH', token: 'nope' });
  assert.strictEqual((await c.next((m) => m.type === 'ERROR')).payload.code, 'AUTH_FAILED');
  c.send({ type: 'AUTH', token: server.token('quinn', '--permission', 'matter:read') });
  const hello = await c.next((m) => m.type === 'CONNECTION_ESTABLISHED');
  assert.strictEqual(hello.payload.userId, 'quinn');
  assert.deepStrictEqual(hello.payload.permissions, ['matter:read']);
  assert.ok(hello.payload.sessionId);
  c.ws.send('{"not": "an envelope"');
  assert.strictEqual((await c.next((m) => m.type === 'ERROR')).payload.code, 'INVALID_MESSAGE');
  c.send({ type: 'DANCE' });
  assert.strictEqual((await c.next((m) => m.type === 'ERROR')).payload.code, 'INVALID_MESSAGE');
  c.send({ type: 'PING', timestamp: new Date().toISOString() });
  assert.strictEqual((await c.next((m) => m.type === 'PONG')).type, 'PONG');
  c.ws.close();

  const bad = await openClient(envelopeUrl('bad.token.here'));
  assert.strictEqual((await bad.next((m) => m.type === 'ERROR')).payload.code, 'AUTH_FAILED');
  assert.strictEqual((await bad.closed).code, 1008);
});

test('maintenance mode: connected clients are told, new connections refused, then back to normal', async () => {
  const c = await envelope('max');
  const topicsSide = await openClient(server.url('/ws'));
  const admin = (enabled) =>
    fetch(`http://127.0.0.1:${server.port}/api/admin/maintenance`, {
      method: 'POST', headers: { Authorization: `Bearer ${API_KEY}` }, body: JSON.stringify({ enabled }),
    });
  assert.strictEqual((await admin(true)).status, 200);
  const notice = await c.next((m) => m.type === 'ERROR');
  assert.strictEqual(notice.payload.code, 'MAINTENANCE');
  const fresh = await openClient(envelopeUrl(server.token('late')));
  assert.strictEqual((await fresh.next((m) => m.type === 'ERROR')).payload.code, 'MAINTENANCE');
  assert.strictEqual((await fresh.closed).code, 1013);
  await assert.rejects(openClient(server.url('/ws')), (e) => e.statusCode === 503);
  assert.strictEqual((await admin(false)).status, 200);
  const after = await envelope('after');
  after.ws.close();
  c.ws.close();
  topicsSide.ws.close();
});

test('cross-dialect: topics and rooms clients share channels with envelope clients', async () => {
  const env = await envelope('eva', '--permission', 'matter:read');
  await subscribe(env, ['matter:55']);
  const topics = await openClient(server.url('/ws'));
  topics.send({ type: 'auth', token: server.token('tess', '--permission', 'matter:read', '--permission', 'matter:write') });
  await topics.next((m) => m.type === 'auth_success');
  topics.send({ type: 'subscribe', topic: 'matter:55' });
  await topics.next((m) => m.type === 'subscribed');
  const rooms = await openClient(server.url('/api/ws'), {
    headers: { Cookie: `pm-session=${server.token('rex', '--permission', 'matter:read')}` },
  });
  await rooms.next((m) => m.type === 'connected');
  rooms.send({ type: 'subscribe', payload: { room: 'matter:55' } });
  await rooms.next((m) => m.type === 'subscribed');

  topics.send({ type: 'message', topic: 'matter:55', eventType: 'MEMO_RECEIVED', data: { memoId: 'memo-789', subject: 'Case Update' } });
  const inEnvelope = await env.next((m) => m.type === 'MEMO_RECEIVED');
  assert.strictEqual(inEnvelope.payload.subject, 'Case Update');
  assert.strictEqual(inEnvelope.metadata.userId, 'tess');
  const inRooms = await rooms.next((m) => m.type === 'MEMO_RECEIVED');
  assert.strictEqual(inRooms.payload.memoId, 'memo-789');
  // Presence reaches the other dialects in their own shape too.
  const topicsPresence = await topics.next((m) => m.eventType === 'presence.join');
  assert.strictEqual(topicsPresence.data.user.id, 'rex');
  for (const c of [env, topics, rooms]) c.ws.close();
});
