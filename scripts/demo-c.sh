#!/usr/bin/env bash
# Builds the C binding, installs it under .tmp/c-demo-prefix, builds examples/c through
# pkg-config and runs it, printing what each call returned. Needs DESCOPE_PROJECT_ID,
# DESCOPE_MANAGEMENT_KEY and (for the emulator) DESCOPE_BASE_URI; `make demo` sets them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
: "${DESCOPE_PROJECT_ID:?set DESCOPE_PROJECT_ID (make demo does it)}"
: "${DESCOPE_MANAGEMENT_KEY:?set DESCOPE_MANAGEMENT_KEY (make demo does it)}"
PREFIX=$PWD/.tmp/c-demo-prefix
command -v pkg-config >/dev/null || {
    SUDO=
    [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pkg-config >/dev/null
}
make -s -C bindings-c install PREFIX="$PREFIX" CARGO="cargo --quiet"
PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig make -s -B -C examples/c
exec examples/c/build/descope_mgmt_demo
