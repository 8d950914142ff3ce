#!/usr/bin/env bash
# `make e2e`: PriceWatch in Web Chat in headless Chromium, end to end.
# Installs what is missing (Debian's chromium, the pinned npm pieces) rather than
# skipping, starts the bot and the page through webchat/run.sh on free ports with a
# fresh database, runs e2e/journeys.js, and stops everything it started.
# Screenshots go to artifacts/e2e/; the bot's log too when something failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
artifacts="$root/artifacts/e2e"

fail() { echo "e2e: $*" >&2; echo "e2e: setup failed"; exit 1; }

# Debian's chromium, and a colour emoji font (else the alerts' 📉 is an empty box).
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -qi emoji || missing+=(fonts-noto-color-emoji)
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || fail "missing ${missing[*]}: sudo apt-get install -y ${missing[*]}"
  echo "Installing Debian's ${missing[*]} ..."
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >/dev/null \
    || fail "apt-get install ${missing[*]} failed"
fi
bash "$root/webchat/install.sh" || fail "could not install the Web Chat pieces"

free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}
bot_port=$(free_port)
page_port=$(free_port)
[ "$bot_port" != "$page_port" ] || page_port=$(free_port)
shop_port=$(free_port)
while [ "$shop_port" = "$bot_port" ] || [ "$shop_port" = "$page_port" ]; do shop_port=$(free_port); done

workdir=$(mktemp -d)
launcher=
shop=
keep_logs=no
stop_all() {
  if [ -n "$shop" ]; then
    kill "$shop" 2>/dev/null || true
    wait "$shop" 2>/dev/null || true
  fi
  if [ -n "$launcher" ]; then
    kill "$launcher" 2>/dev/null || true   # its trap stops the bot and the page server by PID
    wait "$launcher" 2>/dev/null || true
  fi
  if [ "$keep_logs" = yes ]; then
    cp "$workdir/bot.log" "$workdir/webchat.log" "$artifacts/" 2>/dev/null || true
    echo "e2e: the bot's log and the launcher's output are in $artifacts (bot.log, webchat.log)" >&2
  fi
  rm -rf "$workdir"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

rm -rf "$artifacts"
mkdir -p "$artifacts"

# A stand-in shop on loopback, for the journey that pastes a shop page's link.
(cd "$root" && exec "$root/.venv/bin/python" -m bench.shop --port "$shop_port") >"$workdir/shop.log" 2>&1 &
shop=$!

export ADMIN_TOKEN
ADMIN_TOKEN=$(node -p 'require("crypto").randomBytes(24).toString("hex")')
# Everything the journeys depend on is set here, whatever the caller's environment says.
PORT=$bot_port WEBCHAT_PORT=$page_port BOT_LOG="$workdir/bot.log" \
  DATABASE_URL="sqlite:///$workdir/pricewatch.sqlite3" \
  PUBLIC_URL="http://127.0.0.1:$bot_port" POLL_INTERVAL_SECONDS=1 MOCK_FEED_DRIFT=false ALERT_HOLD_SECONDS=300 \
  DROP_THRESHOLD_PERCENT=20 PRICE_FEED_URL= MicrosoftAppId= MicrosoftAppPassword= LOG_LEVEL=INFO \
  ALLOWED_SHOP_HOSTS=127.0.0.1 SHOP_MIN_INTERVAL_SECONDS=1 PRICEWATCH_USER_AGENT= \
  bash "$root/webchat/run.sh" >"$workdir/webchat.log" 2>&1 &
launcher=$!

deadline=$((SECONDS + 120))
until grep -q "Web Chat is ready" "$workdir/webchat.log"; do
  if ! kill -0 "$launcher" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
    cat "$workdir/webchat.log" >&2
    keep_logs=yes
    fail "the bot and the Web Chat page did not start"
  fi
  sleep 0.2
done

echo "e2e: screenshots go to $artifacts"
status=0
E2E_PAGE_URL="http://127.0.0.1:$page_port/" E2E_BOT_URL="http://127.0.0.1:$bot_port" \
  E2E_SHOP_URL="http://127.0.0.1:$shop_port" \
  E2E_ARTIFACTS="$artifacts" node "$root/e2e/journeys.js" || status=$?
[ "$status" -eq 0 ] || keep_logs=yes
exit "$status"
