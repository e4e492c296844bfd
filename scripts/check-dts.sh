#!/usr/bin/env bash
# Builds the Node addon (debug, napi CLI) and fails when the regenerated
# bindings-node/index.d.ts differs from the committed one. Installs the npm devDependencies
# of bindings-node first when they are missing. Used by scripts/check.sh and
# scripts/test-node.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
PKG=$ROOT/bindings-node
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
export npm_config_omit_lockfile_registry_resolved=true
die() { echo "check-dts.sh: $*" >&2; exit 1; }

if [ ! -x "$PKG/node_modules/.bin/napi" ] || [ ! -e "$PKG/node_modules/typescript" ]; then
  (cd "$PKG" && npm install --ignore-scripts --no-save --no-audit --no-fund --loglevel=error)
fi
[ -f "$PKG/index.d.ts" ] || die "bindings-node/index.d.ts is missing: run \`npm run build\` in bindings-node and commit it"
mkdir -p "$ROOT/.tmp"
committed=$ROOT/.tmp/index.d.ts.committed
cp "$PKG/index.d.ts" "$committed"
(cd "$PKG" && npm run --silent build)
if ! cmp -s "$committed" "$PKG/index.d.ts"; then
  diff -u "$committed" "$PKG/index.d.ts" || true
  die "bindings-node/index.d.ts changed when regenerated: commit the regenerated file"
fi
echo "index.d.ts is up to date"
