# The two commands: `make demo` and `make test`. Everything else is a helper of those.
SHELL := /bin/bash
CARGO ?= cargo
LANGS := python node c

.PHONY: build demo test test-rust test-python test-node test-c bench bench-smoke

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
test: test-rust test-python test-node test-c bench-smoke

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

## Full benchmark (release builds; about 10 minutes on 2 cores). Writes BENCHMARKS.md.
bench:
	bench/run.sh

## The benchmark harness with tiny counts, so it cannot rot. Part of `make test`.
bench-smoke: build
	bench/run.sh --smoke
