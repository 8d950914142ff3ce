#!/usr/bin/env bash
# Installs the browser-side pieces on first use, pinned: the npm packages in
# package-lock.json (into webchat/node_modules) and Web Chat's dist/webchat.js,
# taken from the botframework-webchat tarball rather than a 485 MB npm install.
set -euo pipefail
cd "$(dirname "$0")"

fail() { echo "webchat/install.sh: $*" >&2; exit 1; }

command -v node >/dev/null || fail "Node.js is missing; install Node.js 18 or newer (with npm)"
command -v npm >/dev/null || fail "npm is missing; install it with Node.js"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' \
  || fail "Node.js $(node --version) is too old; 18 or newer is needed"

if [ ! -f node_modules/.installed ] || [ package-lock.json -nt node_modules/.installed ]; then
  echo "Installing the pinned npm packages into webchat/node_modules (first use) ..."
  npm ci --no-audit --no-fund --loglevel=error
  touch node_modules/.installed
fi

bundle_field() { node -p "require('./package.json').webchatBundle.$1"; }
integrity=$(bundle_field integrity)
if [ "$(cat vendor/webchat.js.integrity 2>/dev/null)" != "$integrity" ]; then
  spec="$(bundle_field package)@$(bundle_field version)"
  echo "Fetching the Web Chat bundle from $spec (first use) ..."
  workdir=$(mktemp -d)
  trap 'rm -rf "$workdir"' EXIT
  tarball=$(cd "$workdir" && npm pack "$spec" --silent --loglevel=error | tail -n 1)
  actual=$(node -e '
    const data = require("fs").readFileSync(process.argv[1]);
    console.log("sha512-" + require("crypto").createHash("sha512").update(data).digest("base64"));
  ' "$workdir/$tarball")
  [ "$actual" = "$integrity" ] || fail "$spec tarball has integrity $actual, expected $integrity"
  mkdir -p vendor
  tar -xzf "$workdir/$tarball" -C "$workdir" "package/$(bundle_field file)"
  mv "$workdir/package/$(bundle_field file)" vendor/webchat.js
  echo "$integrity" > vendor/webchat.js.integrity
fi
