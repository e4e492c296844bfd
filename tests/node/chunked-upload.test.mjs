// uploadTenantTokens: chunks in order, every item checked before any request, progress,
// iterables and async iterables, a failing middle chunk, and chunkSize limits.
import { test, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'

import { Client, DescopeError } from '../../bindings-node/index.mjs'
import { Emulator } from './emulator.mjs'

const BATCH = '/v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload'

/** @type {Emulator} */
let emu
before(async () => {
  emu = await Emulator.start()
})
after(() => emu?.stop())
beforeEach(() => emu.reset())

const token = (i) => ({ appId: 'google-drive', tenantId: `T${i}`, accessToken: `at-${i}` })
const range = (n) => Array.from({ length: n }, (_, i) => i)

/** The tenant ids of each batch request, in order. */
async function sent() {
  return (await emu.journal())
    .filter((r) => r.path === BATCH)
    .map((r) => JSON.parse(r.body).tokens.map((t) => t.tenantId))
}

test('2,500 tokens go in chunks of 1000/1000/500, in order, with progress after each', async () => {
  const client = new Client(emu.options())
  const seen = []
  function* gen() {
    for (let i = 0; i < 2500; i++) yield token(i)
  }
  const done = await client.uploadTenantTokens(gen(), { onProgress: (p) => seen.push(p) })
  const batches = await sent()
  assert.deepEqual(batches.map((b) => b.length), [1000, 1000, 500])
  assert.deepEqual(batches.flat(), range(2500).map((i) => `T${i}`))
  assert.deepEqual(seen, [
    { tokensDone: 1000, tokensTotal: 2500, chunksDone: 1, chunksTotal: 3 },
    { tokensDone: 2000, tokensTotal: 2500, chunksDone: 2, chunksTotal: 3 },
    { tokensDone: 2500, tokensTotal: 2500, chunksDone: 3, chunksTotal: 3 },
  ])
  assert.deepEqual(done, seen[2])
  assert.equal((await emu.tokens()).length, 2500)
})

test('async iterables are collected, then chunked', async () => {
  const client = new Client(emu.options())
  async function* gen() {
    for (let i = 0; i < 25; i++) {
      await null
      yield { app_id: 'google-drive', tenant_id: `T${i}`, refresh_token: `rt-${i}` }
    }
  }
  const done = await client.uploadTenantTokens(gen(), { chunkSize: 10 })
  assert.equal(done.chunksTotal, 3)
  assert.deepEqual((await sent()).map((b) => b.length), [10, 10, 5])
})

test('every item is checked before any request', async () => {
  const client = new Client(emu.options())
  const tokens = range(2500).map(token)
  tokens[2400] = { appId: 'google-drive', tenantId: 'T' }
  await assert.rejects(client.uploadTenantTokens(tokens), (e) => {
    assert.ok(e instanceof DescopeError)
    assert.equal(e.code, 'INVALID_ARGUMENT')
    assert.match(e.message, /tokens\[2400\]/)
    return true
  })
  tokens[2400] = { appId: 'google-drive', tenantId: 'T', bogus: 1 }
  await assert.rejects(client.uploadTenantTokens(new Set(tokens)), /tokens\[2400\]/)
  for (const chunkSize of [0, -1, 1.5, 100_001]) {
    await assert.rejects(client.uploadTenantTokens([token(0)], { chunkSize }), (e) => {
      assert.equal(e.code, 'INVALID_ARGUMENT')
      assert.match(e.message, /chunkSize/)
      return true
    })
  }
  await assert.rejects(client.uploadTenantTokens([token(0)], { chunkSize: '10' }), TypeError)
  await assert.rejects(client.uploadTenantTokens('tokens'), TypeError)
  await assert.rejects(client.uploadTenantTokens([]), /empty/)
  assert.equal(await emu.requestCount('POST', BATCH), 0)
})

test('a failing middle chunk stops the upload and says what was committed', async () => {
  const client = new Client(emu.options())
  await emu.faults({ method: 'POST', path: BATCH, action: 'delay', delayMs: 1 })
  await emu.faults({ method: 'POST', path: BATCH, status: 409, times: 2 })
  const seen = []
  await assert.rejects(
    client.uploadTenantTokens(range(25).map(token), { chunkSize: 10, onProgress: (p) => seen.push(p) }),
    (e) => {
      assert.ok(e instanceof DescopeError)
      assert.equal(e.code, 'API_ERROR')
      assert.deepEqual(e.committed, { tokensDone: 10, tokensTotal: 25, chunksDone: 1, chunksTotal: 3 })
      assert.equal(e.failedChunk, 1)
      assert.deepEqual(e.failedRange, [10, 20])
      assert.match(e.message, /tokens\[10\.\.20\]/)
      return true
    },
  )
  assert.equal(seen.length, 1)
  assert.equal((await sent()).length, 2)
  assert.equal((await emu.tokens()).length, 10)
})

test('a rejected chunk carries the input index of each failure', async () => {
  const client = new Client(emu.options())
  await emu.faults({ method: 'POST', path: BATCH, action: 'delay', delayMs: 1 })
  const body = { failures: [{ appId: 'google-drive', tenantId: 'T13', errorCode: 'E1', reason: 'x' }] }
  await emu.faults({ method: 'POST', path: BATCH, status: 200, body: JSON.stringify(body) })
  await assert.rejects(client.uploadTenantTokens(range(25).map(token), { chunkSize: 10 }), (e) => {
    assert.equal(e.code, 'BATCH_REJECTED')
    assert.deepEqual(e.failureIndexes, [13])
    assert.deepEqual(e.failedRange, [10, 20])
    return true
  })
})

test('a throw from onProgress stops the upload after the committed chunk', async () => {
  const client = new Client(emu.options())
  const stop = new Error('enough')
  await assert.rejects(
    client.uploadTenantTokens(range(25).map(token), {
      chunkSize: 10,
      onProgress: () => {
        throw stop
      },
    }),
    (e) => e === stop,
  )
  assert.equal((await sent()).length, 1)
})
