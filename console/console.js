// The Switchboard console: a test client for every WebSocket dialect, a Socket.IO action
// sender, presence, a live chart of the server's own stats and the admin switches. It runs
// in the page with no library and no build step; it is served from the binary at /console.
//
// Everything received is shown with textContent, never as HTML: channel names and payloads
// come from other users. The page keeps credentials in memory only (a token given in the
// URL is taken out of the address bar at once).
'use strict';

const $ = (id) => document.getElementById(id);
const MAX_ROWS = 1000;       // traffic rows kept; the oldest go first
const SHOWN_TEXT = 600;      // characters of a message shown in a row
const CHART_POINTS = 60;     // a minute at one sample per second

const state = {
  token: '',
  user: '',
  endpoints: [],
  socket: null,
  dialect: null,
  subscriptions: new Map(),  // channel -> 'pending' | 'subscribed'
  traffic: [],
  channels: new Set(),
  nextId: 1,
  sio: null,
  samples: [],
  lastStats: null,
};

// ---------------------------------------------------------------------------------------
// Small helpers

function show(id, text, isError = false) {
  const el = $(id);
  el.textContent = text;
  el.classList.toggle('error', isError);
}

function setState(name, text) {
  const el = $('state');
  el.dataset.state = name;
  el.textContent = text;
}

function decodeClaims(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(decodeURIComponent(escape(atob(part))));
  } catch {
    return null;
  }
}

function endpointUrl(endpoint) {
  const secure = endpoint.port ? endpoint.tls : location.protocol === 'https:';
  const host = endpoint.port ? `${location.hostname.includes(':') ? `[${location.hostname}]` : location.hostname}:${endpoint.port}` : location.host;
  return `${secure ? 'wss' : 'ws'}://${host}${endpoint.path}`;
}

function parseJson(text, what) {
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    return { error: `${what} is not JSON: ${e.message}` };
  }
}

// ---------------------------------------------------------------------------------------
// Dialects: how each one authenticates, subscribes, publishes and names the channel of
// what it receives. `channelOf` returns '' for messages about the connection itself.

const dialects = {
  topics: {
    url: (base) => base,
    onOpen: (send, token) => send({ type: 'auth', token }),
    isReady: (m) => m.type === 'auth_success',
    subscribe: (ch) => ({ type: 'subscribe', topic: ch }),
    unsubscribe: (ch) => ({ type: 'unsubscribe', topic: ch }),
    subscribed: (m) => (m.type === 'subscribed' ? [m.topic] : []),
    refused: (m) => (m.type === 'error' && m.details && m.details.field === 'topic' ? m.message : ''),
    publish: (ch, type, data) => (type ? { type: 'message', topic: ch, eventType: type, data } : { type: 'message', topic: ch, data }),
    channelOf: (m) => m.topic || '',
    typeOf: (m) => (m.type === 'message' && m.eventType ? m.eventType : m.type),
    unknownType: { type: 'no.such.type' },
    forbidden: 'matter:console-check',  // needs the matter:read permission
  },
  events: {
    url: (base, token) => `${base}?token=${encodeURIComponent(token)}`,
    isReady: (m) => m.type === 'connection.ready',
    subscribe: (ch, id) => ({ id, type: 'subscribe', data: { channels: [ch] }, metadata: { correlationId: id } }),
    unsubscribe: (ch, id) => ({ id, type: 'unsubscribe', data: { channels: [ch] }, metadata: { correlationId: id } }),
    subscribed: (m) => (m.type === 'subscription.update' && m.data ? m.data.subscribed || [] : []),
    refused: (m) => (m.type === 'subscription.update' && m.data && m.data.failed && Object.keys(m.data.failed).length
      ? JSON.stringify(m.data.failed) : ''),
    channelOf: (m) => (m.metadata && typeof m.metadata.channel === 'string' ? m.metadata.channel : ''),
    typeOf: (m) => m.type,
    unknownType: { id: 'm-unknown', type: 'no.such.type', data: {} },
    forbidden: 'matter:console-check',
  },
  envelope: {
    url: (base, token) => `${base}?token=${encodeURIComponent(token)}`,
    isReady: (m) => m.type === 'CONNECTION_ESTABLISHED',
    subscribe: (ch, id) => ({ id, type: 'SUBSCRIBE', timestamp: new Date().toISOString(), payload: { channels: [ch] } }),
    unsubscribe: (ch, id) => ({ id, type: 'UNSUBSCRIBE', timestamp: new Date().toISOString(), payload: { channels: [ch] } }),
    subscribed: (m) => (m.type === 'SUBSCRIPTION_CONFIRMED' && m.payload ? m.payload.channels || [] : []),
    refused: (m) => (m.type === 'ERROR' && m.payload && m.payload.code === 'SUBSCRIPTION_FAILED' ? m.payload.message : ''),
    channelOf: (m) => (m.metadata && typeof m.metadata.channel === 'string' ? m.metadata.channel : ''),
    typeOf: (m) => m.type,
    unknownType: { id: 'm-unknown', type: 'NO_SUCH_TYPE', timestamp: new Date().toISOString(), payload: {} },
    forbidden: 'matter:console-check',
  },
  rooms: {
    // The rooms dialect reads its identity from the session cookie, as a browser app's page
    // sends it: the console sets it (a JWT is a valid session) for this path only.
    url: (base, token, endpoint) => {
      document.cookie = `pm-session=${encodeURIComponent(token)}; path=${endpoint.path}; SameSite=Strict`;
      return base;
    },
    isReady: (m) => m.type === 'connected',
    subscribe: (ch, id) => ({ id, type: 'subscribe', payload: { room: ch } }),
    unsubscribe: (ch, id) => ({ id, type: 'unsubscribe', payload: { room: ch } }),
    subscribed: (m) => (m.type === 'subscribed' && m.payload ? [m.payload.room] : []),
    refused: (m) => (m.type === 'error' && m.payload && m.payload.room ? `${m.payload.code}: ${m.payload.message}` : ''),
    publish: (ch, type, data) => ({ type: 'message', payload: { room: ch, content: data } }),
    channelOf: (m) => (typeof m.room === 'string' ? m.room : m.payload && typeof m.payload.room === 'string' ? m.payload.room : ''),
    typeOf: (m) => m.type,
    unknownType: { type: 'no.such.type', payload: {} },
    forbidden: 'admin:notifications',  // the admin role's room
  },
};

