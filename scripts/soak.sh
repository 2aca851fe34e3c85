#!/usr/bin/env bash
# Soak: holds CONNECTIONS subscribers (default 10,000, each its own user) on one channel of
# one Switchboard loop under a steady publish load (RATE publications/s, default 10: with
# 10,000 subscribers, 100,000 deliveries/s) for MINUTES (default 60). Every 10 s it samples
# the server's RSS and open descriptors and the load generator's p99 of that interval into
# a CSV, then plots the three against time (gnuplot, PNG) and prints how far RSS moved
# after the warm-up (the first WARMUP_MINUTES, default a tenth of the run).
# Usage: scripts/soak.sh [minutes] [out-dir]    (default 60, build/soak)
#        CONNECTIONS=... RATE=... WARMUP_MINUTES=... change the load.
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${1:-60}
OUT=${2:-build/soak}
CONNECTIONS=${CONNECTIONS:-10000}
RATE=${RATE:-10}
WARMUP_MINUTES=${WARMUP_MINUTES:-$(awk -v m="$MINUTES" 'BEGIN { print m / 10 }')}
SECRET=bench-secret
ulimit -n 20000
command -v gnuplot >/dev/null || { echo "gnuplot is needed: scripts/install-deps.sh installs it" >&2; exit 1; }
cmake --preset release >/dev/null
cmake --build --preset release --target switchboard switchboard-bench >/dev/null
mkdir -p "$OUT"
CSV=$OUT/soak.csv
PNG=$OUT/soak.png

JWT_SECRET=$SECRET WEBSOCKET_MAX_CONNECTIONS_PER_IP=0 SWITCHBOARD_MAX_ACCEPTS_PER_IP=0 \
  SWITCHBOARD_MAX_MESSAGES_PER_SECOND=0 LOG_LEVEL=warn SWITCHBOARD_DB=$(mktemp -d)/soak.db \
  taskset -c 0 ./build/switchboard serve --threads 1 --port 3000 >/dev/null 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/3000) 2>/dev/null && break; sleep 0.1; done

echo "seconds,rss_kb,open_fds,p99_ms,deliveries_per_s" >"$CSV"
echo "soak: $CONNECTIONS subscribers, $RATE publications/s, $MINUTES min; samples in $CSV"
# The load generator prints an interval line every 10 s; each one is a sample.
taskset -c 1 ./build/switchboard-bench --port 3000 --secret $SECRET -n "$CONNECTIONS" -p 1 -r "$RATE" \
  -d "$(awk -v m="$MINUTES" 'BEGIN { print m * 60 }')" --payload 64 --report-every 10 |
  while read -r line; do
    case $line in
      interval*)
        t=$(sed -n 's/.* t=\([0-9]*\).*/\1/p' <<<"$line")
        p99=$(sed -n 's/.* p99_ms=\([0-9.]*\).*/\1/p' <<<"$line")
        rate=$(sed -n 's/.* delivered_per_s=\([0-9]*\).*/\1/p' <<<"$line")
        rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$SERVER/status")
        fds=$(find "/proc/$SERVER/fd" -mindepth 1 -maxdepth 1 | wc -l)
        echo "$t,$rss,$fds,$p99,$rate" >>"$CSV"
        ;;
      *) echo "$line" ;;
    esac
  done

gnuplot <<GNUPLOT
set terminal pngcairo size 1000,900
set output "$PNG"
set datafile separator ","
set multiplot layout 3,1 title "Soak: $CONNECTIONS subscribers, $RATE publications/s (one loop)"
set xlabel "minutes"
set grid
set yrange [0:*]
set ylabel "RSS (MB)"
plot "$CSV" using (\$1/60):(\$2/1024) every ::1 with lines title "server RSS"
set ylabel "open descriptors"
plot "$CSV" using (\$1/60):3 every ::1 with lines title "server fds"
set ylabel "p99 (ms)"
plot "$CSV" using (\$1/60):4 every ::1 with lines title "p99 of each 10 s"
unset multiplot
GNUPLOT

# RSS after the warm-up. What stays resident is the floor (the lowest sample) of the first
# and of the last tenth of that time: a leak moves it. Single high samples are send buffers
# that grew while the server fell behind (the machine busy with something else) and were
# given back at the next sweep; the highest is shown beside the floors, with how many
# samples were more than 5 % above the first floor.
awk -F, -v warm="$(awk -v m="$WARMUP_MINUTES" 'BEGIN { print m * 60 }')" '
  NR > 1 && $1 >= warm { n++; t[n] = $1; rss[n] = $2; if ($2 > max) max = $2; if ($4 > p99) p99 = $4 }
  END {
    if (n == 0) { print "no samples after the warm-up"; exit }
    tenth = int(n / 10); if (tenth < 1) tenth = 1
    for (i = 1; i <= tenth; i++) { if (first == "" || rss[i] < first) first = rss[i] }
    for (i = n - tenth + 1; i <= n; i++) { if (last == "" || rss[i] < last) last = rss[i] }
    for (i = 1; i <= n; i++) { if (rss[i] > first * 1.05) above++ }
    printf "after warm-up: %d samples; RSS floor %d KB in the first tenth, %d KB in the last (%+.1f%%); " \
      "highest sample %d KB, %d samples more than 5%% above the first floor; worst interval p99 %.1f ms\n",
      n, first, last, (last - first) * 100 / first, max, above + 0, p99
  }' "$CSV"
echo "plot: $PNG"
