// Hooks (onRequest, onResponse, onRetry), the W3C trace context from @opentelemetry/api and
// a view's connectTimeoutMs: hooks get frozen events with the call's ids on the JavaScript
// thread before the call settles; a throwing hook is logged and changes nothing; an active
// span's traceparent is sent only when @opentelemetry/api is installed.
import { test, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import net from 'node:net'
import { createRequire } from 'node:module'

import { Client } from '../../bindings-node/index.mjs'
import { Emulator } from './emulator.mjs'

const require = createRequire(new URL('../../bindings-node/index.js', import.meta.url))
const otel = require('@opentelemetry/api')

const ROTATE = '/v1/mgmt/accesskey/rotate'
const BATCH = '/v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload'
const TOKENS = [{ appId: 'google-drive', tenantId: 'T2hook', accessToken: 'at-hook-secret-1' }]
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'

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

function recorder() {
  const seen = []
  const hooks = {}
  for (const name of ['onRequest', 'onResponse', 'onRetry']) hooks[name] = (e) => seen.push({ name, e })
  return { seen, hooks }
}

test('hooks see each attempt with the call ids, before the call settles', async () => {
  const { seen, hooks } = recorder()
  await emu.faults({ method: 'POST', path: BATCH, status: 503, times: 1 })
  const client = new Client(emu.options(hooks))
  await client.batchUploadTenantTokens(TOKENS)
  assert.deepEqual(
    seen.map(({ name, e }) => [name, e.event, e.status, e.attempt]),
    [
      ['onRequest', 'request', null, 1],
      ['onResponse', 'response', 503, 1],
      ['onRetry', 'retry', 503, 1],
      ['onRequest', 'request', null, 2],
      ['onResponse', 'response', 200, 2],
    ],
  )
  const [first] = (await emu.journal()).filter((r) => r.path === BATCH)
  for (const { e } of seen) {
    assert.equal(e.externalRequestId, first.headers['x-external-rid'])
    assert.equal(e.call, 'batch_upload_tenant_tokens')
    assert.ok(Object.isFrozen(e))
    assert.ok(!JSON.stringify(e).includes('at-hook-secret-1'))
  }
  assert.ok(seen[4].e.requestId, 'the emulator cf-ray')
  assert.ok(seen[2].e.retryInMs >= 0)
  assert.ok(seen[0].e.headerNames.includes('x-external-rid') && seen[0].e.bodyBytes > 0)
  // Views share the client's hooks.
  seen.length = 0
  await client.withOptions({ maxRetries: 0 }).rotateAccessKey('K2active')
  assert.deepEqual(seen.map(({ name }) => name), ['onRequest', 'onResponse'])
  assert.equal(seen[0].e.keyId, 'K2active')
})

test('a throwing hook is logged as a warning and changes nothing', async () => {
  const warned = []
  const logger = { debug() {}, info() {}, error() {}, warn: (line, fields) => warned.push({ line, fields }) }
  const broken = () => {
    throw new Error('a broken hook')
  }
  const client = new Client(emu.options({ logger, onRequest: broken, onResponse: broken }))
  const rotated = await client.rotateAccessKey('K2active')
  assert.equal(rotated.key.id, 'K2active')
  assert.equal(await emu.requestCount('POST', ROTATE), 1)
  assert.deepEqual(
    warned.map(({ fields }) => [fields.event, fields.hook]),
    [
      ['hook_failed', 'on_request'],
      ['hook_failed', 'on_response'],
    ],
  )
  assert.match(warned[0].line, /event=hook_failed .*hook=on_request/)
})

test('hooks must be functions', () => {
  assert.throws(() => new Client(emu.options({ onRetry: 'print' })), {
    name: 'TypeError',
    message: /options.onRetry must be a function/,
  })
})

/** A synchronous context manager and a W3C propagator: what an OpenTelemetry SDK registers. */
function registerOpenTelemetry() {
  let active = otel.ROOT_CONTEXT
  otel.context.setGlobalContextManager({
    active: () => active,
    with(ctx, fn, thisArg, ...args) {
      const prev = active
      active = ctx
      try {
        return fn.call(thisArg, ...args)
      } finally {
        active = prev
      }
    },
    bind: (_ctx, target) => target,
    enable() {
      return this
    },
    disable() {
      active = otel.ROOT_CONTEXT
      return this
    },
  })
  otel.propagation.setGlobalPropagator({
    inject(ctx, carrier, setter) {
      const sc = otel.trace.getSpanContext(ctx)
      if (!sc || !otel.trace.isSpanContextValid(sc)) return
      setter.set(carrier, 'traceparent', `00-${sc.traceId}-${sc.spanId}-0${sc.traceFlags & 1}`)
      if (sc.traceState) setter.set(carrier, 'tracestate', sc.traceState.serialize())
    },
    extract: (ctx) => ctx,
    fields: () => ['traceparent', 'tracestate'],
  })
  return () => {
    otel.context.disable()
    otel.propagation.disable()
  }
}

test('the active OpenTelemetry span is sent as traceparent; an explicit one wins', async () => {
  const unregister = registerOpenTelemetry()
  try {
    const client = new Client(emu.options())
    const span = otel.trace.wrapSpanContext({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: otel.TraceFlags.SAMPLED,
      traceState: otel.createTraceState('vendor=v1'),
    })
    const ctx = otel.trace.setSpan(otel.context.active(), span)
    const other = '00-5bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
    await otel.context.with(ctx, () => client.rotateAccessKey('K2active'))
    await otel.context.with(ctx, () => client.withOptions({ traceparent: other }).rotateAccessKey('K2active'))
    await client.rotateAccessKey('K2active')
    const sent = (await emu.journal()).filter((r) => r.path === ROTATE).map((r) => r.headers)
    assert.equal(sent[0].traceparent, TRACEPARENT)
    assert.equal(sent[0].tracestate, 'vendor=v1')
    assert.equal(sent[1].traceparent, other)
    assert.equal(sent[1].tracestate, undefined)
    assert.equal(sent[2].traceparent, undefined, 'no active span: no header')
  } finally {
    unregister()
  }
})

test('without @opentelemetry/api nothing is sent and nothing fails', async () => {
  // A child process in which the package cannot be found.
  const hide = `
    const Module = require('node:module')
    const resolve = Module._resolveFilename
    Module._resolveFilename = function (request, ...rest) {
      if (request.startsWith('@opentelemetry/')) throw Object.assign(new Error('not installed'), { code: 'MODULE_NOT_FOUND' })
      return resolve.call(this, request, ...rest)
    }`
  const script = `${hide}
    const { Client } = require(${JSON.stringify(require.resolve('./index.js'))})
    new Client(${JSON.stringify(emu.options())}).rotateAccessKey('K2active').then(() => process.exit(0), (e) => { console.error(e); process.exit(1) })`
  execFileSync(process.execPath, ['-e', script], { stdio: 'inherit', timeout: 60_000 })
  const [sent] = (await emu.journal()).filter((r) => r.path === ROTATE)
  assert.equal(sent.headers.traceparent, undefined)
})

test('withOptions checks traceparent, tracestate and connectTimeoutMs', () => {
  const client = new Client(emu.options())
  assert.throws(() => client.withOptions({ traceparent: '00-nope' }), { code: 'INVALID_ARGUMENT' })
  assert.throws(() => client.withOptions({ tracestate: 'a=1' }), { code: 'INVALID_ARGUMENT' })
  assert.throws(() => client.withOptions({ connectTimeoutMs: 0 }), { code: 'CONFIG' })
})

test("a view's connectTimeoutMs bounds opening a connection", async () => {
  // A server that accepts and never answers the TLS handshake.
  const held = []
  const server = net.createServer((s) => held.push(s))
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  try {
    const { port } = server.address()
    const client = new Client(
      emu.options({ baseUrl: `https://127.0.0.1:${port}`, connectTimeoutMs: 20_000, timeoutMs: 30_000, maxRetries: 0 }),
    )
    const started = Date.now()
    await assert.rejects(client.withOptions({ connectTimeoutMs: 300 }).rotateAccessKey('K2active'), {
      code: 'TIMEOUT',
      message: /nothing was sent/,
    })
    assert.ok(Date.now() - started < 5000, `${Date.now() - started} ms`)
  } finally {
    for (const s of held) s.destroy()
    server.close()
  }
})
