// Aborting calls with `{ signal }`: an abort rejects at once with `signal.reason` while
// nothing can have been sent (checked in the emulator's journal), a batch upload is aborted
// at any time, a rotate or create that may have been sent settles with its own outcome,
// listeners never pile up on a reused signal, and bad options are a TypeError.
import { test, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import { getEventListeners } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'

import { Client, RotatedAccessKey } from '../../bindings-node/index.mjs'
import { Emulator } from './emulator.mjs'

const LICENSE = '/v1/mgmt/license'
const ROTATE = '/v1/mgmt/accesskey/rotate'
const BATCH = '/v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload'
const CREATE = '/v1/mgmt/resource/dynamic-registration-template/create'
const TOKENS = [{ appId: 'google-drive', tenantId: 'T2abort', accessToken: 'at-abort-0001' }]

/** @type {Emulator} */
let emu
before(async () => {
  emu = await Emulator.start()
})
after(() => emu?.stop())
beforeEach(() => emu.reset())

/** Waits until the journal holds `n` requests of `method path`. */
async function arrived(method, route, n = 1) {
  for (let i = 0; i < 500; i++) {
    if ((await emu.requestCount(method, route)) >= n) return
    await sleep(10)
  }
  assert.fail(`${method} ${route} did not arrive ${n} time(s)`)
}

/** How `promise` settled, and how many milliseconds after `since`. */
async function settled(promise, since) {
  try {
    return { value: await promise, ms: Date.now() - since }
  } catch (error) {
    return { error, ms: Date.now() - since }
  }
}

/** The four calls, each given `options` as its last argument. */
function calls(client, options) {
  return {
    rotate: () => client.rotateAccessKey('K2active', options),
    batch: () => client.batchUploadTenantTokens(TOKENS, options),
    create: () => client.createDcrTemplate({ name: 'abort-test' }, options),
    upload: () => client.uploadTenantTokens(TOKENS, options),
  }
}

test('an already aborted signal rejects every call with its reason; nothing is sent', async () => {
  const client = new Client(emu.options())
  const reason = new Error('stop')
  for (const signal of [AbortSignal.abort(), AbortSignal.abort(reason)]) {
    for (const [name, call] of Object.entries(calls(client, { signal }))) {
      const err = await call().catch((e) => e)
      assert.equal(err, signal.reason, name)
    }
    for (const [name, call] of Object.entries(calls(client.withOptions({ timeoutMs: 5000 }), { signal }))) {
      assert.equal(await call().catch((e) => e), signal.reason, `withOptions ${name}`)
    }
  }
  assert.equal(AbortSignal.abort().reason.name, 'AbortError')
  assert.deepEqual(await emu.journal(), [], 'nothing was sent, not even the license lookup')
})

test('abort during the license handshake rejects at once; the rotate or create is never sent', async () => {
  for (const call of ['rotateAccessKey', 'createDcrTemplate']) {
    await emu.reset()
    await emu.faults({ method: 'GET', path: LICENSE, action: 'delay', delayMs: 1500 })
    const client = new Client(emu.options()) // a fresh client: its license is not cached
    const controller = new AbortController()
    const arg = call === 'rotateAccessKey' ? 'K2active' : { name: 'abort-license' }
    const pending = client[call](arg, { signal: controller.signal })
    await arrived('GET', LICENSE)
    const t0 = Date.now()
    controller.abort()
    const { error, ms } = await settled(pending, t0)
    assert.equal(error, controller.signal.reason, call)
    assert.equal(error.name, 'AbortError')
    assert.ok(ms < 500, `${call} rejected ${ms} ms after the abort`)
    await sleep(2000) // past the license delay (and any timeout)
    const journal = await emu.journal()
    assert.deepEqual(journal.map((r) => r.path), [LICENSE], `${call} was sent after the abort`)
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0)
  }
})

test('abort while waiting for a connection slot rejects at once; that rotate is never sent', async () => {
  const client = new Client(emu.options({ maxConnections: 1 }))
  await client.batchUploadTenantTokens(TOKENS) // the license is cached: only rotates follow
  await emu.reset()
  await emu.faults({ method: 'POST', path: ROTATE, action: 'delay', delayMs: 800 })
  const holder = client.rotateAccessKey('K2active') // holds the only slot
  await arrived('POST', ROTATE)
  const controller = new AbortController()
  const waiting = client.withOptions({ maxRetries: 0 }).rotateAccessKey('K2active2', { signal: controller.signal })
  await sleep(50)
  const t0 = Date.now()
  controller.abort()
  const { error, ms } = await settled(waiting, t0)
  assert.equal(error, controller.signal.reason)
  assert.ok(ms < 300, `rejected ${ms} ms after the abort`)
  assert.ok((await holder) instanceof RotatedAccessKey)
  await sleep(200)
  const rotates = (await emu.journal()).filter((r) => r.path === ROTATE)
  assert.equal(rotates.length, 1, 'only the slot holder was sent')
  assert.equal(JSON.parse(rotates[0].body).id, 'K2active')
  assert.equal((await emu.accessKeys()).find((k) => k.id === 'K2active2').rotations, 0)
})

