#!/usr/bin/python3
"""clients/python against a real server with Debian's python3-websockets: seed 003's Python
example as written (`from boardroom_ws import BoardroomWebSocket`), the asyncio variant
(subscribe, send_and_wait, errors), resume after a network drop, a server restart in the
middle, a bad token that stops at once (no reconnect storm), token renewal in place,
heartbeats, the queue bound and the backoff.
Usage: /usr/bin/python3 python_client_cases.py [--threads N]"""
import asyncio
import json
import os
import socket
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
sys.path.insert(0, os.path.join(ROOT, "clients", "python"))
from runner import case, main_with_threads, run_and_stop  # noqa: E402
from server import Server  # noqa: E402

from switchboard_client import AsyncBoardroomWebSocket, BoardroomWebSocket, SwitchboardError, backoff_delay  # noqa: E402

PATH = "/events/ws"
SEED = os.path.join(ROOT, "tests", "e2e", "seed", "boardroom_client_library.py")
THREADS = 1
_counter = [0]


def unique(prefix):
    _counter[0] += 1
    return "%s%d_%d" % (prefix, os.getpid(), _counter[0])


def api(server, method, path, body=None):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (server.port, path), method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer test-api-key", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, None


def publish(server, channel, n):
    return api(server, "POST", "/api/publish", {"channel": channel, "type": "feed.item", "data": {"n": n}})


async def until(check, seconds=5.0, what="condition"):
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for %s" % what)
        await asyncio.sleep(0.01)


def record(client):
    """Every server message (as received) and the client's own events, in order."""
    seen, events = [], []
    client.on("*", lambda data, message: seen.append(message))
    for name in ("client.state", "client.reconnecting", "client.stopped", "client.recovery.failed"):
        client.on(name, lambda data, name=name: events.append(dict(data, type=name)))
    return seen, events


