#!/usr/bin/env bash
# Tests the Node.js binding (bindings-node/, npm package descope-mgmt):
#  1. installs the npm dependencies of bindings-node/ (@napi-rs/cli, typescript);
#  2. runs the crate's Rust unit tests (argument conversion, error messages);
#  3. builds the addon in debug with the napi CLI and fails if the regenerated
#     bindings-node/index.d.ts differs from the committed one;
#  4. runs the node:test suite in tests/node/ (it starts its own emulators);
#  5. checks both install paths in fresh folders under .tmp/: `npm install <bindings-node>`
#     and `npm pack` + `npm install <tarball>`, each building from source, then loads the
#     package by name with require() and with import and makes a real call.
# Run from anywhere after `cargo build --workspace` (or `make build`); exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PKG="$ROOT/bindings-node"
# Builds of the tarball's standalone workspace share the repo's target dir (and so its
# compiled dependencies) instead of a fresh one under node_modules.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export DESCOPE_MGMT_BUILD_PROFILE=debug
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
# Lockfiles name packages only, never the registry they came from.
export npm_config_omit_lockfile_registry_resolved=true

started=$SECONDS
step() { printf '\n== [%ss] %s\n' "$((SECONDS - started))" "$*"; }
die() { echo "test-node.sh: $*" >&2; exit 1; }

command -v node >/dev/null || die "node is not installed"
command -v npm >/dev/null || die "npm is not installed"

step "npm dependencies of bindings-node (@napi-rs/cli, typescript)"
(cd "$PKG" && npm install --ignore-scripts --no-save --no-audit --no-fund --loglevel=error)

step "Rust unit tests of the binding (cargo test -p descope-mgmt-node)"
# The addon resolves napi symbols at load time (napi's dyn-symbols), so its tests link and
# run without node.
cargo test -q -p descope-mgmt-node

export DESCOPE_EMULATOR_BIN="${DESCOPE_EMULATOR_BIN:-$CARGO_TARGET_DIR/debug/descope-emulator}"
if [ ! -x "$DESCOPE_EMULATOR_BIN" ]; then
  step "build the emulator"
  cargo build -q -p descope-mgmt-emulator
fi

step "build the addon (debug) and check that index.d.ts is up to date"
[ -f "$PKG/index.d.ts" ] || die "bindings-node/index.d.ts is missing: run the build (npm run build in bindings-node) and commit it"
mkdir -p .tmp
cp "$PKG/index.d.ts" .tmp/index.d.ts.committed
(cd "$PKG" && npm run --silent build)
if ! cmp -s .tmp/index.d.ts.committed "$PKG/index.d.ts"; then
  diff -u .tmp/index.d.ts.committed "$PKG/index.d.ts" || true
  die "bindings-node/index.d.ts changed when regenerated: commit the regenerated file"
fi
echo "index.d.ts is up to date"

step "node:test suite (tests/node/)"
node --test tests/node/

work="$ROOT/.tmp/node-packaging"
rm -rf "$work"
mkdir -p "$work/folder" "$work/tarball"

smoke() {
  cp tests/node/package-smoke.cjs tests/node/package-smoke.mjs "$1/"
  scripts/with-emulator.sh bash -c 'node "$1/package-smoke.cjs" && node "$1/package-smoke.mjs"' _ "$1"
}

step "npm install <bindings-node> into a fresh folder (builds from source)"
rm -f "$PKG/descope-mgmt.node"
(cd "$work/folder" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error "$PKG")
[ -f "$PKG/descope-mgmt.node" ] || die "the folder install did not build descope-mgmt.node"
cmp -s .tmp/index.d.ts.committed "$PKG/index.d.ts" || die "the install build changed index.d.ts"
smoke "$work/folder"

step "npm pack, then npm install <tarball> into a fresh folder (builds from the vendored sources)"
tarball="$(cd "$PKG" && npm pack --silent --pack-destination "$work/tarball" | tail -n 1)"
[ ! -e "$PKG/standalone" ] || die "postpack left bindings-node/standalone behind"
contents="$(tar -tzf "$work/tarball/$tarball")"
for f in index.js index.mjs index.d.ts types-header.d.ts README.md scripts/install.js \
  standalone/Cargo.toml standalone/Cargo.lock standalone/core/src/lib.rs standalone/bindings-node/src/lib.rs; do
  grep -qx "package/$f" <<<"$contents" || die "the tarball lacks $f"
done
if grep -q '\.node$' <<<"$contents"; then die "the tarball must not ship a prebuilt addon"; fi
(cd "$work/tarball" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error "./$tarball")
[ -f "$work/tarball/node_modules/descope-mgmt/descope-mgmt.node" ] || die "the tarball install did not build the addon"
smoke "$work/tarball"

step "node binding: all checks passed"
