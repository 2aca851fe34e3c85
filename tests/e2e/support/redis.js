// Starts a real Debian redis-server on a free loopback port for a test, without
// persistence (a restart loses everything, as the fault tests need), and stops it.
'use strict';
const { spawn } = require('child_process');
const net = require('net');
const { track, stopChild } = require('./children');
const { freePort } = require('./waiting');

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

// A loopback TCP proxy to a Redis port, for a node whose link to Redis misbehaves: with
// delayMs, every byte sent to Redis is held that long (the answers come back at once), so
// whatever waits for Redis's confirmation shows; cut() drops every connection and refuses
// new ones until restore(), as a network failure between one node and Redis would.
// Resolves to { port, url, cut(), restore(), stop() }.
async function startLink(targetPort, { delayMs = 0 } = {}) {
  const sockets = new Set();
  let down = false;
  const server = net.createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    // Same delay for every chunk: they reach Redis in the order they were sent.
    const toRedis = (f) => (delayMs ? setTimeout(f, delayMs) : f());
    client.on('data', (chunk) => toRedis(() => upstream.write(chunk)));
    client.on('end', () => toRedis(() => upstream.end()));
    upstream.on('data', (chunk) => client.write(chunk));
    upstream.on('end', () => client.end());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const dropAll = () => {
    for (const s of sockets) s.destroy();
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    cut: () => {
      down = true;
      dropAll();
    },
    restore: () => {
      down = false;
    },
    stop: () => {
      dropAll();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

module.exports = { startRedis, startLink, freePort };
