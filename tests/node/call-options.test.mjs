// client.withOptions({ timeoutMs, maxRetries, maxRetryWaitMs, externalRequestId }): a view
// sharing the pool whose calls use these settings and the caller's correlation id.
import { test, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'

import { Client, DescopeError } from '../../bindings-node/index.mjs'
import { Emulator } from './emulator.mjs'

const ROTATE = '/v1/mgmt/accesskey/rotate'
const BATCH = '/v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload'
const TOKENS = [{ appId: 'google-drive', tenantId: 'T2view', accessToken: 'at-view-0001' }]

/** @type {Emulator} */
let emu
before(async () => {
  emu = await Emulator.start()
})
after(() => emu?.stop())
beforeEach(() => emu.reset())

async function sentIds() {
  const j = await emu.journal()
  return j.filter((r) => r.path === ROTATE || r.path === BATCH).map((r) => r.headers['x-external-rid'])
}

test('a view sends the caller id and uses its own retries', async () => {
  const client = new Client(emu.options({ maxRetries: 2 }))
  const view = client.withOptions({ externalRequestId: 'migration-42', maxRetries: 0 })
  assert.ok(view instanceof Client)
  await view.rotateAccessKey('K2active')
  await emu.faults({ method: 'POST', path: BATCH, status: 503, times: 3 })
  await assert.rejects(view.batchUploadTenantTokens(TOKENS), (e) => e instanceof DescopeError && e.externalRequestId === 'migration-42')
  assert.deepEqual(await sentIds(), ['migration-42', 'migration-42'])
  await emu.reset()
  await client.rotateAccessKey('K2active')
  assert.notEqual((await sentIds())[0], 'migration-42')
})

test('a view timeout applies to its calls', async () => {
  await emu.faults({ method: 'POST', path: ROTATE, action: 'delay', delayMs: 400 })
  const quick = new Client(emu.options()).withOptions({ timeoutMs: 100 })
  await assert.rejects(quick.rotateAccessKey('K2active'), (e) => e.code === 'OUTCOME_UNKNOWN')
})

test('bad view options are refused', () => {
  const client = new Client(emu.options())
  assert.throws(() => client.withOptions({ timeoutMs: 0 }), (e) => e.code === 'CONFIG' && /timeoutMs/.test(e.message))
  assert.throws(() => client.withOptions({ maxRetries: -1 }), (e) => e.code === 'CONFIG' && /maxRetries/.test(e.message))
  assert.throws(() => client.withOptions({ externalRequestId: 'has a space' }), (e) => e.code === 'INVALID_ARGUMENT' && !e.message.includes('has a space'))
  assert.throws(() => client.withOptions({ projectId: 'P2x' }), TypeError)
  assert.throws(() => client.withOptions({ externalRequestId: 5 }), TypeError)
})

test('results carry their call meta outside their value', async () => {
  const client = new Client(emu.options())
  const rotated = await client.withOptions({ externalRequestId: 'meta-1' }).rotateAccessKey('K2active')
  const m = rotated.meta
  assert.deepEqual([m.status, m.attempts, m.externalRequestId], [200, 1, 'meta-1'])
  assert.match(m.requestId, /-EMU$/)
  assert.ok(m.elapsedMs > 0 && Object.isFrozen(m))
  const created = await client.createDcrTemplate({ name: 'meta' })
  assert.equal(created.meta.externalRequestId.length, 36)
  assert.ok(!('meta' in JSON.parse(JSON.stringify(created))) && !Object.keys(created).includes('meta'))
  assert.ok(!JSON.stringify(rotated).includes('meta-1'))
})
