#!/usr/bin/env bash
# Stages this tree's Node package into <node_modules>/descope-mgmt with a given addon, the
# way the benchmarks load it: the package's JavaScript entry points, types and loader, and
# the addon as descope-mgmt.node (not installed through npm, so its lifecycle scripts are
# dropped). Usage: bench/stage-node.sh <node_modules dir> <addon .so>
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PKG="$1/descope-mgmt"
ADDON="$2"
rm -rf "$PKG"
mkdir -p "$PKG/scripts"
for f in package.json index.js index.mjs index.d.ts scripts/platform.js; do
  if [ -f "$ROOT/bindings-node/$f" ]; then cp "$ROOT/bindings-node/$f" "$PKG/$f"; fi
done
node -e 'const fs=require("fs");const p=process.argv[1];const j=JSON.parse(fs.readFileSync(p));delete j.scripts;fs.writeFileSync(p,JSON.stringify(j,null,2))' "$PKG/package.json"
cp "$ADDON" "$PKG/descope-mgmt.node"
