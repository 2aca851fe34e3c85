#!/usr/bin/python3
"""The HTTP API as a backend and a browser app use it: login, refresh, POST /api/messages
fan-out to the seed's four topics, health and metrics.
Usage: /usr/bin/python3 http_api_cases.py [--threads N]"""
import argparse
import asyncio
import json
import os
import sys
import urllib.error
import urllib.request

import websockets

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from runner import case, run_all  # noqa: E402
from server import Server, config_with  # noqa: E402


def call(server, method, path, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (server.port, path), data=data, method=method,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            raw = r.read()
            return r.status, r.headers, raw
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


async def acall(*args, **kw):
    return await asyncio.to_thread(call, *args, **kw)


async def recv_json(ws):
    return json.loads(await asyncio.wait_for(ws.recv(), 5))


@case
async def login_returns_tokens_that_authenticate(server):
    status, _, raw = await acall(server, "POST", "/api/auth/login", {"email": "user@example.com", "password": "password123"})
    assert status == 200, raw
    body = json.loads(raw)
    assert body["success"] is True
    data = body["data"]
    assert data["user"]["email"] == "user@example.com" and data["accessToken"] and data["refreshToken"], data
    async with websockets.connect(server.url()) as ws:
        await ws.send(json.dumps({"type": "auth", "token": data["accessToken"]}))
        ok = await recv_json(ws)
        assert ok["type"] == "auth_success" and ok["userId"] == data["user"]["id"], ok
        await ws.send(json.dumps({"type": "auth", "token": data["refreshToken"]}))
        assert (await recv_json(ws))["type"] == "auth_error"  # refresh tokens do not open sessions
    status, _, raw = await acall(server, "POST", "/api/auth/refresh", {"refreshToken": data["refreshToken"]})
    assert status == 200 and json.loads(raw)["data"]["accessToken"], raw
    status, _, _ = await acall(server, "POST", "/api/auth/refresh", {"refreshToken": data["accessToken"]})
    assert status == 401


@case
async def login_refuses_wrong_passwords_and_unknown_users(server):
    for body in ({"email": "user@example.com", "password": "nope"}, {"email": "who@example.com", "password": "x"}):
        status, _, raw = await acall(server, "POST", "/api/auth/login", body)
        assert status == 401 and json.loads(raw)["success"] is False, raw
    status, _, _ = await acall(server, "POST", "/api/auth/login", {"email": "x"})
    assert status == 400


@case
async def posted_message_reaches_the_four_topics(server):
    sender_token = server.token("user-abc")
    listener = await websockets.connect(server.url())
    await listener.send(json.dumps({"type": "auth", "token": server.token("observer")}))
    await recv_json(listener)
    for t in ("messages", "messages.user.user-abc", "messages.user.user-123", "messages.channel.general"):
        await listener.send(json.dumps({"type": "subscribe", "topic": t}))
        await recv_json(listener)
    status, _, raw = await acall(server, "POST", "/api/messages",
                                 {"content": "Hello!", "recipientId": "user-123", "channelId": "general"},
                                 {"Authorization": "Bearer " + sender_token})
    assert status == 201, raw
    created = json.loads(raw)["data"]
    assert created["userId"] == "user-abc" and created["content"] == "Hello!", created
    got = [await recv_json(listener) for _ in range(4)]
    assert sorted(m["topic"] for m in got) == sorted(
        ["messages", "messages.user.user-abc", "messages.user.user-123", "messages.channel.general"]), got
    for m in got:
        assert m["eventType"] == "message.sent" and m["data"]["id"] == created["id"], m
        assert m["metadata"]["senderId"] == "user-abc"
    status, _, _ = await acall(server, "POST", "/api/messages", {"content": "x"})
    assert status == 401
    await listener.close()


@case
async def health_and_metrics(server):
    status, headers, raw = await acall(server, "GET", "/health")
    assert status == 200 and json.loads(raw)["status"] == "ok", raw
    async with websockets.connect(server.url()) as ws:
        await ws.send("not json")
        await ws.recv()
        status, headers, raw = await acall(server, "GET", "/metrics")
    text = raw.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/plain"), headers
    for metric in ("switchboard_connections ", "switchboard_websocket_connections ", "switchboard_messages_in_total ",
                   "switchboard_bytes_out_total ", 'switchboard_errors_total{code="400"}',
                   "switchboard_publish_to_write_seconds_bucket", "switchboard_subscriptions "):
        assert metric in text, metric


@case
async def stats_follow_the_metrics_counters(server):
    # The console's chart reads these; they move with real traffic.
    status, headers, raw = await acall(server, "GET", "/api/stats")
    before = json.loads(raw)
    assert status == 200 and headers["Content-Type"].startswith("application/json"), headers
    for key in ("time", "connections", "websockets", "messagesIn", "messagesOut", "messagesPerSecond",
                "subscriptions", "publications", "deliveries", "publishToWrite", "p99Ms"):
        assert key in before, key
    histogram = before["publishToWrite"]
    assert len(histogram["counts"]) == len(histogram["bucketsUs"]) + 1, histogram
    async with websockets.connect(server.url()) as a, websockets.connect(server.url()) as b:
        for ws, user in ((a, "stats-a"), (b, "stats-b")):
            await ws.send(json.dumps({"type": "auth", "token": server.token(user)}))
            assert json.loads(await ws.recv())["type"] == "auth_success"
        await b.send(json.dumps({"type": "subscribe", "topic": "stats.room"}))
        assert json.loads(await b.recv())["type"] == "subscribed"
        for i in range(5):
            await a.send(json.dumps({"type": "message", "topic": "stats.room", "data": {"i": i}}))
        for i in range(5):
            assert json.loads(await b.recv())["type"] == "message"
        status, _, raw = await acall(server, "GET", "/api/stats")
        during = json.loads(raw)
    assert during["websockets"] >= before["websockets"] + 2, (before, during)
    assert during["subscriptions"] >= 1
    assert during["messagesIn"] >= before["messagesIn"] + 8, (before, during)
    assert during["publications"] >= before["publications"] + 5
    assert during["deliveries"] >= before["deliveries"] + 5
    assert during["publishToWrite"]["count"] >= before["publishToWrite"]["count"] + 5
    assert sum(during["publishToWrite"]["counts"]) == during["publishToWrite"]["count"]
    assert isinstance(during["p99Ms"], (int, float)) and during["p99Ms"] > 0, during["p99Ms"]
    assert during["time"] >= before["time"]
    status, _, _ = await acall(server, "POST", "/api/stats", {})
    assert status == 405


@case
async def cors_for_the_allowed_origins_only(server):
    # A second server whose allow-list names one origin and a wildcard.
    env = {"SWITCHBOARD_ALLOWED_ORIGINS": "https://console.example.com, https://*.apps.test"}
    with Server(threads=1, env=env) as listed:
        preflight = {"Origin": "https://x.apps.test", "Access-Control-Request-Method": "POST",
                     "Access-Control-Request-Headers": "authorization, content-type"}
        status, headers, _ = await acall(listed, "OPTIONS", "/api/publish", headers=preflight)
        assert status == 204, status
        assert headers["Access-Control-Allow-Origin"] == "https://x.apps.test", headers
        assert "POST" in headers["Access-Control-Allow-Methods"], headers
        assert "Authorization" in headers["Access-Control-Allow-Headers"], headers
        status, headers, _ = await acall(listed, "OPTIONS", "/api/publish",
                                         headers={**preflight, "Origin": "https://apps.test"})
        assert status == 403 and "Access-Control-Allow-Origin" not in headers, (status, headers)
        # The answers themselves carry the header for a listed origin, and only for it.
        status, headers, _ = await acall(listed, "GET", "/health", headers={"Origin": "https://console.example.com"})
        assert status == 200 and headers["Access-Control-Allow-Origin"] == "https://console.example.com", headers
        assert headers["Vary"] == "Origin", headers
        status, headers, _ = await acall(listed, "GET", "/health", headers={"Origin": "https://evil.test"})
        assert status == 200 and "Access-Control-Allow-Origin" not in headers, headers
        # The same list guards WebSocket upgrades, wildcards included.
        url = "ws://127.0.0.1:%d/ws" % listed.port
        async with websockets.connect(url, origin="https://deep.x.apps.test"):
            pass
        try:
            async with websockets.connect(url, origin="https://evil.test"):
                raise AssertionError("an upgrade from an unlisted origin was accepted")
        except websockets.exceptions.InvalidStatusCode as e:
            assert e.status_code == 403, e.status_code
    # Without a list, no page of another origin gets CORS.
    status, headers, _ = await acall(server, "GET", "/health", headers={"Origin": "https://console.example.com"})
    assert status == 200 and "Access-Control-Allow-Origin" not in headers, headers


@case
async def an_endpoint_list_replaces_the_servers(server):
    # /ws keeps the server's list; /echo names its own; the polling path of /socket.io/
    # answers CORS with credentials for the server's list.
    path = config_with('allowed_origins = ["https://app.example.com"]', [(
        'path = "/echo"\ndialect = "echo"',
        'path = "/echo"\ndialect = "echo"\nallowed_origins = ["https://*.widgets.test"]')])
    with Server(threads=1, config=path) as listed:
        def upgrade(where, origin):
            return websockets.connect("ws://127.0.0.1:%d%s" % (listed.port, where), origin=origin)
        async with upgrade("/ws", "https://app.example.com"):
            pass
        async with upgrade("/echo", "https://a.widgets.test"):
            pass
        for where, origin in (("/ws", "https://a.widgets.test"), ("/echo", "https://app.example.com")):
            try:
                async with upgrade(where, origin):
                    raise AssertionError("%s accepted %s" % (where, origin))
            except websockets.exceptions.InvalidStatusCode as e:
                assert e.status_code == 403, e.status_code
        # Engine.IO long-polling from a listed page: preflight, then the open packet.
        polling = "/socket.io/?EIO=4&transport=polling&sessionId=s-1"
        status, headers, _ = await acall(listed, "OPTIONS", polling, headers={
            "Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"})
        assert status == 204 and headers["Access-Control-Allow-Credentials"] == "true", (status, headers)
        status, headers, body = await acall(listed, "GET", polling, headers={"Origin": "https://app.example.com"})
        assert status == 200 and body.startswith(b"0{"), (status, body[:60])
        assert headers["Access-Control-Allow-Origin"] == "https://app.example.com", headers
        assert headers["Access-Control-Allow-Credentials"] == "true", headers
        status, headers, _ = await acall(listed, "GET", polling, headers={"Origin": "https://evil.test"})
        assert "Access-Control-Allow-Origin" not in headers, headers
        status, _, _ = await acall(listed, "OPTIONS", polling, headers={
            "Origin": "https://evil.test", "Access-Control-Request-Method": "POST"})
        assert status == 403, status


async def main(threads):
    with Server(threads=threads) as server:
        failed = await run_all("http api cases (threads=%d)" % threads, server)
    return failed


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    sys.exit(1 if asyncio.run(main(ap.parse_args().threads)) else 0)
