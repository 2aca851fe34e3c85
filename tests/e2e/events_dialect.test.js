// The events dialect (seed 003) with real `ws` clients: every message type of the seed,
// the seed's BoardroomConnection class as written (reconnecting with backoff across a
// restart), a live vote from open to result, token expiry and refresh, rate limits,
// presence across two rooms, and notifications acknowledged across a reconnect and a
// restart.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert');
const ts = require('typescript');
const WebSocket = require('ws');
const { startServer, stopAll, tempStore, backendApi } = require('./support/server');
const { openClient, eventsClient } = require('./support/client');
const { extractEventsClient, seedDocument, vendored } = require('./support/seed_extract');

const PATH = '/events/ws';
let server;

before(async () => {
  server = await startServer();
});
after(async () => {
  assert.strictEqual(await server.stop(), 0);
  await stopAll();  // what a failed test left running
});

const wait = (ms) => new Promise((r) => setTimeout(r, ms));
const later = (ms) => new Date(Date.now() + ms).toISOString();
let counter = 0;
const unique = (prefix) => `${prefix}${process.pid}_${++counter}`;

const events = (srv, user, ...tokenArgs) => eventsClient(srv, user, PATH, ...tokenArgs);
const close = (...clients) => clients.forEach((c) => c.ws.close());

const api = backendApi;

async function subscribe(c, channels) {
  const id = c.request('subscribe', { channels });
  return (await c.reply(id, 'subscription.update')).data;
}

function assertSeedStructure(m) {
  assert.strictEqual(typeof m.id, 'string');
  assert.match(m.type, /^[a-z]+(\.[a-z]+)*$/);
  assert.strictEqual(typeof m.data, 'object');
  assert.strictEqual(typeof m.metadata.timestamp, 'string');
  assert.ok(!Number.isNaN(Date.parse(m.metadata.timestamp)));
  assert.strictEqual(m.metadata.version, '1.0');
}

test('the vendored BoardroomConnection is the seed document\'s code', () => {
  const doc = seedDocument('003_e2ee0edd797c1b50.txt');
  if (!doc) return;
  assert.strictEqual(vendored('boardroom_connection.ts'), extractEventsClient(doc)['boardroom_connection.ts']);
});

test('connection.ready carries the session, user, permissions and server time; clientId is echoed', async () => {
  const token = server.token('ana', '--name', 'Ana', '--permission', 'read', '--permission', 'write');
  const c = await openClient(`${server.url(PATH)}?token=${token}&clientId=tab-7&version=1.0`);
  const ready = await c.next((m) => m.type === 'connection.ready');
  assertSeedStructure(ready);
  assert.strictEqual(ready.data.userId, 'ana');
  assert.deepStrictEqual(ready.data.permissions, ['read', 'write']);
  assert.ok(ready.data.sessionId);
  assert.strictEqual(ready.data.clientId, 'tab-7');
  assert.ok(Math.abs(Date.parse(ready.data.serverTime) - Date.now()) < 5000);
  assert.strictEqual(ready.metadata.userId, 'ana');
  close(c);
});

test('a bad, missing or expired token gets connection.error AUTH_FAILED, then a close', async () => {
  for (const [query, retryable] of [
    ['?token=not.a.jwt', false],
    ['', false],
    [`?token=${server.token('old', '--ttl=-60')}`, true],  // expired beyond the leeway
  ]) {
    const c = await openClient(server.url(PATH) + query);
    const error = await c.next((m) => m.type === 'connection.error');
    assertSeedStructure(error);
    assert.strictEqual(error.data.code, 'AUTH_FAILED');
    assert.strictEqual(error.data.retryable, retryable, query);
    assert.strictEqual((await c.closed).code, 1008);
  }
  const c = await openClient(`${server.url(PATH)}?token=${server.token('v')}&version=2.0`);
  assert.strictEqual((await c.next((m) => m.type === 'connection.error')).data.code, 'INVALID_MESSAGE');
  assert.strictEqual((await c.closed).code, 1008);
});

test('heartbeat: pong echoes the client timestamp with the latency in ms and the correlation id', async () => {
  const c = await events(server, 'hb');
  const sent = new Date(Date.now() - 40).toISOString();
  const id = c.request('connection.heartbeat.ping', { timestamp: sent });
  const pong = await c.reply(id, 'connection.heartbeat.pong');
  assertSeedStructure(pong);
  assert.strictEqual(pong.data.timestamp, sent);
  assert.ok(pong.data.latency >= 30 && pong.data.latency < 5000, `latency ${pong.data.latency}`);
  close(c);
});

