#!/usr/bin/env bash
# Where a fan-out's CPU goes: the topics fan-out workload (1,000 subscribers, one publisher,
# RATE publications/s, default 1,000: 1 M deliveries/s) against one Switchboard loop on
# CPU 0, sampled by `perf record` (Debian's linux-perf) for SECONDS (default 5). Prints the
# split between kernel and user time and the top user-space and kernel symbols (self time).
# Usage: scripts/profile_fanout.sh [rate] [seconds]     PORT=... serves on another port;
#        SUBSCRIBERS=... (default 1000) changes the fan-out; WRITE_PATH=send profiles the
#        send() write path (server.write_path) instead of io_uring.
set -euo pipefail
cd "$(dirname "$0")/.."
RATE=${1:-1000}
SECONDS_SAMPLED=${2:-5}
PORT=${PORT:-3000}
SUBSCRIBERS=${SUBSCRIBERS:-1000}
SECRET=bench-secret
command -v perf >/dev/null || { echo "perf is needed: scripts/install-deps.sh installs linux-perf" >&2; exit 1; }
cmake --preset release >/dev/null
cmake --build --preset release --target switchboard switchboard-bench >/dev/null
WORK=$(mktemp -d)
JWT_SECRET=$SECRET WEBSOCKET_MAX_CONNECTIONS_PER_IP=0 SWITCHBOARD_MAX_ACCEPTS_PER_IP=0 \
  SWITCHBOARD_MAX_MESSAGES_PER_SECOND=0 LOG_LEVEL=warn SWITCHBOARD_DB="$WORK/profile.db" \
  SWITCHBOARD_WRITE_PATH=${WRITE_PATH:-io_uring} taskset -c 0 ./build/switchboard serve --threads 1 --port "$PORT" >/dev/null 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && break; sleep 0.1; done
TOKEN=$(JWT_SECRET=$SECRET ./build/switchboard token --user bench --ttl 3600)
# The load runs a second longer on each side than the sampling, so that only the steady
# state is sampled.
taskset -c 1 ./build/switchboard-bench --token "$TOKEN" --port "$PORT" -n "$SUBSCRIBERS" -p 1 -r "$RATE" \
  -d $((SECONDS_SAMPLED + 3)) --payload 64 >"$WORK/bench.out" &
BENCH=$!
sleep 2
perf record -q -o "$WORK/perf.data" -p $SERVER -- sleep "$SECONDS_SAMPLED" >/dev/null 2>&1
wait $BENCH
tail -1 "$WORK/bench.out"
# One line per symbol: share, object, symbol (perf pads its columns to the widest name).
perf report -q -i "$WORK/perf.data" --no-children --sort dso,symbol 2>/dev/null |
  sed -e 's/[[:space:]]*-[[:space:]]*-[[:space:]]*$//' -e 's/[[:space:]]\+/ /g' -e 's/^ //' | cut -c1-150 >"$WORK/report.txt"
awk '{ gsub("%", "", $1); if ($2 ~ /kernel/) k += $1; else u += $1 }
     END { printf "kernel %.1f%%, user space %.1f%% of the samples\n", k, u }' "$WORK/report.txt"
echo "top user-space symbols (self):"
grep -v "\[kernel" "$WORK/report.txt" | head -15
echo "top kernel symbols (self):"
grep "\[kernel" "$WORK/report.txt" | head -10
