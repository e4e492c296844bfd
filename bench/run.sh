#!/usr/bin/env bash
# The benchmark harness: builds and installs every client, then runs them all against one
# local emulator (bench/harness.py) and renders the report (bench/report.py).
#
#   bench/run.sh            full run (release builds): writes BENCHMARKS.md and bench/chart.png
#   bench/run.sh --smoke    tiny counts, debug builds: checks that every client still runs;
#                           report goes to bench/.tmp/ (exit non-zero if any client fails)
#
# Extra arguments go to bench/harness.py (e.g. --only core-1,py-sync-1 --reps 3); a full
# run with extra arguments reports into bench/.tmp/ instead of BENCHMARKS.md.
# Needs Rust (cargo), Python 3 with venv, Node.js 20 + npm, gcc. State lives in bench/.tmp/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

MODE=full
if [ "${1:-}" = "--smoke" ]; then
  MODE=smoke
  shift
fi
if [ "$MODE" = full ]; then PROFILE=release; CARGO_PROFILE=(--release); else PROFILE=debug; CARGO_PROFILE=(); fi

TMP="$ROOT/bench/.tmp"
VENV="$TMP/venv"
NODE_DIR="$TMP/node"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
OUT="$TMP/$PROFILE"
mkdir -p "$TMP" "$OUT"
started=$(date +%s)
step() { echo "== bench: $* ($(( $(date +%s) - started )) s)" >&2; }

# 0. Full runs only: the raw-core worker built at the commit before the safe logs were
#    added (the parent of the commit that added core/src/logs.rs, or BENCH_PRELOGS_REV), the
#    baseline of the "Logging off" section. Its source is a `git archive` in
#    bench/.tmp/prelogs-src (re-extracted only when the commit changes); it builds into the
#    same target directory, so only its own crates compile, and its binary is copied out
#    before step 1 builds the current worker over the same path. A failed build is reported
#    in the section (FAIL), not fatal here.
PRELOGS_ARGS=()
if [ "$MODE" = full ]; then
  added=$(git log --diff-filter=A --format=%H -- core/src/logs.rs | tail -n 1)
  PRELOGS_REV=$(git rev-parse --short "${BENCH_PRELOGS_REV:-$added^}")
  PRELOGS_SRC="$TMP/prelogs-src"
  step "cargo build (release): raw-core worker at $PRELOGS_REV, before the logs"
  if [ "$(cat "$PRELOGS_SRC/.rev" 2>/dev/null)" != "$PRELOGS_REV" ]; then
    rm -rf "$PRELOGS_SRC"
    mkdir -p "$PRELOGS_SRC"
    git archive "$PRELOGS_REV" | tar -x -C "$PRELOGS_SRC"
    echo "$PRELOGS_REV" >"$PRELOGS_SRC/.rev"
  fi
  rm -f "$OUT/bench-prelogs"
  if (cd "$PRELOGS_SRC" && CARGO_TARGET_DIR="$TARGET_DIR" cargo build -q --release -p descope-mgmt --example bench) \
       >"$TMP/prelogs-build.log" 2>&1; then
    cp "$TARGET_DIR/release/examples/bench" "$OUT/bench-prelogs"
    PRELOGS_ARGS=(--prelogs-bin "$OUT/bench-prelogs" --prelogs-rev "$PRELOGS_REV")
  else
    echo "bench: warning: the pre-logs worker did not build (bench/.tmp/prelogs-build.log)" >&2
  fi
fi

# 1. Rust: the emulator, the C library, the descope-mgmt command and the raw-core worker
#    (core/examples/bench.rs).
step "cargo build ($PROFILE): emulator, C library, descope-mgmt command, core bench example"
cargo build -q "${CARGO_PROFILE[@]}" -p descope-mgmt-emulator -p descope-mgmt-c -p descope-mgmt-cli
cargo build -q "${CARGO_PROFILE[@]}" -p descope-mgmt --example bench

