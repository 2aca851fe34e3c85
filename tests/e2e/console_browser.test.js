// The web console at /console in headless Chromium (Debian's, via playwright-core), served
// by the server itself: every control is used against a running server, next to real
// clients of the same server, and a screenshot of each step is saved under
// build/screenshots/ (CONSOLE_SCREENSHOTS overrides the folder).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const { startServer, stopAll, backendApi } = require('./support/server');
const { topicsClient, subscribeTopic, openClient } = require('./support/client');
const { launchBrowser, pageErrors, ROOT } = require('./support/browser');
const { io } = require('socket.io-client');

const SHOTS = process.env.CONSOLE_SCREENSHOTS || path.join(ROOT, 'build', 'screenshots');
let browser;
let server;
let origin;

before(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  server = await startServer({});
  origin = `http://127.0.0.1:${server.port}`;
  browser = await launchBrowser();
});
after(async () => {
  if (browser) await browser.close();
  await stopAll();
});

// A console page; errors collects what the page reported as errors.
async function openConsole(query = '') {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1400 } });
  const errors = pageErrors(page);
  await page.goto(`${origin}/console${query}`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  return { page, errors };
}

// Resolves with the first truthy value of an async check (polled every 25 ms).
async function until(check, { what = 'condition', timeout = 5000 } = {}) {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() - started > timeout) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const shot = (page, name) => page.screenshot({ path: path.join(SHOTS, `console-${name}.png`), fullPage: true });
const text = (page, selector) => page.textContent(selector);
// Traffic rows as {direction, channel, type, message}, newest first.
const rows = (page) => page.$$eval('#traffic tbody tr', (trs) => trs.map((tr) => {
  const td = [...tr.children].map((c) => c.textContent);
  return { direction: tr.className.split(' ')[0], channel: td[2], type: td[3], message: td[4] };
}));
const untilRow = (page, pred, what) => until(async () => (await rows(page)).find(pred), { what, timeout: 5000 });

async function signInAndConnect(page, user, dialectLabel, ...tokenArgs) {
  await page.fill('#token', server.token(user, ...tokenArgs));
  await page.click('#use-token');
  const option = await page.$$eval('#endpoint option', (os, label) => os.find((o) => o.textContent.startsWith(label)).value, dialectLabel);
  await page.selectOption('#endpoint', option);
  await page.click('#connect');
  await until(async () => (await page.getAttribute('#state', 'data-state')) === 'open', { what: `${dialectLabel} connected` });
}

async function subscribeIn(page, channel) {
  await page.fill('#channel', channel);
  await page.click('#subscribe');
  await until(async () => (await text(page, '#subscriptions')).includes(channel) &&
    !(await text(page, '#subscriptions')).includes('(waiting)'), { what: `${channel} subscribed` });
}

test('the console is served from the binary with its own headers, and lists the endpoints it can use', async () => {
  const page = await fetch(`${origin}/console`);
  assert.strictEqual(page.status, 200);
  assert.match(page.headers.get('content-type'), /^text\/html/);
  assert.match(page.headers.get('content-security-policy'), /script-src 'self'/);
  assert.match(await page.text(), /<script src="\/console\/console.js"/);
  for (const [asset, type] of [['console.js', /javascript/], ['console.css', /text\/css/]]) {
    const res = await fetch(`${origin}/console/${asset}`);
    assert.strictEqual(res.status, 200);
    assert.match(res.headers.get('content-type'), type);
  }
  const { endpoints } = await (await fetch(`${origin}/console/endpoints.json`)).json();
  assert.deepStrictEqual(endpoints.map((e) => e.dialect).sort(),
    ['envelope', 'events', 'rooms', 'socketio', 'socketio', 'topics'], 'every dialect but the echo fixture');
  assert.strictEqual((await fetch(`${origin}/console/nothing.js`)).status, 404);
  assert.strictEqual((await fetch(`${origin}/console`, { method: 'POST' })).status, 405);
});

