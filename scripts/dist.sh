#!/usr/bin/env bash
# Builds the release artifacts users install without a Rust toolchain, into dist/:
#
#   descope_mgmt-<v>-cp39-abi3-manylinux_2_17_x86_64.whl   Python wheel (CPython >= 3.9),
#                                  with the emulator as the `descope-emulator` command
#   descope_mgmt-<v>.tar.gz                                 Python sdist (builds with cargo)
#   descope-mgmt-<v>.tgz                                    npm main package (JS, types and
#                                  the loader; no install script, no Rust sources)
#   descope-mgmt-linux-x64-gnu-<v>.tgz                      npm platform package (the addon)
#   descope-mgmt-<v>-x86_64-linux-gnu.tar.gz                C: header, libdescope_mgmt.so.0
#                                  (+ .a), pkg-config file, CMake package config
#   SHA256SUMS
#
# Every binary is a release build linked by zig against glibc 2.17 (manylinux2014), so it
# runs on any x86_64 Linux from 2014 on: one `cargo zigbuild` for the C library, the Node
# addon and the emulator, one `maturin build --zig` for the Python extension, both in the
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

step "cargo zigbuild --release ($TRIPLE, glibc $GLIBC): C library, Node addon, emulator"
cargo zigbuild --release --target "$TRIPLE.$GLIBC" -p descope-mgmt-c -p descope-mgmt-node -p descope-mgmt-emulator
for f in libdescope_mgmt.so libdescope_mgmt.a libdescope_mgmt_node.so descope-emulator; do
  [ -f "$OUT/$f" ] || die "the build did not produce $OUT/$f"
done
scripts/one-unwinder.sh check "$OUT/libdescope_mgmt.so" "$OUT/libdescope_mgmt_node.so" "$OUT/descope-emulator"

step "Python sdist"
maturin sdist -m bindings-python/Cargo.toml -o "$DIST" >/dev/null

step "Python wheel (maturin --zig, manylinux2014), with the emulator bundled"
BUNDLED=bindings-python/python/descope_mgmt/bin
trap 'rm -rf "$ROOT/$BUNDLED"' EXIT
mkdir -p "$BUNDLED"
install -m 755 "$OUT/descope-emulator" "$BUNDLED/descope-emulator"
maturin build --release --zig --target "$TRIPLE" --compatibility manylinux2014 \
  -m bindings-python/Cargo.toml -i python3 -o "$DIST"
rm -rf "${ROOT:?}/$BUNDLED"
trap - EXIT
wheel=$(ls "$DIST"/descope_mgmt-"$VERSION"-cp39-abi3-*.whl)
(cd "$STAGE" && rm -rf wheel-check && mkdir wheel-check && python3 -m zipfile -e "$wheel" wheel-check && "$ROOT/scripts/one-unwinder.sh" check wheel-check/descope_mgmt/_native.abi3.so)
auditwheel show "$wheel" | tee "$STAGE/auditwheel.txt"
grep -q 'manylinux_2_17_x86_64' "$STAGE/auditwheel.txt" || die "auditwheel does not accept the wheel as manylinux_2_17"

step "npm platform package descope-mgmt-linux-x64-gnu"
plat=$STAGE/npm-linux-x64-gnu
cp -r bindings-node/npm/linux-x64-gnu "$plat"
install -m 755 "$OUT/libdescope_mgmt_node.so" "$plat/descope-mgmt.linux-x64-gnu.node"
(cd "$plat" && sha256sum descope-mgmt.linux-x64-gnu.node >descope-mgmt.linux-x64-gnu.node.sha256)
(cd "$plat" && npm pack --silent --pack-destination "$DIST" >/dev/null)

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
install -d "$STAGE/$cname/share/doc/descope_mgmt"
install -m 644 bindings-c/README.md "$STAGE/$cname/share/doc/descope_mgmt/README.md"
[ "$(readelf -d "$STAGE/$cname/lib/libdescope_mgmt.so.$VERSION" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')" = libdescope_mgmt.so.0 ] \
  || die "libdescope_mgmt.so has no soname libdescope_mgmt.so.0"
tar -C "$STAGE" --owner=0 --group=0 --numeric-owner -czf "$DIST/$cname.tar.gz" "$cname"

step "checksums"
(cd "$DIST" && sha256sum -- * >SHA256SUMS && cat SHA256SUMS)
newest=$(objdump -T "$OUT/libdescope_mgmt.so" "$OUT/libdescope_mgmt_node.so" "$OUT/descope-emulator" |
  grep -o 'GLIBC_[0-9.]*' | sort -V -u | tail -n 1)
echo "newest glibc symbol version needed by the binaries: $newest"
ls -la "$DIST"
step "done: dist/ ($VERSION)"
