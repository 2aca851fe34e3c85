#!/usr/bin/python3
"""The cost review (issue 30): attacks that tie a node's work or memory to what a client
chooses, each tried as an attacker would with real clients against a real server. Every
case failed before its fix; each names the attack it guards (C1..C7).
Usage: /usr/bin/python3 cost_cases.py [--threads N]"""
import asyncio
import http.server
import json
import os
import sys
import threading
import time

import websockets

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
sys.path.insert(0, HERE)
from attack_cases import acall, http_call, publish, recv_json, subscribe, topics_client  # noqa: E402
from runner import main_with_threads, run_shared_and_own  # noqa: E402
from server import Server, config_with as server_config_with  # noqa: E402


async def health_answers_within(server, seconds):
    started = time.monotonic()
    status, _, _ = await asyncio.wait_for(acall(server.port, "GET", "/health"), seconds)
    return status == 200 and time.monotonic() - started < seconds


# --- cases on the shared test server ------------------------------------------------------

async def c1_deep_wildcards_match_in_bounded_time(server):
    """C1: `messages.**` eight times against a channel of a hundred segments used to try
    every placement of every `**`: the loop froze, /health never answered. Now the
    publication arrives at once and the node stays responsive."""
    ws = await topics_client(server, "wildcard-mallory")
    pattern = "messages" + ".**" * 8
    reply = await subscribe(ws, pattern)
    assert reply["type"] == "subscribed", reply
    channel = "messages" + ".a" * 100
    started = time.monotonic()
    for _ in range(3):
        status, _, _ = await asyncio.to_thread(publish, server, {"channel": channel, "type": "x", "data": {}})
        assert status == 200, status
        got = await recv_json(ws, timeout=5)
        assert got.get("topic") == channel or got.get("channel") == channel, got
    assert time.monotonic() - started < 3, "three publications took %.1f s" % (time.monotonic() - started)
    assert await health_answers_within(server, 2)
    await ws.close()


async def socketio_open(server, user=None):
    """A raw Engine.IO WebSocket (Python websockets), CONNECTed as user when given."""
    ws = await websockets.connect(server.url("/socket.io/?EIO=4&transport=websocket&sessionId=s"), max_size=None)
    opened = await asyncio.wait_for(ws.recv(), 5)
    assert opened.startswith("0{"), opened
    if user:
        await ws.send("40" + json.dumps({"token": server.token(user, "--claim", "companyId=acme")}))
        while True:
            reply = await asyncio.wait_for(ws.recv(), 5)
            if reply.startswith("40"):
                break
    return ws


async def closes_after(ws, predicate, seconds=5):
    """Reads until the server closes; asserts some message satisfied predicate on the way."""
    seen = False
    try:
        while True:
            m = await asyncio.wait_for(ws.recv(), seconds)
            seen = seen or predicate(m)
    except websockets.ConnectionClosed:
        pass
    assert seen, "no matching message before the close"


async def c4_socketio_keeps_nothing_before_connect(server):
    """C4: before CONNECT, a binary packet's header and nine 1 MB attachments were all kept
    (20 such sessions held 196 MB with no token). Now the first binary data before CONNECT
    ends the session with CONNECT_ERROR."""
    for order in ("header first", "binary first"):
        ws = await socketio_open(server)
        if order == "header first":
            await ws.send('4510-["message",' + ",".join(['{"_placeholder":true,"num":%d}' % i for i in range(10)]) + "]")
        try:
            for _ in range(9):
                await ws.send(os.urandom(1024 * 1024))
        except websockets.ConnectionClosed:
            pass
        await closes_after(ws, lambda m: isinstance(m, str) and m.startswith("44") and "before CONNECT" in m)


async def c4_socketio_attachments_count_against_the_message_size(server):
    """C4: a connected client's packet and its attachments together stay within the 1 MiB
    message limit: the second 600 KB attachment ends the session with MESSAGE_TOO_LARGE."""
    ws = await socketio_open(server, "sio-mallory")
    await ws.send('452-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]')
    try:
        for _ in range(2):
            await ws.send(os.urandom(600 * 1024))
    except websockets.ConnectionClosed:
        pass
    await closes_after(ws, lambda m: isinstance(m, str) and "MESSAGE_TOO_LARGE" in m)
    # Within the limit, a binary echo still comes back.
    ws = await socketio_open(server, "sio-alice")
    await ws.send('451-["message",{"type":"REQUEST","requestId":"r1","action":"echo","data":{"f":{"_placeholder":true,"num":0}}}]')
    await ws.send(os.urandom(500 * 1024))
    while True:
        m = await asyncio.wait_for(ws.recv(), 5)
        if isinstance(m, bytes):
            assert len(m) == 500 * 1024
            break
    await ws.close()


def metric(server, name):
    status, _, body = http_call(server.port, "GET", "/metrics")
    assert status == 200, status
    for line in body.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError("no %s in /metrics" % name)


