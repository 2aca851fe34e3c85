// @switchboard/vue in headless Chromium (Debian's, via playwright-core) with `vue` from npm:
// seed 004's quick start and its support chat component, compiled from the seed's own
// source by vue/compiler-sfc (only the imports Nuxt would add are prepended), mounted on a
// page of the server's origin so that the composable connects to /api/ws by default with
// the page's pm-session cookie. The chat survives a server restart in the middle.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert');
const path = require('path');
const ts = require('typescript');
const { freePort, until } = require('./support/waiting');
const { startServer, stopAll, tempStore } = require('./support/server');
const { openClient } = require('./support/client');
const { launchBrowser, serveOnOrigin, pageErrors, ROOT } = require('./support/browser');
const { codeBlock, seedDocument, vendored } = require('./support/seed_extract');

const VUE_PACKAGE = path.join(ROOT, 'clients', 'vue');
const { parse, compileScript } = require(path.join(VUE_PACKAGE, 'node_modules', 'vue', 'compiler-sfc'));
// What Nuxt's auto-imports provide to the seed's components.
const AUTO_IMPORTS = "import { ref, watch, onUnmounted } from 'vue'\nimport { useWebSocket } from '@switchboard/vue'\n";
let browser;

before(async () => {
  browser = await launchBrowser({ interceptedPages: true });
});
after(async () => {
  if (browser) await browser.close();
  await stopAll();
});

// Compiles a single-file component to a browser ES module (template inlined, types removed).
function compileComponent(sfc, id) {
  const withImports = sfc.replace(/<script setup lang="ts">\n/, (open) => open + AUTO_IMPORTS);
  const { descriptor, errors } = parse(withImports, { filename: `${id}.vue` });
  assert.deepStrictEqual(errors, []);
  const script = compileScript(descriptor, { id, inlineTemplate: true });
  return ts.transpileModule(script.content, {
    compilerOptions: { module: ts.ModuleKind.ES2020, target: ts.ScriptTarget.ES2020 },
  }).outputText;
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>seed 004</title>
<script type="importmap">{ "imports": {
  "vue": "/__lib/vue/vue.esm-browser.prod.js",
  "@switchboard/vue": "/__lib/switchboard-vue/index.js",
  "@switchboard/client": "/__lib/switchboard-client/index.js"
} }</script>
<div id="app"></div>
<script type="module">
  import { createApp } from 'vue';
  const name = new URLSearchParams(location.search).get('component');
  const { default: component } = await import('/__test/' + name + '.js');
  window.app = createApp(component);
  window.app.mount('#app');
  window.mounted = true;
</script>`;


async function supportMember(server, user, name) {
  const c = await openClient(server.url('/api/ws'), {
    headers: { Cookie: `pm-session=${server.token(user, '--role', 'editor', '--name', name)}` },
  });
  await c.next((m) => m.type === 'connected');
  c.send({ type: 'subscribe', payload: { room: 'support' }, id: 's' });
  assert.strictEqual((await c.next((m) => m.id === 's')).type, 'subscribed');
  return c;
}

// A page of the server's origin holding `component`, signed in by the pm-session cookie.
async function openComponentPage(server, port, component, user) {
  const origin = `http://127.0.0.1:${port}`;
  const context = await browser.newContext();
  await context.addCookies([{
    name: 'pm-session', value: server.token(user, '--role', 'editor', '--name', 'Browser Admin'), url: origin,
  }]);
  const page = await context.newPage();
  const errors = pageErrors(page);
  const logs = [];
  page.on('console', (m) => logs.push(m.text()));
  await serveOnOrigin(page, origin, {
    files: {
      '/__test/page.html': PAGE,
      '/__test/quick_start.js': compileComponent(
        `<script setup lang="ts">\n${vendored('use_websocket_quick_start.ts')}</script>\n<template><p>quick start</p></template>\n`,
        'quick-start'),
      '/__test/support_chat.js': compileComponent(vendored('support_chat.vue'), 'support-chat'),
    },
    folders: {
      '/__lib/vue/': path.join(VUE_PACKAGE, 'node_modules', 'vue', 'dist'),
      '/__lib/switchboard-vue/': path.join(VUE_PACKAGE, 'dist', 'esm'),
      '/__lib/switchboard-client/': path.join(ROOT, 'clients', 'js', 'dist', 'esm'),
    },
  });
  await page.goto(`${origin}/__test/page.html?component=${component}`);
  await page.waitForFunction(() => window.mounted === true, null, { timeout: 5000 });
  return { page, context, errors, logs };
}

