#!/usr/bin/python3
"""TLS: wss:// and https:// with real clients (Python's ssl and websockets), certificates
from scripts/make-cert.sh. Covers what a client sees (ALPN, resumption, a certificate it
does not trust, a client certificate), bad input on the TLS port (plain HTTP, a garbage
hello, a stalled handshake: each closed, counted, and harmless to other connections), the
files checked at start, and SIGHUP reloading the certificate under live connections.

Usage: /usr/bin/python3 tls_cases.py [--threads N]
"""
import asyncio
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time

import websockets

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from certs import client_context, make_certs  # noqa: E402
from runner import case, main_with_threads, run_and_stop  # noqa: E402
from server import CONFIG, Server, config_with  # noqa: E402

THREADS = 1


class Tls:
    """The server under test, its certificate directory and a client context for it."""

    def __init__(self, server, certs):
        self.server = server
        self.certs = certs
        self.context = client_context(certs)


def metric(server, name, context=None):
    """A counter of /metrics, read over https."""
    context = context or client_context(server.tls_dir)
    conn = http.client.HTTPSConnection("127.0.0.1", server.port, context=context, timeout=5)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    conn.close()
    found = re.search(r"^%s (\d+)$" % re.escape(name), text, re.M)
    return int(found.group(1)) if found else None


def read_to_end(sock):
    """Everything the server sends until it closes."""
    answer = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return answer
        answer += chunk


async def echo_roundtrip(url, context, payload="hello"):
    async with websockets.connect(url, ssl=context, max_size=None) as ws:
        await ws.send(payload)
        return await asyncio.wait_for(ws.recv(), 5)


def start_fails(env, config=CONFIG):
    """Runs `switchboard serve` expecting it to refuse to start; returns its stderr."""
    binary = os.environ.get("SWITCHBOARD_BIN", os.path.join(os.path.dirname(CONFIG), "..", "..", "build", "switchboard"))
    proc = subprocess.run([binary, "serve", "--config", config, "--port", "0"], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=20)
    assert proc.returncode != 0, "the server started: %s" % proc.stderr[-300:]
    return proc.stderr


@case
async def wss_echo_of_every_size(t):
    # Messages from empty to 1 MiB cross several TLS records each way.
    async with websockets.connect(t.server.url("/echo"), ssl=t.context, max_size=None) as ws:
        for size in (0, 1, 125, 126, 16383, 16384, 16385, 65536, 300000, 1024 * 1024):
            payload = os.urandom(size)
            await ws.send(payload)
            assert await asyncio.wait_for(ws.recv(), 10) == payload, "size %d" % size
        text = "é" * 50000
        await ws.send(text)
        assert await asyncio.wait_for(ws.recv(), 10) == text


@case
async def wss_topics_fanout_between_clients(t):
    token = t.server.token("alice")
    url = t.server.url("/ws")
    async with websockets.connect(url, ssl=t.context) as a, websockets.connect(url, ssl=t.context) as b:
        for ws in (a, b):
            await ws.send(json.dumps({"type": "auth", "token": token}))
            assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "auth_success"
            await ws.send(json.dumps({"type": "subscribe", "topic": "tls-news"}))
            assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "subscribed"
        await a.send(json.dumps({"type": "message", "topic": "tls-news", "data": {"n": 1}}))
        for ws in (a, b):
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), 5))
                if message["type"] == "message":
                    assert message["data"] == {"n": 1}
                    break


@case
async def https_api_negotiates_http11(t):
    context = client_context(t.certs)
    context.set_alpn_protocols(["h2", "http/1.1"])
    with socket.create_connection(("127.0.0.1", t.server.port), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as conn:
            assert conn.selected_alpn_protocol() == "http/1.1", conn.selected_alpn_protocol()
            assert conn.version() in ("TLSv1.2", "TLSv1.3")
            conn.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            answer = read_to_end(conn)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:80]
    assert b'"status":"ok"' in answer


@case
async def session_is_resumed(t):
    before = metric(t.server, "switchboard_tls_resumed_total")
    context = client_context(t.certs)

    def get_health(session=None):
        with socket.create_connection(("127.0.0.1", t.server.port), timeout=5) as raw:
            with context.wrap_socket(raw, server_hostname="localhost", session=session) as conn:
                conn.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
                conn.recv(65536)  # the answer; TLS 1.3 tickets arrive with it
                return conn.session, conn.session_reused

    session, reused = get_health()
    assert not reused
    _, reused = get_health(session)
    assert reused, "the second connection was a full handshake"
    assert metric(t.server, "switchboard_tls_resumed_total") == before + 1


@case
async def client_refuses_an_untrusted_certificate(t):
    stranger = make_certs()  # another CA: the client must not trust the server
    try:
        await echo_roundtrip(t.server.url("/echo"), client_context(stranger))
        raise AssertionError("connected with an untrusted certificate")
    except ssl.SSLCertVerificationError:
        pass
    # A name the certificate does not cover is refused as well.
    context = client_context(t.certs)
    with socket.create_connection(("127.0.0.1", t.server.port), timeout=5) as raw:
        try:
            context.wrap_socket(raw, server_hostname="switchboard.example.com")
            raise AssertionError("the wrong host name was accepted")
        except ssl.SSLCertVerificationError:
            pass
    shutil.rmtree(stranger)


