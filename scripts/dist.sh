#!/usr/bin/env bash
# Builds the release artifacts users install without a Rust toolchain, into dist/:
#
#   descope_mgmt-<v>-cp39-abi3-manylinux_2_17_x86_64.whl   Python wheel (CPython >= 3.9),
#                                  with the `descope-mgmt` command and the emulator
#                                  (`descope-emulator`) bundled as console scripts
#   descope_mgmt-<v>.tar.gz                                 Python sdist (builds with cargo)
#   descope-mgmt-<v>.tgz                                    npm main package (JS, types, the
#                                  loader, descope-mgmt/testing and the `descope-mgmt` bin
#                                  shim; no install script, no Rust sources)
#   descope-mgmt-linux-x64-gnu-<v>.tgz                      npm platform package (the addon,
#                                  the descope-mgmt and descope-emulator executables)
#   descope-mgmt-<v>-x86_64-linux-gnu.tar.gz                C: header, libdescope_mgmt.so.0
#                                  (+ .a), pkg-config file, CMake package config, and bin/
#                                  descope-mgmt, descope-emulator (also as descope-mgmt-emulator), with-emulator
#   SHA256SUMS
#
# Every binary is a release build linked by zig against glibc 2.17 (manylinux2014), so it
# runs on any x86_64 Linux from 2014 on: one `cargo zigbuild` for the C library, the Node
# addon, the command and the emulator, one `maturin build --zig` for the Python extension, both in the
# shared CARGO_TARGET_DIR (target/x86_64-unknown-linux-gnu/release/).
# One unwinder: every library links the system libgcc_s.so.1 instead of zig's bundled
# libunwind (scripts/one-unwinder.sh says why: issue 20's crash at interpreter exit).
# Tools (maturin, ziglang, cargo-zigbuild, auditwheel) are installed by package name into
# .tmp/venv-dist on first use. The wheel must pass `auditwheel show` as manylinux_2_17.
# Usage: scripts/dist.sh   (or `make dist`); tested by scripts/test-dist.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
DIST=$ROOT/dist
VENV=$ROOT/.tmp/venv-dist
STAGE=$ROOT/.tmp/dist-stage
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
TRIPLE=x86_64-unknown-linux-gnu
GLIBC=2.17
OUT=$CARGO_TARGET_DIR/$TRIPLE/release
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

started=$SECONDS
step() { printf '\n== dist [%ss] %s\n' "$((SECONDS - started))" "$*"; }
die() { echo "dist.sh: $*" >&2; exit 1; }

[ "$(uname -sm)" = "Linux x86_64" ] || die "builds the x86_64 Linux artifacts only (other platforms: .github/workflows/release.yml)"
[ -n "$VERSION" ] || die "no version in Cargo.toml [workspace.package]"

step "tools in $VENV (maturin, ziglang, cargo-zigbuild, auditwheel)"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV" || die "python3 -m venv failed (install python3-venv)"
fi
# Pinned: a new zig or maturin can change what the artifacts link against.
TOOLS="maturin==1.16.0 ziglang==0.17.1 cargo-zigbuild==0.24.1 auditwheel==6.8.2"
if [ "$(cat "$VENV/tools.txt" 2>/dev/null)" != "$TOOLS" ]; then
  # shellcheck disable=SC2086
  "$VENV/bin/pip" install -q --disable-pip-version-check $TOOLS
  echo "$TOOLS" >"$VENV/tools.txt"
fi
# maturin and cargo-zigbuild find zig through `python -m ziglang` of this venv.
export PATH="$VENV/bin:$PATH"

rm -rf "$DIST" "$STAGE"
mkdir -p "$DIST" "$STAGE"

CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS=$(scripts/one-unwinder.sh rustflags "$TRIPLE" "$STAGE/gcc_s")
export CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS

step "cargo zigbuild --release ($TRIPLE, glibc $GLIBC): C library, Node addon, command, emulator"
cargo zigbuild --release --target "$TRIPLE.$GLIBC" -p descope-mgmt-c -p descope-mgmt-node -p descope-mgmt-cli -p descope-mgmt-emulator
for f in libdescope_mgmt.so libdescope_mgmt.a libdescope_mgmt_node.so descope-mgmt descope-emulator; do
  [ -f "$OUT/$f" ] || die "the build did not produce $OUT/$f"
