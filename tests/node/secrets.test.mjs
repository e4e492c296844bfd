// Secrets stay out of console.log / util.inspect / JSON output: the management key, and a
// rotation's cleartext unless read explicitly.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import util from 'node:util'

import { Client, DescopeError, RotatedAccessKey } from '../../bindings-node/index.mjs'
import { Emulator } from './emulator.mjs'

/** @type {Emulator} */
let emu
before(async () => {
  emu = await Emulator.start()
})
after(() => emu?.stop())

/** Names of the renderings below, for failure messages that never include the text. */
const RENDERING_NAMES = ['util.inspect', 'util.inspect(showHidden, getters)', 'util.format(%s %o %O %j)', 'JSON.stringify',
  'JSON.stringify(nested)', 'String', 'template literal', 'JSON.stringify(Object.keys)', 'util.inspect(spread)', 'err.stack']

/** Every way a value is commonly printed or serialized. */
function renderings(value) {
  return [
    util.inspect(value),
    util.inspect(value, { showHidden: true, depth: Infinity, getters: true }),
    util.format('%s %o %O %j', value, value, value, value),
    JSON.stringify(value),
    JSON.stringify({ nested: [value] }),
    String(value),
    `${value}`,
    JSON.stringify(Object.keys(value)),
    util.inspect({ ...value }),
  ]
}

