// The committed bindings-node/index.d.ts type-checks a program that uses the whole API
// (typecheck.ts) under `tsc --strict`. TypeScript is a devDependency of bindings-node
// (installed by scripts/test-node.sh); a missing one fails the test rather than skipping it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { spawnSync } from 'node:child_process'
import path from 'node:path'

import { REPO_ROOT } from './emulator.mjs'

test('index.d.ts type-checks the whole API under tsc --strict', () => {
  let tsc
  try {
    tsc = createRequire(path.join(REPO_ROOT, 'bindings-node', 'package.json')).resolve('typescript/bin/tsc')
  } catch (err) {
    assert.fail(`typescript is not installed: run npm install in bindings-node (${err.message})`)
  }
  const run = spawnSync(process.execPath, [tsc, '-p', path.join(REPO_ROOT, 'tests', 'node', 'tsconfig.json')], {
    encoding: 'utf8',
  })
  assert.equal(run.status, 0, run.stdout + run.stderr)
})
