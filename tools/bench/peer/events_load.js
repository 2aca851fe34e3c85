// Load generator for the events dialect benchmark (seed 003), run against Switchboard and
// the Node peer alike (`scripts/bench.sh`, section `events`):
//   join   N participants connect, then all send meeting.join at once: the time until every
//          participant has seen totalParticipants = N (the join storm)
//   chat   chat messages at fixed rates from participants in turn, delivered to all N:
//          deliveries per second and publish-to-receive latency (sampled clients)
//   vote   a decision requiring N votes; every participant follows decision:{id} and votes
//          once, the votes spread over 10 s: decision.vote.update messages received per
//          client (coalesced: the updates cost per second, not per vote), the time from the
//          last vote to the result everywhere, and the server's CPU time for the phase
// Usage: node events_load.js --url ws://127.0.0.1:8081/ws --api http://127.0.0.1:3000 \
//          --secret S --api-key K --pid <server pid> [--participants 1000]
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const WebSocket = require('ws');

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) => {
  if (a.startsWith('--')) pairs.push([a.slice(2), all[i + 1]]);
  return pairs;
}, []));
const N = Number(args.participants || 1000);
const CHAT_RATES = (args['chat-rates'] || '50 200').split(' ').map(Number);
const CHAT_SECONDS = Number(args['chat-seconds'] || 5);
const VOTE_SECONDS = Number(args['vote-seconds'] || 10);
const SAMPLED = 100;  // clients that parse chat messages for latency

function token(user) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = b64({ alg: 'HS256', typ: 'JWT' });
  const body = b64({ sub: user, name: 'User ' + user, iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 3600 });
  const mac = crypto.createHmac('sha256', args.secret).update(head + '.' + body).digest('base64url');
  return `${head}.${body}.${mac}`;
}
const cpuSeconds = () => {
  if (!args.pid) return 0;
  const fields = fs.readFileSync(`/proc/${args.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;  // utime + stime, in clock ticks of 1/100 s
};
const wait = (ms) => new Promise((r) => setTimeout(r, ms));
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] || 0;
let sent = 0;
const send = (c, type, data) => c.ws.send(JSON.stringify({ id: `c${++sent}`, type, data }));

function connect(i) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${args.url}?token=${token('u' + i)}`, { perMessageDeflate: false });
    const c = { ws, i, handlers: [] };
    ws.on('message', (raw) => {
      const text = raw.toString();
      for (const h of c.handlers) h(text);
    });
    ws.once('error', reject);
    c.handlers.push(function ready(text) {
      if (!text.includes('"connection.ready"')) return;
      c.handlers.splice(c.handlers.indexOf(ready), 1);
      resolve(c);
    });
  });
}
// Resolves when every client has seen a message matching test (or after ms).
function everyone(clients, test, ms = 60000) {
  return new Promise((resolve) => {
    let left = clients.length;
    const timer = setTimeout(() => resolve(false), ms);
    for (const c of clients) {
      const h = (text) => {
        if (!test(text)) return;
        c.handlers.splice(c.handlers.indexOf(h), 1);
        if (--left === 0) {
          clearTimeout(timer);
          resolve(true);
        }
      };
      c.handlers.push(h);
    }
  });
}

