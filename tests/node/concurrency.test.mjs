// Calls run on the core's runtime: many at once on one client all complete, and the event
// loop keeps ticking while a slow call is in flight.
import { test, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'

import { Worker } from 'node:worker_threads'
import path from 'node:path'

import { Client, RotatedAccessKey } from '../../bindings-node/index.mjs'
import { Emulator, REPO_ROOT } from './emulator.mjs'

const ROTATE = '/v1/mgmt/accesskey/rotate'

/** @type {Emulator} */
let emu
before(async () => {
  emu = await Emulator.start()
})
after(() => emu?.stop())
beforeEach(() => emu.reset())

test('1,000 concurrent rotations on one client all complete', async () => {
  const client = new Client(emu.options())
  const N = 1000
  const results = await Promise.all(Array.from({ length: N }, () => client.rotateAccessKey('K2active2')))
  assert.equal(results.length, N)
  const secrets = new Set()
  for (const r of results) {
    assert.ok(r instanceof RotatedAccessKey)
    assert.equal(r.key.id, 'K2active2')
    secrets.add(r.cleartext)
  }
  assert.equal(secrets.size, N, 'every rotation returned a new secret')
  assert.equal(await emu.requestCount('POST', ROTATE), N)
  const key = (await emu.accessKeys()).find((k) => k.id === 'K2active2')
  assert.equal(key.rotations, N)
  assert.ok(secrets.has(key.secret), 'the current secret is one of those returned')
})

test('1,000 concurrent batch uploads on one client all complete', async () => {
  const client = new Client(emu.options())
  const N = 1000
  await Promise.all(
    Array.from({ length: N }, (_, i) =>
      client.batchUploadTenantTokens([{ appId: 'slack', tenantId: `T2tenant${i}`, accessToken: `tok-${i}` }]),
    ),
  )
  assert.equal((await emu.tokens()).length, N)
})

test('the event loop keeps ticking during a slow call', async () => {
  const client = new Client(emu.options())
  const DELAY_MS = 1500
  await emu.faults([{ method: 'POST', path: ROTATE, action: 'delay', delayMs: DELAY_MS }])
  let ticks = 0
  let worstGap = 0
  let last = performance.now()
  const timer = setInterval(() => {
    const now = performance.now()
    worstGap = Math.max(worstGap, now - last)
    last = now
    ticks++
  }, 10)
  const started = performance.now()
  try {
    const rotated = await client.rotateAccessKey('K2active')
    assert.equal(rotated.key.id, 'K2active')
  } finally {
    clearInterval(timer)
  }
  const elapsed = performance.now() - started
  assert.ok(elapsed >= DELAY_MS - 50, `the call was delayed (${elapsed} ms)`)
  assert.ok(ticks >= (DELAY_MS / 10) * 0.5, `the timer ticked ${ticks} times during ${elapsed} ms`)
  assert.ok(worstGap < 250, `the event loop was never blocked long (worst gap ${worstGap} ms)`)
})

test('a call returns a pending promise at once, even before the runtime is warm', async () => {
  const client = new Client(emu.options())
  await emu.faults([{ method: 'POST', path: ROTATE, action: 'delay', delayMs: 300 }])
  const t0 = performance.now()
  const pending = client.rotateAccessKey('K2active')
  const returnedAfter = performance.now() - t0
  assert.ok(pending instanceof Promise)
  assert.ok(returnedAfter < 100, `returned after ${returnedAfter} ms`)
  await pending
})

test('worker threads can use the package, and terminating one mid-call is safe', async () => {
  await emu.faults([{ method: 'POST', path: ROTATE, action: 'delay', delayMs: 400 }])
  const code = `
    const { parentPort, workerData } = require('node:worker_threads')
    const { Client } = require(workerData.pkg)
    const client = new Client(workerData.options)
    parentPort.postMessage('started')
    client.rotateAccessKey('K2active').then((r) => parentPort.postMessage('rotated ' + r.key.id))
  `
  const workerData = { pkg: path.join(REPO_ROOT, 'bindings-node'), options: emu.options() }
  // Terminated while its call is in flight (held by the delay fault).
  const first = new Worker(code, { eval: true, workerData })
  await new Promise((resolve) => first.once('message', resolve))
  await first.terminate()
  // Another worker then completes a call normally.
  const second = new Worker(code, { eval: true, workerData })
  const messages = []
  await new Promise((resolve, reject) => {
    second.on('message', (m) => {
      messages.push(m)
      if (m.startsWith('rotated')) second.terminate().then(resolve, reject)
    })
    second.once('error', reject)
  })
  assert.deepEqual(messages, ['started', 'rotated K2active'])
  // And the main thread still works.
  const rotated = await new Client(emu.options()).rotateAccessKey('K2active')
  assert.equal(rotated.key.id, 'K2active')
})