test('abort of a rotate after it was sent: the call finishes and resolves with the new key', async () => {
  const client = new Client(emu.options())
  await emu.faults({ method: 'POST', path: ROTATE, action: 'delay', delayMs: 600 })
  const controller = new AbortController()
  const pending = client.rotateAccessKey('K2active', { signal: controller.signal })
  await arrived('POST', ROTATE)
  controller.abort()
  const { value, error } = await settled(pending, Date.now())
  assert.equal(error, undefined, `rejected with ${error}`)
  assert.ok(value instanceof RotatedAccessKey)
  assert.equal(await emu.verify('K2active', value.cleartext), true, 'the delivered secret is the current one')
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0)
})

test('abort of a rotate after it was sent keeps its real error (OUTCOME_UNKNOWN)', async () => {
  const client = new Client(emu.options())
  await emu.faults({ method: 'POST', path: ROTATE, action: 'drop_after_apply', delayMs: 400 })
  const controller = new AbortController()
  const pending = client.rotateAccessKey('K2active', { signal: controller.signal })
  await arrived('POST', ROTATE)
  controller.abort()
  const err = await pending.catch((e) => e)
  assert.equal(err.code, 'OUTCOME_UNKNOWN')
})

test('abort of a rotate in its backoff after a 429: it was sent once, so it finishes', async () => {
  const client = new Client(emu.options())
  await emu.faults({ method: 'POST', path: ROTATE, status: 429, headers: { 'Retry-After': '1' } })
  const controller = new AbortController()
  const pending = client.rotateAccessKey('K2active', { signal: controller.signal })
  await arrived('POST', ROTATE)
  await sleep(100)
  controller.abort()
  const { value, error } = await settled(pending, Date.now())
  assert.equal(error, undefined, `rejected with ${error}`)
  assert.ok(value instanceof RotatedAccessKey)
  assert.equal(await emu.requestCount('POST', ROTATE), 2)
})

test('abort of a create after it was sent resolves with the template', async () => {
  const client = new Client(emu.options())
  await emu.faults({ method: 'POST', path: CREATE, action: 'delay', delayMs: 500 })
  const controller = new AbortController()
  const pending = client.createDcrTemplate({ name: 'abort-after-send' }, { signal: controller.signal })
  await arrived('POST', CREATE)
  controller.abort()
  const template = await pending
  assert.equal(template.name, 'abort-after-send')
})

test('abort of a batch upload in flight rejects at once', async () => {
  const client = new Client(emu.options())
  await emu.faults({ method: 'POST', path: BATCH, action: 'delay', delayMs: 1500 })
  const controller = new AbortController()
  const pending = client.batchUploadTenantTokens(TOKENS, { signal: controller.signal })
  await arrived('POST', BATCH)
  const t0 = Date.now()
  controller.abort()
  const { error, ms } = await settled(pending, t0)
  assert.equal(error, controller.signal.reason)
  assert.ok(ms < 500, `rejected ${ms} ms after the abort`)
  assert.equal(await emu.requestCount('POST', BATCH), 1, 'not resent')
})

test('uploadTenantTokens: an abort stops before the next chunk, or abandons the one in flight', async () => {
  const client = new Client(emu.options())
  const tokens = Array.from({ length: 6 }, (_, i) => ({ appId: 'google-drive', tenantId: `T2chunk${i}`, accessToken: `at-${i}` }))

  // Aborted from onProgress after the first chunk: the second is never sent.
  let controller = new AbortController()
  let err = await client
    .uploadTenantTokens(tokens, { chunkSize: 2, signal: controller.signal, onProgress: () => controller.abort() })
    .catch((e) => e)
  assert.ok(err instanceof DOMException, String(err))
  assert.equal(err.name, 'AbortError')
  assert.equal(err.cause, controller.signal.reason)
  assert.match(err.message, /chunk 2 of 3 \(tokens\[2\.\.4\]\), which was not sent; 2 token\(s\) in 1 chunk\(s\) before it were committed/)
  assert.deepEqual(err.committed, { tokensDone: 2, tokensTotal: 6, chunksDone: 1, chunksTotal: 3 })
  assert.equal(err.failedChunk, 1)
  assert.deepEqual(err.failedRange, [2, 4])
  assert.equal(await emu.requestCount('POST', BATCH), 1)

  // Aborted while the second chunk is in flight: it is abandoned, the third never sent.
  await emu.reset()
  await emu.faults([
    { method: 'POST', path: BATCH, action: 'delay', delayMs: 1 },
    { method: 'POST', path: BATCH, action: 'delay', delayMs: 1500 },
  ])
  controller = new AbortController()
  const pending = client.uploadTenantTokens(tokens, { chunkSize: 2, signal: controller.signal })
  await arrived('POST', BATCH, 2)
  const t0 = Date.now()
  controller.abort()
  const out = await settled(pending, t0)
  err = out.error
  assert.ok(out.ms < 500, `rejected ${out.ms} ms after the abort`)
  assert.equal(err.name, 'AbortError')
  assert.match(err.message, /chunk 2 of 3 \(tokens\[2\.\.4\]\), which was in flight and may or may not have been committed; 2 token\(s\) in 1 chunk\(s\) before it were committed; resending that chunk and the ones after it is safe/)
  assert.equal(err.committed.chunksDone, 1)
  await sleep(1700)
  assert.equal(await emu.requestCount('POST', BATCH), 2, 'the third chunk was never sent')
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0)
})

