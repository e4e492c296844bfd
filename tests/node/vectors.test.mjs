// Runs every shared scenario vector in tests/vectors/*.json against the emulator
// (schema and rules: tests/vectors/README.md).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'

import { Client, DescopeError, RotatedAccessKey } from '../../bindings-node/index.mjs'
import { Emulator, REPO_ROOT } from './emulator.mjs'

const VECTOR_DIR = path.join(REPO_ROOT, 'tests', 'vectors')
const PATHS = {
  rotate_access_key: '/v1/mgmt/accesskey/rotate',
  batch_upload_tenant_tokens: '/v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload',
  create_dcr_template: '/v1/mgmt/resource/dynamic-registration-template/create',
}

const files = readdirSync(VECTOR_DIR).filter((f) => f.endsWith('.json')).sort()
assert.ok(files.length >= 3, `expected vector files in ${VECTOR_DIR}`)

/** @type {Emulator} */
let emu
let seedSecrets
before(async () => {
  emu = await Emulator.start()
  seedSecrets = Object.fromEntries((await emu.seed()).accessKeys.map((k) => [k.id, k.secret]))
})
after(() => emu?.stop())

/** The README's subset matching. Returns a reason string on mismatch, else null. */
function mismatch(expected, actual, where = 'result') {
  if (expected === '$any') return actual === undefined ? `${where} is missing` : null
  if (expected === '$nonempty') {
    return typeof actual === 'string' && actual.length > 0 ? null : `${where} should be a non-empty string`
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      return `${where} should be an array of ${expected.length}, got ${JSON.stringify(actual)}`
    }
    for (let i = 0; i < expected.length; i++) {
      const m = mismatch(expected[i], actual[i], `${where}[${i}]`)
      if (m) return m
    }
    return null
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object') return `${where} should be an object`
    for (const [k, v] of Object.entries(expected)) {
      if (!(k in actual)) return `${where}.${k} is missing`
      const m = mismatch(v, actual[k], `${where}.${k}`)
      if (m) return m
    }
    return null
  }
  if (typeof expected === 'number') {
    return Number(actual) === expected ? null : `${where} should be ${expected}, got ${JSON.stringify(actual)}`
  }
  if (actual === expected) return null
  // A rotation's cleartext is a live secret: name the mismatch, never print the value.
  if (where.endsWith('.cleartext')) return `${where} should be ${JSON.stringify(expected)} (value withheld)`
  return `${where} should be ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`
}

/** Calls the vector's method; results in wire form (the rotation's cleartext read explicitly). */
async function invoke(client, vector) {
  switch (vector.call) {
    case 'rotate_access_key': {
      const rotated = await client.rotateAccessKey(vector.args.id)
      assert.ok(rotated instanceof RotatedAccessKey)
      return { key: rotated.key, cleartext: rotated.cleartext }
    }
    case 'batch_upload_tenant_tokens':
      return client.batchUploadTenantTokens(vector.args.tokens)
    case 'create_dcr_template':
      // The vectors match the wire response, which wraps the template.
      return { template: await client.createDcrTemplate(vector.args.template) }
    default:
      throw new Error(`unknown call ${vector.call}`)
  }
}

async function applied(vector) {
  switch (vector.call) {
    case 'rotate_access_key': {
      const secret = seedSecrets[vector.args.id]
      return secret !== undefined && !(await emu.verify(vector.args.id, secret))
    }
    case 'batch_upload_tenant_tokens': {
      const first = vector.args.tokens?.[0]
      if (!first) return false
      const appId = first.appId ?? ''
      const tenantId = first.tenantId ?? ''
      return (await emu.tokens()).some((t) => t.appId === appId && t.tenantId === tenantId)
    }
    case 'create_dcr_template':
      return (await emu.templates()).created.some((t) => t.name === vector.args.template.name)
  }
}

for (const file of files) {
  const vectors = JSON.parse(readFileSync(path.join(VECTOR_DIR, file), 'utf8'))
  for (const vector of vectors) {
    test(`${path.basename(file, '.json')}: ${vector.name}`, async () => {
      await emu.reset()
      if (vector.faults) await emu.faults(vector.faults)
      const overrides = {}
      for (const key of ['timeoutMs', 'maxRetries', 'managementKey', 'baseUrl']) {
        if (vector.client && key in vector.client) overrides[key] = vector.client[key]
      }
      const client = new Client(emu.options(overrides))
      const { expect } = vector

      let result
      let error
      try {
        result = await invoke(client, vector)
      } catch (err) {
        error = err
      }
      if (expect.ok) {
        assert.equal(error, undefined, `expected success, got ${error?.code}: ${error?.message}`)
        if (expect.result) {
          const m = mismatch(expect.result, result)
          assert.equal(m, null, m)
        }
      } else {
        assert.ok(error instanceof DescopeError, `expected a DescopeError, got ${error}`)
        const e = expect.error
        assert.equal(error.code, e.code, error.message)
        if ('status' in e) assert.equal(error.status, e.status)
        if ('errorCode' in e) assert.equal(error.descopeCode, e.errorCode)
        if ('retryAfter' in e) assert.equal(error.retryAfterMs, e.retryAfter === null ? null : e.retryAfter * 1000)
        if ('failuresCount' in e) assert.equal(error.failures.length, e.failuresCount)
      }
      assert.equal(await emu.requestCount('POST', PATHS[vector.call]), expect.requests, 'journaled requests')
      assert.equal(await applied(vector), expect.applied, 'applied')
    })
  }
}
