// Safe logs in Node: off by default; logLevel or DESCOPE_MGMT_LOG turns them on; records go
// to the `logger` option (else console) as logger[level](line, fields) after each call;
// no record holds a secret; a throwing logger changes nothing.
import { test, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'

import { Client } from '../../bindings-node/index.mjs'
import { Emulator } from './emulator.mjs'

const BATCH = '/v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload'
const TOKENS = [
  { appId: 'google-drive', tenantId: 'T2logs1', refreshToken: 'rt-log-secret-0001', accessToken: 'at-log-secret-0001' },
  { appId: 'google-drive', tenantId: 'T2logs2', idToken: 'id-log-secret-0002', accessToken: 'at-log-secret-0002' },
]

function recorder() {
  const records = []
  const logger = {}
  for (const level of ['debug', 'info', 'warn', 'error']) logger[level] = (line, fields) => records.push({ level, line, fields })
  return { records, logger }
}

/** @type {Emulator} */
let emu
before(async () => {
  emu = await Emulator.start()
})
after(() => emu?.stop())
beforeEach(async () => {
  delete process.env.DESCOPE_MGMT_LOG
  await emu.reset()
})

test('off by default', async () => {
  const { records, logger } = recorder()
  await new Client(emu.options({ logger })).rotateAccessKey('K2active')
  assert.deepEqual(records, [])
})

test('debug records carry the fields and never a secret', async () => {
  const { records, logger } = recorder()
  await emu.faults({ method: 'POST', path: BATCH, status: 503, times: 1 })
  const client = new Client(emu.options({ logger, logLevel: 'debug' }))
  const rotated = await client.rotateAccessKey('K2active')
  await client.batchUploadTenantTokens(TOKENS)
  const seen = records.map((r) => [r.level, r.fields.event, r.fields.call])
  assert.ok(seen.some(([l, e, c]) => l === 'info' && e === 'call' && c === 'rotate_access_key'))
  assert.ok(seen.some(([l, e, c]) => l === 'warn' && e === 'retry' && c === 'batch_upload_tenant_tokens'))
  assert.ok(seen.some(([l, e]) => l === 'debug' && e === 'request'))
  const calls = records.filter((r) => r.fields.event === 'call')
  assert.deepEqual(calls.map((r) => [r.fields.call, r.fields.status, r.fields.attempt]), [
    ['rotate_access_key', 200, 1],
    ['batch_upload_tenant_tokens', 200, 2],
  ])
  assert.equal(calls[0].fields.keyId, 'K2active')
  assert.match(calls[0].fields.requestId, /-EMU$/)
  assert.ok(records.every((r) => r.fields.externalRequestId.length === 36 && r.line.startsWith('descope_mgmt ')))
  const text = JSON.stringify(records)
  const secrets = [emu.managementKey, rotated.cleartext, ...TOKENS.flatMap((t) => Object.entries(t).filter(([k]) => k.endsWith('Token')).map(([, v]) => v))]
  for (const s of secrets) assert.ok(!text.includes(s), 'a secret is in the logs')
})

test('DESCOPE_MGMT_LOG turns them on; failures are errors; a bad level is CONFIG', async () => {
  const { records, logger } = recorder()
  process.env.DESCOPE_MGMT_LOG = 'error'
  const client = new Client(emu.options({ logger }))
  await client.rotateAccessKey('K2active')
  await assert.rejects(client.rotateAccessKey('K2missing'), (e) => e.code === 'NOT_FOUND')
  assert.deepEqual(records.map((r) => [r.level, r.fields.code, r.fields.status]), [['error', 'NOT_FOUND', 404]])
  assert.throws(() => new Client(emu.options({ logLevel: 'verbose' })), (e) => e.code === 'CONFIG' && /logLevel must be one of/.test(e.message))
  assert.throws(() => new Client(emu.options({ logger: { info() {} } })), TypeError)
})

test('a throwing logger never changes the outcome', async () => {
  const boom = () => {
    throw new Error('logger failed')
  }
  const client = new Client(emu.options({ logLevel: 'debug', logger: { debug: boom, info: boom, warn: boom, error: boom } }))
  const rotated = await client.rotateAccessKey('K2active')
  assert.ok(rotated.cleartext)
})
