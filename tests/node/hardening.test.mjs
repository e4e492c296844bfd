// Hostile and careless input (issue 10): prototype pollution has no effect, huge or sparse
// arrays never abort the process, unknown fields, lone surrogates and values JSON cannot
// carry are refused with the field's path, and nothing is sent for any of them.
// Failure messages never print a secret: the values used here carry the marker `sk-secret`
// and assertions only say which field leaked.
import { test, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import path from 'node:path'

import { Client, DescopeError } from '../../bindings-node/index.mjs'
import { Emulator, REPO_ROOT } from './emulator.mjs'

const INDEX_MJS = pathToFileURL(path.join(REPO_ROOT, 'bindings-node', 'index.mjs')).href
const ROTATE = '/v1/mgmt/accesskey/rotate'
const BATCH = '/v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload'
const CREATE = '/v1/mgmt/resource/dynamic-registration-template/create'

/** @type {Emulator} */
let emu
/** @type {Client} */
let client
before(async () => {
  emu = await Emulator.start()
  client = new Client(emu.options())
})
after(() => emu?.stop())
beforeEach(() => emu.reset())

/** Asserts that none of the three calls reached the emulator since the test's reset. */
async function nothingSent() {
  for (const route of [ROTATE, BATCH, CREATE]) {
    const count = await emu.requestCount('POST', route)
    assert.ok(count === 0, `${count} request(s) sent to ${route}`)
  }
}

/** The settled error of a promise that must reject. */
async function rejection(promise) {
  return promise.then(
    () => assert.fail('should reject'),
    (e) => e,
  )
}

/** An error for a failure message, unless it carries the secret marker. */
function shown(err) {
  const text = `${err?.constructor?.name}: ${String(err?.message ?? err)}`
  return text.includes('sk-secret') ? `${err?.constructor?.name} (message withheld: holds a secret marker)` : text
}

/**
 * Defines `props` ([target, name, value] triples) on shared prototypes, enumerable or not,
 * runs `fn`, and always removes them again.
 */
async function polluted(props, enumerable, fn) {
  const saved = props.map(([target, name]) => [target, name, Object.getOwnPropertyDescriptor(target, name)])
  try {
    for (const [target, name, value] of props) {
      Object.defineProperty(target, name, { value, enumerable, writable: true, configurable: true })
    }
    return await fn()
  } finally {
    for (const [target, name, descriptor] of saved) {
      if (descriptor) Object.defineProperty(target, name, descriptor)
      else delete target[name]
    }
  }
}

/** A 127.0.0.1 server that counts the requests it gets and answers 500 (a decoy target). */
async function decoyServer() {
  let hits = 0
  const server = http.createServer((req, res) => {
    hits++
    req.resume()
    res.writeHead(500, { 'content-type': 'text/plain' }).end('decoy')
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    get hits() {
      return hits
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  }
}

/** Runs `fn` with environment variables set, restoring them afterwards. */
async function withEnv(vars, fn) {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]))
  Object.assign(process.env, vars)
  try {
    return await fn()
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}

for (const enumerable of [true, false]) {
  test(`client options ignore ${enumerable ? 'enumerable' : 'non-enumerable'} properties added to Object.prototype`, async () => {
    const decoy = await decoyServer()
    try {
      const env = {
        DESCOPE_PROJECT_ID: emu.projectId,
        DESCOPE_MANAGEMENT_KEY: emu.managementKey,
        DESCOPE_BASE_URI: emu.url,
      }
      const clients = await withEnv(env, () =>
        polluted(
          [
            [Object.prototype, 'baseUrl', decoy.url],
            [Object.prototype, 'managementKey', 'K2sk-secret-polluted-key'],
            [Object.prototype, 'projectId', 'P2polluted'],
            [Object.prototype, 'timeoutMs', 1],
            [Object.prototype, 'maxRetries', 'many'],
            [Object.prototype, 'maxConnections', 0],
            [Object.prototype, 'someOtherOption', true],
          ],
          enumerable,
          () => [new Client(), new Client({}), new Client({ maxRetries: 1 })],
        ),
      )
      for (const [i, c] of clients.entries()) {
        assert.equal(c.baseUrl, emu.url, `client #${i} uses the polluted base URL`)
        assert.equal(c.projectId, emu.projectId, `client #${i} uses the polluted project id`)
        // The right key, the right host, and a timeout that is not 1 ms.
        const rotated = await c.rotateAccessKey('K2active')
        assert.equal(rotated.key.id, 'K2active')
      }
      assert.equal(decoy.hits, 0, 'the decoy server was called')
      assert.equal(await emu.requestCount('POST', ROTATE), clients.length)
    } finally {
      await decoy.close()
    }
  })
}

test('token and template fields ignore properties added to Object.prototype and Array.prototype', async () => {
  const evilToken = { appId: 'slack', tenantId: 'T2evil', accessToken: 'sk-secret-polluted' }
  const props = [
    [Object.prototype, 'accessToken', 'sk-secret-polluted-access'],
    [Object.prototype, 'idToken', 'sk-secret-polluted-id'],
    [Object.prototype, 'tenantName', 'unknown field'],
    [Object.prototype, 'loginPageURL', 'https://evil.example/login'],
    [Object.prototype, 'description', 'polluted'],
    [Object.prototype, 'sessionTokenExpiration', 99],
    [Object.prototype, 'tags', ['evil']],
    [Array.prototype, 1, evilToken],
  ]
  for (const enumerable of [true, false]) {
    const template = await polluted(props, enumerable, async () => {
      await client.batchUploadTenantTokens([{ appId: 'slack', tenantId: 'T2own', refreshToken: 'sk-secret-own' }])
      // A hole is refused, never filled from Array.prototype[1].
      const hole = await rejection(
        // eslint-disable-next-line no-sparse-arrays
        client.batchUploadTenantTokens([{ appId: 'slack', tenantId: 'T2a', accessToken: 'x' }, , { appId: 'slack', tenantId: 'T2b', accessToken: 'y' }]),
      )
      assert.ok(hole instanceof TypeError, shown(hole))
      assert.match(hole.message, /^tokens\[1\] is missing \(the array has a hole here\)/)
      return client.createDcrTemplate({ name: `own-${enumerable}`, sessionSettings: { enabled: true } })
    })
    const stored = await emu.tokens()
    assert.deepEqual(stored.map((t) => t.tenantId), ['T2own'], 'only the uploaded token is stored')
    assert.deepEqual(Object.keys(stored[0]).sort(), ['appId', 'refreshToken', 'tenantId'], 'no polluted field was sent')
    assert.equal(template.loginPageURL, '', 'the polluted loginPageURL was sent')
    assert.equal(template.description, '', 'the polluted description was sent')
    assert.deepEqual(template.tags, [])
    assert.deepEqual(template.sessionSettings, { enabled: true })
    await emu.reset()
  }
})

test('a toJSON added to Array.prototype or Object.prototype does not change the uploaded tokens', async () => {
  const evilToken = () => ({ appId: 'slack', tenantId: 'T2evil', accessToken: 'sk-secret-polluted' })
  // Each returns a replacement that JSON.stringify then writes without calling toJSON again
  // (an array without prototype; plain objects when Object.prototype.toJSON is in place,
  // which JSON.stringify calls once per value).
  const toJSONs = [
    [Array.prototype, function () {
      return Object.setPrototypeOf([evilToken()], null)
    }],
    [Object.prototype, function () {
      return Array.isArray(this) ? Object.setPrototypeOf(this.map(() => evilToken()), null) : evilToken()
    }],
  ]
  for (const [target, toJSON] of toJSONs) {
    await polluted([[target, 'toJSON', toJSON]], false, () =>
      client.batchUploadTenantTokens([{ appId: 'slack', tenantId: 'T2own', accessToken: 'sk-secret-own' }]),
    )
    const stored = await emu.tokens()
    assert.deepEqual(stored.map((t) => t.tenantId), ['T2own'], 'the polluted toJSON chose what was sent')
    await emu.reset()
  }
})

test('huge, sparse and lying arrays never abort the process', () => {
  // Run in a child process: a regression aborts that process, not the test runner.
  const script = `
    import { Client } from ${JSON.stringify(INDEX_MJS)}
    const client = new Client({ projectId: 'P2x', managementKey: 'K2sk-secret-child', baseUrl: 'http://127.0.0.1:9', maxRetries: 0 })
    const tok = { appId: 'slack', tenantId: 'T2a', accessToken: 'sk-secret-tok' }
    const cases = {
      empty1e9: () => { const a = []; a.length = 1e9; return client.batchUploadTenantTokens(a) },
      emptyMax: () => { const a = []; a.length = 2 ** 32 - 1; return client.batchUploadTenantTokens(a) },
      oneThenHoles: () => { const a = [tok]; a.length = 1e9; return client.batchUploadTenantTokens(a) },
      sparseSmall: () => { const a = [tok]; a.length = 50000; return client.batchUploadTenantTokens(a) },
      // eslint-disable-next-line no-sparse-arrays
      holeInMiddle: () => client.batchUploadTenantTokens([tok, , tok]),
      scopes1e9: () => { const s = ['a']; s.length = 1e9; return client.batchUploadTenantTokens([{ ...tok, scopes: s }]) },
      tags1e9: () => { const t = []; t.length = 1e9; return client.createDcrTemplate({ name: 'x', tags: t }) },
      proxy1e9: () => client.batchUploadTenantTokens(new Proxy([], { get: (t, k) => (k === 'length' ? 1e9 : Reflect.get(t, k)) })),
      tooMany: () => client.batchUploadTenantTokens(new Array(100001).fill(tok)),
    }
    const out = {}
    for (const [name, run] of Object.entries(cases)) {
      try {
        await run()
        out[name] = { resolved: true }
      } catch (e) {
        out[name] = { type: e.constructor.name, code: e.code ?? null, message: String(e.message) }
      }
    }
    process.stdout.write(JSON.stringify(out))
  `
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 1 << 20,
  })
  assert.ok(
    child.status === 0 && child.signal === null,
    `the child process ended with status ${child.status}, signal ${child.signal}: ${child.stderr.slice(-600)}`,
  )
  const out = JSON.parse(child.stdout)
  for (const [name, r] of Object.entries(out)) {
    assert.ok(!JSON.stringify(r).includes('sk-secret'), `${name}: the error text holds a secret`)
  }
  const tooLong = /^INVALID_ARGUMENT: the token list has \d+ tokens, more than the 100000 one batch accepts \(a limit of this SDK/
  // A Proxy around an array is a list (Array.isArray): its length is bounded like an array's.
  for (const name of ['empty1e9', 'emptyMax', 'oneThenHoles', 'tooMany', 'proxy1e9']) {
    assert.equal(out[name].code, 'INVALID_ARGUMENT', `${name}: ${JSON.stringify(out[name])}`)
    assert.match(out[name].message, tooLong, name)
  }
  const typeErrors = {
    sparseSmall: /^tokens\[1\] is missing \(the array has a hole here\); nothing was sent$/,
    holeInMiddle: /^tokens\[1\] is missing/,
    scopes1e9: /^tokens\[0\]\.scopes\[1\] is missing/,
    tags1e9: /^template\.tags\[0\] is missing/,
  }
  for (const [name, pattern] of Object.entries(typeErrors)) {
    assert.equal(out[name].type, 'TypeError', `${name}: ${JSON.stringify(out[name])}`)
    assert.match(out[name].message, pattern, name)
  }
})

