// DescopeError: the class, its attributes, every code string, CONFIG errors of the
// constructor and the environment fallback.
import { test, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'

import { Client, DescopeError, ErrorCode, errorCodes } from '../../bindings-node/index.mjs'
import { Emulator, REPO_ROOT } from './emulator.mjs'

// The code list comes from the core, through the addon (errorCodes()); nothing here copies it.
const ALL_CODES = errorCodes()
const ROTATE = '/v1/mgmt/accesskey/rotate'
const ENV_NAMES = ['DESCOPE_PROJECT_ID', 'DESCOPE_MANAGEMENT_KEY', 'DESCOPE_BASE_URI']

/** @type {Emulator} */
let emu
before(async () => {
  emu = await Emulator.start()
})
after(() => emu?.stop())
beforeEach(async () => {
  for (const name of ENV_NAMES) delete process.env[name]
  await emu.reset()
})

test('ErrorCode lists every core code, each mapping to itself', () => {
  // A sanity check of the list itself, not a copy of it: unique SCREAMING_SNAKE names,
  // including the codes these tests switch on.
  assert.ok(ALL_CODES.length > 0)
  assert.equal(new Set(ALL_CODES).size, ALL_CODES.length)
  for (const code of ALL_CODES) assert.match(code, /^[A-Z][A-Z_]*[A-Z]$/)
  for (const code of ['INVALID_ARGUMENT', 'CONFIG', 'UNAUTHORIZED', 'OUTCOME_UNKNOWN']) assert.ok(ALL_CODES.includes(code), code)
  assert.deepEqual(Object.keys(ErrorCode), ALL_CODES)
  for (const code of ALL_CODES) assert.equal(ErrorCode[code], code)
  assert.ok(Object.isFrozen(ErrorCode))
  // Each call returns a fresh array: changing it changes nothing.
  errorCodes().push('NOT_A_CODE')
  assert.deepEqual(errorCodes(), ALL_CODES)
})

test('the ErrorCode type in index.d.ts lists the core codes, in order', () => {
  const dts = readFileSync(path.join(REPO_ROOT, 'bindings-node', 'index.d.ts'), 'utf8')
  const union = dts.match(/export type ErrorCode =([^]*?)\n\n/)[1]
  assert.deepEqual([...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]), ALL_CODES)
})

test('a server error rejects with a DescopeError carrying every attribute', async () => {
  const client = new Client(emu.options({ managementKey: 'K2wrongKey' }))
  const err = await client.rotateAccessKey('K2active').then(
    () => assert.fail('should reject'),
    (e) => e,
  )
  assert.ok(err instanceof DescopeError)
  assert.ok(err instanceof Error)
  assert.equal(err.name, 'DescopeError')
  assert.equal(err.code, 'UNAUTHORIZED')
  assert.equal(err.code, ErrorCode.UNAUTHORIZED)
  assert.equal(err.status, 401)
  assert.equal(err.descopeCode, 'E011003')
  assert.equal(typeof err.description, 'string')
  assert.equal(typeof err.serverMessage, 'string')
  assert.equal(err.retryAfterMs, null)
  // No former names: nothing was released, so nothing is kept for compatibility.
  for (const gone of ['errorCode', 'errorMessage', 'retryAfter']) assert.equal(err[gone], undefined, gone)
  assert.deepEqual(err.failures, [])
  assert.equal(err.outcomeUnknown, false)
  assert.match(err.message, /^UNAUTHORIZED: \S/, 'the message starts with the code, like Rust and Python')
  assert.ok(!err.message.includes('K2wrongKey'), 'the management key must not be in the message')
  assert.match(String(err), /^DescopeError: UNAUTHORIZED: /)
  // The stack shows where the caller awaited, not only the addon's internals.
  assert.match(err.stack, /errors\.test\.mjs/)
})

test('RATE_LIMITED carries retryAfterMs in milliseconds', async () => {
  await emu.faults([{ method: 'POST', path: ROTATE, status: 429, headers: { 'Retry-After': '120' } }])
  const err = await new Client(emu.options()).rotateAccessKey('K2active').catch((e) => e)
  assert.ok(err instanceof DescopeError)
  assert.equal(err.code, 'RATE_LIMITED')
  assert.equal(err.status, 429)
  assert.equal(err.retryAfterMs, 120000)
  assert.match(err.message, /^RATE_LIMITED: /)
})

test('BATCH_REJECTED lists every failure with its fields', async () => {
  const err = await new Client(emu.options())
    .batchUploadTenantTokens([
      { appId: 'no-such-app', tenantId: 'T2a', accessToken: 'tok-a' },
      { appId: 'slack', tenantId: 'T2b', accessToken: 'tok-b', accessTokenExpiry: 5 },
      { appId: 'also-unknown', tenantId: 'T2c', refreshToken: 'tok-c' },
    ])
    .catch((e) => e)
  assert.ok(err instanceof DescopeError)
  assert.equal(err.code, 'BATCH_REJECTED')
  assert.equal(err.failures.length, 2)
  for (const f of err.failures) {
    assert.deepEqual(Object.keys(f).sort(), ['appId', 'errorCode', 'reason', 'tenantId'])
  }
  assert.deepEqual(err.failures.map((f) => f.appId), ['no-such-app', 'also-unknown'])
  assert.ok(!err.message.includes('tok-'), 'tokens must not be in the message')
})

