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
#   dialects the fanout workload at 1,000 and 2,000 publications/s with the subscribers
#            speaking each dialect in turn (topics, rooms, envelope, events, Socket.IO), the
#            publisher topics, with the server's CPU per step
#   writes   the fanout workload on both write paths (send and io_uring) and the uWS peer,
#            with 1,000 and 10,000 subscribers at 1 M and 2 M deliveries/s
#   scaling  the fanout workload at 2,000 to 4,000 publications/s against one loop and two,
#            server and load generator both unpinned on the two cores (no second machine)
#   events   seed 003 with 1,000 participants in one meeting: the join storm, chat fan-out
#            at fixed rates, and a vote by all 1,000 within 10 s (tally updates coalesced),
#            against Switchboard's events endpoint (8081) and the Node `ws` events peer
#            (tools/bench/peer/events_load.js drives both)
#   secure   TLS and permessage-deflate against the Node `ws` peer configured the same way
#            (https server, perMessageDeflate without context takeover, threshold 256), with
#            tools/bench/peer/secure_load.js (Node's TLS and ws's deflate) as the client: TLS
#            handshakes per second, fan-out of 1 KB JSON at a fixed rate in plain text, over
#            TLS and over TLS with compression (server CPU per 100,000 deliveries, against the
#            subscriber count), and RSS per idle TLS connection; then TLS handshakes again
#            with the C++ client (switchboard-bench --tls, 64 in flight, full handshakes, no
#            resumption), which outruns both servers' handshake rate, with the server's CPU
#   cluster  the fanout workload over Redis: one publisher on node A, the 1,000 subscribers
#            on node B (every delivery crosses Redis), beside a single node at the same rates.
#            Node B (the fan-out) and the single node run alone on CPU 0; node A, Redis and the
#            load generator share CPU 1. Reports Redis's CPU seconds and the bytes it sent and
#            received per step (proportional to publications, not to subscribers). Then three
#            nodes: the publisher on A, the subscribers spread over A, B and C (B and C on
#            CPU 0, A with Redis and the load generator on CPU 1)
# The topics workloads also run against the uWebSockets peer (tools/bench/peer/uws/, our own
# small server on uWebSockets) when UWS_DIR and USOCKETS_DIR point at uWebSockets and
# uSockets sources (fetched snapshots: nothing of theirs is in this repository); without
# them the peer is skipped with a line saying so. Fan-out steps print the server's CPU
# seconds (user and system) over the step; `connect` runs with the auth message, as a plain
# upgrade (--no-auth) and, on Switchboard, with the token in the upgrade's URL (--url-token).
# Usage: scripts/bench.sh [seconds-per-fanout-step]   (default 5)
#        SECTIONS="topics socketio dialects scaling writes events secure cluster" (the default: all) picks
#        what runs; DIALECT_RATES (default "1000 2000") the dialects section's rates.
set -euo pipefail
cd "$(dirname "$0")/.."
STEP_SECONDS=${1:-5}
RATES=${RATES:-"100 250 500 1000 1500 2000"}
SECTIONS=${SECTIONS:-"topics socketio dialects scaling writes events secure cluster"}
SECRET=bench-secret
ulimit -n 20000