test('the console\'s server calls refuse what they must: presence without credentials, a disconnect without a user', async () => {
  assert.strictEqual((await fetch(`${origin}/api/presence?channel=matter:1`)).status, 401);
  const bad = await fetch(`${origin}/api/presence?channel=matter:1`, { headers: { Authorization: 'Bearer not.a.jwt' } });
  assert.strictEqual(bad.status, 401);
  const key = { 'X-API-Key': 'test-api-key' };
  assert.strictEqual((await fetch(`${origin}/api/presence?channel=matter:*`, { headers: key })).status, 400, 'a pattern');
  assert.strictEqual((await fetch(`${origin}/api/presence`, { headers: key })).status, 400);
  const none = await fetch(`${origin}/api/presence?channel=matter:empty`, { headers: key });
  assert.deepStrictEqual((await none.json()).data, []);
  assert.strictEqual((await backendApi(server, 'POST', '/api/hub/disconnect-user', {})).status, 400);
  assert.strictEqual((await backendApi(server, 'POST', '/api/hub/disconnect-user', { userId: 'team.*' })).status, 400,
    'a wildcard is no user');
  // Ids with '.' and ':' name exactly one user: neither a prefix nor a longer id is hit.
  const exact = await topicsClient(server, 'team.lead:1');
  const shorter = await topicsClient(server, 'team.lead');
  const longer = await topicsClient(server, 'team.lead:1:x');
  assert.strictEqual((await backendApi(server, 'POST', '/api/hub/disconnect-user', { userId: 'team.lead:1' })).status, 200);
  assert.strictEqual((await exact.closed).code, 1008);
  for (const c of [shorter, longer]) {
    assert.ok(await c.none(() => true, 300));
    assert.strictEqual(c.ws.readyState, 1);
    c.ws.close();
  }
  assert.strictEqual((await fetch(`${origin}/api/hub/disconnect-user`, { method: 'POST', body: '{"userId":"x"}' })).status, 401);
});

test('a link with a token and a channel opens the console connected, subscribed and showing that channel live', async () => {
  const channel = `news.watch${process.pid}`;
  const { page, errors } = await openConsole(`?token=${server.token('watcher', '--name', 'Watcher')}&subscribe=${channel}`);
  await until(async () => (await text(page, '#subscriptions')).startsWith(channel) &&
    !(await text(page, '#subscriptions')).includes('waiting'), { what: 'subscribed from the link' });
  assert.strictEqual(await page.getAttribute('#state', 'data-state'), 'open');
  assert.strictEqual(await text(page, '#who'), 'signed in as watcher');
  assert.ok(!page.url().includes('token='), 'the token leaves the address bar');
  assert.strictEqual(await page.inputValue('#filter-channel'), channel);
  // A backend publishes to it, and to another channel the console does not show.
  const other = await topicsClient(server, 'other');
  await subscribeTopic(other, `news.other${process.pid}`);
  await backendApi(server, 'POST', '/api/publish', { channel, type: 'score', data: { home: 2, away: 1 } });
  const row = await untilRow(page, (r) => r.type === 'score', 'the publication shown');
  assert.strictEqual(row.channel, channel);
  assert.strictEqual(row.direction, 'in');
  assert.deepStrictEqual(JSON.parse(row.message).data, { home: 2, away: 1 });
  await shot(page, 'watch-link');
  other.ws.close();
  assert.deepStrictEqual(errors, []);
  await page.close();
});

test('sign in with a login account, or a token; a bad password or a token that is no JWT is said so', async () => {
  const { page, errors } = await openConsole();
  await page.click('summary');
  await page.fill('#email', 'user@example.com');
  await page.fill('#password', 'wrong');
  await page.click('#login');
  await until(async () => /Login refused \(401\)/.test(await text(page, '#signin-result')), { what: 'a refused login' });
  await page.fill('#password', 'password123');
  await page.click('#login');
  await until(async () => (await text(page, '#who')).startsWith('signed in as 550e8400'), { what: 'a login' });
  assert.match(await page.inputValue('#token'), /^ey/);
  await page.click('#connect');
  await until(async () => (await page.getAttribute('#state', 'data-state')) === 'open', { what: 'connected with the login token' });
  await page.fill('#token', 'not a token');
  await page.click('#use-token');
  assert.match(await text(page, '#signin-result'), /not a JWT/);
  await shot(page, 'sign-in');
  assert.deepStrictEqual(errors.filter((e) => !/401/.test(e)), [], 'only the refused login reported');
  await page.close();
});

