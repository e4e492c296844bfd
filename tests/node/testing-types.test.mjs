// bindings-node/testing.d.ts type-checks a program that uses all of descope-mgmt/testing
// (typecheck-testing.ts) under `tsc --strict`, like types.test.mjs does for index.d.ts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { spawnSync } from 'node:child_process'
import path from 'node:path'

import { REPO_ROOT } from './emulator.mjs'

test('testing.d.ts type-checks descope-mgmt/testing under tsc --strict', () => {
  let tsc
  try {
    tsc = createRequire(path.join(REPO_ROOT, 'bindings-node', 'package.json')).resolve('typescript/bin/tsc')
  } catch (err) {
    assert.fail(`typescript is not installed: run npm install in bindings-node (${err.message})`)
  }
  const run = spawnSync(process.execPath, [tsc, '-p', path.join(REPO_ROOT, 'tests', 'node', 'tsconfig.testing.json')], {
    encoding: 'utf8',
  })
  assert.equal(run.status, 0, run.stdout + run.stderr)
})
