// @switchboard/client in headless Chromium (Debian's, via playwright-core): the ESM build
// loaded by the page as is (no bundler, no `ws`), connecting to a real server with the
// browser's own WebSocket, receiving publications, answering sendAndWait, and coming back
// by itself after the server restarts in the middle.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert');
const path = require('path');
const { freePort } = require('./support/waiting');
const { startServer, stopAll, tempStore, backendApi } = require('./support/server');
const { launchBrowser, serveOnOrigin, pageErrors, ROOT } = require('./support/browser');

const PATH = '/events/ws';
let browser;

before(async () => {
  browser = await launchBrowser({ interceptedPages: true });
});
after(async () => {
  if (browser) await browser.close();
  await stopAll();
});

const PAGE = `<!doctype html><meta charset="utf-8"><title>client</title>
<script type="module">
  import { BoardroomWebSocket } from '/__lib/js/index.js';
  window.BoardroomWebSocket = BoardroomWebSocket;
  window.libraryLoaded = true;
</script>`;


test('Chromium: the ESM build connects, subscribes, waits for answers and survives a server restart', async () => {
  const store = tempStore();
  const port = await freePort();
  let server = await startServer({ SWITCHBOARD_DB: store, PORT_FIXED: String(port) });
  const origin = `http://127.0.0.1:${port}`;
  const page = await browser.newPage();
  const errors = pageErrors(page);
  await serveOnOrigin(page, origin, {
    files: { '/__test/client.html': PAGE },
    folders: { '/__lib/js/': path.join(ROOT, 'clients', 'js', 'dist', 'esm') },
  });
  await page.goto(`${origin}/__test/client.html`);
  await page.waitForFunction(() => window.libraryLoaded === true);

  const channel = `feed.browser${process.pid}`;
  const joined = await page.evaluate(async ({ url, token, channel }) => {
    window.items = [];
    window.states = [];
    const client = new window.BoardroomWebSocket({
      url, token, backoff: { initialDelayMs: 100, maxDelayMs: 400 },
    });
    window.client = client;
    client.on('feed.item', (data) => window.items.push(data.n));
    client.on('client.state', (data) => window.states.push(data.state));
    const update = await client.subscribe(channel);
    const answer = await client.sendAndWait('meeting.join', { meetingId: 'browser', role: 'participant' });
    return { subscribed: update.subscribed, type: answer.type, participant: answer.data.participant.userId,
      userId: client.session.userId };
  }, { url: `ws://127.0.0.1:${port}${PATH}`, token: server.token('browser-js'), channel });
  assert.deepStrictEqual(joined, {
    subscribed: [channel], type: 'meeting.participant.joined', participant: 'browser-js', userId: 'browser-js',
  });

  const publish = (srv, n) => backendApi(srv, 'POST', '/api/publish', { channel, type: 'feed.item', data: { n } });
  await publish(server, 1);
  await page.waitForFunction(() => window.items.length === 1, null, { timeout: 5000 });

  assert.strictEqual(await server.stop(), 0);
  await page.waitForFunction(() => window.client.state === 'reconnecting', null, { timeout: 5000 });
  server = await startServer({ SWITCHBOARD_DB: store, PORT_FIXED: String(port) });
  await page.waitForFunction(() => window.client.connected, null, { timeout: 10000 });
  // Subscribed again by itself: a publication after the restart arrives.
  await page.waitForFunction((ch) => window.client.subscriptions.includes(ch), channel);
  await new Promise((r) => setTimeout(r, 300));
  await publish(server, 2);
  await page.waitForFunction(() => window.items.length === 2, null, { timeout: 5000 });
  const { items, states, latency } = await page.evaluate(async () => ({
    items: window.items, states: window.states, latency: await window.client.ping(),
  }));
  assert.deepStrictEqual(items, [1, 2]);
  assert.ok(states.includes('reconnecting') && states.at(-1) === 'open', states.join(','));
  assert.ok(typeof latency === 'number' && latency >= 0);
  await page.evaluate(() => window.client.close());
  await page.close();
  assert.strictEqual(await server.stop(), 0);
  assert.deepStrictEqual(errors.filter((e) => !/WebSocket connection to .* failed/.test(e)), []);
});