test('every WebSocket dialect: connect, subscribe, see a backend publication on its channel, unsubscribe', async () => {
  const { page, errors } = await openConsole();
  const cases = [
    ['topics', `news.d${process.pid}`, []],
    ['events', `feed.d${process.pid}`, []],
    ['envelope', `matter:d${process.pid}`, ['--permission', 'matter:read']],
    ['rooms', `lobby${process.pid}`, []],
  ];
  for (const [dialect, channel, args] of cases) {
    await signInAndConnect(page, `viewer-${dialect}`, dialect, ...args);
    await subscribeIn(page, channel);
    await backendApi(server, 'POST', '/api/publish', { channel, type: 'status.changed', data: { dialect } });
    const row = await untilRow(page, (r) => r.channel === channel && r.message.includes(`"dialect":"${dialect}"`),
      `${dialect}: the publication`);
    assert.strictEqual(row.direction, 'in', dialect);
    await shot(page, `dialect-${dialect}`);
    await page.click(`#subscriptions button[data-channel="${channel}"]`);
    assert.strictEqual(await text(page, '#subscriptions'), '', `${dialect}: unsubscribed`);
    await page.click('#disconnect');
    assert.strictEqual(await page.getAttribute('#state', 'data-state'), 'closed');
  }
  assert.deepStrictEqual(errors, []);
  await page.close();
});

test('publish over the connection and through the API; HTML in payloads and types is shown as text', async () => {
  const { page, errors } = await openConsole();
  const channel = `news.pub${process.pid}`;
  const listener = await topicsClient(server, 'listener');
  await subscribeTopic(listener, channel);
  await signInAndConnect(page, 'publisher', 'topics');
  await subscribeIn(page, channel);
  const html = '<img src=x onerror="window.owned=1"><b>bold</b>';
  await page.fill('#publish-channel', channel);
  await page.fill('#publish-type', 'chat');
  await page.fill('#publish-data', JSON.stringify({ text: html }));
  await page.click('#publish');
  const heard = await listener.next((m) => m.type === 'message' && m.topic === channel);
  assert.deepStrictEqual(heard.data, { text: html });
  assert.strictEqual(heard.metadata.senderId, 'publisher');
  // Through the HTTP API: without the key the publish panel says so; then with it, with an
  // event type that is HTML too.
  await page.check('#publish-via-api');
  await page.click('#publish');
  assert.match(await text(page, '#publish-result'), /API key \(Admin panel\) is needed/);
  await page.fill('#api-key', 'test-api-key');
  await page.fill('#publish-type', '<i>typed</i>');
  await page.click('#publish');
  await until(async () => /Published through the API/.test(await text(page, '#publish-result')), { what: 'API publish' });
  const viaApi = await listener.next((m) => m.type === 'message' && m.eventType === '<i>typed</i>');
  assert.deepStrictEqual(viaApi.data, { text: html });
  await untilRow(page, (r) => r.type === '<i>typed</i>', 'the API publication shown');
  assert.strictEqual(await page.$$eval('#traffic img, #traffic b, #traffic i', (els) => els.length), 0, 'no markup rendered');
  assert.strictEqual(await page.evaluate(() => window.owned), undefined);
  assert.ok((await text(page, '#traffic')).includes('<img src=x onerror=\\"window.owned=1\\"><b>bold</b>'),
    'the HTML is there as text');
  // A bad JSON body is refused in the page.
  await page.fill('#publish-data', '{oops');
  await page.click('#publish');
  assert.match(await text(page, '#publish-result'), /not JSON/);
  await shot(page, 'publish');
  listener.ws.close();
  assert.deepStrictEqual(errors, []);
  await page.close();
});

