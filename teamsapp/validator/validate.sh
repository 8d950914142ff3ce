#!/usr/bin/env bash
# Checks a Teams app manifest with Microsoft's validator, offline (validate.js says how),
# installing the validator on first use, pinned by package-lock.json, into
# teamsapp/validator/node_modules (about 3 s).
#
#   bash teamsapp/validator/validate.sh path/to/manifest.json
#
# Exit 0 valid, 1 invalid (the complaints on stdout), 2 could not check (why on stderr).
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: bash teamsapp/validator/validate.sh path/to/manifest.json" >&2; exit 2; }
manifest=$(realpath "$1")
cd "$(dirname "$0")"

fail() { echo "teamsapp/validator: $*" >&2; exit 2; }

command -v node >/dev/null || fail "Node.js is missing; install Node.js 20.19 or newer (with npm)"
command -v npm >/dev/null || fail "npm is missing; install it with Node.js"
# @microsoft/app-manifest require()s an ES module (strip-bom 5): Node 20.19+, 22.12+ or 23+.
node -e 'process.exit(process.features.require_module ? 0 : 1)' \
  || fail "Node.js $(node --version) cannot require ES modules, which the validator needs: use 20.19+ or 22.12+"

if [ ! -f node_modules/.installed ] || [ package-lock.json -nt node_modules/.installed ]; then
  echo "Installing the pinned manifest validator into teamsapp/validator/node_modules (first use) ..." >&2
  npm ci --no-audit --no-fund --loglevel=error >&2 || fail "npm ci failed"
  touch node_modules/.installed
fi
exec node validate.js "$manifest"
