#!/usr/bin/python3
"""Turns heaptrack's peak allocations of an idle-connections run into bytes per connection
by part of the server (socket object, WebSocket state, session, identity, subscriptions,
registry, presence...). Reads `heaptrack_print -m 0 --print-peaks 1` output on stdin.

Usage: heaptrack_print ... | memory_table.py CONNECTIONS RSS_BYTES_PER_CONNECTION

Each backtrace is put in the first part whose marker appears in it (markers are matched
top-down, innermost frame first), so an allocation is counted once. What heaptrack counts
is the bytes asked of malloc; the row "allocator" is the rest of the RSS growth: chunk
headers and rounding (glibc: 8 bytes a chunk, 32 at least, 16-byte steps) and free space
between chunks.
"""
import re
import sys

# (part, regular expression matched against one frame's function name). The first frame
# that matches any marker decides, so inner (more specific) markers win over outer ones.
PARTS = [
    ("presence", r"Presence|presence"),
    ("room counts (occupancy)", r"ChannelOccupancy"),
    ("registry", r"ConnectionRegistry"),
    ("subscriptions (hub trie, personal channels, the subscriber's list)", r"PatternTrie|HubShard::subscribe|PersonalChannels|HubShard::add_personal"),
    ("identity (verified token claims)", r"JwtCodec::verify|Identity|handle_auth|set_identity"),
    ("send buffers left after writes", r"TcpConnection::send|TcpConnection::force_send"),
    ("session (dialect session and its core)", r"create_session|SessionCore|TopicsSession|next_connection_id"),
    ("WebSocket state", r"WebSocketConnection|complete_upgrade"),
    ("socket object (TCP connection, HTTP session)", r"Worker::accept|TcpListener|HttpSession"),
]

UNIT = {"B": 1, "K": 1e3, "M": 1e6, "G": 1e9}


def parse(text):
    """Yields (bytes, calls, [frames]) per backtrace."""
    head = re.compile(r"^([0-9.]+)([BKMG]) peak memory consumed over (\d+) calls from")
    current = None
    for line in text.splitlines():
        m = head.match(line)
        if m:
            if current:
                yield current
            current = (float(m.group(1)) * UNIT[m.group(2)], int(m.group(3)), [])
        elif current and line.startswith("  ") and not line.startswith("    "):
            current[2].append(line.strip())
    if current:
        yield current


def main():
    connections = int(sys.argv[1])
    rss_per_connection = float(sys.argv[2])
    totals = {name: [0.0, 0] for name, _ in PARTS}
    other = [0.0, 0]
    for size, calls, frames in parse(sys.stdin.read()):
        # Allocations made fewer times than there are connections (a loop's arrays, the
        # configuration) are not per connection; what is shared between connections (a
        # channel's subscriber list) is spread over them.
        part = None
        for frame in frames:
            # The function's name only: parameter lists name types (an IdentityPtr passed
            # along) that say nothing about who allocated.
            function = frame.split("(", 1)[0]
            for name, marker in PARTS:
                if re.search(marker, function):
                    part = name
                    break
            if part:
                break
        bucket = totals[part] if part else other
        if calls < connections / 10 and not part:
            continue
        bucket[0] += size
        bucket[1] += calls
    print("| part | allocations per connection | bytes per connection |")
    print("|---|---:|---:|")
    counted = 0.0
    for name, _ in PARTS:
        size, calls = totals[name]
        if size == 0:
            continue
        counted += size / connections
        print(f"| {name} | {calls / connections:.1f} | {size / connections:.0f} |")
    if other[0]:
        counted += other[0] / connections
        print(f"| other | {other[1] / connections:.1f} | {other[0] / connections:.0f} |")
    print(f"| allocator (chunk headers, rounding, free space) | | {rss_per_connection - counted:.0f} |")
    print(f"| **RSS growth** | | **{rss_per_connection:.0f}** |")


if __name__ == "__main__":
    main()
