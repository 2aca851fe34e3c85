// The benchmark peer for the events dialect (seed 003): a Node `ws` server with the rules
// `events_load.js` exercises, written as a Node application would: ?token= HS256 auth,
// connection.ready, meeting.join with participant counts, meeting.chat.message broadcast
// with a message id, subscribe, and decisions opened with POST /api/decisions (API key),
// voted with decision.vote.cast (one vote per user), tallies coalesced to at most one
// decision.vote.update per 100 ms per decision (the latest tally, the last one always
// sent) and decision.result when every required vote is in. In memory only: unlike
// Switchboard it stores no vote before answering.
// Usage: PORT=3103 JWT_SECRET=... API_KEY=... node events_peer.js
'use strict';
const http = require('http');
const crypto = require('crypto');
const { verifier } = require('./hs256_token');
const { WebSocketServer } = require('ws');

const port = Number(process.env.PORT || 3103);
const verify = verifier(process.env.JWT_SECRET || 'switchboard-development-secret-change-me');
const apiKey = process.env.API_KEY || 'bench-key';
const UPDATE_INTERVAL_MS = 100;
const channels = new Map();   // channel -> Set<ws>
const meetings = new Map();   // meetingId -> Map<userId, {name, role, joinedAt, connections}>
const decisions = new Map();  // decisionId -> {required, deadline, votes: Map, lastUpdate, timer, closed}
let ids = 0;

const message = (type, data, userId, correlationId) => JSON.stringify({
  id: 'm-' + ++ids, type, data,
  metadata: { timestamp: new Date().toISOString(), userId, correlationId, version: '1.0' },
});
function broadcast(channel, text) {
  for (const s of channels.get(channel) || []) s.send(text);
}
function join(ws, channel) {
  if (!channels.has(channel)) channels.set(channel, new Set());
  channels.get(channel).add(ws);
  ws.joined.add(channel);
}

function summary(d) {
  const s = { approve: 0, reject: 0, abstain: 0 };
  for (const v of d.votes.values()) s[v]++;
  return s;
}
function publishUpdate(id, d) {
  d.lastUpdate = Date.now();
  d.published = d.version;
  const s = summary(d);
  broadcast('decision:' + id, message('decision.vote.update', {
    decisionId: id, voteSummary: { ...s, total: d.votes.size, required: d.required },
    status: d.closed ? 'closed' : 'voting', deadline: d.deadline,
  }));
}
function requestUpdate(id, d) {
  if (d.closed || d.timer || d.version === d.published) return;
  const wait = d.lastUpdate + UPDATE_INTERVAL_MS - Date.now();
  if (wait <= 0) return publishUpdate(id, d);
  d.timer = setTimeout(() => {
    d.timer = null;
    requestUpdate(id, d);
  }, wait);
}
function close(id, d) {
  d.closed = true;
  if (d.version !== d.published) publishUpdate(id, d);
  const s = summary(d);
  broadcast('decision:' + id, message('decision.result', {
    decisionId: id, result: s.approve > s.reject ? 'approved' : 'rejected', finalVotes: s,
    completedAt: new Date().toISOString(),
  }));
}

