#!/usr/bin/python3
"""permessage-deflate (RFC 7692) against the echo endpoint, with the `autobahn` library as
the client (its own deflate) and Python `websockets` (its own deflate):

- the Autobahn-style groups 12 and 13: every combination of the client's offer
  (client_no_context_takeover, client_max_window_bits, server_no_context_takeover,
  server_max_window_bits 9..15), messages of 16 B to 128 KiB, text and binary, echoed intact,
  and compressed by the server whenever they are over the threshold and its window allows;
- bad input: a zip bomb (1009), a corrupt deflate stream (1007), RSV1 where it is not
  allowed (1002), offers with invalid parameters declined (no extension, still connected);
- the server's per-connection contexts, opted in, counted in /metrics.

Usage: /usr/bin/python3 deflate_cases.py [--threads N]
"""
import asyncio
import itertools
import os
import random
import re
import sys
import urllib.request
import zlib

import txaio
txaio.use_asyncio()
from autobahn.asyncio.websocket import WebSocketClientFactory, WebSocketClientProtocol  # noqa: E402
from autobahn.websocket.compress import (PerMessageDeflateOffer, PerMessageDeflateResponse,  # noqa: E402
                                         PerMessageDeflateResponseAccept)
import websockets  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from runner import case, main_with_threads, run_and_stop  # noqa: E402
from server import Server, config_with  # noqa: E402

SIZES = (16, 64, 256, 1024, 4096, 8192, 16384, 32768, 65536, 131072)
THRESHOLD = 256  # the default compression_threshold
THREADS = 1


def compressible(size, seed):
    """Text that compresses like JSON does: words from a small vocabulary."""
    rng = random.Random(seed)
    words = ["user", "channel", "update", "status", "online", "42", "true", "{", "}", ":", ",", "\"id\""]
    out = []
    length = 0
    while length < size:
        w = rng.choice(words)
        out.append(w)
        length += len(w) + 1
    return " ".join(out)[:size]


def raw_deflate(data, window_bits=15):
    """A message as a permessage-deflate sender writes it (trailing 00 00 ff ff removed)."""
    c = zlib.compressobj(6, zlib.DEFLATED, -window_bits)
    out = c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
    assert out.endswith(b"\x00\x00\xff\xff")
    return out[:-4]


class Echo(WebSocketClientProtocol):
    """Sends each message of `messages` and each raw frame, records what comes back and
    whether it came compressed, and closes once `expect` messages arrived (None: waits for
    the server to close)."""
    messages = ()
    raw_frames = ()
    expect = None
    done = None

    def onOpen(self):
        self.got = []
        asyncio.ensure_future(self.run())

    async def run(self):
        for payload, binary in self.messages:
            self.sendMessage(payload, isBinary=binary)
        for opcode, payload, rsv, fin in self.raw_frames:
            self.sendFrame(opcode=opcode, payload=payload, rsv=rsv, fin=fin)
        if self.expect is None:
            return
        while len(self.got) < self.expect:
            await asyncio.sleep(0.01)
        self.sendClose(1000)

    def onMessage(self, payload, is_binary):
        self.got.append((payload, is_binary, bool(getattr(self, "_isMessageCompressed", False))))

    def onClose(self, was_clean, code, reason):
        if not self.done.done():
            self.done.set_result((getattr(self, "got", []), self.remoteCloseCode,
                                  getattr(self, "_perMessageCompress", None), self.http_headers))


async def exchange(port, offers, messages=(), raw_frames=(), path="/echo", expect=None):
    """One connection offering `offers` (autobahn offer objects); returns (echoes, the
    server's close code, the negotiated compression, the response headers). It closes after
    `expect` messages (by default one per message sent, or, with raw frames, waits for
    the server to close)."""
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    factory = WebSocketClientFactory("ws://127.0.0.1:%d%s" % (port, path))
    factory.setProtocolOptions(perMessageCompressionOffers=list(offers),
                               perMessageCompressionAccept=lambda response: PerMessageDeflateResponseAccept(response)
                               if isinstance(response, PerMessageDeflateResponse) else None,
                               maxFramePayloadSize=0, maxMessagePayloadSize=0, failByDrop=False,
                               openHandshakeTimeout=5, closeHandshakeTimeout=3)

    class P(Echo):
        pass
    P.messages = messages
    P.raw_frames = raw_frames
    P.expect = expect if expect is not None or raw_frames else len(messages)
    P.done = done
    factory.protocol = P
    transport, _ = await loop.create_connection(factory, "127.0.0.1", port)
    try:
        return await asyncio.wait_for(done, 30)
    finally:
        transport.close()


