#!/usr/bin/env bash
# The soak run: bench/soak.sh [sqlite|postgres]
# Five minutes of steady mixed load (40 % get, 10 % list, 10 % evaluate, 20 % outcome, 10 % create,
# 10 % update) in 30-second slices; after each slice it samples throughput, p50/p99 latency and the
# server's memory (RSS now and peak). Flat lines are the pass mark. Writes bench/results/soak.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
provider=${1:-sqlite}
slices=${SOAK_SLICES:-10}
slice=${SOAK_SLICE:-30s}
work=$(mktemp -d /tmp/playbooks-soak-XXXX)
report="$root/bench/results/soak.md"
port=5092
server_pid=""
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT

command -v wrk >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get update -qq && $sudo apt-get install -y -qq wrk; }
for project in src/Playbooks.Api bench/Seed; do dotnet build -c Release -v q -nologo "$project" >&2; done

if [ "$provider" = sqlite ]; then
  name=Sqlite; connection="Data Source=$work/soak.db"
else
  name=Postgres
  admin=$(scripts/postgres.sh start | tail -n 1)
  PGPASSWORD=postgres psql -q -h 127.0.0.1 -p "${PLAYBOOKS_PG_PORT:-54329}" -U postgres -c "DROP DATABASE IF EXISTS soak" -c "CREATE DATABASE soak" >&2
  connection="${admin/Database=postgres/Database=soak}"
fi
dotnet bench/Seed/bin/Release/net10.0/Seed.dll "$name" "$connection" 10000 100000 "$work/data" >&2

ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$port" Playbooks__Database__Provider="$name" ConnectionStrings__Playbooks="$connection" \
  Playbooks__RateLimit__PermitsPerSecond=1000000 Playbooks__RateLimit__Burst=1000000 Logging__LogLevel__Default=Warning \
  dotnet src/Playbooks.Api/bin/Release/net10.0/Playbooks.Api.dll >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done

{
  echo "# Soak run ($name)"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores; $slices slices of $slice, wrk -t2 -c32, mixed scenario; command: \`bench/soak.sh $provider\`"
  echo
  echo "| slice | req/s | p50 ms | p99 ms | errors | RSS MB | peak RSS MB |"
  echo "|---:|---:|---:|---:|---:|---:|---:|"
} >"$report"
for i in $(seq 1 "$slices"); do
  result=$(SCENARIO=mixed DATA="$work/data" TOKEN=$(cat "$work/data/token") wrk -t2 -c32 -d"$slice" -s bench/wrk/scenario.lua "http://127.0.0.1:$port" | grep '^RESULT')
  read -r rps p50 p99 errors < <(echo "$result" | sed -E 's/RESULT rps=([0-9.]+) p50=([0-9.]+) p99=([0-9.]+) requests=[0-9]+ errors=([0-9]+)/\1 \2 \3 \4/')
  rss=$(awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$server_pid/status")
  peak=$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$server_pid/status")
  echo "| $i | $rps | $p50 | $p99 | $errors | $rss | $peak |" | tee -a "$report" >&2
done
cat "$report"