// ---------------------------------------------------------------------------------------
// Traffic: every frame in and out, filtered by channel, text and direction.

function record(direction, text, parsed, dialect) {
  // The user's own token is not shown (nor kept in a screenshot of the page).
  if (state.token && text.includes(state.token)) text = text.split(state.token).join('<token>');
  let channel = '';
  let type = '';
  if (parsed && typeof parsed === 'object' && dialect) {
    channel = dialect.channelOf(parsed) || '';
    type = String(dialect.typeOf(parsed) || '');
  } else if (parsed && typeof parsed === 'object') {
    channel = parsed.channel || '';
    type = parsed.type || '';
  }
  const row = { time: new Date(), direction, channel: String(channel), type, text };
  state.traffic.push(row);
  if (state.traffic.length > MAX_ROWS) state.traffic.shift();
  if (row.channel && !state.channels.has(row.channel)) {
    state.channels.add(row.channel);
    const option = document.createElement('option');
    option.value = row.channel;
    option.textContent = row.channel;
    $('filter-channel').appendChild(option);
  }
  if (!$('pause').checked) renderTraffic();
}

function matches(row) {
  const channel = $('filter-channel').value;
  const text = $('filter-text').value.trim().toLowerCase();
  const direction = $('filter-direction').value;
  if (channel && row.channel !== channel) return false;
  if (direction && row.direction !== direction) return false;
  if (text && !row.type.toLowerCase().includes(text) && !row.text.toLowerCase().includes(text)) return false;
  return true;
}

function renderTraffic() {
  const body = $('traffic').tBodies[0];
  const rows = state.traffic.filter(matches);
  const fragment = document.createDocumentFragment();
  for (let i = rows.length - 1; i >= 0; i--) {  // newest first
    const row = rows[i];
    const tr = document.createElement('tr');
    tr.className = row.direction + (/error/i.test(row.type) ? ' error' : '');
    const cells = [row.time.toTimeString().slice(0, 8) + `.${String(row.time.getMilliseconds()).padStart(3, '0')}`, row.direction === 'in' ? '\u2193' : '\u2191', row.channel, row.type,
      row.text.length > SHOWN_TEXT ? `${row.text.slice(0, SHOWN_TEXT)}\u2026 (${row.text.length} characters)` : row.text];
    for (const value of cells) {
      const td = document.createElement('td');
      td.textContent = value;
      tr.appendChild(td);
    }
    fragment.appendChild(tr);
  }
  body.replaceChildren(fragment);
  $('traffic-count').textContent = `${rows.length} of ${state.traffic.length}`;
}