test('meetings: joins and leaves with counts, chat with server ids, a dropped connection leaves', async () => {
  const meeting = unique('meeting_');
  const ann = await events(server, 'ann', '--name', 'Ann');
  const bob = await events(server, 'bob', '--name', 'Bob');
  const id = ann.request('meeting.join', { meetingId: meeting, role: 'participant' });
  const first = await ann.reply(id, 'meeting.participant.joined');
  assertSeedStructure(first);
  assert.strictEqual(first.data.meetingId, meeting);
  assert.strictEqual(first.data.totalParticipants, 1);
  assert.deepStrictEqual(Object.keys(first.data.participant).sort(), ['joinedAt', 'name', 'role', 'userId']);
  assert.strictEqual(first.data.participant.name, 'Ann');

  bob.request('meeting.join', { meetingId: meeting, role: 'observer' });
  for (const c of [ann, bob]) {
    const joined = await c.next((m) => m.type === 'meeting.participant.joined' && m.data.participant.userId === 'bob');
    assert.strictEqual(joined.data.totalParticipants, 2);
    assert.strictEqual(joined.data.participant.role, 'observer');
  }
  const chatId = bob.request('meeting.chat.message', { meetingId: meeting, message: 'Hello everyone!', replyTo: null });
  const mine = await bob.reply(chatId, 'meeting.chat.message');
  const theirs = await ann.next((m) => m.type === 'meeting.chat.message');
  for (const chat of [mine, theirs]) {
    assert.deepStrictEqual(
      { ...chat.data, messageId: 'x', timestamp: 'x' },
      { meetingId: meeting, messageId: 'x', userId: 'bob', userName: 'Bob', message: 'Hello everyone!', replyTo: null,
        timestamp: 'x' });
    assert.match(chat.data.messageId, /^msg_/);
    assert.strictEqual(chat.metadata.userId, 'bob');
  }
  assert.strictEqual(mine.data.messageId, theirs.data.messageId);
  const replyId = ann.request('meeting.chat.message', { meetingId: meeting, message: 'Hi Bob', replyTo: mine.data.messageId });
  assert.strictEqual((await bob.next((m) => m.type === 'meeting.chat.message')).data.replyTo, mine.data.messageId);
  await ann.reply(replyId, 'meeting.chat.message');

  const leaveId = ann.request('meeting.leave', { meetingId: meeting });
  const own = await ann.reply(leaveId, 'meeting.participant.left');
  assert.strictEqual(own.data.participant.userId, 'ann');
  const seen = await bob.next((m) => m.type === 'meeting.participant.left');
  assert.strictEqual(seen.data.totalParticipants, 1);
  assert.ok(seen.data.participant.leftAt);

  // A watcher subscribed to the channel sees a dropped connection leave.
  const carl = await events(server, 'carl');
  await subscribe(carl, [`meeting:${meeting}`]);
  bob.ws.terminate();
  const gone = await carl.next((m) => m.type === 'meeting.participant.left');
  assert.strictEqual(gone.data.participant.userId, 'bob');
  assert.strictEqual(gone.data.totalParticipants, 0);
  close(ann, carl);
});

// Cost review C7: a chat or a join used to carry its sender's correlationId to everyone, so a
// participant could answer another user's pending request with a message of their own.
test('a correlationId comes back to its sender only: others see chats and joins without it', async () => {
  const meeting = unique('meeting_');
  const ann = await events(server, 'ann');
  const mal = await events(server, 'mallory');
  await ann.reply(ann.request('meeting.join', { meetingId: meeting, role: 'participant' }), 'meeting.participant.joined');
  const joinId = mal.request('meeting.join', { meetingId: meeting, role: 'participant' });
  const ownJoin = await mal.reply(joinId, 'meeting.participant.joined');
  assert.strictEqual(ownJoin.metadata.correlationId, joinId);
  const seenJoin = await ann.next((m) => m.type === 'meeting.participant.joined' && m.data.participant.userId === 'mallory');
  assert.strictEqual(seenJoin.metadata.correlationId, undefined);
  // Mallory names the id of a request Ann might have pending.
  mal.ws.send(JSON.stringify({ id: 'x', type: 'meeting.chat.message', data: { meetingId: meeting, message: 'gotcha' },
    metadata: { correlationId: 'ann-request-1' } }));
  const seenChat = await ann.next((m) => m.type === 'meeting.chat.message');
  assert.strictEqual(seenChat.metadata.correlationId, undefined);
  assert.strictEqual(seenChat.data.correlationId, undefined);
  const ownChat = await mal.next((m) => m.type === 'meeting.chat.message');
  assert.strictEqual(ownChat.metadata.correlationId, 'ann-request-1');
  close(ann, mal);
});

