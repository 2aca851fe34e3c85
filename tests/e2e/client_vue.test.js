// @switchboard/vue (clients/vue) in Node with `vue` from npm, against a real server's rooms
// dialect: seed 004's quick start (rooms subscribed before the socket opens are kept, the
// reactive state follows the connection), resubscription after a server restart (refused
// rooms left out), a RATE_LIMITED message sent again after retryAfter in order, the
// per-user connection limit that stops reconnecting, and cleanup with the component scope.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert');
const path = require('path');
const WebSocket = require('ws');
const { freePort, until, wait } = require('./support/waiting');
const { startServer, stopAll, tempStore } = require('./support/server');
const { openClient } = require('./support/client');

const VUE_PACKAGE = path.resolve(__dirname, '..', '..', 'clients', 'vue');
// The composable's own copy of vue: one reactivity system for both.
const { effectScope, watch, nextTick } = require(path.join(VUE_PACKAGE, 'node_modules', 'vue'));
const { useWebSocket } = require(path.join(VUE_PACKAGE, 'dist', 'cjs', 'index.js'));
let server;

before(async () => {
  server = await startServer();
});
after(async () => {
  if (server) await server.stop();
  await stopAll();
});


// A Node socket factory with the session cookie, as a browser would send it.
function cookieSocket(token) {
  return (url) => new WebSocket(url, { headers: { Cookie: `pm-session=${token}` } });
}

// A plain rooms client in `room` (a second member who sees what the composable sends).
async function roomMember(srv, user, room, ...tokenArgs) {
  const c = await openClient(srv.url('/api/ws'), { headers: { Cookie: `pm-session=${srv.token(user, ...tokenArgs)}` } });
  await c.next((m) => m.type === 'connected');
  c.send({ type: 'subscribe', payload: { room }, id: 's' });
  const answer = await c.next((m) => m.id === 's');
  assert.strictEqual(answer.type, 'subscribed', JSON.stringify(answer));
  return c;
}


test('seed 004 quick start: rooms subscribed before connecting are kept, state is reactive, messages flow', async () => {
  const member = await roomMember(server, 'vue-member', 'support', '--role', 'editor', '--name', 'Member');
  const scope = effectScope();
  const received = [];
  const changes = [];
  const ws = scope.run(() => {
    // The seed's quick start, with the URL and cookie a browser would supply by itself.
    const { connected, subscribe, sendToRoom, on, connect, connectionId, userId } = useWebSocket({
      url: server.url('/api/ws'), createSocket: cookieSocket(server.token('vue-user', '--role', 'editor', '--name', 'Vue User')),
    });
    watch(connected, (isConnected) => changes.push(isConnected));
    subscribe('support');
    on('message', (payload) => received.push(payload));
    connect();
    return { connected, sendToRoom, connectionId, userId };
  });
  await until(() => ws.connected.value, 5000, 'connected');
  await nextTick();
  assert.deepStrictEqual(changes, [true]);
  assert.strictEqual(ws.userId.value, 'vue-user');
  assert.ok(ws.connectionId.value);
  await wait(200);  // the queued subscribe has been answered
  ws.sendToRoom('support', { text: 'Hello!' });
  const heard = await member.next((m) => m.type === 'message');
  assert.deepStrictEqual(heard.payload.content, { text: 'Hello!' });
  assert.strictEqual(heard.payload.from.id, 'vue-user');
  member.send({ type: 'message', payload: { room: 'support', content: { text: 'hi back' } } });
  await until(() => received.some((p) => p.content.text === 'hi back'), 5000, 'the member\'s message');
  assert.strictEqual(received.find((p) => p.content.text === 'hi back').from.name, 'Member');

  // Disposing the scope (a component unmounting) removes its handlers and closes the socket.
  scope.stop();
  await until(() => !ws.connected.value, 2000, 'the close');
  member.ws.close();
});

test('after a server restart the composable reconnects and joins its rooms again, refused ones left out', async () => {
  const store = tempStore();
  const port = await freePort();
  let srv = await startServer({ SWITCHBOARD_DB: store, PORT_FIXED: String(port) });
  const scope = effectScope();
  const errors = [];
  const messages = [];
  const ws = scope.run(() => {
    const api = useWebSocket({
      url: srv.url('/api/ws'), autoConnect: true, reconnectDelay: 100, maxReconnectDelay: 400, maxReconnectAttempts: 20,
      createSocket: cookieSocket(srv.token('vue-restart', '--role', 'editor')),
    });
    api.subscribe('support');
    api.subscribe('admin:notifications');  // refused to an editor: FORBIDDEN
    api.on('error', (payload) => errors.push(payload.code));
    api.on('message', (payload) => messages.push(payload.content.n));
    return api;
  });
  await until(() => ws.connected.value, 5000, 'connected');
  await until(() => errors.includes('FORBIDDEN'), 3000, 'the refusal');
  assert.strictEqual(await srv.stop(), 0);
  await until(() => !ws.connected.value, 3000, 'the drop');
  ws.sendToRoom('support', { n: 1 });  // queued while the server is down
  await wait(300);
  srv = await startServer({ SWITCHBOARD_DB: store, PORT_FIXED: String(port) });
  await until(() => ws.connected.value, 10000, 'the reconnection');
  const member = await roomMember(srv, 'vue-member2', 'support', '--role', 'editor');
  member.send({ type: 'message', payload: { room: 'support', content: { n: 2 } } });
  await until(() => messages.includes(2), 5000, 'a message in the rejoined room');
  assert.deepStrictEqual(errors, ['FORBIDDEN'], 'the refused room was not asked for again');
  scope.stop();
  member.ws.close();
  assert.strictEqual(await srv.stop(), 0);
});