// ---------------------------------------------------------------------------------------
// Signing in

function useToken(token) {
  token = token.trim();
  const claims = decodeClaims(token);
  if (!claims) {
    show('signin-result', 'That is not a JWT (three base64url parts).', true);
    return false;
  }
  state.token = token;
  state.user = String(claims.sub || claims.userId || '');
  const expires = claims.exp ? `, expires ${new Date(claims.exp * 1000).toLocaleString()}` : '';
  $('who').textContent = `signed in as ${state.user}`;
  const roles = [].concat(claims.roles || []);
  show('signin-result', `Token for ${state.user}${roles.length ? ` (${roles.join(', ')})` : ''}${expires}.`);
  return true;
}

async function login() {
  show('signin-result', 'Logging in\u2026');
  try {
    const res = await fetch('/api/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: $('email').value, password: $('password').value }),
    });
    const body = await res.json();
    if (!res.ok || !body.data) {
      show('signin-result', `Login refused (${res.status}): ${body.error ? body.error.message : res.statusText}`, true);
      return;
    }
    $('token').value = body.data.accessToken;
    useToken(body.data.accessToken);
  } catch (e) {
    show('signin-result', `Login failed: ${e.message}`, true);
  }
}

// ---------------------------------------------------------------------------------------
// The WebSocket connection

function selectedEndpoint() {
  return state.endpoints[Number($('endpoint').value)];
}

function send(message) {
  const text = typeof message === 'string' ? message : JSON.stringify(message);
  if (!state.socket || state.socket.readyState !== WebSocket.OPEN) {
    show('connection-result', 'Not connected: connect first.', true);
    return false;
  }
  state.socket.send(text);
  record('out', text, typeof message === 'string' ? null : message, state.dialect);
  return true;
}

function connect() {
  const endpoint = selectedEndpoint();
  if (!endpoint) return Promise.resolve(false);
  const dialect = dialects[endpoint.dialect];
  if (!dialect) {
    show('connection-result', `The ${endpoint.dialect} dialect is used from the Socket.IO panel.`, true);
    return Promise.resolve(false);
  }
  if (!state.token) {
    show('connection-result', 'Sign in first (a token or a login).', true);
    return Promise.resolve(false);
  }
  disconnect();
  const base = endpointUrl(endpoint);
  const socket = new WebSocket(dialect.url(base, state.token, endpoint));
  state.socket = socket;
  state.dialect = dialect;
  state.subscriptions.clear();
  renderSubscriptions();
  setState('connecting', `connecting to ${endpoint.dialect}`);
  show('connection-result', `Connecting to ${base}\u2026`);
  return new Promise((resolve) => {
    let ready = false;
    socket.onopen = () => {
      if (dialect.onOpen) dialect.onOpen(send, state.token);
    };
    socket.onmessage = (event) => {
      const text = typeof event.data === 'string' ? event.data : '(binary)';
      let message = null;
      try {
        message = JSON.parse(text);
      } catch {
        // shown as it came
      }
      record('in', text, message, dialect);
      if (!message || socket !== state.socket) return;
      if (!ready && dialect.isReady(message)) {
        ready = true;
        setState('open', `${endpoint.dialect} ${endpoint.path}`);
        show('connection-result', `Connected to ${base} as ${state.user}.`);
        resolve(true);
      }
      for (const channel of dialect.subscribed(message)) {
        state.subscriptions.set(channel, 'subscribed');
        renderSubscriptions();
      }
      const refusal = dialect.refused(message);
      if (refusal) show('connection-result', `Refused: ${refusal}`, true);
    };
    socket.onclose = (event) => {
      if (socket !== state.socket) return;
      state.socket = null;
      setState('closed', `closed ${event.code}`);
      show('connection-result', `Closed with ${event.code}${event.reason ? ` (${event.reason})` : ''}.`, event.code !== 1000);
      record('in', `(closed ${event.code} ${event.reason})`, { type: 'close' }, null);
      resolve(false);
    };
  });
}

function disconnect() {
  const socket = state.socket;
  state.socket = null;
  if (socket) {
    socket.close(1000, 'console');
    setState('closed', 'disconnected');
    show('connection-result', 'Disconnected.');
  }
}

// ---------------------------------------------------------------------------------------
// Channels and publishing

