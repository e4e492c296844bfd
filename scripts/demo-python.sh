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

EMULATOR_PID=""
cleanup() {
  if [[ -n "$EMULATOR_PID" ]]; then
    kill "$EMULATOR_PID" 2>/dev/null || true
    wait "$EMULATOR_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT

if [[ -z "${DESCOPE_PROJECT_ID:-}" || -z "${DESCOPE_MANAGEMENT_KEY:-}" ]]; then
  cargo build --quiet -p descope-mgmt-emulator --bin descope-emulator
  INFO="$ROOT/.tmp/demo-python-emulator.json"
  mkdir -p "$ROOT/.tmp"
  : >"$INFO"
  target/debug/descope-emulator --port 0 >"$INFO" &
  EMULATOR_PID=$!
  for _ in $(seq 1 100); do
    [[ -s "$INFO" ]] && break
    sleep 0.05
  done
  eval "$("$VENV/bin/python" - "$INFO" <<'PY'
import json, shlex, sys
info = json.loads(open(sys.argv[1]).readline())
for name, key in (("DESCOPE_BASE_URI", "url"), ("DESCOPE_PROJECT_ID", "projectId"), ("DESCOPE_MANAGEMENT_KEY", "managementKey")):
    print(f"export {name}={shlex.quote(info[key])}")
PY
)"
fi

echo "--- examples/python/demo.py (Client)"
"$VENV/bin/python" examples/python/demo.py
echo "--- examples/python/demo_async.py (AsyncClient)"
"$VENV/bin/python" examples/python/demo_async.py
