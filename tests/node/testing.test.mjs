// descope-mgmt/testing: startEmulator() as users' own tests use it, including the
// OUTCOME_UNKNOWN path, and the `descope-mgmt` bin shim of the package.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { mkdtempSync, writeFileSync, chmodSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

import { DescopeError } from '../../bindings-node/index.mjs'
import testingDefault, {
  startEmulator,
  emulatorBinary,
  Emulator,
  ROTATE_ACCESS_KEY,
  BATCH_UPLOAD_TENANT_TOKENS,
  EMULATOR_BIN_ENV,
} from '../../bindings-node/testing.mjs'
import { EMULATOR_BIN, REPO_ROOT } from './emulator.mjs'

// In a checkout the helper finds target/debug itself; the test scripts may name another build.
process.env[EMULATOR_BIN_ENV] ||= EMULATOR_BIN

test('the ESM and CommonJS entry points are the same objects', () => {
  const cjs = createRequire(import.meta.url)('../../bindings-node/testing.js')
  assert.equal(cjs, testingDefault)
  assert.equal(cjs.startEmulator, startEmulator)
})

test('OUTCOME_UNKNOWN: a rotate whose answer is lost after it was applied', async () => {
  const emu = await startEmulator()
  try {
    await emu.fault({ method: 'POST', path: ROTATE_ACCESS_KEY, action: 'drop_after_apply' })
    const err = await emu.client().rotateAccessKey('K2active').catch((e) => e)
    assert.ok(err instanceof DescopeError)
    assert.equal(err.code, 'OUTCOME_UNKNOWN')
    assert.equal((await emu.journal({ method: 'POST', path: ROTATE_ACCESS_KEY })).length, 1)
    // It was applied: the seed secret stopped working.
    assert.equal(await emu.secretValid('K2active', emu.accessKeys.K2active), false)
  } finally {
    await emu.stop()
  }
})

test('client, faults, journal, tokens and reset', async () => {
  const emu = await startEmulator()
  try {
    assert.ok(emu instanceof Emulator)
    assert.match(emu.baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/)
    assert.deepEqual(emu.env(), {
      DESCOPE_BASE_URI: emu.baseUrl,
      DESCOPE_PROJECT_ID: emu.projectId,
      DESCOPE_MANAGEMENT_KEY: emu.managementKey,
    })
    const client = emu.client({ maxRetries: 0 })
    assert.equal(await emu.fault({ method: 'POST', path: ROTATE_ACCESS_KEY, status: 503, times: 2 }), 1)
    for (let i = 0; i < 2; i++) {
      const err = await client.rotateAccessKey('K2active').catch((e) => e)
      assert.equal(err.status, 503)
    }
    const rotated = await client.rotateAccessKey('K2active')
    assert.equal(await emu.secretValid('K2active', rotated.cleartext), true)
    await client.batchUploadTenantTokens([{ appId: 'slack', tenantId: 'T1', accessToken: 'at' }])
    assert.equal((await emu.journal({ path: ROTATE_ACCESS_KEY })).length, 3)
    assert.equal((await emu.journal({ method: 'POST', path: BATCH_UPLOAD_TENANT_TOKENS })).length, 1)
    assert.deepEqual((await emu.tokens({ appId: 'slack' })).map((t) => t.tenantId), ['T1'])
    await emu.fault({ path: ROTATE_ACCESS_KEY, action: 'delay', delayMs: 20 })
    await emu.clearFaults()
    await emu.reset()
    assert.deepEqual(await emu.journal(), [])
    assert.deepEqual(await emu.tokens(), [])
    assert.equal(await emu.secretValid('K2active', emu.accessKeys.K2active), true)
    await assert.rejects(emu.fault({ path: 'no-slash' }), /HTTP 400/)
  } finally {
    await emu.stop()
    await emu.stop()
  }
})

test('a missing or failing binary is a clear error', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'descope-testing-'))
  try {
    assert.equal(emulatorBinary('/x/y'), '/x/y')
    await assert.rejects(startEmulator({ binary: path.join(dir, 'nope') }), /cannot run/)
    const script = path.join(dir, 'fails')
    writeFileSync(script, '#!/bin/sh\necho boom >&2\nexit 3\n')
    chmodSync(script, 0o755)
    await assert.rejects(startEmulator({ binary: script }), /exited with status 3: boom/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('in a checkout, the emulator comes from target/ without DESCOPE_EMULATOR_BIN', () => {
  const run = spawnSync(
    process.execPath,
    ['-e', 'console.log(require(process.argv[1]).emulatorBinary())', path.join(REPO_ROOT, 'bindings-node', 'testing.js')],
    { encoding: 'utf8', env: { ...process.env, [EMULATOR_BIN_ENV]: '' } },
  )
  assert.equal(run.status, 0, run.stderr)
  assert.match(run.stdout.trim(), /[/\\](debug|release)[/\\]descope-emulator(\.exe)?$/)
})

test('the descope-mgmt bin shim runs the command with its arguments and exit status', () => {
  const shim = path.join(REPO_ROOT, 'bindings-node', 'scripts', 'descope-mgmt.js')
  const help = spawnSync(process.execPath, [shim, '--help'], { encoding: 'utf8' })
  assert.equal(help.status, 0, help.stderr)
  assert.match(help.stdout, /Usage: descope-mgmt/)
  const usage = spawnSync(process.execPath, [shim, 'no-such-command'], { encoding: 'utf8' })
  assert.equal(usage.status, 2, usage.stderr)
  const noTarget = spawnSync(process.execPath, [shim, '--help'], {
    encoding: 'utf8',
    env: { ...process.env, CARGO_TARGET_DIR: path.join(tmpdir(), 'descope-no-such-target') },
  })
  assert.equal(noTarget.status, 1)
  assert.match(noTarget.stderr, /descope-mgmt: not built in this checkout .*cargo build -p descope-mgmt-cli/)
})

test('the bin shim forwards a signal and dies of it like the command', async () => {
  const { spawn } = await import('node:child_process')
  const shim = path.join(REPO_ROOT, 'bindings-node', 'scripts', 'descope-mgmt.js')
  // Reads its tokens from stdin, which stays open: the command waits until signalled.
  const child = spawn(process.execPath, [shim, 'tokens', 'upload', '--app-id', 'slack', '--file', '-', '--dry-run'], {
    stdio: ['pipe', 'ignore', 'pipe'],
    env: { ...process.env, DESCOPE_PROJECT_ID: 'P2x', DESCOPE_MANAGEMENT_KEY: 'K2x', DESCOPE_BASE_URI: 'http://127.0.0.1:1' },
  })
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  await new Promise((resolve) => setTimeout(resolve, 700))
  assert.equal(child.exitCode, null, `the command exited early: ${stderr}`)
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  child.kill('SIGTERM')
  assert.deepEqual(await exited, { code: null, signal: 'SIGTERM' })
})
