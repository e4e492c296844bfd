// Wrong argument types, including a token or template field of the wrong JSON type, give a
// TypeError; unknown fields and rule violations give INVALID_ARGUMENT (CONFIG for client
// options). Never a crash, and nothing is sent.
import { test, before, beforeEach, after } from 'node:test'
import assert from 'node:assert/strict'

import { Client, DescopeError } from '../../bindings-node/index.mjs'
import { Emulator } from './emulator.mjs'

/** @type {Emulator} */
let emu
/** @type {Client} */
let client
before(async () => {
  emu = await Emulator.start()
  client = new Client(emu.options())
})
after(() => emu?.stop())
// Each test starts from a clean journal, so the tests that claim nothing is sent check their
// own calls (see nothingSent).
beforeEach(() => emu.reset())

const CALL_PATHS = [
  '/v1/mgmt/accesskey/rotate',
  '/v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload',
  '/v1/mgmt/resource/dynamic-registration-template/create',
]

/** Asserts that no request reached the emulator since the test's reset (the license fetch
 * aside). Prints methods and paths only: journal entries carry the Authorization header. */
async function nothingSent() {
  for (const route of CALL_PATHS) {
    const count = await emu.requestCount('POST', route)
    assert.ok(count === 0, `${count} request(s) sent to ${route}`)
  }
  const sent = (await emu.journal()).filter((r) => r.path !== '/v1/mgmt/license').map((r) => `${r.method} ${r.path}`)
  assert.ok(sent.length === 0, `nothing should be sent, got: ${sent.join(', ')}`)
}

/** An error's message for a failure message, unless it carries one of the test's secret markers. */
function shown(err) {
  const text = String(err?.message ?? err)
  return /sk-secret|K2secretValue/.test(text) ? `${err?.constructor?.name} (message withheld: holds a secret marker)` : text
}

const circular = { appId: 'slack', tenantId: 'T2a', accessToken: 'x' }
circular.self = circular

async function rejection(promise) {
  return promise.then(
    () => assert.fail('should reject'),
    (e) => e,
  )
}

test('the constructor rejects options of the wrong type with a TypeError', async () => {
  for (const options of ['P2x', 42, true, [], () => 1, Symbol('o'), 10n, { projectId: 5 }, { projectID: 'P2x' },
    { timeoutMs: '500' }, { timeoutMs: 10n }, { maxRetries: '2' }, { maxRetries: {} }, { baseUrl: {} },
    { managementKey: ['K2x'] }]) {
    assert.throws(() => new Client(options), TypeError, String(options))
  }
  assert.throws(() => new Client({ projectID: 'P2x' }), /unknown option `projectID`/)
  assert.throws(() => new Client({ timeoutMs: '500' }), /^TypeError: options\.timeoutMs must be a number, not a string$/)
  await nothingSent()
})

test('out-of-range timeoutMs and maxRetries are CONFIG errors from the core, never a crash', async () => {
  const base = { projectId: 'P2x', managementKey: 'K2secretValue', baseUrl: emu.url }
  const bad = [
    ...[1e30, Number.MAX_VALUE, Number.NaN, Infinity, -Infinity, -1, 0, 1e-9, 24 * 3600 * 1000 + 1].map((timeoutMs) => ({ timeoutMs })),
    ...[11, 1e30, Number.NaN, Infinity, -1, 1.5].map((maxRetries) => ({ maxRetries })),
  ]
  for (const options of bad) {
    let err
    try {
      new Client({ ...base, ...options })
    } catch (e) {
      err = e
    }
    const option = `${Object.keys(options)[0]}=${Object.values(options)[0]}`
    assert.ok(err instanceof DescopeError, `${option}: ${shown(err)}`)
    assert.equal(err.code, 'CONFIG', option)
    assert.ok(!err.message.includes('K2secretValue'), `${option}: the management key is in the message`)
    assert.ok(/^CONFIG: /.test(err.message), `${option}: ${shown(err)}`)
    assert.ok(/timeout|retries/i.test(err.message), `${option}: ${shown(err)}`)
  }
  // The limits themselves are accepted.
  const edge = new Client({ ...base, timeoutMs: 24 * 3600 * 1000, maxRetries: 10 })
  assert.equal(edge.projectId, 'P2x')
  assert.equal(new Client({ ...base, timeoutMs: 0.5, maxRetries: 0 }).baseUrl, emu.url)
  await nothingSent()
})

