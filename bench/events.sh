#!/usr/bin/env bash
# What events cost on the write path, in one command: bench/events.sh
#
# "before" is the commit before events (BENCH_BEFORE, default 4e62d15), checked out in a worktree
# at /tmp/bench-before and built in Release; "after" is this tree. For each provider, three
# servers run side by side on their own seeded databases: before, after, and after with one
# webhook endpoint registered in the workspace (bench/Plaintext's POST /webhook on loopback,
# answering 200). Then, round after round, the same scenarios run interleaved on them (plaintext,
# then before, after, after+webhook for each scenario), so that a slower or busier minute of this
# shared machine hits both sides alike; the report gives the median of the rounds. After each
# webhook run the script waits until the endpoint has received every event the run created
# (the time it took is reported), so delivery never spills into the next measurement.
#
# BENCH_DURATION (default 10s), BENCH_ROUNDS (default 3), BENCH_PROVIDERS (default "sqlite postgres"),
# BENCH_CONNECTIONS (default 32), BENCH_PLAYBOOKS (default 10000), BENCH_OUTCOMES (default 100000).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

duration=${BENCH_DURATION:-10s}
rounds=${BENCH_ROUNDS:-3}
providers=${BENCH_PROVIDERS:-sqlite postgres}
connections=${BENCH_CONNECTIONS:-32}
playbooks=${BENCH_PLAYBOOKS:-10000}
outcomes=${BENCH_OUTCOMES:-100000}
before_commit=${BENCH_BEFORE:-4e62d15}
before_tree=/tmp/bench-before
work=$(mktemp -d /tmp/playbooks-bench-events-XXXX)
report="$root/bench/results/events.md"
server_pid=""
pids=()
declare -A port=([before]=5290 [after]=5291 [webhook]=5292)
plain_port=5293
receiver_port=5294

source bench/common.sh
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; cleanup' EXIT

if [ ! -d "$before_tree" ]; then
  git worktree add --detach "$before_tree" "$before_commit" >&2
fi
echo "Building $before_commit in Release at $before_tree" >&2
for project in src/Playbooks.Api bench/Seed; do dotnet build -c Release -v q -nologo "$before_tree/$project" >&2; done
declare -A tree=([before]="$before_tree" [after]="$root" [webhook]="$root")

# wrk SCENARIO URL DATA -> "rps p50 p99 requests errors"
load() {
  SCENARIO=$1 DATA=${3:-} TOKEN=${TOKEN:-} wrk -t2 -c"$connections" -d"${LOAD_DURATION:-$duration}" -s bench/wrk/scenario.lua "$2" | grep '^RESULT' \
    | sed -E 's/RESULT rps=([0-9.]+) p50=([0-9.]+) p99=([0-9.]+) requests=([0-9]+) errors=([0-9]+)/\1 \2 \3 \4 \5/'
}

received() { curl -sf "http://127.0.0.1:$receiver_port/webhook"; }


start_plaintext() { # port
  ASPNETCORE_URLS="http://127.0.0.1:$1" dotnet bench/Plaintext/bin/Release/net10.0/Plaintext.dll >/dev/null 2>&1 &
  pids+=($!)
  wait_for "http://127.0.0.1:$1/plaintext"
}

start_plaintext "$plain_port"
start_plaintext "$receiver_port"

results="$work/results"   # lines: provider variant scenario round rps p50 p99 requests errors
: >"$results"
drains="$work/drains"     # lines: provider round events delivered-at-end delivered-in-the-end seconds
: >"$drains"
loads="$work/loads"       # lines: provider round load-average (other work on this shared machine)
: >"$loads"

