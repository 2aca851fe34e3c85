#!/usr/bin/env bash
# Reconnect storm: CONNECTIONS clients (default 15,000, each its own user and HS256 token,
# two channels each) on one Switchboard loop. Once all are subscribed the server is
# restarted (SIGTERM, then started again at once on the same database). Every client comes
# back at a random moment within SPREAD seconds (default 1) of losing its connection,
# tries again 50 to 150 ms after a refused attempt, authenticates and subscribes its two
# channels again. Prints the load generator's line: recovery_ms is the time from the last
# client losing the server to the last one subscribed again.
# Usage: scripts/reconnect_storm.sh [connections]    PORT=... SPREAD=... change the run;
#        URL_TOKEN=1 sends each token in the upgrade's URL instead of an auth message.
set -euo pipefail
cd "$(dirname "$0")/.."
CONNECTIONS=${1:-15000}
PORT=${PORT:-3000}
SPREAD=${SPREAD:-1}
SECRET=bench-secret
ulimit -n 20000
cmake --preset release >/dev/null
cmake --build --preset release --target switchboard switchboard-bench >/dev/null
WORK=$(mktemp -d)
SERVER=
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT

serve() {  # starts the server and waits until it accepts; sets SERVER
  JWT_SECRET=$SECRET WEBSOCKET_MAX_CONNECTIONS_PER_IP=0 SWITCHBOARD_MAX_ACCEPTS_PER_IP=0 \
    SWITCHBOARD_MAX_MESSAGES_PER_SECOND=0 LOG_LEVEL=warn SWITCHBOARD_DB="$WORK/storm.db" \
    taskset -c 0 ./build/switchboard serve --threads 1 --port "$PORT" >/dev/null 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && return 0; sleep 0.02; done
  echo "the server did not start" >&2
  exit 1
}

serve
taskset -c 1 ./build/switchboard-bench --port "$PORT" --mode storm -n "$CONNECTIONS" --secret $SECRET \
  --concurrency 256 --spread "$SPREAD" -d 30 ${URL_TOKEN:+--url-token} >"$WORK/bench.out" &
BENCH=$!
until grep -q "^storm: ready" "$WORK/bench.out"; do
  kill -0 $BENCH 2>/dev/null || { cat "$WORK/bench.out"; echo "the load generator stopped early" >&2; exit 1; }
  sleep 0.1
done
kill -TERM $SERVER
wait $SERVER || true
serve
wait $BENCH
grep -v "^storm: ready" "$WORK/bench.out"