async function main() {
  const clients = [];
  const t0 = Date.now();
  for (let i = 0; i < N; i += 100) {
    clients.push(...(await Promise.all(Array.from({ length: Math.min(100, N - i) }, (_, k) => connect(i + k)))));
  }
  console.log(`connect  ${N} clients ready in ${Date.now() - t0} ms`);

  // The join storm.
  const meeting = 'bench_' + process.pid;
  const final = `"totalParticipants":${N}`;
  let joinedMessages = 0;
  for (const c of clients) c.handlers.push((text) => { if (text.includes('meeting.participant.joined')) joinedMessages++; });
  const allSeen = everyone(clients, (text) => text.includes(final));
  const cpu0 = cpuSeconds();
  const start = process.hrtime.bigint();
  for (const c of clients) send(c, 'meeting.join', { meetingId: meeting, role: 'participant' });
  const ok = await allSeen;
  const joinMs = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(`join     ${ok ? 'all' : 'NOT all'} ${N} saw totalParticipants=${N} after ${joinMs.toFixed(0)} ms; ` +
              `${joinedMessages} joined messages delivered; server CPU ${(cpuSeconds() - cpu0).toFixed(2)} s`);
  await wait(500);

  // Chat fan-out.
  let delivered = 0;
  const latencies = [];
  const stamp = /"message":"t:(\d+\.\d+)"/;
  for (const c of clients) {
    c.handlers.push((text) => {
      if (!text.includes('"meeting.chat.message"')) return;
      delivered++;
      if (c.i < SAMPLED) {
        const m = stamp.exec(text);
        if (m) latencies.push(performance.now() + performance.timeOrigin - Number(m[1]));
      }
    });
  }
  let sender = 0;
  for (const rate of CHAT_RATES) {
    delivered = 0;
    latencies.length = 0;
    const total = rate * CHAT_SECONDS;
    const cpuStart = cpuSeconds();
    const begin = performance.now();
    for (let k = 0; k < total; k++) {
      const due = begin + (k * 1000) / rate;
      const now = performance.now();
      if (due > now) await wait(due - now);
      const c = clients[sender++ % N];
      send(c, 'meeting.chat.message', { meetingId: meeting, message: `t:${(performance.now() + performance.timeOrigin).toFixed(3)}` });
    }
    await wait(1000);
    latencies.sort((a, b) => a - b);
    const seconds = (performance.now() - begin) / 1000 - 1;
    console.log(`chat     ${rate}/s x ${N}: ${delivered}/${total * N} delivered (${Math.round(delivered / seconds)}/s), ` +
                `p50 ${percentile(latencies, 0.5).toFixed(1)} ms, p99 ${percentile(latencies, 0.99).toFixed(1)} ms, ` +
                `server CPU ${(cpuSeconds() - cpuStart).toFixed(2)} s`);
  }

  // The vote.
  const decisionId = 'vote_' + process.pid;
  const res = await fetch(`${args.api}/api/decisions`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${args['api-key']}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ decisionId, required: N, deadline: new Date(Date.now() + 120000).toISOString() }),
  });
  if (res.status !== 201) throw new Error(`opening the decision: HTTP ${res.status}`);
  const subscribed = everyone(clients, (text) => text.includes('"subscription.update"'));
  for (const c of clients) send(c, 'subscribe', { channels: [`decision:${decisionId}`] });
  await subscribed;
  await wait(300);
  const updates = new Array(N).fill(0);
  let received = 0;
  for (const c of clients) {
    c.handlers.push((text) => {
      if (text.includes('"decision.vote.update"')) updates[c.i]++;
      else if (text.includes('"decision.vote.received"')) received++;
    });
  }
  const results = everyone(clients, (text) => text.includes('"decision.result"'), 60000);
  const cpuStart = cpuSeconds();
  const begin = performance.now();
  for (let k = 0; k < N; k++) {
    const due = begin + (k * VOTE_SECONDS * 1000) / N;
    const now = performance.now();
    if (due > now) await wait(due - now);
    send(clients[k], 'decision.vote.cast', { decisionId, vote: k % 3 === 0 ? 'reject' : 'approve' });
  }
  const lastVote = performance.now();
  const all = await results;
  const resultMs = performance.now() - lastVote;
  updates.sort((a, b) => a - b);
  console.log(`vote     ${N} votes over ${VOTE_SECONDS} s: ${received} received; decision.vote.update per client ` +
              `min ${updates[0]} median ${percentile(updates, 0.5)} max ${updates[N - 1]} ` +
              `(${(percentile(updates, 0.5) / VOTE_SECONDS).toFixed(1)}/s); result ${all ? 'everywhere' : 'NOT everywhere'} ` +
              `${resultMs.toFixed(0)} ms after the last vote; server CPU ${(cpuSeconds() - cpuStart).toFixed(2)} s`);
  for (const c of clients) c.ws.terminate();
}

main().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});