test('the vendored seed 004 examples are the seed document\'s code', () => {
  const doc = seedDocument('004_da567b3e1ae13534.txt');
  if (!doc) return;
  assert.strictEqual(vendored('use_websocket_quick_start.ts'), codeBlock(doc, 'typescript', '// In any Vue component'));
  assert.strictEqual(vendored('support_chat.vue'), codeBlock(doc, 'vue', 'support-chat'));
});

test('Chromium: the seed\'s quick start connects to the page\'s own /api/ws with its cookie', async () => {
  const server = await startServer();
  const member = await supportMember(server, 'vue-qs-member', 'Member');
  const { page, context, errors, logs } = await openComponentPage(server, server.port, 'quick_start', 'vue-qs');
  // Queued before the socket opened: the room hears it once the composable has joined.
  const hello = await member.next((m) => m.type === 'message');
  assert.deepStrictEqual(hello.payload.content, { text: 'Hello!' });
  assert.strictEqual(hello.payload.from.id, 'vue-qs');
  await until(() => logs.includes('WebSocket connected!'), 5000, 'the seed\'s watch(connected)');
  member.send({ type: 'message', payload: { room: 'support', content: { text: 'to the page' } } });
  await until(() => logs.some((l) => l.startsWith('Received:')), 5000, 'the seed\'s on(message)');
  await context.close();
  member.ws.close();
  assert.deepStrictEqual(errors, []);
  assert.strictEqual(await server.stop(), 0);
});

test('Chromium: the seed\'s support chat component talks to the room, escapes HTML and survives a restart', async () => {
  const store = tempStore();
  const port = await freePort();
  let server = await startServer({ SWITCHBOARD_DB: store, PORT_FIXED: String(port) });
  const member = await supportMember(server, 'vue-chat-member', 'Member <i>M</i>');
  const { page, context, errors } = await openComponentPage(server, port, 'support_chat', 'vue-chat');
  await page.waitForFunction(() => document.querySelector('.status').textContent.trim() === 'Connected');
  await new Promise((r) => setTimeout(r, 200));  // the watch(connected) subscribe is answered

  // From the page: the form's input and Send button.
  await page.fill('input', 'hello from the component');
  await page.click('button[type=submit]');
  const heard = await member.next((m) => m.type === 'message');
  assert.deepStrictEqual(heard.payload.content, { text: 'hello from the component' });
  assert.strictEqual(heard.payload.from.name, 'Browser Admin');
  assert.strictEqual(await page.inputValue('input'), '');

  // To the page: HTML in a name or a text is shown as text.
  member.send({ type: 'message', payload: { room: 'support', content: { text: '<img src=x onerror=alert(1)> hi' } } });
  await page.waitForFunction(() => document.querySelectorAll('.message').length >= 1);
  const shown = await page.evaluate(() => [...document.querySelectorAll('.message')].map((m) => ({
    text: m.textContent, images: m.querySelectorAll('img').length, italics: m.querySelectorAll('i').length,
  })));
  const fromMember = shown.find((m) => m.text.includes('onerror'));
  assert.ok(fromMember, JSON.stringify(shown));
  assert.strictEqual(fromMember.text.trim(), 'Member <i>M</i>: <img src=x onerror=alert(1)> hi');
  assert.strictEqual(fromMember.images + fromMember.italics, 0);

  // The server restarts: the component shows the drop, then comes back to the room.
  assert.strictEqual(await server.stop(), 0);
  await page.waitForFunction(() => document.querySelector('.status').textContent.trim() === 'Disconnected');
  server = await startServer({ SWITCHBOARD_DB: store, PORT_FIXED: String(port) });
  await page.waitForFunction(() => document.querySelector('.status').textContent.trim() === 'Connected', null,
    { timeout: 15000 });
  const again = await supportMember(server, 'vue-chat-member2', 'Second');
  await new Promise((r) => setTimeout(r, 200));
  again.send({ type: 'message', payload: { room: 'support', content: { text: 'after the restart' } } });
  await page.waitForFunction(() => [...document.querySelectorAll('.message')].some((m) => m.textContent.includes('after the restart')));
  await context.close();
  member.ws.close();
  again.ws.close();
  assert.deepStrictEqual(errors.filter((e) => !/WebSocket connection to .* failed/.test(e)), []);
  assert.strictEqual(await server.stop(), 0);
});
