#!/usr/bin/env bash
# The benchmark, in one command: bench/run.sh
#
# Builds in Release, then for SQLite and for PostgreSQL seeds a workspace (10 000 playbooks,
# 30 000 runs, 1 000 000 outcomes) and copies it, starts this tree's server on one copy and the
# baseline's (BENCH_BASELINE, a git ref built in a worktree) on the other, and drives each
# scenario with wrk, round after round, interleaved: the plaintext ceiling, then each scenario on
# the baseline and on this tree, so a busier minute of this shared machine hits both alike. The
# report gives the median of the rounds and the ratios; then the growth runs (1 000 vs 100 000
# playbooks, 10 000 vs 1 000 000 outcomes) on SQLite. Prints a markdown report and writes it to
# bench/results/latest.md.
#
# BENCH_BASELINE (default c811521, the write path before group commit; "none" measures this tree
# alone), BENCH_ROUNDS (default 3), BENCH_DURATION (default 10s), BENCH_CONNECTIONS (default 32),
# BENCH_PROVIDERS (default "sqlite postgres"), BENCH_SCENARIOS (default all seven),
# BENCH_GROWTH (default 1; 0 skips the growth runs).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

duration=${BENCH_DURATION:-10s}
connections=${BENCH_CONNECTIONS:-32}
providers=${BENCH_PROVIDERS:-sqlite postgres}
scenarios=${BENCH_SCENARIOS:-get list create update run outcome evaluate}
rounds=${BENCH_ROUNDS:-3}
baseline=${BENCH_BASELINE:-c811521}
growth=${BENCH_GROWTH:-1}
work=$(mktemp -d /tmp/playbooks-bench-XXXX)
report="$root/bench/results/latest.md"
api_port=5090
baseline_port=5092
plain_port=5091
server_pid=""
pids=()

source bench/common.sh
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; cleanup' EXIT
api_dll=src/Playbooks.Api/bin/Release/net10.0/Playbooks.Api.dll
seed_dll=bench/Seed/bin/Release/net10.0/Seed.dll

variants="after"
if [ "$baseline" != none ]; then
  variants="before after"
  baseline_tree="$work/baseline"
  git worktree add --detach "$baseline_tree" "$baseline" >&2
  trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; git worktree remove --force "$baseline_tree" 2>/dev/null; cleanup' EXIT
  echo "Building the baseline $baseline in Release" >&2
  dotnet build -c Release -v q -nologo "$baseline_tree/src/Playbooks.Api" >&2
fi
declare -A dll=([after]="$api_dll" [before]="${baseline_tree:-}/src/Playbooks.Api/bin/Release/net10.0/Playbooks.Api.dll")
declare -A port=([after]=$api_port [before]=$baseline_port)

# wrk SCENARIO URL DATA -> "rps p50 p99 errors"
load() {
  local result
  result=$(SCENARIO=$1 DATA=${3:-} TOKEN=${TOKEN:-} wrk -t2 -c"$connections" -d"${LOAD_DURATION:-$duration}" -s bench/wrk/scenario.lua "$2" | grep '^RESULT')
  echo "$result" | sed -E 's/RESULT rps=([0-9.]+) p50=([0-9.]+) p99=([0-9.]+) requests=[0-9]+ errors=([0-9]+)/\1 \2 \3 \4/'
}


