#!/usr/bin/python3
"""The cost review's overlapping-pattern load, for scripts/bench_patterns.sh: one topics
connection on the holder's node subscribes to N distinct patterns that all match one
channel, and a publisher on another node publishes to that channel at a steady rate, until
killed. Prints "ready" once every subscription is confirmed.
Usage: pattern_holder.py --token T --hold-port P --publish-port Q [--patterns N] [--rate R]"""
import argparse
import asyncio
import json
import sys

import websockets

POSITIONS = 10
CHANNEL = "messages.hold" + ".a" * POSITIONS


def patterns(count):
    """Distinct patterns over CHANNEL: ten positions, each 'a' or '*' (1,024 of them), so
    that each also has a Redis glob of its own where a node subscribes one per pattern."""
    assert count <= 2 ** POSITIONS
    for i in range(count):
        yield "messages.hold." + ".".join("*" if (i >> k) & 1 else "a" for k in range(POSITIONS))


async def connect(port, token):
    ws = await websockets.connect("ws://127.0.0.1:%d/ws" % port, max_size=None)
    await ws.send(json.dumps({"type": "auth", "token": token}))
    assert json.loads(await ws.recv())["type"] == "auth_success"
    return ws


async def drain(ws):
    async for _ in ws:
        pass


async def main(args):
    holder = await connect(args.hold_port, args.token)
    for p in patterns(args.patterns):
        await holder.send(json.dumps({"type": "subscribe", "topic": p}))
    confirmed = 0
    while confirmed < args.patterns:
        m = json.loads(await holder.recv())
        if m.get("type") == "subscribed":
            confirmed += 1
        elif m.get("type") == "error":
            sys.exit("refused: %s" % m)
    print("ready", flush=True)
    publisher = await connect(args.publish_port, args.token)
    asyncio.ensure_future(drain(holder))
    asyncio.ensure_future(drain(publisher))
    interval = 1.0 / args.rate if args.rate > 0 else None
    n = 0
    while interval:
        await publisher.send(json.dumps({"type": "message", "topic": CHANNEL, "data": {"n": n}}))
        n += 1
        await asyncio.sleep(interval)
    await asyncio.Event().wait()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--token", required=True)
    ap.add_argument("--hold-port", type=int, required=True)
    ap.add_argument("--publish-port", type=int, required=True)
    ap.add_argument("--patterns", type=int, default=1000)
    ap.add_argument("--rate", type=float, default=20)
    try:
        asyncio.run(main(ap.parse_args()))
    except websockets.ConnectionClosed:
        pass  # the nodes stopped at the end of the step
