#!/usr/bin/env bash
# Everyday checks (`make check`), in under two minutes once the workspace has been built:
#   1. rustfmt --check on every crate of the workspace;
#   2. clippy -D warnings on every crate and target;
#   3. no module cycles within any crate (scripts/check-module-cycles.py) and `cargo doc`
#      of the core without warnings;
#   4. the Rust unit tests of the core and the bindings (no emulator, no network);
#   5. ruff on the Python package, its tests, the examples and the benchmark (ruff.toml);
#   6. the committed C header against cbindgen's output;
#   7. the committed index.d.ts against the napi build, and tsc --strict over it;
#   8. the Python stubs against the built module (mypy.stubtest).
# Tools come from the registries by package name on first use (ruff pinned, into
# .tmp/venv-check; cbindgen via bindings-c/Makefile; the npm devDependencies; the Python
# test venv of scripts/test-python.sh). `.ci/run` runs this before `make test`.
# Usage: scripts/check.sh   Exits non-zero on the first failing check.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
RUFF_VERSION=0.17.6

started=$SECONDS
step() { printf '\n== check [%ss] %s\n' "$((SECONDS - started))" "$*"; }
die() { echo "check.sh: $*" >&2; exit 1; }

step "rustfmt --check"
cargo fmt --all -- --check || die "run \`cargo fmt --all\` and commit the result"

step "clippy -D warnings (all crates, all targets)"
cargo clippy --quiet --workspace --all-targets -- -D warnings

step "no module cycles in any crate"
python3 scripts/check-module-cycles.py

step "package READMEs link with absolute URLs (PyPI, npm, crates.io and the C tarball show them alone)"
if grep -nE '\]\((\.\.?/|docs/|[A-Za-z_-]+\.md)' core/README.md bindings-python/README.md bindings-node/README.md bindings-c/README.md; then
  echo "check.sh: a package README has a relative link (above); link to the repository instead" >&2
  exit 1
fi

step "cargo doc for the core crate, warnings denied"
RUSTDOCFLAGS="-D warnings" cargo doc --quiet -p descope-mgmt --no-deps

step "Rust unit tests (core, emulator, C and Node bindings)"
cargo test --quiet --workspace --lib --exclude descope-mgmt-python

step "logging off does no logging work (core/tests/logs_off.rs, against the in-process emulator)"
cargo test --quiet -p descope-mgmt --test logs_off

step "ruff $RUFF_VERSION"
VENV=$ROOT/.tmp/venv-check
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV" || die "python3 -m venv failed (install python3-venv)"
if [ "$("$VENV/bin/ruff" --version 2>/dev/null)" != "ruff $RUFF_VERSION" ]; then
  "$VENV/bin/pip" install -q --disable-pip-version-check "ruff==$RUFF_VERSION"
fi
"$VENV/bin/ruff" check bindings-python/python tests/python tests/lifecycle examples/python bench scripts

step "C header drift (cbindgen)"
make -s -C bindings-c check-header

step "index.d.ts drift and tsc --strict"
scripts/check-dts.sh
node --test tests/node/types.test.mjs

step "Python stubs vs the module (mypy.stubtest)"
scripts/test-python.sh --install-only >/dev/null
(cd "$ROOT/.tmp" && "$ROOT/.tmp/venv-python/bin/python" -m mypy.stubtest descope_mgmt)

step "done: every check passed"
