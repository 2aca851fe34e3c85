#!/usr/bin/python3
"""Handshake, HTTP edge cases and the topics dialect, seen by the Python `websockets`
client and by raw sockets. Usage: /usr/bin/python3 websockets_cases.py [--threads N]"""
import argparse
import asyncio
import base64
import json
import os
import socket
import sys

import websockets

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from runner import case, run_all  # noqa: E402
from server import Server  # noqa: E402


def raw_request(port, text, read_timeout=5):
    """Sends bytes on a fresh socket, returns everything read until the server closes or idles."""
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(read_timeout)
    s.sendall(text if isinstance(text, bytes) else text.encode())
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            if b"\r\n\r\n" in data:
                head, _, body = data.partition(b"\r\n\r\n")
                length = [int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")]
                if length and len(body) >= length[0]:
                    break
                if head.startswith(b"HTTP/1.1 101"):
                    break
    except socket.timeout:
        pass
    s.close()
    return data


def status_of(response):
    return int(response.split(b" ", 2)[1])


def upgrade(path="/ws", key=None, version="13", extra=""):
    key = key or base64.b64encode(os.urandom(16)).decode()
    return ("GET %s HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: %s\r\n%s\r\n" % (path, key, version, extra))


async def authed(server, user="alice", *extra):
    ws = await websockets.connect(server.url())
    await ws.send(json.dumps({"type": "auth", "token": server.token(user, *extra)}))
    reply = json.loads(await ws.recv())
    assert reply["type"] == "auth_success", reply
    return ws


async def recv_json(ws, timeout=5):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


# --- handshake and HTTP ---------------------------------------------------------------

@case
async def handshake_accept_key_matches_rfc(server):
    r = raw_request(server.port, upgrade(key="dGhlIHNhbXBsZSBub25jZQ=="))
    assert r.startswith(b"HTTP/1.1 101"), r
    assert b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in r, r


@case
async def subprotocol_is_negotiated(server):
    async with websockets.connect(server.url("/echo"), subprotocols=["other", "json"]) as ws:
        assert ws.subprotocol == "json", ws.subprotocol
    async with websockets.connect(server.url("/echo")) as ws:
        assert ws.subprotocol is None


@case
async def plain_get_on_websocket_path_is_426(server):
    r = raw_request(server.port, "GET /ws HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status_of(r) == 426, r
    assert b"Upgrade: websocket" in r


@case
async def bad_handshakes_get_http_errors(server):
    assert status_of(raw_request(server.port, upgrade(key="short"))) == 400
    r = raw_request(server.port, upgrade(version="8"))
    assert status_of(r) == 426 and b"Sec-WebSocket-Version: 13" in r, r
    assert status_of(raw_request(server.port, upgrade(path="/nowhere"))) == 404
    assert status_of(raw_request(server.port, "BLAH\r\n\r\n")) == 400


@case
async def http_errors_404_405_413_431(server):
    assert status_of(raw_request(server.port, "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")) == 404
    assert status_of(raw_request(server.port, "GET /api/publish HTTP/1.1\r\nHost: x\r\n\r\n")) == 405
    big = "POST /api/publish HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (2 * 1024 * 1024)
    assert status_of(raw_request(server.port, big)) == 413
    huge_header = "GET /health HTTP/1.1\r\nX-Big: %s\r\n\r\n" % ("a" * 20000)
    assert status_of(raw_request(server.port, huge_header)) == 431


@case
async def keep_alive_serves_pipelined_requests(server):
    s = socket.create_connection(("127.0.0.1", server.port))
    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    s.settimeout(3)
    data = b""
    while data.count(b"HTTP/1.1 200") < 2:
        chunk = s.recv(65536)
        assert chunk, data
        data += chunk
    s.close()


@case
async def websockets_client_round_trip_on_echo(server):
    async with websockets.connect(server.url("/echo"), max_size=None) as ws:
        await ws.send("hello")
        assert await ws.recv() == "hello"
        await ws.send(b"\x00\x01")
        assert await ws.recv() == b"\x00\x01"
        pong = await ws.ping(b"abc")
        await asyncio.wait_for(pong, 5)


def metric(server, line_start):
    import urllib.request
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % server.port) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(line_start):
                return float(line.split()[-1])
    return 0.0


@case
async def oversize_message_closes_1009(server):
    before = await asyncio.to_thread(metric, server, 'switchboard_errors_total{code="1009"}')
    async with websockets.connect(server.url("/echo"), max_size=None) as ws:
        await ws.send("x" * (1024 * 1024 + 1))
        try:
            await asyncio.wait_for(ws.recv(), 5)
            raise AssertionError("no close")
        except websockets.ConnectionClosed as e:
            assert e.rcvd.code == 1009, e
    after = await asyncio.to_thread(metric, server, 'switchboard_errors_total{code="1009"}')
    assert after == before + 1, (before, after)  # close codes are counted in /metrics


# --- topics dialect ---------------------------------------------------------------------

@case
async def auth_subscribe_publish_and_receive(server):
    alice = await authed(server, "alice")
    bob = await authed(server, "bob")
    await alice.send(json.dumps({"type": "subscribe", "topic": "messages.user.*"}))
    sub = await recv_json(alice)
    assert sub["type"] == "subscribed" and sub["topic"] == "messages.user.*" and "timestamp" in sub, sub
    await bob.send(json.dumps({"type": "message", "topic": "messages.user.123", "data": {"content": "Hi"},
                               "metadata": {"priority": "normal"}}))
    msg = await recv_json(alice)
    assert msg["type"] == "message" and msg["topic"] == "messages.user.123", msg
    assert msg["data"] == {"content": "Hi"}
    assert msg["metadata"]["senderId"] == "bob" and msg["metadata"]["client"] == {"priority": "normal"}
    assert msg["metadata"]["senderConnectionId"].startswith("conn-")
    await alice.send(json.dumps({"type": "unsubscribe", "topic": "messages.user.*"}))
    assert (await recv_json(alice))["type"] == "unsubscribed"
    await bob.send(json.dumps({"type": "message", "topic": "messages.user.123", "data": 2}))
    await alice.send(json.dumps({"type": "ping"}))
    assert (await recv_json(alice))["type"] == "pong"  # nothing else arrived in between
    await alice.close()
    await bob.close()


@case
async def double_star_matches_any_depth_and_one_copy_per_connection(server):
    ws = await authed(server, "carol")
    for t in ("messages.**", "messages.user.*", "messages.user.123"):
        await ws.send(json.dumps({"type": "subscribe", "topic": t}))
        await recv_json(ws)
    await ws.send(json.dumps({"type": "message", "topic": "messages.user.123", "data": 1}))
    await ws.send(json.dumps({"type": "message", "topic": "messages.user.123.replies", "data": 2}))
    await ws.send(json.dumps({"type": "ping"}))
    # messages.** keeps history: its publications reach even their sender's loop through the
    # hub (in offset order), so the pong may come first. Two messages, once each, in order.
    got = [await recv_json(ws) for _ in range(3)]
    assert [g.get("data") for g in got if g["type"] == "message"] == [1, 2], got
    assert [g["type"] for g in got].count("pong") == 1, got
    try:
        extra = await recv_json(ws, timeout=0.3)
        raise AssertionError(f"a second copy arrived: {extra}")
    except asyncio.TimeoutError:
        pass
    await ws.close()


@case
async def auth_required_and_auth_errors(server):
    async with websockets.connect(server.url()) as ws:
        await ws.send(json.dumps({"type": "subscribe", "topic": "a"}))
        e = await recv_json(ws)
        assert e["type"] == "error" and e["code"] == 401, e
        await ws.send(json.dumps({"type": "message", "topic": "a", "data": 1}))
        assert (await recv_json(ws))["code"] == 401
        await ws.send(json.dumps({"type": "auth", "token": "not.a.token"}))
        e = await recv_json(ws)
        assert e["type"] == "auth_error" and e["code"] == 401, e
        expired = server.token("dave", "--ttl", "-100")
        await ws.send(json.dumps({"type": "auth", "token": expired}))
        e = await recv_json(ws)
        assert e["type"] == "auth_error" and "expired" in e["message"].lower(), e


@case
async def bad_input_gets_400_and_the_connection_stays(server):
    ws = await authed(server, "erin")
    for bad, field in (("not json", None), (json.dumps({"no": "type"}), "type"),
                       (json.dumps({"type": "teleport"}), "type"), (json.dumps({"type": "subscribe"}), "topic"),
                       (json.dumps({"type": "message", "topic": "a.*", "data": 1}), "topic")):
        await ws.send(bad)
        e = await recv_json(ws)
        assert e["type"] == "error" and e["code"] == 400, (bad, e)
        if field:
            assert e["details"]["field"] == field, (bad, e)
    await ws.send(json.dumps({"type": "ping"}))
    assert (await recv_json(ws))["type"] == "pong"
    await ws.close()


@case
async def forbidden_channels_give_403(server):
    ws = await authed(server, "frank")
    await ws.send(json.dumps({"type": "subscribe", "topic": "notifications.user.someone-else"}))
    e = await recv_json(ws)
    assert e["code"] == 403, e
    await ws.send(json.dumps({"type": "subscribe", "topic": "notifications.user.frank"}))
    assert (await recv_json(ws))["type"] == "subscribed"
    await ws.send(json.dumps({"type": "subscribe", "topic": "admin.audit"}))
    assert (await recv_json(ws))["code"] == 403
    await ws.close()
    admin = await authed(server, "root", "--role", "master")
    await admin.send(json.dumps({"type": "subscribe", "topic": "admin.audit"}))
    assert (await recv_json(admin))["type"] == "subscribed"
    await admin.close()


@case
async def publish_api_reaches_channel_and_user(server):
    import urllib.request
    ws = await authed(server, "gina")
    await ws.send(json.dumps({"type": "subscribe", "topic": "orders.*"}))
    await recv_json(ws)

    def post(body, key="test-api-key"):
        req = urllib.request.Request("http://127.0.0.1:%d/api/publish" % server.port, data=json.dumps(body).encode(),
                                     headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    status, body = await asyncio.to_thread(post, {"channel": "orders.42", "type": "ORDER_SHIPPED", "data": {"id": 42}})
    assert status == 200 and body["id"], body
    m = await recv_json(ws)
    assert m["topic"] == "orders.42" and m["eventType"] == "ORDER_SHIPPED" and m["data"] == {"id": 42}, m
    assert m["id"] == body["id"]
    status, body = await asyncio.to_thread(post, {"user": "gina", "type": "NOTIFICATION", "data": {"text": "hi"}})
    assert status == 200, body
    m = await recv_json(ws)
    assert m["topic"] == "user:gina" and m["eventType"] == "NOTIFICATION", m
    assert (await asyncio.to_thread(post, {"channel": "x"}, key="wrong"))[0] == 401
    assert (await asyncio.to_thread(post, {"data": 1}))[0] == 400
    assert (await asyncio.to_thread(post, {"channel": "bad channel"}))[0] == 400
    await ws.close()


@case
async def an_expiring_token_ends_the_session(server):
    ws = await websockets.connect(server.url())
    # Expired 28 s ago: still valid for the 30 s leeway, which the expiry timer honours too.
    await ws.send(json.dumps({"type": "auth", "token": server.token("brief", "--ttl", "-28")}))
    assert (await recv_json(ws))["type"] == "auth_success"
    notice = await recv_json(ws, timeout=6)
    assert notice["type"] == "auth_error" and "expired" in notice["message"].lower(), notice
    try:
        await asyncio.wait_for(ws.recv(), 5)
        raise AssertionError("still open")
    except websockets.ConnectionClosed as e:
        assert e.rcvd is not None and e.rcvd.code == 1008, e


@case
async def server_ping_keeps_websockets_clients_alive(server):
    # The websockets client answers pings by itself; a plain ping works both ways.
    async with websockets.connect(server.url()) as ws:
        await asyncio.wait_for(await ws.ping(), 5)


async def main(threads):
    with Server(threads=threads) as server:
        failed = await run_all("websockets cases (threads=%d)" % threads, server)
        code = server.stop()
        if code != 0:
            print("FAIL server exited %s on SIGTERM" % code)
            failed += 1
    return failed


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    sys.exit(1 if asyncio.run(main(ap.parse_args().threads)) else 0)