test('test messages and error scenarios get the dialect\'s own answers; an oversized message closes with 1009', async () => {
  const { page, errors } = await openConsole();
  await signInAndConnect(page, 'tester', 'topics');
  await page.fill('#raw', '{"type":"ping"}');
  await page.click('#send-raw');
  await untilRow(page, (r) => r.type === 'pong', 'pong');
  await page.click('#bad-json');
  await untilRow(page, (r) => r.type === 'error' && /invalid JSON/.test(r.message), 'invalid JSON answer');
  await page.click('#bad-type');
  await untilRow(page, (r) => r.type === 'error' && r.message.includes('"code":400') && !/invalid JSON/.test(r.message),
    'unknown type answer');
  await page.click('#bad-channel');
  await untilRow(page, (r) => r.type === 'error' && /"code":403/.test(r.message), 'forbidden channel answer');
  const shown = await text(page, '#traffic');
  assert.ok(shown.includes('"token":"<token>"') && !shown.includes('eyJ'), 'the token is not shown');
  await shot(page, 'errors');
  await page.click('#bad-size');
  await until(async () => /Closed with 1009/.test(await text(page, '#connection-result')), { what: 'close 1009' });
  assert.strictEqual(await page.getAttribute('#state', 'data-state'), 'closed');
  assert.deepStrictEqual(errors, []);
  await page.close();
});

test('the events dialect\'s error scenarios come back as its error messages', async () => {
  const { page } = await openConsole();
  await signInAndConnect(page, 'tester2', 'events');
  await page.click('#bad-type');
  await untilRow(page, (r) => r.type === 'error' && r.message.includes('INVALID_MESSAGE'), 'events unknown type');
  await page.click('#bad-channel');
  await untilRow(page, (r) => r.type === 'subscription.update' && r.message.includes('matter:console-check'), 'events refusal');
  assert.match(await text(page, '#connection-result'), /Refused/);
  await page.close();
});

test('Socket.IO actions: the built-in ones answer, an unknown one is an ERROR', async () => {
  const { page, errors } = await openConsole();
  await page.fill('#token', server.token('sio-user', '--name', 'Sio'));
  await page.click('#use-token');
  await page.fill('#action', 'whoami');
  await page.click('#send-action');
  await until(async () => (await text(page, '#action-result')).includes('"RESPONSE"'), { what: 'whoami answer' });
  const whoami = JSON.parse(await text(page, '#action-result'));
  assert.strictEqual(whoami.action, 'whoami');
  assert.match(JSON.stringify(whoami.data), /sio-user/);
  await page.fill('#action', 'echo');
  await page.fill('#action-data', '{"say":"<b>hi</b>"}');
  await page.click('#send-action');
  await until(async () => (await text(page, '#action-result')).includes('"echo"'), { what: 'echo answer' });
  assert.match(await text(page, '#action-result'), /<b>hi<\/b>/);
  await page.fill('#action', 'no.such.action');
  await page.click('#send-action');
  await until(async () => (await text(page, '#action-result')).includes('ACTION_NOT_FOUND'), { what: 'unknown action' });
  assert.strictEqual(await page.getAttribute('#action-result', 'class'), 'result error');
  await shot(page, 'socketio');
  assert.deepStrictEqual(errors, []);
  await page.close();
});