function onMessage(ws, raw) {
  let m;
  try { m = JSON.parse(raw); } catch { return ws.send(message('error', { code: 'INVALID_MESSAGE' }, ws.user.id)); }
  const data = m.data || {};
  const correlation = (m.metadata && m.metadata.correlationId) || m.id;
  const user = ws.user;
  switch (m.type) {
    case 'meeting.join': {
      const channel = 'meeting:' + data.meetingId;
      join(ws, channel);
      ws.meetings.add(data.meetingId);
      if (!meetings.has(data.meetingId)) meetings.set(data.meetingId, new Map());
      const members = meetings.get(data.meetingId);
      const member = members.get(user.id);
      if (member) return void member.connections++;
      const participant = { userId: user.id, name: user.name, role: data.role || 'participant', joinedAt: new Date().toISOString() };
      members.set(user.id, { ...participant, connections: 1 });
      return broadcast(channel, message('meeting.participant.joined',
        { meetingId: data.meetingId, participant, totalParticipants: members.size }, user.id, correlation));
    }
    case 'meeting.chat.message': {
      const channel = 'meeting:' + data.meetingId;
      if (!ws.joined.has(channel)) return ws.send(message('error', { code: 'PERMISSION_DENIED' }, user.id, correlation));
      return broadcast(channel, message('meeting.chat.message', {
        meetingId: data.meetingId, messageId: 'msg_' + ++ids, userId: user.id, userName: user.name,
        message: data.message, replyTo: data.replyTo ?? null, timestamp: new Date().toISOString(),
      }, user.id, correlation));
    }
    case 'subscribe':
      for (const c of data.channels) join(ws, c);
      return ws.send(message('subscription.update', { subscribed: data.channels, failed: {} }, user.id, correlation));
    case 'decision.vote.cast': {
      const d = decisions.get(data.decisionId);
      if (!d) return ws.send(message('error', { code: 'RESOURCE_NOT_FOUND' }, user.id, correlation));
      if (d.closed) return ws.send(message('error', { code: 'PERMISSION_DENIED' }, user.id, correlation));
      if (!['approve', 'reject', 'abstain'].includes(data.vote)) {
        return ws.send(message('error', { code: 'INVALID_MESSAGE' }, user.id, correlation));
      }
      const changed = d.votes.has(user.id);
      d.votes.set(user.id, data.vote);
      d.version++;
      ws.send(message('decision.vote.received', {
        decisionId: data.decisionId, voteId: 'vote_' + crypto.randomBytes(12).toString('hex'), status: 'recorded',
        changed, timestamp: new Date().toISOString(),
      }, user.id, correlation));
      if (d.votes.size >= d.required) return close(data.decisionId, d);
      return requestUpdate(data.decisionId, d);
    }
    case 'connection.heartbeat.ping':
      return ws.send(message('connection.heartbeat.pong', { timestamp: data.timestamp, latency: 0 }, user.id, correlation));
    default:
      return ws.send(message('error', { code: 'INVALID_MESSAGE' }, user.id, correlation));
  }
}

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/api/decisions') return res.writeHead(404).end();
  if (req.headers.authorization !== 'Bearer ' + apiKey) return res.writeHead(401).end();
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const d = JSON.parse(body);
    if (decisions.has(d.decisionId)) return res.writeHead(409).end();
    decisions.set(d.decisionId, {
      required: d.required, deadline: d.deadline, votes: new Map(), version: 0, published: 0, lastUpdate: 0,
      timer: null, closed: false,
    });
    res.writeHead(201, { 'Content-Type': 'application/json' }).end(JSON.stringify({ decisionId: d.decisionId }));
  });
});
const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: false });
wss.on('connection', (ws, req) => {
  const claims = verify(new URL(req.url, 'http://x').searchParams.get('token'));
  if (!claims) {
    ws.send(message('connection.error', { code: 'AUTH_FAILED', retryable: false }));
    return ws.close(1008, 'authentication failed');
  }
  ws.user = { id: claims.sub, name: claims.name || claims.sub };
  ws.joined = new Set();
  ws.meetings = new Set();
  join(ws, 'user:' + ws.user.id);
  ws.send(message('connection.ready', {
    sessionId: 's-' + ++ids, userId: ws.user.id, permissions: claims.permissions || [], serverTime: new Date().toISOString(),
  }, ws.user.id));
  ws.on('message', (raw) => onMessage(ws, raw));
  ws.on('close', () => {
    for (const c of ws.joined) channels.get(c).delete(ws);
    for (const id of ws.meetings) {
      const members = meetings.get(id);
      const member = members.get(ws.user.id);
      if (--member.connections > 0) continue;
      members.delete(ws.user.id);
      broadcast('meeting:' + id, message('meeting.participant.left', {
        meetingId: id, participant: { userId: ws.user.id, name: ws.user.name, leftAt: new Date().toISOString() },
        totalParticipants: members.size,
      }, ws.user.id));
    }
  });
});
server.listen(port, '127.0.0.1');
