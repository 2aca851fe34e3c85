// @switchboard/client (clients/js) in Node against a real server: seed 003's TypeScript
// client-library example and its LiveVoting class as written, the offline queue, resume
// after a network drop, a server restart in the middle, token renewal in place, a bad token
// that stops at once (no reconnect storm), non-retryable errors, and heartbeats.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const ts = require('typescript');
const { freePort, until, wait } = require('./support/waiting');
const { startServer, stopAll, tempStore, backendApi } = require('./support/server');
const { eventsClient } = require('./support/client');
const { startProxy } = require('./support/tcp_proxy');
const { startScriptedServer } = require('./support/scripted_ws_server');
const { codeBlock, seedDocument, vendored } = require('./support/seed_extract');

const CLIENT = path.resolve(__dirname, '..', '..', 'clients', 'js', 'dist', 'cjs', 'index.js');
const { BoardroomWebSocket, SwitchboardError, backoffDelay } = require(CLIENT);
const PATH = '/events/ws';
let server;

before(async () => {
  server = await startServer();
});
after(async () => {
  if (server) await server.stop();
  await stopAll();
});

let counter = 0;
const unique = (prefix) => `${prefix}${process.pid}_${++counter}`;


// Records every message type a client hears, and its lifecycle events.
function recorder(client) {
  const seen = [];
  client.on('*', (data, message) => seen.push(message));
  const events = [];
  for (const type of ['client.state', 'client.reconnecting', 'client.stopped', 'client.recovery.failed']) {
    client.on(type, (data) => events.push({ type, ...data }));
  }
  return { seen, events };
}

function publish(srv, channel, type, data) {
  return backendApi(srv, 'POST', '/api/publish', { channel, type, data });
}

// Runs a seed TypeScript snippet (types stripped) with `bindings` as its free variables and
// `require` resolving the seed's package name to clients/js.
function runSeedTypeScript(source, bindings) {
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 },
  }).outputText;
  const seedRequire = (name) => {
    if (name === '@boardroom/websocket-client' || name === '@switchboard/client') return require(CLIENT);
    return require(name);
  };
  const exports = {};
  const names = Object.keys(bindings);
  // eslint-disable-next-line no-new-func
  new Function('require', 'exports', ...names, js)(seedRequire, exports, ...names.map((n) => bindings[n]));
  return exports;
}

test('the vendored seed examples are the seed document\'s code', () => {
  const doc = seedDocument('003_e2ee0edd797c1b50.txt');
  if (!doc) return;
  assert.strictEqual(vendored('boardroom_client_library.ts'), codeBlock(doc, 'typescript', "from '@boardroom/websocket-client'"));
  assert.strictEqual(vendored('live_voting.ts'), codeBlock(doc, 'typescript', 'class LiveVoting'));
});

test('the seed\'s TypeScript example type-checks against the package\'s types as written', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-client-types-'));
  // The example's free variables, declared as its application would have them.
  fs.writeFileSync(path.join(dir, 'globals.d.ts'),
    'declare const authToken: string;\ndeclare const process: { env: Record<string, string | undefined> };\n');
  fs.writeFileSync(path.join(dir, 'example.ts'), `${vendored('boardroom_client_library.ts')}\nexport {};\n`);
  const types = path.resolve(__dirname, '..', '..', 'clients', 'js', 'dist', 'types', 'index.d.ts');
  const program = ts.createProgram([path.join(dir, 'example.ts'), path.join(dir, 'globals.d.ts')], {
    noEmit: true, strict: true, target: ts.ScriptTarget.ES2020, lib: ['lib.es2020.d.ts', 'lib.dom.d.ts'],
    baseUrl: dir, paths: { '@boardroom/websocket-client': [types] },
  });
  const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  assert.deepStrictEqual(problems, []);
  // And a misuse is caught: the handler's data is typed by the message type.
  fs.writeFileSync(path.join(dir, 'example.ts'), "import { BoardroomWebSocket } from '@boardroom/websocket-client'\n" +
    "const c = new BoardroomWebSocket({ url: 'ws://x' })\n" +
    "c.on('decision.vote.update', (data) => { const n: string = data.voteSummary.approve })\nexport {};\n");
  const wrong = ts.createProgram([path.join(dir, 'example.ts')], {
    noEmit: true, strict: true, baseUrl: dir, paths: { '@boardroom/websocket-client': [types] },
    lib: ['lib.es2020.d.ts', 'lib.dom.d.ts'],
  });
  assert.strictEqual(ts.getPreEmitDiagnostics(wrong).length, 1);
});

