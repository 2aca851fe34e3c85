// Seed 002's client classes, run as written against the topics dialect: the JavaScript
// WebSocketClient (with its usage example) and the TypeScript TypedWebSocketClient.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const vm = require('vm');
const ts = require('typescript');
const WebSocket = require('ws');
const { startServer, THREADS } = require('./support/server');
const { openClient } = require('./support/client');
const { extractTopicsClients, seedDocument, vendored } = require('./support/seed_extract');

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  assert.strictEqual(await server.stop(), 0);
});

const wait = (ms) => new Promise((r) => setTimeout(r, ms));

// Runs the seed's JavaScript in a context whose global WebSocket is the `ws` package (the
// browser global the seed assumes), with its example URL and token replaced by real ones.
function runSeedScript(source, logs) {
  const code = source
    .replace("'ws://localhost:3000/ws'", JSON.stringify(server.url()))
    .replace("'your-jwt-token'", JSON.stringify(server.token('alice', '--name', 'Alice')));
  const context = vm.createContext({
    WebSocket,
    setTimeout,
    Promise,
    console: { log: (...a) => logs.push(a), error: (...a) => logs.push(['error', ...a]) },
  });
  vm.runInContext(code + '\n;globalThis.WebSocketClient = WebSocketClient; globalThis.client = client;', context);
  return context;
}

// A raw `ws` client of the topics dialect, for the other side of each conversation.
async function rawClient(user) {
  const c = await openClient(server.url());
  c.send({ type: 'auth', token: server.token(user) });
  assert.strictEqual((await c.next((m) => m.type.startsWith('auth'))).type, 'auth_success');
  return c;
}

test('the vendored seed clients are the seed document\'s code', () => {
  const doc = seedDocument('002_391bebe9faac90a4.txt');
  if (!doc) return; // a clone without ../shared runs the vendored copies only
  for (const [name, text] of Object.entries(extractTopicsClients(doc))) {
    assert.strictEqual(vendored(name), text, `${name} differs from the seed; run support/seed_extract.js`);
  }
});

test('WebSocketClient usage example connects, authenticates, subscribes and publishes', async () => {
  const observer = await rawClient('observer');
  observer.send({ type: 'subscribe', topic: 'messages.channel.*' });
  await observer.next((m) => m.type === 'subscribed');

  const logs = [];
  runSeedScript(vendored('topics_client.js'), logs);
  await wait(500);
  const flat = logs.map((l) => l.join(' '));
  assert.ok(flat.includes('Connected'), flat.join('\n'));
  assert.ok(flat.includes('Authenticated as: alice'), flat.join('\n'));
  assert.ok(flat.includes('Connected and authenticated: alice'), flat.join('\n'));
  const published = await observer.next((m) => m.type === 'message');
  assert.strictEqual(published.topic, 'messages.channel.general');
  assert.deepStrictEqual(published.data, { content: 'Hello from WebSocket!' });
  assert.strictEqual(published.metadata.senderId, 'alice');
  observer.ws.close();
});

test('WebSocketClient receives what others publish to its subscriptions', async () => {
  const logs = [];
  const context = runSeedScript(vendored('topics_client.js'), logs);
  await wait(300);
  const client = context.client;
  assert.strictEqual(client.authenticated, true);
  const received = [];
  const everything = [];
  client.on('message', (m) => everything.push(m));
  client.subscribe('orders.eu.1', (m) => received.push(m));
  await wait(200);
  const bob = await rawClient('bob');
  bob.send({ type: 'message', topic: 'orders.eu.1', data: { n: 1 } });
  bob.send({ type: 'message', topic: 'messages.user.alice.replies', data: { n: 2 } });
  await wait(300);
  // Objects from the vm context have another realm's prototypes: compare as JSON.
  assert.strictEqual(JSON.stringify(received.map((m) => m.data)), JSON.stringify([{ n: 1 }]));
  assert.strictEqual(received[0].metadata.senderId, 'bob');
  // The usage example's 'messages.**' subscription receives any depth from the server
  // (its own client-side matcher is narrower, which the server does not imitate).
  assert.ok(everything.some((m) => m.topic === 'messages.user.alice.replies'), JSON.stringify(everything));
  client.close();
  bob.ws.close();
});

