// History and resume on one node: channels whose rule keeps history number their
// publications (offset, epoch), and a client subscribing again with `since` receives what
// it missed, then live ones, exactly once and in order; or `recovered: false` when that
// cannot be done. Every dialect, and the history API for backends.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert');
const { startServer, stopAll, backendApi } = require('./support/server');
const { openClient, topicsClient: clientOf, subscribeTopic } = require('./support/client');

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  assert.strictEqual(await server.stop(), 0);
  await stopAll();  // what a failed test left running
});

const wait = (ms) => new Promise((r) => setTimeout(r, ms));

const api = (method, path, body) => backendApi(server, method, path, body);

const topicsClient = (user) => clientOf(server, user);

// Publishes n messages on topic from c, numbered from `from`, and waits until `until` saw
// the last one.
async function publishRun(c, topic, from, n) {
  for (let i = from; i < from + n; i++) c.send({ type: 'message', topic, data: { n: i } });
}

test('topics: publications carry offset and epoch; a resume replays exactly what was missed', async () => {
  const publisher = await topicsClient('pub-1');
  const reader = await topicsClient('reader-1');
  const first = await subscribeTopic(reader, 'messages.room.r1');
  // A channel that never published has no stream yet: an unstarted position, kept nowhere.
  assert.strictEqual(first.offset, 0);
  assert.match(first.epoch, /^u-[0-9a-f]{8}-[0-9a-f]+$/);
  assert.strictEqual(first.recovered, undefined);
  await publishRun(publisher, 'messages.room.r1', 1, 3);
  const seen = [];
  for (let i = 0; i < 3; i++) seen.push(await reader.next((m) => m.type === 'message'));
  assert.deepStrictEqual(seen.map((m) => m.offset), [1, 2, 3]);
  assert.match(seen[0].epoch, /^[0-9a-f]{8}$/);
  assert.ok(seen.every((m) => m.epoch === seen[0].epoch));
  const last = { offset: seen[2].offset, epoch: seen[2].epoch };
  reader.ws.close();

  await publishRun(publisher, 'messages.room.r1', 4, 4);  // missed while away
  await wait(100);
  const again = await topicsClient('reader-1');
  const answer = await subscribeTopic(again, 'messages.room.r1', last);
  assert.strictEqual(answer.recovered, true);
  assert.strictEqual(answer.offset, 7);
  const replayed = [];
  for (let i = 0; i < 4; i++) replayed.push(await again.next((m) => m.type === 'message'));
  assert.deepStrictEqual(replayed.map((m) => m.data.n), [4, 5, 6, 7]);
  assert.deepStrictEqual(replayed.map((m) => m.offset), [4, 5, 6, 7]);
  await publishRun(publisher, 'messages.room.r1', 8, 1);
  const live = await again.next((m) => m.type === 'message');
  assert.strictEqual(live.offset, 8);
  assert.ok(await again.none((m) => m.type === 'message', 200));
  publisher.ws.close();
  again.ws.close();
});

test('topics: resume says recovered false for a lost gap, a foreign epoch or a future offset', async () => {
  const publisher = await topicsClient('pub-2');
  const reader = await topicsClient('reader-2');
  const start = await subscribeTopic(reader, 'feed.gap');
  await publishRun(publisher, 'feed.gap', 1, 7);  // the rule keeps 5: offsets 1 and 2 drop
  let epoch;
  for (let i = 0; i < 7; i++) epoch = (await reader.next((m) => m.type === 'message')).epoch;
  const cases = [
    [{ offset: 0, epoch: start.epoch }, false],  // from before the stream started: 1 and 2 are gone
    [{ offset: 2, epoch }, true],                // 3..7 are kept
    [{ offset: 7, epoch }, true],                // nothing missed
    [{ offset: 8, epoch }, false],               // beyond the stream
    [{ offset: 3, epoch: 'deadbeef' }, false],   // another epoch
  ];
  for (const [since, recovered] of cases) {
    const c = await topicsClient('reader-2');
    const answer = await subscribeTopic(c, 'feed.gap', since);
    assert.strictEqual(answer.recovered, recovered, JSON.stringify(since));
    assert.strictEqual(answer.offset, 7);
    const expected = recovered ? 7 - since.offset : 0;
    for (let i = 0; i < expected; i++) assert.strictEqual((await c.next((m) => m.type === 'message')).offset, since.offset + 1 + i);
    assert.ok(await c.none((m) => m.type === 'message', 150), 'nothing replayed when not recovered');
    c.ws.close();
  }
  publisher.ws.close();
  reader.ws.close();
});

