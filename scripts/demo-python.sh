#!/usr/bin/env bash
# Runs the Python examples (examples/python/demo.py, then demo_async.py): rotate K2active,
# upload two tenant tokens, create a template, printing each result (secrets masked).
# Uses DESCOPE_PROJECT_ID / DESCOPE_MANAGEMENT_KEY / DESCOPE_BASE_URI when set (as
# `make demo` does); otherwise starts a local emulator for the run.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
VENV="$ROOT/.tmp/venv-python"

if ! "$VENV/bin/python" -c "import descope_mgmt" >/dev/null 2>&1; then
  scripts/test-python.sh --install-only >&2
fi

if [[ -z "${DESCOPE_PROJECT_ID:-}" || -z "${DESCOPE_MANAGEMENT_KEY:-}" ]]; then
  exec scripts/with-emulator.sh "$0" "$@"
fi

echo "--- examples/python/demo.py (Client)"
"$VENV/bin/python" examples/python/demo.py
echo "--- examples/python/demo_async.py (AsyncClient)"
"$VENV/bin/python" examples/python/demo_async.py
