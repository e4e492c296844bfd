#!/usr/bin/env bash
# Tests the Python binding (bindings-python/, `import descope_mgmt`):
#   1. creates or reuses a virtualenv in .tmp/venv-python and installs maturin, pytest, mypy
#      (only when missing);
#   2. builds the binding with a DEBUG build (cargo profile dev, in the repository's target/)
#      and installs it with pip, the same way `pip install ./bindings-python` does;
#   3. checks the stubs against the runtime (mypy.stubtest) and the examples with
#      `mypy --strict`;
#   4. runs the pytest suite in tests/python/ (it starts and stops its own emulator), then
#      the lifecycle scenarios of tests/lifecycle/ against the same build.
# Usage: scripts/test-python.sh [--install-only] [extra pytest args...]
# Exits non-zero on the first failure. Run from anywhere; paths are relative to the repo.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
VENV="$ROOT/.tmp/venv-python"
PYTHON="${PYTHON:-python3}"
INSTALL_ONLY=0
if [[ "${1:-}" == "--install-only" ]]; then
  INSTALL_ONLY=1
  shift
fi

started=$(date +%s)
step() { printf '\n==> %s (%ss)\n' "$1" "$(($(date +%s) - started))"; }

step "virtualenv $VENV"
mkdir -p "$ROOT/.tmp"
if [[ ! -x "$VENV/bin/python" ]]; then
  # Debian-style Pythons ship venv without ensurepip: fall back to the distro package,
  # then to virtualenv from the package index.
  if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
    rm -rf "$VENV"
    if command -v apt-get >/dev/null 2>&1; then
      SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
      { $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; } >/dev/null 2>&1 || true
    fi
    if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
      rm -rf "$VENV"
      "$PYTHON" -m pip install --quiet --user virtualenv
      "$PYTHON" -m virtualenv --quiet "$VENV"
    fi
  fi
fi
# maturin's PEP 517 hook runs the `maturin` executable from PATH.
export PATH="$VENV/bin:$PATH"
# The binding is a member of the Cargo workspace: build into the repository's target/.
export CARGO_TARGET_DIR="$ROOT/target"
if ! python -c "import maturin, pytest, mypy, opentelemetry.propagate" >/dev/null 2>&1; then
  python -m pip install --quiet --disable-pip-version-check "maturin>=1.9,<2" pytest mypy opentelemetry-api
fi

step "build and install the binding (debug)"
MATURIN_PEP517_ARGS="--profile dev" python -m pip install --quiet --disable-pip-version-check \
  --no-build-isolation --force-reinstall --no-deps ./bindings-python
python -c "import descope_mgmt; print('installed descope_mgmt', descope_mgmt.__version__)"
if [[ "$INSTALL_ONLY" == 1 ]]; then
  exit 0
fi

step "emulator binary"
cargo build --quiet -p descope-mgmt-emulator --bin descope-emulator

step "stubtest (stubs vs runtime)"
# Run outside the repository so the installed package (not a source folder) is checked.
(cd "$ROOT/.tmp" && python -m mypy.stubtest descope_mgmt)

step "mypy --strict examples/python"
python -m mypy --strict --cache-dir "$ROOT/.tmp/mypy-cache" examples/python

step "pytest tests/python"
DESCOPE_TYPECHECKED=1 python -m pytest -p no:cacheprovider -q tests/python "$@"

step "lifecycle: exit, fork and Ctrl-C while calls are in flight (dev build)"
python tests/lifecycle/run.py --emulator "$CARGO_TARGET_DIR/debug/descope-emulator" --python "$VENV/bin/python"

step "done"