// Cost review C6: a presence watcher kept hearing a room after refreshing to a token without
// the permission to read it; only joined channels were checked again.
test('a token refresh without the permission ends presence watching too, and says so', async () => {
  const room = `matter:${unique('')}`;
  const watcher = await events(server, 'w_watch', '--permission', 'matter:read');
  const control = await events(server, 'w_control', '--permission', 'matter:read');
  for (const c of [watcher, control]) await c.reply(c.request('presence.subscribe', { roomId: room }), 'presence.list');
  const id = watcher.request('connection.token.refresh', { token: server.token('w_watch') });
  await watcher.reply(id, 'connection.token.refreshed');
  const update = await watcher.reply(id, 'subscription.update');
  assert.deepStrictEqual(update.data.unsubscribed, [room]);
  assert.strictEqual(update.data.failed[room], 'Permission revoked');
  const member = await events(server, 'w_member', '--permission', 'matter:read');
  await subscribe(member, [room]);
  member.request('presence.update', { status: 'busy' });
  // A watcher that kept its permission hears the changes; the one without hears nothing.
  await control.next((m) => m.type === 'presence.changed' && m.data.userId === 'w_member' && m.data.status === 'busy');
  assert.ok(await watcher.none((m) => m.type === 'presence.changed', 300), 'the watcher heard the room');
  close(watcher, control, member);
});

test('the agenda is pushed by the backend to the participants, and shown to latecomers', async () => {
  const meeting = unique('board_');
  const ann = await events(server, 'ann');
  await ann.reply(ann.request('meeting.join', { meetingId: meeting }), 'meeting.participant.joined');
  const agenda = {
    currentItem: 3, totalItems: 5,
    itemDetails: { id: 'item_3', title: 'Budget Review', status: 'in_progress', startedAt: '2024-01-15T10:32:00Z' },
  };
  const res = await api(server, 'POST', `/api/meetings/${meeting}/agenda`, agenda);
  assert.strictEqual(res.status, 200);
  assert.strictEqual(res.body.participants, 1);
  const update = await ann.next((m) => m.type === 'meeting.agenda.update');
  assertSeedStructure(update);
  assert.deepStrictEqual(update.data, { meetingId: meeting, ...agenda });
  const late = await events(server, 'late');
  late.request('meeting.join', { meetingId: meeting });
  assert.deepStrictEqual((await late.next((m) => m.type === 'meeting.agenda.update')).data, update.data);
  assert.strictEqual((await api(server, 'POST', `/api/meetings/${meeting}/agenda`, { currentItem: 'three' })).status, 400);
  const noKey = await fetch(`http://127.0.0.1:${server.port}/api/meetings/${meeting}/agenda`, { method: 'POST', body: '{}' });
  assert.strictEqual(noKey.status, 401);
  close(ann, late);
});

test('chat needs the meeting: a subscriber may chat (the seed\'s example), others get PERMISSION_DENIED', async () => {
  const c = await events(server, 'dee');
  const denied = c.request('meeting.chat.message', { meetingId: '123', message: 'Hello!' });
  const error = await c.reply(denied, 'error');
  assertSeedStructure(error);
  assert.strictEqual(error.data.code, 'PERMISSION_DENIED');
  assert.strictEqual(error.data.correlationId, denied);
  assert.strictEqual(error.data.retryable, false);
  await subscribe(c, ['meeting:123']);
  const ok = c.request('meeting.chat.message', { meetingId: '123', message: 'Hello!' });
  assert.strictEqual((await c.reply(ok, 'meeting.chat.message')).data.message, 'Hello!');
  // Meeting roles: presenter and host need the configured role.
  const host = c.request('meeting.join', { meetingId: '124', role: 'host' });
  assert.strictEqual((await c.reply(host, 'error')).data.code, 'PERMISSION_DENIED');
  const bad = c.request('meeting.join', { meetingId: '124', role: 'emperor' });
  assert.strictEqual((await c.reply(bad, 'error')).data.code, 'INVALID_MESSAGE');
  const admin = await events(server, 'boss', '--role', 'admin');
  const asHost = admin.request('meeting.join', { meetingId: '124', role: 'host' });
  assert.strictEqual((await admin.reply(asHost, 'meeting.participant.joined')).data.participant.role, 'host');
  close(c, admin);
});