test('one signal reused for 10,000 calls keeps no listeners', async () => {
  const client = new Client(emu.options())
  const controller = new AbortController()
  const { signal } = controller
  const options = { signal }
  for (let round = 0; round < 10; round++) {
    const pending = []
    for (let i = 0; i < 1000; i++) {
      pending.push(i % 2 ? client.rotateAccessKey('K2active2', options) : client.batchUploadTenantTokens(TOKENS, options))
    }
    assert.equal(getEventListeners(signal, 'abort').length, 1, 'one listener for every call in flight')
    await Promise.all(pending)
    assert.equal(getEventListeners(signal, 'abort').length, 0, `round ${round}`)
  }
  assert.equal(getEventListeners(signal, 'abort').length, 0)
  // Calls without a signal add none.
  await client.rotateAccessKey('K2active2')
  await client.uploadTenantTokens(TOKENS, { signal })
  assert.equal(getEventListeners(signal, 'abort').length, 0)
})

test('a bad options argument or signal is a TypeError before anything is sent', async () => {
  const client = new Client(emu.options())
  const bad = [5, 'x', [], { signal: {} }, { signal: 'abort' }, { signal: new EventTarget() }, { signal: new AbortController() }, { sigal: AbortSignal.abort() }]
  for (const options of bad) {
    for (const [name, call] of Object.entries(calls(client, options))) {
      const err = await call().catch((e) => e)
      assert.ok(err instanceof TypeError, `${name}(${JSON.stringify(options)}): ${err}`)
      assert.match(err.message, /options/)
    }
  }
  for (const options of [undefined, null, {}, { signal: undefined }, { signal: null }]) {
    await client.rotateAccessKey('K2active2', options)
  }
  assert.equal(await emu.requestCount('POST', BATCH), 0)
  assert.equal(await emu.requestCount('POST', CREATE), 0)
  assert.equal(await emu.requestCount('POST', ROTATE), 5)
})

test('one abort of a shared signal applies each call its own rule', async () => {
  const client = new Client(emu.options())
  await emu.faults([
    { method: 'POST', path: ROTATE, action: 'delay', delayMs: 600 },
    { method: 'POST', path: BATCH, action: 'delay', delayMs: 1500 },
  ])
  const controller = new AbortController()
  const options = { signal: controller.signal }
  const rotate = settled(client.rotateAccessKey('K2active', options), 0)
  const batch = settled(client.batchUploadTenantTokens(TOKENS, options), 0)
  await arrived('POST', ROTATE)
  await arrived('POST', BATCH)
  assert.equal(getEventListeners(controller.signal, 'abort').length, 1)
  controller.abort()
  assert.equal((await batch).error, controller.signal.reason)
  assert.ok((await rotate).value instanceof RotatedAccessKey)
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0)
})

test('an abort rejects only calls whose request was never sent, and never sends it later', async () => {
  // Aborts at random moments around the send: each rotate that rejected with the abort must
  // be missing from the journal (its x-external-rid), each that settled otherwise present.
  const client = new Client(emu.options({ maxConnections: 4 }))
  const outcomes = await Promise.all(
    Array.from({ length: 300 }, async (_, i) => {
      const controller = new AbortController()
      const rid = `abort-race-${i}`
      const pending = client.withOptions({ externalRequestId: rid }).rotateAccessKey('K2active2', { signal: controller.signal })
      setTimeout(() => controller.abort(), Math.floor(Math.random() * 20))
      const { error } = await settled(pending, 0)
      if (error !== undefined) assert.equal(error, controller.signal.reason, `call ${i}: ${error}`)
      return { rid, aborted: error !== undefined }
    }),
  )
  await sleep(200)
  const sent = new Set((await emu.journal()).filter((r) => r.path === ROTATE).map((r) => r.headers['x-external-rid']))
  for (const { rid, aborted } of outcomes) assert.equal(sent.has(rid), !aborted, rid)
  const aborted = outcomes.filter((o) => o.aborted).length
  assert.ok(aborted > 0 && aborted < outcomes.length, `${aborted} of ${outcomes.length} were aborted: no race was tested`)
})