test('rotateAccessKey rejects a non-string id with a TypeError', async () => {
  for (const id of [undefined, null, 5, {}, ['K2active'], true, Symbol('x'), 10n]) {
    const err = await rejection(client.rotateAccessKey(id))
    assert.ok(err instanceof TypeError, `${String(id)}: ${err}`)
  }
  const err = await rejection(client.rotateAccessKey())
  assert.ok(err instanceof TypeError)
  await nothingSent()
})

test('batchUploadTenantTokens rejects what is not an array of objects with a TypeError', async () => {
  for (const tokens of [undefined, null, 'tokens', 7, { appId: 'slack' }, [1], [null], [undefined], ['x'],
    [{ appId: 'slack', tenantId: 'T2a', accessToken: () => 'x' }],
    [{ appId: Symbol('a'), tenantId: 'T2a', accessToken: 'x' }]]) {
    const err = await rejection(client.batchUploadTenantTokens(tokens))
    assert.ok(err instanceof TypeError, `${String(tokens)}: ${err}`)
  }
  // A cycle is not followed: the extra field is unknown.
  const cyclic = await rejection(client.batchUploadTenantTokens([circular]))
  assert.ok(cyclic instanceof DescopeError && cyclic.code === 'INVALID_ARGUMENT', shown(cyclic))
  assert.match(cyclic.message, /^INVALID_ARGUMENT: tokens\[0\]\.self: unknown field/)
  await nothingSent()
})

test('batchUploadTenantTokens rejects a field of the wrong type with a TypeError naming item and field', async () => {
  const ok = { appId: 'slack', tenantId: 'T2a', accessToken: 'x' }
  const cases = [
    [{ ...ok, accessToken: 123 }, 'tokens[0].accessToken: expected a string, not a number'],
    [{ ...ok, refreshToken: 5 }, 'tokens[0].refreshToken: expected a string, not a number'],
    [{ ...ok, appId: 7 }, 'tokens[0].appId: expected a string, not a number'],
    [{ ...ok, accessTokenExpiry: 'sk-secret-soon' }, 'tokens[0].accessTokenExpiry: expected an integer, not a string'],
    [{ ...ok, accessTokenExpiry: 1.5 }, 'tokens[0].accessTokenExpiry: expected an integer, not a fractional number'],
    [{ ...ok, scopes: 'sk-secret-scope' }, 'tokens[0].scopes: expected an array, not a string'],
    [{ ...ok, scopes: ['a', 5] }, 'tokens[0].scopes[1]: expected a string, not a number'],
    [{ ...ok, idToken: { t: 'sk-secret-id' } }, 'tokens[0].idToken: expected a string, not an object'],
  ]
  for (const [i, [item, message]] of cases.entries()) {
    const err = await rejection(client.batchUploadTenantTokens([ok, item]))
    assert.ok(err instanceof TypeError, `case #${i}: ${shown(err)}`)
    const expected = message.replace('tokens[0]', 'tokens[1]')
    assert.ok(err.message === expected, `case #${i}: expected ${expected}, got ${shown(err)}`)
  }
  await nothingSent()
})

test('batchUploadTenantTokens accepts what JSON cannot carry as is, like any other array', async () => {
  // A class instance and a null-prototype object take the property-by-property path (a
  // lone surrogate, which also does, is refused: see hardening.test.mjs).
  class Token {
    constructor() {
      Object.assign(this, { appId: 'slack', tenantId: 'T2json', accessToken: 'x' })
    }
  }
  const bare = Object.assign(Object.create(null), { appId: 'slack', tenantId: 'T2json3', accessToken: 'y' })
  await client.batchUploadTenantTokens([new Token(), bare])
  // Both were stored, under the right app (prints tenant and app ids only, never tokens).
  const stored = await emu.tokens()
  for (const tenantId of ['T2json', 'T2json3']) {
    const items = stored.filter((t) => t.tenantId === tenantId)
    assert.ok(items.length === 1, `${tenantId}: ${items.length} stored token(s), expected 1`)
    assert.ok(items[0].appId === 'slack', `${tenantId}: stored under appId ${items[0].appId}, expected slack`)
  }
  const wrong = await rejection(client.batchUploadTenantTokens([new Token(), { ...bare, accessToken: 5 }]))
  assert.equal(wrong.message, 'tokens[1].accessToken: expected a string, not a number')
  await emu.reset()
})