test('the seed\'s TypeScript example runs as written: queued subscribe and chat, handler on data', async () => {
  const watcher = await eventsClient(server, 'watcher', PATH);
  watcher.request('subscribe', { channels: ['meeting:123'] });
  await watcher.next((m) => m.type === 'subscription.update');

  const logs = [];
  const fakeConsole = { ...console, log: (...args) => logs.push(args) };
  const url = server.url(PATH);
  const source = vendored('boardroom_client_library.ts').replace("'wss://api.boardroom.com/ws'", JSON.stringify(url));
  // The example's free variables are authToken, process (for NODE_ENV) and console.
  const { client } = runSeedTypeScript(`${source}\nexports.client = client;`, {
    authToken: server.token('seed-ts', '--name', 'Seed TS'),
    process: { env: { NODE_ENV: 'test' } },
    console: fakeConsole,
  });

  // The example never calls connect(): its subscribe and send were queued, and go out in
  // order once the connection is ready (the chat needs the subscription first).
  const chat = await watcher.next((m) => m.type === 'meeting.chat.message');
  assert.strictEqual(chat.data.message, 'Hello!');
  assert.strictEqual(chat.data.meetingId, '123');
  assert.strictEqual(chat.data.userId, 'seed-ts');
  assert.deepStrictEqual(client.subscriptions, ['meeting:123']);

  // Its handler receives the message's data.
  const joiner = await eventsClient(server, 'joiner', PATH, '--name', 'Jo Iner');
  joiner.request('meeting.join', { meetingId: '123', role: 'participant' });
  await until(() => logs.find((l) => l[0] === 'Participant joined:'), 5000, 'the seed handler');
  const [, participant] = logs.find((l) => l[0] === 'Participant joined:');
  assert.strictEqual(participant.userId, 'joiner');
  assert.strictEqual(participant.name, 'Jo Iner');
  client.close();
  joiner.ws.close();
  watcher.ws.close();
});

test('the seed\'s LiveVoting class: subscribe, vote with sendAndWait, tally and result', async () => {
  const decisionId = unique('vote_');
  const created = await backendApi(server, 'POST', '/api/decisions', {
    decisionId, required: 2, deadline: new Date(Date.now() + 60_000).toISOString(),
  });
  assert.strictEqual(created.status, 201);
  const { LiveVoting } = runSeedTypeScript(`${vendored('live_voting.ts')}\nexports.LiveVoting = LiveVoting;`, {});
  // The seed leaves the display methods to the application.
  const shown = { tallies: [], result: null };
  class Voting extends LiveVoting {
    updateVoteDisplay(summary) { shown.tallies.push(summary); }
    displayFinalResult(data) { shown.result = data; }
  }
  const client = new BoardroomWebSocket({ url: server.url(PATH), token: server.token('voter1') });
  const voting = new Voting(client);
  await voting.joinVotingSession(decisionId);
  assert.deepStrictEqual(client.subscriptions, [`decision:${decisionId}`]);

  const answer = await client.sendAndWait('decision.vote.cast', { decisionId, vote: 'approve', comment: 'ok' });
  assert.strictEqual(answer.type, 'decision.vote.received');
  assert.strictEqual(answer.data.status, 'recorded');
  const logged = [];
  const log = console.log;
  console.log = (...a) => logged.push(a.join(' '));
  try {
    await voting.castVote(decisionId, 'approve');  // the same vote again: still recorded
  } finally {
    console.log = log;
  }
  assert.ok(logged.includes('Vote recorded successfully'), logged.join('\n'));

  const other = new BoardroomWebSocket({ url: server.url(PATH), token: server.token('voter2') });
  const second = await other.sendAndWait('decision.vote.cast', { decisionId, vote: 'reject' });
  assert.strictEqual(second.data.status, 'recorded');
  await until(() => shown.result, 5000, 'decision.result');
  assert.strictEqual(shown.result.decisionId, decisionId);
  assert.deepStrictEqual(shown.result.finalVotes, { approve: 1, reject: 1, abstain: 0 });
  assert.ok(shown.tallies.length >= 1);
  assert.strictEqual(shown.tallies.at(-1).total, 2);
  client.close();
  other.close();
});