done
scripts/one-unwinder.sh check "$OUT/libdescope_mgmt.so" "$OUT/libdescope_mgmt_node.so" "$OUT/descope-mgmt" "$OUT/descope-emulator"
# The executables every artifact ships (wheel, npm platform package, C tarball's bin/).
EXECUTABLES=(descope-mgmt descope-emulator)

step "Python sdist"
maturin sdist -m bindings-python/Cargo.toml -o "$DIST" >/dev/null

step "Python wheel (maturin --zig, manylinux2014), with the command and the emulator bundled"
# descope_mgmt/_bundled.py runs them as the `descope-mgmt` and `descope-emulator` console scripts.
BUNDLED=bindings-python/python/descope_mgmt/bin
trap 'rm -rf "$ROOT/$BUNDLED"' EXIT
mkdir -p "$BUNDLED"
for f in "${EXECUTABLES[@]}"; do install -m 755 "$OUT/$f" "$BUNDLED/$f"; done
maturin build --release --zig --target "$TRIPLE" --compatibility manylinux2014 \
  -m bindings-python/Cargo.toml -i python3 -o "$DIST"
rm -rf "${ROOT:?}/$BUNDLED"
trap - EXIT
wheel=$(ls "$DIST"/descope_mgmt-"$VERSION"-cp39-abi3-*.whl)
(cd "$STAGE" && rm -rf wheel-check && mkdir wheel-check && python3 -m zipfile -e "$wheel" wheel-check && "$ROOT/scripts/one-unwinder.sh" check wheel-check/descope_mgmt/_native.abi3.so)
for f in "${EXECUTABLES[@]}"; do
  cmp -s "$OUT/$f" "$STAGE/wheel-check/descope_mgmt/bin/$f" || die "the wheel does not bundle $f"
done
auditwheel show "$wheel" | tee "$STAGE/auditwheel.txt"
grep -q 'manylinux_2_17_x86_64' "$STAGE/auditwheel.txt" || die "auditwheel does not accept the wheel as manylinux_2_17"

step "npm platform package descope-mgmt-linux-x64-gnu"
plat=$STAGE/npm-linux-x64-gnu
cp -r bindings-node/npm/linux-x64-gnu "$plat"
install -m 755 "$OUT/libdescope_mgmt_node.so" "$plat/descope-mgmt.linux-x64-gnu.node"
(cd "$plat" && sha256sum descope-mgmt.linux-x64-gnu.node >descope-mgmt.linux-x64-gnu.node.sha256)
# The executables next to the addon: the main package's `descope-mgmt` bin shim and
# descope-mgmt/testing run them from here (bindings-node/scripts/binaries.js).
for f in "${EXECUTABLES[@]}"; do install -m 755 "$OUT/$f" "$plat/$f"; done
node -e '
  const fs = require("fs"), file = process.argv[1], manifest = JSON.parse(fs.readFileSync(file, "utf8"))
  manifest.files = [...new Set([...manifest.files, ...process.argv.slice(2)])]
  fs.writeFileSync(file, JSON.stringify(manifest, null, 2) + "\n")' "$plat/package.json" "${EXECUTABLES[@]}"
(cd "$plat" && npm pack --silent --pack-destination "$DIST" >/dev/null)
plat_files=$(tar -tvzf "$DIST/descope-mgmt-linux-x64-gnu-$VERSION.tgz")
for f in "${EXECUTABLES[@]}"; do
  grep -Eq "^-rwx.* package/$f\$" <<<"$plat_files" || die "the platform package lacks the executable $f"
done

step "npm main package descope-mgmt"
# JavaScript, types and the loader only: the addon comes from the platform package, and
# nothing is built at install time (no install script).
[ ! -e bindings-node/descope-mgmt.node ] || echo "(bindings-node/descope-mgmt.node exists; npm pack leaves it out: files[])"
(cd bindings-node && npm pack --silent --pack-destination "$DIST" >/dev/null)
if tar -tzf "$DIST/descope-mgmt-$VERSION.tgz" | grep -q '\.node$'; then die "the main npm package must not ship an addon"; fi
manifest=$(tar -xzOf "$DIST/descope-mgmt-$VERSION.tgz" package/package.json)
if grep -Eq '"(preinstall|install|postinstall)":' <<<"$manifest"; then die "the main npm package must have no install script"; fi

