#!/usr/bin/env bash
# Before/after on the Socket.IO hot path: the socketio fan-out workload of scripts/bench.sh
# (1,000 Socket.IO clients on the WebSocket transport, 64-byte events, one publisher, 5 s at
# 1,000 and 2,000 publications/s) against two switchboard binaries in turn, pinned as there.
# Usage: scripts/bench_socketio_ab.sh BEFORE_BINARY AFTER_BINARY [ROUNDS]   (default 2)
# Extra environment (e.g. SWITCHBOARD_SOCKETIO_RECOVERY=false) reaches both servers.
set -uo pipefail
cd "$(dirname "$0")/.."
BEFORE=$1
AFTER=$2
ROUNDS=${3:-2}
SECRET=bench-secret
cmake --build --preset release --target switchboard-bench >/dev/null
for _ in $(seq "$ROUNDS"); do
  for rate in 1000 2000; do
    for label in before after; do
      if [ $label = before ]; then bin=$BEFORE; else bin=$AFTER; fi
      JWT_SECRET=$SECRET WEBSOCKET_MAX_CONNECTIONS_PER_IP=0 SWITCHBOARD_MAX_ACCEPTS_PER_IP=0 \
        SWITCHBOARD_MAX_MESSAGES_PER_SECOND=0 LOG_LEVEL=warn SWITCHBOARD_DB=$(mktemp -d)/bench.db \
        SWITCHBOARD_API_KEY=$SECRET taskset -c 0 "$bin" serve --threads 1 --port 3000 2>/dev/null &
      pid=$!
      for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/3000) 2>/dev/null && break; sleep 0.1; done
      echo "$label rate=$rate $(taskset -c 1 ./build/switchboard-bench --port 3000 --path /socket.io/ --publish-path /ws \
        --dialect socketio --secret $SECRET --channel company:bench -n 1000 -p 1 -r $rate -d 5 --payload 64 | tail -2 | tr '\n' ' ')"
      kill $pid; wait $pid 2>/dev/null
    done
  done
done
