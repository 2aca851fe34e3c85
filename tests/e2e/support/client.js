// A `ws` client with an inbox: next(predicate) resolves with the first matching message,
// whether it already arrived or arrives later.
'use strict';
const WebSocket = require('ws');

async function openClient(url, options = {}) {
  const ws = new WebSocket(url, options);
  const inbox = [];
  const waiters = [];
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString());
    const w = waiters.findIndex((x) => x.pred(m));
    if (w >= 0) waiters.splice(w, 1)[0].resolve(m);
    else inbox.push(m);
  });
  const closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
    ws.once('unexpected-response', (req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { statusCode: res.statusCode })));
  });
  const next = (pred = () => true, ms = 5000) => {
    const i = inbox.findIndex(pred);
    if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const waiter = { pred, resolve };
      waiters.push(waiter);
      setTimeout(() => {
        // A waiter that timed out must not swallow a later message.
        const at = waiters.indexOf(waiter);
        if (at >= 0) waiters.splice(at, 1);
        reject(new Error('timeout waiting for a message'));
      }, ms).unref();
    });
  };
  // Resolves true if no matching message arrives within ms.
  const none = async (pred = () => true, ms = 300) => {
    try {
      await next(pred, ms);
      return false;
    } catch {
      return true;
    }
  };
  const send = (m) => ws.send(JSON.stringify(m));
  return { ws, next, none, send, inbox, closed };
}

// A topics-dialect client of `server` (from startServer) authenticated as user.
async function topicsClient(server, user) {
  const c = await openClient(server.url(), server.wsOptions);
  c.send({ type: 'auth', token: server.token(user) });
  const answer = await c.next((m) => m.type.startsWith('auth'));
  if (answer.type !== 'auth_success') throw new Error(`auth failed: ${JSON.stringify(answer)}`);
  return c;
}

// Subscribes a topics client (resuming after `since` when given); resolves with the answer.
function subscribeTopic(c, topic, since) {
  c.send(since ? { type: 'subscribe', topic, since } : { type: 'subscribe', topic });
  return c.next((m) => m.type === 'subscribed' && m.topic === topic);
}

// An events-dialect client (seed 003) that has seen connection.ready, with request(type,
// data) returning the correlation id it sent and reply(correlationId, type) awaiting the
// answer to it.
async function eventsClient(server, user, path = '/events/ws', ...tokenArgs) {
  const c = await openClient(`${server.url(path)}?token=${server.token(user, ...tokenArgs)}`, server.wsOptions);
  c.ready = await c.next((m) => m.type === 'connection.ready');
  let n = 0;
  c.request = (type, data) => {
    const correlationId = `req_${++n}`;
    c.send({ id: `m_${n}`, type, data, metadata: { correlationId } });
    return correlationId;
  };
  c.reply = (correlationId, type) =>
    c.next((m) => m.metadata && m.metadata.correlationId === correlationId && (!type || m.type === type));
  return c;
}

module.exports = { openClient, topicsClient, subscribeTopic, eventsClient };
