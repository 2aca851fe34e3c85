// Starts Debian's haproxy on a free loopback port in front of some Switchboard nodes, as a
// plain round-robin balancer with no stickiness of any kind (every HTTP request may go to
// another node; WebSockets are tunnelled), plus a stats listener whose CSV says how many
// requests each node was sent.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { track, stopChild } = require('./children');
const { freePort } = require('./redis');

// Resolves to { port, url(path), stats(), stop() } once haproxy accepts connections.
async function startHaproxy(nodes) {
  const port = await freePort();
  const statsPort = await freePort();
  const servers = nodes.map((node, i) => `  server node${i} 127.0.0.1:${node.port}`).join('\n');
  const config = `global
  maxconn 4096
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout tunnel 1h
frontend switchboard
  bind 127.0.0.1:${port}
  default_backend nodes
backend nodes
  balance roundrobin
${servers}
listen stats
  bind 127.0.0.1:${statsPort}
  stats enable
  stats uri /stats
`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-haproxy-'));
  const file = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(file, config);
  const child = track(spawn('haproxy', ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const deadline = Date.now() + 5000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited: ${output}`);
    try {
      const res = await fetch(`http://127.0.0.1:${statsPort}/stats;csv`);
      if (res.ok) break;
    } catch (_) { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`haproxy did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    url: (p) => `http://127.0.0.1:${port}${p}`,
    // Requests sent to each node so far: { node0: n, ... }.
    async stats() {
      const csv = await (await fetch(`http://127.0.0.1:${statsPort}/stats;csv`)).text();
      const lines = csv.trim().split('\n');
      const header = lines[0].replace(/^# /, '').split(',');
      const out = {};
      for (const line of lines.slice(1)) {
        const row = Object.fromEntries(line.split(',').map((v, i) => [header[i], v]));
        if (row.pxname === 'nodes' && row.svname.startsWith('node')) out[row.svname] = Number(row.stot);
      }
      return out;
    },
    stop: () => stopChild(child),
  };
}

module.exports = { startHaproxy };
