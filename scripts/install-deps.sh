#!/usr/bin/env bash
# Installs everything Switchboard needs to build, run and test, from Debian packages and
# (for the end-to-end tests) the npm registry with the committed lockfile. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  # build
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
  # libraries
  libssl-dev libsimdjson-dev libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev
  libhttp-parser-dev libsodium-dev zlib1g-dev libcurl4-openssl-dev libsqlite3-dev libhiredis-dev
  liburing-dev   # the io_uring write path (config `io = "uring"`)
  # clustering (the tests start their own redis-server and haproxy on loopback ports)
  redis-server haproxy
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev python3 python3-autobahn python3-websockets openssl
  heaptrack gnuplot-nox   # scripts/memory_profile.sh, scripts/soak.sh (its plot)
  linux-perf              # scripts/profile_fanout.sh
  python3-jwt python3-cryptography   # the JWKS cases sign tokens as an identity provider
  chromium   # driven by playwright-core (npm) in the browser tests
  nodejs
)
# Debian's nodejs needs its separate npm package; builds that bundle npm must not get it.
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

# Each npm folder installs from its committed lockfile: the end-to-end tests, and the client
# libraries (TypeScript and `ws` to build and test them with).
for dir in tests/e2e clients/js clients/vue; do
  [ -f "$dir/package-lock.json" ] || continue
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
