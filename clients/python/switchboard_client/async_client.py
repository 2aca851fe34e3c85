"""The asyncio client of Switchboard's events dialect (seed 003), on Debian's websockets."""
import asyncio
import collections
import datetime
import inspect
import itertools
import json
import logging
import random
import time
import urllib.parse

import websockets

from .backoff import backoff_delay
from .errors import SwitchboardError

log = logging.getLogger("switchboard_client")

# Connection errors that end the client: reconnecting with the same credentials would only
# be refused again, and many clients doing so is a reconnect storm.
_FATAL = {"AUTH_FAILED", "PERMISSION_DENIED", "INVALID_MESSAGE"}
_SUBSCRIBE_BATCH = 100  # the server's bound on channels per subscribe
_instances = itertools.count(1)


def _now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _Channel:
    """A channel the client keeps subscribed: its last position and who waits for it."""
    __slots__ = ("position", "waiters", "sent_at")

    def __init__(self):
        self.position = None  # {"offset", "epoch"} of the last publication seen
        self.waiters = []     # futures of subscribe() calls
        self.sent_at = 0.0


class AsyncBoardroomWebSocket:
    """Seed 003's client for asyncio code. `await client.connect()` returns once the server
    said `connection.ready` and keeps the connection in a background task: it reconnects
    with jittered backoff, subscribes again to its channels (resuming each from the last
    offset seen), renews the token through `get_token` before it expires and sends
    heartbeats. Calls made before the connection is ready are queued and sent in order.
    A bad token, or a server error marked not retryable, ends it (no reconnect storm)."""

    def __init__(self, url, token=None, reconnect=True, *, get_token=None, debug=False, client_id=None,
                 version="1.0", initial_delay=0.5, max_delay=30.0, max_reconnect_attempts=None,
                 queue_limit=1000, request_timeout=10.0, heartbeat_interval=25.0, heartbeat_timeout=10.0,
                 refresh_before_expiry=60.0, ssl=None):
        self.url = url
        self.token = token
        self.reconnect = reconnect
        self.get_token = get_token
        self.debug = debug
        self.client_id = client_id
        self.version = version
        self.initial_delay = initial_delay
        self.max_delay = max_delay
        self.max_reconnect_attempts = max_reconnect_attempts
        self.queue_limit = queue_limit
        self.request_timeout = request_timeout
        self.heartbeat_interval = heartbeat_interval
        self.heartbeat_timeout = heartbeat_timeout
        self.refresh_before_expiry = refresh_before_expiry
        self.ssl = ssl
        self.state = "idle"       # idle, connecting, open, reconnecting, closed
        self.session = None       # the last connection.ready data
        self.latency = None       # ms of the last heartbeat round trip
        self.stop_error = None    # why the client stopped (None after close())
        self._prefix = "py%d%s" % (next(_instances), "".join(random.choice("abcdefghijkmnpqrstuvwxyz") for _ in range(5)))
        self._ids = itertools.count(1)
        self._handlers = {}
        self._queue = collections.deque()
        self._channels = {}
        self._requests = {}
        self._sent = set()
        self._ws = None
        self._loop = None
        self._task = None
        self._ready_waiters = []
        self._wake = None
        self._user_closed = False
        self._fatal = None
        self._token_expired = False
        self._retry_floor = 0.0
        self._ping_sent_at = 0.0
        self._pong = None
        self._pong_event = None
        self._ping_waiters = []
        self._timers = []

    # ---- handlers ----

    def on(self, type, handler=None):
        """Registers a handler for a message type (`*`: every server message; `client.*`:
        the client's own events). Usable as a decorator. The handler receives the message's
        `data`, and the whole message too if it takes two arguments; it may be a coroutine
        function. Returns the handler."""
        if handler is None:
            return lambda fn: self.on(type, fn)
        try:
            # Two positional parameters without defaults: (data, message).
            required = [p for p in inspect.signature(handler).parameters.values()
                        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty]
            wants_message = len(required) >= 2
        except (TypeError, ValueError):
            wants_message = False
        self._handlers.setdefault(type, []).append((handler, wants_message))
        return handler

    def off(self, type, handler):
        """Removes a handler registered with on()."""
        self._handlers[type] = [h for h in self._handlers.get(type, []) if h[0] is not handler]

    def _emit(self, type, data, message, wildcard=True):
        for key in (type, "*") if wildcard else (type,):
            for handler, wants_message in list(self._handlers.get(key, [])):
                try:
                    result = handler(data, message) if wants_message else handler(data)
                    if inspect.isawaitable(result):
                        asyncio.ensure_future(self._guard(type, result))
                except Exception:  # a user's handler must not stop the client
                    log.exception("a %r handler raised", type)

    async def _guard(self, type, awaitable):
        try:
            await awaitable
        except Exception:
            log.exception("a %r handler raised", type)

    # ---- the public calls ----

    @property
    def connected(self):
        return self.state == "open"

    @property
    def subscriptions(self):
        """Channels the client keeps subscribed (and subscribes again after a reconnect)."""
        return list(self._channels)

    @property
    def queued_count(self):
        return len(self._queue)

    def position(self, channel):
        """The last {offset, epoch} seen on a channel that keeps history, or None."""
        state = self._channels.get(channel)
        return state.position if state else None

    async def connect(self):
        """Starts the connection (again after close()) and returns at `connection.ready`.
        Raises SwitchboardError when the client stops first (bad token, close())."""
        if self.state == "open":
            return
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        self._ready_waiters.append(waiter)
        if self._task is None or self._task.done():
            self._loop = loop
            self._wake = asyncio.Event()
            self._user_closed = False
            self._fatal = None
            self.stop_error = None
            self._task = loop.create_task(self._run())
        await waiter

    async def wait_closed(self):
        """Returns when the client has stopped; raises its reason unless close() stopped it."""
        if self._task is not None:
            await asyncio.shield(self._task)
        if self.stop_error is not None:
            raise self.stop_error

    async def close(self):
        """Closes the connection for good (1000); pending requests fail with CLOSED."""
        self._close_now()
        if self._task is not None:
            await asyncio.shield(self._task)

    def _close_now(self):
        self._user_closed = True
        if self._wake is not None:
            self._wake.set()
        if self._ws is not None:
            asyncio.ensure_future(self._ws.close(1000, "client closed"))
        if self._task is None or self._task.done():
            self._stop(SwitchboardError("CLOSED", "client closed"))

    def subscribe(self, channels):
        """Subscribes to a channel or a list. Inside a running loop it returns a future of
        the server's `subscription.update` data, which fails (PERMISSION_DENIED...) when a
        channel is refused; without one (before connect) the channels wait for it. The
        client keeps them and subscribes again after every reconnect."""
        names = [channels] if isinstance(channels, str) else list(channels)
        loop = self._running_loop()
        fresh, futures = [], []
        for name in names:
            state = self._channels.get(name)
            if state is None:
                state = self._channels[name] = _Channel()
                fresh.append(name)
            if loop is not None:
                future = loop.create_future()
                state.waiters.append(future)
                futures.append(future)
        if self.connected:
            self._send_subscribe(fresh or names, resuming=False)
        if loop is None:
            return None
        result = asyncio.ensure_future(self._gather_updates(futures))
        result.add_done_callback(lambda f: f.cancelled() or f.exception())  # seen: not "never retrieved"
        return result

    async def _gather_updates(self, futures):
        updates = await asyncio.gather(*futures)
        if len(updates) == 1:
            return updates[0]
        merged = {"subscribed": [], "failed": {}}
        for u in updates:
            merged["subscribed"] += [c for c in u.get("subscribed", []) if c not in merged["subscribed"]]
            merged["failed"].update(u.get("failed", {}))
        return merged

    def forget(self, channels):
        """Drops channels from those kept (the local half of unsubscribe, which needs no
        connection); subscribe() calls still waiting on them fail with CANCELLED. Returns
        the names."""
        names = [channels] if isinstance(channels, str) else list(channels)
        for name in names:
            state = self._channels.pop(name, None)
            for w in state.waiters if state else []:
                if not w.done():
                    w.set_exception(SwitchboardError("CANCELLED", "unsubscribed from %s" % name))
        return names

    async def unsubscribe(self, channels):
        """Unsubscribes; the channels are not subscribed again after a reconnect."""
        names = self.forget(channels)
        if not self.connected:
            return {"subscribed": [], "unsubscribed": names, "failed": {}}
        answer = await self._request("unsubscribe", {"channels": names}, self.request_timeout)
        return answer.get("data")

    def send(self, type, data=None, message_id=None):
        """Sends a message (queued, in order, until the connection is ready) and returns its
        id, which the server echoes as metadata.correlationId. Raises QUEUE_FULL when the
        offline queue is at its bound."""
        message_id = message_id or self.new_id()
        text = json.dumps({"id": message_id, "type": type, "data": {} if data is None else data,
                           "metadata": {"correlationId": message_id, "timestamp": _now_iso()}})
        if self.connected and self._ws is not None:
            self._write(message_id, text)
        elif len(self._queue) >= self.queue_limit:
            raise SwitchboardError("QUEUE_FULL", "%d messages already wait for the connection" % self.queue_limit,
                                   retryable=True)
        else:
            self._queue.append((message_id, text))
        return message_id

    def new_id(self):
        return "%s-%d" % (self._prefix, next(self._ids))

    async def send_and_wait(self, type, data=None, timeout=None, retries=2):
        """Sends a message and returns the whole first answer carrying its correlation id
        (e.g. decision.vote.received: answer["data"]["status"]). Raises SwitchboardError on
        an error answer that is not retryable, after `retries` retryable ones (waiting their
        retryAfter), on TIMEOUT, and on CONNECTION_ERROR when the connection drops first."""
        while True:
            try:
                return await self._request(type, data, self.request_timeout if timeout is None else timeout)
            except SwitchboardError as e:
                if not e.retryable or e.code == "TIMEOUT" or retries <= 0:
                    raise
                retries -= 1
                await asyncio.sleep(e.retry_after if e.retry_after is not None
                                    else backoff_delay(1, self.initial_delay, self.max_delay))
                if self._user_closed:
                    raise SwitchboardError("CLOSED", "client closed")

    async def ping(self):
        """Sends a heartbeat now; returns its round trip in ms."""
        waiter = asyncio.get_running_loop().create_future()
        self._ping_waiters.append(waiter)
        self._send_heartbeat()
        return await waiter

    # ---- the connection ----

    async def _run(self):
        attempt = 0
        try:
            while True:
                if self._user_closed:
                    self._stop(SwitchboardError("CLOSED", "client closed"))
                    return
                self._set_state("reconnecting" if attempt > 0 else "connecting")
                await self._connect_once()
                if self.session is not None and self.state == "open":
                    attempt = 0
                self._connection_lost()
                if self._user_closed:
                    self._stop(SwitchboardError("CLOSED", "client closed"))
                    return
                if self._fatal is not None:
                    self._stop(self._fatal)
                    return
                if not self.reconnect:
                    self._stop(SwitchboardError("CONNECTION_ERROR", "connection closed"))
                    return
                if self.max_reconnect_attempts is not None and attempt >= self.max_reconnect_attempts:
                    self._stop(SwitchboardError("RECONNECT_FAILED", "gave up after %d attempts" % attempt))
                    return
                delay = backoff_delay(attempt, self.initial_delay, self.max_delay, floor=self._retry_floor)
                attempt += 1
                self._retry_floor = 0.0
                self._set_state("reconnecting")
                self._log("reconnecting in %.0f ms (attempt %d)", delay * 1000, attempt)
                self._emit("client.reconnecting", {"attempt": attempt, "delayMs": round(delay * 1000)}, None, False)
                try:
                    await asyncio.wait_for(self._wake.wait(), delay)
                except asyncio.TimeoutError:
                    pass
        except asyncio.CancelledError:
            self._stop(SwitchboardError("CLOSED", "client cancelled"))
            raise

    async def _connect_once(self):
        try:
            if self.get_token is not None and (self._token_expired or not self.token):
                token = self.get_token()
                self.token = await token if inspect.isawaitable(token) else token
                self._token_expired = False
            self._log("connecting to %s", self.url)
            ws = await websockets.connect(self._connect_url(), ping_interval=None, ssl=self.ssl,
                                          open_timeout=10, close_timeout=2, max_size=16 * 1024 * 1024)
        except (OSError, asyncio.TimeoutError, websockets.exceptions.InvalidHandshake) as e:
            self._log("could not connect: %s", e)
            return
        except Exception as e:  # e.g. a get_token callback that failed: tried again later
            self._log("could not prepare the connection: %s", e)
            return
        self._ws = ws
        try:
            async for raw in ws:
                self._on_message(raw)
        except websockets.exceptions.ConnectionClosed:
            pass
        finally:
            self._log("connection closed %s %s", ws.close_code, ws.close_reason or "")

    def _connect_url(self):
        params = []
        if self.token:
            params.append(("token", self.token))
        if self.client_id:
            params.append(("clientId", self.client_id))
        params.append(("version", self.version))
        return self.url + ("&" if "?" in self.url else "?") + urllib.parse.urlencode(params)

    def _on_message(self, raw):
        try:
            message = json.loads(raw)
        except ValueError:
            self._log("ignored a message that is not JSON")
            return
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            self._log("ignored a message without a type")
            return
        if not isinstance(message.get("metadata"), dict):
            message["metadata"] = {}
        type, data = message["type"], message.get("data")
        self._note_position(message)
        if type == "connection.ready":
            self._on_ready(data if isinstance(data, dict) else {})
        elif type == "connection.error":
            self._on_connection_error(data)
        elif type == "connection.heartbeat.pong":
            self._on_pong()
        elif type == "connection.token.refreshed":
            self._schedule_refresh((data or {}).get("expiresAt"))
        elif type == "subscription.update":
            self._on_subscription_update(data if isinstance(data, dict) else {})
        self._settle_request(message)
        self._emit(type, data, message)

    def _on_ready(self, data):
        self.session = data
        self._retry_floor = 0.0
        self._set_state("open")
        self._log("ready as %s", data.get("userId"))
        if self.heartbeat_interval:
            self._timers.append(asyncio.ensure_future(self._heartbeats()))
        self._schedule_refresh(data.get("expiresAt"))
        if self._channels:
            self._send_subscribe(list(self._channels), resuming=True)
        while self._queue:
            self._write(*self._queue.popleft())
        for w in self._ready_waiters:
            if not w.done():
                w.set_result(None)
        self._ready_waiters = []

    def _on_connection_error(self, data):
        error = SwitchboardError.from_server(data)
        self._log("connection error %s %s", error.code, error.message)
        if error.retry_after:
            self._retry_floor = error.retry_after
        if error.code == "AUTH_EXPIRED" or (error.code == "AUTH_FAILED" and error.retryable):
            # An expired token: worth another try only with a new one.
            if self.get_token is not None:
                self._token_expired = True
            else:
                self._fatal = error
        elif not error.retryable or error.code in _FATAL:
            self._fatal = error

    def _connection_lost(self):
        self._ws = None
        for timer in self._timers:
            timer.cancel()
        self._timers = []
        lost = SwitchboardError("CONNECTION_ERROR", "the connection closed before the answer", retryable=True)
        for message_id in list(self._sent):
            self._reject_request(message_id, lost)
        self._sent.clear()
        for state in self._channels.values():
            state.sent_at = 0.0

    def _stop(self, error):
        was_stopped = self.state == "closed"
        self._set_state("closed")
        self.stop_error = None if error.code == "CLOSED" else error
        for w in self._ready_waiters:
            if not w.done():
                w.set_exception(error)
        self._ready_waiters = []
        for message_id in list(self._requests):
            self._reject_request(message_id, error)
        for state in self._channels.values():
            for w in state.waiters:
                if not w.done():
                    w.set_exception(error)
            state.waiters = []
        for timer in self._timers:
            timer.cancel()
        self._timers = []
        if not was_stopped:
            if error.code != "CLOSED":
                log.warning("stopped: %s %s", error.code, error.message)
            self._emit("client.stopped", {"code": error.code, "message": error.message}, None, False)

    def _set_state(self, state):
        if state != self.state:
            self.state = state
            self._emit("client.state", {"state": state}, None, False)

    # ---- messages out ----

    def _write(self, message_id, text):
        if self._ws is None:
            self._queue.append((message_id, text))
            return
        asyncio.ensure_future(self._send_text(self._ws, text))
        if message_id in self._requests:
            self._sent.add(message_id)

    @staticmethod
    async def _send_text(ws, text):
        try:
            await ws.send(text)
        except websockets.exceptions.ConnectionClosed:
            pass  # the read loop sees the close, and requests in flight are failed there

    async def _request(self, type, data, timeout):
        message_id = self.new_id()
        future = asyncio.get_running_loop().create_future()
        self._requests[message_id] = future
        try:
            self.send(type, data, message_id)
            return await asyncio.wait_for(asyncio.shield(future), timeout)
        except asyncio.TimeoutError:
            raise SwitchboardError("TIMEOUT", "no answer to %s within %ss" % (type, timeout), retryable=True)
        finally:
            self._requests.pop(message_id, None)
            self._sent.discard(message_id)
            # A request given up on is not sent later.
            self._queue = collections.deque(q for q in self._queue if q[0] != message_id)

    def _settle_request(self, message):
        correlation = message["metadata"].get("correlationId")
        if correlation is None and isinstance(message.get("data"), dict):
            correlation = message["data"].get("correlationId")
        future = self._requests.get(correlation) if isinstance(correlation, str) else None
        if future is None or future.done():
            return
        if message["type"] in ("error", "connection.error"):
            future.set_exception(SwitchboardError.from_server(message.get("data")))
        else:
            future.set_result(message)

    def _reject_request(self, message_id, error):
        future = self._requests.get(message_id)
        if future is not None and not future.done():
            future.set_exception(error)

    # ---- subscriptions ----

    def _send_subscribe(self, names, resuming):
        for i in range(0, len(names), _SUBSCRIBE_BATCH):
            batch = names[i:i + _SUBSCRIBE_BATCH]
            since = {}
            for name in batch:
                state = self._channels.get(name)
                if state is not None:
                    state.sent_at = time.monotonic()
                    if resuming and state.position:
                        since[name] = state.position
            self.send("subscribe", {"channels": batch, "since": since} if since else {"channels": batch})
        self._timers.append(asyncio.ensure_future(self._expire_subscribes()))

    async def _expire_subscribes(self):
        await asyncio.sleep(self.request_timeout)
        for name, state in self._channels.items():
            if state.sent_at and time.monotonic() - state.sent_at >= self.request_timeout:
                for w in state.waiters:
                    if not w.done():
                        w.set_exception(SwitchboardError("TIMEOUT", "no answer to subscribe %s" % name, retryable=True))
                state.waiters = []

    def _on_subscription_update(self, data):
        streams = data.get("streams") if isinstance(data.get("streams"), dict) else {}
        for name in data.get("subscribed") or []:
            state = self._channels.get(name)
            if state is None:
                continue
            stream = streams.get(name)
            if isinstance(stream, dict) and isinstance(stream.get("offset"), int):
                if state.position and stream.get("recovered") is False:
                    self._emit("client.recovery.failed", {"channel": name}, None, False)
                state.position = {"offset": stream["offset"], "epoch": stream.get("epoch")}
            for w in state.waiters:
                if not w.done():
                    w.set_result(data)
            state.waiters = []
        for name, reason in (data.get("failed") or {}).items():
            state = self._channels.pop(name, None)  # refused: not asked again after a reconnect
            if state is None:
                continue
            code = "PERMISSION_DENIED" if "permission" in str(reason).lower() else "SUBSCRIBE_FAILED"
            for w in state.waiters:
                if not w.done():
                    w.set_exception(SwitchboardError(code, "%s: %s" % (name, reason)))

    def _note_position(self, message):
        metadata = message["metadata"]
        channel, offset, epoch = metadata.get("channel"), metadata.get("offset"), metadata.get("epoch")
        if not isinstance(channel, str) or not isinstance(offset, int) or not isinstance(epoch, str):
            return
        state = self._channels.get(channel)
        if state is not None and (not state.position or state.position["epoch"] != epoch
                                  or offset > state.position["offset"]):
            state.position = {"offset": offset, "epoch": epoch}

    # ---- heartbeats and token renewal ----

    async def _heartbeats(self):
        while True:
            await asyncio.sleep(self.heartbeat_interval)
            self._send_heartbeat()

    def _send_heartbeat(self):
        if not self.connected:
            return
        self._ping_sent_at = time.monotonic()
        self.send("connection.heartbeat.ping", {"timestamp": _now_iso()})
        if self._pong is None or self._pong.done():
            self._pong = asyncio.ensure_future(self._await_pong(self._ws))
            self._timers.append(self._pong)

    async def _await_pong(self, ws):
        self._pong_event = asyncio.Event()
        try:
            await asyncio.wait_for(self._pong_event.wait(), self.heartbeat_timeout)
        except asyncio.TimeoutError:
            self._log("no heartbeat answer within %ss: the connection is dead", self.heartbeat_timeout)
            if ws is not None and ws.transport is not None:
                ws.transport.abort()  # the read loop ends with 1006 and the client reconnects

    def _on_pong(self):
        if self._pong_event is not None:
            self._pong_event.set()
        if not self._ping_sent_at:
            return
        self.latency = (time.monotonic() - self._ping_sent_at) * 1000.0
        self._emit("client.latency", {"latencyMs": self.latency}, None, False)
        for w in self._ping_waiters:
            if not w.done():
                w.set_result(self.latency)
        self._ping_waiters = []

    def _schedule_refresh(self, expires_at):
        if self.get_token is None or not isinstance(expires_at, str):
            return
        try:
            ends = datetime.datetime.fromisoformat(expires_at.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return
        remaining = ends - time.time()
        if remaining <= 0:
            return
        lead = min(self.refresh_before_expiry, remaining / 5)
        self._timers.append(asyncio.ensure_future(self._refresh_after(remaining - lead)))

    async def _refresh_after(self, delay):
        await asyncio.sleep(delay)
        try:
            token = self.get_token()
            self.token = await token if inspect.isawaitable(token) else token
        except Exception as e:
            self._log("get_token failed; the session ends when the token expires: %s", e)
            return
        if self.connected:
            self.send("connection.token.refresh", {"token": self.token})

    def _running_loop(self):
        try:
            return asyncio.get_running_loop()
        except RuntimeError:
            return None

    def _log(self, fmt, *args):
        if self.debug:
            log.info(fmt, *args)
        else:
            log.debug(fmt, *args)