test('sendAndWait: a non-retryable error from the server rejects at once', async () => {
  const client = new BoardroomWebSocket({ url: server.url(PATH), token: server.token('asker') });
  const started = Date.now();
  const failure = await client.sendAndWait('decision.vote.cast', { decisionId: unique('none_'), vote: 'approve' })
    .then(() => null, (e) => e);
  assert.ok(failure instanceof SwitchboardError, String(failure));
  assert.strictEqual(failure.code, 'RESOURCE_NOT_FOUND');
  assert.strictEqual(failure.retryable, false);
  assert.ok(Date.now() - started < 2000, 'not retried');

  const bad = await client.sendAndWait('meeting.join', { meetingId: 'x', role: 'emperor' }).then(() => null, (e) => e);
  assert.strictEqual(bad.code, 'INVALID_MESSAGE');
  client.close();
});

test('messages sent before the socket opens are queued and arrive in order', async () => {
  const meetingId = unique('order_');
  const watcher = await eventsClient(server, 'order-watch', PATH);
  watcher.request('subscribe', { channels: [`meeting:${meetingId}`] });
  await watcher.next((m) => m.type === 'subscription.update');

  const client = new BoardroomWebSocket({ url: server.url(PATH), token: server.token('order'), autoConnect: false });
  client.subscribe(`meeting:${meetingId}`);
  for (let i = 0; i < 20; i++) client.send('meeting.chat.message', { meetingId, message: `m${i}` });
  assert.strictEqual(client.queuedCount, 20);
  assert.strictEqual(client.state, 'idle');
  await client.connect();
  const got = [];
  for (let i = 0; i < 20; i++) got.push((await watcher.next((m) => m.type === 'meeting.chat.message')).data.message);
  assert.deepStrictEqual(got, Array.from({ length: 20 }, (_, i) => `m${i}`));
  assert.strictEqual(client.queuedCount, 0);
  client.close();
  watcher.ws.close();
});

test('unsubscribe stops deliveries, offline and online, and the channel is not joined again', async () => {
  const kept = unique('feed.jskeep');
  const dropped = unique('feed.jsdrop');
  const client = new BoardroomWebSocket({ url: server.url(PATH), token: server.token('unsub'), autoConnect: false });
  const { seen } = recorder(client);
  client.subscribe([kept, dropped]);
  await client.unsubscribe(dropped);  // before connecting: only forgotten
  assert.deepStrictEqual(client.subscriptions, [kept]);
  await client.connect();
  await until(() => seen.find((m) => m.type === 'subscription.update'), 5000, 'the subscription');
  assert.deepStrictEqual(seen.find((m) => m.type === 'subscription.update').data.subscribed, [kept]);
  await publish(server, dropped, 'feed.item', { n: 1 });
  await publish(server, kept, 'feed.item', { n: 2 });
  await until(() => seen.find((m) => m.type === 'feed.item'), 5000, 'the kept channel\'s item');
  const answer = await client.unsubscribe(kept);  // connected: the server is told
  assert.deepStrictEqual(answer.unsubscribed, [kept]);
  await publish(server, kept, 'feed.item', { n: 3 });
  await wait(400);
  assert.deepStrictEqual(seen.filter((m) => m.type === 'feed.item').map((m) => m.data.n), [2]);
  assert.deepStrictEqual(client.subscriptions, []);
  client.close();
});

test('the offline queue has a bound: send() throws QUEUE_FULL beyond it', () => {
  const client = new BoardroomWebSocket({ url: 'ws://127.0.0.1:9/none', autoConnect: false, queueLimit: 3 });
  for (let i = 0; i < 3; i++) client.send('presence.update', { status: 'online' });
  assert.throws(() => client.send('presence.update', { status: 'away' }), (e) => e.code === 'QUEUE_FULL');
  client.close();
});