./scripts/install-deps.sh >/dev/null
cmake --preset release >/dev/null
cmake --build --preset release --target switchboard switchboard-bench >/dev/null
(cd tools/bench/peer && [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error)

# The uWebSockets peer, when its sources are given.
TOPICS_SERVERS="switchboard ws"
if [ -n "${UWS_DIR:-}" ] && [ -d "${UWS_DIR}/src" ] && [ -n "${USOCKETS_DIR:-}" ] && [ -d "${USOCKETS_DIR}/src" ]; then
  cmake -S tools/bench/peer/uws -B build/uws-peer -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DUWS_DIR="$(realpath "$UWS_DIR")" -DUSOCKETS_DIR="$(realpath "$USOCKETS_DIR")" >/dev/null
  cmake --build build/uws-peer >/dev/null
  TOPICS_SERVERS="switchboard uws ws"
else
  echo "uWebSockets peer skipped: set UWS_DIR and USOCKETS_DIR to uWebSockets and uSockets sources to include it"
fi

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
        SWITCHBOARD_API_KEY=$SECRET SWITCHBOARD_WRITE_PATH=${WRITE_PATH:-io_uring} \
        taskset -c 0 ./build/switchboard serve --threads 1 --port $PORT 2>/dev/null &
      ;;
    uws)
      PORT=3105
      PORT=$PORT JWT_SECRET=$SECRET taskset -c 0 ./build/uws-peer/uws-peer 2>/dev/null &
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
    switchboard-unpinned)  # THREADS loops, free to run on every core
      PORT=3000
      JWT_SECRET=$SECRET WEBSOCKET_MAX_CONNECTIONS_PER_IP=0 SWITCHBOARD_MAX_ACCEPTS_PER_IP=0 \
        SWITCHBOARD_MAX_MESSAGES_PER_SECOND=0 LOG_LEVEL=warn SWITCHBOARD_DB=$(mktemp -d)/bench.db \
        ./build/switchboard serve --threads "$THREADS" --port $PORT 2>/dev/null &
      ;;
    switchboard-secure)  # TLS; COMPRESSION=true|false
      PORT=3000
      JWT_SECRET=$SECRET WEBSOCKET_MAX_CONNECTIONS_PER_IP=0 SWITCHBOARD_MAX_ACCEPTS_PER_IP=0 \
        SWITCHBOARD_MAX_MESSAGES_PER_SECOND=0 LOG_LEVEL=warn SWITCHBOARD_DB=$(mktemp -d)/bench.db \
        SWITCHBOARD_TLS_CERT=$CERTS/cert.pem SWITCHBOARD_TLS_KEY=$CERTS/key.pem SWITCHBOARD_COMPRESSION=$COMPRESSION \
        taskset -c 0 ./build/switchboard serve --threads 1 --port $PORT 2>/dev/null &
      ;;
    ws-secure)  # TLS; DEFLATE=0|1
      PORT=3104
      PORT=$PORT JWT_SECRET=$SECRET TLS_CERT=$CERTS/cert.pem TLS_KEY=$CERTS/key.pem DEFLATE=$DEFLATE \
        taskset -c 0 node tools/bench/peer/ws_server.js 2>/dev/null &
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

cpu_ticks() {  # user + system clock ticks of process $1
  awk '{print $14 + $15}' "/proc/$1/stat"
}

# A connect-mode run against the server $PID: the load generator's result, then the
# server's CPU time per completed handshake (the rate alone can be the client's limit).
connect_run() {  # switchboard-bench arguments
  local before result
  before=$(cpu_ticks "$PID")
  result=$(taskset -c 1 ./build/switchboard-bench --port $PORT --mode connect "$@")
  echo "$result server_cpu_us_per_handshake=$(awk -v t=$(($(cpu_ticks "$PID") - before)) -v hz="$(getconf CLK_TCK)" \
    -v n="$(sed -n 's/.*completed=\([0-9]*\).*/\1/p' <<<"$result")" 'BEGIN { printf "%.1f", n ? t / hz / n * 1e6 : 0 }')"
}

# A fan-out step against the server $PID: the load generator's closing lines on one line,
# then the server's user and system CPU seconds over the step.
fanout_run() {  # switchboard-bench arguments
  local user_before system_before user_after system_after result hz
  hz=$(getconf CLK_TCK)
  read -r user_before system_before <<<"$(awk '{print $14, $15}' "/proc/$PID/stat")"
  result=$(taskset -c "${BENCH_CPUS:-1}" ./build/switchboard-bench "$@" | tail -2 | tr '\n' ' ')
  read -r user_after system_after <<<"$(awk '{print $14, $15}' "/proc/$PID/stat")"
  echo "$result server_user_s=$(awk -v t=$((user_after - user_before)) -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }')" \
    "server_system_s=$(awk -v t=$((system_after - system_before)) -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }')"
}

stop_server() {
  kill "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
}

# start_node, cpu_seconds, redis_bytes.
source scripts/bench_cluster.sh