test('batchUploadTenantTokens rejects unknown fields and rule violations with INVALID_ARGUMENT', async () => {
  const cases = [
    [{ appId: 'slack', tenantId: 'T2a', refreshTokn: 'x' }, /^INVALID_ARGUMENT: tokens\[0\]\.refreshTokn: unknown field, expected one of `appId`/],
    [{ appId: 'slack', tenantId: 'T2a', accessToken: 'x', accessTokenExpiry: 2 ** 40 }, /32 bits/],
    [{ appId: '', tenantId: 'T2a', accessToken: 'sk-secret-scope' }, /appId/],
  ]
  for (const [i, [item, pattern]] of cases.entries()) {
    const err = await rejection(client.batchUploadTenantTokens([item]))
    assert.ok(err instanceof DescopeError, `case #${i}: ${shown(err)}`)
    assert.equal(err.code, 'INVALID_ARGUMENT')
    assert.ok(!err.message.includes('sk-secret-scope'), `case #${i}: string values are not echoed`)
    assert.ok(pattern.test(err.message), `case #${i}: ${shown(err)} does not match ${pattern}`)
  }
  const err = await rejection(client.batchUploadTenantTokens([
    { appId: 'slack', tenantId: 'T2a', accessToken: 'x' },
    { appId: 'slack', tenantId: 'T2b', accessToken: 'x', tenantName: 'typo' },
  ]))
  assert.match(err.message, /tokens\[1\]\.tenantName: unknown field/)
  await nothingSent()
})

test('createDcrTemplate rejects a non-object or a field of the wrong type with a TypeError, bad fields with INVALID_ARGUMENT', async () => {
  for (const template of [undefined, null, 'MCP', 3, [], [{ name: 'x' }]]) {
    const err = await rejection(client.createDcrTemplate(template))
    assert.ok(err instanceof TypeError, `${String(template)}: ${err}`)
  }
  for (const [template, message] of [
    [{ name: 5 }, 'template.name: expected a string, not a number'],
    [{ name: 'x', tags: 'mcp' }, 'template.tags: expected an array, not a string'],
    [{ name: 'x', skipConsentScreen: 'yes' }, 'template.skipConsentScreen: expected a boolean, not a string'],
    [{ name: 'x', sessionSettings: { sessionTokenExpiration: '10' } },
      'template.sessionSettings.sessionTokenExpiration: expected an integer, not a string'],
  ]) {
    const err = await rejection(client.createDcrTemplate(template))
    assert.ok(err instanceof TypeError, `${JSON.stringify(template)}: ${err}`)
    assert.equal(err.message, message)
  }
  for (const template of [{ name: 'x', loginPageUrl: 'https://a.example' }, { name: '' },
    { name: 'x', sessionSettings: { sessionTokenExpiration: 10, sessionTokenExpirationUnit: 'fortnights' } }]) {
    const err = await rejection(client.createDcrTemplate(template))
    assert.ok(err instanceof DescopeError, `${JSON.stringify(template)}: ${err}`)
    assert.equal(err.code, 'INVALID_ARGUMENT')
  }
  const typo = await rejection(client.createDcrTemplate({ name: 'x', loginPageUrl: 'https://a.example' }))
  assert.match(typo.message, /loginPageURL/, 'the message suggests the wire spelling')
  await nothingSent()
})

test('nothing was sent for any wrong argument, and the process is alive', async () => {
  // Each wrong-argument test above checks its own journal (nothingSent); here, the client
  // still works after all of them, and a real call is journaled.
  await nothingSent()
  const rotated = await client.rotateAccessKey('K2active')
  assert.equal(rotated.key.id, 'K2active')
  assert.equal(await emu.requestCount('POST', CALL_PATHS[0]), 1)
})
