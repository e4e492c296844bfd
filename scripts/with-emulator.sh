#!/usr/bin/env bash
# Starts the emulator on a free port, exports DESCOPE_BASE_URI, DESCOPE_PROJECT_ID and
# DESCOPE_MANAGEMENT_KEY from its first JSON line, runs the given command, then stops it.
# Usage: scripts/with-emulator.sh CMD [ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
EMU="${DESCOPE_EMULATOR_BIN:-${CARGO_TARGET_DIR:-target}/debug/descope-emulator}"
[ -x "$EMU" ] || cargo build -q -p descope-mgmt-emulator
fifo_dir="$(mktemp -d)"
mkfifo "$fifo_dir/out"
"$EMU" --port 0 >"$fifo_dir/out" &
emu_pid=$!
trap 'kill "$emu_pid" 2>/dev/null || true; wait "$emu_pid" 2>/dev/null || true; rm -rf "$fifo_dir"' EXIT
exec 3<"$fifo_dir/out"
IFS= read -r -t 30 line <&3
# Keep draining the emulator's stdout so it never blocks on a full pipe.
cat <&3 >/dev/null &
eval "$(python3 -c '
import json, shlex, sys
d = json.loads(sys.argv[1])
for k, v in (("DESCOPE_BASE_URI", d["url"]), ("DESCOPE_PROJECT_ID", d["projectId"]), ("DESCOPE_MANAGEMENT_KEY", d["managementKey"])):
    print("export %s=%s" % (k, shlex.quote(v)))
' "$line")"
echo "emulator: $DESCOPE_BASE_URI (project $DESCOPE_PROJECT_ID)" >&2
"$@"