test('a live vote: three voters, tallies to every subscriber, a changed vote, the result, then refusals', async () => {
  const decisionId = unique('decision_');
  const opened = await api(server, 'POST', '/api/decisions', {
    decisionId, meetingId: 'vote_room', required: 3, deadline: later(60000), eligible: { users: ['v1', 'v2', 'v3'] },
  });
  assert.strictEqual(opened.status, 201, JSON.stringify(opened.body));
  assert.strictEqual(opened.body.status, 'voting');
  assert.strictEqual((await api(server, 'POST', '/api/decisions', { decisionId, required: 3, deadline: later(60000) })).status, 409);
  // Only a backend opens or reads decisions: a user's token is not the API key.
  for (const [method, path] of [['POST', '/api/decisions'], ['GET', `/api/decisions/${decisionId}`]]) {
    const res = await fetch(`http://127.0.0.1:${server.port}${path}`, {
      method, headers: { Authorization: `Bearer ${server.token('v1')}` },
      body: method === 'POST' ? JSON.stringify({ decisionId: unique('x_'), required: 1, deadline: later(60000) }) : undefined,
    });
    assert.strictEqual(res.status, 401, `${method} ${path}`);
  }

  const voters = [];
  for (const name of ['v1', 'v2', 'v3']) {
    const c = await events(server, name);
    const subscribed = await subscribe(c, [`decision:${decisionId}`]);
    assert.deepStrictEqual(subscribed.subscribed, [`decision:${decisionId}`]);
    // A new subscriber sees the tally so far.
    const snapshot = await c.next((m) => m.type === 'decision.vote.update');
    assert.strictEqual(snapshot.data.voteSummary.total, 0);
    voters.push(c);
  }
  const outsider = await events(server, 'outsider');
  await subscribe(outsider, [`decision:${decisionId}`]);
  await outsider.next((m) => m.type === 'decision.vote.update');

  const [v1, v2, v3] = voters;
  let id = v1.request('decision.vote.cast', { decisionId, vote: 'reject', comment: 'Not yet' });
  const received = await v1.reply(id, 'decision.vote.received');
  assertSeedStructure(received);
  assert.strictEqual(received.data.status, 'recorded');
  assert.strictEqual(received.data.decisionId, decisionId);
  assert.match(received.data.voteId, /^vote_/);
  const update = await outsider.next((m) => m.type === 'decision.vote.update' && m.data.voteSummary.total === 1);
  assert.deepStrictEqual(update.data.voteSummary, { approve: 0, reject: 1, abstain: 0, total: 1, required: 3 });
  assert.strictEqual(update.data.status, 'voting');
  assert.strictEqual(update.data.deadline.slice(0, 16), opened.body.deadline.slice(0, 16));

  // Voting twice is a change, not a second vote.
  id = v1.request('decision.vote.cast', { decisionId, vote: 'approve' });
  const changed = await v1.reply(id, 'decision.vote.received');
  assert.strictEqual(changed.data.voteId, received.data.voteId);
  assert.strictEqual(changed.data.changed, true);
  await outsider.next((m) => m.type === 'decision.vote.update' && m.data.voteSummary.approve === 1);

  // Bad votes change nothing.
  id = v2.request('decision.vote.cast', { decisionId, vote: 'maybe' });
  assert.strictEqual((await v2.reply(id, 'error')).data.code, 'INVALID_MESSAGE');
  id = v2.request('decision.vote.cast', { decisionId: 'no_such_decision', vote: 'approve' });
  assert.strictEqual((await v2.reply(id, 'error')).data.code, 'RESOURCE_NOT_FOUND');
  id = outsider.request('decision.vote.cast', { decisionId, vote: 'approve' });
  assert.strictEqual((await outsider.reply(id, 'error')).data.code, 'PERMISSION_DENIED');

  await v2.reply(v2.request('decision.vote.cast', { decisionId, vote: 'approve' }), 'decision.vote.received');
  await v3.reply(v3.request('decision.vote.cast', { decisionId, vote: 'reject' }), 'decision.vote.received');
  for (const c of [...voters, outsider]) {
    const last = await c.next((m) => m.type === 'decision.vote.update' && m.data.voteSummary.total === 3);
    assert.strictEqual(last.data.status, 'closed');
    const result = await c.next((m) => m.type === 'decision.result');
    assertSeedStructure(result);
    assert.strictEqual(result.data.result, 'approved');
    assert.deepStrictEqual(result.data.finalVotes, { approve: 2, reject: 1, abstain: 0 });
    assert.ok(result.data.completedAt);
  }
  id = v3.request('decision.vote.cast', { decisionId, vote: 'approve' });
  const closedError = await v3.reply(id, 'error');
  assert.strictEqual(closedError.data.code, 'PERMISSION_DENIED');
  assert.strictEqual(closedError.data.details.status, 'closed');
  const described = await api(server, 'GET', `/api/decisions/${decisionId}`);
  assert.strictEqual(described.body.result, 'approved');
  assert.strictEqual(described.body.votes.length, 3);
  assert.strictEqual((await api(server, 'GET', '/api/decisions/unknown_one')).status, 404);
  close(...voters, outsider);
});

test('a decision closes at its deadline with the votes it has', async () => {
  const decisionId = unique('deadline_');
  assert.strictEqual((await api(server, 'POST', '/api/decisions', { decisionId, required: 10, deadline: later(1500) })).status, 201);
  const c = await events(server, 'early');
  await subscribe(c, [`decision:${decisionId}`]);
  await c.reply(c.request('decision.vote.cast', { decisionId, vote: 'reject' }), 'decision.vote.received');
  const result = await c.next((m) => m.type === 'decision.result', 5000);
  assert.strictEqual(result.data.result, 'rejected');
  assert.deepStrictEqual(result.data.finalVotes, { approve: 0, reject: 1, abstain: 0 });
  for (const body of [
    { decisionId: unique('bad_'), required: 0, deadline: later(1000) },
    { decisionId: unique('bad_'), required: 2, deadline: 'soon' },
    { decisionId: unique('bad_'), required: 2, deadline: '2001-01-01T00:00:00Z' },
    { decisionId: 'has:colon', required: 2, deadline: later(1000) },
  ]) {
    assert.strictEqual((await api(server, 'POST', '/api/decisions', body)).status, 400, JSON.stringify(body));
  }
  close(c);
});

