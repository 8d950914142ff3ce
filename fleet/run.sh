#!/usr/bin/env bash
# `make fleet`: three instances of the bot on one PostgreSQL database, one shared mock
# price feed, and HAProxy in front of them on one port, all on 127.0.0.1. Installs
# HAProxy (Debian's package) when it is missing and creates the database when it is
# missing; prints the URL and the admin token; Ctrl+C stops everything it started.
#
# Environment: PORT (the load balancer, 3978; the instances listen on PORT+1..PORT+3,
# the feed on PORT+4), DATABASE_URL (postgresql://postgres@127.0.0.1:5432/pricewatch),
# ADMIN_TOKEN (generated when unset), FLEET_LOGS (a folder for the logs, data/fleet),
# and anything else the bot reads (POLL_INTERVAL_SECONDS, MOCK_FEED_DRIFT, ...: README.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
python="$root/.venv/bin/python"

fail() { echo "fleet: $*" >&2; exit 1; }

[ -x "$python" ] || fail "no virtualenv at $root/.venv: start this with 'make fleet'"
command -v curl >/dev/null || fail "curl is missing (apt-get install curl)"

export PORT=${PORT:-3978} HOST=127.0.0.1
export DATABASE_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/pricewatch}
export ADMIN_TOKEN=${ADMIN_TOKEN:-$("$python" -c 'import secrets; print(secrets.token_urlsafe(32))')}
export FLEET_LB_PORT=$PORT FLEET_FEED_PORT=$((PORT + 4))
export FLEET_BOT_PORT_1=$((PORT + 1)) FLEET_BOT_PORT_2=$((PORT + 2)) FLEET_BOT_PORT_3=$((PORT + 3))
export PRICE_FEED_URL="http://127.0.0.1:$FLEET_FEED_PORT/feed"
logs=${FLEET_LOGS:-$root/data/fleet}
lb_url="http://127.0.0.1:$PORT"
# Chart links in cards point at the load balancer: any instance serves any chart.
export PUBLIC_URL=${PUBLIC_URL:-$lb_url}

case "$DATABASE_URL" in
  postgresql://* | postgres://*) ;;
  *) fail "DATABASE_URL must be a PostgreSQL URL (postgresql://user@host:port/database), got $DATABASE_URL" ;;
esac

if ! command -v haproxy >/dev/null; then
  command -v apt-get >/dev/null || fail "HAProxy is missing and there is no apt-get: install haproxy"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "fleet: installing HAProxy (apt-get install -y haproxy)"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq haproxy >/dev/null
fi
haproxy -c -q -f "$here/haproxy.cfg" || fail "fleet/haproxy.cfg does not check out"

answers() { curl -s -o /dev/null --max-time 2 "$1"; }
for port in "$PORT" "$FLEET_BOT_PORT_1" "$FLEET_BOT_PORT_2" "$FLEET_BOT_PORT_3" "$FLEET_FEED_PORT"; do
  answers "http://127.0.0.1:$port/" && fail "something already listens on port $port (the fleet uses PORT..PORT+4): stop it or set PORT"
done

# The database, created when missing (the instances migrate it themselves, at once).
"$python" - <<'PY' || fail "could not reach or create the database at $DATABASE_URL"
import asyncio
import os
import sys
from urllib.parse import urlsplit

import asyncpg


async def main() -> None:
    url = os.environ["DATABASE_URL"]
    try:
        await (await asyncpg.connect(url, timeout=5)).close()
        return
    except asyncpg.InvalidCatalogNameError:
        pass
    name = urlsplit(url).path.lstrip("/")
    admin = await asyncpg.connect(urlsplit(url)._replace(path="/postgres").geturl(), timeout=5)
    try:
        await admin.execute('CREATE DATABASE "{}"'.format(name.replace('"', '""')))
    finally:
        await admin.close()
    print(f"fleet: created the database {name}")


try:
    asyncio.run(main())
except (OSError, asyncpg.PostgresError) as error:
    print(f"fleet: {type(error).__name__}: {error}", file=sys.stderr)
    sys.exit(1)
PY

mkdir -p "$logs"
pids=()
declare -A names=()
stop_all() {
  local i
  # The load balancer first, the feed last: the reverse of the start.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; done
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do wait "${pids[i]}" 2>/dev/null || true; done
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start NAME COMMAND...: in the background, its output in $logs/NAME.log.
start() {
  local name=$1
  shift
  (cd "$root" && exec "$@" >"$logs/$name.log" 2>&1) &
  pids+=($!)
  names[$!]=$name
}

# wait_for URL PID WHAT SECONDS: until URL answers 200, as long as process PID lives.
wait_for() {
  local url=$1 pid=$2 what=$3 deadline=$((SECONDS + $4))
  until curl -fs -o /dev/null --max-time 2 "$url"; do
    kill -0 "$pid" 2>/dev/null || fail "$what exited before it was ready (see $logs/$what.log)"
    [ "$SECONDS" -lt "$deadline" ] || fail "$what did not answer $url within $4 s (see $logs/$what.log)"
    sleep 0.2
  done
}

drift=()
case "${MOCK_FEED_DRIFT:-true}" in 0 | false | no | off) drift=(--no-drift) ;; esac
start feed "$python" -m mockfeed --port "$FLEET_FEED_PORT" "${drift[@]}"
wait_for "$PRICE_FEED_URL/products" "${pids[-1]}" feed 30

for n in 1 2 3; do
  port_var=FLEET_BOT_PORT_$n
  start "bot-$n" env PORT="${!port_var}" "$python" app.py
done
for n in 1 2 3; do
  port_var=FLEET_BOT_PORT_$n
  wait_for "http://127.0.0.1:${!port_var}/healthz" "${pids[n]}" "bot-$n" 60
done

start haproxy haproxy -db -f "$here/haproxy.cfg"
wait_for "$lb_url/healthz" "${pids[-1]}" haproxy 30

cat <<MSG

  PriceWatch fleet is ready: 3 instances on one database behind HAProxy.
    Emulator:    $lb_url/api/messages (no app id, no password)
    Admin token: $ADMIN_TOKEN
    Database:    $DATABASE_URL
    Instances:   bot-1 pid ${pids[1]} (:$FLEET_BOT_PORT_1), bot-2 pid ${pids[2]} (:$FLEET_BOT_PORT_2), bot-3 pid ${pids[3]} (:$FLEET_BOT_PORT_3); feed :$FLEET_FEED_PORT
    Logs:        $logs/
  Force a drop: curl -X PUT -H "Authorization: Bearer $ADMIN_TOKEN" -H "Content-Type: application/json" \\
                     -d '{"price": 149.99}' $lb_url/feed/products/p-100
  Kill an instance (kill -9 PID) and the others carry on. Ctrl+C stops everything.

MSG

# Run until Ctrl+C. An instance that stops is reported and the others carry on; the
# feed or the load balancer stopping, or the last instance, ends the fleet.
bots_left=3
while true; do
  ended=""
  wait -n -p ended "${pids[@]}" || true
  [ -n "$ended" ] || continue
  name=${names[$ended]}
  case "$name" in
    bot-*)
      bots_left=$((bots_left - 1))
      echo "fleet: $name (pid $ended) stopped; $bots_left instance(s) carry on (see $logs/$name.log)" >&2
      [ "$bots_left" -gt 0 ] || fail "no instance is left"
      ;;
    *) fail "$name stopped (see $logs/$name.log); stopping the rest" ;;
  esac
  remaining=()
  for pid in "${pids[@]}"; do [ "$pid" = "$ended" ] || remaining+=("$pid"); done
  pids=("${remaining[@]}")
done
