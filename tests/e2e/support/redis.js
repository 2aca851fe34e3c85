// Starts a real Debian redis-server on a free loopback port for a test, without
// persistence (a restart loses everything, as the fault tests need), and stops it.
'use strict';
const { spawn } = require('child_process');
const net = require('net');

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

// Every redis-server started and not stopped yet (see stopAll()).
const live = new Set();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function stopAll() {
  return Promise.all([...live].map((child) => new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', () => done());
    child.kill('SIGTERM');
  })));
}

// Resolves to { port, url, stop(signal) } once the server accepts commands.
async function startRedis(port, extraArgs = []) {
  port = port || (await freePort());
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
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
    stop: (signal = 'SIGTERM') =>
      new Promise((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill(signal);
      }),
  };
}

module.exports = { startRedis, stopAll, freePort };
