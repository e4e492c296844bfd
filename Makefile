# The two commands: `make demo` and `make test`. Everything else is a helper of those.
SHELL := /bin/bash
CARGO ?= cargo
LANGS := python node c

.PHONY: build demo test check test-rust test-python test-node test-c test-fuzz test-dist dist bench bench-smoke soak

## Build the Rust workspace (core, emulator, C binding) in debug mode, once.
build:
	$(CARGO) build --workspace --all-targets --exclude descope-mgmt-python --exclude descope-mgmt-node

## Build everything, start the emulator and run every language's example against it.
demo: build
	scripts/with-emulator.sh bash -c '\
	  set -e; \
	  echo "== rust =="; $${CARGO_TARGET_DIR:-target}/debug/examples/demo; \
	  for l in $(LANGS); do if [ -x scripts/demo-$$l.sh ]; then echo "== $$l =="; scripts/demo-$$l.sh; fi; done'

## Run every test: Rust, Python, Node and C. Each suite starts and stops its own emulators.
test: test-rust test-python test-node test-c test-fuzz test-dist bench-smoke

## Everyday checks in under two minutes after a build: formatting, clippy -D warnings, ruff,
## tsc, header/stub/d.ts drift and the Rust unit tests. `.ci/run` runs it before `make test`.
check:
	scripts/check.sh

test-rust: build
	@if $(CARGO) nextest --version >/dev/null 2>&1; then \
	  $(CARGO) nextest run --workspace --exclude descope-mgmt-python --exclude descope-mgmt-node --no-fail-fast; \
	else \
	  $(CARGO) test --workspace --exclude descope-mgmt-python --exclude descope-mgmt-node --no-fail-fast; \
	fi
	$(CARGO) test --doc -p descope-mgmt

test-python: build
	scripts/test-python.sh

test-node: build
	scripts/test-node.sh

test-c: build
	scripts/test-c.sh

## cargo-fuzz targets (nightly), a few seconds each; `FUZZ_SECONDS=600 make test-fuzz` by hand.
test-fuzz:
	scripts/test-fuzz.sh

## Release artifacts users install without Rust (wheel + sdist, npm packages, C tarball) in dist/.
dist:
	scripts/dist.sh

## Installs every dist/ artifact with no cargo or rustc on PATH and runs the shared vectors
## and the examples against them; checks that every version number is the same.
test-dist: dist
	scripts/test-dist.sh

## Full benchmark (release builds; about 10 minutes on 2 cores). Writes BENCHMARKS.md.
bench:
	bench/run.sh

## The benchmark harness with tiny counts, so it cannot rot. Part of `make test`.
bench-smoke: build
	bench/run.sh --smoke

## Soak benchmark: 200k calls on one client per language, RSS and open fds sampled.
## Writes bench/SOAK.md; `SOAK_CALLS=2000 make soak` is a quick run (report in bench/.tmp/soak/).
soak:
	bench/soak.sh
