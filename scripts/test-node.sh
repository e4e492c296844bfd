#!/usr/bin/env bash
# Tests the Node.js binding (bindings-node/, npm package descope-mgmt):
#  1. installs the npm dependencies of bindings-node/ (@napi-rs/cli, typescript);
#  2. runs the crate's Rust unit tests (argument conversion, error messages);
#  3. builds the addon in debug with `npm run build` (the one build command of a checkout)
#     and fails if the regenerated bindings-node/index.d.ts differs from the committed one;
#  4. runs the node:test suite in tests/node/ (it starts its own emulators);
#  5. checks how the package installs, in fresh folders under .tmp/ (offline: no registry;
#     the package has no install script, so installing never builds anything):
#     `npm install <bindings-node>` uses the addon the build wrote, and without it require()
#     names the one command to run, which then builds it; the `npm pack` tarball carries
#     JavaScript, types and README only; installed without its platform package it builds
#     nothing and require() and import name the package to install; installed with a
#     platform package made from the debug addon (napi-rs layout, as scripts/dist.sh makes
#     it) it loads that addon with no cargo on PATH, and a damaged addon gives an error that
#     says how to reinstall it, which then works. The release platform package (zig,
#     glibc 2.17) is tested by scripts/test-dist.sh.
# Run from anywhere after `cargo build --workspace` (or `make build`); exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PKG="$ROOT/bindings-node"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
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

step "build the addon (debug, npm run build) and check that index.d.ts is up to date"
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
npm_install() { npm install --offline --no-audit --no-fund --loglevel=error --foreground-scripts "$@"; }
# require() of the package in folder $1 must fail; prints its error.
load_error() {
  local out
  if out=$(cd "$1" && node -e 'require("descope-mgmt")' 2>&1); then die "require() worked in $1 without a working addon"; fi
  grep -m 1 -o 'descope-mgmt: .*' <<<"$out" || die "the load error does not come from descope-mgmt: $out"
}
# PATH without cargo or rustc, to show that an install needs no Rust.
NO_RUST_PATH=$(tr ':' '\n' <<<"$PATH" | while read -r d; do
  [ -n "$d" ] && [ ! -e "$d/cargo" ] && [ ! -e "$d/rustc" ] && printf '%s:' "$d"; done)
NO_RUST_PATH=${NO_RUST_PATH%:}

step "npm install <bindings-node> into a fresh folder (a checkout: uses the addon npm run build wrote)"
(cd "$work/folder" && npm init -y >/dev/null && npm_install "$PKG")
smoke "$work/folder"

step "a checkout without its addon: require() names the one build command, which builds it"
rm -f "$PKG/descope-mgmt.node"
msg=$(load_error "$work/folder")
echo "$msg"
build="npm run build --prefix \"$PKG\""
grep -qF "Build it (needs Rust/cargo 1.88+): $build" <<<"$msg" || die "the load error does not name the build command $build"
bash -c "$build" >"$work/build.log" 2>&1 || { cat "$work/build.log"; die "$build failed"; }
[ -f "$PKG/descope-mgmt.node" ] || die "$build did not write descope-mgmt.node"
cmp -s .tmp/index.d.ts.committed "$PKG/index.d.ts" || die "$build changed index.d.ts"
smoke "$work/folder"

step "npm pack: the tarball carries JavaScript (the client, the testing helpers, the bin shim), types and README only (no addon, no Rust, no install script)"
tarball="$(cd "$PKG" && npm pack --silent --pack-destination "$work/tarball" | tail -n 1)"
contents="$(tar -tzf "$work/tarball/$tarball" | sort)"
expected="$(printf 'package/%s\n' README.md index.d.ts index.js index.mjs package.json scripts/binaries.js scripts/descope-mgmt.js scripts/platform.js testing.d.ts testing.js testing.mjs types-header.d.ts | sort)"
[ "$contents" = "$expected" ] || { diff <(echo "$expected") <(echo "$contents") || true; die "the tarball's files are not the expected ones"; }
tar -xzOf "$work/tarball/$tarball" package/package.json |
  node -e 'const s = JSON.parse(require("fs").readFileSync(0, "utf8")).scripts || {}
    const hooks = ["preinstall", "install", "postinstall", "prepare"].filter((k) => k in s)
    if (hooks.length) { console.error(`lifecycle scripts in the tarball: ${hooks}`); process.exit(1) }' ||
  die "the published package.json must have no install-time scripts"