function renderSubscriptions() {
  const list = $('subscriptions');
  list.replaceChildren();
  for (const [channel, status] of state.subscriptions) {
    const li = document.createElement('li');
    const name = document.createElement('span');
    name.textContent = status === 'pending' ? `${channel} (waiting)` : channel;
    const leave = document.createElement('button');
    leave.textContent = 'Unsubscribe';
    leave.dataset.channel = channel;
    leave.addEventListener('click', () => unsubscribe(channel));
    li.append(name, leave);
    list.appendChild(li);
  }
}

function subscribe(channel) {
  channel = channel.trim();
  if (!channel || !state.dialect) return;
  if (send(state.dialect.subscribe(channel, `c${state.nextId++}`))) {
    if (!state.subscriptions.has(channel)) state.subscriptions.set(channel, 'pending');
    renderSubscriptions();
  }
}

function unsubscribe(channel) {
  if (send(state.dialect.unsubscribe(channel, `c${state.nextId++}`))) {
    state.subscriptions.delete(channel);
    renderSubscriptions();
  }
}

async function publish() {
  const channel = $('publish-channel').value.trim();
  const type = $('publish-type').value.trim();
  const data = parseJson($('publish-data').value, 'Data');
  if (data.error) return show('publish-result', data.error, true);
  if (!channel) return show('publish-result', 'A channel is needed.', true);
  const viaApi = $('publish-via-api').checked || !state.dialect || !state.dialect.publish;
  if (!viaApi) {
    if (send(state.dialect.publish(channel, type, data.value))) show('publish-result', `Sent to ${channel}.`);
    return;
  }
  const answer = await adminCall('POST', '/api/publish', { channel, type: type || undefined, data: data.value },
    'publish-result');
  if (answer) show('publish-result', answer.ok ? `Published through the API: ${answer.text}` : answer.text, !answer.ok);
}

// ---------------------------------------------------------------------------------------
// Test messages and error scenarios (seed 001's test client)

function errorScenario(which) {
  if (!state.socket) return show('connection-result', 'Not connected: connect first.', true);
  if (which === 'json') send('{"type": "subscribe", oops');
  if (which === 'type') send(state.dialect.unknownType);
  if (which === 'channel') subscribe(state.dialect.forbidden);
  if (which === 'size') send(JSON.stringify({ type: 'ping', padding: 'x'.repeat(1024 * 1024 + 16) }));
}

// ---------------------------------------------------------------------------------------
// Socket.IO actions: a small Engine.IO 4 / Socket.IO 5 client over WebSocket, enough to
// send the seed's REQUEST messages and show their RESPONSE or ERROR.

function sioEndpoint() {
  return state.endpoints.find((e) => e.dialect === 'socketio');
}

function sioConnect() {
  if (state.sio && state.sio.ready) return state.sio.ready;
  const endpoint = sioEndpoint();
  if (!endpoint) return Promise.reject(new Error('this server has no socketio endpoint'));
  const sessionId = `console-${Math.random().toString(36).slice(2, 10)}`;
  const url = `${endpointUrl(endpoint)}?EIO=4&transport=websocket&sessionId=${sessionId}`;
  const socket = new WebSocket(url);
  const sio = { socket, pending: new Map(), ready: null };
  state.sio = sio;
  sio.ready = new Promise((resolve, reject) => {
    socket.onmessage = (event) => {
      const packet = String(event.data);
      if (packet === '2') return socket.send('3');  // Engine.IO ping
      if (packet.startsWith('0')) return socket.send(`40${JSON.stringify({ token: state.token })}`);
      if (packet.startsWith('40')) return resolve(sio);
      if (packet.startsWith('44')) {
        const error = parseJson(packet.slice(2), 'connect_error').value || {};
        reject(new Error(`connect_error: ${error.message || packet}`));
        return;
      }
      if (packet.startsWith('42')) {
        const event = parseJson(packet.slice(2), 'event').value;
        if (!Array.isArray(event)) return;
        const body = typeof event[1] === 'string' ? parseJson(event[1], 'message').value : event[1];
        record('in', typeof event[1] === 'string' ? event[1] : JSON.stringify(event[1]), body, null);
        const waiter = body && sio.pending.get(body.requestId);
        if (waiter) {
          sio.pending.delete(body.requestId);
          waiter(body);
        }
      }
    };
    socket.onclose = (event) => {
      if (state.sio === sio) state.sio = null;
      reject(new Error(`closed ${event.code}`));
      for (const waiter of sio.pending.values()) waiter({ type: 'ERROR', error: { code: 'CLOSED', message: `closed ${event.code}` } });
      sio.pending.clear();
    };
  });
  return sio.ready;
}

