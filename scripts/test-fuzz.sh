#!/usr/bin/env bash
# The cargo-fuzz targets (fuzz/), briefly: builds them with the nightly toolchain
# (AddressSanitizer, debug assertions), then runs each one for FUZZ_SECONDS (default 5),
# starting from its committed seed corpus (fuzz/seeds/<target>/, copied to a temp dir so
# the repository is never written). Exits non-zero on any finding (crash, failed oracle
# assertion, leak, timeout); the input that triggered it is kept under .tmp/fuzz/.
#
#   scripts/test-fuzz.sh                       every target, 5 s each (part of `make test`)
#   FUZZ_SECONDS=300 scripts/test-fuzz.sh      longer, by hand
#   scripts/test-fuzz.sh response_decoding     one target
#   FUZZ_CORPUS=keep scripts/test-fuzz.sh      keep the grown corpus in .tmp/fuzz/corpus/
#
# Needs rustup's nightly toolchain. cargo-fuzz is installed into .tmp/tools/cargo-fuzz
# (pinned version, --locked) when it is not on PATH (about 2 minutes, once per clone). Builds go to
# ${CARGO_TARGET_DIR:-target}/fuzz: sanitizer flags must not share artifacts with the
# main workspace's builds.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
FUZZ_SECONDS="${FUZZ_SECONDS:-5}"
CARGO_FUZZ_VERSION=0.13.2
TOOLS="$ROOT/.tmp/tools/cargo-fuzz"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}/fuzz"
STATE="$ROOT/.tmp/fuzz"
TRIPLE="$(rustc -vV | sed -n 's/^host: //p')"
started=$(date +%s)
step() { echo "== test-fuzz: $* ($(($(date +%s) - started)) s)" >&2; }

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "test-fuzz: the nightly toolchain is missing: rustup toolchain install nightly" >&2
  exit 1
fi

export PATH="$TOOLS/bin:$PATH"
if ! cargo fuzz --version >/dev/null 2>&1; then
  step "installing cargo-fuzz $CARGO_FUZZ_VERSION into ${TOOLS#"$ROOT"/}"
  # Its build goes to the shared target dir, so a fresh clone on a machine that built it
  # once installs it in seconds.
  cargo install -q --locked --version "$CARGO_FUZZ_VERSION" --root "$TOOLS" \
    --target-dir "${CARGO_TARGET_DIR:-$ROOT/target}/tools" cargo-fuzz
fi

# fuzz/c-rlib builds bindings-c's sources under its own package version, and
# bindings-c/src/version.rs checks the header macros against that version at compile time.
ws_version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)
rlib_version=$(sed -n 's/^version = "\(.*\)"/\1/p' fuzz/c-rlib/Cargo.toml)
if [ "$ws_version" != "$rlib_version" ]; then
  echo "test-fuzz: fuzz/c-rlib/Cargo.toml has version $rlib_version, the workspace $ws_version: make them equal" >&2
  exit 1
fi

step "cargo +nightly fuzz build (target dir ${TARGET_DIR#"$ROOT"/})"
cargo +nightly fuzz build --fuzz-dir fuzz --target-dir "$TARGET_DIR"

if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo +nightly fuzz list --fuzz-dir fuzz)
fi

# glibc's per-thread destructor node of a thread that exits mid-check is not a leak.
export LSAN_OPTIONS="suppressions=$ROOT/fuzz/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
status=0
for t in "${targets[@]}"; do
  bin="$TARGET_DIR/$TRIPLE/release/$t"
  [ -x "$bin" ] || { echo "test-fuzz: no binary for target $t" >&2; exit 1; }
  [ -d "fuzz/seeds/$t" ] || { echo "test-fuzz: no seeds in fuzz/seeds/$t" >&2; exit 1; }
  if [ "${FUZZ_CORPUS:-}" = keep ]; then
    corpus="$STATE/corpus/$t"
    mkdir -p "$corpus"
  else
    corpus="$(mktemp -d)"
  fi
  cp fuzz/seeds/"$t"/* "$corpus/"
  artifacts="$STATE/artifacts/$t"
  mkdir -p "$artifacts"
  log="$STATE/$t.log"
  step "$t: ${FUZZ_SECONDS}s from $(find "fuzz/seeds/$t" -type f | wc -l) seeds (log ${log#"$ROOT"/})"
  rc=0
  # -timeout: one input taking longer is a finding (a hang); the client's own timeout is 5 s.
  "$bin" "$corpus" -max_total_time="$FUZZ_SECONDS" -timeout=20 -rss_limit_mb=4096 -print_funcs=0 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 >"$log" 2>&1 || rc=$?
  grep -E '^(#[0-9]+[[:space:]]+(INITED|DONE)|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" | sed "s/^/  $t: /" >&2 || true
  if [ "$rc" != 0 ]; then
    status=1
    echo "test-fuzz: $t FOUND A PROBLEM (exit $rc); the end of its log:" >&2
    tail -n 40 "$log" >&2
    echo "test-fuzz: reproduce with: $bin $artifacts/<crash-file>" >&2
  fi
  [ "${FUZZ_CORPUS:-}" = keep ] || rm -rf "$corpus"
done
step "done (exit $status)"
exit "$status"
