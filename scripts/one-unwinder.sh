#!/usr/bin/env bash
# One unwinder per process, for glibc targets linked by zig (cargo zigbuild, maturin --zig).
#
# cargo-zigbuild turns rustc's `-lgcc_s` into zig's bundled libunwind, so each library would
# carry an unwinder of its own. glibc unwinds pthread_exit/pthread_cancel with the system's
# libgcc_s.so.1 and calls each frame's personality routine, which must then work on
# libgcc's unwind context with libgcc's functions: with two unwinders a Python thread killed
# by pthread_exit at interpreter exit (CPython <= 3.13) crashed the process (issue 20).
# So the libraries link the target's libgcc_s.so.1 (NEEDED libgcc_s.so.1, _Unwind_* imported
# at GCC_3.0..GCC_4.2.0, which manylinux2014 allows), as a plain `gcc` link does.
#
#   scripts/one-unwinder.sh rustflags TRIPLE DIR   prints the RUSTFLAGS that link TRIPLE's
#                                                  libgcc_s.so.1 (symlinked into DIR)
#   scripts/one-unwinder.sh check FILE...          fails unless each FILE imports _Unwind_*
#                                                  from libgcc_s.so.1 and defines none
set -euo pipefail
die() { echo "one-unwinder.sh: $*" >&2; exit 1; }

case "${1:-}" in
rustflags)
  triple=${2:?TRIPLE}; dir=${3:?DIR}
  case "$triple" in
  x86_64-unknown-linux-gnu) cc=${CC:-cc} ;;
  aarch64-unknown-linux-gnu) cc=${CC_aarch64_unknown_linux_gnu:-aarch64-linux-gnu-gcc} ;;
  *) die "no libgcc_s rule for $triple (musl, macOS and Windows need none)" ;;
  esac
  gcc_s=$("$cc" -print-file-name=libgcc_s.so.1)
  [ -f "$gcc_s" ] || die "$cc -print-file-name finds no libgcc_s.so.1 (install gcc for $triple)"
  mkdir -p "$dir"
  ln -sf "$(readlink -f "$gcc_s")" "$dir/libgcc_s.so.1"
  # Named verbatim, so cargo-zigbuild leaves it alone and the linker resolves _Unwind_*
  # to it before zig's libunwind is considered. The build machine's libgcc_s may need a
  # newer glibc (_dl_find_object) than the target's floor: at run time it is always paired
  # with its own system's glibc, so executables' links allow that as libraries' links do.
  echo "-L native=$dir -l dylib:+verbatim=libgcc_s.so.1 -C link-arg=-Wl,--allow-shlib-undefined"
  ;;
check)
  shift
  for f in "$@"; do
    needed=$(readelf -d "$f")
    undefined=$(nm -D --undefined-only "$f")
    defined=$(nm -D --defined-only "$f")
    grep -q 'NEEDED.*\[libgcc_s.so.1\]' <<<"$needed" || die "$f does not link libgcc_s.so.1"
    grep -q ' _Unwind_Resume@GCC_3.0$' <<<"$undefined" || die "$f does not import _Unwind_Resume from libgcc_s"
    if grep -q ' _Unwind_' <<<"$defined"; then die "$f defines its own _Unwind_* (a bundled unwinder)"; fi
    echo "one unwinder: $(basename "$f") imports _Unwind_* from libgcc_s.so.1"
  done
  ;;
*) die "usage: one-unwinder.sh rustflags TRIPLE DIR | check FILE..." ;;
esac
