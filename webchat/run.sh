#!/usr/bin/env bash
# `make webchat`: the bot, a local Direct Line and the Web Chat page, on loopback.
# Installs the client pieces on first use, prints the URL to open, and stops
# everything it started when it exits (Ctrl+C).
#
# Environment: PORT (the bot, 3978), WEBCHAT_PORT (the page and Direct Line, 3000),
# BOT_LOG (a file for the bot's output; default: this terminal), BOT_URL (a bot that is
# already running, such as `make fleet`'s http://127.0.0.1:3978: no bot is started), and
# anything the bot reads (ADMIN_TOKEN, DATABASE_URL, POLL_INTERVAL_SECONDS, ...: README.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
python="$root/.venv/bin/python"

fail() { echo "webchat: $*" >&2; exit 1; }

export PORT=${PORT:-3978} HOST=127.0.0.1
webchat_port=${WEBCHAT_PORT:-3000}
running_bot=${BOT_URL:-}
bot_url=${running_bot:-http://127.0.0.1:$PORT}
bot_url=${bot_url%/}
ours="the bot and the server"
[ -z "$running_bot" ] || ours="the server (not the bot at $bot_url)"
page_url="http://127.0.0.1:$webchat_port/"

[ -x "$python" ] || fail "no virtualenv at $root/.venv: start this with 'make webchat'"
command -v curl >/dev/null || fail "curl is missing (apt-get install curl)"
bash "$here/install.sh"

answers() { curl -s -o /dev/null --max-time 2 "$1"; }
if [ -n "$running_bot" ]; then
  curl -fs -o /dev/null --max-time 5 "$bot_url/healthz" || fail "no healthy bot at BOT_URL=$running_bot ($bot_url/healthz does not answer 200)"
else
  answers "$bot_url/" && fail "something already listens on port $PORT (is 'make run' running?): stop it or set PORT"
fi
answers "$page_url" && fail "something already listens on port $webchat_port: stop it or set WEBCHAT_PORT"

pids=()
stop_all() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_for URL PID WHAT SECONDS: until URL answers 200, as long as process PID lives.
wait_for() {
  local url=$1 pid=$2 what=$3 deadline=$((SECONDS + $4))
  until curl -fs -o /dev/null --max-time 2 "$url"; do
    kill -0 "$pid" 2>/dev/null || fail "$what exited before it was ready (see its output ${BOT_LOG:+in $BOT_LOG or }above)"
    [ "$SECONDS" -lt "$deadline" ] || fail "$what did not answer $url within $4 s"
    sleep 0.2
  done
}

# The bot goes first: offline-directline crashes if the bot is not there yet.
if [ -z "$running_bot" ]; then
  (cd "$root" && if [ -n "${BOT_LOG:-}" ]; then exec "$python" app.py >>"$BOT_LOG" 2>&1; else exec "$python" app.py; fi) &
  pids+=($!)
  wait_for "$bot_url/healthz" "${pids[-1]}" "the bot" 60
fi

node "$here/server.js" --port "$webchat_port" --bot "$bot_url/api/messages" &
pids+=($!)
wait_for "$page_url" "${pids[-1]}" "the Web Chat server" 30

cat <<MSG

  PriceWatch Web Chat is ready: open $page_url in your browser.
  (bot: $bot_url/api/messages, Direct Line: ${page_url}directline; Ctrl+C stops $ours)

MSG

# Run until Ctrl+C, or until the bot or the server stops by itself.
wait -n "${pids[@]}" || true
fail "the bot or the Web Chat server stopped; stopping $ours"
