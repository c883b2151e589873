#!/usr/bin/env bash
# The benchmark, in one command: bench/run.sh
#
# Builds in Release, measures the plaintext ceiling of this machine, then for SQLite and for
# PostgreSQL seeds a workspace (10 000 playbooks, 30 000 runs, 1 000 000 outcomes), starts the
# server and drives each scenario with wrk; then the growth runs (1 000 vs 100 000 playbooks,
# 10 000 vs 1 000 000 outcomes) on SQLite. Prints a markdown report and writes it to
# bench/results/latest.md.
#
# BENCH_DURATION (default 10s), BENCH_CONNECTIONS (default 32), BENCH_PROVIDERS (default "sqlite postgres"),
# BENCH_GROWTH (default 1; 0 skips the growth runs).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

duration=${BENCH_DURATION:-10s}
connections=${BENCH_CONNECTIONS:-32}
providers=${BENCH_PROVIDERS:-sqlite postgres}
growth=${BENCH_GROWTH:-1}
work=$(mktemp -d /tmp/playbooks-bench-XXXX)
report="$root/bench/results/latest.md"
api_port=5090
plain_port=5091
server_pid=""

source bench/common.sh
api_dll=src/Playbooks.Api/bin/Release/net10.0/Playbooks.Api.dll
seed_dll=bench/Seed/bin/Release/net10.0/Seed.dll

# wrk SCENARIO URL DATA -> "rps p50 p99 errors"
load() {
  local result
  result=$(SCENARIO=$1 DATA=${3:-} TOKEN=${TOKEN:-} wrk -t2 -c"$connections" -d"$duration" -s bench/wrk/scenario.lua "$2" | grep '^RESULT')
  echo "$result" | sed -E 's/RESULT rps=([0-9.]+) p50=([0-9.]+) p99=([0-9.]+) requests=[0-9]+ errors=([0-9]+)/\1 \2 \3 \4/'
}

peak_mb() { awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

start_server() { # provider connection-string
  ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$api_port" \
  Playbooks__Database__Provider="$1" ConnectionStrings__Playbooks="$2" \
  Playbooks__RateLimit__PermitsPerSecond=1000000 Playbooks__RateLimit__Burst=1000000 \
  Logging__LogLevel__Default=Warning \
    dotnet "$api_dll" >"$work/server.log" 2>&1 &
  server_pid=$!
  wait_for "http://127.0.0.1:$api_port/readyz"
}

stop_server() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""; }

connection_for() { # provider name -> connection string of a fresh database
  if [ "$1" = sqlite ]; then
    echo "Data Source=$work/$2.db"
  else
    local admin; admin=$(scripts/postgres.sh start | tail -n 1)
    PGPASSWORD=postgres psql -q -h 127.0.0.1 -p "${PLAYBOOKS_PG_PORT:-54329}" -U postgres -c "DROP DATABASE IF EXISTS $2" -c "CREATE DATABASE $2" >&2
    echo "${admin/Database=postgres/Database=$2}"
  fi
}

seed() { # provider connection playbooks outcomes folder
  dotnet "$seed_dll" "$1" "$2" "$3" "$4" "$5" >&2
  TOKEN=$(cat "$5/token")
}

echo "Measuring the plaintext ceiling" >&2
ASPNETCORE_URLS="http://127.0.0.1:$plain_port" dotnet bench/Plaintext/bin/Release/net10.0/Plaintext.dll >/dev/null 2>&1 &
server_pid=$!
wait_for "http://127.0.0.1:$plain_port/plaintext"
load plaintext "http://127.0.0.1:$plain_port" >/dev/null   # warm-up
read -r ceiling ceiling_p50 ceiling_p99 _ < <(load plaintext "http://127.0.0.1:$plain_port")
stop_server

{
  echo "# Benchmark results"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(dotnet --version) SDK,"
  echo "wrk -t2 -c$connections -d$duration on the same machine (load generator and server share the cores)."
  echo "Command: \`bench/run.sh\`"
  echo
  echo "Plaintext ceiling (minimal ASP.NET Core app, bench/Plaintext): **$ceiling req/s**, p50 $ceiling_p50 ms, p99 $ceiling_p99 ms"
} >"$report"

for provider in $providers; do
  name=$( [ "$provider" = sqlite ] && echo Sqlite || echo Postgres )
  echo "Seeding $name: 10 000 playbooks, 1 000 000 outcomes" >&2
  connection=$(connection_for "$provider" bench_main)
  seed "$name" "$connection" 10000 1000000 "$work/main"
  start_server "$name" "$connection"
  load get "http://127.0.0.1:$api_port" "$work/main" >/dev/null   # warm-up
  {
    echo
    echo "## $name (10 000 playbooks, 1 000 000 outcomes)"
    echo
    echo "| scenario | req/s | of ceiling | p50 ms | p99 ms | errors | server peak RSS MB |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
  } >>"$report"
  for scenario in get list create update run outcome evaluate; do
    read -r rps p50 p99 errors < <(load "$scenario" "http://127.0.0.1:$api_port" "$work/main")
    ratio=$(awk -v a="$rps" -v b="$ceiling" 'BEGIN { printf "%.1f %%", 100 * a / b }')
    echo "| $scenario | $rps | $ratio | $p50 | $p99 | $errors | $(peak_mb "$server_pid") |" >>"$report"
    echo "$name $scenario: $rps req/s ($ratio of ceiling), p99 $p99 ms" >&2
  done
  stop_server
done

if [ "$growth" = 1 ]; then
  {
    echo
    echo "## Growth (SQLite): latency as the data grows"
    echo
    echo "| scenario | small p50 / p99 ms | large p50 / p99 ms | p50 ratio | p99 ratio |"
    echo "|---|---:|---:|---:|---:|"
  } >>"$report"
  declare -A small_p50 small_p99
  for size in small large; do
    if [ "$size" = small ]; then playbooks=1000; outcomes=10000; else playbooks=100000; outcomes=1000000; fi
    echo "Seeding growth $size: $playbooks playbooks, $outcomes outcomes" >&2
    connection=$(connection_for sqlite "growth_$size")
    seed Sqlite "$connection" "$playbooks" "$outcomes" "$work/$size"
    start_server Sqlite "$connection"
    load get "http://127.0.0.1:$api_port" "$work/$size" >/dev/null
    for scenario in get list evaluate; do
      read -r rps p50 p99 errors < <(load "$scenario" "http://127.0.0.1:$api_port" "$work/$size")
      if [ "$size" = small ]; then
        small_p50[$scenario]=$p50; small_p99[$scenario]=$p99
      else
        echo "| $scenario | ${small_p50[$scenario]} / ${small_p99[$scenario]} | $p50 / $p99 | $(awk -v a="$p50" -v b="${small_p50[$scenario]}" 'BEGIN { printf "%.2f", a / b }') | $(awk -v a="$p99" -v b="${small_p99[$scenario]}" 'BEGIN { printf "%.2f", a / b }') |" >>"$report"
      fi
    done
    stop_server
  done
  echo "(small: 1 000 playbooks and 10 000 outcomes; large: 100 000 playbooks and 1 000 000 outcomes)" >>"$report"
fi

cat "$report"