# One fan-out step against running cluster nodes: $1 = rate, the rest = where the load
# generator connects. Prints its result with Redis's CPU seconds and bytes in and out.
cluster_step() {
  local rate=$1
  shift
  local cpu_before in_before out_before in_after out_after result cpu
  cpu_before=$(cpu_seconds $REDIS_PID)
  read -r in_before out_before <<<"$(redis_bytes)"
  result=$($BENCH "$@" -n 1000 -p 1 -r $rate -d "$STEP_SECONDS" --payload 64 | tail -2 | tr '\n' ' ')
  read -r in_after out_after <<<"$(redis_bytes)"
  cpu=$(awk -v a="$(cpu_seconds $REDIS_PID)" -v b="$cpu_before" 'BEGIN { printf "%.2f", a - b }')
  echo "fanout rate=$rate/s: $result redis_cpu_s=$cpu redis_in_bytes=$((in_after - in_before)) redis_out_bytes=$((out_after - out_before))"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
for server in $TOPICS_SERVERS; do
  [[ " $SECTIONS " == *" topics "* ]] || break
  echo
  echo "## $server"
  for rate in $RATES; do
    start_server $server
    echo "fanout rate=$rate/s: $(fanout_run --token "$TOKEN" --port $PORT -n 1000 -p 1 -r $rate -d "$STEP_SECONDS" --payload 64)"
    stop_server
  done
  start_server $server
  # Every idle connection is a different user with its own token, as in production.
  echo "idle: $($BENCH --port $PORT --mode idle -n 15000 --server-pid $PID --concurrency 256 --secret $SECRET)"
  stop_server
  start_server $server
  echo "connect: $(connect_run --token "$TOKEN" -d 5 --concurrency 256)"
  stop_server
  start_server $server
  echo "connect (plain upgrade): $(connect_run -d 5 --concurrency 256 --no-auth)"
  stop_server
  # Switchboard's topics dialect also takes the token in the upgrade's URL: verified with
  # the handshake, no auth message's round trip.
  if [ $server = switchboard ]; then
    start_server $server
    echo "connect (token in the URL): $(connect_run --token "$TOKEN" -d 5 --concurrency 256 --url-token)"
    stop_server
  fi
  # Asymmetric tokens, the same one on every connection (a reconnect storm's case): the
  # signature is checked once, then remembered until the token expires.
  if [ $server = switchboard ]; then
    KEYS=$(mktemp -d)
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$KEYS/RS256.pem" 2>/dev/null
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$KEYS/ES256.pem" 2>/dev/null
    for alg in RS256 ES256; do
      export JWT_ALGORITHM=$alg JWT_PRIVATE_KEY_FILE=$KEYS/$alg.pem
      ASYMMETRIC_TOKEN=$(./build/switchboard token --user bench --ttl 86400)
      start_server switchboard
      echo "connect ($alg, one token): $(connect_run --token "$ASYMMETRIC_TOKEN" -d 5 --concurrency 256)"
      stop_server
      unset JWT_ALGORITHM JWT_PRIVATE_KEY_FILE
    done
    rm -rf "$KEYS"
  fi
  # The uWebSockets peer speaks the topics subset only.
  [ $server = uws ] && continue
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

# Every dialect on the fast path: the topics fan-out workload with the 1,000 subscribers
# speaking each of Switchboard's five dialects (each its own user and token), the publisher
# speaking topics. One table; the ratio to topics is what to look at.
if [[ " $SECTIONS " == *" dialects "* ]]; then
  echo
  echo "## dialects: switchboard"
  for dialect in topics rooms envelope events socketio; do
    case $dialect in
      topics) ENDPOINT="--port 3000" ;;
      rooms) ENDPOINT="--port 3000 --path /api/ws --publish-path /ws" ;;
      envelope) ENDPOINT="--port 8080 --publish-port 3000" ;;
      events) ENDPOINT="--port 8081 --publish-port 3000" ;;
      socketio) ENDPOINT="--port 3000 --path /socket.io/ --publish-path /ws --channel company:bench" ;;
    esac
    for rate in ${DIALECT_RATES:-1000 2000}; do
      start_server switchboard
      # shellcheck disable=SC2086 # ENDPOINT is a list of arguments
      echo "$dialect fanout rate=$rate/s: $(fanout_run --dialect $dialect $ENDPOINT --secret $SECRET -n 1000 -p 1 \
        -r $rate -d "$STEP_SECONDS" --payload 64)"
      stop_server
    done
  done
fi

# Scaling on this machine: one loop against two, the server and the load generator both free
# to use both cores (there is no second machine for the load generator), at rates beyond one
# loop's. The load generator takes its share of the same cores, so the figures understate
# what two loops do with the cores to themselves.
if [[ " $SECTIONS " == *" scaling "* ]]; then
  for THREADS in 1 2; do
    echo
    echo "## scaling: switchboard --threads $THREADS (server and load generator on both cores)"
    for rate in ${SCALING_RATES:-2000 3000 4000}; do
      start_server switchboard-unpinned
      echo "fanout rate=$rate/s: $(BENCH_CPUS=0-1 fanout_run --token "$TOKEN" --port $PORT -n 1000 -p 1 -r $rate \
        -d "$STEP_SECONDS" --payload 64)"
      stop_server
    done
  done
fi

