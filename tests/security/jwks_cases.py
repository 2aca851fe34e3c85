#!/usr/bin/python3
"""JWKS and key rotation with real parts: an identity provider (an HTTP server on a loopback
port serving a JWKS document), tokens signed by PyJWT with RSA and P-256 keys made by
`cryptography`, and Python `websockets` clients of the topics dialect.
Usage: /usr/bin/python3 jwks_cases.py [--threads N]"""
import asyncio
import http.client
import http.server
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import jwt
import websockets
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from runner import case, main_with_threads, run_and_stop  # noqa: E402
from server import Server, config_with  # noqa: E402


# --- the identity provider's side ----------------------------------------------------------

class Key:
    """A signing key of the provider: its kid, its JWK (public half) and tokens it signs."""

    def __init__(self, kid, kind="RSA"):
        self.kid = kid
        if kind == "RSA":
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            self.alg = "RS256"
            self.jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key()))
        else:
            self.private = ec.generate_private_key(ec.SECP256R1())
            self.alg = "ES256"
            self.jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.private.public_key()))
        self.jwk["kid"] = kid

    def token(self, user, kid=None, ttl=300):
        now = int(time.time())
        return jwt.encode({"sub": user, "iat": now, "exp": now + ttl}, self.private, algorithm=self.alg,
                          headers={"kid": self.kid if kid is None else kid})

    def public_pem(self):
        return self.private.public_key().public_bytes(serialization.Encoding.PEM,
                                                      serialization.PublicFormat.SubjectPublicKeyInfo)


def document(*keys):
    return json.dumps({"keys": [k.jwk for k in keys]}).encode()