test('OUTCOME_UNKNOWN sets outcomeUnknown', async () => {
  await emu.faults([{ method: 'POST', path: ROTATE, action: 'drop_after_apply' }])
  const err = await new Client(emu.options()).rotateAccessKey('K2active').catch((e) => e)
  assert.equal(err.code, 'OUTCOME_UNKNOWN')
  assert.equal(err.outcomeUnknown, true)
})

test('CONNECTION, NOT_FOUND and INVALID_ARGUMENT codes', async () => {
  const refused = await new Client(emu.options({ baseUrl: 'http://127.0.0.1:1' }))
    .rotateAccessKey('K2active')
    .catch((e) => e)
  assert.equal(refused.code, 'CONNECTION')
  const missing = await new Client(emu.options()).rotateAccessKey('K2nope').catch((e) => e)
  assert.equal(missing.code, 'NOT_FOUND')
  assert.equal(missing.status, 404)
  const empty = await new Client(emu.options()).rotateAccessKey('  ').catch((e) => e)
  assert.ok(empty instanceof DescopeError)
  assert.equal(empty.code, 'INVALID_ARGUMENT')
  assert.equal(empty.status, null)
})

test('constructor CONFIG errors are thrown synchronously and name the variable', () => {
  const thrown = (options) => {
    try {
      new Client(options)
    } catch (e) {
      return e
    }
    assert.fail('should throw')
  }
  let e = thrown({})
  assert.ok(e instanceof DescopeError)
  assert.equal(e.code, 'CONFIG')
  assert.match(e.message, /DESCOPE_PROJECT_ID/)
  e = thrown({ projectId: 'P2x' })
  assert.equal(e.code, 'CONFIG')
  assert.match(e.message, /DESCOPE_MANAGEMENT_KEY/)
  for (const bad of [
    { baseUrl: 'http://api.example.com' },
    { baseUrl: 'not a url' },
    { timeoutMs: 0 },
    { timeoutMs: -5 },
    { maxRetries: -1 },
    { maxRetries: 1.5 },
  ]) {
    e = thrown({ projectId: 'P2x', managementKey: 'K2secretValue', ...bad })
    assert.ok(e instanceof DescopeError, JSON.stringify(bad))
    assert.equal(e.code, 'CONFIG', JSON.stringify(bad))
    assert.ok(!e.message.includes('K2secretValue'))
  }
})

test('unset options fall back to DESCOPE_PROJECT_ID, DESCOPE_MANAGEMENT_KEY and DESCOPE_BASE_URI', async () => {
  process.env.DESCOPE_PROJECT_ID = emu.projectId
  process.env.DESCOPE_MANAGEMENT_KEY = emu.managementKey
  process.env.DESCOPE_BASE_URI = emu.url
  try {
    for (const client of [new Client(), new Client(null), new Client({})]) {
      assert.equal(client.projectId, emu.projectId)
      assert.equal(client.baseUrl, emu.url)
    }
    const rotated = await new Client().rotateAccessKey('K2active')
    assert.equal(rotated.key.id, 'K2active')
    // An explicit option wins over the environment.
    const err = await new Client({ managementKey: 'K2explicitWrong' }).rotateAccessKey('K2active').catch((e) => e)
    assert.equal(err.code, 'UNAUTHORIZED')
    // Options set to undefined are "not passed".
    assert.equal(new Client({ projectId: undefined }).projectId, emu.projectId)
  } finally {
    for (const name of ENV_NAMES) delete process.env[name]
  }
})

test('the SDK headers name the node binding', async () => {
  await new Client(emu.options()).rotateAccessKey('K2active')
  const rotate = (await emu.journal()).find((r) => r.path === ROTATE)
  assert.equal(rotate.headers['x-descope-sdk-name'], 'descope-mgmt-node')
})

test('errors carry the request id and one correlation id is sent on every attempt', async () => {
  const BATCH = '/v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload'
  const client = new Client({ ...emu.options(), maxRetries: 2 })
  await emu.faults([{ method: 'POST', path: BATCH, status: 503, times: 3 }])
  const err = await client
    .batchUploadTenantTokens([{ appId: 'google-drive', tenantId: 'T2ids', refreshToken: 'rt-ids-1' }])
    .catch((e) => e)
  assert.ok(err instanceof DescopeError)
  assert.equal(err.code, 'SERVER_ERROR')
  const sent = (await emu.journal()).filter((r) => r.path === BATCH).map((r) => r.headers['x-external-rid'])
  assert.equal(sent.length, 3)
  assert.deepEqual(new Set(sent), new Set([err.externalRequestId]))
  assert.match(err.externalRequestId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  assert.match(err.requestId, /-EMU$/)

  await emu.reset()
  await emu.faults([{ method: 'POST', path: ROTATE, action: 'drop_after_apply' }])
  const unknown = await client.rotateAccessKey('K2active').catch((e) => e)
  assert.equal(unknown.code, 'OUTCOME_UNKNOWN')
  assert.ok(
    unknown.message.includes(`external request id ${unknown.externalRequestId} to see whether the key was rotated`),
    unknown.message,
  )
  const bad = await client.rotateAccessKey('').catch((e) => e)
  assert.equal(bad.externalRequestId, null)
  assert.equal(bad.requestId, null)
})
