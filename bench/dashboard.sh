#!/usr/bin/env bash
# The dashboard's server render time: bench/dashboard.sh
#
# Seeds one SQLite workspace (10 000 playbooks, 30 000 runs, 1 000 000 outcome reports) with
# bench/Seed, starts the server in Release, signs in through the sign-in form like a browser
# (antiforgery token and cookie), finds each page by following the dashboard's own links, and
# asks for each page over and over from one connection with wrk, so every figure is one page's
# time on the server plus a loopback round trip. The plaintext endpoint (bench/Plaintext) at the
# same single connection shows that floor. Appends a markdown table to bench/results/dashboard.md.
#
# BENCH_PLAYBOOKS (default 10000), BENCH_OUTCOMES (default 1000000), BENCH_PAGE_DURATION (default 5s).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

playbooks=${BENCH_PLAYBOOKS:-10000}
outcomes=${BENCH_OUTCOMES:-1000000}
duration=${BENCH_PAGE_DURATION:-5s}
work=$(mktemp -d /tmp/playbooks-dashbench-XXXX)
report="$root/bench/results/dashboard.md"
port=5092
plain_port=5093
server_pid=""
base="http://127.0.0.1:$port"

source bench/common.sh

# measure PATH -> "rps p50 p99 errors" from one connection
measure() {
  SCENARIO=${SCENARIO:-page} PAGE=$1 COOKIE=${COOKIE:-} wrk -t1 -c1 -d"$duration" -s bench/wrk/scenario.lua "$2" \
    | grep '^RESULT' | sed -E 's/RESULT rps=([0-9.]+) p50=([0-9.]+) p99=([0-9.]+) requests=[0-9]+ errors=([0-9]+)/\1 \2 \3 \4/'
}

# The first href on a page that matches a pattern, with HTML's &amp; undone.
first_link() { grep -oE "href=\"[^\"]*\"" "$1" | sed -E 's/^href="(.*)"$/\1/; s/&amp;/\&/g' | grep -E "$2" | head -n 1 || true; }

# A page into a file; a page that is missing leaves the file empty and its links unfound.
get() { curl -sf -b "$work/jar" -c "$work/jar" "$base$1" -o "$2" || : >"$2"; }

echo "Measuring the plaintext floor" >&2
ASPNETCORE_URLS="http://127.0.0.1:$plain_port" dotnet bench/Plaintext/bin/Release/net10.0/Plaintext.dll >/dev/null 2>&1 &
server_pid=$!
wait_for "http://127.0.0.1:$plain_port/plaintext"
SCENARIO=plaintext measure /plaintext "http://127.0.0.1:$plain_port" >/dev/null
read -r plain_rps plain_p50 plain_p99 _ < <(SCENARIO=plaintext measure /plaintext "http://127.0.0.1:$plain_port")
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""

echo "Seeding SQLite: $playbooks playbooks, $outcomes outcome reports" >&2
connection="Data Source=$work/dashboard.db"
seed_started=$(date +%s)
dotnet bench/Seed/bin/Release/net10.0/Seed.dll Sqlite "$connection" "$playbooks" "$outcomes" "$work/seed" >&2
seed_seconds=$(( $(date +%s) - seed_started ))

ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="$base" \
Playbooks__Database__Provider=Sqlite ConnectionStrings__Playbooks="$connection" \
Playbooks__RateLimit__PermitsPerSecond=1000000 Playbooks__RateLimit__Burst=1000000 \
Logging__LogLevel__Default=Warning \
  dotnet src/Playbooks.Api/bin/Release/net10.0/Playbooks.Api.dll >"$work/server.log" 2>&1 &
server_pid=$!
wait_for "$base/readyz"

# Sign in as a browser does: the form's hidden fields (antiforgery token, form name) and the
# token in its one visible input, posted to the form's action; the cookie jar keeps the session.
curl -sfL -b "$work/jar" -c "$work/jar" "$base/app" -o "$work/sign-in.html"
form_tag=$(grep -oE '<form[^>]*method="post"[^>]*>' "$work/sign-in.html" | head -n 1)
action=$(echo "$form_tag" | sed -nE 's/.*action="([^"]*)".*/\1/p')
action=${action:-/app/sign-in}
fields=()
while read -r input; do
  name=$(echo "$input" | sed -nE 's/.*name="([^"]*)".*/\1/p')
  value=$(echo "$input" | sed -nE 's/.*value="([^"]*)".*/\1/p')
  [ -n "$name" ] && fields+=(--data-urlencode "$name=$value")
done < <(grep -oE '<input[^>]*type="hidden"[^>]*>' "$work/sign-in.html")
token_field=$(grep -oE '<input[^>]*>' "$work/sign-in.html" | grep -v 'type="hidden"' | head -n 1 | sed -nE 's/.*name="([^"]*)".*/\1/p')
curl -sf -o /dev/null -b "$work/jar" -c "$work/jar" "${fields[@]}" --data-urlencode "$token_field=$(cat "$work/seed/token")" "$base$action"
COOKIE=$(sed -E 's/^#HttpOnly_//' "$work/jar" | awk -F '\t' '!/^#/ && NF == 7 { printf "%s%s=%s", sep, $6, $7; sep = "; " }')
get /app "$work/list.html"
grep -q 'Sign out' "$work/list.html" || { echo "Signing in failed; the list page does not offer Sign out" >&2; exit 1; }

# Every page by the dashboard's own links: the list's next page, a playbook, its edit form, a run, the prompt.
declare -A pages
pages[list]=/app
pages[list-page-2]=$(first_link "$work/list.html" 'cursor=')
pages[playbook]=$(first_link "$work/list.html" 'pb_[0-9A-Za-z]+/?$')
get "${pages[playbook]}" "$work/playbook.html"
pages[edit]=$(first_link "$work/playbook.html" 'edit')
pages[run]=$(first_link "$work/playbook.html" 'run_[0-9A-Za-z]+')
pages[prompt]=$(first_link "$work/playbook.html" 'prompt')

{
  echo
  echo "## $(date -u +%Y-%m-%dT%H:%MZ): $playbooks playbooks, $outcomes outcome reports (SQLite)"
  echo
  echo "$(nproc) cores (shared), $(dotnet --version) SDK, Release; seeded in ${seed_seconds} s. wrk -t1 -c1 -d$duration per page, loopback."
  echo "Command: \`BENCH_PLAYBOOKS=$playbooks BENCH_OUTCOMES=$outcomes bench/dashboard.sh\`"
  echo
  echo "| page | path | median ms | p99 ms | req/s (one connection) | errors |"
  echo "|---|---|---:|---:|---:|---:|"
  echo "| plaintext (floor) | /plaintext | $plain_p50 | $plain_p99 | $plain_rps | 0 |"
} >>"$report"
for page in list list-page-2 playbook edit run prompt; do
  path=${pages[$page]}
  if [ -z "$path" ]; then
    echo "| $page | (no link found) | | | | |" >>"$report"
    echo "$page: no link found" >&2
    continue
  fi
  status=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "$base$path")
  COOKIE=$COOKIE measure "$path" "$base" >/dev/null   # warm-up
  read -r rps p50 p99 errors < <(COOKIE=$COOKIE measure "$path" "$base")
  echo "| $page | \`$path\` ($status) | $p50 | $p99 | $rps | $errors |" >>"$report"
  echo "$page $path ($status): median $p50 ms, p99 $p99 ms" >&2
done
tail -n 14 "$report"
