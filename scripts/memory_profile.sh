#!/usr/bin/env bash
# Where each byte of an idle authenticated connection goes: 15,000 connections (each its own
# user, two channels each, as in scripts/bench.sh's idle run) against one loop, measured
# twice: once plainly for the RSS growth per connection, once under heaptrack for the
# allocations, which tools/bench/memory_table.py sorts into parts of the server.
# Usage: scripts/memory_profile.sh [connections]   (default 15000); prints a Markdown table.
#        PORT=... serves on another port (default 3000); HEAP_OUT=file keeps heaptrack's
#        recording there (for heaptrack_print or heaptrack_gui); SERVER_BIN=path measures
#        another build of the server (an older commit's, for a before-and-after table).
set -euo pipefail
cd "$(dirname "$0")/.."
CONNECTIONS=${1:-15000}
PORT=${PORT:-3000}
SECRET=bench-secret
ulimit -n 20000
command -v heaptrack >/dev/null || { echo "heaptrack is needed: apt-get install heaptrack" >&2; exit 1; }
cmake --preset release >/dev/null
cmake --build --preset release --target switchboard switchboard-bench >/dev/null
SERVER_BIN=${SERVER_BIN:-./build/switchboard}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

serve() {  # the rest: a command prefix (empty, or heaptrack); sets SERVER to the server's pid
  JWT_SECRET=$SECRET WEBSOCKET_MAX_CONNECTIONS_PER_IP=0 SWITCHBOARD_MAX_ACCEPTS_PER_IP=0 \
    SWITCHBOARD_MAX_MESSAGES_PER_SECOND=0 LOG_LEVEL=warn SWITCHBOARD_DB="$WORK/bench.db" \
    taskset -c 0 "$@" "$SERVER_BIN" serve --threads 1 --port "$PORT" >/dev/null 2>&1 &
  for _ in $(seq 100); do
    SERVER=$(pgrep -f "switchboard serve --threads 1 --port $PORT" -n || true)
    [ -n "$SERVER" ] && (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && return 0
    sleep 0.1
  done
  echo "the server did not start" >&2
  exit 1
}
finish() {  # stops the server and waits for whatever started it (heaptrack writes its file)
  kill "$SERVER"
  wait
}
idle() {
  taskset -c 1 ./build/switchboard-bench --port "$PORT" --mode idle -n "$CONNECTIONS" --server-pid "$SERVER" \
    --concurrency 256 --secret $SECRET
}

serve
RESULT=$(idle)
finish
echo "plain run: $RESULT"
RSS_PER_CONNECTION=$(sed -n 's/.*bytes_per_connection=\([0-9]*\).*/\1/p' <<<"$RESULT")

serve heaptrack -o "$WORK/heap"
idle >/dev/null
finish
if [ -n "${HEAP_OUT:-}" ]; then cp "$WORK"/heap.*zst "$HEAP_OUT"; fi
heaptrack_print -f "$WORK"/heap.*zst -m 0 --print-peaks 1 --print-allocators 0 --print-temporary 0 \
  --print-leaks 0 --peak-limit 400 2>/dev/null | ./tools/bench/memory_table.py "$CONNECTIONS" "$RSS_PER_CONNECTION"
