// A real browser over wss:// with its own permessage-deflate offer: Debian's headless
// Chromium, driven by playwright-core, trusts the test server's certificate by its key (no
// blanket "ignore certificate errors"), opens the topics dialect from a page the server
// itself serves over https, and exchanges publications both ways with a Node `ws` client.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert');
const { execSync } = require('child_process');
const { chromium } = require('playwright-core');
const { startServer } = require('./support/server');
const { topicsClient, subscribeTopic } = require('./support/client');
const { makeCerts } = require('./support/certs');

const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
let certs;
let server;
let browser;

// The base64 SHA-256 of the certificate's public key, as Chromium's SPKI allow-list wants.
function spkiHash(certFile) {
  return execSync(`openssl x509 -in '${certFile}' -pubkey -noout | openssl pkey -pubin -outform der | ` +
    'openssl dgst -sha256 -binary | base64', { encoding: 'utf8' }).trim();
}

before(async () => {
  certs = makeCerts();
  server = await startServer(certs.env, { ca: certs.ca });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [`--ignore-certificate-errors-spki-list=${spkiHash(certs.cert)}`],
  });
});
after(async () => {
  if (browser) await browser.close();
  assert.strictEqual(await server.stop(), 0);
});

test('Chromium over wss:// with permessage-deflate exchanges publications with a ws client', async () => {
  const page = await browser.newPage();
  const origin = `https://localhost:${server.port}`;
  const health = await page.goto(`${origin}/health`);
  assert.strictEqual(health.status(), 200);

  const nodeClient = await topicsClient(server, 'node-user');
  await subscribeTopic(nodeClient, 'browser.room');

  const token = server.token('browser-user');
  const extensions = await page.evaluate(async ({ url, token }) => {
    window.received = [];
    const ws = new WebSocket(url);
    window.socket = ws;
    ws.onmessage = (event) => window.received.push(JSON.parse(event.data));
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = () => reject(new Error('the browser could not open the WebSocket'));
    });
    const next = (type) => new Promise((resolve, reject) => {
      const started = Date.now();
      const poll = () => {
        const i = window.received.findIndex((m) => m.type === type);
        if (i >= 0) return resolve(window.received.splice(i, 1)[0]);
        if (Date.now() - started > 5000) return reject(new Error(`no ${type}`));
        setTimeout(poll, 10);
      };
      poll();
    });
    ws.send(JSON.stringify({ type: 'auth', token }));
    await next('auth_success');
    ws.send(JSON.stringify({ type: 'subscribe', topic: 'browser.room' }));
    await next('subscribed');
    return ws.extensions;
  }, { url: `wss://localhost:${server.port}/ws`, token });
  assert.match(extensions, /^permessage-deflate/);

  // From Node to the browser: 3 KB of JSON, sent compressed to a compressing client.
  const text = 'the quick brown fox jumps over the lazy dog '.repeat(70);
  nodeClient.send({ type: 'message', topic: 'browser.room', data: { text } });
  const inBrowser = await page.waitForFunction(
    () => window.received.find((m) => m.type === 'message'), null, { timeout: 5000 });
  const delivered = await inBrowser.jsonValue();
  assert.strictEqual(delivered.data.text, text);
  assert.strictEqual(delivered.metadata.senderId, 'node-user');

  // From the browser (which compresses what it sends) to Node.
  await page.evaluate((body) => window.socket.send(JSON.stringify({
    type: 'message', topic: 'browser.room', data: { text: body } })), `${text} from the browser`);
  const inNode = await nodeClient.next((m) => m.type === 'message' && m.metadata.senderId === 'browser-user');
  assert.strictEqual(inNode.data.text, `${text} from the browser`);

  nodeClient.ws.close();
  await page.close();
});