test('topics: a malformed since or one on a pattern is an error 400, not a replay', async () => {
  const c = await topicsClient('reader-3');
  for (const since of [{ offset: -1, epoch: 'x' }, { offset: 'a', epoch: 'x' }, { offset: 1 }, 'yes', 5]) {
    c.send({ type: 'subscribe', topic: 'messages.room.r9', since });
    const e = await c.next((m) => m.type === 'error');
    assert.strictEqual(e.code, 400);
    assert.strictEqual(e.details.field, 'since');
  }
  c.send({ type: 'subscribe', topic: 'messages.room.*', since: { offset: 1, epoch: 'x' } });
  const e = await c.next((m) => m.type === 'error');
  assert.strictEqual(e.code, 400);
  assert.strictEqual(e.details.field, 'since');
  assert.ok(await c.none((m) => m.type === 'subscribed', 150));
  c.ws.close();
});

test('topics: a channel without history answers recovered false and carries no offsets', async () => {
  const c = await topicsClient('reader-4');
  const answer = await subscribeTopic(c, 'plain.things', { offset: 3, epoch: 'abcd' });
  assert.strictEqual(answer.recovered, false);
  assert.strictEqual(answer.offset, undefined);
  c.send({ type: 'message', topic: 'plain.things', data: 1 });
  const m = await c.next((x) => x.type === 'message');
  assert.strictEqual(m.offset, undefined);
  assert.strictEqual(m.epoch, undefined);
  c.ws.close();
});

test('topics: resuming while a publisher floods loses nothing and repeats nothing', async () => {
  const publisher = await topicsClient('pub-5');
  const reader = await topicsClient('reader-5');
  const start = await subscribeTopic(reader, 'messages.flood');
  reader.ws.close();
  let sent = 0;
  const flood = setInterval(() => {
    for (let i = 0; i < 5 && sent < 80; i++) publisher.send({ type: 'message', topic: 'messages.flood', data: { n: ++sent } });
  }, 2);
  await wait(30);
  const again = await topicsClient('reader-5');
  const answer = await subscribeTopic(again, 'messages.flood', { offset: start.offset, epoch: start.epoch });
  assert.strictEqual(answer.recovered, true);
  while (sent < 80) await wait(5);
  clearInterval(flood);
  const got = [];
  while (got.length < 80) got.push((await again.next((m) => m.type === 'message')).data.n);
  assert.deepStrictEqual(got, Array.from({ length: 80 }, (_, i) => i + 1));
  assert.ok(await again.none((m) => m.type === 'message', 200));
  publisher.ws.close();
  again.ws.close();
});

