#!/usr/bin/env bash
# Load benchmark of the web API over loopback with wrk (Debian package `wrk`).
#
#   bash bench/web/load.sh            # build, serve on a free 127.0.0.1 port, measure, stop
#
# Two runs against /api/estimate (the issue's 8 × A100 job in AWS us-east-1):
#   1. the same URL every time: the answer is computed once and then served from the answer
#      cache (the dataset is fixed while the server runs, the model is pure);
#   2. a different `hours` on every request (wrk Lua script): every answer computed afresh.
# Target (both runs): at least MIN_RPS requests/s with p99 under MAX_P99_MS on this 2-core machine.
# Exit status: 0 when both meet the target, 1 when one does not, 2 when something is missing.
#
# Environment: DURATION (s, default 10), CONNECTIONS (default 64), THREADS (wrk threads,
# default 2), MIN_RPS (default 20000), MAX_P99_MS (default 10), SERVE_BIN (a server binary
# taking --bind ADDR --quiet; default: the mlcarbon-web `serve` example, built here in release).
# Only 127.0.0.1 is ever a target; every run is bounded by DURATION.
set -euo pipefail

cd "$(dirname "$0")/../.."
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
MIN_RPS="${MIN_RPS:-20000}"
MAX_P99_MS="${MAX_P99_MS:-10}"

if ! command -v wrk >/dev/null 2>&1; then
    echo "wrk is not installed: apt-get install -y wrk" >&2
    exit 2
fi
if [ -z "${SERVE_BIN:-}" ]; then
    cargo build --quiet --release -p mlcarbon-web --example serve
    SERVE_BIN=target/release/examples/serve
fi

work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# Port 0: the kernel picks a free port; the server prints the address it got.
"$SERVE_BIN" --bind 127.0.0.1:0 2>"$work/serve.log" &
server_pid=$!
addr=""
for _ in $(seq 1 100); do
    addr="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/serve.log" 2>/dev/null | head -n1 || true)"
    [ -n "$addr" ] && break
    sleep 0.1
done
if [ -z "$addr" ]; then
    echo "the server did not start:" >&2
    cat "$work/serve.log" >&2
    exit 2
fi

path="/api/estimate?hardware=A100%20SXM4%2080GB&count=8&hours=72&provider=aws&region=us-east-1"
status="$(curl -s -o "$work/first.json" -w '%{http_code}' "$addr$path")"
if [ "$status" != "200" ]; then
    echo "GET $path answered $status" >&2
    exit 2
fi
echo "server: $addr ($(nproc) cores); body $(wc -c <"$work/first.json") bytes"

# wrk's Lua script: a different duration on every request.
cat >"$work/distinct.lua" <<'LUA'
local counter = 0
request = function()
  counter = counter + 1
  local hours = string.format("%.3f", 1 + (counter % 100000) / 7)
  return wrk.format("GET", "/api/estimate?hardware=A100%20SXM4%2080GB&count=8&hours=" .. hours .. "&provider=aws&region=us-east-1")
end
LUA

# wrk prints p99 as e.g. 1.65ms, 950.00us or 1.02s.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) n = n / 1000
        else if (v ~ /ms$/) n = n
        else if (v ~ /s$/) n = n * 1000
        printf "%.3f", n
    }'
}

measure() {
    local label="$1"
    shift
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" >"$work/wrk.txt" 2>&1
    local rps p50 p99 errors
    rps="$(awk '/^Requests\/sec:/ {print $2}' "$work/wrk.txt")"
    p50="$(awk '$1 == "50%" {print $2}' "$work/wrk.txt")"
    p99="$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")"
    errors="$(grep -E 'Non-2xx|Socket errors' "$work/wrk.txt" || true)"
    echo "$label: ${rps} requests/s, p50 ${p50}, p99 ${p99} (${THREADS} wrk threads, ${CONNECTIONS} connections, ${DURATION} s)"
    [ -n "$errors" ] && echo "  $errors"
    LAST_RPS="$rps"
    LAST_P99_MS="$(to_ms "$p99")"
    LAST_ERRORS="$errors"
}

measure "same URL (answer cache)" "$addr$path"
same_rps="$LAST_RPS"
same_p99="$LAST_P99_MS"
same_errors="$LAST_ERRORS"
measure "distinct URLs (computed)" -s "$work/distinct.lua" "$addr"
distinct_rps="$LAST_RPS"
distinct_p99="$LAST_P99_MS"
distinct_errors="$LAST_ERRORS"

meets() { # rps p99_ms errors
    awk -v r="$1" -v p="$2" -v mr="$MIN_RPS" -v mp="$MAX_P99_MS" \
        'BEGIN { exit !(r + 0 >= mr + 0 && p + 0 < mp + 0) }' && [ -z "$3" ]
}
if meets "$same_rps" "$same_p99" "$same_errors" &&
    meets "$distinct_rps" "$distinct_p99" "$distinct_errors"; then
    echo "PASS: cached ${same_rps} and computed ${distinct_rps} requests/s >= ${MIN_RPS}; p99 ${same_p99} and ${distinct_p99} ms < ${MAX_P99_MS} ms"
else
    echo "FAIL: want >= ${MIN_RPS} requests/s and p99 < ${MAX_P99_MS} ms without errors, cached and computed"
    exit 1
fi