test('unknown fields are INVALID_ARGUMENT naming their path, never sent', async () => {
  const ok = { appId: 'slack', tenantId: 'T2a', accessToken: 'x' }
  const cases = [
    [
      () => client.createDcrTemplate({ name: 'x', sessionSettings: { refreshTokenExpiration: 5, refreshTokenExpirationX: 5 } }),
      // The core's decoder refuses unknown session settings, like any other unknown field.
      /^INVALID_ARGUMENT: template\.sessionSettings\.refreshTokenExpirationX is not a known field/,
    ],
    [
      () => client.createDcrTemplate({ name: 'x', sessionSettings: { enabled: true, 'sk-secret-as-key': 1 } }),
      /^INVALID_ARGUMENT: template\.sessionSettings\.<field> is not a known field/,
    ],
    [() => client.createDcrTemplate({ name: 'x', loginPageUrl: 'https://a.example' }), /^INVALID_ARGUMENT: template\.loginPageUrl is not a known field/],
    [() => client.batchUploadTenantTokens([ok, { ...ok, accesToken: 'sk-secret-typo' }]), /^INVALID_ARGUMENT: tokens\[1\]\.accesToken is not a known field/],
    // A key that looks like a value is not shown.
    [() => client.batchUploadTenantTokens([{ ...ok, 'sk-secret-as-key': 1 }]), /^INVALID_ARGUMENT: tokens\[0\]\.<field> is not a known field/],
  ]
  for (const [i, [call, pattern]] of cases.entries()) {
    const err = await rejection(call())
    assert.ok(err instanceof DescopeError && err.code === 'INVALID_ARGUMENT', `case #${i}: ${shown(err)}`)
    assert.ok(pattern.test(err.message), `case #${i}: ${shown(err)}`)
    assert.ok(!err.message.includes('sk-secret'), `case #${i}: the message holds a value`)
  }
  await nothingSent()
})

