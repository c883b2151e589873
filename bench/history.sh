#!/usr/bin/env bash
# Does the cost of evaluating a playbook, and of a refused pivot (inside SQLite's write lock), grow
# with the playbook's saved versions? One server (Release, SQLite), one playbook with 1 version and
# one with BENCH_VERSIONS (default 3000), measured in interleaved rounds; prints medians and ratios.
# BENCH_SERVER_DIR=<a built Playbooks.Api output folder> measures another build (e.g. an older commit).
set -euo pipefail
cd "$(dirname "$0")/.."
versions=${BENCH_VERSIONS:-3000}
rounds=${BENCH_ROUNDS:-300}
port=${BENCH_PORT:-5301}
work=$(mktemp -d)
server_pid=""
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

if [ -z "${BENCH_SERVER_DIR:-}" ]; then
  dotnet build -c Release -v q -nologo src/Playbooks.Api >&2
  BENCH_SERVER_DIR=src/Playbooks.Api/bin/Release/net10.0
fi
admin=bench-history-admin-key-0123456789abcdef
ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS=http://127.0.0.1:$port \
  ConnectionStrings__Playbooks="Data Source=$work/playbooks.db" Playbooks__AdminKey=$admin \
  Playbooks__RateLimit__PermitsPerSecond=100000 Playbooks__RateLimit__Burst=100000 Logging__LogLevel__Default=Warning \
  dotnet "$BENCH_SERVER_DIR/Playbooks.Api.dll" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done

workspace=$(curl -sf -X POST "http://127.0.0.1:$port/v1/admin/workspaces" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' -d '{"name":"bench"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["workspace"]["id"])')
token=$(curl -sf -X POST "http://127.0.0.1:$port/v1/admin/tokens" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
  -d "{\"subject\":\"bench\",\"grants\":[{\"workspaceId\":\"$workspace\",\"role\":\"editor\"}]}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
echo "| what | median |"
echo "|---|---|"
python3 bench/history.py 127.0.0.1 "$port" "$token" "$versions" "$rounds"