platform=$(node -p 'require("./bindings-node/scripts/platform.js").platformName() || ""')
[ -n "$platform" ] || die "no prebuilt platform package exists for $(node -p 'process.platform + "-" + process.arch')"
plat_pkg=descope-mgmt-$platform
version=$(node -p 'require("./bindings-node/package.json").version')

step "npm install <tarball> without its platform package: builds nothing, require() and import name the package"
mkdir -p "$work/no-addon"
(cd "$work/no-addon" && npm init -y >/dev/null && PATH=$NO_RUST_PATH npm_install "$work/tarball/$tarball") >"$work/no-addon.log" 2>&1 ||
  { cat "$work/no-addon.log"; die "the tarball install failed without its platform package"; }
[ ! -e "$work/no-addon/node_modules/descope-mgmt/descope-mgmt.node" ] || die "the install wrote an addon"
msg=$(load_error "$work/no-addon")
echo "$msg"
grep -qF "Install it: npm install $plat_pkg@$version" <<<"$msg" || die "the load error does not name the package to install"
if out=$(cd "$work/no-addon" && node --input-type=module -e 'import "descope-mgmt"' 2>&1); then die "import worked without any addon"; fi
grep -qF "Install it: npm install $plat_pkg@$version" <<<"$out" || die "the import error does not name the package to install: $out"

step "npm install <tarball> + a platform package of the debug addon, with no cargo on PATH"
plat_dir="$work/platform/$plat_pkg"
mkdir -p "$work/platform"
cp -r "$PKG/npm/$platform" "$plat_dir"
cp "$PKG/descope-mgmt.node" "$plat_dir/descope-mgmt.$platform.node"
(cd "$plat_dir" && sha256sum "descope-mgmt.$platform.node" >"descope-mgmt.$platform.node.sha256" &&
  npm pack --silent --pack-destination "$work/platform" >/dev/null)
plat_tarball="$work/platform/$plat_pkg-$version.tgz"
mkdir -p "$work/prebuilt"
(cd "$work/prebuilt" && npm init -y >/dev/null && PATH=$NO_RUST_PATH npm_install "$plat_tarball" "$work/tarball/$tarball")
addon="$work/prebuilt/node_modules/$plat_pkg/descope-mgmt.$platform.node"
loaded=$(cd "$work/prebuilt" && PATH=$NO_RUST_PATH node -e 'require("descope-mgmt"); console.log(Object.keys(require.cache).find((f) => f.endsWith(".node")))')
[ "$loaded" = "$addon" ] || die "descope-mgmt loaded $loaded instead of the platform package's addon"
PATH=$NO_RUST_PATH smoke "$work/prebuilt"

step "a damaged prebuilt addon: require() says how to reinstall it; doing so repairs it"
printf 'damaged\n' >"$addon"
msg=$(load_error "$work/prebuilt")
echo "$msg"
grep -qF "SHA-256 does not match" <<<"$msg" || die "the load error does not name the checksum mismatch"
grep -qF "Reinstall the platform package: delete the folder $(dirname "$addon") and run npm install in your project." <<<"$msg" ||
  die "the load error does not say how to reinstall the platform package"
rm -rf "$(dirname "$addon")"
(cd "$work/prebuilt" && PATH=$NO_RUST_PATH npm_install)
cmp -s "$addon" "$PKG/descope-mgmt.node" || die "npm install did not restore the platform package's addon"
PATH=$NO_RUST_PATH smoke "$work/prebuilt"

step "lifecycle: process.exit and worker termination while calls are in flight (dev build)"
python3 tests/lifecycle/run.py --emulator "${CARGO_TARGET_DIR:-$ROOT/target}/debug/descope-emulator" --node-package "$ROOT/bindings-node"

step "node binding: all checks passed"
