#!/usr/bin/python3
"""RFC 6455 conformance: the Autobahn case groups 1-7 and 9, driven with the autobahn
library as a raw frame client (sendFrame lets it send invalid frames on purpose) against
the server's echo endpoint. Each case lists the frames to send and what must come back:
echoed messages, pongs, and the close code the server must send.

Usage: /usr/bin/python3 autobahn_cases.py [--threads N] [--tls]
(--tls: every case over wss://, with certificates from scripts/make-cert.sh)
"""
import argparse
import asyncio
import os
import sys

import txaio
txaio.use_asyncio()
from autobahn.asyncio.websocket import WebSocketClientFactory, WebSocketClientProtocol  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from server import Server  # noqa: E402
from certs import client_context, make_certs  # noqa: E402

TEXT, BINARY, CLOSE, PING, PONG, CONT = 1, 2, 8, 9, 10, 0
MAX = 1024 * 1024  # the server's default max_message_size


def close_payload(code, reason=b""):
    return code.to_bytes(2, "big") + reason


class Case:
    def __init__(self, name, steps, expect=(), close=None, clean_close_by_client=False):
        self.name = name
        self.steps = steps          # list of ("frame", opcode, payload, fin, rsv, chopsize) / ("sleep", s) / ("close", code, reason)
        self.expect = list(expect)  # list of (kind, payload): ("text", s) / ("binary", b) / ("pong", b)
        self.close = close          # close code the server must send (None: we close with 1000 and expect 1000 back)
        self.clean_close_by_client = clean_close_by_client


def frame(op, payload=b"", fin=True, rsv=0, chop=None):
    if isinstance(payload, str):
        payload = payload.encode()
    return ("frame", op, payload, fin, rsv, chop)


def sleep(s=0.05):
    return ("sleep", s)


class Probe(WebSocketClientProtocol):
    case = None
    done = None

    def onOpen(self):
        self.got = []
        asyncio.ensure_future(self.run())

    async def run(self):
        for step in self.case.steps:
            if step[0] == "sleep":
                await asyncio.sleep(step[1])
            elif step[0] == "frame":
                _, op, payload, fin, rsv, chop = step
                if self.state != self.STATE_OPEN and op != CLOSE:
                    return
                self.sendFrame(opcode=op, payload=payload, fin=fin, rsv=rsv, chopsize=chop, sync=chop is not None)
        # Give the server time to answer, then close if the server did not.
        await asyncio.sleep(0.3)
        if self.state == self.STATE_OPEN:
            self.sendClose(1000)

    def onMessage(self, payload, is_binary):
        self.got.append(("binary", payload) if is_binary else ("text", payload.decode("utf-8")))

    def onPong(self, payload):
        self.got.append(("pong", payload))

    def onClose(self, was_clean, code, reason):
        if not self.done.done():
            self.done.set_result((self.got if hasattr(self, "got") else [], self.remoteCloseCode, was_clean))


async def run_case(port, case, tls=None):
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    factory = WebSocketClientFactory("%s://127.0.0.1:%d/echo" % ("wss" if tls else "ws", port))
    # Let the client send what we tell it, and accept oversize/odd input from the server.
    factory.setProtocolOptions(failByDrop=False, openHandshakeTimeout=5, closeHandshakeTimeout=2,
                               maxFramePayloadSize=0, maxMessagePayloadSize=0, utf8validateIncoming=True,
                               applyMask=True, autoFragmentSize=0)

    class P(Probe):
        pass
    P.case = case
    P.done = done
    factory.protocol = P
    transport, _ = await loop.create_connection(factory, "127.0.0.1", port, ssl=tls)
    try:
        got, remote_code, clean = await asyncio.wait_for(done, 20)
    finally:
        transport.close()
    problems = []
    if got != case.expect:
        shown = [(k, v if len(v) < 80 else "<%d bytes>" % len(v)) for k, v in got]
        problems.append("received %r" % shown[:6])
    want_close = case.close if case.close is not None else 1000
    if remote_code != want_close:
        problems.append("server close code %r, expected %r" % (remote_code, want_close))
    return problems