async def c3_positions_of_channels_that_never_published_keep_nothing(threads):
    """C3: every read of a stream position created a record kept for a day (840 B per
    channel, +65 MB for 80 k channels). Now subscribing, unsubscribing and reading leave no
    record; a channel that published keeps one until its history expired and nobody here
    follows it, then it goes at the next upkeep (every 10 s)."""
    rule = 'pattern = "messages.**"\nsubscribe = {}\npublish = {}\nhistory_size = 100\nhistory_ttl = 300'
    config = server_config_with(replacements=[(rule, rule.replace("history_ttl = 300", "history_ttl = 2")),
                                              ("max_messages_per_second = 1000", "max_messages_per_second = 100000")])
    with Server(threads=threads, config=config) as server:
        ws = await topics_client(server, "churn-mallory")
        for batch in range(4):
            names = ["messages.churn%d_%d" % (batch, i) for i in range(500)]
            for name in names:
                await ws.send(json.dumps({"type": "subscribe", "topic": name}))
            for _ in names:
                assert (await recv_json(ws))["type"] == "subscribed"
            for name in names:
                await ws.send(json.dumps({"type": "unsubscribe", "topic": name}))
            for _ in names:
                assert (await recv_json(ws))["type"] == "unsubscribed"
        assert metric(server, "switchboard_history_streams") == 0
        # A publication makes a record; it goes once its history expired (nobody follows it).
        status, _, _ = await asyncio.to_thread(publish, server, {"channel": "messages.once", "type": "x", "data": {}})
        assert status == 200
        assert metric(server, "switchboard_history_streams") == 1
        deadline = time.monotonic() + 20
        while metric(server, "switchboard_history_streams") != 0:
            assert time.monotonic() < deadline, "the record outlived its history and the upkeep"
            await asyncio.sleep(0.5)
        await ws.close()


def busy_config(extra=()):
    """The test configuration with the per-connection message rate out of the way (these
    cases send thousands of subscribes), plus (old, new) replacements."""
    return server_config_with(replacements=[("max_messages_per_second = 1000", "max_messages_per_second = 100000"),
                                            *extra])


async def events_client(server, user, *extra):
    ws = await websockets.connect(server.url("/events/ws") + "?token=" + server.token(user, *extra), max_size=None)
    while json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] != "connection.ready":
        pass
    return ws


async def events_reply(ws, correlation_id, seconds=5):
    while True:
        m = json.loads(await asyncio.wait_for(ws.recv(), seconds))
        if (m.get("metadata") or {}).get("correlationId") == correlation_id:
            return m


async def c8_subscriptions_and_watchers_per_connection(threads):
    """Cost table: a connection holds at most 1,000 subscriptions, presence watchers counted
    with them; the next one is refused in the dialect's words and nothing is kept for it."""
    with Server(threads=threads, config=busy_config()) as server:
        ws = await topics_client(server, "many-subs")
        for i in range(1000):
            await ws.send(json.dumps({"type": "subscribe", "topic": "messages.many.%d" % i}))
        for _ in range(1000):
            assert (await recv_json(ws))["type"] == "subscribed"
        await ws.send(json.dumps({"type": "subscribe", "topic": "messages.many.one-more"}))
        refused = await recv_json(ws)
        assert refused["type"] == "error" and refused["code"] == 429, refused
        assert metric(server, "switchboard_subscriptions") >= 1000
        await ws.close()
        ev = await events_client(server, "many-watch")
        channels = ["messages.w.%d" % i for i in range(999)]
        for k in range(0, 999, 100):  # at most 100 channels per subscribe
            await ev.send(json.dumps({"id": "s", "type": "subscribe", "data": {"channels": channels[k:k + 100]},
                                      "metadata": {"correlationId": "s%d" % k}}))
            update = await events_reply(ev, "s%d" % k)
            assert len(update["data"].get("subscribed", [])) == len(channels[k:k + 100]), update
        for n, room in enumerate(("document:w1", "document:w2")):
            await ev.send(json.dumps({"id": "p", "type": "presence.subscribe", "data": {"roomId": room},
                                      "metadata": {"correlationId": "p%d" % n}}))
        assert (await events_reply(ev, "p0"))["type"] == "presence.list"
        over = await events_reply(ev, "p1")
        assert over["type"] == "error" and over["data"]["code"] == "INVALID_MESSAGE", over
        await ev.close()


