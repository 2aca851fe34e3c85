#!/usr/bin/python3
"""Limits and lifecycle: connections per IP, keep-alive timeout, graceful shutdown.
Each case starts its own server with the environment it needs.
Usage: /usr/bin/python3 limits_cases.py [--threads N]"""
import argparse
import asyncio
import json
import os
import socket
import sys
import time

import websockets

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from server import Server  # noqa: E402


def read_close_frame(sock, timeout):
    """Reads frames from a raw socket until a close frame; returns its code or None."""
    sock.settimeout(timeout)
    data = b""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            chunk = sock.recv(4096)
        except socket.timeout:
            return None
        if not chunk:
            break
        data += chunk
        while len(data) >= 2:
            op, length = data[0] & 0x0F, data[1] & 0x7F
            if len(data) < 2 + length:
                break
            payload, data = data[2:2 + length], data[2 + length:]
            if op == 8:
                return int.from_bytes(payload[:2], "big")
    return None


def raw_websocket(port, path="/ws"):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n" % path).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    return s


async def connections_per_ip_are_limited(threads):
    with Server(threads=threads, env={"WEBSOCKET_MAX_CONNECTIONS_PER_IP": "3"}) as server:
        held = [await websockets.connect(server.url()) for _ in range(3)]
        try:
            await websockets.connect(server.url())
            raise AssertionError("fourth connection accepted")
        except websockets.InvalidStatusCode as e:
            assert e.status_code == 429, e
        await held[0].close()
        await asyncio.sleep(0.2)
        again = await websockets.connect(server.url())  # a slot is free again
        await again.close()
        for ws in held[1:]:
            await ws.close()


async def silent_clients_time_out(threads):
    env = {"WEBSOCKET_PING_INTERVAL": "500", "WEBSOCKET_PING_TIMEOUT": "1500"}
    with Server(threads=threads, env=env) as server:
        s = raw_websocket(server.port)
        start = time.time()
        code = await asyncio.to_thread(read_close_frame, s, 8)
        elapsed = time.time() - start
        s.close()
        assert code == 1001, code
        assert 1.0 < elapsed < 5, elapsed
        # A client that answers pings (websockets does) stays connected.
        async with websockets.connect(server.url()) as ws:
            await asyncio.sleep(3)
            await ws.send(json.dumps({"type": "ping"}))
            assert json.loads(await ws.recv())["type"] == "pong"


async def sigterm_closes_every_socket_with_1001(threads):
    server = Server(threads=threads)
    server.__enter__()
    clients = [await websockets.connect(server.url()) for _ in range(6)]
    code = await asyncio.to_thread(server.stop)
    assert code == 0, code
    for ws in clients:
        try:
            await asyncio.wait_for(ws.recv(), 5)
            raise AssertionError("no close")
        except websockets.ConnectionClosed as e:
            assert e.rcvd is not None and e.rcvd.code == 1001, e


async def sigusr1_toggles_maintenance(threads):
    import signal
    with Server(threads=threads) as server:
        ws = await websockets.connect(server.url("/v1/ws") + "?token=" + server.token("op"))
        hello = json.loads(await ws.recv())
        assert hello["type"] == "CONNECTION_ESTABLISHED", hello
        server.proc.send_signal(signal.SIGUSR1)
        notice = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert notice["type"] == "ERROR" and notice["payload"]["code"] == "MAINTENANCE", notice
        try:
            await websockets.connect(server.url("/ws"))
            raise AssertionError("upgrade accepted during maintenance")
        except websockets.InvalidStatusCode as e:
            assert e.status_code == 503, e
        server.proc.send_signal(signal.SIGUSR1)
        await asyncio.sleep(0.3)
        again = await websockets.connect(server.url("/ws"))
        await again.close()
        await ws.close()


async def rs256_and_es256_keys_from_files(threads):
    import subprocess
    import tempfile
    for alg, genkey in (("ES256", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]),
                        ("RS256", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])):
        folder = tempfile.mkdtemp(prefix="sb-keys-")
        private = os.path.join(folder, "private.pem")
        public = os.path.join(folder, "public.pem")
        subprocess.run(["openssl", *genkey, "-out", private], check=True, capture_output=True)
        subprocess.run(["openssl", "pkey", "-in", private, "-pubout", "-out", public], check=True, capture_output=True)
        env = {"JWT_ALGORITHM": alg, "JWT_PUBLIC_KEY_FILE": public, "JWT_PRIVATE_KEY_FILE": private}
        with Server(threads=threads, env=env) as server:
            token = server.token("kate")  # signed by the CLI with the private key file
            header = json.loads(__import__("base64").urlsafe_b64decode(token.split(".")[0] + "=="))
            assert header["alg"] == alg, header
            async with websockets.connect(server.url()) as ws:
                await ws.send(json.dumps({"type": "auth", "token": token}))
                ok = json.loads(await ws.recv())
                assert ok["type"] == "auth_success" and ok["userId"] == "kate", (alg, ok)
                forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
                await ws.send(json.dumps({"type": "auth", "token": forged}))
                assert json.loads(await ws.recv())["type"] == "auth_error", alg


