// Starts a real switchboard process for a test file and mints tokens with its key.
'use strict';
const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');
const { track, stopChild, stopAll } = require('./children');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const BINARY = process.env.SWITCHBOARD_BIN || path.join(ROOT, 'build', 'switchboard');
const CONFIG = path.join(ROOT, 'tests', 'support', 'test.toml');
const THREADS = Number(process.env.SWITCHBOARD_THREADS || 1);

// A fresh store file, for one server or for a restart that must keep it.
function tempStore() {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sb-e2e-')), 'switchboard.db');
}

// Resolves to { port, url(path), token(user, ...args), stop() } once the server listens.
// env may set PORT_FIXED to reuse a port (restart tests) and SWITCHBOARD_DB to keep a store;
// ca: the CA clients trust when env turns TLS on (see support/certs.js).
function startServer(env = {}, { ca } = {}) {
  return new Promise((resolve, reject) => {
    const port = env.PORT_FIXED || '0';
    const child = spawn(BINARY, ['serve', '--config', CONFIG, '--port', String(port), '--threads', String(THREADS)], {
      env: { ...process.env, LOG_LEVEL: 'info', SWITCHBOARD_DB: tempStore(), ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    track(child);
    const lines = readline.createInterface({ input: child.stderr });
    let started = false;
    lines.on('line', (line) => {
      if (started || !line.includes('"server.listening"')) return;
      started = true;
      const listening = JSON.parse(line);
      const port = Number(listening.port);
      // A run on the io_uring write path must not pass on send() unnoticed.
      const wanted = { ...process.env, ...env }.SWITCHBOARD_WRITE_PATH;
      if (wanted && listening.write_path !== wanted) {
        stopChild(child, 'SIGKILL');
        reject(new Error(`asked for write_path ${wanted}, the server uses ${listening.write_path}`));
        return;
      }
      // With SWITCHBOARD_TLS_CERT every port speaks TLS: wss:// and https://.
      const secure = Boolean(env.SWITCHBOARD_TLS_CERT);
      resolve({
        port,
        secure,
        url: (p = '/ws') => `${secure ? 'wss' : 'ws'}://127.0.0.1:${port}${p}`,
        // Options for a `ws` client of this server (the test CA when it speaks TLS).
        wsOptions: ca ? { ca } : {},
        token: (user, ...args) =>
          execFileSync(BINARY, ['token', '--config', CONFIG, '--user', user, ...args], { encoding: 'utf8' }).trim(),
        stop: () => stopChild(child),
        // kill -9: no shutdown at all, as a crashed node.
        kill: () => stopChild(child, 'SIGKILL'),
      });
    });
    let stderr = '';
    lines.on('line', (line) => {
      if (!started && stderr.length < 4000) stderr += line + '\n';
    });
    child.once('exit', (code) => {
      if (!started) reject(Object.assign(new Error(`switchboard exited with ${code} before listening`), { code, stderr }));
    });
  });
}

// A backend's call to a server's HTTP API with the test config's API key: {status, body}
// (body null when the answer is not JSON).
async function backendApi(server, method, path, body) {
  const res = await fetch(`http://127.0.0.1:${server.port}${path}`, {
    method,
    headers: { Authorization: 'Bearer test-api-key', 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed = null;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: parsed, text };
}

module.exports = { startServer, stopAll, tempStore, THREADS, backendApi };
