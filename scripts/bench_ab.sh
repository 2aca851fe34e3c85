#!/usr/bin/env bash
# Before/after on the hot path: the fan-out workload (1,000 subscribers, one publisher,
# 64-byte payloads, 5 s at $RATE publications/s, default 2,000) against two switchboard
# binaries in turn, alternating, same pinning as scripts/bench.sh (server on CPU 0, load
# generator on CPU 1).
# Usage: scripts/bench_ab.sh BEFORE_BINARY AFTER_BINARY [ROUNDS]   (default 4 rounds)
# Build the "before" binary from an older commit in a worktree, for example:
#   git worktree add /tmp/before <commit> && cmake -S /tmp/before -B /tmp/before/build -G Ninja \
#     -DCMAKE_BUILD_TYPE=Release && cmake --build /tmp/before/build --target switchboard
set -euo pipefail
cd "$(dirname "$0")/.."
BEFORE=$1
AFTER=$2
ROUNDS=${3:-4}
SECRET=bench-secret
cmake --build --preset release --target switchboard-bench >/dev/null
TOKEN=$(JWT_SECRET=$SECRET ./build/switchboard token --user bench --ttl 86400)
for _ in $(seq "$ROUNDS"); do
  for label in before after; do
    if [ $label = before ]; then bin=$BEFORE; else bin=$AFTER; fi
    JWT_SECRET=$SECRET WEBSOCKET_MAX_CONNECTIONS_PER_IP=0 SWITCHBOARD_MAX_ACCEPTS_PER_IP=0 \
      SWITCHBOARD_MAX_MESSAGES_PER_SECOND=0 LOG_LEVEL=warn SWITCHBOARD_DB=$(mktemp -d)/bench.db \
      taskset -c 0 "$bin" serve --threads 1 --port 3000 2>/dev/null &
    pid=$!
    for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/3000) 2>/dev/null && break; sleep 0.1; done
    echo "$label $(taskset -c 1 ./build/switchboard-bench --token "$TOKEN" --port 3000 -n 1000 -p 1 \
      -r "${RATE:-2000}" -d 5 --payload 64 | tail -1)"
    kill $pid
    wait $pid 2>/dev/null || true
  done
done