test('after a network drop the client reconnects, resubscribes and resumes from its last offset', async () => {
  const proxy = await startProxy(server.port);
  const channel = unique('feed.js');
  const client = new BoardroomWebSocket({
    url: `ws://127.0.0.1:${proxy.port}${PATH}`, token: server.token('resumer'),
    backoff: { initialDelayMs: 100, maxDelayMs: 300 },
  });
  const { seen, events } = recorder(client);
  const first = await client.subscribe(channel);
  assert.deepStrictEqual(first.subscribed, [channel]);
  await publish(server, channel, 'feed.item', { n: 1 });
  await until(() => seen.find((m) => m.type === 'feed.item'), 5000, 'the first item');
  const before = client.position(channel);
  assert.strictEqual(before.offset, 1);

  proxy.paused = true;
  proxy.cut();
  await until(() => client.state !== 'open', 2000, 'the drop to be seen');
  // Published while the client is away: it must get these on resume, once each.
  await publish(server, channel, 'feed.item', { n: 2 });
  await publish(server, channel, 'feed.item', { n: 3 });
  await wait(300);
  assert.notStrictEqual(client.state, 'open');
  proxy.paused = false;
  await until(() => seen.filter((m) => m.type === 'feed.item').length === 3, 10000, 'the missed items');
  await publish(server, channel, 'feed.item', { n: 4 });
  await until(() => seen.filter((m) => m.type === 'feed.item').length === 4, 5000, 'a live item');
  await wait(200);
  assert.deepStrictEqual(seen.filter((m) => m.type === 'feed.item').map((m) => m.data.n), [1, 2, 3, 4]);
  const resumed = seen.filter((m) => m.type === 'subscription.update').at(-1);
  assert.strictEqual(resumed.data.recovered, true);
  assert.ok(events.some((e) => e.type === 'client.reconnecting'));
  assert.ok(!events.some((e) => e.type === 'client.recovery.failed'));
  assert.strictEqual(client.position(channel).offset, 4);
  assert.strictEqual(proxy.relayed, 2);
  client.close();
  await proxy.close();
});

test('a server restart in the middle: requests in flight fail, the client comes back and resubscribes', async () => {
  const store = tempStore();
  const port = await freePort();
  let srv = await startServer({ SWITCHBOARD_DB: store, PORT_FIXED: String(port) });
  const channel = unique('feed.restart');
  const client = new BoardroomWebSocket({
    url: srv.url(PATH), token: srv.token('restarter'), backoff: { initialDelayMs: 100, maxDelayMs: 400 },
  });
  const { seen, events } = recorder(client);
  await client.subscribe(channel);
  await publish(srv, channel, 'feed.item', { n: 1 });
  await until(() => seen.find((m) => m.type === 'feed.item'), 5000, 'an item');

  assert.strictEqual(await srv.stop(), 0);
  await until(() => client.state === 'reconnecting', 5000, 'reconnecting');
  // Sent while the server is down: queued, then delivered after the restart.
  client.send('presence.update', { status: 'busy' });
  assert.ok(client.queuedCount >= 1);
  await wait(500);  // a few attempts against a closed port
  srv = await startServer({ SWITCHBOARD_DB: store, PORT_FIXED: String(port) });
  await until(() => client.connected, 10000, 'the reconnection');
  await until(() => seen.filter((m) => m.type === 'subscription.update').length === 2, 5000, 'the resubscription');
  // A single node's history went with it: the client is told its resume could not replay.
  await until(() => events.some((e) => e.type === 'client.recovery.failed' && e.channel === channel), 3000, 'recovery.failed');
  await publish(srv, channel, 'feed.item', { n: 2 });
  await until(() => seen.filter((m) => m.type === 'feed.item').length === 2, 5000, 'a live item after the restart');
  assert.strictEqual(client.queuedCount, 0);
  assert.ok(events.filter((e) => e.type === 'client.reconnecting').length >= 1);
  assert.ok(!events.some((e) => e.type === 'client.stopped'));
  client.close();
  assert.strictEqual(await srv.stop(), 0);
});

test('a bad token stops the client with the reason and no second attempt', async () => {
  const proxy = await startProxy(server.port);
  const client = new BoardroomWebSocket({
    url: `ws://127.0.0.1:${proxy.port}${PATH}`, token: 'not-a-jwt', backoff: { initialDelayMs: 10, maxDelayMs: 20 },
  });
  const { events } = recorder(client);
  const failure = await client.connect().then(() => null, (e) => e);
  assert.strictEqual(failure.code, 'AUTH_FAILED');
  await wait(500);
  assert.strictEqual(proxy.connections, 1, 'no reconnect storm');
  assert.strictEqual(client.state, 'closed');
  const stopped = events.filter((e) => e.type === 'client.stopped');
  assert.strictEqual(stopped.length, 1);
  assert.strictEqual(stopped[0].code, 'AUTH_FAILED');
  await proxy.close();
});

