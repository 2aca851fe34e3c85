// Starts a real Debian redis-server on a free loopback port for a test, without
// persistence (a restart loses everything, as the fault tests need), and stops it.
'use strict';
const { spawn } = require('child_process');
const net = require('net');
const { track, stopChild } = require('./children');

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

// Resolves to { port, url, stop(signal) } once the server accepts commands.
async function startRedis(port, extraArgs = []) {
  port = port || (await freePort());
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs];
  const child = track(spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  await new Promise((resolve, reject) => {
    let out = '';
    const onData = (d) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) resolve();
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)));
  });
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: (signal = 'SIGTERM') => stopChild(child, signal),
  };
}

module.exports = { startRedis, freePort };
