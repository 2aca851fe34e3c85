# Shared by the benchmark scripts that run cluster nodes (sourced, not run): expects SECRET
# and REDIS_PORT to be set; SERVER_BIN picks the build (default build/switchboard).

# A cluster node over the Redis at $REDIS_PORT: $1 = port, $2 = CPU; sets NODE_PID.
start_node() {
  PUBSUB_ADAPTER=redis PUBSUB_REDIS_URL=redis://127.0.0.1:$REDIS_PORT \
    JWT_SECRET=$SECRET WEBSOCKET_MAX_CONNECTIONS_PER_IP=0 SWITCHBOARD_MAX_ACCEPTS_PER_IP=0 \
    SWITCHBOARD_MAX_MESSAGES_PER_SECOND=0 LOG_LEVEL=warn SWITCHBOARD_DB=$(mktemp -d)/bench.db \
    taskset -c "$2" "${SERVER_BIN:-./build/switchboard}" serve --threads 1 --port "$1" 2>/dev/null &
  NODE_PID=$!
  for _ in $(seq 50); do
    (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0
    sleep 0.1
  done
  echo "node on $1 did not start" >&2
  return 1
}

cpu_seconds() {  # utime + stime of a process, in seconds
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"
}

redis_bytes() {  # bytes Redis received and sent so far
  redis-cli -p "$REDIS_PORT" info stats | tr -d '\r' |
    awk -F: '/^total_net_input_bytes/ { i = $2 } /^total_net_output_bytes/ { o = $2 } END { print i, o }'
}