def agreed_extensions(port, offer, path="/echo"):
    """The Sec-WebSocket-Extensions a raw upgrade offering `offer` gets back (None: none),
    after checking that the upgrade itself succeeded."""
    import socket
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(("GET %s HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                   "Sec-WebSocket-Extensions: %s\r\n\r\n" % (path, offer)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = s.recv(4096)
            if not chunk:
                break
            head += chunk
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith("HTTP/1.1 101"), lines[0]
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "sec-websocket-extensions":
            return value.strip()
    return None


def metric(port, name):
    text = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5).read().decode()
    found = re.search(r"^%s (\d+)$" % re.escape(name), text, re.M)
    return int(found.group(1)) if found else None


@case
async def groups_12_13_every_offer_and_size(server):
    # Group 12: the default offer, messages of every size; group 13: every combination of
    # the offer's parameters. Each echo must be intact, compressed when it pays.
    combos = itertools.product((False, True), (False, True), (False, True), (0, 9, 10, 12, 15))
    problems = []
    for accept_nct, accept_mwb, request_nct, request_mwb in combos:
        offer = PerMessageDeflateOffer(accept_no_context_takeover=accept_nct, accept_max_window_bits=accept_mwb,
                                       request_no_context_takeover=request_nct, request_max_window_bits=request_mwb)
        messages = []
        for i, size in enumerate(SIZES):
            text = compressible(size, i)
            messages.append((text.encode(), False))
            messages.append((text.encode()[::-1], True))
        got, code, pmce, _ = await exchange(server.port, [offer], messages)
        label = "offer %s" % offer.get_extension_string()
        if pmce is None:
            problems.append("%s: not negotiated" % label)
            continue
        if code != 1000:
            problems.append("%s: closed with %s" % (label, code))
        if [(p, b) for p, b, _ in got] != messages:
            problems.append("%s: echoes differ" % label)
            continue
        for (payload, _, compressed) in got:
            if len(payload) >= 1024 and not compressed:
                problems.append("%s: a %d-byte echo came uncompressed" % (label, len(payload)))
                break
            if len(payload) < THRESHOLD and compressed:
                problems.append("%s: a %d-byte echo came compressed" % (label, len(payload)))
                break
    assert not problems, "; ".join(problems[:5])


@case
async def server_window_of_8_is_honoured_by_sending_plain(server):
    # zlib cannot write an 8-bit raw window: the server agrees and sends uncompressed.
    got, code, pmce, headers = await exchange(
        server.port, [PerMessageDeflateOffer(request_max_window_bits=9)], [(b"a" * 5000, False)])
    assert got[0][2], "a 9-bit window is one zlib writes: expected compression"
    answer = agreed_extensions(server.port, "permessage-deflate; server_max_window_bits=8")
    assert answer and "server_max_window_bits=8" in answer, answer


@case
async def websockets_library_deflate_round_trip(server):
    # Python websockets offers "permessage-deflate; client_max_window_bits" by default.
    async with websockets.connect(server.url("/echo"), max_size=None) as ws:
        agreed = ws.response_headers["Sec-WebSocket-Extensions"]
        assert agreed.startswith("permessage-deflate"), agreed
        for size in SIZES:
            text = compressible(size, size)
            await ws.send(text)
            assert await ws.recv() == text
            data = os.urandom(size)  # incompressible: sent as it is, still intact
            await ws.send(data)
            assert await ws.recv() == data
        # 1 MiB of noise, the most a message may hold: websockets compresses it anyway, to
        # a little more than 1 MiB on the wire, which the limit of the inflated size allows.
        data = os.urandom(1024 * 1024)
        await ws.send(data)
        assert await ws.recv() == data


@case
async def invalid_offers_are_declined(server):
    for bad in ("permessage-deflate; server_max_window_bits=7", "permessage-deflate; server_max_window_bits",
                "permessage-deflate; client_max_window_bits=16", "permessage-deflate; foo=1",
                "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
                "permessage-deflate; client_no_context_takeover=1", "x-webkit-deflate-frame"):
        assert agreed_extensions(server.port, bad) is None, bad
    # A bad offer followed by a good one: the good one is taken.
    answer = agreed_extensions(server.port, "permessage-deflate; foo, permessage-deflate; client_max_window_bits")
    assert answer == "permessage-deflate; server_no_context_takeover; client_no_context_takeover", answer


@case
async def zip_bomb_is_closed_1009(server):
    bomb = raw_deflate(b"\0" * (8 * 1024 * 1024))  # 8 MiB of zeros in about 8 KB
    assert len(bomb) < 20000
    before = metric(server.port, "switchboard_deflate_context_bytes")
    _, code, _, _ = await exchange(server.port, [PerMessageDeflateOffer()], raw_frames=[(2, bomb, 4, True)])
    assert code == 1009, code
    # Fragmented: the compressed fragments are joined, then the inflated size is what counts.
    half = len(bomb) // 2
    _, code, _, _ = await exchange(server.port, [PerMessageDeflateOffer()],
                                   raw_frames=[(1, bomb[:half], 4, False), (0, bomb[half:], 0, True)])
    assert code == 1009, code
    assert metric(server.port, "switchboard_deflate_context_bytes") == before


@case
async def corrupt_stream_is_closed_1007(server):
    _, code, _, _ = await exchange(server.port, [PerMessageDeflateOffer()], raw_frames=[(1, b"\x07\xff\x00", 4, True)])
    assert code == 1007, code
    # Valid deflate of bytes that are not UTF-8, in a text message.
    _, code, _, _ = await exchange(server.port, [PerMessageDeflateOffer()],
                                   raw_frames=[(1, raw_deflate(b"\xff\xfe" * 300), 4, True)])
    assert code == 1007, code


@case
async def rsv1_where_not_allowed_is_closed_1002(server):
    good = raw_deflate(b"hello hello hello")
    # Without the extension negotiated.
    _, code, _, _ = await exchange(server.port, [], raw_frames=[(1, good, 4, True)])
    assert code == 1002, code
    # On a continuation frame, and on a control frame.
    _, code, _, _ = await exchange(server.port, [PerMessageDeflateOffer()],
                                   raw_frames=[(1, good[:4], 4, False), (0, good[4:], 4, True)])
    assert code == 1002, code
    _, code, _, _ = await exchange(server.port, [PerMessageDeflateOffer()], raw_frames=[(9, b"", 4, True)])
    assert code == 1002, code
    # RSV2 and RSV3 mean nothing here.
    _, code, _, _ = await exchange(server.port, [PerMessageDeflateOffer()], raw_frames=[(1, b"hi", 2, True)])
    assert code == 1002, code


@case
async def fragmented_compressed_messages_are_joined(server):
    text = compressible(50000, 7).encode()
    packed = raw_deflate(text)
    pieces = [packed[i:i + 1000] for i in range(0, len(packed), 1000)]
    frames = [(1, pieces[0], 4, False)] + [(0, p, 0, False) for p in pieces[1:-1]] + [(0, pieces[-1], 0, True)]
    got, _, _, _ = await exchange(server.port, [PerMessageDeflateOffer()], raw_frames=frames, expect=1)
    assert got and got[0][0] == text, "echo differs"


@case
async def publications_reach_subscribers_compressed(server):
    import json
    token = server.token("deflater")
    big = compressible(3000, 1)
    messages = [(json.dumps(m).encode(), False) for m in (
        {"type": "auth", "token": token}, {"type": "subscribe", "topic": "deflate.news"},
        {"type": "message", "topic": "deflate.news", "data": {"text": big}})]
    # Two subscribers with the shared frame (the default) and one whose 10-bit window needs
    # its own copy: all three get the publication compressed and intact.
    results = await asyncio.gather(
        exchange(server.port, [PerMessageDeflateOffer()], messages, path="/ws"),
        exchange(server.port, [PerMessageDeflateOffer()], messages, path="/ws"),
        exchange(server.port, [PerMessageDeflateOffer(request_max_window_bits=10)], messages, path="/ws"))
    for got, _, _, _ in results:
        published = [(json.loads(p), compressed) for p, _, compressed in got if b'"type":"message"' in p]
        assert published, [p[:60] for p, _, _ in got]
        assert all(m["data"]["text"] == big and compressed for m, compressed in published), \
            [(m["type"], compressed) for m, compressed in published]
        replies = [compressed for p, _, compressed in got if b"auth_success" in p]
        assert replies == [False], replies  # short replies go as they are


@case
async def contexts_opted_in_are_kept_and_counted(server):
    config = config_with("compression_server_context_takeover = true\ncompression_client_context_takeover = true")
    with Server(threads=THREADS, config=config) as kept:
        offer = PerMessageDeflateOffer(accept_no_context_takeover=False)
        messages = [(compressible(2000, i).encode(), False) for i in range(20)]
        got, code, pmce, headers = await exchange(kept.port, [offer], messages)
        agreed = headers.get("sec-websocket-extensions", "")
        assert "server_no_context_takeover" not in agreed and "client_no_context_takeover" not in agreed, agreed
        assert [(p, b) for p, b, _ in got] == messages
        # While one connection is open with contexts, the gauges show them.
        async with websockets.connect(kept.url("/echo")) as ws:
            await ws.send(compressible(3000, 99))
            await ws.recv()
            assert metric(kept.port, "switchboard_deflate_contexts") == 1
            assert metric(kept.port, "switchboard_deflate_context_bytes") > 32768
        for _ in range(100):
            if metric(kept.port, "switchboard_deflate_contexts") == 0:
                break
            await asyncio.sleep(0.02)
        assert metric(kept.port, "switchboard_deflate_contexts") == 0
        assert metric(kept.port, "switchboard_deflate_context_bytes") == 0


@case
async def compression_switched_off_per_endpoint(server):
    path = config_with(replacements=[('path = "/echo"\ndialect = "echo"',
                                      'path = "/echo"\ndialect = "echo"\ncompression = false')])
    with Server(threads=THREADS, config=path) as plain:
        assert agreed_extensions(plain.port, "permessage-deflate") is None
        assert agreed_extensions(plain.port, "permessage-deflate", "/ws").startswith("permessage-deflate")


async def main(threads):
    global THREADS
    THREADS = threads
    with Server(threads=threads) as server:
        return await run_and_stop("deflate cases (threads=%d)" % threads, server, timeout=120)


if __name__ == "__main__":
    main_with_threads(main)