for provider in $providers; do
  name=$( [ "$provider" = sqlite ] && echo Sqlite || echo Postgres )
  declare -A token=() server=()
  for variant in before after webhook; do
    database="bench_events_$variant"
    if [ "$provider" = sqlite ]; then
      connection="Data Source=$work/$database.db"
    else
      admin=$(scripts/postgres.sh start | tail -n 1)
      PGPASSWORD=postgres psql -q -h 127.0.0.1 -p "${PLAYBOOKS_PG_PORT:-54329}" -U postgres -c "DROP DATABASE IF EXISTS $database" -c "CREATE DATABASE $database" >&2
      connection="${admin/Database=postgres/Database=$database}"
    fi
    echo "Seeding $name $variant: $playbooks playbooks, $outcomes outcomes" >&2
    dotnet "${tree[$variant]}/bench/Seed/bin/Release/net10.0/Seed.dll" "$name" "$connection" "$playbooks" "$outcomes" "$work/$provider-$variant" >&2
    token[$variant]=$(cat "$work/$provider-$variant/token")
    ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:${port[$variant]}" \
    Playbooks__Database__Provider="$name" ConnectionStrings__Playbooks="$connection" \
    Playbooks__RateLimit__PermitsPerSecond=1000000 Playbooks__RateLimit__Burst=1000000 \
    Playbooks__Webhooks__AllowPrivateNetworks=true Logging__LogLevel__Default=Warning \
      dotnet "${tree[$variant]}/src/Playbooks.Api/bin/Release/net10.0/Playbooks.Api.dll" >"$work/$provider-$variant.log" 2>&1 &
    server[$variant]=$!
    pids+=($!)
    wait_for "http://127.0.0.1:${port[$variant]}/readyz"
  done
  curl -sf -X POST "http://127.0.0.1:${port[webhook]}/v1/webhooks" -H "Authorization: Bearer ${token[webhook]}" \
    -H 'Content-Type: application/json' -d "{\"url\":\"http://127.0.0.1:$receiver_port/webhook\",\"description\":\"bench\"}" >/dev/null

  # Warm-up: the JIT and the connection pools of every server, and the delivery path.
  warm_events=$(received)
  for variant in before after webhook; do
    for scenario in get create; do
      read -r _ _ _ requests errors < <(TOKEN=${token[$variant]} LOAD_DURATION=3s load "$scenario" "http://127.0.0.1:${port[$variant]}" "$work/$provider-$variant")
      if [ "$variant" = webhook ] && [ "$scenario" = create ]; then warm_events=$((warm_events + requests - errors)); fi
    done
  done
  for _ in $(seq 1 1200); do [ "$(received)" -ge "$warm_events" ] && break; sleep 0.1; done
  echo "$name warmed up; $(received) deliveries so far" >&2

  for round in $(seq 1 "$rounds"); do
    echo "$provider $round $(cut -d' ' -f1 /proc/loadavg)" >>"$loads"
    read -r rps p50 p99 requests errors < <(load plaintext "http://127.0.0.1:$plain_port")
    echo "$provider ceiling plaintext $round $rps $p50 $p99 $requests $errors" >>"$results"
    echo "$name round $round: plaintext $rps req/s" >&2
    for scenario in get create outcome; do
      for variant in before after webhook; do
        before_count=$(received)
        read -r rps p50 p99 requests errors < <(TOKEN=${token[$variant]} load "$scenario" "http://127.0.0.1:${port[$variant]}" "$work/$provider-$variant")
        echo "$provider $variant $scenario $round $rps $p50 $p99 $requests $errors" >>"$results"
        echo "$name round $round: $variant $scenario $rps req/s, p50 $p50 ms, p99 $p99 ms, $errors errors" >&2
        if [ "$variant" = webhook ] && [ "$scenario" = create ]; then
          # Every create is one playbook.created event: wait until the endpoint has them all.
          expected=$((before_count + requests - errors))
          at_end=$(received)
          start=$(date +%s.%N)
          for _ in $(seq 1 1200); do [ "$(received)" -ge "$expected" ] && break; sleep 0.1; done
          waited=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
          echo "$provider $round $((requests - errors)) $((at_end - before_count)) $(( $(received) - before_count )) $waited" >>"$drains"
          echo "$name round $round: $((at_end - before_count)) of $((requests - errors)) events delivered when the run ended, all of them $waited s later" >&2
        fi
      done
    done
  done
  for variant in before after webhook; do kill "${server[$variant]}"; wait "${server[$variant]}" 2>/dev/null || true; done
done

{
  echo "# Events on the write path: before and after"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(dotnet --version) SDK; before = $(git rev-parse --short "$before_commit"), after = $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo ' (with local changes)')."
  echo "wrk -t2 -c$connections -d$duration per run, $rounds interleaved rounds, medians of the rounds; $playbooks playbooks and $outcomes outcomes seeded per database."
  echo "Command: \`bench/events.sh\`"
  for provider in $providers; do
    name=$( [ "$provider" = sqlite ] && echo SQLite || echo PostgreSQL )
    echo
    echo "## $name"
    echo
    ceiling=$(awk -v p="$provider" '$1 == p && $2 == "ceiling" { print $5 }' "$results" | median)
    echo "Load average (1 min) at the start of each round: $(awk -v p="$provider" '$1 == p { printf "%s ", $3 }' "$loads")(2 cores; anything above 2 is other work queued)"
    echo
    echo "Plaintext ceiling: $ceiling req/s (median; rounds: $(awk -v p="$provider" '$1 == p && $2 == "ceiling" { printf "%s ", $5 }' "$results"))"
    echo
    echo "| scenario | before req/s | after req/s | after / before | after + webhook req/s | webhook / before | p50 ms before / after / webhook | p99 ms before / after / webhook | errors |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    for scenario in get create outcome; do
      m() { awk -v p="$provider" -v v="$1" -v s="$scenario" -v c="$2" '$1 == p && $2 == v && $3 == s { print $c }' "$results" | median; }
      b=$(m before 5); a=$(m after 5); w=$(m webhook 5)
      errors=$(awk -v p="$provider" -v s="$scenario" '$1 == p && $3 == s { e += $9 } END { print e + 0 }' "$results")
      echo "| $scenario | $b | $a | $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }') | $w | $(awk -v a="$w" -v b="$b" 'BEGIN { printf "%.2f", a / b }') | $(m before 6) / $(m after 6) / $(m webhook 6) | $(m before 7) / $(m after 7) / $(m webhook 7) | $errors |"
    done
    echo
    echo "Each round's req/s (before / after / webhook):"
    echo
    for scenario in get create outcome; do
      echo "- $scenario: $(for round in $(seq 1 "$rounds"); do awk -v p="$provider" -v s="$scenario" -v r="$round" '$1 == p && $3 == s && $4 == r { v[$2] = $5 } END { printf "%s / %s / %s; ", v["before"], v["after"], v["webhook"] }' "$results"; done)"
    done
    echo
    echo "Deliveries of the webhook create runs (events created, delivered when the run ended, delivered in the end, seconds waited after the run):"
    echo "$(awk -v p="$provider" '$1 == p { printf "round %s: %s created, %s at the end of the run, %s in the end, %s s; ", $2, $3, $4, $5, $6 }' "$drains")"
  done
} >"$report"
cat "$report"