test('envelope: metadata carries offset and epoch; SUBSCRIBE with payload.since recovers per channel', async () => {
  const url = (user) => server.url('/v1/ws') + '?token=' + server.token(user, '--permission', 'matter:read', '--permission', 'matter:write');
  const open = async (user) => {
    const c = await openClient(url(user));
    await c.next((m) => m.type === 'CONNECTION_ESTABLISHED');
    return c;
  };
  const reader = await open('env-reader');
  reader.send({ type: 'SUBSCRIBE', id: 's1', payload: { channels: ['matter:h1', 'matter:h2', 'plain:x'] } });
  const confirmed = await reader.next((m) => m.type === 'SUBSCRIPTION_CONFIRMED');
  assert.strictEqual(confirmed.payload.recovered, undefined);
  assert.strictEqual(confirmed.payload.streams['matter:h1'].offset, 0);
  assert.strictEqual(confirmed.payload.streams['plain:x'], undefined);
  for (let i = 1; i <= 2; i++) {
    assert.strictEqual((await api('POST', '/api/publish', { channel: 'matter:h1', type: 'matter.updated', data: { i } })).status, 200);
  }
  const seen = [await reader.next((m) => m.type === 'MATTER_UPDATED'), await reader.next((m) => m.type === 'MATTER_UPDATED')];
  assert.deepStrictEqual(seen.map((m) => m.metadata.offset), [1, 2]);
  assert.strictEqual(seen[0].metadata.channel, 'matter:h1');
  const epoch1 = seen[1].metadata.epoch;
  const epoch2 = confirmed.payload.streams['matter:h2'].epoch;
  reader.ws.close();
  for (let i = 3; i <= 4; i++) await api('POST', '/api/publish', { channel: 'matter:h1', type: 'matter.updated', data: { i } });
  await api('POST', '/api/publish', { channel: 'matter:h2', type: 'matter.updated', data: { i: 'h2' } });

  const back = await open('env-reader');
  back.send({
    type: 'SUBSCRIBE', id: 's2',
    payload: { channels: ['matter:h1', 'matter:h2'], since: { 'matter:h1': { offset: 2, epoch: epoch1 }, 'matter:h2': { offset: 0, epoch: epoch2 } } },
  });
  const answer = await back.next((m) => m.type === 'SUBSCRIPTION_CONFIRMED');
  assert.strictEqual(answer.metadata.correlationId, 's2');
  assert.strictEqual(answer.payload.recovered, true);
  assert.deepStrictEqual(answer.payload.streams['matter:h1'], { recovered: true, offset: 4, epoch: epoch1 });
  const replay = [];
  for (let i = 0; i < 3; i++) replay.push(await back.next((m) => m.type === 'MATTER_UPDATED'));
  assert.deepStrictEqual(replay.map((m) => [m.metadata.channel, m.payload.i]), [['matter:h1', 3], ['matter:h1', 4], ['matter:h2', 'h2']]);

  back.send({ type: 'SUBSCRIBE', id: 's3', payload: { channels: ['matter:h1'], since: { 'matter:h1': { offset: 1, epoch: 'other' } } } });
  const lost = await back.next((m) => m.type === 'SUBSCRIPTION_CONFIRMED');
  assert.strictEqual(lost.payload.recovered, false);
  for (const payload of [
    { channels: ['matter:*'], since: { 'matter:*': { offset: 1, epoch: epoch1 } } },
    { channels: ['matter:h1'], since: { 'matter:h9': { offset: 1, epoch: epoch1 } } },
    { channels: ['matter:h1'], since: { 'matter:h1': { offset: 'x', epoch: epoch1 } } },
    { channels: ['matter:h1'], since: [1] },
  ]) {
    back.send({ type: 'SUBSCRIBE', id: 'bad', payload });
    const e = await back.next((m) => m.type === 'ERROR');
    assert.strictEqual(e.payload.code, 'INVALID_MESSAGE', JSON.stringify(payload));
  }
  assert.ok(await back.none((m) => m.type === 'MATTER_UPDATED', 150));
  back.ws.close();
});

test('events: metadata carries offset and epoch; subscribe with data.since answers subscription.update recovered', async () => {
  const open = async (user) => {
    const c = await openClient(`${server.url('/events/ws')}?token=${server.token(user)}`);
    await c.next((m) => m.type === 'connection.ready');
    return c;
  };
  const reader = await open('ev-reader');
  reader.send({ type: 'subscribe', data: { channels: ['feed.events'] } });
  const first = await reader.next((m) => m.type === 'subscription.update');
  assert.strictEqual(first.data.streams['feed.events'].offset, 0);
  await api('POST', '/api/publish', { channel: 'feed.events', type: 'report.ready', data: { n: 1 } });
  const one = await reader.next((m) => m.type === 'report.ready');
  assert.strictEqual(one.metadata.offset, 1);
  const epoch = one.metadata.epoch;
  reader.ws.close();
  await api('POST', '/api/publish', { channel: 'feed.events', type: 'report.ready', data: { n: 2 } });
  const back = await open('ev-reader');
  back.send({ type: 'subscribe', metadata: { correlationId: 'c-1' }, data: { channels: ['feed.events'], since: { 'feed.events': { offset: 1, epoch } } } });
  const answer = await back.next((m) => m.type === 'subscription.update');
  assert.strictEqual(answer.metadata.correlationId, 'c-1');
  assert.strictEqual(answer.data.recovered, true);
  assert.deepStrictEqual(answer.data.subscribed, ['feed.events']);
  const missed = await back.next((m) => m.type === 'report.ready');
  assert.deepStrictEqual([missed.data.n, missed.metadata.offset], [2, 2]);
  back.send({ type: 'subscribe', data: { channels: ['feed.*'], since: { 'feed.*': { offset: 1, epoch } } } });
  const e = await back.next((m) => m.type === 'error');
  assert.strictEqual(e.data.code, 'INVALID_MESSAGE');
  back.ws.close();
});