test('binary data (Buffer, typed arrays) is a TypeError, never read byte by byte', async () => {
  const ok = { appId: 'slack', tenantId: 'T2a', accessToken: 'x' }
  const big = Buffer.alloc(64 * 1024 * 1024, 0x61)
  const cases = [
    [() => client.batchUploadTenantTokens([ok, big]), /^tokens\[1\] has the wrong type: expected a JSON value, got binary data/],
    [() => client.batchUploadTenantTokens([{ ...ok, accessToken: big }]), /^tokens\[0\]\.accessToken has the wrong type: expected a JSON value, got binary data/],
    [() => client.batchUploadTenantTokens([{ ...ok, scopes: [new Uint8Array(4)] }]), /^tokens\[0\]\.scopes\[0\] has the wrong type: expected a JSON value, got binary data/],
    [() => client.createDcrTemplate(new Uint8Array(8)), /^template has the wrong type: expected a JSON value, got binary data/],
    [() => client.createDcrTemplate({ name: 'x', sessionSettings: new ArrayBuffer(8) }), /^template\.sessionSettings has the wrong type: expected a JSON value, got binary data/],
  ]
  for (const [i, [call, pattern]] of cases.entries()) {
    const err = await rejection(call())
    assert.ok(err instanceof TypeError, `case #${i}: ${shown(err)}`)
    assert.match(err.message, pattern, `case #${i}`)
  }
  await nothingSent()
})

