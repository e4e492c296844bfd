#!/usr/bin/env bash
# Tests the C binding (libdescope_mgmt) from the repository root:
#   1. installs valgrind and pkg-config with apt when missing;
#   2. builds the crate (debug) and the emulator;
#   3. fails when include/descope_mgmt.h differs from a fresh cbindgen run
#      (cbindgen is pinned and installed on first use under .tmp/tools/);
#   4. installs header + libraries + descope_mgmt.pc into a temporary PREFIX;
#   5. builds tests/c and examples/c through pkg-config with -Wall -Wextra -Werror
#      (the test checks the version macros against Cargo.toml);
#   6. starts the emulator and runs the C tests plain, under valgrind, and built with
#      AddressSanitizer against the static library.
# Idempotent; exits non-zero on any failure.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
WORK=$ROOT/.tmp/test-c
BUILD=$ROOT/tests/c/build
PREFIX=$WORK/prefix
START=$(date +%s)

step() { printf '\n== %s (%ss)\n' "$*" "$(($(date +%s) - START))"; }

step "tools"
missing=()
command -v valgrind >/dev/null || missing+=(valgrind)
command -v pkg-config >/dev/null || missing+=(pkg-config)
if ((${#missing[@]})); then
    SUDO=
    [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
CC=${CC:-cc}

step "build the crate and the emulator (debug)"
cargo build -p descope-mgmt-c -p descope-mgmt-emulator

step "header drift check"
make -s -C bindings-c check-header

step "install to a temporary PREFIX"
rm -rf "$PREFIX"
make -s -C bindings-c install PREFIX="$PREFIX" CARGO="cargo --quiet"
export PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig
pkg-config --exists descope_mgmt
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
[ "$(pkg-config --modversion descope_mgmt)" = "$VERSION" ] || {
    echo "descope_mgmt.pc says $(pkg-config --modversion descope_mgmt), Cargo.toml says $VERSION" >&2
    exit 1
}

step "build the C tests and the example through pkg-config"
mkdir -p "$BUILD"
CFLAGS=(-std=c11 -Wall -Wextra -Werror -g -pthread "-DEXPECTED_VERSION=\"$VERSION\"")
SOURCES=(tests/c/test_descope_mgmt.c tests/c/json.c tests/c/http.c)
# shellcheck disable=SC2046  # pkg-config output is meant to be split
"$CC" "${CFLAGS[@]}" "${SOURCES[@]}" -o "$BUILD/test_descope_mgmt" $(pkg-config --cflags --libs descope_mgmt)
STATIC_LIBS=$(pkg-config --static --libs-only-l descope_mgmt | sed 's/-ldescope_mgmt//')
# shellcheck disable=SC2046,SC2086
"$CC" "${CFLAGS[@]}" -fsanitize=address -fno-omit-frame-pointer "${SOURCES[@]}" -o "$BUILD/test_descope_mgmt_asan" \
    $(pkg-config --cflags descope_mgmt) "$(pkg-config --variable=libdir descope_mgmt)/libdescope_mgmt.a" $STATIC_LIBS
# shellcheck disable=SC2046
"$CC" "${CFLAGS[@]}" tests/c/test_chunked_upload.c tests/c/json.c tests/c/http.c -o "$BUILD/test_chunked_upload" \
    $(pkg-config --cflags --libs descope_mgmt)
make -s -B -C examples/c
# The header on its own: strict C99, and C++ when a C++ compiler is present.
printf '#include <descope_mgmt.h>\nint main(void) { return DESCOPE_MGMT_STATUS_OK; }\n' >"$BUILD/header_only.c"
# shellcheck disable=SC2046
"$CC" -std=c99 -pedantic -Wall -Wextra -Werror $(pkg-config --cflags descope_mgmt) -c "$BUILD/header_only.c" -o "$BUILD/header_only.o"
if command -v c++ >/dev/null; then
    # shellcheck disable=SC2046
    c++ -std=c++11 -Wall -Wextra -Werror $(pkg-config --cflags descope_mgmt) -x c++ -c "$BUILD/header_only.c" -o "$BUILD/header_only_cpp.o"
fi

step "start the emulator"
mkdir -p "$WORK"
"${CARGO_TARGET_DIR:-target}/debug/descope-emulator" --port 0 >"$WORK/emulator.out" 2>"$WORK/emulator.err" &
EMULATOR_PID=$!
trap 'kill "$EMULATOR_PID" 2>/dev/null || true; wait "$EMULATOR_PID" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    [ -s "$WORK/emulator.out" ] && break
    kill -0 "$EMULATOR_PID" 2>/dev/null || { cat "$WORK/emulator.err" >&2; exit 1; }
    sleep 0.1
done
DESCOPE_EMULATOR_INFO=$(head -n 1 "$WORK/emulator.out")
export DESCOPE_EMULATOR_INFO DESCOPE_VECTORS_DIR=$ROOT/tests/vectors
unset DESCOPE_PROJECT_ID DESCOPE_MANAGEMENT_KEY DESCOPE_BASE_URI

step "run the C tests (shared library)"
"$BUILD/test_descope_mgmt"
"$BUILD/test_chunked_upload"

# Every client loads the system CA store when it first connects (rustls-native-certs via
# SSL_CERT_FILE / SSL_CERT_DIR). Parsing ~150 roots per client dominates the instrumented
# runs (minutes under valgrind), and the tests only talk plain HTTP to 127.0.0.1, so the
# valgrind and ASan runs point the loader at a single root certificate instead.
ONE_CERT=$(find /etc/ssl/certs -maxdepth 1 -name '*.pem' 2>/dev/null | sort | head -n 1 || true)
INSTRUMENTED_ENV=()
if [ -n "$ONE_CERT" ]; then
    INSTRUMENTED_ENV=(SSL_CERT_FILE="$ONE_CERT" SSL_CERT_DIR="$WORK/no-certs")
    mkdir -p "$WORK/no-certs"
fi

step "run the C tests under valgrind"
env "${INSTRUMENTED_ENV[@]}" valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect --error-exitcode=1 \
    "$BUILD/test_descope_mgmt" >"$WORK/valgrind.log" 2>&1 || {
    cat "$WORK/valgrind.log"
    echo "valgrind run failed" >&2
    exit 1
}
tail -n 1 "$WORK/valgrind.log"

step "run the C tests with AddressSanitizer (static library)"
env "${INSTRUMENTED_ENV[@]}" ASAN_OPTIONS=detect_leaks=1 "$BUILD/test_descope_mgmt_asan" >"$WORK/asan.log" 2>&1 || {
    cat "$WORK/asan.log"
    echo "AddressSanitizer run failed" >&2
    exit 1
}
tail -n 1 "$WORK/asan.log"

step "lifecycle: exit(), pthread_cancel and dlclose while calls are in flight (dev build)"
python3 tests/lifecycle/run.py --emulator "${CARGO_TARGET_DIR:-$ROOT/target}/debug/descope-emulator" \
    --c-include "$PREFIX/include" --c-libs "-L$PREFIX/lib -ldescope_mgmt" --c-lib "$PREFIX/lib/libdescope_mgmt.so.0"

step "C binding: all checks passed"