test('an expired token without getToken stops; with getToken the session is renewed in place', async () => {
  const expired = new BoardroomWebSocket({ url: server.url(PATH), token: server.token('late', '--ttl', '-100') });
  const failure = await expired.connect().then(() => null, (e) => e);
  assert.ok(failure && ['AUTH_FAILED', 'AUTH_EXPIRED'].includes(failure.code), String(failure));

  let calls = 0;
  const client = new BoardroomWebSocket({
    url: server.url(PATH),
    // Expired 25 s ago: the server's 30 s leeway leaves it 5 s, renewed a fifth before.
    token: server.token('renewer', '--ttl', '-25'),
    getToken: () => {
      calls++;
      return server.token('renewer', '--ttl', '60');
    },
  });
  const { seen, events } = recorder(client);
  await client.connect();
  await until(() => seen.find((m) => m.type === 'connection.token.refreshed'), 6000, 'the renewal');
  await wait(1500);  // past the first token's end
  assert.strictEqual(client.state, 'open');
  assert.ok(!events.some((e) => e.type === 'client.reconnecting'), 'the session was renewed, not reopened');
  assert.strictEqual(calls, 1);
  assert.ok(await client.ping() >= 0);
  client.close();
});

test('heartbeats measure latency; a dead connection is detected by a missing pong', async () => {
  const client = new BoardroomWebSocket({ url: server.url(PATH), token: server.token('beat'), heartbeatIntervalMs: 100 });
  const latencies = [];
  client.on('client.latency', (d) => latencies.push(d.latencyMs));
  await client.connect();
  await until(() => latencies.length >= 3, 3000, 'three heartbeats');
  assert.ok(latencies.every((l) => typeof l === 'number' && l >= 0 && l < 1000));
  assert.strictEqual(client.latency, latencies.at(-1));
  client.close();

  // A server that answers the upgrade and connection.ready, then nothing at all.
  const silent = await startScriptedServer((conn) => {
    conn.send({ id: '1', type: 'connection.ready', data: { userId: 'u' }, metadata: {} });
  });
  const dead = new BoardroomWebSocket({
    url: `ws://127.0.0.1:${silent.port}/ws`, token: 't', heartbeatIntervalMs: 100, heartbeatTimeoutMs: 200,
    reconnect: false,
  });
  const { events } = recorder(dead);
  await dead.connect();
  await until(() => dead.state === 'closed', 3000, 'the heartbeat timeout');
  assert.ok(events.some((e) => e.type === 'client.stopped'));
  await silent.close();
});

test('backoff: full jitter under a doubling cap, never below the server\'s retryAfter', () => {
  const opts = { initialDelayMs: 100, maxDelayMs: 1000 };
  for (let attempt = 0; attempt < 8; attempt++) {
    const bound = Math.min(1000, 100 * 2 ** attempt);
    assert.strictEqual(backoffDelay(attempt, opts, 0, () => 0.999999), bound - 1);
    assert.strictEqual(backoffDelay(attempt, opts, 0, () => 0), 0);
  }
  assert.strictEqual(backoffDelay(0, opts, 5000, () => 0.5), 5000);
  const spread = new Set(Array.from({ length: 50 }, () => backoffDelay(5, opts)));
  assert.ok(spread.size > 10, 'delays are spread out');
});

test('close() while the handshake is still under way ends the client quietly', async () => {
  // A server that accepts TCP and never answers the upgrade: the socket stays CONNECTING.
  // Node's ws reports closing it then as an error event, which must not escape the client.
  const sockets = [];
  const hanging = require('net').createServer((s) => sockets.push(s));
  await new Promise((resolve) => hanging.listen(0, '127.0.0.1', resolve));
  const client = new BoardroomWebSocket({ url: `ws://127.0.0.1:${hanging.address().port}/ws`, token: 't' });
  const stopped = new Promise((resolve) => client.on('client.stopped', resolve));
  await until(() => sockets.length === 1, 2000, 'the connection');
  client.close();
  assert.strictEqual((await stopped).code, 'CLOSED');
  await wait(100);  // the error event ws emits on the next tick must find a listener
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => hanging.close(resolve));
});

test('a retryAfter in connection.error is honoured before the next attempt', async () => {
  // A server that refuses every connection with a retryable error asking for 800 ms.
  const attempts = [];
  const refusing = await startScriptedServer((conn) => {
    attempts.push(Date.now());
    conn.send({
      id: 'e', type: 'connection.error', metadata: {},
      data: { code: 'CONNECTION_ERROR', message: 'busy', retryable: true, retryAfter: 800 },
    });
    conn.close(1013);
  });
  const client = new BoardroomWebSocket({
    url: `ws://127.0.0.1:${refusing.port}/ws`, token: 't', backoff: { initialDelayMs: 10, maxDelayMs: 20 },
  });
  await until(() => attempts.length >= 3, 5000, 'three attempts');
  client.close();
  await refusing.close();
  for (let i = 1; i < attempts.length; i++) assert.ok(attempts[i] - attempts[i - 1] >= 780, `gap ${attempts[i] - attempts[i - 1]}`);
});

