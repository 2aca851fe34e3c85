#!/usr/bin/python3
"""The cost review's state attack (issue 30, C3), for BENCHMARKS.md: one topics connection
subscribes to N distinct channels of a history rule (`messages.churn<i>`, 1,000 at a time)
and leaves each batch again; the server's RSS before and after tells what stayed behind.
Usage: channel_churn.py PORT TOKEN N"""
import asyncio
import json
import sys

import websockets


async def main(port, token, count):
    ws = await websockets.connect("ws://127.0.0.1:%d/ws" % port, max_size=None)
    await ws.send(json.dumps({"type": "auth", "token": token}))
    await ws.recv()
    for start in range(0, count, 1000):
        names = ["messages.churn%d" % i for i in range(start, min(start + 1000, count))]
        for kind in ("subscribe", "unsubscribe"):
            for name in names:
                await ws.send(json.dumps({"type": kind, "topic": name}))
            for _ in names:
                await ws.recv()
    await ws.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3])))