test('index.d.ts has no index signature on input types', () => {
  const dts = readFileSync(path.join(REPO_ROOT, 'bindings-node', 'index.d.ts'), 'utf8')
  for (const name of ['ClientOptions', 'TenantToken', 'SessionSettings', 'NewDcrTemplate']) {
    const match = dts.match(new RegExp(`export interface ${name}(?: extends [^{]+)? \\{([\\s\\S]*?)\\n\\}`))
    assert.ok(match, `interface ${name} is missing`)
    assert.ok(!/\[\s*\w+\s*:\s*string\s*\]/.test(match[1]), `${name} has an index signature`)
  }
  // Answers keep unknown fields.
  assert.match(dts, /export interface DcrSessionSettings extends SessionSettings \{\s*\[unknownField: string\]: unknown/)
})

test('a lone surrogate in any string is INVALID_ARGUMENT naming the field, never replaced', async () => {
  const lone = 'sk-secret-\ud800-tail'
  const ok = { appId: 'slack', tenantId: 'T2a', accessToken: 'x' }
  const cases = [
    ...['appId', 'tenantId', 'accessToken', 'refreshToken', 'idToken', 'accessTokenType', 'externalIdentifier', 'grantedBy'].map(
      (field) => [() => client.batchUploadTenantTokens([ok, { ...ok, [field]: lone }]), `tokens[1].${field}`],
    ),
    [() => client.batchUploadTenantTokens([{ ...ok, scopes: ['a', '\udc00'] }]), 'tokens[0].scopes[1]'],
    [() => client.rotateAccessKey('K2active\ud800'), 'id'],
    [() => client.createDcrTemplate({ name: lone }), 'template.name'],
    [() => client.createDcrTemplate({ name: 'x', description: lone }), 'template.description'],
    [() => client.createDcrTemplate({ name: 'x', loginPageURL: `https://a.example/${lone}` }), 'template.loginPageURL'],
    [() => client.createDcrTemplate({ name: 'x', tags: ['ok', lone] }), 'template.tags[1]'],
    [() => client.createDcrTemplate({ name: 'x', sessionSettings: { userTemplateId: lone } }), 'template.sessionSettings.userTemplateId'],
  ]
  for (const [i, [call, at]] of cases.entries()) {
    const err = await rejection(call())
    assert.ok(err instanceof DescopeError && err.code === 'INVALID_ARGUMENT', `case #${i} (${at}): ${shown(err)}`)
    assert.ok(err.message.startsWith(`INVALID_ARGUMENT: ${at} is not valid: the string holds a lone UTF-16 surrogate`), `case #${i} (${at}): ${shown(err)}`)
    assert.ok(!err.message.includes('sk-secret') && !err.message.includes('tail'), `case #${i}: the message holds the value`)
  }
  // A real U+FFFD is an ordinary character.
  await client.batchUploadTenantTokens([{ ...ok, tenantId: 'T2\ufffd' }])
  assert.equal(await emu.requestCount('POST', BATCH), 1)
  await emu.reset()
  // Options: a bad setting, like any other bad option value.
  for (const option of ['managementKey', 'projectId', 'baseUrl']) {
    let err
    try {
      new Client({ ...emu.options(), [option]: `${emu.options()[option]}\udfff` })
    } catch (e) {
      err = e
    }
    assert.ok(err instanceof DescopeError && err.code === 'CONFIG', `${option}: ${shown(err)}`)
    assert.ok(err.message.startsWith(`CONFIG: options.${option}: `), `${option}: ${shown(err)}`)
    assert.ok(!err.message.includes(emu.managementKey), `${option}: the message holds the key`)
  }
  await nothingSent()
})

test('NaN, Infinity, BigInt, Symbol and functions in a field are TypeErrors naming the field, never the value', async () => {
  const ok = { appId: 'slack', tenantId: 'T2a', accessToken: 'x' }
  const values = [
    ['NaN', Number.NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['BigInt', 1767225600n],
    ['Symbol', Symbol('sk-secret-symbol')],
    ['function', function skSecret() {
      return 'sk-secret-fn'
    }],
  ]
  const places = [
    [(v) => client.batchUploadTenantTokens([ok, { ...ok, accessTokenExpiry: v }]), 'tokens[1].accessTokenExpiry'],
    [(v) => client.batchUploadTenantTokens([ok, { ...ok, accessToken: v }]), 'tokens[1].accessToken'],
    [(v) => client.batchUploadTenantTokens([{ ...ok, scopes: ['a', v] }]), 'tokens[0].scopes[1]'],
    [(v) => client.createDcrTemplate({ name: 'x', sessionSettings: { sessionTokenExpiration: v } }), 'template.sessionSettings.sessionTokenExpiration'],
    [(v) => client.createDcrTemplate({ name: 'x', tags: [v] }), 'template.tags[0]'],
    [(v) => client.createDcrTemplate({ name: v }), 'template.name'],
  ]
  for (const [label, value] of values) {
    for (const [call, at] of places) {
      const err = await rejection(call(value))
      assert.ok(err instanceof TypeError, `${label} at ${at}: ${shown(err)}`)
      assert.ok(err.message.startsWith(`${at} has the wrong type: expected a JSON value, got `), `${label} at ${at}: ${shown(err)}`)
      assert.ok(!/sk-secret|skSecret|1767225600/.test(err.message), `${label} at ${at}: the message holds the value`)
    }
  }
  await nothingSent()
})

test('a Proxy around an array (Vue reactive([]), MobX observable arrays) is read as the array it is', async () => {
  // A proxy that only forwards, like a reactive wrapper; nested arrays and objects too.
  const reactive = (target) =>
    new Proxy(target, {
      get(t, key, receiver) {
        const v = Reflect.get(t, key, receiver)
        return v !== null && typeof v === 'object' ? reactive(v) : v
      },
    })
  const tokens = reactive([
    { appId: 'google-drive', tenantId: 'T1', refreshToken: 'r-proxy-1', scopes: ['a', 'b'] },
    { appId: 'slack', tenantId: 'T2', accessToken: 'a-proxy-2' },
  ])
  assert.ok(Array.isArray(tokens))
  await client.batchUploadTenantTokens(tokens)
  assert.equal(await emu.requestCount('POST', BATCH), 1)
  const stored = (await emu.tokens()).map((t) => `${t.appId}/${t.tenantId}`).sort()
  assert.deepEqual(stored, ['google-drive/T1', 'slack/T2'])

  // The same bounds and errors as a plain array: a bad item names its path, a Proxy
  // claiming a huge length is refused before any item is read, an empty one is refused.
  await emu.reset()
  const bad = reactive([{ appId: 'google-drive', tenantId: 'T1', refreshToken: 'r', bogus: 1 }])
  await assert.rejects(client.batchUploadTenantTokens(bad), (e) => e.code === 'INVALID_ARGUMENT' && /tokens\[0\]\.bogus/.test(e.message))
  let reads = 0
  const huge = new Proxy([], {
    get(t, key) {
      if (key === 'length') return 1e9
      if (typeof key === 'string' && /^\d+$/.test(key)) reads++
      return Reflect.get(t, key)
    },
  })
  await assert.rejects(client.batchUploadTenantTokens(huge), (e) => e.code === 'INVALID_ARGUMENT' && /more than the 100000/.test(e.message))
  assert.equal(reads, 0, 'an item of the huge Proxy was read')
  await assert.rejects(client.batchUploadTenantTokens(reactive([])), (e) => e.code === 'INVALID_ARGUMENT' && /empty/.test(e.message))
  await nothingSent()
})
