'use strict'
/**
 * descope-mgmt/testing: the local Descope Management API emulator, one line away in your own
 * tests (node:test, Jest, Vitest, Mocha ...).
 *
 *   const { startEmulator, ROTATE_ACCESS_KEY } = require('descope-mgmt/testing')
 *   const emu = await startEmulator()
 *   await emu.fault({ method: 'POST', path: ROTATE_ACCESS_KEY, action: 'drop_after_apply' })
 *   const err = await emu.client().rotateAccessKey('K2active').catch((e) => e)
 *   // err.code === 'OUTCOME_UNKNOWN'; (await emu.journal({ path: ROTATE_ACCESS_KEY })).length === 1
 *   await emu.stop()
 *
 * The emulator binary ships in this platform's prebuilt package (next to the addon); in a
 * repository checkout it is the cargo build in target/debug; DESCOPE_EMULATOR_BIN names
 * another one. It listens on a free port of 127.0.0.1 only.
 */

const { spawn } = require('node:child_process')
const { binaryPath } = require('./scripts/binaries.js')

/** Request path of `rotateAccessKey`, for `fault()` and `journal()`. */
const ROTATE_ACCESS_KEY = '/v1/mgmt/accesskey/rotate'
/** Request path of `batchUploadTenantTokens`. */
const BATCH_UPLOAD_TENANT_TOKENS = '/v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload'
/** Request path of `createDcrTemplate`. */
const CREATE_DCR_TEMPLATE = '/v1/mgmt/resource/dynamic-registration-template/create'
/** Environment variable naming the emulator binary to run instead of the packaged one. */
const EMULATOR_BIN_ENV = 'DESCOPE_EMULATOR_BIN'

/**
 * The emulator executable `startEmulator()` runs: `binary` if given, else
 * `$DESCOPE_EMULATOR_BIN`, else the platform package's (or a checkout's) `descope-emulator`.
 * Throws an Error saying what to install or build when there is none.
 */
function emulatorBinary(binary) {
  if (binary) return binary
  const fromEnv = process.env[EMULATOR_BIN_ENV]
  if (fromEnv) return fromEnv
  return binaryPath('descope-emulator', 'cargo build -p descope-mgmt-emulator')
}

/** A running emulator: where it is, clients for it, fault injection and the request journal. */
class Emulator {
  #child
  #onExit

