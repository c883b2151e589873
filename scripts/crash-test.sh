#!/usr/bin/env bash
# The crash test on one provider: scripts/crash-test.sh sqlite|postgres [kills] [writers]
# Writers keep writing while the server is killed hard and restarted; then every acknowledged
# write must be there, none half there, and the store must pass its integrity check; every change
# must have its event in the feed, and every event must reach a webhook receiver the test runs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
provider=${1:?usage: scripts/crash-test.sh sqlite|postgres [kills] [writers]}
work=$(mktemp -d /tmp/playbooks-crash-XXXX)
trap 'rm -rf "$work"' EXIT

dotnet build -c Release -v q -nologo src/Playbooks.Api >&2
dotnet build -c Release -v q -nologo tools/CrashTest >&2

if [ "$provider" = sqlite ]; then
  name=Sqlite
  connection="Data Source=$work/crash.db"
else
  name=Postgres
  admin=$(scripts/postgres.sh start | tail -n 1)
  database=crash_$(date +%s)
  PGPASSWORD=postgres psql -q -h 127.0.0.1 -p "${PLAYBOOKS_PG_PORT:-54329}" -U postgres -c "CREATE DATABASE $database" >&2
  connection="${admin/Database=postgres/Database=$database}"
fi

dotnet tools/CrashTest/bin/Release/net10.0/CrashTest.dll "$name" "$connection" src/Playbooks.Api/bin/Release/net10.0/Playbooks.Api.dll "${2:-4}" "${3:-8}"
