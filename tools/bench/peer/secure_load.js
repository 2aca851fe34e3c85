// Load generator for the TLS and compression benchmarks (`scripts/bench.sh`, section
// `secure`), run against Switchboard's topics endpoint and the Node `ws` peer alike, with
// Node's own TLS and `ws`'s own permessage-deflate on the client side:
//   handshakes  TLS + WebSocket upgrade + topics auth, then close, with 64 in flight:
//               completed per second (the client pays the same handshakes: compare ratios)
//   fanout      N subscribers, one publisher at a fixed rate of 1 KB JSON publications:
//               deliveries, publish-to-receive p50/p99 (every subscriber parses), and the
//               server's CPU seconds per 100,000 deliveries
//   idle        N authenticated connections left idle: the server's RSS growth per connection
// Usage: node secure_load.js --mode fanout --url wss://127.0.0.1:3000/ws --secret S --pid PID
//          [--ca ca.pem] [--deflate 1] [--subscribers 500] [--rate 100] [--seconds 5]
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const WebSocket = require('ws');

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) => {
  if (a.startsWith('--')) pairs.push([a.slice(2), all[i + 1]]);
  return pairs;
}, []));
const MODE = args.mode || 'fanout';
const SUBSCRIBERS = Number(args.subscribers || 500);
const RATE = Number(args.rate || 100);
const SECONDS = Number(args.seconds || 5);
const DEFLATE = args.deflate === '1';
const CA = args.ca ? fs.readFileSync(args.ca) : undefined;

function token(user) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = b64({ alg: 'HS256', typ: 'JWT' });
  const body = b64({ sub: user, iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 3600 });
  const mac = crypto.createHmac('sha256', args.secret).update(head + '.' + body).digest('base64url');
  return `${head}.${body}.${mac}`;
}
const cpuSeconds = () => {
  const fields = fs.readFileSync(`/proc/${args.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const rssBytes = () => Number(fs.readFileSync(`/proc/${args.pid}/statm`, 'utf8').split(' ')[1]) * 4096;
const wait = (ms) => new Promise((r) => setTimeout(r, ms));

// An authenticated topics connection, subscribed to `topic` when given.
function open(user, topic, onMessage) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(args.url, { ca: CA, perMessageDeflate: DEFLATE ? { threshold: 256 } : false });
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ type: 'auth', token: token(user) })));
    ws.on('message', (raw) => {
      const m = JSON.parse(raw);
      if (m.type === 'auth_success') {
        if (!topic) return resolve(ws);
        return ws.send(JSON.stringify({ type: 'subscribe', topic }));
      }
      if (m.type === 'subscribed') return resolve(ws);
      if (onMessage) onMessage(m);
    });
  });
}

async function openMany(count, make, inFlight = 64) {
  const out = [];
  let next = 0;
  async function worker() {
    while (next < count) {
      const i = next++;
      out[i] = await make(i);
    }
  }
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
  return out;
}

// A publication's data: about 1 KB of JSON with the send time for the latency.
function payload(sentUs) {
  return {
    sentUs,
    kind: 'order.updated',
    items: Array.from({ length: 12 }, (_, i) => ({ sku: `SKU-${1000 + i}`, quantity: i % 4 + 1, price: 19.99 + i,
      status: i % 2 ? 'shipped' : 'pending' })),
  };
}
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

async function handshakes() {
  const start = Date.now();
  let done = 0;
  let failed = 0;
  const deadline = start + SECONDS * 1000;
  async function worker(w) {
    for (let i = 0; Date.now() < deadline; ++i) {
      try {
        const ws = await open(`hs-${w}-${i}`);
        ws.terminate();
        ++done;
      } catch {
        ++failed;
      }
    }
  }
  await Promise.all(Array.from({ length: 64 }, (_, w) => worker(w)));
  const seconds = (Date.now() - start) / 1000;
  console.log(`handshakes_per_s=${Math.round(done / seconds)} completed=${done} failed=${failed}`);
}

async function fanout() {
  const latencies = [];
  let delivered = 0;
  const onMessage = (m) => {
    if (m.type !== 'message') return;
    ++delivered;
    latencies.push(nowUs() - m.data.sentUs);
  };
  const subscribers = await openMany(SUBSCRIBERS, (i) => open(`sub-${i}`, 'bench.secure', onMessage));
  const publisher = await open('publisher');
  await wait(500);
  const cpuBefore = cpuSeconds();
  const expected = RATE * SECONDS * SUBSCRIBERS;
  const interval = 1000 / RATE;
  const start = Date.now();
  for (let n = 0; n < RATE * SECONDS; ++n) {
    const due = start + n * interval;
    if (due > Date.now()) await wait(due - Date.now());
    publisher.send(JSON.stringify({ type: 'message', topic: 'bench.secure', data: payload(nowUs()) }));
  }
  for (let i = 0; i < 100 && delivered < expected; ++i) await wait(50);
  const cpu = cpuSeconds() - cpuBefore;
  latencies.sort((a, b) => a - b);
  const at = (q) => (latencies.length ? (latencies[Math.floor(q * (latencies.length - 1))] / 1000).toFixed(1) : 'n/a');
  console.log(`subscribers=${SUBSCRIBERS} rate=${RATE}/s delivered=${delivered}/${expected} p50_ms=${at(0.5)} ` +
    `p99_ms=${at(0.99)} server_cpu_s=${cpu.toFixed(2)} cpu_s_per_100k=${(cpu * 100000 / Math.max(delivered, 1)).toFixed(3)}`);
  for (const ws of [...subscribers, publisher]) ws.terminate();
}

async function idle() {
  const before = rssBytes();
  const sockets = await openMany(SUBSCRIBERS, (i) => open(`idle-${i}`, `idle.${i % 100}`));
  await wait(2000);  // idle connections give their buffers back on the next sweeps
  const after = rssBytes();
  console.log(`connections=${sockets.length} rss_growth_bytes=${after - before} ` +
    `bytes_per_connection=${Math.round((after - before) / sockets.length)}`);
  for (const ws of sockets) ws.terminate();
}

({ handshakes, fanout, idle })[MODE]().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});