test('presence of a channel: listed for a user allowed in it, refused for one who is not', async () => {
  const channel = `matter:p${process.pid}`;
  const member = await openClient(`${server.url('/v1/ws')}?token=${server.token('present', '--name', 'Pat', '--permission', 'matter:read')}`);
  await member.next((m) => m.type === 'CONNECTION_ESTABLISHED');
  member.send({ id: 's1', type: 'SUBSCRIBE', timestamp: new Date().toISOString(), payload: { channels: [channel] } });
  await member.next((m) => m.type === 'SUBSCRIPTION_CONFIRMED');
  const { page } = await openConsole();
  await page.fill('#token', server.token('looker', '--permission', 'matter:read'));
  await page.click('#use-token');
  await page.fill('#presence-channel', channel);
  await page.click('#show-presence');
  await until(async () => /1 present/.test(await text(page, '#presence-result')), { what: 'presence list' });
  assert.deepStrictEqual(await page.$$eval('#presence tbody td', (tds) => tds.map((t) => t.textContent)), ['present', 'Pat', '1', '']);
  await shot(page, 'presence');
  await page.fill('#token', server.token('stranger'));
  await page.click('#use-token');
  await page.click('#show-presence');
  await until(async () => /^403/.test(await text(page, '#presence-result')), { what: 'presence refused' });
  await page.fill('#presence-channel', 'news.untracked');
  await page.fill('#api-key', 'test-api-key');
  await page.click('#show-presence');
  await until(async () => /^404/.test(await text(page, '#presence-result')), { what: 'untracked channel' });
  member.ws.close();
  await page.close();
});

test('the live chart follows /api/stats: connections, messages per second and p99', async () => {
  const { page, errors } = await openConsole();
  const channel = `news.chart${process.pid}`;
  const clients = [];
  for (let i = 0; i < 3; i++) {
    const c = await topicsClient(server, `chart${i}`);
    await subscribeTopic(c, channel);
    clients.push(c);
  }
  await until(async () => Number(await text(page, '#stat-connections')) >= 3, { what: 'connections counted' });
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < 50; i++) await backendApi(server, 'POST', '/api/publish', { channel, data: { i } });
    await new Promise((r) => setTimeout(r, 300));
  }
  await until(async () => Number(await text(page, '#stat-rate')) > 0, { what: 'messages per second', timeout: 5000 });
  assert.ok(Number.isFinite(Number(await text(page, '#stat-p99'))));
  const drawn = await page.$eval('#chart', (canvas) => {
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
    return painted;
  });
  assert.ok(drawn > 100, `the chart has lines (${drawn} pixels)`);
  await shot(page, 'chart');
  for (const c of clients) c.ws.close();
  assert.deepStrictEqual(errors, []);
  await page.close();
});

