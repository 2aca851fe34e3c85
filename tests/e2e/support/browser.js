// Headless Chromium (Debian's, driven by playwright-core) with pages served on a server's
// own origin: a test page and the client libraries' ESM builds are answered from disk by
// request interception, while WebSockets and every other request reach the real server.
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const ROOT = path.resolve(__dirname, '..', '..', '..');
const TYPES = { '.js': 'text/javascript', '.html': 'text/html', '.json': 'application/json' };

// A page answered by interception has no network address of its own, so Chromium's Local
// Network Access checks count it as public and block its WebSockets to 127.0.0.1. Test pages
// stand in for an application served from the same host, so those checks are switched off
// for browsers that load such pages; pages the server itself serves need no such switch.
function launchBrowser({ interceptedPages = false, args = [] } = {}) {
  const flags = interceptedPages ? ['--disable-features=LocalNetworkAccessChecks', ...args] : args;
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: flags });
}

// Serves `files` ({ '/__test/page.html': html text }) and `folders` ({ '/__lib/js/':
// absolute folder }) on origin; everything else goes to the network (the server).
async function serveOnOrigin(page, origin, { files = {}, folders = {} }) {
  await page.route(`${origin}/__*/**`, (route) => {
    const { pathname } = new URL(route.request().url());
    if (files[pathname] !== undefined) {
      return route.fulfill({ status: 200, contentType: TYPES[path.extname(pathname)] || 'text/plain', body: files[pathname] });
    }
    for (const [prefix, folder] of Object.entries(folders)) {
      if (!pathname.startsWith(prefix)) continue;
      const file = path.join(folder, pathname.slice(prefix.length));
      if (!file.startsWith(folder) || !fs.existsSync(file)) break;
      return route.fulfill({ status: 200, contentType: TYPES[path.extname(file)] || 'text/plain', body: fs.readFileSync(file) });
    }
    return route.fulfill({ status: 404, body: 'not found' });
  });
}

// Collects the page's console errors and uncaught exceptions, for assertions.
function pageErrors(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  return errors;
}

module.exports = { launchBrowser, serveOnOrigin, pageErrors, ROOT };
