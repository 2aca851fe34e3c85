#!/usr/bin/env bash
# The cost review's cluster workload (issue 30, part 2): two nodes over Redis, the fan-out's
# publisher on node A and its 1,000 subscribers on node B (every delivery crosses Redis),
# first with nothing else, then with one more connection on node B holding PATTERNS distinct
# patterns that all match one channel, to which node A publishes HOLD_RATE times a second
# (tools/bench/pattern_holder.py). Node B runs alone on CPU 0; node A, Redis, the load
# generator and the holder share CPU 1. Each step prints the fan-out's deliveries and
# latency, node B's CPU seconds and the bytes Redis sent over the step.
# Usage: scripts/bench_patterns.sh [seconds-per-step]   (default 5)
#        RATES (default "1000 2000"), PATTERNS (1000), HOLD_RATE (50), SERVER_BIN
#        (default build/switchboard: another build to compare with).
set -euo pipefail
cd "$(dirname "$0")/.."
STEP_SECONDS=${1:-5}
RATES=${RATES:-"1000 2000"}
PATTERNS=${PATTERNS:-1000}
HOLD_RATE=${HOLD_RATE:-50}
SERVER_BIN=${SERVER_BIN:-./build/switchboard}
SECRET=bench-secret
REDIS_PORT=6391
ulimit -n 20000

./scripts/install-deps.sh >/dev/null
cmake --preset release >/dev/null
cmake --build --preset release --target switchboard switchboard-bench >/dev/null
TOKEN=$(JWT_SECRET=$SECRET ./build/switchboard token --user bench --ttl 86400)
BENCH="taskset -c 1 ./build/switchboard-bench --token $TOKEN"

# start_node, cpu_seconds, redis_bytes.
source scripts/bench_cluster.sh

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  server: $SERVER_BIN"
taskset -c 1 redis-server --port $REDIS_PORT --bind 127.0.0.1 --save '' --appendonly no >/dev/null &
REDIS_PID=$!
trap 'kill $REDIS_PID 2>/dev/null || true' EXIT
sleep 0.3
for held in 0 "$PATTERNS"; do
  echo
  echo "## node B holding $held overlapping patterns"
  for rate in $RATES; do
    start_node 3201 1; NODE_A=$NODE_PID
    start_node 3202 0; NODE_B=$NODE_PID
    HOLDER=
    if [ "$held" != 0 ]; then
      coproc HOLD { taskset -c 1 /usr/bin/python3 tools/bench/pattern_holder.py --token "$TOKEN" \
        --hold-port 3202 --publish-port 3201 --patterns "$held" --rate "$HOLD_RATE"; }
      HOLDER=$HOLD_PID
      read -r -t 60 ready <&"${HOLD[0]}"
      [ "$ready" = ready ] || { echo "the holder did not get its patterns" >&2; exit 1; }
    fi
    cpu_before=$(cpu_seconds $NODE_B)
    read -r _ out_before <<<"$(redis_bytes)"
    result=$($BENCH --port 3202 --publish-port 3201 -n 1000 -p 1 -r $rate -d "$STEP_SECONDS" --payload 64 | tail -2 | tr '\n' ' ')
    cpu=$(awk -v a="$(cpu_seconds $NODE_B)" -v b="$cpu_before" 'BEGIN { printf "%.2f", a - b }')
    read -r _ out_after <<<"$(redis_bytes)"
    echo "fanout rate=$rate/s: $result nodeB_cpu_s=$cpu redis_out_bytes=$((out_after - out_before))"
    [ -n "$HOLDER" ] && kill $HOLDER 2>/dev/null && wait $HOLDER 2>/dev/null || true
    kill $NODE_A $NODE_B 2>/dev/null || true
    wait $NODE_A $NODE_B 2>/dev/null || true
  done
done