  /** Use `startEmulator()`. */
  constructor(child, info, binary) {
    this.#child = child
    /** The emulator's first stdout line (url, projectId, managementKey, accessKeys, ...). */
    this.info = info
    /** The executable that runs. */
    this.binary = binary
    /** `http://127.0.0.1:PORT` */
    this.baseUrl = info.url
    this.projectId = info.projectId
    this.managementKey = info.managementKey
    /** Seeded access key ids and their secrets at the last reset (`K2active`, ...). */
    this.accessKeys = Object.fromEntries((info.accessKeys || []).map((k) => [k.id, k.secret]))
    // Never outlive the test process, even if stop() is forgotten.
    this.#onExit = () => child.kill('SIGKILL')
    process.on('exit', this.#onExit)
  }

  /** The process id of the emulator. */
  get pid() {
    return this.#child.pid
  }

  /** `DESCOPE_BASE_URI`, `DESCOPE_PROJECT_ID` and `DESCOPE_MANAGEMENT_KEY` for this emulator. */
  env() {
    return { DESCOPE_BASE_URI: this.baseUrl, DESCOPE_PROJECT_ID: this.projectId, DESCOPE_MANAGEMENT_KEY: this.managementKey }
  }

  /** Client options for this emulator, with `overrides` (`timeoutMs`, `maxRetries`, ...). */
  options(overrides = {}) {
    return { projectId: this.projectId, managementKey: this.managementKey, baseUrl: this.baseUrl, ...overrides }
  }

  /** A `Client` of descope-mgmt for this emulator. */
  client(overrides = {}) {
    const { Client } = require('./index.js')
    return new Client(this.options(overrides))
  }

  /**
   * Queues a fault (emulator/README.md, "Faults") for the next `times` (default 1) requests
   * to `method` (absent: any) `path`; resolves with the number of fault entries now queued.
   */
  async fault(fault) {
    const faults = Array.isArray(fault) ? fault : [fault]
    return (await this.#request('POST', '/emulator/faults', faults)).queued
  }

  /** Removes every queued fault. */
  async clearFaults() {
    await this.#request('DELETE', '/emulator/faults')
  }

  /** The requests received (`/emulator/*` excluded), oldest first, optionally filtered. */
  async journal(filter = {}) {
    const q = new URLSearchParams()
    if (filter.method) q.set('method', filter.method)
    if (filter.path) q.set('path', filter.path)
    const query = q.size ? `?${q}` : ''
    return (await this.#request('GET', `/emulator/journal${query}`)).requests
  }

  /** Restores the seed (keys, secrets, tokens, templates) and clears the faults and the journal. */
  async reset() {
    await this.#request('POST', '/emulator/reset', {})
  }

  /** Whether `secret` is the current secret of access key `id`. */
  async secretValid(id, secret) {
    return (await this.#request('POST', '/emulator/accesskeys/verify', { id, secret })).valid
  }

  /** The tenant tokens stored so far (as uploaded), optionally filtered. */
  async tokens(filter = {}) {
    const q = new URLSearchParams()
    if (filter.appId) q.set('appId', filter.appId)
    if (filter.tenantId) q.set('tenantId', filter.tenantId)
    const query = q.size ? `?${q}` : ''
    return (await this.#request('GET', `/emulator/outbound/tokens${query}`)).tokens
  }

  /** The templates created through the API since the last reset. */
  async templates() {
    return (await this.#request('GET', '/emulator/templates')).created
  }

  /** Stops the emulator (SIGTERM, SIGKILL after 10 s). Safe to call twice. */
  async stop() {
    process.removeListener('exit', this.#onExit)
    const child = this.#child
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.ref()
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  }

  /** `await using emu = await startEmulator()` stops it at the end of the block. */
  async [Symbol.asyncDispose ?? Symbol.for('Symbol.asyncDispose')]() {
    await this.stop()
  }

  async #request(method, route, body) {
    const res = await fetch(this.baseUrl + route, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    if (!res.ok) throw new Error(`descope-mgmt/testing: ${method} ${route}: HTTP ${res.status} ${text.slice(0, 300)}`)
    return text ? JSON.parse(text) : null
  }
}

/**
 * Starts an emulator on a free port of 127.0.0.1 and resolves once it serves. Options:
 * `binary` (see emulatorBinary), `seed` (a JSON seed file), `startupTimeoutMs` (30000).
 * Call `stop()` when done.
 */
async function startEmulator(options = {}) {
  const binary = emulatorBinary(options.binary)
  const args = ['--port', '0']
  if (options.seed) args.push('--seed', String(options.seed))
  const timeoutMs = options.startupTimeoutMs ?? 30_000
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (chunk) => {
    if (stderr.length < 4000) stderr += chunk
  })
  child.stdout.setEncoding('utf8')
  const info = await new Promise((resolve, reject) => {
    let out = ''
    const fail = (why) => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      const detail = stderr.trim()
      reject(new Error(`descope-mgmt/testing: the emulator ${binary} ${why}${detail ? `: ${detail}` : ''}`))
    }
    const timer = setTimeout(() => fail(`did not start within ${timeoutMs} ms`), timeoutMs)
    child.once('error', (err) => fail(`cannot run (${err.message})`))
    child.once('exit', (code, signal) => setImmediate(() => fail(`exited with ${signal ?? `status ${code}`}`)))
    const onData = (chunk) => {
      out += chunk
      const nl = out.indexOf('\n')
      if (nl < 0) return
      child.stdout.removeListener('data', onData)
      clearTimeout(timer)
      child.removeAllListeners('exit')
      child.removeAllListeners('error')
      try {
        resolve(JSON.parse(out.slice(0, nl)))
      } catch (err) {
        fail(`printed no JSON line (${err.message})`)
      }
    }
    child.stdout.on('data', onData)
  })
  // Keep draining its output; do not keep the test process alive for it (stop() waits for it).
  child.on('error', () => {})
  child.stdout.resume()
  child.stderr.resume()
  child.unref()
  child.stdout.unref?.()
  child.stderr.unref?.()
  return new Emulator(child, info, binary)
}

module.exports = {
  startEmulator,
  emulatorBinary,
  Emulator,
  ROTATE_ACCESS_KEY,
  BATCH_UPLOAD_TENANT_TOKENS,
  CREATE_DCR_TEMPLATE,
  EMULATOR_BIN_ENV,
}
