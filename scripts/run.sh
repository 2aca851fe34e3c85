#!/usr/bin/env bash
# Builds Switchboard (Release) and runs it on its embedded default configuration.
# Extra arguments go to `switchboard serve` (e.g. --config my.toml --threads 2).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target switchboard
exec ./build/switchboard serve "$@"