test('a rotation result masks its cleartext unless read explicitly', async () => {
  await emu.reset()
  const rotated = await new Client(emu.options()).rotateAccessKey('K2active')
  assert.ok(rotated instanceof RotatedAccessKey)
  const secret = rotated.cleartext
  assert.equal(typeof secret, 'string')
  assert.ok(secret.length >= 32)
  assert.equal(await emu.verify('K2active', secret), true, 'cleartext is the real new secret')
  renderings(rotated).forEach((text, i) => {
    assert.ok(!text.includes(secret), `secret leaked in rendering #${i} (${RENDERING_NAMES[i]})`)
  })
  // Pattern checks through assert.ok, so that a failure never prints the rendered text.
  assert.ok(/^RotatedAccessKey \{/.test(util.inspect(rotated)), 'util.inspect starts with RotatedAccessKey {')
  assert.ok(/\[REDACTED\]/.test(util.inspect(rotated)), 'util.inspect shows [REDACTED]')
  assert.ok(/K2active/.test(util.inspect(rotated)), 'util.inspect shows the key id')
  assert.ok(JSON.parse(JSON.stringify(rotated)).cleartext === '[REDACTED]', 'JSON cleartext is [REDACTED]')
  assert.equal(JSON.parse(JSON.stringify(rotated)).key.id, 'K2active')
  assert.deepEqual(Object.keys(rotated), [])
  // console.log goes through util.inspect; capture it to be sure.
  const lines = []
  const original = console.log
  console.log = (...args) => lines.push(util.format(...args))
  try {
    console.log(rotated)
    console.log('rotated: %o', rotated)
  } finally {
    console.log = original
  }
  lines.forEach((l, i) => assert.ok(!l.includes(secret), `secret leaked in console.log line #${i}`))
})

test('the management key never shows on the client or its errors', async () => {
  const key = emu.managementKey
  const client = new Client(emu.options())
  renderings(client).forEach((text, i) => {
    assert.ok(!text.includes(key), `key leaked in rendering #${i} (${RENDERING_NAMES[i]}) of the client`)
  })
  assert.ok(/projectId/.test(util.inspect(client)), 'util.inspect of the client shows projectId')
  const wrong = 'K2thisIsAWrongKeyValue'
  const err = await new Client(emu.options({ managementKey: wrong })).rotateAccessKey('K2active').catch((e) => e)
  assert.ok(err instanceof DescopeError)
  ;[...renderings(err), err.stack].forEach((text, i) => {
    assert.ok(!text.includes(wrong), `key leaked in rendering #${i} (${RENDERING_NAMES[i]}) of the error`)
  })
})

test('tokens never show in errors', async () => {
  const token = 'ya29.super-secret-token'
  const client = new Client(emu.options())
  const errors = await Promise.all([
    client.batchUploadTenantTokens([{ appId: 'unknown-app', tenantId: 'T2a', accessToken: token }]).catch((e) => e),
    client.batchUploadTenantTokens([{ appId: '', tenantId: 'T2a', accessToken: token }]).catch((e) => e),
    client.batchUploadTenantTokens([{ appId: 'slack', tenantId: 'T2a', accessToken: 'x', grantedBy: [token] }]).catch((e) => e),
    client.batchUploadTenantTokens([{ appId: 'slack', tenantId: 'T2a', idToken: { token } }]).catch((e) => e),
    client.batchUploadTenantTokens([{ appId: 'slack', tenantId: 'T2a', scopes: token, accessToken: 'x' }]).catch((e) => e),
  ])
  // Rejected by the server or the core's rules, then by a field of the wrong type.
  const kinds = [DescopeError, DescopeError, TypeError, TypeError, TypeError]
  errors.forEach((err, i) => {
    assert.ok(err instanceof kinds[i], `call #${i}: expected ${kinds[i].name}, got ${err?.constructor?.name}`)
    ;[...renderings(err), err.stack].forEach((text, j) => {
      assert.ok(!text.includes(token), `token leaked in rendering #${j} (${RENDERING_NAMES[j]}) of error #${i}`)
    })
  })
})

test('token values with quotes and separators never show in errors, in part or whole', async () => {
  // serde quotes values in its messages; a value containing `", ` once fooled the redaction.
  const token = 'tok-head", "x\\"y\', expected a string, `sk-tail` \u0000 SECRET-END'
  const parts = ['tok-head', 'x\\"y', 'sk-tail', 'SECRET-END', '\\u0000']
  await emu.reset()
  const client = new Client(emu.options())
  const calls = [
    [{ appId: 'slack', tenantId: 'T2a', accessTokenExpiry: token, accessToken: 'x' }],
    [{ appId: 'slack', tenantId: 'T2a', scopes: token, accessToken: 'x' }],
    [{ appId: 'slack', tenantId: 'T2a', accessToken: [token] }],
    [{ appId: 'slack', tenantId: 'T2a', accessToken: 'x', scopes: ['ok', { token }] }],
    [{ appId: 'slack', tenantId: 'T2a', accessToken: 'x' }, { appId: 'slack', tenantId: 'T2b', refreshToken: { [token]: 1 } }],
    [{ appId: 'slack', tenantId: 'T2a', accessToken: token, accessTokenType: 5 }],
  ]
  for (const [c, tokens] of calls.entries()) {
    const err = await client.batchUploadTenantTokens(tokens).catch((e) => e)
    assert.ok(err instanceof TypeError, `call #${c}: expected TypeError, got ${err?.constructor?.name}`)
    assert.ok(/^tokens\[\d\]\.\w+/.test(err.message), `call #${c}: the message names the item and the field`)
    ;[...renderings(err), err.stack].forEach((text, i) => {
      parts.forEach((part, p) => {
        assert.ok(!text.includes(part), `token part #${p} leaked in rendering #${i} (${RENDERING_NAMES[i]}) of call #${c}`)
      })
    })
  }
  const err = await client.createDcrTemplate({ name: 'x', tags: token }).catch((e) => e)
  assert.ok(err instanceof TypeError)
  assert.ok(/^template\.tags has the wrong type: expected .+, got a string; nothing was sent$/.test(err.message), 'createDcrTemplate names template.tags')
  // Journal entries carry the Authorization header: compare paths only, never print entries.
  const sent = (await emu.journal()).filter((r) => r.path !== '/v1/mgmt/license').map((r) => `${r.method} ${r.path}`)
  assert.ok(sent.length === 0, `nothing was sent, but got: ${sent.join(', ')}`)
})
