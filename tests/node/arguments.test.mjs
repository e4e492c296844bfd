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
    [{ appId: Symbol('a'), tenantId: 'T2a', accessToken: 'x' }],
    // A list is not a token (serde would take its items as the fields, in order).
    [['slack', 'T2a', 'sk-secret-positional']]]) {
    const err = await rejection(client.batchUploadTenantTokens(tokens))
    assert.ok(err instanceof TypeError, `${String(tokens)}: ${shown(err)}`)
    assert.ok(/^tokens(\[\d\](\.\w+)?)? has the wrong type: /.test(err.message), shown(err))
  }
  // A cycle is followed only a few levels deep, then refused.
  const cyclic = await rejection(client.batchUploadTenantTokens([circular]))
  assert.ok(cyclic instanceof DescopeError && cyclic.code === 'INVALID_ARGUMENT', shown(cyclic))
  assert.match(cyclic.message, /^INVALID_ARGUMENT: tokens\[0\]\.self(\.self)+ is not valid: .* nest more than \d+ levels deep/)
  await nothingSent()
})

/** The core's wording of a wrong type at `at`, found where `expected` was expected. */
function wrongType(at, expected, found) {
  const escaped = (t) => t.replace(/[.[\]]/g, '\\$&')
  return new RegExp(`^${escaped(at)} has the wrong type: expected ${expected}, got ${found}; nothing was sent$`)
}

test('batchUploadTenantTokens rejects a field of the wrong type with a TypeError naming item and field', async () => {
  const ok = { appId: 'slack', tenantId: 'T2a', accessToken: 'x' }
  // The expected types are the core's wording (serde's names of Rust types for numbers).
  const cases = [
    [{ ...ok, accessToken: 123 }, wrongType('tokens[1].accessToken', 'a string', 'an integer')],
    [{ ...ok, refreshToken: 5 }, wrongType('tokens[1].refreshToken', 'a string', 'an integer')],
    [{ ...ok, appId: 7 }, wrongType('tokens[1].appId', 'a string', 'an integer')],
    [{ ...ok, accessTokenExpiry: 'sk-secret-soon' }, wrongType('tokens[1].accessTokenExpiry', '.+', 'a string')],
    [{ ...ok, accessTokenExpiry: 1.5 }, wrongType('tokens[1].accessTokenExpiry', '.+', 'a number with a fraction')],
    [{ ...ok, scopes: 'sk-secret-scope' }, wrongType('tokens[1].scopes', '.+', 'a string')],
    [{ ...ok, scopes: ['a', 5] }, wrongType('tokens[1].scopes[1]', 'a string', 'an integer')],
    [{ ...ok, idToken: { t: 'sk-secret-id' } }, wrongType('tokens[1].idToken', 'a string', 'an object')],
    [ok, wrongType('tokens[1]', '.+', 'a list'), [1]],
  ]
  for (const [i, [item, pattern, replace]] of cases.entries()) {
    const err = await rejection(client.batchUploadTenantTokens([ok, replace ?? item]))
    assert.ok(err instanceof TypeError, `case #${i}: ${shown(err)}`)
    assert.ok(pattern.test(err.message), `case #${i}: expected ${pattern}, got ${shown(err)}`)
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
  assert.match(wrong.message, wrongType('tokens[1].accessToken', 'a string', 'an integer'))
  await emu.reset()
})

test('batchUploadTenantTokens rejects unknown fields and rule violations with INVALID_ARGUMENT', async () => {
  const cases = [
    [{ appId: 'slack', tenantId: 'T2a', refreshTokn: 'x' }, /^INVALID_ARGUMENT: tokens\[0\]\.refreshTokn is not a known field \(known fields: appId, /],
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
  assert.match(err.message, /tokens\[1\]\.tenantName is not a known field/)
  await nothingSent()
})

test('createDcrTemplate rejects a non-object or a field of the wrong type with a TypeError, bad fields with INVALID_ARGUMENT', async () => {
  for (const template of [undefined, null, 'MCP', 3, [], [{ name: 'x' }]]) {
    const err = await rejection(client.createDcrTemplate(template))
    assert.ok(err instanceof TypeError, `${String(template)}: ${err}`)
  }
  for (const [template, pattern] of [
    [{ name: 5 }, wrongType('template.name', 'a string', 'an integer')],
    [{ name: 'x', tags: 'mcp' }, wrongType('template.tags', '.+', 'a string')],
    [{ name: 'x', skipConsentScreen: 'yes' }, wrongType('template.skipConsentScreen', 'a boolean', 'a string')],
    [{ name: 'x', sessionSettings: { sessionTokenExpiration: '10' } },
      wrongType('template.sessionSettings.sessionTokenExpiration', '.+', 'a string')],
    [{ name: 'x', sessionSettings: [] }, wrongType('template.sessionSettings', '.+', 'a list')],
  ]) {
    const err = await rejection(client.createDcrTemplate(template))
    assert.ok(err instanceof TypeError, `${JSON.stringify(template)}: ${err}`)
    assert.match(err.message, pattern)
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
