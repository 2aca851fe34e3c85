// History and resume on one node: channels whose rule keeps history number their
// publications (offset, epoch), and a client subscribing again with `since` receives what
// it missed, then live ones, exactly once and in order; or `recovered: false` when that
// cannot be done. Every dialect, and the history API for backends.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert');
const { startServer } = require('./support/server');
const { openClient } = require('./support/client');

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  assert.strictEqual(await server.stop(), 0);
});

const wait = (ms) => new Promise((r) => setTimeout(r, ms));

async function topicsClient(user) {
  const c = await openClient(server.url());
  c.send({ type: 'auth', token: server.token(user) });
  assert.strictEqual((await c.next((m) => m.type.startsWith('auth'))).type, 'auth_success');
  return c;
}

async function subscribeTopic(c, topic, since) {
  c.send(since ? { type: 'subscribe', topic, since } : { type: 'subscribe', topic });
  return c.next((m) => m.type === 'subscribed' && m.topic === topic);
}

// Publishes n messages on topic from c, numbered from `from`, and waits until `until` saw
// the last one.
async function publishRun(c, topic, from, n) {
  for (let i = from; i < from + n; i++) c.send({ type: 'message', topic, data: { n: i } });
}

test('topics: publications carry offset and epoch; a resume replays exactly what was missed', async () => {
  const publisher = await topicsClient('pub-1');
  const reader = await topicsClient('reader-1');
  const first = await subscribeTopic(reader, 'messages.room.r1');
  assert.strictEqual(first.offset, 0);
  assert.match(first.epoch, /^[0-9a-f]{8}$/);
  assert.strictEqual(first.recovered, undefined);
  await publishRun(publisher, 'messages.room.r1', 1, 3);
  const seen = [];
  for (let i = 0; i < 3; i++) seen.push(await reader.next((m) => m.type === 'message'));
  assert.deepStrictEqual(seen.map((m) => m.offset), [1, 2, 3]);
  assert.ok(seen.every((m) => m.epoch === first.epoch));
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
  for (let i = 0; i < 7; i++) await reader.next((m) => m.type === 'message');
  const cases = [
    [{ offset: 0, epoch: start.epoch }, false],  // 1 and 2 are gone
    [{ offset: 2, epoch: start.epoch }, true],   // 3..7 are kept
    [{ offset: 7, epoch: start.epoch }, true],   // nothing missed
    [{ offset: 8, epoch: start.epoch }, false],  // beyond the stream
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