test('sendAndWait: a retryable error is retried after its retryAfter; a non-retryable one and a timeout are not', async () => {
  let casts = 0;
  const responder = await startScriptedServer((conn) => {
    conn.send({ id: 'r', type: 'connection.ready', data: { userId: 'u' }, metadata: {} });
    conn.onMessage((m) => {
      if (m.type !== 'decision.vote.cast') return;
      casts++;
      const correlationId = m.metadata.correlationId;
      if (m.data.decisionId === 'busy' && casts < 3) {
        conn.send({ id: 'x', type: 'error', metadata: { correlationId },
          data: { code: 'RATE_LIMITED', message: 'slow down', retryable: true, retryAfter: 300, correlationId } });
      } else if (m.data.decisionId === 'busy') {
        conn.send({ id: 'y', type: 'decision.vote.received', metadata: { correlationId },
          data: { decisionId: 'busy', status: 'recorded' } });
      } else if (m.data.decisionId === 'silent') {
        // no answer at all
      } else {
        conn.send({ id: 'z', type: 'error', metadata: { correlationId },
          data: { code: 'PERMISSION_DENIED', message: 'no', retryable: false, correlationId } });
      }
    });
  });
  const client = new BoardroomWebSocket({ url: `ws://127.0.0.1:${responder.port}/ws`, token: 't' });
  const started = Date.now();
  const answer = await client.sendAndWait('decision.vote.cast', { decisionId: 'busy', vote: 'approve' });
  assert.strictEqual(answer.data.status, 'recorded');
  assert.strictEqual(casts, 3);
  assert.ok(Date.now() - started >= 580, 'two retryAfter waits of 300 ms');
  const denied = await client.sendAndWait('decision.vote.cast', { decisionId: 'other', vote: 'approve' }).then(() => null, (e) => e);
  assert.strictEqual(denied.code, 'PERMISSION_DENIED');
  assert.strictEqual(casts, 4, 'not retried');
  const silent = await client.sendAndWait('decision.vote.cast', { decisionId: 'silent', vote: 'approve' }, { timeout: 300 })
    .then(() => null, (e) => e);
  assert.strictEqual(silent.code, 'TIMEOUT');
  assert.strictEqual(casts, 5, 'a timeout is not retried');
  client.close();
  await responder.close();
});

// Cost review C7: a pending request used to settle on any message carrying its correlation id,
// whatever its type, so another participant's chat could resolve it.
test('sendAndWait settles only on an answer of the expected type to its own request', async () => {
  const responder = await startScriptedServer((conn) => {
    conn.send({ id: 'r', type: 'connection.ready', data: { userId: 'u' }, metadata: {} });
    conn.onMessage((m) => {
      if (m.type !== 'decision.vote.cast') return;
      const correlationId = m.metadata.correlationId;
      // Someone else's message naming our request, then the real answer.
      conn.send({ id: 'a', type: 'meeting.chat.message', metadata: { correlationId },
        data: { meetingId: 'm', message: 'not an answer', correlationId } });
      conn.send({ id: 'b', type: 'decision.vote.received', metadata: {}, data: { decisionId: 'd', correlationId } });
      setTimeout(() => conn.send({ id: 'c', type: 'decision.vote.received', metadata: { correlationId },
        data: { decisionId: 'd', status: 'recorded' } }), 100);
    });
  });
  const client = new BoardroomWebSocket({ url: `ws://127.0.0.1:${responder.port}/ws`, token: 't' });
  const answer = await client.sendAndWait('decision.vote.cast', { decisionId: 'd', vote: 'approve' });
  assert.strictEqual(answer.type, 'decision.vote.received');
  assert.strictEqual(answer.data.status, 'recorded');
  client.close();
  await responder.close();
});

test('the ESM build loads in Node and connects', async () => {
  const { BoardroomWebSocket: Esm } = await import(path.resolve(__dirname, '..', '..', 'clients', 'js', 'dist', 'esm', 'index.js'));
  const client = new Esm({ url: server.url(PATH), token: server.token('esm') });
  await client.connect();
  assert.strictEqual(client.session.userId, 'esm');
  client.close();
});