def cases():
    c = []
    # 1. Framing: text and binary of every length encoding, and chopped delivery.
    for n in (0, 125, 126, 127, 128, 65535, 65536):
        c.append(Case("1.1 text %d" % n, [frame(TEXT, "*" * n)], [("text", "*" * n)]))
        c.append(Case("1.2 binary %d" % n, [frame(BINARY, b"\xfe" * n)], [("binary", b"\xfe" * n)]))
    c.append(Case("1.1.8 text 65536 chopped by 997", [frame(TEXT, "*" * 65536, chop=997)], [("text", "*" * 65536)]))
    c.append(Case("1.2.8 binary 65536 chopped by 997", [frame(BINARY, b"\xfe" * 65536, chop=997)], [("binary", b"\xfe" * 65536)]))
    # 2. Pings and pongs.
    c.append(Case("2.1 ping empty", [frame(PING)], [("pong", b"")]))
    c.append(Case("2.2 ping text payload", [frame(PING, "Hello, world!")], [("pong", b"Hello, world!")]))
    c.append(Case("2.3 ping binary payload", [frame(PING, b"\x00\xff\xfe\xfd\xfc\xfb\x00\xff")], [("pong", b"\x00\xff\xfe\xfd\xfc\xfb\x00\xff")]))
    c.append(Case("2.4 ping 125 bytes", [frame(PING, b"\xfe" * 125)], [("pong", b"\xfe" * 125)]))
    c.append(Case("2.5 ping 126 bytes", [frame(PING, b"\xfe" * 126)], [], close=1002))
    c.append(Case("2.6 ping 125 chopped", [frame(PING, b"\xfe" * 125, chop=1)], [("pong", b"\xfe" * 125)]))
    c.append(Case("2.7 unsolicited pong", [frame(PONG)], []))
    c.append(Case("2.8 unsolicited pong with payload", [frame(PONG, "unsolicited")], []))
    c.append(Case("2.9 pong then ping", [frame(PONG, "x"), frame(PING, "ping")], [("pong", b"ping")]))
    c.append(Case("2.10 ten pings", [frame(PING, "p%d" % i) for i in range(10)], [("pong", b"p%d" % i) for i in range(10)]))
    c.append(Case("2.11 ten pings chopped", [frame(PING, "p%d" % i, chop=1) for i in range(10)], [("pong", b"p%d" % i) for i in range(10)]))
    # 3. Reserved bits.
    for rsv in range(1, 8):
        c.append(Case("3.%d rsv=%d on text" % (rsv, rsv), [frame(TEXT, "Hello", rsv=rsv)], [], close=1002))
    c.append(Case("3.2 echo before rsv frame", [frame(TEXT, "Hello"), frame(TEXT, "x", rsv=2), frame(PING)],
                  [("text", "Hello")], close=1002))
    c.append(Case("3.6 rsv on ping", [frame(PING, "x", rsv=6)], [], close=1002))
    c.append(Case("3.7 rsv on close", [frame(CLOSE, close_payload(1000), rsv=7)], [], close=1002))
    # 4. Reserved opcodes.
    for op in (3, 4, 5, 6, 7, 11, 12, 13, 14, 15):
        c.append(Case("4 opcode %d" % op, [frame(op, "reserved")], [], close=1002))
    c.append(Case("4.1.3 echo before reserved opcode", [frame(TEXT, "Hello"), frame(5), frame(PING)],
                  [("text", "Hello")], close=1002))
    # 5. Fragmentation.
    c.append(Case("5.1 fragmented ping", [frame(PING, "frag1", fin=False), frame(CONT, "frag2")], [], close=1002))
    c.append(Case("5.2 fragmented pong", [frame(PONG, "frag1", fin=False), frame(CONT, "frag2")], [], close=1002))
    c.append(Case("5.3 text in two fragments", [frame(TEXT, "frag1", fin=False), frame(CONT, "frag2")], [("text", "frag1frag2")]))
    c.append(Case("5.6 ping between fragments", [frame(TEXT, "frag1", fin=False), frame(PING, "ping"), frame(CONT, "frag2")],
                  [("pong", b"ping"), ("text", "frag1frag2")]))
    c.append(Case("5.8 ping between chopped fragments",
                  [frame(TEXT, "fragment1", fin=False, chop=1), frame(PING, "ping", chop=1), frame(CONT, "fragment2", chop=1)],
                  [("pong", b"ping"), ("text", "fragment1fragment2")]))
    c.append(Case("5.9 continuation without message", [frame(CONT, "non-continuation payload"), frame(TEXT, "Hello")], [], close=1002))
    c.append(Case("5.13 fin continuation first", [frame(CONT, "x", fin=False), frame(TEXT, "Hello")], [], close=1002))
    c.append(Case("5.15 new message inside fragments",
                  [frame(TEXT, "a", fin=False), frame(CONT, "b"), frame(CONT, "c", fin=False), frame(TEXT, "d")],
                  [("text", "ab")], close=1002))
    c.append(Case("5.17 empty fragments", [frame(TEXT, "", fin=False), frame(CONT, "", fin=False), frame(CONT, "")], [("text", "")]))
    c.append(Case("5.19 pings between many fragments",
                  [frame(TEXT, "f1", fin=False), frame(CONT, "f2", fin=False), frame(PING, "p1"), sleep(),
                   frame(CONT, "f3", fin=False), frame(CONT, "f4", fin=False), frame(PING, "p2"), frame(CONT, "f5")],
                  [("pong", b"p1"), ("pong", b"p2"), ("text", "f1f2f3f4f5")]))
    c.append(Case("5.x binary fragments", [frame(BINARY, b"\x00", fin=False), frame(CONT, b"\xff")], [("binary", b"\x00\xff")]))
    # 6. UTF-8.
    valid = ["", "Hello-µ@ßöäüàá-UTF-8!!", "κόσμε", "\U0010ffff", "\ufffd\uffff", "a" * 1000 + "€"]
    for i, s in enumerate(valid):
        c.append(Case("6 valid utf8 #%d" % i, [frame(TEXT, s)], [("text", s)]))
        b = s.encode()
        if len(b) > 1:
            steps = [frame(TEXT, b[:1], fin=False)] + [frame(CONT, b[k:k + 1], fin=k == len(b) - 1) for k in range(1, len(b))]
            c.append(Case("6 valid utf8 #%d byte-per-fragment" % i, steps, [("text", s)]))
    invalid = [b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited", b"\xc0\xaf", b"\xe0\x80\xaf",
               b"\xf8\x88\x80\x80\xaf", b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xf4\x90\x80\x80", b"\xfe", b"\xff",
               b"\x80", b"\xc2", b"\xe0\xa0", b"\xf0\x90\x80", b"\xce\xba\xe1\xbd"]
    for i, b in enumerate(invalid):
        c.append(Case("6 invalid utf8 #%d" % i, [frame(TEXT, b)], [], close=1007))
    c.append(Case("6.4.1 invalid in second of three fragments",
                  [frame(TEXT, "\u03ba\u1f79\u03c3\u03bc\u03b5", fin=False), sleep(0.1),
                   frame(CONT, b"\xf4\x90\x80\x80", fin=False), sleep(0.1), frame(CONT, "edited")], [], close=1007))
    c.append(Case("6.x invalid utf8 split across fragments", [frame(TEXT, b"\xed", fin=False), frame(CONT, b"\xa0\x80")],
                  [], close=1007))
    # 7. Close handling.
    c.append(Case("7.1.1 echo then close", [frame(TEXT, "Hello World!"), frame(CLOSE, close_payload(1000))],
                  [("text", "Hello World!")]))
    c.append(Case("7.1.2 close twice", [frame(CLOSE, close_payload(1000)), frame(CLOSE, close_payload(1000))], []))
    c.append(Case("7.1.3 ping after close", [frame(CLOSE, close_payload(1000)), frame(PING, "x")], []))
    c.append(Case("7.1.4 text after close", [frame(CLOSE, close_payload(1000)), frame(TEXT, "x")], []))
    c.append(Case("7.1.5 fragment, close, rest", [frame(TEXT, "frag1", fin=False), frame(CLOSE, close_payload(1000)),
                                                  frame(CONT, "frag2")], []))
    c.append(Case("7.3.1 close without payload", [frame(CLOSE)], []))
    c.append(Case("7.3.2 close of one byte", [frame(CLOSE, b"\x03")], [], close=1002))
    c.append(Case("7.3.3 close 1000 no reason", [frame(CLOSE, close_payload(1000))], []))
    c.append(Case("7.3.4 close with reason", [frame(CLOSE, close_payload(1000, b"Hello World!"))], []))
    c.append(Case("7.3.5 close with 123-byte reason", [frame(CLOSE, close_payload(1000, b"*" * 123))], []))
    c.append(Case("7.3.6 close payload 126 bytes", [frame(CLOSE, close_payload(1000, b"*" * 124))], [], close=1002))
    c.append(Case("7.5.1 close reason invalid utf8", [frame(CLOSE, close_payload(1000, b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited"))],
                  [], close=1007))
    for code in (1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999):
        c.append(Case("7.7 valid close code %d" % code, [frame(CLOSE, close_payload(code))], [], close=code))
    for code in (0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999, 5000, 65535):
        c.append(Case("7.9 invalid close code %d" % code, [frame(CLOSE, close_payload(code))], [], close=1002))
    # 9. Limits and large messages (max_message_size is 1 MiB).
    for n in (64 * 1024, 256 * 1024, MAX):
        c.append(Case("9.1 text %d" % n, [frame(TEXT, "*" * n)], [("text", "*" * n)]))
        c.append(Case("9.2 binary %d" % n, [frame(BINARY, b"\xfe" * n)], [("binary", b"\xfe" * n)]))
    c.append(Case("9.1.x text over the limit", [frame(TEXT, "*" * (MAX + 1))], [], close=1009))
    c.append(Case("9.2.x binary 4 MiB", [frame(BINARY, b"\xfe" * (4 * MAX))], [], close=1009))
    c.append(Case("9.x fragments adding up over the limit",
                  [frame(TEXT, "*" * (MAX // 2), fin=False), frame(CONT, "*" * (MAX // 2), fin=False), frame(CONT, "*")],
                  [], close=1009))
    for size in (64, 256, 4096, 65536):
        total = 256 * 1024
        steps = [frame(BINARY, b"\x01" * size, fin=False)]
        steps += [frame(CONT, b"\x01" * size, fin=False) for _ in range(total // size - 2)]
        steps.append(frame(CONT, b"\x01" * size))
        c.append(Case("9.4 256 KiB in fragments of %d" % size, steps, [("binary", b"\x01" * total)]))
    c.append(Case("9.7 1000 text messages", [frame(TEXT, "m%d" % i) for i in range(1000)], [("text", "m%d" % i) for i in range(1000)]))
    return c


def uring_counters_problems(port):
    import urllib.request
    values = {}
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as r:
        for line in r.read().decode().splitlines():
            if line.startswith("switchboard_uring_"):
                name, value = line.split()
                values[name] = float(value)
    sends = values.get("switchboard_uring_sends_total", 0)
    submissions = values.get("switchboard_uring_submissions_total", 0)
    if sends < 137 or submissions < 1 or sends < submissions:
        return "sends %s, submissions %s" % (sends, submissions)
    return None


async def main(threads, tls):
    passed = failed = 0
    certs = make_certs() if tls else None
    with Server(threads=threads, tls_dir=certs) as server:
        context = client_context(certs) if tls else None
        for case in cases():
            try:
                problems = await run_case(server.port, case, context)
            except Exception as e:  # a hung or refused case is a failure, not a crash of the run
                problems = ["%s: %s" % (type(e).__name__, e)]
            if problems:
                failed += 1
                print("FAIL %s: %s" % (case.name, "; ".join(problems)))
            else:
                passed += 1
        if server.write_path == "io_uring" and not tls:
            # The cases' answers went out in io_uring submissions, counted in /metrics.
            problems = uring_counters_problems(server.port)
            if problems:
                failed += 1
                print("FAIL io_uring counters: %s" % problems)
            else:
                passed += 1
        code = server.stop()
        if code != 0:
            failed += 1
            print("FAIL server exit code %s after SIGTERM" % code)
    print("autobahn cases (threads=%d%s): %d passed, %d failed" % (threads, ", tls" if tls else "", passed, failed))
    return failed == 0


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--tls", action="store_true")
    args = ap.parse_args()
    sys.exit(0 if asyncio.run(main(args.threads, args.tls)) else 1)