test('presence across two rooms: changes reach roommates and watchers, presence.list shows status', async () => {
  const r1 = unique('room_'), r2 = unique('room_'), r3 = unique('room_');
  const ana = await events(server, 'p_ana', '--name', 'Ana');
  const ben = await events(server, 'p_ben');
  const cy = await events(server, 'p_cy');
  const dot = await events(server, 'p_dot');
  const eve = await events(server, 'p_eve');
  for (const [c, rooms] of [[ana, [r1, r2]], [ben, [r1]], [cy, [r2]], [eve, [r3]]]) {
    for (const room of rooms) await c.reply(c.request('meeting.join', { meetingId: room }), 'meeting.participant.joined');
  }
  // Dot watches r2's presence without being in it.
  let id = dot.request('presence.subscribe', { roomId: r2 });
  const list = await dot.reply(id, 'presence.list');
  assert.strictEqual(list.data.roomId, r2);
  assert.deepStrictEqual(list.data.users.map((u) => u.userId).sort(), ['p_ana', 'p_cy']);

  const activity = { type: 'viewing', target: r2 };
  ana.request('presence.update', { status: 'away', activity });
  const toBen = await ben.next((m) => m.type === 'presence.changed' && m.data.userId === 'p_ana' && m.data.status === 'away');
  assert.strictEqual(toBen.data.roomId, r1);
  assert.deepStrictEqual(toBen.data.activity, activity);
  assert.ok(toBen.data.lastSeen);
  const toCy = await cy.next((m) => m.type === 'presence.changed' && m.data.status === 'away');
  assert.strictEqual(toCy.data.roomId, r2);
  assert.strictEqual((await dot.next((m) => m.type === 'presence.changed' && m.data.status === 'away')).data.roomId, r2);
  assert.ok(await eve.none((m) => m.type === 'presence.changed' && m.data.userId === 'p_ana'));
  // The watcher hears presence only, not the room's chat.
  cy.request('meeting.chat.message', { meetingId: r2, message: 'only for members' });
  await ana.next((m) => m.type === 'meeting.chat.message');
  assert.ok(await dot.none((m) => m.type === 'meeting.chat.message'));

  id = dot.request('presence.subscribe', { roomId: r2 });
  const ann = (await dot.reply(id, 'presence.list')).data.users.find((u) => u.userId === 'p_ana');
  assert.strictEqual(ann.status, 'away');
  assert.deepStrictEqual(ann.activity, activity);
  id = ana.request('presence.update', { status: 'sleeping' });
  assert.strictEqual((await ana.reply(id, 'error')).data.code, 'INVALID_MESSAGE');
  id = dot.request('presence.subscribe', { roomId: 'matter:1' });  // needs matter:read
  assert.strictEqual((await dot.reply(id, 'error')).data.code, 'PERMISSION_DENIED');
  close(ana, ben, cy, dot, eve);
});

