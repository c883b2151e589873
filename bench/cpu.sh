#!/usr/bin/env bash
# Server CPU time per request: bench/cpu.sh
#
# Throughput on this shared 2-core machine moves with whatever else runs on it; the CPU time a
# server spends per request moves much less. This script seeds one SQLite workspace (10 000
# playbooks, 100 000 outcomes), starts this tree's server and the plaintext ceiling
# (bench/Plaintext) side by side, and for each round runs wrk on the plaintext endpoint and on
# each scenario, reading the server's user + system CPU time (/proc/PID/stat) before and after.
# It prints, per round, req/s and microseconds of server CPU per request, then the medians.
#
# BENCH_SCENARIOS (default "get"), BENCH_ROUNDS (default 5), BENCH_DURATION (default 5s),
# BENCH_CONNECTIONS (default 32).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

scenarios=${BENCH_SCENARIOS:-get}
rounds=${BENCH_ROUNDS:-5}
duration=${BENCH_DURATION:-5s}
connections=${BENCH_CONNECTIONS:-32}
work=$(mktemp -d /tmp/playbooks-cpu-XXXX)
api_port=5093
plain_port=5094
server_pid=""
pids=()

source bench/common.sh
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; cleanup' EXIT

echo "Seeding" >&2
dotnet bench/Seed/bin/Release/net10.0/Seed.dll Sqlite "Data Source=$work/bench.db" 10000 100000 "$work/data" >&2
env ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$api_port" \
  Playbooks__Database__Provider=Sqlite "ConnectionStrings__Playbooks=Data Source=$work/bench.db" \
  Playbooks__RateLimit__PermitsPerSecond=1000000 Playbooks__RateLimit__Burst=1000000 Logging__LogLevel__Default=Warning \
  dotnet src/Playbooks.Api/bin/Release/net10.0/Playbooks.Api.dll >"$work/server.log" 2>&1 &
pids+=($!); api_pid=$!
ASPNETCORE_URLS="http://127.0.0.1:$plain_port" dotnet bench/Plaintext/bin/Release/net10.0/Plaintext.dll >/dev/null 2>&1 &
pids+=($!); plain_pid=$!
wait_for "http://127.0.0.1:$api_port/readyz"
wait_for "http://127.0.0.1:$plain_port/plaintext"
token=$(cat "$work/data/token")

ticks_per_second=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# measure NAME SCENARIO PORT PID -> "NAME rps us_per_request"
measure() {
  local before after output requests rps
  before=$(cpu_ticks "$4")
  output=$(SCENARIO=$2 DATA="$work/data" TOKEN=$token wrk -t2 -c"$connections" -d"$duration" -s bench/wrk/scenario.lua "http://127.0.0.1:$3")
  after=$(cpu_ticks "$4")
  requests=$(echo "$output" | sed -nE 's/^RESULT .*requests=([0-9]+).*/\1/p')
  rps=$(echo "$output" | sed -nE 's/^RESULT rps=([0-9.]+).*/\1/p')
  echo "$1 $rps $(awk -v t=$((after - before)) -v hz="$ticks_per_second" -v n="$requests" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')"
}

echo "Warming up" >&2
measure warm plaintext $plain_port $plain_pid >/dev/null
for scenario in $scenarios; do measure warm "$scenario" $api_port $api_pid >/dev/null; done

results="$work/results"
for round in $(seq 1 "$rounds"); do
  measure plaintext plaintext $plain_port $plain_pid | tee -a "$results" >&2
  for scenario in $scenarios; do
    measure "$scenario" "$scenario" $api_port $api_pid | tee -a "$results" >&2
  done
done

echo "| endpoint | req/s (median) | server CPU µs per request (median) |"
echo "|---|---:|---:|"
for name in plaintext $scenarios; do
  echo "| $name | $(awk -v n="$name" '$1 == n { print $2 }' "$results" | median) | $(awk -v n="$name" '$1 == n { print $3 }' "$results" | median) |"
done
echo "$rounds rounds of wrk -t2 -c$connections -d$duration, $(date -u +%Y-%m-%dT%H:%MZ), $(git rev-parse --short HEAD)."
