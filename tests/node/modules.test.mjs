// The package loads both ways (ESM import and CommonJS require) with the same objects, and
// loading it does no work: no runtime threads start until the first call.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'

import * as esm from '../../bindings-node/index.mjs'
import esmDefault from '../../bindings-node/index.mjs'
import { REPO_ROOT } from './emulator.mjs'

const PACKAGE_DIR = path.join(REPO_ROOT, 'bindings-node')
const require = createRequire(import.meta.url)
const EXPORTS = ['Client', 'DescopeError', 'ErrorCode', 'RotatedAccessKey', 'errorCodes']

test('ESM named exports, default export and CommonJS exports are the same objects', () => {
  const cjs = require(PACKAGE_DIR)
  for (const name of EXPORTS) {
    assert.ok(esm[name], `ESM export ${name}`)
    assert.equal(esm[name], cjs[name], name)
    assert.equal(esmDefault[name], cjs[name], name)
  }
  assert.equal(typeof esm.Client, 'function')
  assert.equal(typeof esm.DescopeError, 'function')
})

test('package.json routes import to index.mjs and require to index.js', () => {
  const pkg = require(path.join(PACKAGE_DIR, 'package.json'))
  assert.equal(pkg.name, 'descope-mgmt')
  assert.equal(pkg.exports['.'].import, './index.mjs')
  assert.equal(pkg.exports['.'].require, './index.js')
  assert.equal(pkg.exports['.'].types, './index.d.ts')
})

test('CommonJS and ESM consumers load by path in a fresh process', () => {
  const cjsOut = execFileSync(process.execPath, ['-e',
    `const m = require(${JSON.stringify(PACKAGE_DIR)}); console.log(typeof m.Client, typeof m.DescopeError)`]).toString()
  assert.equal(cjsOut.trim(), 'function function')
  const esmOut = execFileSync(process.execPath, ['--input-type=module', '-e',
    `import { Client, DescopeError } from ${JSON.stringify(path.join(PACKAGE_DIR, 'index.mjs'))}; console.log(typeof Client, typeof DescopeError)`]).toString()
  assert.equal(esmOut.trim(), 'function function')
})

test('requiring the package starts no threads and constructing a client does no I/O', { skip: !existsSync('/proc/self/task') }, () => {
  const script = `
    const fs = require('fs')
    const threads = () => fs.readdirSync('/proc/self/task').length
    const before = threads()
    const t0 = process.hrtime.bigint()
    const m = require(${JSON.stringify(PACKAGE_DIR)})
    const ms = Number(process.hrtime.bigint() - t0) / 1e6
    const afterRequire = threads()
    new m.Client({ projectId: 'P2x', managementKey: 'K2x', baseUrl: 'http://127.0.0.1:1' })
    console.log(JSON.stringify({ before, afterRequire, afterClient: threads(), ms }))`
  const out = JSON.parse(execFileSync(process.execPath, ['-e', script]).toString())
  assert.equal(out.afterRequire, out.before, 'require starts no threads')
  assert.equal(out.afterClient, out.before, 'new Client starts no threads')
  assert.ok(out.ms < 80, `require took ${out.ms} ms`)
})