async function sendAction() {
  const action = $('action').value.trim();
  const data = parseJson($('action-data').value, 'Data');
  if (data.error) return show('action-result', data.error, true);
  if (!state.token) return show('action-result', 'Sign in first.', true);
  show('action-result', `Sending ${action}\u2026`);
  try {
    const sio = await sioConnect();
    const requestId = `r${state.nextId++}`;
    const request = JSON.stringify({ type: 'REQUEST', requestId, action, data: data.value });
    const answer = new Promise((resolve) => sio.pending.set(requestId, resolve));
    sio.socket.send(`42${JSON.stringify(['message', request])}`);
    record('out', request, { type: 'REQUEST' }, null);
    const body = await Promise.race([answer, new Promise((resolve) => setTimeout(() => resolve(null), 12000))]);
    if (!body) {
      sio.pending.delete(requestId);
      return show('action-result', `No answer to ${action} within 12 s.`, true);
    }
    show('action-result', JSON.stringify(body, null, 2), body.type === 'ERROR');
  } catch (e) {
    state.sio = null;
    show('action-result', e.message, true);
  }
}

// ---------------------------------------------------------------------------------------
// Presence

async function showPresence() {
  const channel = $('presence-channel').value.trim();
  if (!channel) return show('presence-result', 'A channel is needed.', true);
  const headers = {};
  const key = $('api-key').value;
  if (key) headers['X-API-Key'] = key;
  else if (state.token) headers.Authorization = `Bearer ${state.token}`;
  const res = await fetch(`/api/presence?channel=${encodeURIComponent(channel)}`, { headers });
  const body = await res.json();
  const tbody = $('presence').tBodies[0];
  tbody.replaceChildren();
  if (!res.ok) return show('presence-result', `${res.status}: ${body.error ? body.error.message : ''}`, true);
  for (const m of body.data) {
    const tr = document.createElement('tr');
    for (const value of [m.userId, m.name, String(m.connections), m.status || '']) {
      const td = document.createElement('td');
      td.textContent = value;
      tr.appendChild(td);
    }
    tbody.appendChild(tr);
  }
  show('presence-result', `${body.data.length} present in ${body.channel}.`);
}

// ---------------------------------------------------------------------------------------
// Admin actions (API key)

// Calls an API-key endpoint; a missing key is said in the panel `resultId` of the caller.
async function adminCall(method, path, body, resultId = 'admin-result') {
  const key = $('api-key').value;
  if (!key) {
    show(resultId, 'The API key (Admin panel) is needed for this.', true);
    return null;
  }
  const res = await fetch(path, {
    method,
    headers: { 'Content-Type': 'application/json', 'X-API-Key': key },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { ok: res.ok, status: res.status, text: res.ok ? text : `${res.status}: ${text}` };
}

async function maintenance(enabled) {
  const answer = await adminCall('POST', '/api/admin/maintenance', { enabled });
  if (answer) show('admin-result', answer.ok ? `Maintenance ${enabled ? 'on' : 'off'}.` : answer.text, !answer.ok);
}

async function disconnectUser() {
  const userId = $('kick-user').value.trim();
  if (!userId) return show('admin-result', 'A user id is needed.', true);
  const answer = await adminCall('POST', '/api/hub/disconnect-user', { userId, reason: 'disconnected from the console' });
  if (answer) show('admin-result', answer.ok ? `Every connection of ${userId} is being closed.` : answer.text, !answer.ok);
}

// ---------------------------------------------------------------------------------------
// The live chart: /api/stats once a second. The p99 is of each interval, from the
// difference of two histograms, so that a burst shows when it happens.

function intervalP99(previous, current) {
  if (!previous) return current.p99Ms;
  const counts = current.publishToWrite.counts.map((c, i) => c - (previous.publishToWrite.counts[i] || 0));
  const total = counts.reduce((a, b) => a + b, 0);
  if (total <= 0) return 0;
  const bounds = current.publishToWrite.bucketsUs;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i];
    if (seen >= total * 0.99) return (i < bounds.length ? bounds[i] : bounds[bounds.length - 1] * 2) / 1000;
  }
  return 0;
}

