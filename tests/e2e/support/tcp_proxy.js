// A TCP relay between clients and a server on loopback, so that a test can cut live
// connections (a network drop the server did not cause), refuse new ones while paused (so
// a client stays away however short its backoff) and count connection attempts.
'use strict';
const net = require('net');

// Resolves to { port, connections (attempts so far), relayed (those passed on), paused,
// cut() (drops every live connection), close() }. Connections go to 127.0.0.1:targetPort.
function startProxy(targetPort) {
  const live = new Set();
  let connections = 0;
  let relayed = 0;
  let proxy = null;
  const server = net.createServer((client) => {
    connections++;
    if (proxy.paused) {
      client.destroy();
      return;
    }
    relayed++;
    const upstream = net.connect(targetPort, '127.0.0.1');
    const pair = { client, upstream };
    live.add(pair);
    const end = () => {
      live.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      proxy = {
        port: server.address().port,
        paused: false,
        get connections() { return connections; },
        get relayed() { return relayed; },
        cut() {
          for (const { client, upstream } of live) {
            client.destroy();
            upstream.destroy();
          }
          live.clear();
        },
        close() {
          this.cut();
          return new Promise((done) => server.close(done));
        },
      };
      resolve(proxy);
    });
  });
}

module.exports = { startProxy };