step "C tarball descope-mgmt-$VERSION-x86_64-linux-gnu.tar.gz"
cname=descope-mgmt-$VERSION-x86_64-linux-gnu
make -s -C bindings-c install-files PREFIX="$STAGE/$cname" PROFILE=release TARGET="$TRIPLE" RELOCATABLE=1
install -d "$STAGE/$cname/share/doc/descope_mgmt" "$STAGE/$cname/bin"
install -m 644 bindings-c/README.md "$STAGE/$cname/share/doc/descope_mgmt/README.md"
for f in "${EXECUTABLES[@]}"; do install -m 755 "$OUT/$f" "$STAGE/$cname/bin/$f"; done
# bin/with-emulator: the C users' test helper (what scripts/with-emulator.sh is to the
# repository, with no python3 or cargo): the emulator next to it, on a free port.
cat >"$STAGE/$cname/bin/with-emulator" <<'WITH_EMULATOR'
#!/bin/sh
# with-emulator CMD [ARGS...]: starts the descope-emulator next to this script on a free port
# of 127.0.0.1, exports DESCOPE_BASE_URI, DESCOPE_PROJECT_ID and DESCOPE_MANAGEMENT_KEY for
# it, runs CMD, stops the emulator and exits with CMD's status. DESCOPE_EMULATOR_BIN names
# another emulator binary; DESCOPE_EMULATOR_ARGS adds arguments (e.g. "--seed seed.json").
# Its admin endpoints (faults, journal, reset) are under $DESCOPE_BASE_URI/emulator/.
set -eu
[ "$#" -gt 0 ] || { echo "usage: with-emulator CMD [ARGS...]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
emu=${DESCOPE_EMULATOR_BIN:-$here/descope-emulator}
[ -x "$emu" ] || { echo "with-emulator: no emulator at $emu" >&2; exit 127; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/with-emulator.XXXXXX")
emu_pid=
cleanup() {
  if [ -n "$emu_pid" ]; then kill "$emu_pid" 2>/dev/null || :; wait "$emu_pid" 2>/dev/null || :; fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# shellcheck disable=SC2086
"$emu" --port 0 ${DESCOPE_EMULATOR_ARGS:-} >"$dir/out" 2>"$dir/err" &
emu_pid=$!
i=0
until [ -s "$dir/out" ] && grep -q '}' "$dir/out"; do
  if ! kill -0 "$emu_pid" 2>/dev/null; then
    echo "with-emulator: $emu did not start:" >&2; cat "$dir/err" >&2; exit 1
  fi
  i=$((i + 1))
  [ "$i" -le 300 ] || { echo "with-emulator: $emu did not start within 30 s" >&2; exit 1; }
  sleep 0.1
done
line=$(head -n 1 "$dir/out")
field() { printf '%s\n' "$line" | sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }
DESCOPE_BASE_URI=$(field url)
DESCOPE_PROJECT_ID=$(field projectId)
DESCOPE_MANAGEMENT_KEY=$(field managementKey)
[ -n "$DESCOPE_BASE_URI" ] && [ -n "$DESCOPE_PROJECT_ID" ] && [ -n "$DESCOPE_MANAGEMENT_KEY" ] ||
  { echo "with-emulator: unexpected first line from the emulator: $line" >&2; exit 1; }
export DESCOPE_BASE_URI DESCOPE_PROJECT_ID DESCOPE_MANAGEMENT_KEY
echo "with-emulator: $DESCOPE_BASE_URI (project $DESCOPE_PROJECT_ID)" >&2
status=0
"$@" || status=$?
exit "$status"
WITH_EMULATOR
chmod 755 "$STAGE/$cname/bin/with-emulator"
# The name the C docs use for the emulator, beside the one every artifact installs.
ln -s descope-emulator "$STAGE/$cname/bin/descope-mgmt-emulator"
[ "$(readelf -d "$STAGE/$cname/lib/libdescope_mgmt.so.$VERSION" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')" = libdescope_mgmt.so.0 ] \
  || die "libdescope_mgmt.so has no soname libdescope_mgmt.so.0"
tar -C "$STAGE" --owner=0 --group=0 --numeric-owner -czf "$DIST/$cname.tar.gz" "$cname"

step "checksums"
(cd "$DIST" && sha256sum -- * >SHA256SUMS && cat SHA256SUMS)
newest=$(objdump -T "$OUT/libdescope_mgmt.so" "$OUT/libdescope_mgmt_node.so" "$OUT/descope-mgmt" "$OUT/descope-emulator" |
  grep -o 'GLIBC_[0-9.]*' | sort -V -u | tail -n 1)
echo "newest glibc symbol version needed by the binaries: $newest"
ls -la "$DIST"
step "done: dist/ ($VERSION)"
