#!/usr/bin/env bash
# Soak benchmark: SOAK_CALLS calls (default 200000) on ONE client per language (Rust core,
# C, Python, Node), against one local emulator, each driver sampling its own RSS and open
# file descriptors from /proc/self every SOAK_CALLS/50 calls; then a report with start,
# warm, peak and end figures and a verdict per driver (flat or growing).
#
#   bench/soak.sh                      200k calls each (release builds): writes bench/SOAK.md
#   SOAK_CALLS=2000 bench/soak.sh      a quick run: report in bench/.tmp/soak/SOAK.md
#   SOAK_LANGS="rust c" bench/soak.sh  some drivers only (report in bench/.tmp/soak/)
#
# Also SOAK_CONCURRENCY (calls in flight per client, default 8) and SOAK_EVERY (calls
# between samples). Release builds, like bench/run.sh (it is a benchmark), in the shared
# target dir. Needs Rust, gcc, Python 3 with venv, Node.js. State lives in bench/.tmp/soak/.
# Exit status 1 when a driver fails, sees an unexpected outcome, or grows.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
CALLS="${SOAK_CALLS:-200000}"
EVERY="${SOAK_EVERY:-$((CALLS / 50 > 0 ? CALLS / 50 : 1))}"
CONCURRENCY="${SOAK_CONCURRENCY:-8}"
LANGS="${SOAK_LANGS:-rust c python node}"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export CARGO_TARGET_DIR="$TARGET_DIR"
PROFILE=release
TMP="$ROOT/bench/.tmp/soak"
mkdir -p "$TMP"
started=$(date +%s)
step() { echo "== soak: $* ($(($(date +%s) - started)) s)" >&2; }
wants() { [[ " $LANGS " == *" $1 "* ]]; }

step "cargo build --release: emulator$(wants c && echo ", C library")$(wants node && echo ", Node addon")"
pkgs=(-p descope-mgmt-emulator)
wants c && pkgs+=(-p descope-mgmt-c)
wants node && pkgs+=(-p descope-mgmt-node)
cargo build -q --release "${pkgs[@]}"

if wants rust; then
  step "cargo build --release: Rust driver (bench/soak/rust)"
  # Same dependency versions as the main workspace, so its release artifacts are reused.
  if [ -f Cargo.lock ]; then cp Cargo.lock bench/soak/rust/Cargo.lock; fi
  cargo build -q --release --manifest-path bench/soak/rust/Cargo.toml
fi

if wants c; then
  step "gcc: C driver"
  gcc -O2 -std=c11 -Wall -Wextra -Werror -I"$ROOT/include" bench/soak/soak.c \
    -L"$TARGET_DIR/$PROFILE" -ldescope_mgmt -Wl,-rpath,"$TARGET_DIR/$PROFILE" -lpthread \
    -o "$TMP/soak_c"
fi

if wants python; then
  step "python: venv with maturin, descope_mgmt wheel ($PROFILE)"
  VENV="$TMP/venv"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/python" -c 'import maturin' 2>/dev/null ||
    "$VENV/bin/pip" install -q --disable-pip-version-check maturin
  rm -rf "$TMP/wheels"
  "$VENV/bin/maturin" build -q --release -m "$ROOT/bindings-python/Cargo.toml" \
    -i "$VENV/bin/python" --compatibility off -o "$TMP/wheels" >&2
  "$VENV/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$TMP"/wheels/*.whl
fi

if wants node; then
  step "node: descope-mgmt package from this tree ($PROFILE addon)"
  bench/stage-node.sh "$TMP/node_modules" "$TARGET_DIR/$PROFILE/libdescope_mgmt_node.so"
fi

busy=$(pgrep -c -x rustc || true)
if [ "${busy:-0}" != 0 ]; then
  echo "soak: warning: $busy rustc processes are running; rates will be noisy (RSS and fds are not affected)" >&2
fi

# One emulator for all drivers, one driver at a time.
export SOAK_TMP="$TMP" SOAK_ARGS="$CALLS $EVERY $CONCURRENCY" SOAK_LANGS_RUN="$LANGS"
export SOAK_RUST_BIN="$TARGET_DIR/$PROFILE/descope-mgmt-soak"
status=0
DESCOPE_EMULATOR_BIN="$TARGET_DIR/$PROFILE/descope-emulator" scripts/with-emulator.sh bash -c '
  set -u
  export BENCH_URL="$DESCOPE_BASE_URI" BENCH_PROJECT_ID="$DESCOPE_PROJECT_ID" BENCH_MANAGEMENT_KEY="$DESCOPE_MANAGEMENT_KEY"
  export BENCH_NODE_MODULES="$SOAK_TMP/node_modules"
  rc=0
  for lang in $SOAK_LANGS_RUN; do
    case "$lang" in
      rust) cmd=("$SOAK_RUST_BIN") ;;
      c) cmd=("$SOAK_TMP/soak_c") ;;
      python) cmd=("$SOAK_TMP/venv/bin/python" bench/soak/soak.py) ;;
      node) cmd=(node --expose-gc bench/soak/soak.js) ;;
      *) echo "soak: unknown driver $lang" >&2; rc=1; continue ;;
    esac
    echo "== soak: $lang: ${cmd[*]} $SOAK_ARGS" >&2
    # shellcheck disable=SC2086
    "${cmd[@]}" $SOAK_ARGS >"$SOAK_TMP/$lang.jsonl" 2>"$SOAK_TMP/$lang.err" || {
      echo "soak: $lang failed; its stderr:" >&2; tail -n 20 "$SOAK_TMP/$lang.err" >&2; rc=1; }
    tail -n 1 "$SOAK_TMP/$lang.jsonl" >&2 || true
  done
  exit $rc
' || status=1

CMD="bench/soak.sh"
[ -n "${SOAK_CALLS:-}" ] && CMD="SOAK_CALLS=$SOAK_CALLS $CMD"
[ -n "${SOAK_LANGS:-}" ] && CMD="SOAK_LANGS=\"$SOAK_LANGS\" $CMD"
[ -n "${SOAK_CONCURRENCY:-}" ] && CMD="SOAK_CONCURRENCY=$SOAK_CONCURRENCY $CMD"
[ -n "${SOAK_EVERY:-}" ] && CMD="SOAK_EVERY=$SOAK_EVERY $CMD"
if [ "$CALLS" = 200000 ] && [ "$LANGS" = "rust c python node" ]; then
  OUT="$ROOT/bench/SOAK.md"
else
  OUT="$TMP/SOAK.md"
fi
step "report: ${OUT#"$ROOT"/}"
python3 bench/soak/report.py --dir "$TMP" --drivers "$LANGS" --calls "$CALLS" --every "$EVERY" \
  --concurrency "$CONCURRENCY" --command "$CMD" --out "$OUT" \
  --total-seconds "$(($(date +%s) - started))" || status=1
step "done (exit $status)"
exit "$status"
