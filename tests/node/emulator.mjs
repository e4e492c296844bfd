// Test helper: starts ${CARGO_TARGET_DIR:-target}/debug/descope-emulator on a free port, reads its first JSON
// line, and wraps the emulator-only endpoints (reset, faults, journal, inspection).
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

/** The repository root (tests/node/../..). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

/** Path of the emulator binary: DESCOPE_EMULATOR_BIN, else the debug build in CARGO_TARGET_DIR
 * (relative to the current directory, as cargo reads it), else in the repository's target/. */
export const EMULATOR_BIN =
  process.env.DESCOPE_EMULATOR_BIN ||
  path.join(path.resolve(process.env.CARGO_TARGET_DIR || path.join(REPO_ROOT, 'target')), 'debug', 'descope-emulator')

/** A running emulator: its first-line info plus helpers for the /emulator/ endpoints. */
export class Emulator {
  /** @param {import('node:child_process').ChildProcess} child @param {object} info */
  constructor(child, info) {
    this.child = child
    this.info = info
    this.url = info.url
    this.projectId = info.projectId
    this.managementKey = info.managementKey
  }

  /** Starts an emulator and waits for its first stdout line. */
  static async start() {
    if (!existsSync(EMULATOR_BIN)) {
      throw new Error(`${EMULATOR_BIN} is missing: run cargo build -p descope-mgmt-emulator`)
    }
    const child = spawn(EMULATOR_BIN, ['--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] })
    const lines = createInterface({ input: child.stdout })
    const first = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('emulator did not start within 30 s')), 30_000)
      lines.once('line', (line) => {
        clearTimeout(timer)
        resolve(line)
      })
      child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)))
    })
    // Keep draining stdout so the emulator never blocks on a full pipe.
    lines.on('line', () => {})
    return new Emulator(child, JSON.parse(first))
  }

  /** Stops the emulator. */
  async stop() {
    if (this.child.exitCode !== null) return
    const exited = new Promise((resolve) => this.child.once('exit', resolve))
    this.child.kill('SIGTERM')
    await exited
  }

  /** Client options for this emulator, with overrides. */
  options(overrides = {}) {
    return { projectId: this.projectId, managementKey: this.managementKey, baseUrl: this.url, ...overrides }
  }

  async #request(method, route, body) {
    const res = await fetch(this.url + route, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    // Status plus a capped excerpt of the body only, so a thrown error never carries a whole response.
    if (!res.ok) throw new Error(`${method} ${route}: HTTP ${res.status} ${text.slice(0, 200)}`)
    return text ? JSON.parse(text) : null
  }

  /** Restores the seed state and clears faults and the journal. */
  reset() {
    return this.#request('POST', '/emulator/reset', {})
  }

  /** Queues one-shot faults (objects as in emulator/README.md). */
  faults(faults) {
    return this.#request('POST', '/emulator/faults', faults)
  }

  /** Number of journaled requests with this method and path. */
  async requestCount(method, route) {
    const q = new URLSearchParams({ method, path: route })
    return (await this.#request('GET', `/emulator/journal?${q}`)).count
  }

  /** Journaled requests, oldest first. */
  async journal() {
    return (await this.#request('GET', '/emulator/journal')).requests
  }

  /** The seed in use (with initial secrets). */
  seed() {
    return this.#request('GET', '/emulator/seed')
  }

  /** Whether `secret` is the current secret of key `id`. */
  async verify(id, secret) {
    return (await this.#request('POST', '/emulator/accesskeys/verify', { id, secret })).valid
  }

  /** Access keys with their current secret and rotation count. */
  async accessKeys() {
    return (await this.#request('GET', '/emulator/accesskeys')).accessKeys
  }

  /** Stored outbound tokens. */
  async tokens() {
    return (await this.#request('GET', '/emulator/outbound/tokens')).tokens
  }

  /** `{ templates, created }`. */
  templates() {
    return this.#request('GET', '/emulator/templates')
  }
}
