// Wrong argument types give a TypeError (or INVALID_ARGUMENT for a bad field inside an
// item), never a crash, and send nothing.
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
  for (const options of ['P2x', 42, true, [], () => 1, { projectId: 5 }, { projectID: 'P2x' },
    { timeoutMs: '500' }, { timeoutMs: Number.NaN }, { maxRetries: Infinity }, { baseUrl: {} }]) {
    assert.throws(() => new Client(options), TypeError, String(options))
  }
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

test('batchUploadTenantTokens rejects bad fields with INVALID_ARGUMENT naming the item', async () => {
  const cases = [
    [{ appId: 'slack', tenantId: 'T2a', refreshToken: 5 }, /tokens\[0\]/],
    [{ appId: 'slack', tenantId: 'T2a', refresh_token: 'x' }, /refresh_token/],
    [{ appId: 'slack', tenantId: 'T2a', accessToken: 'x', accessTokenExpiry: 'soon' }, /tokens\[0\]/],
    [{ appId: 'slack', tenantId: 'T2a', accessToken: 'x', accessTokenExpiry: 2 ** 40 }, /32 bits/],
    [{ appId: 'slack', tenantId: 'T2a', accessToken: 'x', scopes: 'sk-secret-scope' }, /tokens\[0\]/],
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

test('createDcrTemplate rejects a non-object with a TypeError and bad fields with INVALID_ARGUMENT', async () => {
  for (const template of [undefined, null, 'MCP', 3, [], [{ name: 'x' }]]) {
    const err = await rejection(client.createDcrTemplate(template))
    assert.ok(err instanceof TypeError, `${String(template)}: ${err}`)
  }
  for (const template of [{ name: 5 }, { name: 'x', loginPageUrl: 'https://a.example' }, { name: 'x', tags: 'mcp' },
    { name: 'x', sessionSettings: { sessionTokenExpiration: '10' } }]) {
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