peak_mb() { awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

start_server() { # provider connection-string [dll] [port] -> sets server_pid
  ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:${4:-$api_port}" \
  Playbooks__Database__Provider="$1" ConnectionStrings__Playbooks="$2" \
  Playbooks__RateLimit__PermitsPerSecond=1000000 Playbooks__RateLimit__Burst=1000000 \
  Logging__LogLevel__Default=Warning \
    dotnet "${3:-$api_dll}" >"$work/server-${4:-$api_port}.log" 2>&1 &
  server_pid=$!
  pids+=($!)
  wait_for "http://127.0.0.1:${4:-$api_port}/readyz"
}

stop_server() { kill "$1"; wait "$1" 2>/dev/null || true; }

pg_admin() { PGPASSWORD=postgres psql -q -h 127.0.0.1 -p "${PLAYBOOKS_PG_PORT:-54329}" -U postgres "$@" >&2; }

connection_for() { # provider name [template] -> connection string of a fresh database (a copy of the template, if named)
  if [ "$1" = sqlite ]; then
    if [ -n "${3:-}" ]; then for suffix in "" -wal -shm; do [ -f "$work/$3.db$suffix" ] && cp "$work/$3.db$suffix" "$work/$2.db$suffix"; done; fi
    echo "Data Source=$work/$2.db"
  else
    local admin; admin=$(scripts/postgres.sh start | tail -n 1)
    pg_admin -c "DROP DATABASE IF EXISTS $2" -c "CREATE DATABASE $2${3:+ TEMPLATE $3}"
    echo "${admin/Database=postgres/Database=$2}"
  fi
}

seed() { # provider connection playbooks outcomes folder
  dotnet "$seed_dll" "$1" "$2" "$3" "$4" "$5" >&2
  TOKEN=$(cat "$5/token")
}

ASPNETCORE_URLS="http://127.0.0.1:$plain_port" dotnet bench/Plaintext/bin/Release/net10.0/Plaintext.dll >/dev/null 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$plain_port/plaintext"
load plaintext "http://127.0.0.1:$plain_port" >/dev/null   # warm-up

results="$work/results"   # lines: provider variant scenario round rps p50 p99 errors
: >"$results"
declare -A peak=()
for provider in $providers; do
  name=$( [ "$provider" = sqlite ] && echo Sqlite || echo Postgres )
  echo "Seeding $name: 10 000 playbooks, 1 000 000 outcomes" >&2
  seed "$name" "$(connection_for "$provider" bench_seed)" 10000 1000000 "$work/main"
  declare -A server=()
  for variant in $variants; do
    connection=$(connection_for "$provider" "bench_$variant" bench_seed)
    start_server "$name" "$connection" "${dll[$variant]}" "${port[$variant]}"
    server[$variant]=$server_pid
    LOAD_DURATION=3s load get "http://127.0.0.1:${port[$variant]}" "$work/main" >/dev/null   # warm-up
  done
  for round in $(seq 1 "$rounds"); do
    read -r rps p50 p99 errors < <(load plaintext "http://127.0.0.1:$plain_port")
    echo "$provider ceiling plaintext $round $rps $p50 $p99 $errors" >>"$results"
    echo "$name round $round: plaintext $rps req/s (load average $(cut -d' ' -f1 /proc/loadavg))" >&2
    for scenario in $scenarios; do
      for variant in $variants; do
        read -r rps p50 p99 errors < <(load "$scenario" "http://127.0.0.1:${port[$variant]}" "$work/main")
        echo "$provider $variant $scenario $round $rps $p50 $p99 $errors" >>"$results"
        echo "$name round $round: $variant $scenario $rps req/s, p50 $p50 ms, p99 $p99 ms, $errors errors" >&2
      done
    done
  done
  peak[$provider]=$(peak_mb "${server[after]}")
  for variant in $variants; do stop_server "${server[$variant]}"; done
done

{
  echo "# Benchmark results"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(dotnet --version) SDK,"
  echo "wrk -t2 -c$connections -d$duration per figure on the same machine (load generator and server share the cores), $rounds interleaved rounds, medians of the rounds."
  echo "after = $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo ' with local changes')$( [ "$baseline" = none ] || echo ", before = $(git rev-parse --short "$baseline")")."
  echo "Command: \`bench/run.sh\`"
  for provider in $providers; do
    name=$( [ "$provider" = sqlite ] && echo SQLite || echo PostgreSQL )
    ceiling=$(awk -v p="$provider" '$2 == "ceiling" && $1 == p { print $5 }' "$results" | median)
    echo
    echo "## $name (10 000 playbooks, 1 000 000 outcomes)"
    echo
    echo "Plaintext ceiling (bench/Plaintext, a minimal ASP.NET Core app): **$ceiling req/s** (median; rounds: $(awk -v p="$provider" '$2 == "ceiling" && $1 == p { printf "%s ", $5 }' "$results"))."
    echo "Server peak RSS after the rounds: ${peak[$provider]} MB."
    echo
    if [ "$baseline" = none ]; then
      echo "| scenario | req/s | of ceiling | p50 ms | p99 ms | errors |"
      echo "|---|---:|---:|---:|---:|---:|"
    else
      echo "| scenario | before req/s | after req/s | after / before | after, of ceiling | p50 ms before / after | p99 ms before / after | errors |"
      echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    fi
    for scenario in $scenarios; do
      m() { awk -v p="$provider" -v v="$1" -v s="$scenario" -v c="$2" '$1 == p && $2 == v && $3 == s { print $c }' "$results" | median; }
      a=$(m after 5)
      of=$(awk -v a="$a" -v b="$ceiling" 'BEGIN { printf "%.2f", a / b }')
      errors=$(awk -v p="$provider" -v s="$scenario" '$1 == p && $3 == s { e += $8 } END { print e + 0 }' "$results")
      if [ "$baseline" = none ]; then
        echo "| $scenario | $a | $of | $(m after 6) | $(m after 7) | $errors |"
      else
        b=$(m before 5)
        echo "| $scenario | $b | $a | **$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }')** | $of | $(m before 6) / $(m after 6) | $(m before 7) / $(m after 7) | $errors |"
      fi
    done
    echo
    echo "Each round's req/s$( [ "$baseline" = none ] || echo ' (before / after)'):"
    echo
    for scenario in $scenarios; do
      echo "- $scenario: $(for round in $(seq 1 "$rounds"); do awk -v p="$provider" -v s="$scenario" -v r="$round" '$1 == p && $3 == s && $4 == r { v[$2] = $5 } END { if ("before" in v) printf "%s / %s; ", v["before"], v["after"]; else printf "%s; ", v["after"] }' "$results"; done)"
    done
  done
} >"$report"

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
    LOAD_DURATION=3s load get "http://127.0.0.1:$api_port" "$work/$size" >/dev/null
    for scenario in get list evaluate; do
      read -r rps p50 p99 errors < <(load "$scenario" "http://127.0.0.1:$api_port" "$work/$size")
      if [ "$size" = small ]; then
        small_p50[$scenario]=$p50; small_p99[$scenario]=$p99
      else
        echo "| $scenario | ${small_p50[$scenario]} / ${small_p99[$scenario]} | $p50 / $p99 | $(awk -v a="$p50" -v b="${small_p50[$scenario]}" 'BEGIN { printf "%.2f", a / b }') | $(awk -v a="$p99" -v b="${small_p99[$scenario]}" 'BEGIN { printf "%.2f", a / b }') |" >>"$report"
      fi
    done
    stop_server "$server_pid"
  done
  echo "(small: 1 000 playbooks and 10 000 outcomes; large: 100 000 playbooks and 1 000 000 outcomes)" >>"$report"
fi

cat "$report"
