#!/usr/bin/env bash
# Runs the Node.js examples (examples/node/demo.mjs and demo.cjs) against the Descope
# Management API configured in DESCOPE_PROJECT_ID, DESCOPE_MANAGEMENT_KEY and
# DESCOPE_BASE_URI (`make demo` points them at the emulator). Builds the addon (debug) first
# when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
# Lockfiles name packages only, never the registry they came from.
export npm_config_omit_lockfile_registry_resolved=true

if [ ! -f bindings-node/descope-mgmt.node ]; then
  echo "building the Node.js addon (debug)..." >&2
  # The one documented build command of a checkout (it installs the dev tools it needs).
  npm run --silent build --prefix bindings-node >&2
fi
# Installs descope-mgmt by name (a link to bindings-node/) for the examples.
(cd examples/node && npm install --no-audit --no-fund --no-package-lock --loglevel=error) >&2

echo "-- examples/node/demo.mjs (ES module)"
node examples/node/demo.mjs
echo "-- examples/node/demo.cjs (CommonJS)"
node examples/node/demo.cjs
