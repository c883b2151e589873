#!/usr/bin/env bash
# A throwaway PostgreSQL for tests: a fresh data directory under /tmp, a loopback port, trust
# auth for local connections only, run as a non-root user. Installs the server with apt-get
# when it is missing.
#
#   scripts/postgres.sh start   # prints the connection string (Npgsql form) on its last line
#   scripts/postgres.sh stop    # stops the server and removes its data
#   scripts/postgres.sh status
#
# PLAYBOOKS_PG_PORT (default 54329) and PLAYBOOKS_PG_DIR (default /tmp/playbooks-pg-$PORT) choose
# where it lives.
set -euo pipefail

port=${PLAYBOOKS_PG_PORT:-54329}
dir=${PLAYBOOKS_PG_DIR:-/tmp/playbooks-pg-$port}
data=$dir/data
log=$dir/server.log

find_bin() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$bin" ] && [ -x "$bin/initdb" ] && echo "$bin"
}

install_server() {
  echo "PostgreSQL server not found; installing it with apt-get" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >&2
}

# initdb and postgres refuse to run as root: as root, run them as the postgres system user.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

connection_string() {
  echo "Host=127.0.0.1;Port=$port;Username=postgres;Password=postgres;Database=postgres"
}

start() {
  local bin
  bin=$(find_bin) || { install_server; bin=$(find_bin); }
  if [ -f "$data/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    connection_string
    return
  fi
  rm -rf "$dir"
  mkdir -p "$dir"
  [ "$(id -u)" -ne 0 ] || chown postgres "$dir"
  as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  # Tuned for tests: nothing here has to survive a crash, so skip the fsyncs.
  as_owner "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 start -o \
    "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null
  connection_string
}

stop() {
  local bin
  bin=$(find_bin) || true
  if [ -n "${bin:-}" ] && [ -d "$data" ]; then
    as_owner "$bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) bin=$(find_bin) && as_owner "$bin/pg_ctl" -D "$data" status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
