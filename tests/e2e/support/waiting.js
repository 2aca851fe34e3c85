// Waiting in tests: a plain pause, and polling a condition with a deadline that names what
// was awaited when it passes.
'use strict';
const net = require('net');

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Resolves with check()'s first truthy value (polled every 10 ms); rejects after ms.
async function until(check, ms = 5000, what = 'condition') {
  const started = Date.now();
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await wait(10);
  }
}

// A loopback port nothing listens on now (for a server restarted on the same port).
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

module.exports = { wait, until, freePort };