test('RATE_LIMITED: refused messages are sent again after retryAfter, in their order', async () => {
  const member = await roomMember(server, 'vue-rate-member', 'chat-rate', '--role', 'editor');
  const scope = effectScope();
  const codes = [];
  const ws = scope.run(() => {
    const api = useWebSocket({ url: server.url('/api/ws') + '?rate', createSocket: cookieSocket(server.token('vue-rate')) });
    api.on('error', (payload) => codes.push(payload.code));
    api.subscribe('chat-rate');
    api.connect();
    return api;
  });
  await until(() => ws.connected.value, 5000, 'connected');
  await wait(1100);  // a fresh rate window (the test server allows 5 messages a second)
  for (let n = 1; n <= 9; n++) ws.sendToRoom('chat-rate', { n });
  const got = [];
  try {
    while (got.length < 9) got.push((await member.next((m) => m.type === 'message', 8000)).payload.content.n);
  } catch (e) {
    throw new Error(`${e.message}: the room saw ${JSON.stringify(got)}, the composable heard ${JSON.stringify(codes)}`);
  }
  assert.deepStrictEqual(got, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.ok(codes.includes('RATE_LIMITED'), 'the server did refuse some');
  scope.stop();
  member.ws.close();
});

test('unsubscribe leaves the room: its messages stop', async () => {
  const member = await roomMember(server, 'vue-unsub-member', 'leave-me', '--role', 'editor');
  const scope = effectScope();
  const heard = [];
  const answers = [];
  const ws = scope.run(() => {
    const api = useWebSocket({ url: server.url('/api/ws') + '?unsub', createSocket: cookieSocket(server.token('vue-unsub')) });
    api.on('message', (payload) => heard.push(payload.content.n));
    api.on('subscribed', (payload) => answers.push(`subscribed ${payload.room}`));
    api.on('unsubscribed', (payload) => answers.push(`unsubscribed ${payload.room}`));
    api.subscribe('leave-me');
    api.connect();
    return api;
  });
  await until(() => answers.includes('subscribed leave-me'), 5000, 'the join');
  member.send({ type: 'message', payload: { room: 'leave-me', content: { n: 1 } } });
  await until(() => heard.includes(1), 5000, 'a message in the room');
  ws.unsubscribe('leave-me');
  await until(() => answers.includes('unsubscribed leave-me'), 5000, 'the leave');
  member.send({ type: 'message', payload: { room: 'leave-me', content: { n: 2 } } });
  await wait(400);
  assert.deepStrictEqual(heard, [1]);
  scope.stop();
  member.ws.close();
});

test('the per-user connection limit stops the composable instead of retrying', async () => {
  const token = server.token('vue-limit');
  const others = [];
  for (let i = 0; i < 5; i++) {
    const c = await openClient(server.url('/api/ws'), { headers: { Cookie: `pm-session=${token}` } });
    await c.next((m) => m.type === 'connected');
    others.push(c);
  }
  let opened = 0;
  const scope = effectScope();
  const ws = scope.run(() => useWebSocket({
    url: server.url('/api/ws') + '?limit', autoConnect: true, reconnectDelay: 10, maxReconnectDelay: 20,
    createSocket: (url) => {
      opened++;
      return cookieSocket(token)(url);
    },
  }));
  await until(() => ws.lastError.value, 5000, 'the composable to stop');
  await wait(300);
  assert.strictEqual(ws.lastError.value, 'CONNECTION_LIMIT');
  assert.strictEqual(opened, 1, 'no reconnect storm');
  assert.strictEqual(ws.connected.value, false);
  scope.stop();
  others.forEach((c) => c.ws.close());
});

test('disconnect() while the handshake is still under way stops quietly', async () => {
  // A server that never answers the upgrade; the socket is a plain `ws` one with no error
  // listener of its own, so the composable must keep listening after it lets go of it.
  const sockets = [];
  const hanging = require('net').createServer((s) => sockets.push(s));
  await new Promise((resolve) => hanging.listen(0, '127.0.0.1', resolve));
  const scope = effectScope();
  const ws = scope.run(() => useWebSocket({
    url: `ws://127.0.0.1:${hanging.address().port}/api/ws`, autoConnect: true, createSocket: (url) => new WebSocket(url),
  }));
  await until(() => sockets.length === 1, 2000, 'the connection');
  ws.disconnect();
  await wait(100);  // the error event ws emits on the next tick must find a listener
  assert.strictEqual(ws.connected.value, false);
  scope.stop();
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => hanging.close(resolve));
});

test('maxReconnectAttempts bounds the attempts against a server that is gone', async () => {
  const port = await freePort();
  let opened = 0;
  const scope = effectScope();
  const ws = scope.run(() => useWebSocket({
    url: `ws://127.0.0.1:${port}/api/ws`, autoConnect: true, reconnectDelay: 10, maxReconnectDelay: 20,
    maxReconnectAttempts: 3,
    createSocket: (url) => {
      opened++;
      const s = new WebSocket(url);
      s.on('error', () => {});
      return s;
    },
  }));
  await until(() => ws.lastError.value, 5000, 'giving up');
  assert.strictEqual(ws.lastError.value, 'RECONNECT_FAILED');
  assert.strictEqual(opened, 4, 'the first attempt and three more');
  scope.stop();
});