class Provider:
    """Serves /jwks.json on a free loopback port and counts the fetches."""

    def __init__(self, *keys):
        self.body = document(*keys)
        self.status = 200
        self.fetches = 0
        provider = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                provider.fetches += 1
                self.send_response(provider.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(provider.body)))
                self.end_headers()
                self.wfile.write(provider.body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d/jwks.json" % self.httpd.server_port

    def publish(self, *keys):
        self.body = document(*keys)


def jwks_config(source, refresh=3600, min_refresh=1):
    setting = 'jwks_url = "%s"' % source if source.startswith("http") else 'jwks_file = "%s"' % source
    return config_with(replacements=[('secret = "test-secret"\n',
                                      'secret = ["test-secret-next", "test-secret"]\n%s\n'
                                      'jwks_refresh_seconds = %d\njwks_min_refresh_seconds = %d\n'
                                      % (setting, refresh, min_refresh))])


# --- clients -------------------------------------------------------------------------------

async def auth(server, token):
    """A topics connection that sent token: (socket, the server's answer)."""
    ws = await websockets.connect(server.url())
    await ws.send(json.dumps({"type": "auth", "token": token}))
    return ws, json.loads(await asyncio.wait_for(ws.recv(), 5))


async def accepted(server, token):
    ws, reply = await auth(server, token)
    assert reply["type"] == "auth_success", reply
    return ws


async def refused(server, token):
    ws, reply = await auth(server, token)
    await ws.close()
    assert reply["type"] == "auth_error", reply
    return reply["message"]


async def accepted_within(server, token, seconds):
    """Authenticates with token, retrying as a client with backoff would until the server
    knows its key; returns the socket and how many attempts were refused first."""
    deadline = time.time() + seconds
    refusals = 0
    while True:
        ws, reply = await auth(server, token)
        if reply["type"] == "auth_success":
            return ws, refusals
        await ws.close()
        assert "kid" in reply["message"], reply
        refusals += 1
        assert time.time() < deadline, "key still unknown after %ss: %s; server log: %s" % (
            seconds, reply, [line for line in server.log if "jwks" in line][-5:])
        await asyncio.sleep(0.2)


def metric(server, name):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    conn.close()
    found = re.search(r"^%s (\d+)$" % re.escape(name), text, re.M)
    return int(found.group(1)) if found else None


async def recv_json(ws, timeout=5):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


# --- the cases against the server of main(): JWKS from a URL --------------------------------

RSA1, EC2 = Key("k1"), Key("k2", "EC")
PROVIDER = Provider(RSA1, EC2)


@case
async def rs256_and_es256_tokens_verify_with_the_key_their_kid_names(server):
    for key in (RSA1, EC2):
        ws = await accepted(server, key.token("user-" + key.kid))
        await ws.close()
    # Key k2's token under k1's kid: the kid picks k1, which takes RS256 only.
    assert "algorithm" in await refused(server, EC2.token("mallory", kid="k1"))
    # A token of a key the provider never published, under a known kid.
    assert "signature" in await refused(server, Key("k1").token("mallory"))


@case
async def the_token_never_chooses_the_algorithm(server):
    header = jwt.utils.base64url_encode(json.dumps({"alg": "none", "kid": "k1"}).encode()).decode()
    claims = jwt.utils.base64url_encode(json.dumps({"sub": "mallory", "exp": int(time.time()) + 60}).encode()).decode()
    assert "algorithm" in await refused(server, "%s.%s." % (header, claims))
    # HS256 keyed with the RSA public key's PEM, the classic confusion: k1 takes RS256 only,
    # and the HMAC secrets that may verify HS256 are the configured ones.
    forged = jwt.api_jws.PyJWS()
    forged._algorithms["HS256"].prepare_key = lambda key: key  # PyJWT refuses PEM secrets itself
    token = forged.encode(json.dumps({"sub": "mallory", "exp": int(time.time()) + 60}).encode(), RSA1.public_pem(),
                          algorithm="HS256", headers={"kid": "k1"})
    assert "signature" in await refused(server, token)
    # The same with a kid of no key at all.
    token = forged.encode(b'{"sub":"mallory"}', RSA1.public_pem(), algorithm="HS256", headers={"kid": "zz"})
    assert "kid" in await refused(server, token)


@case
async def hs256_secrets_rotate_beside_the_key_set(server):
    previous = jwt.encode({"sub": "old-timer", "exp": int(time.time()) + 60}, "test-secret", algorithm="HS256")
    ws = await accepted(server, previous)  # the previous secret still verifies
    await ws.close()
    ws = await accepted(server, server.token("newcomer"))  # the first secret signs
    await ws.close()
    signed_by_cli = jwt.decode(server.token("check"), "test-secret-next", algorithms=["HS256"])
    assert signed_by_cli["sub"] == "check"
    stranger = jwt.encode({"sub": "mallory", "exp": int(time.time()) + 60}, "guessed", algorithm="HS256")
    assert "signature" in await refused(server, stranger)


@case
async def rotation_keeps_sessions_and_takes_the_new_key(server):
    """The provider retires k1 for k3: sessions opened with k1 stay and receive; k3's tokens
    are accepted as soon as the unknown kid has made the gateway read the keys again."""
    listener = await accepted(server, RSA1.token("listener"))
    await listener.send(json.dumps({"type": "subscribe", "topic": "rotation.news"}))
    assert (await recv_json(listener))["type"] == "subscribed"
    k3 = Key("k3", "EC")
    PROVIDER.publish(k3, EC2)
    fetches = PROVIDER.fetches
    # Refused until the gateway may fetch again (jwks_min_refresh_seconds 1 after the last).
    newcomer, _ = await accepted_within(server, k3.token("newcomer"), 3)
    assert PROVIDER.fetches - fetches == 1, PROVIDER.fetches - fetches
    # The old session, authenticated with a key that is gone, is still served.
    await newcomer.send(json.dumps({"type": "message", "topic": "rotation.news", "data": "after rotation"}))
    got = await recv_json(listener)
    assert got["type"] == "message" and got["data"] == "after rotation", got
    # New tokens of the retired key are refused.
    assert "kid" in await refused(server, RSA1.token("late"))
    for ws in (listener, newcomer):
        await ws.close()
    PROVIDER.publish(RSA1, EC2)


@case
async def unknown_kids_cannot_make_the_gateway_hammer_the_provider(server):
    await asyncio.sleep(1.1)  # past the last fetch's rate limit
    fetches = PROVIDER.fetches
    unknown_before = metric(server, "switchboard_jwt_unknown_kid_total")
    stranger = Key("nobody")
    for _ in range(40):
        await refused(server, stranger.token("flood", kid=uuid.uuid4().hex))
    await asyncio.sleep(1.5)
    # 40 unknown kids within about a second: at most two fetches (jwks_min_refresh_seconds 1).
    assert 1 <= PROVIDER.fetches - fetches <= 2, PROVIDER.fetches - fetches
    assert metric(server, "switchboard_jwt_unknown_kid_total") - unknown_before == 40


@case
async def a_provider_that_fails_leaves_the_keys_in_place(server):
    errors = metric(server, "switchboard_jwks_refresh_errors_total")
    for status, body in ((500, b"oops"), (200, b"<html>not json</html>"), (200, b'{"no":"keys"}')):
        PROVIDER.status, PROVIDER.body = status, body
        fetches = PROVIDER.fetches
        server.proc.send_signal(signal.SIGHUP)  # read the keys again now
        deadline = time.time() + 5
        while PROVIDER.fetches == fetches:
            assert time.time() < deadline, "SIGHUP did not make the gateway fetch"
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
        ws = await accepted(server, RSA1.token("steady"))  # the keys read before still verify
        await ws.close()
    PROVIDER.status = 200
    PROVIDER.publish(RSA1, EC2)
    assert metric(server, "switchboard_jwks_refresh_errors_total") - errors >= 3
    assert metric(server, "switchboard_jwt_keys") == 4  # two secrets and k1, k2


# --- cases with servers of their own ---------------------------------------------------------

@case
async def a_timer_refresh_brings_new_keys_without_any_refusal(_):
    key = Key("t1")
    provider = Provider(key)
    with Server(config=jwks_config(provider.url, refresh=1, min_refresh=1)) as server:
        ws = await accepted(server, key.token("early"))
        await ws.close()
        later = Key("t2", "EC")
        provider.publish(key, later)
        await asyncio.sleep(2.5)  # two refresh periods
        ws = await accepted(server, later.token("timely"))
        await ws.close()
        assert metric(server, "switchboard_jwt_unknown_kid_total") == 0
        assert server.stop() == 0


@case
async def a_jwks_file_is_read_again_on_sighup(_):
    first, second = Key("f1"), Key("f2", "EC")
    path = os.path.join(tempfile.mkdtemp(prefix="sb-jwks-"), "jwks.json")
    with open(path, "wb") as f:
        f.write(document(first))
    # min_refresh 3600: an unknown kid cannot trigger a read, only SIGHUP can.
    with Server(config=jwks_config(path, refresh=3600, min_refresh=3600)) as server:
        listener = await accepted(server, first.token("kept"))
        with open(path + ".new", "wb") as f:
            f.write(document(second))
        os.replace(path + ".new", path)
        assert "kid" in await refused(server, second.token("early"))
        server.proc.send_signal(signal.SIGHUP)
        ws, _ = await accepted_within(server, second.token("after-hup"), 5)
        await ws.close()
        await listener.send(json.dumps({"type": "ping"}))
        assert (await recv_json(listener))["type"] == "pong"  # the old session is untouched
        await listener.close()
        assert server.stop() == 0


@case
async def start_up_errors_name_the_jwks_source(server):
    path = os.path.join(tempfile.mkdtemp(prefix="sb-jwks-"), "missing.json")
    out = subprocess.run([server.binary, "serve", "--config", jwks_config(path), "--port", "0"],
                         capture_output=True, text=True, timeout=20)
    assert out.returncode != 0 and "missing.json" in out.stderr, (out.returncode, out.stderr)
    with open(path, "w") as f:
        f.write("<html>")
    out = subprocess.run([server.binary, "serve", "--config", jwks_config(path), "--port", "0"],
                         capture_output=True, text=True, timeout=20)
    assert out.returncode != 0 and "not a JWKS document" in out.stderr, (out.returncode, out.stderr)


@case
async def a_provider_down_at_start_does_not_keep_the_gateway_down(_):
    key = Key("late")
    provider = Provider(key)
    provider.status = 503
    with Server(config=jwks_config(provider.url, refresh=3600, min_refresh=1)) as server:
        assert "kid" in await refused(server, key.token("early"))
        provider.status = 200  # the provider recovers: the next retry brings its keys
        ws, _ = await accepted_within(server, key.token("patient"), 5)
        await ws.close()
        assert server.stop() == 0


async def main(threads):
    with Server(threads=threads, config=jwks_config(PROVIDER.url)) as server:
        return await run_and_stop("jwks cases, %d loop(s)" % threads, server)


if __name__ == "__main__":
    main_with_threads(main)
