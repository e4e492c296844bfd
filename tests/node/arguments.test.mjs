// Wrong argument types, including a token or template field of the wrong JSON type, give a
// TypeError; unknown fields and rule violations give INVALID_ARGUMENT (CONFIG for client
// options). Never a crash, and nothing is sent.
import { test, before, after } from 'node:test'
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

const circular = { appId: 'slack', tenantId: 'T2a', accessToken: 'x' }
circular.self = circular

async function rejection(promise) {
  return promise.then(
    () => assert.fail('should reject'),
    (e) => e,
  )
}

test('the constructor rejects options of the wrong type with a TypeError', () => {
  for (const options of ['P2x', 42, true, [], () => 1, Symbol('o'), 10n, { projectId: 5 }, { projectID: 'P2x' },
    { timeoutMs: '500' }, { timeoutMs: 10n }, { maxRetries: '2' }, { maxRetries: {} }, { baseUrl: {} },
    { managementKey: ['K2x'] }]) {
    assert.throws(() => new Client(options), TypeError, String(options))
  }
  assert.throws(() => new Client({ projectID: 'P2x' }), /unknown option `projectID`/)
  assert.throws(() => new Client({ timeoutMs: '500' }), /^TypeError: options\.timeoutMs must be a number, not a string$/)
})

test('out-of-range timeoutMs and maxRetries are CONFIG errors from the core, never a crash', () => {
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
    const shown = `${Object.keys(options)[0]}=${Object.values(options)[0]}`
    assert.ok(err instanceof DescopeError, `${shown}: ${err}`)
    assert.equal(err.code, 'CONFIG', shown)
    assert.match(err.message, /^CONFIG: /)
    assert.match(err.message, /timeout|retries/i, shown)
    assert.ok(!err.message.includes('K2secretValue'))
  }
  // The limits themselves are accepted.
  const edge = new Client({ ...base, timeoutMs: 24 * 3600 * 1000, maxRetries: 10 })
  assert.equal(edge.projectId, 'P2x')
  assert.equal(new Client({ ...base, timeoutMs: 0.5, maxRetries: 0 }).baseUrl, emu.url)
})

test('rotateAccessKey rejects a non-string id with a TypeError', async () => {
  for (const id of [undefined, null, 5, {}, ['K2active'], true, Symbol('x'), 10n]) {
    const err = await rejection(client.rotateAccessKey(id))
    assert.ok(err instanceof TypeError, `${String(id)}: ${err}`)
  }
  const err = await rejection(client.rotateAccessKey())
  assert.ok(err instanceof TypeError)
})

test('batchUploadTenantTokens rejects what is not an array of objects with a TypeError', async () => {
  for (const tokens of [undefined, null, 'tokens', 7, { appId: 'slack' }, [1], [null], [undefined], ['x'],
    [{ appId: 'slack', tenantId: 'T2a', accessToken: () => 'x' }],
    [{ appId: Symbol('a'), tenantId: 'T2a', accessToken: 'x' }],
    [circular]]) {
    const err = await rejection(client.batchUploadTenantTokens(tokens))
    assert.ok(err instanceof TypeError, `${String(tokens)}: ${err}`)
  }
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
  for (const [item, message] of cases) {
    const err = await rejection(client.batchUploadTenantTokens([ok, item]))
    assert.ok(err instanceof TypeError, `${JSON.stringify(item)}: ${err}`)
    assert.equal(err.message, message.replace('tokens[0]', 'tokens[1]'))
  }
})

test('batchUploadTenantTokens accepts what JSON cannot carry as is, like any other array', async () => {
  // A lone surrogate (JSON.stringify escapes it, serde refuses the escape), a class instance
  // and a null-prototype object all take the property-by-property path.
  class Token {
    constructor() {
      Object.assign(this, { appId: 'slack', tenantId: 'T2json', accessToken: 'x' })
    }
  }
  const bare = Object.assign(Object.create(null), { appId: 'slack', tenantId: 'T2json3', accessToken: 'y' })
  await client.batchUploadTenantTokens([{ appId: 'slack', tenantId: 'T2json2', accessToken: 'lone \ud800' }])
  await client.batchUploadTenantTokens([new Token(), bare])
  const wrong = await rejection(client.batchUploadTenantTokens([new Token(), { ...bare, accessToken: 5 }]))
  assert.equal(wrong.message, 'tokens[1].accessToken: expected a string, not a number')
  await emu.reset()
})

test('batchUploadTenantTokens rejects unknown fields and rule violations with INVALID_ARGUMENT', async () => {
  const cases = [
    [{ appId: 'slack', tenantId: 'T2a', refresh_token: 'x' }, /^INVALID_ARGUMENT: tokens\[0\]: unknown field `refresh_token`/],
    [{ appId: 'slack', tenantId: 'T2a', accessToken: 'x', accessTokenExpiry: 2 ** 40 }, /32 bits/],
    [{ appId: '', tenantId: 'T2a', accessToken: 'sk-secret-scope' }, /appId/],
  ]
  for (const [item, pattern] of cases) {
    const err = await rejection(client.batchUploadTenantTokens([item]))
    assert.ok(err instanceof DescopeError, `${JSON.stringify(item)}: ${err}`)
    assert.equal(err.code, 'INVALID_ARGUMENT')
    assert.match(err.message, pattern)
    assert.ok(!err.message.includes('sk-secret-scope'), 'string values are not echoed')
  }
  const err = await rejection(client.batchUploadTenantTokens([
    { appId: 'slack', tenantId: 'T2a', accessToken: 'x' },
    { appId: 'slack', tenantId: 'T2b', accessToken: 'x', tenantName: 'typo' },
  ]))
  assert.match(err.message, /tokens\[1\]: unknown field `tenantName`/)
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
})

test('nothing was sent for any wrong argument, and the process is alive', async () => {
  const journal = await emu.journal()
  assert.deepEqual(journal.filter((r) => r.path !== '/v1/mgmt/license'), [])
  // The client still works after all of the above.
  const rotated = await client.rotateAccessKey('K2active')
  assert.equal(rotated.key.id, 'K2active')
})