class Proxy:
    """A TCP relay to the server that can cut every live connection, refuse new ones while
    paused (so a client stays away however short its backoff), and counts connections."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.connections = 0  # attempts, refused ones included
        self.relayed = 0      # connections passed on to the server
        self.paused = False
        self.live = set()

    async def start(self):
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def _relay(self, reader, writer):
        self.connections += 1
        if self.paused:
            writer.transport.abort()
            return
        self.relayed += 1
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        pair = (writer, up_writer)
        self.live.add(pair)

        async def pump(src, dst):
            try:
                while True:
                    chunk = await src.read(65536)
                    if not chunk:
                        break
                    dst.write(chunk)
                    await dst.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))
        self.live.discard(pair)

    def cut(self):
        for writer, up_writer in list(self.live):
            writer.transport.abort()
            up_writer.transport.abort()
        self.live.clear()

    async def close(self):
        self.cut()
        self.server.close()
        await self.server.wait_closed()


async def events_watcher(server, user, channel):
    """A second, plain client: Python websockets on the events dialect, subscribed to channel."""
    import websockets
    ws = await websockets.connect("%s?token=%s" % (server.url(PATH), server.token(user)))
    assert json.loads(await ws.recv())["type"] == "connection.ready"
    await ws.send(json.dumps({"type": "subscribe", "data": {"channels": [channel]}}))
    while json.loads(await ws.recv())["type"] != "subscription.update":
        pass
    return ws


async def next_of(ws, type, seconds=5.0):
    while True:
        m = json.loads(await asyncio.wait_for(ws.recv(), seconds))
        if m["type"] == type:
            return m


@case
async def seed_python_example_runs_as_written(server):
    with open(SEED) as f:
        source = f.read()
    assert 'url="wss://api.boardroom.com/ws"' in source
    source = source.replace('url="wss://api.boardroom.com/ws"', 'url=%r' % server.url(PATH))
    meeting = unique("m")
    source = source.replace('"meeting:123"', repr("meeting:" + meeting)).replace('"123"', repr(meeting))
    watcher = await events_watcher(server, "py-watch", "meeting:" + meeting)
    printed = []
    scope = {"auth_token": server.token("py-seed", "--name", "Py Seed"), "__name__": "seed_example",
             "print": lambda *a, **k: printed.append(" ".join(str(x) for x in a))}
    failure = []

    def run():  # client.connect() blocks, as in the seed: the example runs on its own thread
        try:
            exec(compile(source, SEED, "exec"), scope)
        except Exception as e:
            failure.append(e)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    chat = await next_of(watcher, "meeting.chat.message")
    assert chat["data"]["message"] == "Hello!", chat
    assert chat["data"]["userId"] == "py-seed", chat
    client = scope["client"]
    assert client.subscriptions == ["meeting:" + meeting]
    # The decorated handler receives the data of meeting.participant.joined.
    import websockets
    joiner = await websockets.connect("%s?token=%s" % (server.url(PATH), server.token("py-joiner", "--name", "Jo")))
    await joiner.send(json.dumps({"type": "meeting.join", "data": {"meetingId": meeting, "role": "participant"}}))
    await until(lambda: any(p.startswith("Participant joined:") for p in printed), 5, "the seed's handler")
    line = next(p for p in printed if p.startswith("Participant joined:"))
    assert "'userId': 'py-joiner'" in line and "'name': 'Jo'" in line, line
    # A blocking call from another thread while connect() serves the connection.
    assert client.ping() >= 0
    await asyncio.get_running_loop().run_in_executor(None, client.close)
    await asyncio.get_running_loop().run_in_executor(None, thread.join, 5)
    assert not thread.is_alive() and not failure, failure
    await joiner.close()
    await watcher.close()


@case
async def async_client_subscribes_votes_and_reports_errors(server):
    decision = unique("vote_")
    status, _ = api(server, "POST", "/api/decisions", {
        "decisionId": decision, "required": 1,
        "deadline": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 60))})
    assert status == 201, status
    client = AsyncBoardroomWebSocket(server.url(PATH), server.token("py-voter"))
    results = []
    client.on("decision.result", lambda data: results.append(data))
    await client.connect()
    update = await client.subscribe("decision:" + decision)
    assert update["subscribed"] == ["decision:" + decision], update
    answer = await client.send_and_wait("decision.vote.cast", {"decisionId": decision, "vote": "approve"})
    assert answer["type"] == "decision.vote.received" and answer["data"]["status"] == "recorded", answer
    await until(lambda: results, 5, "decision.result")
    assert results[0]["result"] == "approved", results
    started = time.monotonic()
    try:
        await client.send_and_wait("decision.vote.cast", {"decisionId": unique("none_"), "vote": "approve"})
        raise AssertionError("no error")
    except SwitchboardError as e:
        assert e.code == "RESOURCE_NOT_FOUND" and not e.retryable, e
    assert time.monotonic() - started < 2, "a non-retryable error is not retried"
    try:
        await client.subscribe("admin.secrets")
        raise AssertionError("subscribed to an admin channel")
    except SwitchboardError as e:
        assert e.code in ("PERMISSION_DENIED", "SUBSCRIBE_FAILED"), e
    assert "admin.secrets" not in client.subscriptions
    # The handler may be a coroutine function, and may take the whole message.
    got = []

    async def handler(data, message):
        got.append((data["n"], message["metadata"]["channel"]))

    channel = unique("feed.py")
    client.on("feed.item", handler)
    await client.subscribe(channel)
    publish(server, channel, 7)
    await until(lambda: got, 5, "the coroutine handler")
    assert got == [(7, channel)], got
    await client.close()
    assert client.state == "closed"


@case
async def unsubscribe_stops_deliveries_before_and_after_connecting(server):
    # Blocking client: a channel unsubscribed before connect() is never joined.
    blocking = BoardroomWebSocket(server.url(PATH), server.token("py-unsub"))
    kept, dropped = unique("feed.pykeep"), unique("feed.pydrop")
    blocking.subscribe([kept, dropped])
    blocking.unsubscribe(dropped)
    assert blocking.subscriptions == [kept], blocking.subscriptions
    got, updates = [], []
    blocking.on("feed.item", lambda data, message: got.append(message["metadata"]["channel"]))
    blocking.on("subscription.update", lambda data: updates.append(data))
    await asyncio.get_running_loop().run_in_executor(None, blocking.start)
    await until(lambda: updates, 5, "the subscription")
    assert updates[0]["subscribed"] == [kept], updates
    publish(server, dropped, 1)
    publish(server, kept, 2)
    await until(lambda: got, 5, "the kept channel's item")
    # Connected: unsubscribing from another thread tells the server, and deliveries stop.
    await asyncio.get_running_loop().run_in_executor(None, blocking.unsubscribe, kept)
    await until(lambda: len(updates) == 2, 5, "the unsubscribe answer")
    publish(server, kept, 3)
    await asyncio.sleep(0.5)
    assert got == [kept], got
    assert blocking.subscriptions == []
    await asyncio.get_running_loop().run_in_executor(None, blocking.close)


@case
async def network_drop_reconnects_and_resumes_from_the_last_offset(server):
    proxy = await Proxy(server.port).start()
    channel = unique("feed.pydrop")
    client = AsyncBoardroomWebSocket("ws://127.0.0.1:%d%s" % (proxy.port, PATH), server.token("py-resume"),
                                     initial_delay=0.1, max_delay=0.3)
    seen, events = record(client)
    await client.connect()
    await client.subscribe(channel)
    publish(server, channel, 1)
    await until(lambda: [m for m in seen if m["type"] == "feed.item"], 5, "the first item")
    assert client.position(channel)["offset"] == 1
    proxy.paused = True
    proxy.cut()
    await until(lambda: client.state != "open", 3, "the drop")
    publish(server, channel, 2)
    publish(server, channel, 3)
    await asyncio.sleep(0.3)
    assert client.state != "open"
    proxy.paused = False
    items = lambda: [m["data"]["n"] for m in seen if m["type"] == "feed.item"]  # noqa: E731
    await until(lambda: len(items()) == 3, 10, "the missed items")
    publish(server, channel, 4)
    await until(lambda: len(items()) == 4, 5, "a live item")
    await asyncio.sleep(0.2)
    assert items() == [1, 2, 3, 4], items()
    last_update = [m for m in seen if m["type"] == "subscription.update"][-1]
    assert last_update["data"].get("recovered") is True, last_update
    assert any(e["type"] == "client.reconnecting" for e in events)
    assert proxy.relayed == 2, proxy.relayed
    await client.close()
    await proxy.close()


@case
async def server_restart_in_the_middle(server):
    store = os.path.join(tempfile.mkdtemp(prefix="sb-py-"), "switchboard.db")
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    first = Server(threads=THREADS, env={"SWITCHBOARD_DB": store}, port=port).__enter__()
    channel = unique("feed.pyrestart")
    client = AsyncBoardroomWebSocket(first.url(PATH), first.token("py-restart"), initial_delay=0.1, max_delay=0.4)
    seen, events = record(client)
    await client.connect()
    await client.subscribe(channel)
    assert first.stop() == 0
    await until(lambda: client.state == "reconnecting", 5, "reconnecting")
    client.send("presence.update", {"status": "busy"})  # queued while the server is down
    assert client.queued_count == 1
    await asyncio.sleep(0.5)
    second = Server(threads=THREADS, env={"SWITCHBOARD_DB": store}, port=port).__enter__()
    try:
        await until(lambda: client.connected, 10, "the reconnection")
        await until(lambda: len([m for m in seen if m["type"] == "subscription.update"]) == 2, 5, "resubscribing")
        publish(second, channel, 1)
        await until(lambda: [m for m in seen if m["type"] == "feed.item"], 5, "an item after the restart")
        assert client.queued_count == 0
        assert not any(e["type"] == "client.stopped" for e in events)
        await client.close()
    finally:
        assert second.stop() == 0


@case
async def bad_token_stops_without_a_reconnect_storm(server):
    proxy = await Proxy(server.port).start()
    client = AsyncBoardroomWebSocket("ws://127.0.0.1:%d%s" % (proxy.port, PATH), "not-a-jwt",
                                     initial_delay=0.01, max_delay=0.02)
    seen, events = record(client)
    try:
        await client.connect()
        raise AssertionError("connected with a bad token")
    except SwitchboardError as e:
        assert e.code == "AUTH_FAILED", e
    await asyncio.sleep(0.5)
    assert proxy.connections == 1, proxy.connections
    assert client.state == "closed"
    assert [e["code"] for e in events if e["type"] == "client.stopped"] == ["AUTH_FAILED"], events
    await proxy.close()
    # The blocking client raises the reason from connect().
    blocking = BoardroomWebSocket(server.url(PATH), "not-a-jwt")
    try:
        await asyncio.get_running_loop().run_in_executor(None, blocking.connect)
        raise AssertionError("connect() returned with a bad token")
    except SwitchboardError as e:
        assert e.code == "AUTH_FAILED", e


@case
async def token_renewed_in_place_before_expiry(server):
    calls = []

    def get_token():
        calls.append(1)
        return server.token("py-renew", "--ttl", "60")

    # Expired 25 s ago: the server's 30 s leeway leaves it 5 s, renewed a fifth before.
    client = AsyncBoardroomWebSocket(server.url(PATH), server.token("py-renew", "--ttl", "-25"), get_token=get_token)
    seen, events = record(client)
    await client.connect()
    await until(lambda: [m for m in seen if m["type"] == "connection.token.refreshed"], 6, "the renewal")
    await asyncio.sleep(1.5)
    assert client.state == "open"
    assert not any(e["type"] == "client.reconnecting" for e in events), events
    assert calls == [1]
    await client.close()


@case
async def heartbeats_measure_latency(server):
    client = AsyncBoardroomWebSocket(server.url(PATH), server.token("py-beat"), heartbeat_interval=0.1)
    latencies = []
    client.on("client.latency", lambda d: latencies.append(d["latencyMs"]))
    await client.connect()
    await until(lambda: len(latencies) >= 3, 3, "three heartbeats")
    assert all(0 <= x < 1000 for x in latencies), latencies
    assert await client.ping() >= 0
    await client.close()


@case
async def queue_bound_and_backoff(server):
    client = BoardroomWebSocket("ws://127.0.0.1:9/none", "t", queue_limit=2)
    client.send("presence.update", {"status": "online"})
    client.send("presence.update", {"status": "away"})
    try:
        client.send("presence.update", {"status": "busy"})
        raise AssertionError("the queue took a third message")
    except SwitchboardError as e:
        assert e.code == "QUEUE_FULL", e
    for attempt in range(8):
        bound = min(1.0, 0.1 * 2 ** attempt)
        assert abs(backoff_delay(attempt, 0.1, 1.0, random=lambda: 0.999999) - bound * 0.999999) < 1e-9
        assert backoff_delay(attempt, 0.1, 1.0, random=lambda: 0.0) == 0.0
    assert backoff_delay(0, 0.1, 1.0, floor=5.0) == 5.0
    assert len({round(backoff_delay(5, 0.1, 1.0), 6) for _ in range(50)}) > 10


async def main(threads):
    global THREADS
    THREADS = threads
    with Server(threads=threads) as server:
        return await run_and_stop("python client cases (%d loop(s))" % threads, server)


if __name__ == "__main__":

    main_with_threads(main)