# The two write paths (server.write_path) against the uWS peer: the topics fan-out with
# 1,000 subscribers (a turn's writes carry many messages each) and with 10,000 (many
# connections with a few messages each, where one submission saves the most calls), at
# 1 M and 2 M deliveries/s. The server's CPU per step is what to compare.
if [[ " $SECTIONS " == *" writes "* ]]; then
  for server in switchboard:send switchboard:io_uring uws; do
    [[ $server == uws && " $TOPICS_SERVERS " != *" uws "* ]] && continue
    WRITE_PATH=${server#*:}
    echo
    echo "## writes: $server"
    for shape in "1000 1000" "1000 2000" "10000 100" "10000 200"; do
      read -r subscribers rate <<<"$shape"
      start_server "${server%%:*}"
      echo "fanout subscribers=$subscribers rate=$rate/s: $(fanout_run --secret $SECRET --port $PORT \
        -n "$subscribers" -p 1 -r "$rate" -d "$STEP_SECONDS" --payload 64)"
      stop_server
    done
  done
  unset WRITE_PATH
fi

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

# TLS and compression, both servers configured alike, one Node client for both.
if [[ " $SECTIONS " == *" secure "* ]]; then
  CERTS=$(mktemp -d)
  ./scripts/make-cert.sh "$CERTS" >/dev/null
  for server in switchboard ws; do
    echo
    echo "## secure: $server"
    load() {  # scheme, then secure_load.js arguments
      local scheme=$1
      shift
      taskset -c 1 node tools/bench/peer/secure_load.js --url "$scheme://127.0.0.1:$PORT/ws" --secret $SECRET \
        --ca "$CERTS/ca.pem" --pid "$PID" "$@"
    }
    COMPRESSION=false DEFLATE=0 start_server $server-secure
    echo "tls handshakes: $(load wss --mode handshakes --seconds 5)"
    stop_server
    COMPRESSION=false DEFLATE=0 start_server $server-secure
    echo "tls idle: $(load wss --mode idle --subscribers 10000)"
    stop_server
    for run in 1 2 3; do
      COMPRESSION=false DEFLATE=0 start_server $server-secure
      before=$(cpu_ticks "$PID")
      result=$($BENCH --tls --port $PORT --mode connect --duration 5 --concurrency 64)
      echo "tls handshakes (C++ client, run $run): $result server_cpu_percent=$(( ($(cpu_ticks "$PID") - before) * 100 / (5 * $(getconf CLK_TCK)) ))"
      stop_server
    done
    for subscribers in 100 300 1000; do
      start_server $server
      echo "plain fanout: $(load ws --mode fanout --subscribers $subscribers --rate 50 --seconds "$STEP_SECONDS")"
      stop_server
      COMPRESSION=false DEFLATE=0 start_server $server-secure
      echo "tls fanout: $(load wss --mode fanout --subscribers $subscribers --rate 50 --seconds "$STEP_SECONDS")"
      stop_server
      COMPRESSION=true DEFLATE=1 start_server $server-secure
      echo "tls+deflate fanout: $(load wss --mode fanout --subscribers $subscribers --rate 50 --seconds "$STEP_SECONDS" --deflate 1)"
      stop_server
    done
  done
  rm -rf "$CERTS"
fi

# Two nodes over Redis against one node, at the same offered rates.
if [[ " $SECTIONS " == *" cluster "* ]]; then
  echo
  echo "## cluster: one node (memory)"
  for rate in $RATES; do
    start_server switchboard
    echo "fanout rate=$rate/s: $($BENCH --port $PORT -n 1000 -p 1 -r $rate -d "$STEP_SECONDS" --payload 64 | tail -2 | tr '\n' ' ')"
    stop_server
  done
  echo
  echo "## cluster: two nodes over Redis (publisher on A, subscribers on B)"
  REDIS_PORT=6390
  taskset -c 1 redis-server --port $REDIS_PORT --bind 127.0.0.1 --save '' --appendonly no >/dev/null &
  REDIS_PID=$!
  sleep 0.3
  for rate in $RATES; do
    start_node 3201 1; NODE_A=$NODE_PID
    start_node 3202 0; NODE_B=$NODE_PID
    cluster_step $rate --port 3202 --publish-port 3201
    kill $NODE_A $NODE_B 2>/dev/null || true
    wait $NODE_A $NODE_B 2>/dev/null || true
  done
  echo
  echo "## cluster: three nodes over Redis (publisher on A, subscribers spread over A, B, C)"
  for rate in $RATES; do
    start_node 3201 1; NODE_A=$NODE_PID
    start_node 3202 0; NODE_B=$NODE_PID
    start_node 3203 0; NODE_C=$NODE_PID
    cluster_step $rate --port 3201 --subscriber-ports 3201,3202,3203 --publish-port 3201
    kill $NODE_A $NODE_B $NODE_C 2>/dev/null || true
    wait $NODE_A $NODE_B $NODE_C 2>/dev/null || true
  done
  kill $REDIS_PID 2>/dev/null || true
  wait $REDIS_PID 2>/dev/null || true
fi