test('rooms: payload carries offset and epoch; subscribe with payload.since replays the room', async () => {
  const cookie = (user) => ({ headers: { Cookie: `pm-session=${server.token(user)}` } });
  const open = async (user) => {
    const c = await openClient(server.url('/api/ws'), cookie(user));
    await c.next((m) => m.type === 'connected');
    return c;
  };
  const writer = await open('room-writer');
  const reader = await open('room-reader');
  writer.send({ type: 'subscribe', payload: { room: 'feed.room' } });
  await writer.next((m) => m.type === 'subscribed');
  reader.send({ type: 'subscribe', payload: { room: 'feed.room' } });
  const joined = await reader.next((m) => m.type === 'subscribed');
  assert.strictEqual(joined.payload.offset, 0);
  writer.send({ type: 'message', payload: { room: 'feed.room', content: 'one' } });
  const m1 = await reader.next((m) => m.type === 'message');
  assert.strictEqual(m1.payload.offset, 1);
  const epoch = m1.payload.epoch;
  reader.ws.close();
  writer.send({ type: 'message', payload: { room: 'feed.room', content: 'two' } });
  // Numbered before the backend's: with two loops the socket and the HTTP request may be
  // served by different loops, so the order is set by waiting for the sender's own copy.
  await writer.next((m) => m.type === 'message' && m.payload.content === 'two');
  await api('POST', '/api/publish', { channel: 'feed.room', type: 'alert', data: { level: 'high', offset: 'spoofed' } });
  await wait(100);
  const back = await open('room-reader');
  back.send({ type: 'subscribe', id: 'r1', payload: { room: 'feed.room', since: { offset: 1, epoch } } });
  const answer = await back.next((m) => m.type === 'subscribed');
  assert.strictEqual(answer.id, 'r1');
  assert.strictEqual(answer.payload.recovered, true);
  const two = await back.next((m) => m.type === 'message');
  assert.deepStrictEqual([two.payload.content, two.payload.offset], ['two', 2]);
  const alert = await back.next((m) => m.type === 'alert');
  assert.deepStrictEqual(alert.payload, { level: 'high', offset: 3, epoch });
  writer.ws.close();
  back.ws.close();
});

test('history API: a backend reads what a channel kept after an offset', async () => {
  const answers = [];
  for (let i = 1; i <= 3; i++) answers.push((await api('POST', '/api/publish', { channel: 'messages.api', type: 'note', data: { i } })).body);
  assert.deepStrictEqual(answers.map((a) => a.offset), [1, 2, 3]);  // the position each was given
  const all = await api('GET', '/api/history?channel=messages.api');
  assert.strictEqual(all.status, 200);
  assert.strictEqual(all.body.offset, 3);
  assert.match(all.body.epoch, /^[0-9a-f]{8}$/);
  assert.deepStrictEqual(all.body.publications.map((p) => [p.offset, p.data.i, p.event]), [[1, 1, 'note'], [2, 2, 'note'], [3, 3, 'note']]);
  const after = await api('GET', '/api/history?channel=messages.api&since=1&limit=1');
  assert.deepStrictEqual(after.body.publications.map((p) => p.offset), [2]);
  assert.strictEqual((await api('GET', '/api/history?channel=plain.none')).status, 404);
  assert.strictEqual((await api('GET', '/api/history?channel=messages.*')).status, 400);
  assert.strictEqual((await api('GET', '/api/history?channel=messages.api&since=-1')).status, 400);
  assert.strictEqual((await api('GET', '/api/history?channel=messages.api&limit=0')).status, 400);
  const res = await fetch(`http://127.0.0.1:${server.port}/api/history?channel=messages.api`);
  assert.strictEqual(res.status, 401);
});