test('collaboration: cursors with name and a stable colour, typing indicators, both only where joined', async () => {
  const doc = unique('doc_');
  const ann = await events(server, 'c_ann', '--name', 'Ann');
  const bob = await events(server, 'c_bob');
  let id = ann.request('collaboration.cursor', { documentId: doc, position: { line: 1, column: 1 } });
  assert.strictEqual((await ann.reply(id, 'error')).data.code, 'PERMISSION_DENIED');
  await subscribe(ann, [`document:${doc}`]);
  await subscribe(bob, [`document:${doc}`]);
  const cursor = { documentId: doc, position: { line: 10, column: 25 },
    selection: { start: { line: 10, column: 20 }, end: { line: 10, column: 30 } } };
  ann.request('collaboration.cursor', cursor);
  const update = await bob.next((m) => m.type === 'collaboration.cursor.update');
  assertSeedStructure(update);
  assert.deepStrictEqual({ ...update.data, color: 'x' },
    { documentId: doc, userId: 'c_ann', userName: 'Ann', color: 'x', position: cursor.position, selection: cursor.selection });
  assert.match(update.data.color, /^#[0-9A-F]{6}$/);
  await wait(150);
  ann.request('collaboration.cursor', { ...cursor, position: { line: 11, column: 1 } });
  assert.strictEqual((await bob.next((m) => m.type === 'collaboration.cursor.update')).data.color, update.data.color);
  assert.ok(await ann.none((m) => m.type === 'collaboration.cursor.update', 200));  // not echoed

  const room = unique('typing_');
  for (const c of [ann, bob]) await c.reply(c.request('meeting.join', { meetingId: room }), 'meeting.participant.joined');
  ann.request('collaboration.typing', { roomId: room, isTyping: true });
  const typing = await bob.next((m) => m.type === 'collaboration.typing.update');
  assert.deepStrictEqual(typing.data, { roomId: room, userId: 'c_ann', userName: 'Ann', isTyping: true });
  // Ends by itself without news (typing_timeout_ms).
  assert.strictEqual((await bob.next((m) => m.type === 'collaboration.typing.update', 4000)).data.isTyping, false);
  id = bob.request('collaboration.typing', { roomId: 'elsewhere', isTyping: true });
  assert.strictEqual((await bob.reply(id, 'error')).data.code, 'PERMISSION_DENIED');

  // A pattern subscription is not a room: relays to `meeting:*` or `document:*` would reach
  // everyone listening to every meeting, so they are refused and nothing is relayed.
  const eve = await events(server, 'c_eve');
  await subscribe(eve, ['meeting:*', 'document:*']);
  id = eve.request('collaboration.typing', { roomId: 'meeting:*', isTyping: true });
  assert.strictEqual((await eve.reply(id, 'error')).data.code, 'PERMISSION_DENIED');
  id = eve.request('collaboration.cursor', { documentId: 'document:*', position: { line: 1, column: 1 } });
  assert.strictEqual((await eve.reply(id, 'error')).data.code, 'PERMISSION_DENIED');
  assert.ok(await ann.none((m) => m.data && m.data.userId === 'c_eve', 300));
  id = eve.request('meeting.join', { meetingId: '*' });
  assert.strictEqual((await eve.reply(id, 'error')).data.code, 'INVALID_MESSAGE');
  id = eve.request('meeting.chat.message', { meetingId: '*', message: 'to every meeting?' });
  assert.strictEqual((await eve.reply(id, 'error')).data.code, 'PERMISSION_DENIED');
  close(ann, bob, eve);
});

test('subscriptions: subscription.update with subscribed and failed as a map; own user channel only', async () => {
  const c = await events(server, 'sub_user');
  const data = await subscribe(c, ['meeting:123', 'decision:456', 'user:sub_user', 'user:789', 'bad channel', '$all']);
  assert.deepStrictEqual(data.subscribed, ['meeting:123', 'decision:456', 'user:sub_user']);
  assert.deepStrictEqual(data.failed, {
    'user:789': 'Permission denied', 'bad channel': 'Invalid channel name', $all: 'Invalid channel name',
  });
  const id = c.request('unsubscribe', { channels: ['meeting:123'] });
  const update = await c.reply(id, 'subscription.update');
  assert.deepStrictEqual(update.data.unsubscribed, ['meeting:123']);
  // Publications on the personal channel still arrive after unsubscribing from it.
  await c.reply(c.request('unsubscribe', { channels: ['user:sub_user'] }), 'subscription.update');
  await api(server, 'POST', '/api/publish', { user: 'sub_user', type: 'account.updated', data: { plan: 'pro' } });
  const personal = await c.next((m) => m.type === 'account.updated');
  assert.strictEqual(personal.metadata.channel, 'user:sub_user');
  close(c);
});

test('errors: bad JSON, unknown types and wrong shapes get INVALID_MESSAGE and the connection stays', async () => {
  const c = await events(server, 'err_user');
  c.ws.send('{not json');
  const bad = await c.next((m) => m.type === 'error');
  assertSeedStructure(bad);
  assert.deepStrictEqual(Object.keys(bad.data).sort(), ['code', 'correlationId', 'details', 'message', 'retryable']);
  assert.strictEqual(bad.data.code, 'INVALID_MESSAGE');
  let id = c.request('meeting.teleport', {});
  assert.match((await c.reply(id, 'error')).data.message, /unknown message type/);
  id = c.request('meeting.join', { meetingId: 'a.b' });
  assert.strictEqual((await c.reply(id, 'error')).data.code, 'INVALID_MESSAGE');
  id = c.request('meeting.leave', { meetingId: 'never_joined' });
  assert.strictEqual((await c.reply(id, 'error')).data.code, 'RESOURCE_NOT_FOUND');
  id = c.request('connection.heartbeat.ping', {});
  await c.reply(id, 'connection.heartbeat.pong');
  close(c);
});

test('rate limits: per action (joins, cursors) and per connection, with retryable and retryAfter', async () => {
  const c = await events(server, 'rl_user');
  for (let i = 0; i < 5; i++) {
    await c.reply(c.request('meeting.join', { meetingId: unique('rl_') }), 'meeting.participant.joined');
  }
  let id = c.request('meeting.join', { meetingId: unique('rl_') });
  const limited = await c.reply(id, 'error');
  assert.strictEqual(limited.data.code, 'RATE_LIMITED');
  assert.strictEqual(limited.data.message, 'Rate limit exceeded');
  assert.strictEqual(limited.data.retryable, true);
  assert.ok(limited.data.retryAfter > 1000 && limited.data.retryAfter <= 12000, `retryAfter ${limited.data.retryAfter}`);
  assert.deepStrictEqual({ ...limited.data.details, retryAfter: 0 }, { limit: 5, window: 60, retryAfter: 0 });
  assert.strictEqual(limited.data.details.retryAfter, Math.ceil(limited.data.retryAfter / 1000));

  const doc = unique('rl_doc_');
  await subscribe(c, [`document:${doc}`]);
  for (let i = 0; i < 70; i++) c.request('collaboration.cursor', { documentId: doc, position: { line: i, column: 0 } });
  const cursorLimit = await c.next((m) => m.type === 'error' && m.data.code === 'RATE_LIMITED');
  assert.strictEqual(cursorLimit.data.details.limit, 60);
  assert.strictEqual(cursorLimit.data.details.window, 1);

  // 100 messages per minute per connection: the rest of the budget, then refusals.
  const other = await events(server, 'rl_other');
  for (let i = 0; i < 100; i++) other.request('presence.update', { status: 'online' });
  id = other.request('presence.update', { status: 'online' });
  const budget = await other.reply(id, 'error');
  assert.strictEqual(budget.data.code, 'RATE_LIMITED');
  assert.strictEqual(budget.data.details.limit, 100);
  // Heartbeats still answer: the connection is kept healthy.
  await other.reply(other.request('connection.heartbeat.ping', { timestamp: new Date().toISOString() }),
    'connection.heartbeat.pong');
  close(c, other);
});

test('notifications: delivered live, again on the next connection until acknowledged, once per connection', async () => {
  const user = unique('n_user_');
  const c = await events(server, user);
  const notification = {
    notificationId: unique('notif_'), priority: 'high', title: 'Meeting Starting Soon',
    message: 'Board meeting starts in 5 minutes', category: 'meeting',
    actions: [{ id: 'join', label: 'Join Meeting', url: '/meetings/123' }], expiresAt: later(60000),
  };
  const res = await api(server, 'POST', '/api/publish', { user, type: 'notification.send', data: notification });
  assert.strictEqual(res.status, 200);
  assert.strictEqual(res.body.stored, true);
  const live = await c.next((m) => m.type === 'notification.send');
  assertSeedStructure(live);
  assert.deepStrictEqual({ ...live.data, id: undefined }, { ...notification, id: undefined });
  c.ws.close();

  const again = await events(server, user);
  await subscribe(again, [`user:${user}`]);
  await subscribe(again, [`user:${user}`]);  // seed 000's manager does this on connect; still once
  const stored = await again.next((m) => m.type === 'notification.send');
  assert.strictEqual(stored.data.notificationId, notification.notificationId);
  assert.ok(await again.none((m) => m.type === 'notification.send', 400));
  const id = again.request('notification.acknowledge', { notificationId: notification.notificationId });
  assert.strictEqual((await again.reply(id, 'notification.acknowledged')).data.notificationId, notification.notificationId);
  const twice = again.request('notification.acknowledge', { notificationId: notification.notificationId });
  assert.strictEqual((await again.reply(twice, 'error')).data.code, 'RESOURCE_NOT_FOUND');
  again.ws.close();
  const third = await events(server, user);
  assert.ok(await third.none((m) => m.type === 'notification.send', 400));
  close(third);
});

test('an expired notification is dropped, and one in the past is refused', async () => {
  const user = unique('exp_user_');
  const res = await api(server, 'POST', '/api/publish',
    { user, type: 'notification.send', data: { title: 'soon gone', expiresAt: later(700) } });
  assert.strictEqual(res.status, 200);
  await wait(900);
  const c = await events(server, user);
  assert.ok(await c.none((m) => m.type === 'notification.send', 400));
  const past = await api(server, 'POST', '/api/publish',
    { user, type: 'notification.send', data: { title: 'late', expiresAt: '2001-01-01T00:00:00Z' } });
  assert.strictEqual(past.status, 400);
  close(c);
});

test('token expiry: AUTH_EXPIRED then a close, unless a fresh token came in time', async () => {
  const strict = await startServer({ JWT_LEEWAY_SECONDS: '0' });
  try {
    const c = await events(strict, 'exp', '--ttl', '2');
    assert.ok(c.ready.data.expiresAt);
    const expired = await c.next((m) => m.type === 'connection.error', 6000);
    assert.strictEqual(expired.data.code, 'AUTH_EXPIRED');
    assert.strictEqual(expired.data.retryable, true);
    assert.strictEqual((await c.closed).code, 1008);

    const r = await events(strict, 'ref', '--ttl', '2');
    let id = r.request('connection.token.refresh', { token: strict.token('someone_else') });
    assert.strictEqual((await r.reply(id, 'error')).data.code, 'AUTH_FAILED');
    id = r.request('connection.token.refresh', { token: strict.token('ref', '--ttl', '3600') });
    const refreshed = await r.reply(id, 'connection.token.refreshed');
    assert.ok(Date.parse(refreshed.data.expiresAt) > Date.now() + 3000 * 1000);
    await wait(3500);
    const pong = r.request('connection.heartbeat.ping', {});
    await r.reply(pong, 'connection.heartbeat.pong');
    assert.strictEqual(r.ws.readyState, WebSocket.OPEN);
    close(r);
  } finally {
    await strict.stop();
  }
});

// The seed's BoardroomConnection, transpiled as written. It calls onConnectionReady,
// onParticipantJoined and handleError without defining them: the test supplies the three.
// Its URL names the seed's host; the test's WebSocket sends that host to this server.
function loadBoardroomConnection(targetUrl) {
  const js = ts.transpileModule(vendored('boardroom_connection.ts'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  class RoutedWebSocket extends WebSocket {
    constructor(url, ...rest) {
      super(url.replace('wss://api.boardroom.com/ws', targetUrl()), ...rest);
    }
  }
  const quiet = { log() {}, error() {} };
  return new Function('WebSocket', 'console', `${js}\nreturn BoardroomConnection;`)(RoutedWebSocket, quiet);
}

test('the seed\'s BoardroomConnection connects, handles its messages, and reconnects with backoff after a restart', async () => {
  const store = tempStore();
  let srv = await startServer({ SWITCHBOARD_DB: store });
  const port = srv.port;
  const BoardroomConnection = loadBoardroomConnection(() => `ws://127.0.0.1:${port}${PATH}`);
  const seen = { ready: [], joined: [], errors: [] };
  class TestedConnection extends BoardroomConnection {
    onConnectionReady(data) { seen.ready.push(data); }
    onParticipantJoined(data) { seen.joined.push(data); }
    handleError(data) { seen.errors.push(data); }
  }
  const connection = new TestedConnection();
  const until = async (check, ms = 8000) => {
    for (const end = Date.now() + ms; Date.now() < end; await wait(50)) if (check()) return;
    throw new Error('timed out');
  };
  try {
    await connection.connect(srv.token('seed_user', '--ttl', '3600'));
    await until(() => seen.ready.length === 1);
    assert.strictEqual(seen.ready[0].userId, 'seed_user');
    connection.ws.send(JSON.stringify({ type: 'meeting.join', data: { meetingId: 'seed_meeting', role: 'participant' } }));
    await until(() => seen.joined.length === 1);
    assert.strictEqual(seen.joined[0].participant.userId, 'seed_user');
    connection.ws.send(JSON.stringify({ type: 'decision.vote.cast', data: { decisionId: 'nope', vote: 'approve' } }));
    await until(() => seen.errors.length === 1);
    assert.strictEqual(seen.errors[0].code, 'RESOURCE_NOT_FOUND');

    // A restart on the same port: closed with 1001, reconnected by the class's own backoff.
    await srv.stop();
    srv = await startServer({ SWITCHBOARD_DB: store, PORT_FIXED: String(port) });
    await until(() => seen.ready.length === 2, 15000);
    assert.strictEqual(seen.ready[1].userId, 'seed_user');
  } finally {
    if (connection.ws) connection.ws.close(1000);
    await srv.stop();
  }
});

test('votes, results and unacknowledged notifications survive a restart', async () => {
  const store = tempStore();
  let srv = await startServer({ SWITCHBOARD_DB: store });
  const port = srv.port;
  try {
    const decisionId = unique('durable_');
    assert.strictEqual((await api(srv, 'POST', '/api/decisions', { decisionId, required: 3, deadline: later(120000) })).status, 201);
    const voter = await events(srv, 'durable_voter');
    const first = await voter.reply(voter.request('decision.vote.cast', { decisionId, vote: 'approve' }), 'decision.vote.received');
    await api(srv, 'POST', '/api/publish', { user: 'durable_voter', type: 'notification.send', data: { title: 'kept' } });
    await voter.next((m) => m.type === 'notification.send');
    voter.ws.close();
    await srv.stop();

    srv = await startServer({ SWITCHBOARD_DB: store, PORT_FIXED: String(port) });
    const after = await api(srv, 'GET', `/api/decisions/${decisionId}`);
    assert.strictEqual(after.status, 200);
    assert.deepStrictEqual(after.body.voteSummary, { approve: 1, reject: 0, abstain: 0, total: 1, required: 3 });
    const back = await events(srv, 'durable_voter');
    const stored = await back.next((m) => m.type === 'notification.send');
    assert.strictEqual(stored.data.title, 'kept');
    await subscribe(back, [`decision:${decisionId}`]);
    assert.strictEqual((await back.next((m) => m.type === 'decision.vote.update')).data.voteSummary.approve, 1);
    const changed = await back.reply(back.request('decision.vote.cast', { decisionId, vote: 'reject' }), 'decision.vote.received');
    assert.strictEqual(changed.data.voteId, first.data.voteId);
    assert.strictEqual(changed.data.changed, true);
    await back.reply(back.request('notification.acknowledge', { notificationId: stored.data.notificationId }),
      'notification.acknowledged');
    close(back);
  } finally {
    await srv.stop();
  }
});