async def c9_names_and_ids_have_a_length(server):
    """Cost table: channel names and patterns are at most 256 bytes, ids at most 128 and a
    correlationId is cut to 128, in every dialect's words."""
    ws = await topics_client(server, "long-names")
    for topic in ("messages." + "a" * 248, "messages." + "a" * 246 + ".*"):  # 257 bytes each
        reply = await subscribe(ws, topic)
        assert reply["type"] == "error" and reply["code"] == 400, reply
    await ws.send(json.dumps({"type": "message", "topic": "messages." + "a" * 248, "data": {}}))
    reply = await recv_json(ws)
    assert reply["type"] == "error" and reply["code"] == 400, reply
    await ws.close()
    ev = await events_client(server, "long-ids")
    await ev.send(json.dumps({"id": "j", "type": "meeting.join", "data": {"meetingId": "m" * 129},
                              "metadata": {"correlationId": "j"}}))
    reply = await events_reply(ev, "j")
    assert reply["type"] == "error" and reply["data"]["code"] == "INVALID_MESSAGE", reply
    await ev.send(json.dumps({"id": "a", "type": "notification.acknowledge", "data": {"notificationId": "n" * 129},
                              "metadata": {"correlationId": "a"}}))
    reply = await events_reply(ev, "a")
    assert reply["type"] == "error" and reply["data"]["code"] == "INVALID_MESSAGE", reply
    long_id = "c" * 300
    await ev.send(json.dumps({"id": "x", "type": "connection.heartbeat.ping", "data": {}, "metadata": {"correlationId": long_id}}))
    pong = await events_reply(ev, long_id[:128])
    assert pong["type"] == "connection.heartbeat.pong", pong
    await ev.close()


async def c10_events_text_fields_have_a_size(server):
    """Cost table: a chat message is at most 4,000 bytes and a presence activity 2,048:
    INVALID_MESSAGE beyond, before anything is published or kept."""
    ev = await events_client(server, "long-text")
    await ev.send(json.dumps({"id": "c", "type": "meeting.chat.message", "data": {"meetingId": "m1", "message": "x" * 4001},
                              "metadata": {"correlationId": "c"}}))
    reply = await events_reply(ev, "c")
    assert reply["type"] == "error" and reply["data"]["code"] == "INVALID_MESSAGE", reply
    await ev.send(json.dumps({"id": "p", "type": "presence.update",
                              "data": {"status": "busy", "activity": {"note": "x" * 2100}},
                              "metadata": {"correlationId": "p"}}))
    reply = await events_reply(ev, "p")
    assert reply["type"] == "error" and reply["data"]["code"] == "INVALID_MESSAGE", reply
    await ev.close()


async def c11_login_names_have_a_length(server):
    """Cost table: an e-mail keys the login limiter's state: over 254 bytes (or a password
    over 1,024) it is a 400, and the account's attempts are not charged."""
    status, _, body = await acall(server.port, "POST", "/api/auth/login",
                                  {"email": "a" * 250 + "@x.io", "password": "p"})
    assert status == 400, (status, body)
    status, _, body = await acall(server.port, "POST", "/api/auth/login",
                                  {"email": "user@example.com", "password": "p" * 1025})
    assert status == 400, (status, body)


class SlowBackend(http.server.BaseHTTPRequestHandler):
    """An actions backend that takes two seconds per call."""
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(2)
        body = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


async def c12_socketio_actions_in_flight_per_connection(threads):
    """Cost table: at most 16 forwarded actions of one connection wait for the backend; the
    next are RATE_LIMITED at once and never reach it."""
    backend = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SlowBackend)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    env = {"SWITCHBOARD_ACTIONS_URL": "http://127.0.0.1:%d/actions" % backend.server_port,
           "SWITCHBOARD_ACTION_TIMEOUT_MS": "5000"}
    try:
        with Server(threads=threads, env=env) as server:
            ws = await socketio_open(server, "in-flight")
            for i in range(18):
                await ws.send('42["message",' + json.dumps(json.dumps(
                    {"type": "REQUEST", "requestId": "r%d" % i, "action": "slowThing"})) + "]")
            answers = {}
            while len(answers) < 18:
                m = await asyncio.wait_for(ws.recv(), 10)
                if m == "2":
                    await ws.send("3")  # the Engine.IO heartbeat
                elif isinstance(m, str) and m.startswith("42"):
                    body = json.loads(json.loads(m[2:])[1])
                    answers[body["requestId"]] = body
            limited = [a for a in answers.values() if a["type"] == "ERROR" and a["error"]["code"] == "RATE_LIMITED"]
            answered = [a for a in answers.values() if a["type"] == "RESPONSE"]
            assert len(limited) == 2 and len(answered) == 16, answers
            await ws.close()
    finally:
        backend.shutdown()


SHARED = [c1_deep_wildcards_match_in_bounded_time, c4_socketio_keeps_nothing_before_connect,
          c4_socketio_attachments_count_against_the_message_size, c9_names_and_ids_have_a_length,
          c10_events_text_fields_have_a_size, c11_login_names_have_a_length]
OWN = [c3_positions_of_channels_that_never_published_keep_nothing, c8_subscriptions_and_watchers_per_connection,
       c12_socketio_actions_in_flight_per_connection]


async def main(threads):
    return await run_shared_and_own("cost cases", threads, Server(threads=threads), SHARED, OWN) == 0


if __name__ == "__main__":
    main_with_threads(main)