@case
async def plain_http_on_the_tls_port_is_told_and_counted(t):
    before = metric(t.server, "switchboard_tls_plain_http_total")
    with socket.create_connection(("127.0.0.1", t.server.port), timeout=5) as s:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        answer = read_to_end(s)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:80]
    assert b"speaks TLS" in answer
    assert metric(t.server, "switchboard_tls_plain_http_total") == before + 1


@case
async def garbage_hello_is_closed_without_harm(t):
    before = metric(t.server, "switchboard_tls_handshake_errors_total")
    async with websockets.connect(t.server.url("/echo"), ssl=t.context) as bystander:
        for garbage in (b"\x16\x03\x01\x00\x05hello", b"\x16" + os.urandom(3000)):
            with socket.create_connection(("127.0.0.1", t.server.port), timeout=5) as s:
                s.sendall(garbage)
                try:
                    while s.recv(4096):
                        pass  # an alert, then the close
                except ConnectionResetError:
                    pass
        await bystander.send("still here")
        assert await asyncio.wait_for(bystander.recv(), 5) == "still here"
    assert metric(t.server, "switchboard_tls_handshake_errors_total") >= before + 2


@case
async def minimum_version_13_refuses_tls12(t):
    with Server(threads=THREADS, tls_dir=t.certs, env={"SWITCHBOARD_TLS_MIN_VERSION": "1.3"}) as strict:
        old = client_context(t.certs)
        old.maximum_version = ssl.TLSVersion.TLSv1_2
        try:
            await echo_roundtrip(strict.url("/echo"), old)
            raise AssertionError("TLS 1.2 was accepted")
        except ssl.SSLError:
            pass
        assert await echo_roundtrip(strict.url("/echo"), client_context(t.certs)) == "hello"
        assert metric(strict, "switchboard_tls_handshake_errors_total") == 1


@case
async def client_certificate_required_with_tls_ca(t):
    env = {"SWITCHBOARD_TLS_CA": os.path.join(t.certs, "ca.pem")}
    with Server(threads=THREADS, tls_dir=t.certs, env=env) as mutual:
        try:
            await echo_roundtrip(mutual.url("/echo"), client_context(t.certs))
            raise AssertionError("connected without a client certificate")
        except (ssl.SSLError, websockets.exceptions.WebSocketException, ConnectionError, EOFError):
            pass
        stranger = make_certs()  # a client certificate from another CA is refused too
        context = client_context(t.certs)
        context.load_cert_chain(os.path.join(stranger, "client.pem"), os.path.join(stranger, "client-key.pem"))
        try:
            await echo_roundtrip(mutual.url("/echo"), context)
            raise AssertionError("connected with a client certificate of another CA")
        except (ssl.SSLError, websockets.exceptions.WebSocketException, ConnectionError, EOFError):
            pass
        shutil.rmtree(stranger)
        assert await echo_roundtrip(mutual.url("/echo"), client_context(t.certs, client_cert=True)) == "hello"


@case
async def over_the_address_limit_is_closed_before_any_handshake(t):
    with Server(threads=THREADS, tls_dir=t.certs, env={"WEBSOCKET_MAX_CONNECTIONS_PER_IP": "2"}) as limited:
        context = client_context(t.certs)
        async with websockets.connect(limited.url("/echo"), ssl=context) as first, \
                websockets.connect(limited.url("/echo"), ssl=context):
            try:
                await echo_roundtrip(limited.url("/echo"), context)
                raise AssertionError("a third connection from one address was served")
            except (ssl.SSLError, ConnectionError, EOFError, websockets.exceptions.WebSocketException):
                pass
            await first.send("within the limit")
            assert await asyncio.wait_for(first.recv(), 5) == "within the limit"
        # Refused before the handshake: no TLS error is counted for it. (Asked once the two
        # connections' places are free again.)
        for _ in range(50):
            try:
                errors = metric(limited, "switchboard_tls_handshake_errors_total")
                break
            except (ssl.SSLError, ConnectionError, http.client.HTTPException):
                await asyncio.sleep(0.05)
        assert errors == 0, errors


@case
async def stalled_handshake_is_closed_at_the_deadline(t):
    config = config_with("request_head_timeout_ms = 700")
    with Server(threads=THREADS, tls_dir=t.certs, config=config) as short:
        async with websockets.connect(short.url("/echo"), ssl=client_context(t.certs)) as bystander:
            silent = socket.create_connection(("127.0.0.1", short.port), timeout=10)
            half = socket.create_connection(("127.0.0.1", short.port), timeout=10)
            half.sendall(b"\x16\x03\x01\x02\x00\x01")  # a hello that never finishes
            started = time.monotonic()
            for s in (silent, half):
                assert s.recv(100) == b"", "expected the server to close"
                s.close()
            # The sweep runs each second: closed within the deadline plus one sweep.
            assert time.monotonic() - started < 4
            await bystander.send("unaffected")
            assert await asyncio.wait_for(bystander.recv(), 5) == "unaffected"
        assert metric(short, "switchboard_tls_handshake_timeouts_total") == 2