test('admin actions need the API key: maintenance on and off, and disconnecting a user everywhere', async () => {
  const { page } = await openConsole();
  await page.click('#maintenance-on');
  assert.match(await text(page, '#admin-result'), /API key \(Admin panel\) is needed/);
  await page.fill('#api-key', 'wrong-key');
  await page.click('#maintenance-on');
  await until(async () => /^401/.test(await text(page, '#admin-result')), { what: 'a wrong key refused' });
  await page.fill('#api-key', 'test-api-key');
  const bystander = await topicsClient(server, 'bystander');
  await page.click('#maintenance-on');
  await until(async () => /Maintenance on/.test(await text(page, '#admin-result')), { what: 'maintenance on' });
  const told = await bystander.next((m) => m.eventType === 'maintenance');
  assert.strictEqual(told.data.code, 'MAINTENANCE');
  await assert.rejects(topicsClient(server, 'latecomer'), 'new connections are refused during maintenance');
  await page.click('#maintenance-off');
  await until(async () => /Maintenance off/.test(await text(page, '#admin-result')), { what: 'maintenance off' });
  const latecomer = await topicsClient(server, 'latecomer');
  bystander.ws.close();

  // One user connected in every dialect; another user stays.
  const token = server.token('kicked');
  const kickedTopics = await topicsClient(server, 'kicked');
  const kickedEvents = await openClient(`${server.url('/events/ws')}?token=${token}`);
  await kickedEvents.next((m) => m.type === 'connection.ready');
  const kickedEnvelope = await openClient(`${server.url('/v1/ws')}?token=${token}`);
  await kickedEnvelope.next((m) => m.type === 'CONNECTION_ESTABLISHED');
  const kickedRooms = await openClient(server.url('/api/ws'), { headers: { Cookie: `pm-session=${token}` } });
  await kickedRooms.next((m) => m.type === 'connected');
  const kickedSio = io(origin, { path: '/realtime', transports: ['websocket'], reconnection: false,
    auth: { token }, query: { sessionId: 'kicked-session' } });
  await new Promise((resolve, reject) => { kickedSio.once('connect', resolve); kickedSio.once('connect_error', reject); });
  const sioSaid = new Promise((resolve) => kickedSio.on('message', (m) => resolve(JSON.parse(m))));
  const sioGone = new Promise((resolve) => kickedSio.once('disconnect', resolve));
  await page.fill('#kick-user', 'kicked');
  await page.click('#disconnect-user');
  await until(async () => /being closed/.test(await text(page, '#admin-result')), { what: 'disconnect answered' });
  const closes = await Promise.all([kickedTopics, kickedEvents, kickedEnvelope, kickedRooms].map((c) => c.closed));
  assert.deepStrictEqual(closes.map((c) => c.code), [1008, 1008, 1008, 1008]);
  const said = await kickedEvents.next((m) => m.type === 'connection.error');
  assert.deepStrictEqual([said.data.code, said.data.message, said.data.retryable],
    ['DISCONNECTED', 'disconnected from the console', false]);
  assert.strictEqual((await kickedEnvelope.next((m) => m.type === 'ERROR')).payload.code, 'DISCONNECTED');
  assert.strictEqual((await kickedRooms.next((m) => m.type === 'error')).payload.code, 'DISCONNECTED');
  assert.strictEqual((await kickedTopics.next((m) => m.type === 'auth_error')).message, 'disconnected from the console');
  assert.strictEqual((await sioSaid).error.code, 'DISCONNECTED');
  await sioGone;
  assert.ok(await latecomer.none(() => true, 300), 'the other user heard nothing');
  // No client can give the order: `$` types are the server's.
  latecomer.send({ type: 'message', topic: 'user:latecomer', eventType: '$disconnect', data: {} });
  const refused = await latecomer.next((m) => m.type === 'error');
  assert.ok([400, 403].includes(refused.code), JSON.stringify(refused));
  latecomer.send({ type: 'message', topic: 'news.anything', eventType: '$disconnect', data: {} });
  assert.strictEqual((await latecomer.next((m) => m.type === 'error')).details.field, 'eventType');
  assert.strictEqual(latecomer.ws.readyState, 1, 'and is still connected');
  await shot(page, 'admin');
  latecomer.ws.close();
  await page.close();
});

test('traffic filters: per channel, by text, by direction; pause and clear', async () => {
  const { page } = await openConsole();
  await signInAndConnect(page, 'filterer', 'topics');
  const a = `news.fa${process.pid}`;
  const b = `news.fb${process.pid}`;
  await subscribeIn(page, a);
  await subscribeIn(page, b);
  await backendApi(server, 'POST', '/api/publish', { channel: a, type: 'alpha', data: { n: 1 } });
  await backendApi(server, 'POST', '/api/publish', { channel: b, type: 'beta', data: { n: 2 } });
  await untilRow(page, (r) => r.type === 'beta', 'both shown');
  await page.selectOption('#filter-channel', a);
  let shown = await rows(page);
  assert.ok(shown.length >= 2 && shown.every((r) => r.channel === a), JSON.stringify(shown));
  await page.selectOption('#filter-channel', '');
  await page.fill('#filter-text', 'beta');
  shown = await rows(page);
  assert.deepStrictEqual(shown.map((r) => r.type), ['beta']);
  await page.fill('#filter-text', '');
  await page.selectOption('#filter-direction', 'out');
  shown = await rows(page);
  assert.ok(shown.length >= 2 && shown.every((r) => r.direction === 'out'));
  await page.selectOption('#filter-direction', '');
  await shot(page, 'filters');
  await page.check('#pause');
  const before = (await rows(page)).length;
  await backendApi(server, 'POST', '/api/publish', { channel: a, type: 'gamma', data: {} });
  await new Promise((r) => setTimeout(r, 300));
  assert.strictEqual((await rows(page)).length, before, 'paused: nothing new shown');
  await page.uncheck('#pause');
  await untilRow(page, (r) => r.type === 'gamma', 'shown after the pause');
  await page.click('#clear');
  assert.strictEqual((await rows(page)).length, 0);
  await page.close();
});
