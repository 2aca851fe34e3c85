#!/usr/bin/env bash
# Builds everything and runs every test: unit tests (Release and ASan+UBSan), the RFC 6455
# conformance cases (also over TLS), the permessage-deflate and TLS cases, the HTTP API
# and limits cases, the end-to-end seed clients, the attack
# cases of the isolation review and of the cost review, with one and with two event loops (and the frame suite and
# the end-to-end clients again on the send() write path), and each libFuzzer
# target briefly (the channel policy's properties among them).
# FUZZ_SECONDS (default 20) sets the time per fuzz target.
set -uo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh || exit 1

PY=/usr/bin/python3   # Debian's python3-autobahn and python3-websockets live here
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
failures=()
steps=0
step() {
  local name=$1
  shift
  steps=$((steps + 1))
  echo
  echo "=== $name"
  if "$@"; then echo "--- ok: $name"; else echo "--- FAILED: $name"; failures+=("$name"); fi
}

build() {
  cmake --preset "$1" >/dev/null && cmake --build --preset "$1"
}

step "build release" build release
step "build sanitize (ASan+UBSan)" build sanitize
step "build fuzz targets (clang)" build fuzz
step "build client libraries (tsc)" bash -c 'cd clients/js && npm run --silent build && cd ../vue && npm run --silent build'

step "unit tests (release)" ctest --test-dir build --output-on-failure
step "unit tests (ASan+UBSan)" ctest --test-dir build-sanitize --output-on-failure

for threads in 1 2; do
  # The protocol suites run against the sanitizer build: a memory error fails them.
  step "autobahn cases, $threads loop(s), sanitized" env SWITCHBOARD_BIN=build-sanitize/switchboard \
    $PY tests/conformance/autobahn_cases.py --threads $threads
  step "websockets cases, $threads loop(s), sanitized" env SWITCHBOARD_BIN=build-sanitize/switchboard \
    $PY tests/conformance/websockets_cases.py --threads $threads
  step "autobahn cases over TLS, $threads loop(s), sanitized" env SWITCHBOARD_BIN=build-sanitize/switchboard \
    $PY tests/conformance/autobahn_cases.py --threads $threads --tls
  step "deflate cases (RFC 7692, autobahn groups 12 and 13), $threads loop(s), sanitized" \
    env SWITCHBOARD_BIN=build-sanitize/switchboard $PY tests/conformance/deflate_cases.py --threads $threads
  step "tls cases, $threads loop(s), sanitized" env SWITCHBOARD_BIN=build-sanitize/switchboard \
    $PY tests/conformance/tls_cases.py --threads $threads
  step "limits cases, $threads loop(s)" $PY tests/conformance/limits_cases.py --threads $threads
  step "http api cases, $threads loop(s)" $PY tests/api/http_api_cases.py --threads $threads
  # The end-to-end clients and the attacks drive the sanitizer build with one loop and
  # Release with two.
  binary=build/switchboard
  [ "$threads" = 1 ] && binary=build-sanitize/switchboard
  step "attack cases (isolation and hardening), $threads loop(s), $binary" \
    env SWITCHBOARD_BIN="$PWD/$binary" $PY tests/security/attack_cases.py --threads $threads
  step "cost cases (bounded work and state), $threads loop(s), $binary" \
    env SWITCHBOARD_BIN="$PWD/$binary" $PY tests/security/cost_cases.py --threads $threads
  step "jwks cases (key rotation from a provider), $threads loop(s), $binary" \
    env SWITCHBOARD_BIN="$PWD/$binary" $PY tests/security/jwks_cases.py --threads $threads
  step "python client (clients/python), $threads loop(s), $binary" \
    env SWITCHBOARD_BIN="$PWD/$binary" $PY tests/clients/python_client_cases.py --threads $threads
  step "e2e clients of every dialect (node ws), $threads loop(s), $binary" \
    env SWITCHBOARD_THREADS=$threads SWITCHBOARD_BIN="$PWD/$binary" bash -c 'cd tests/e2e && npm test --silent'
done

# The send() write path (server.write_path; io_uring is the default) under the frame suite and
# every dialect's clients.
step "autobahn cases, send writes, 2 loops, sanitized" env SWITCHBOARD_WRITE_PATH=send \
  SWITCHBOARD_BIN=build-sanitize/switchboard $PY tests/conformance/autobahn_cases.py --threads 2
step "e2e clients of every dialect (node ws), send writes, 2 loops, build/switchboard" \
  env SWITCHBOARD_WRITE_PATH=send SWITCHBOARD_THREADS=2 SWITCHBOARD_BIN="$PWD/build/switchboard" \
  bash -c 'cd tests/e2e && node --test --test-concurrency=1 seed_002_clients.test.js rooms_dialect.test.js \
    envelope_dialect.test.js events_dialect.test.js socketio_dialect.test.js socketio_recovery.test.js'

# A fuzz target's own lines are shown only when it fails (the crash and its input).
fuzz() {
  local target=$1 corpus log
  corpus=$(mktemp -d)
  log=$(mktemp)
  if ./build-fuzz/fuzz/fuzz_$target -max_total_time=$FUZZ_SECONDS -max_len=4096 -print_final_stats=1 \
      "$corpus" fuzz/corpus/$target >"$log" 2>&1; then
    grep -E "^stat::number_of_executed_units" "$log" | sed "s/^/  $target: /"
    rm -rf "$corpus" "$log"
    return 0
  fi
  tail -n 60 "$log"
  rm -rf "$corpus" "$log"
  return 1
}
for target in frame_reader permessage_deflate http_request topics_protocol rooms_protocol envelope_protocol topic_patterns jwt jwks \
    engineio_packet socketio_packet socketio_messages events_protocol cluster_message redis_url \
    channel_policy; do
  step "fuzz $target (${FUZZ_SECONDS}s)" fuzz $target
done

echo
if [ ${#failures[@]} -ne 0 ]; then
  echo "failed steps:"
  printf '  %s\n' "${failures[@]}"
fi
echo "steps: $((steps - ${#failures[@]})) passed, ${#failures[@]} failed"
[ ${#failures[@]} -eq 0 ]