@case
async def bad_files_stop_the_start_with_a_clear_error(t):
    missing = start_fails({"SWITCHBOARD_TLS_CERT": "/nonexistent/cert.pem",
                           "SWITCHBOARD_TLS_KEY": os.path.join(t.certs, "key.pem")})
    assert "tls_cert /nonexistent/cert.pem" in missing and "No such file" in missing, missing[-300:]
    mismatched = start_fails({"SWITCHBOARD_TLS_CERT": os.path.join(t.certs, "cert.pem"),
                              "SWITCHBOARD_TLS_KEY": os.path.join(t.certs, "client-key.pem")})
    assert "does not match" in mismatched, mismatched[-300:]
    not_pem = start_fails({"SWITCHBOARD_TLS_CERT": CONFIG, "SWITCHBOARD_TLS_KEY": os.path.join(t.certs, "key.pem")})
    assert "is not a PEM certificate chain" in not_pem, not_pem[-300:]
    bad_version = start_fails({"SWITCHBOARD_TLS_CERT": os.path.join(t.certs, "cert.pem"),
                               "SWITCHBOARD_TLS_KEY": os.path.join(t.certs, "key.pem"),
                               "SWITCHBOARD_TLS_MIN_VERSION": "1.0"})
    assert "tls_min_version" in bad_version, bad_version[-300:]


@case
async def sighup_reloads_the_certificate_under_live_connections(t):
    certs = make_certs()
    with Server(threads=THREADS, tls_dir=certs) as live:
        old_context = client_context(certs)
        async with websockets.connect(live.url("/echo"), ssl=old_context) as kept:
            shutil.copy(os.path.join(certs, "ca.pem"), os.path.join(certs, "old-ca.pem"))
            make_certs(certs)  # a new CA, certificate and key in the same files
            live.proc.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 5
            while True:
                assert time.monotonic() < deadline, "no reload counted"
                try:  # with the new CA, trusted only once the server serves the new certificate
                    if metric(live, "switchboard_tls_reloads_total") == 1:
                        break
                except ssl.SSLCertVerificationError:
                    pass
                await asyncio.sleep(0.05)
            # The open connection carries on; new ones get the new certificate.
            await kept.send("kept")
            assert await asyncio.wait_for(kept.recv(), 5) == "kept"
            assert await echo_roundtrip(live.url("/echo"), client_context(certs)) == "hello"
            try:
                await echo_roundtrip(live.url("/echo"), ssl.create_default_context(cafile=os.path.join(certs, "old-ca.pem")))
                raise AssertionError("a new connection still got the old certificate")
            except ssl.SSLCertVerificationError:
                pass
            # A broken file on disk: the reload fails and the current pair stays.
            with open(os.path.join(certs, "key.pem"), "w") as f:
                f.write("not a key")
            live.proc.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 5
            while metric(live, "switchboard_tls_reload_errors_total") != 1:
                assert time.monotonic() < deadline, "no failed reload counted"
                await asyncio.sleep(0.05)
            assert await echo_roundtrip(live.url("/echo"), client_context(certs)) == "hello"
            await kept.send("still kept")
            assert await asyncio.wait_for(kept.recv(), 5) == "still kept"
    shutil.rmtree(certs)


@case
async def engineio_polling_moves_between_loops_over_tls(t):
    # Polling requests of one session arrive on new connections, often on another loop
    # than the session's: the TLS session travels with the hand-over.
    token = t.server.token("poller")
    context = client_context(t.certs)

    def request(method, query, body=None):
        conn = http.client.HTTPSConnection("127.0.0.1", t.server.port, context=context, timeout=5)
        headers = {"Content-Type": "text/plain;charset=UTF-8"} if body is not None else {}
        conn.request(method, "/socket.io/?EIO=4&transport=polling" + query, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read().decode()
        conn.close()
        return response.status, data

    for _ in range(6):
        status, opened = request("GET", "&sessionId=s-1")
        assert status == 200 and opened.startswith("0"), opened
        sid = json.loads(opened[1:])["sid"]
        status, ok = request("POST", "&sid=" + sid, '40{"token":"%s"}' % token)
        assert status == 200 and ok == "ok", (status, ok)
        status, connected = request("GET", "&sid=" + sid)
        assert status == 200 and connected.startswith("40{"), connected
        assert '"sid"' in connected


async def main(threads):
    global THREADS
    THREADS = threads
    certs = make_certs()
    with Server(threads=threads, tls_dir=certs) as server:
        passed = await run_and_stop("tls cases (threads=%d)" % threads, server, Tls(server, certs))
    shutil.rmtree(certs)
    return passed


if __name__ == "__main__":
    main_with_threads(main)