# 2. The C worker, linked against the C library of this profile.
step "gcc: C worker"
gcc -O2 -std=c11 -Wall -Wextra -I"$ROOT/include" "$ROOT/bench/workers/c_worker.c" \
  -L"$TARGET_DIR/$PROFILE" -ldescope_mgmt -Wl,-rpath,"$TARGET_DIR/$PROFILE" -lpthread -lm \
  -o "$OUT/c_worker"

# 3. Python: a venv with the official SDK (by package name), matplotlib for the chart,
#    maturin, and this repository's binding built as a wheel for this profile.
step "python venv: descope (official SDK), matplotlib, maturin, descope_mgmt ($PROFILE)"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
if ! "$VENV/bin/python" -c 'import descope, matplotlib, maturin' 2>/dev/null; then
  "$VENV/bin/pip" install -q --disable-pip-version-check descope matplotlib maturin
fi
rm -rf "$OUT/wheels"
if [ "$MODE" = full ]; then WHEEL_PROFILE=(--release); else WHEEL_PROFILE=(--profile dev); fi
"$VENV/bin/maturin" build -q "${WHEEL_PROFILE[@]}" -m "$ROOT/bindings-python/Cargo.toml" \
  -i "$VENV/bin/python" --compatibility off -o "$OUT/wheels" >&2
"$VENV/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$OUT"/wheels/*.whl

# 4. Node: the official SDK (by package name) and this repository's binding, side by side
#    in one node_modules. The addon is a plain cargo build of bindings-node (what
#    `napi build` runs), copied next to the package's JavaScript entry points.
step "node: @descope/node-sdk, descope-mgmt ($PROFILE)"
mkdir -p "$NODE_DIR"
[ -f "$NODE_DIR/package.json" ] || echo '{"private": true, "description": "bench state"}' >"$NODE_DIR/package.json"
if [ ! -f "$NODE_DIR/node_modules/@descope/node-sdk/package.json" ]; then
  (cd "$NODE_DIR" && npm install --no-audit --no-fund --silent @descope/node-sdk >&2)
fi
cargo build -q "${CARGO_PROFILE[@]}" -p descope-mgmt-node
bench/stage-node.sh "$NODE_DIR/node_modules" "$TARGET_DIR/$PROFILE/libdescope_mgmt_node.so"

# 5. Measure.
busy=$(pgrep -c -x rustc || true)
if [ "${busy:-0}" != 0 ]; then
  echo "bench: warning: $busy rustc processes are running; figures will be noisy" >&2
fi
if [ "$MODE" = full ]; then CMD="bench/run.sh"; RESULTS="$TMP/results.json"; else
  CMD="bench/run.sh --smoke"; RESULTS="$TMP/results.smoke.json"; fi
CMD="$CMD${*:+ $*}"
if [ "$MODE" = full ] && [ $# -eq 0 ]; then
  MD="$ROOT/BENCHMARKS.md"; PNG="$ROOT/bench/chart.png"
else
  MD="$TMP/BENCHMARKS.$MODE.md"; PNG="$TMP/chart.$MODE.png"
fi
rm -f "$RESULTS"
step "harness ($MODE)"
status=0
"$VENV/bin/python" "$ROOT/bench/harness.py" --mode "$MODE" \
  --emulator "$TARGET_DIR/$PROFILE/descope-emulator" \
  --core-bin "$TARGET_DIR/$PROFILE/examples/bench" \
  --c-bin "$OUT/c_worker" \
  --cli-bin "$TARGET_DIR/$PROFILE/descope-mgmt" \
  --python "$VENV/bin/python" \
  --node-modules "$NODE_DIR/node_modules" \
  --out "$RESULTS" \
  ${PRELOGS_ARGS[@]+"${PRELOGS_ARGS[@]}"} \
  --command "$CMD" "$@" || status=$?

# 6. Report (even after a failed client, so the failure shows in it).
if [ -f "$RESULTS" ]; then
  step "report: ${MD#"$ROOT"/}, ${PNG#"$ROOT"/}"
  "$VENV/bin/python" "$ROOT/bench/report.py" --results "$RESULTS" \
    --markdown "$MD" --chart "$PNG" --total-seconds "$(( $(date +%s) - started ))" || status=1
fi
step "done (exit $status)"
exit "$status"