test('WebSocketClient rejects on a bad token with the auth_error message', async () => {
  const logs = [];
  const context = vm.createContext({ WebSocket, setTimeout, Promise, console: { log: (...a) => logs.push(a), error: () => {} } });
  const source = vendored('topics_client.js').split('// Usage')[0];
  vm.runInContext(source + '\n;globalThis.WebSocketClient = WebSocketClient;', context);
  const client = new context.WebSocketClient(server.url(), 'bad.token.value');
  await assert.rejects(client.connect(), /Malformed token|Invalid/);
  client.close();
});

test('TypedWebSocketClient (TypeScript, transpiled as written) connects and receives', async () => {
  const source = vendored('topics_typed_client.ts')
    .replace("'ws://localhost:3000/ws'", JSON.stringify(server.url()))
    .replace("'jwt-token'", JSON.stringify(server.token('user-123')));
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seed-ts-'));
  const file = path.join(__dirname, `.typed_client_${process.pid}.mjs`);
  const lines = [];
  const wrapped = js.replace(/console\.log\(/g, 'globalThis.__seedLog(');
  fs.writeFileSync(file, wrapped);
  globalThis.__seedLog = (...a) => lines.push(a);
  try {
    await import(file); // runs the usage: connect, authenticate, subscribe to messages.user.123
    await wait(300);
    const bob = await rawClient('bob');
    bob.send({ type: 'message', topic: 'messages.user.123', data: { content: 'for 123' } });
    await wait(400);
    assert.deepStrictEqual(lines, [['Message:', { content: 'for 123' }]]);
    bob.ws.close();
  } finally {
    fs.rmSync(file, { force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a token in the upgrade URL authenticates the connection without an auth message', async () => {
  const c = await openClient(`${server.url()}?token=${server.token('url-user', '--name', 'Url User')}`);
  const hello = await c.next();
  assert.strictEqual(hello.type, 'auth_success');
  assert.strictEqual(hello.userId, 'url-user');
  const other = await rawClient('url-publisher');
  c.send({ type: 'subscribe', topic: 'url.news' });
  await c.next((x) => x.type === 'subscribed' && x.topic === 'url.news');
  other.send({ type: 'message', topic: 'url.news', data: { n: 1 } });
  const m = await c.next((x) => x.type === 'message');
  assert.deepStrictEqual(m.data, { n: 1 });
  // A token that does not verify: told at once, and still free to authenticate by message.
  const bad = await openClient(`${server.url()}?token=not.a.token`);
  assert.strictEqual((await bad.next()).type, 'auth_error');
  bad.send({ type: 'subscribe', topic: 'url.news' });
  assert.strictEqual((await bad.next()).code, 401);
  bad.send({ type: 'auth', token: server.token('late') });
  assert.strictEqual((await bad.next((x) => x.type.startsWith('auth'))).type, 'auth_success');
  for (const x of [c, other, bad]) x.ws.close();
});

test(`fan-out across ${THREADS} loop(s): every subscriber gets every message once, in order`, async () => {
  const subscribers = await Promise.all(Array.from({ length: 12 }, (_, i) => rawClient(`sub-${i}`)));
  for (const s of subscribers) {
    s.send({ type: 'subscribe', topic: 'load.*' });
    s.send({ type: 'subscribe', topic: 'load.**' }); // overlapping patterns: still one copy
  }
  for (const s of subscribers) {
    await s.next((m) => m.type === 'subscribed' && m.topic === 'load.**');
  }
  const publishers = await Promise.all([rawClient('pub-a'), rawClient('pub-b')]);
  const perPublisher = 300;
  for (let i = 0; i < perPublisher; i++) {
    publishers[0].send({ type: 'message', topic: 'load.a', data: i });
    publishers[1].send({ type: 'message', topic: 'load.b', data: i });
  }
  for (const s of subscribers) {
    const seen = { 'load.a': [], 'load.b': [] };
    for (let k = 0; k < 2 * perPublisher; k++) {
      const m = await s.next((x) => x.type === 'message');
      seen[m.topic].push(m.data);
    }
    const expected = Array.from({ length: perPublisher }, (_, i) => i);
    assert.deepStrictEqual(seen['load.a'], expected);
    assert.deepStrictEqual(seen['load.b'], expected);
    s.send({ type: 'ping' });
    const after = await s.next((m) => m.type !== 'subscribed');
    assert.strictEqual(after.type, 'pong', 'no duplicate deliveries');
  }
  for (const c of [...subscribers, ...publishers]) c.ws.close();
});