def masked_frame(text):
    payload = text.encode()
    mask = os.urandom(4)
    header = bytes([0x81])
    if len(payload) < 126:
        header += bytes([0x80 | len(payload)])
    else:
        header += bytes([0x80 | 126]) + len(payload).to_bytes(2, "big")
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


async def slow_consumers_are_cut_off_and_others_keep_up(threads):
    import urllib.request
    env = {"SWITCHBOARD_MAX_SEND_BUFFER": str(256 * 1024)}
    with Server(threads=threads, env=env) as server:
        # A client that stops reading: tiny receive buffer, never reads during the flood.
        slow = socket.socket()
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        slow.connect(("127.0.0.1", server.port))
        slow.sendall(("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        slow.sendall(masked_frame(json.dumps({"type": "auth", "token": server.token("slow")})))
        slow.sendall(masked_frame(json.dumps({"type": "subscribe", "topic": "flood"})))
        fast = await websockets.connect(server.url(), max_size=None)
        await fast.send(json.dumps({"type": "auth", "token": server.token("fast")}))
        await fast.recv()
        await fast.send(json.dumps({"type": "subscribe", "topic": "flood"}))
        await fast.recv()
        await asyncio.sleep(0.3)

        count, chunk = 400, "x" * 32 * 1024
        def flood():
            for i in range(count):
                body = json.dumps({"channel": "flood", "type": "bulk", "data": {"i": i, "pad": chunk}}).encode()
                req = urllib.request.Request("http://127.0.0.1:%d/api/publish" % server.port, data=body,
                                             headers={"Authorization": "Bearer test-api-key"})
                urllib.request.urlopen(req).read()
        flooding = asyncio.get_running_loop().run_in_executor(None, flood)
        for i in range(count):
            m = json.loads(await asyncio.wait_for(fast.recv(), 20))
            assert m["data"]["i"] == i, (i, m["data"]["i"])  # the fast client misses nothing
        await flooding
        await fast.close()

        # The slow client has been cut off: reading what is left ends (close 1008 "slow
        # consumer" when the frame got through, otherwise the socket is just closed).
        def drain():
            slow.settimeout(10)
            data = b""
            try:
                while True:
                    piece = slow.recv(1 << 20)
                    if not piece:
                        break
                    data += piece
            except ConnectionResetError:
                pass
            return data
        data = await asyncio.to_thread(drain)
        slow.close()
        marker = b"\x88\x0f\x03\xf0slow consumer"
        print("slow consumer: close frame received" if marker in data else "slow consumer: socket closed without a close frame")
        if marker[:2] in data:
            assert marker in data, "a close frame was sent but not 1008 slow consumer"
        assert len(data) < count * len(chunk), "the slow client was not cut off"


async def debug_logs_show_websocket_sessions(threads):
    with Server(threads=threads, env={"LOG_LEVEL": "debug"}) as server:
        async with websockets.connect(server.url()) as ws:
            await ws.send(json.dumps({"type": "auth", "token": server.token("logged")}))
            await ws.recv()
        await asyncio.sleep(0.3)
        events = [json.loads(line) for line in server.log if line.startswith("{")]
        names = [(e.get("event"), e.get("user")) for e in events]
        assert ("session.open", "") in names, names
        assert ("session.auth", "logged") in names, names
        assert ("session.close", "logged") in names, names
        assert all("time" in e and "level" in e for e in events)


async def main(threads):
    passed = failed = 0
    for fn in (connections_per_ip_are_limited, silent_clients_time_out, sigterm_closes_every_socket_with_1001,
               sigusr1_toggles_maintenance, rs256_and_es256_keys_from_files,
               slow_consumers_are_cut_off_and_others_keep_up, debug_logs_show_websocket_sessions):
        try:
            await asyncio.wait_for(fn(threads), 60)
            passed += 1
        except Exception as e:
            failed += 1
            print("FAIL %s: %r" % (fn.__name__, e))
    print("limits cases (threads=%d): %d passed, %d failed" % (threads, passed, failed))
    return failed


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    sys.exit(1 if asyncio.run(main(ap.parse_args().threads)) else 0)
