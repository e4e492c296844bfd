#!/usr/bin/env bash
# Tests the Node.js binding (bindings-node/, npm package descope-mgmt):
#  1. installs the npm dependencies of bindings-node/ (@napi-rs/cli, typescript);
#  2. runs the crate's Rust unit tests (argument conversion, error messages);
#  3. builds the addon in debug with the napi CLI and fails if the regenerated
#     bindings-node/index.d.ts differs from the committed one;
#  4. runs the node:test suite in tests/node/ (it starts its own emulators);
#  5. checks the source install paths in fresh folders under .tmp/ (offline: no registry):
#     `npm install <bindings-node>` (a checkout builds from source) and `npm pack` +
#     `npm install <tarball>` with DESCOPE_MGMT_BUILD_FROM_SOURCE=1 (builds from the vendored
#     sources), then loads the package by name with require() and with import and makes a
#     real call; and that the tarball without its platform package and without that variable
#     builds nothing and says how to get an addon. The prebuilt path (the platform package
#     from scripts/dist.sh) is tested by scripts/test-dist.sh.
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

# --offline: the install must not ask a registry for anything (the optional platform packages
# are not published from here; npm skips an optional dependency it cannot fetch).
step "npm install <bindings-node> into a fresh folder (a checkout builds from source)"
rm -f "$PKG/descope-mgmt.node"
(cd "$work/folder" && npm init -y >/dev/null && npm install --offline --no-audit --no-fund --loglevel=error "$PKG")
[ -f "$PKG/descope-mgmt.node" ] || die "the folder install did not build descope-mgmt.node"
cmp -s .tmp/index.d.ts.committed "$PKG/index.d.ts" || die "the install build changed index.d.ts"
smoke "$work/folder"

step "npm pack: the tarball carries the vendored sources and no addon"
tarball="$(cd "$PKG" && npm pack --silent --pack-destination "$work/tarball" | tail -n 1)"
[ ! -e "$PKG/standalone" ] || die "postpack left bindings-node/standalone behind"
contents="$(tar -tzf "$work/tarball/$tarball")"
for f in index.js index.mjs index.d.ts types-header.d.ts README.md scripts/install.js scripts/platform.js \
  standalone/Cargo.toml standalone/Cargo.lock standalone/core/src/lib.rs standalone/bindings-node/src/lib.rs; do
  grep -qx "package/$f" <<<"$contents" || die "the tarball lacks $f"
done
if grep -q '\.node$' <<<"$contents"; then die "the tarball must not ship a prebuilt addon"; fi

step "npm install <tarball> without its platform package: builds nothing, says what to do"
mkdir -p "$work/no-addon"
(cd "$work/no-addon" && npm init -y >/dev/null &&
  npm install --offline --no-audit --no-fund --loglevel=error --foreground-scripts "$work/tarball/$tarball") >"$work/no-addon.log" 2>&1 ||
  { cat "$work/no-addon.log"; die "the tarball install failed without its platform package"; }
grep -q 'DESCOPE_MGMT_BUILD_FROM_SOURCE=1' "$work/no-addon.log" || { cat "$work/no-addon.log"; die "the install did not say how to build from source"; }
[ ! -e "$work/no-addon/node_modules/descope-mgmt/descope-mgmt.node" ] || die "the install built an addon without being asked"
if out=$(cd "$work/no-addon" && node -e 'require("descope-mgmt")' 2>&1); then die "require() worked without any addon"; fi
grep -q 'DESCOPE_MGMT_BUILD_FROM_SOURCE=1 npm rebuild descope-mgmt' <<<"$out" || die "the load error does not say how to build: $out"
echo "no addon, as expected: $(grep -m 1 -o "descope-mgmt: .*" <<<"$out" | cut -c1-200)"

step "npm install <tarball> with DESCOPE_MGMT_BUILD_FROM_SOURCE=1 (builds from the vendored sources)"
(cd "$work/tarball" && npm init -y >/dev/null &&
  DESCOPE_MGMT_BUILD_FROM_SOURCE=1 npm install --offline --no-audit --no-fund --loglevel=error "./$tarball")
[ -f "$work/tarball/node_modules/descope-mgmt/descope-mgmt.node" ] || die "the tarball install did not build the addon"
smoke "$work/tarball"

step "lifecycle: process.exit and worker termination while calls are in flight (dev build)"
python3 tests/lifecycle/run.py --emulator "${CARGO_TARGET_DIR:-$ROOT/target}/debug/descope-emulator" --node-package "$ROOT/bindings-node"

step "node binding: all checks passed"
