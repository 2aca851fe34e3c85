#!/usr/bin/env bash
# Runs the BENCHMARKS.md workloads against Switchboard and the Node `ws` peer in one run:
# each server pinned to CPU 0, the load generator to CPU 1.
#   fanout   1,000 subscribers on one channel, 64-byte payloads, one publisher, offered
#            rates stepped up; reports deliveries/s, loss and latency per step
#   idle     15,000 authenticated connections (15,000 users), two channels each: RSS
#            growth per connection
#   connect  WebSocket handshakes with JWT auth per second (256 in flight)
#   cursors  200 users join one document (presence), move cursors at 30 Hz each (relayed to
#            the 199 others at most 20 times per second per user), then leave one by one
#   socketio the fanout and idle workloads with Socket.IO clients (WebSocket transport, each
#            its own user in company "bench" with one artifact) against Switchboard's socketio
#            endpoint and the Node `socket.io` peer; a topics publisher on /ws publishes to the
#            company's channel
#   events   seed 003 with 1,000 participants in one meeting: the join storm, chat fan-out
#            at fixed rates, and a vote by all 1,000 within 10 s (tally updates coalesced),
#            against Switchboard's events endpoint (8081) and the Node `ws` events peer
#            (tools/bench/peer/events_load.js drives both)
# Usage: scripts/bench.sh [seconds-per-fanout-step]   (default 5)
#        SECTIONS="topics socketio events" (default all three) picks what runs.
set -euo pipefail
cd "$(dirname "$0")/.."
STEP_SECONDS=${1:-5}
RATES=${RATES:-"100 250 500 1000 1500 2000"}
SECTIONS=${SECTIONS:-"topics socketio events"}
SECRET=bench-secret
ulimit -n 20000

./scripts/install-deps.sh >/dev/null
cmake --preset release >/dev/null
cmake --build --preset release --target switchboard switchboard-bench >/dev/null
(cd tools/bench/peer && [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error)

TOKEN=$(JWT_SECRET=$SECRET ./build/switchboard token --user bench --ttl 86400)
BENCH="taskset -c 1 ./build/switchboard-bench --token $TOKEN"

start_server() {  # $1 = switchboard | ws | ws-envelope | socket.io ; sets PID and PORT
  case $1 in
    switchboard)
      PORT=3000
      # Limits a benchmark would trip by design (one publisher sends up to 2,000/s, every
      # connection comes from 127.0.0.1) are off, as they are for the peer.
      JWT_SECRET=$SECRET WEBSOCKET_MAX_CONNECTIONS_PER_IP=0 SWITCHBOARD_MAX_ACCEPTS_PER_IP=0 \
        SWITCHBOARD_MAX_MESSAGES_PER_SECOND=0 LOG_LEVEL=warn SWITCHBOARD_DB=$(mktemp -d)/bench.db \
        SWITCHBOARD_API_KEY=$SECRET \
        taskset -c 0 ./build/switchboard serve --threads 1 --port $PORT 2>/dev/null &
      ;;
    ws)
      PORT=3100
      PORT=$PORT JWT_SECRET=$SECRET taskset -c 0 node tools/bench/peer/ws_server.js 2>/dev/null &
      ;;
    ws-envelope)
      PORT=3101
      PORT=$PORT JWT_SECRET=$SECRET taskset -c 0 node tools/bench/peer/envelope_peer.js 2>/dev/null &
      ;;
    ws-events)
      PORT=3103
      PORT=$PORT JWT_SECRET=$SECRET API_KEY=$SECRET taskset -c 0 node tools/bench/peer/events_peer.js 2>/dev/null &
      ;;
    socket.io)
      PORT=3102
      PORT=$PORT JWT_SECRET=$SECRET taskset -c 0 node tools/bench/peer/socketio_peer.js 2>/dev/null &
      ;;
  esac
  PID=$!
  for _ in $(seq 50); do
    (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && return 0
    sleep 0.1
  done
  echo "server $1 did not start" >&2
  return 1
}

stop_server() {
  kill "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
for server in switchboard ws; do
  [[ " $SECTIONS " == *" topics "* ]] || break
  echo
  echo "## $server"
  for rate in $RATES; do
    start_server $server
    echo "fanout rate=$rate/s: $($BENCH --port $PORT -n 1000 -p 1 -r $rate -d "$STEP_SECONDS" --payload 64 | tail -2 | tr '\n' ' ')"
    stop_server
  done
  start_server $server
  # Every idle connection is a different user with its own token, as in production.
  echo "idle: $($BENCH --port $PORT --mode idle -n 15000 --server-pid $PID --concurrency 256 --secret $SECRET)"
  stop_server
  start_server $server
  echo "connect: $($BENCH --port $PORT --mode connect -d 5 --concurrency 256)"
  stop_server
  # Presence and cursors: Switchboard's envelope endpoint (8080) against the envelope peer.
  if [ $server = switchboard ]; then start_server switchboard; CURSOR_PORT=8080; else start_server ws-envelope; CURSOR_PORT=$PORT; fi
  echo "cursors: $($BENCH --port $CURSOR_PORT --path /ws --mode cursors -n 200 --hz 30 -d "$STEP_SECONDS" --secret $SECRET)"
  stop_server
done

SOCKETIO="--path /socket.io/ --publish-path /ws --dialect socketio --secret $SECRET"
for server in switchboard socket.io; do
  [[ " $SECTIONS " == *" socketio "* ]] || break
  echo
  echo "## socketio: $server"
  for rate in $RATES; do
    start_server $server
    echo "fanout rate=$rate/s: $($BENCH --port $PORT $SOCKETIO --channel company:bench -n 1000 -p 1 -r $rate \
      -d "$STEP_SECONDS" --payload 64 | tail -2 | tr '\n' ' ')"
    stop_server
  done
  start_server $server
  echo "idle: $($BENCH --port $PORT $SOCKETIO --mode idle -n 15000 --server-pid $PID --concurrency 256)"
  stop_server
done

# The events dialect: Switchboard's endpoint on 8081 (API on the main port) against the peer.
for server in switchboard ws-events; do
  [[ " $SECTIONS " == *" events "* ]] || break
  echo
  echo "## events: $server"
  start_server $server
  if [ $server = switchboard ]; then EVENTS_URL=ws://127.0.0.1:8081/ws; else EVENTS_URL=ws://127.0.0.1:$PORT/ws; fi
  taskset -c 1 node tools/bench/peer/events_load.js --url $EVENTS_URL --api http://127.0.0.1:$PORT \
    --secret $SECRET --api-key $SECRET --pid $PID --participants 1000
  stop_server
done