test('a restart loses the in-memory history: the old position no longer recovers', async () => {
  const store = require('./support/server').tempStore();
  let node = await startServer({ SWITCHBOARD_DB: store });
  const open = async () => {
    const c = await openClient(node.url());
    c.send({ type: 'auth', token: node.token('restart-reader') });
    await c.next((m) => m.type === 'auth_success');
    return c;
  };
  let c = await open();
  c.send({ type: 'subscribe', topic: 'messages.restart' });
  await c.next((m) => m.type === 'subscribed');
  c.send({ type: 'message', topic: 'messages.restart', data: 1 });
  const m = await c.next((x) => x.type === 'message');
  c.ws.close();
  const port = node.port;
  assert.strictEqual(await node.stop(), 0);
  node = await startServer({ SWITCHBOARD_DB: store, PORT_FIXED: String(port) });
  c = await open();
  c.send({ type: 'subscribe', topic: 'messages.restart', since: { offset: m.offset, epoch: m.epoch } });
  const answer = await c.next((x) => x.type === 'subscribed');
  assert.strictEqual(answer.recovered, false);
  assert.notStrictEqual(answer.epoch, m.epoch);
  c.ws.close();
  assert.strictEqual(await node.stop(), 0);
});

test('stream positions are the server\'s, and a resume never reaches a channel the caller may not read', async () => {
  const body = { channel: 'matter:secret', type: 'matter.updated', data: { n: 1 }, metadata: { offset: 999, epoch: 'fake', note: 'kept' } };
  const published = (await api('POST', '/api/publish', body)).body;
  await api('POST', '/api/publish', { ...body, data: { n: 2 } });
  const since = { offset: 0, epoch: published.epoch };

  // A reader with the permission: the backend's offset and epoch give way to the server's.
  const reader = await openClient(server.url('/v1/ws') + '?token=' + server.token('positions', '--permission', 'matter:read'));
  await reader.next((m) => m.type === 'CONNECTION_ESTABLISHED');
  reader.send({ type: 'SUBSCRIBE', payload: { channels: ['matter:secret'], since: { 'matter:secret': since } } });
  assert.strictEqual((await reader.next((m) => m.type === 'SUBSCRIPTION_CONFIRMED')).payload.recovered, true);
  const first = await reader.next((m) => m.type === 'MATTER_UPDATED');
  assert.deepStrictEqual([first.metadata.offset, first.metadata.epoch, first.metadata.note], [1, published.epoch, 'kept']);
  reader.ws.close();

  // Without matter:read: the envelope subscribe fails and nothing is replayed.
  const outsider = await openClient(server.url('/v1/ws') + '?token=' + server.token('outsider'));
  await outsider.next((m) => m.type === 'CONNECTION_ESTABLISHED');
  outsider.send({ type: 'SUBSCRIBE', payload: { channels: ['matter:secret'], since: { 'matter:secret': since } } });
  const refused = await outsider.next((m) => m.type === 'SUBSCRIPTION_CONFIRMED');
  assert.deepStrictEqual(refused.payload.channels, []);
  assert.strictEqual(refused.payload.recovered, undefined);
  assert.ok(await outsider.none((m) => m.type === 'MATTER_UPDATED', 200));
  outsider.ws.close();

  // Nor through the topics dialect, nor for another user's personal channel.
  const mallory = await topicsClient('mallory');
  mallory.send({ type: 'subscribe', topic: 'matter:secret', since });
  assert.strictEqual((await mallory.next((m) => m.type === 'error')).code, 403);
  mallory.send({ type: 'subscribe', topic: 'user:alice', since });
  assert.strictEqual((await mallory.next((m) => m.type === 'error')).code, 403);
  assert.ok(await mallory.none((m) => m.type === 'message' || m.type === 'subscribed', 200));
  mallory.ws.close();

  // The history API is the backend's: the server's own channels are not readable there.
  assert.strictEqual((await api('GET', '/api/history?channel=%24all')).status, 400);
  const read = await api('GET', '/api/history?channel=matter%3Asecret');
  assert.deepStrictEqual(read.body.publications.map((p) => [p.offset, p.data.n]), [[1, 1], [2, 2]]);
});