async function sampleStats() {
  try {
    const res = await fetch('/api/stats');
    if (!res.ok) return;
    const stats = await res.json();
    const previous = state.lastStats;
    const p99 = intervalP99(previous, stats);
    // Messages in and out per second over the interval (deliveries count once per socket).
    const seconds = previous ? Math.max(0.001, (stats.time - previous.time) / 1000) : 1;
    const rate = previous
      ? Math.max(0, Math.round((stats.messagesIn + stats.messagesOut - previous.messagesIn - previous.messagesOut) / seconds))
      : stats.messagesPerSecond;
    state.lastStats = stats;
    state.samples.push({ connections: stats.connections, rate, p99 });
    if (state.samples.length > CHART_POINTS) state.samples.shift();
    $('stat-connections').textContent = String(stats.connections);
    $('stat-rate').textContent = String(rate);
    $('stat-p99').textContent = p99.toFixed(p99 < 1 ? 3 : 1);
    drawChart();
  } catch {
    // the server may be restarting: the next sample tries again
  }
}

function drawChart() {
  const canvas = $('chart');
  const ctx = canvas.getContext('2d');
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  const series = [['connections', '#2f6fd1'], ['rate', '#1e7f4f'], ['p99', '#b45309']];
  const step = width / (CHART_POINTS - 1);
  for (const [key, colour] of series) {
    const max = Math.max(1e-9, ...state.samples.map((s) => s[key]));
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2;
    ctx.beginPath();
    state.samples.forEach((s, i) => {
      const x = (CHART_POINTS - state.samples.length + i) * step;
      const y = height - 6 - (s[key] / max) * (height - 12);
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.stroke();
  }
}

// ---------------------------------------------------------------------------------------
// Start: endpoints, controls, and the ready-to-watch link
// (/console?token=JWT&subscribe=CHANNEL[&endpoint=/ws]).

async function start() {
  const res = await fetch('/console/endpoints.json');
  state.endpoints = (await res.json()).endpoints;
  state.endpoints.forEach((e, i) => {
    const option = document.createElement('option');
    option.value = String(i);
    option.textContent = `${e.dialect}  ${e.port ? `:${e.port}` : ''}${e.path}`;
    $('endpoint').appendChild(option);
  });

  $('use-token').addEventListener('click', () => useToken($('token').value));
  $('login').addEventListener('click', login);
  $('connect').addEventListener('click', connect);
  $('disconnect').addEventListener('click', disconnect);
  $('subscribe').addEventListener('click', () => subscribe($('channel').value));
  $('channel').addEventListener('keydown', (e) => { if (e.key === 'Enter') subscribe($('channel').value); });
  $('publish').addEventListener('click', publish);
  $('send-raw').addEventListener('click', () => send($('raw').value));
  $('bad-json').addEventListener('click', () => errorScenario('json'));
  $('bad-type').addEventListener('click', () => errorScenario('type'));
  $('bad-channel').addEventListener('click', () => errorScenario('channel'));
  $('bad-size').addEventListener('click', () => errorScenario('size'));
  $('send-action').addEventListener('click', sendAction);
  $('show-presence').addEventListener('click', showPresence);
  $('maintenance-on').addEventListener('click', () => maintenance(true));
  $('maintenance-off').addEventListener('click', () => maintenance(false));
  $('disconnect-user').addEventListener('click', disconnectUser);
  for (const id of ['filter-channel', 'filter-direction']) $(id).addEventListener('change', renderTraffic);
  $('filter-text').addEventListener('input', renderTraffic);
  $('pause').addEventListener('change', renderTraffic);
  $('clear').addEventListener('click', () => { state.traffic = []; renderTraffic(); });

  sampleStats();
  setInterval(sampleStats, 1000);

  const params = new URLSearchParams(location.search);
  const token = params.get('token');
  if (params.has('token')) history.replaceState(null, '', location.pathname);  // not left in the history
  const wanted = params.get('endpoint');
  const index = state.endpoints.findIndex((e) => (wanted ? e.path === wanted : e.dialect === 'topics'));
  if (index >= 0) $('endpoint').value = String(index);
  if (token) {
    $('token').value = token;
    if (useToken(token)) {
      const channel = params.get('subscribe');
      if (await connect() && channel) {
        $('channel').value = channel;
        if (!/[*]/.test(channel)) $('publish-channel').value = channel;
        subscribe(channel);
        const option = [...$('filter-channel').options].find((o) => o.value === channel);
        if (!option) {
          state.channels.add(channel);
          const added = document.createElement('option');
          added.value = channel;
          added.textContent = channel;
          $('filter-channel').appendChild(added);
        }
        $('filter-channel').value = channel;
        renderTraffic();
      }
    }
  }
  document.body.dataset.ready = 'true';
}

start();
