// The per-client connection limit (`maxConnections`): load queues instead of failing with
// EMFILE, the option is validated, and a client never runs more requests at once than it
// allows.
import { test, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { spawnSync } from 'node:child_process'
import { pathToFileURL } from 'node:url'
import path from 'node:path'

import { Client, DescopeError } from '../../bindings-node/index.mjs'
import { Emulator, REPO_ROOT } from './emulator.mjs'

const INDEX_MJS = pathToFileURL(path.join(REPO_ROOT, 'bindings-node', 'index.mjs')).href
const ROTATE = '/v1/mgmt/accesskey/rotate'

/** @type {Emulator} */
let emu
before(async () => {
  emu = await Emulator.start()
})
after(() => emu?.stop())
beforeEach(() => emu.reset())

test('5,000 concurrent calls on one client succeed under a 512 file descriptor limit', async () => {
  // A child process with `ulimit -n 512`: without a connection limit each call opens its
  // own socket and the calls fail with EMFILE. The key reaches the child by environment.
  const script = `
    import { Client } from ${JSON.stringify(INDEX_MJS)}
    const client = new Client({ baseUrl: process.env.EMU_URL, maxConnections: 32 })
    const N = 2500
    const calls = []
    for (let i = 0; i < N; i++) {
      calls.push(client.rotateAccessKey('K2active2'))
      calls.push(client.batchUploadTenantTokens([{ appId: 'slack', tenantId: 'T2load' + i, accessToken: 'tok-' + i }]))
    }
    const settled = await Promise.allSettled(calls)
    const codes = {}
    for (const s of settled) {
      const code = s.status === 'fulfilled' ? 'ok' : String(s.reason?.code ?? s.reason?.constructor?.name)
      codes[code] = (codes[code] ?? 0) + 1
    }
    process.stdout.write(JSON.stringify(codes))
  `
  const child = spawnSync('bash', ['-c', 'ulimit -n 512 && exec "$0" --input-type=module -e "$1"', process.execPath, script], {
    encoding: 'utf8',
    timeout: 180_000,
    env: {
      ...process.env,
      EMU_URL: emu.url,
      DESCOPE_PROJECT_ID: emu.projectId,
      DESCOPE_MANAGEMENT_KEY: emu.managementKey,
    },
  })
  assert.ok(
    child.status === 0 && child.signal === null,
    `the child ended with status ${child.status}, signal ${child.signal}: ${child.stderr.slice(-600)}`,
  )
  assert.deepEqual(JSON.parse(child.stdout), { ok: 5000 })
  assert.equal(await emu.requestCount('POST', ROTATE), 2500)
  assert.equal((await emu.tokens()).length, 2500)
})

test('maxConnections is validated: 1 to 4096, a whole number', () => {
  const base = emu.options()
  for (const maxConnections of [0, -1, 1.5, Number.NaN, 4097, Infinity, 1e30]) {
    let err
    try {
      new Client({ ...base, maxConnections })
    } catch (e) {
      err = e
    }
    assert.ok(err instanceof DescopeError, `${maxConnections}: ${err}`)
    assert.equal(err.code, 'CONFIG', String(maxConnections))
    assert.match(err.message, /maxConnections|max_connections/)
  }
  for (const maxConnections of ['8', 8n, {}]) {
    assert.throws(() => new Client({ ...base, maxConnections }), /^TypeError: options\.maxConnections must be a number/)
  }
  for (const maxConnections of [1, 4096, undefined, null]) {
    assert.equal(new Client({ ...base, maxConnections }).baseUrl, emu.url)
  }
})

test('a client never runs more requests at once than maxConnections', async () => {
  // A local server that answers rotations after a short delay and records how many
  // requests and sockets were open at once.
  let active = 0
  let peakActive = 0
  let sockets = 0
  let peakSockets = 0
  const server = http.createServer((req, res) => {
    req.resume()
    if (req.url === '/v1/mgmt/license') {
      res.writeHead(404).end()
      return
    }
    active++
    peakActive = Math.max(peakActive, active)
    setTimeout(() => {
      active--
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ key: { id: 'K2limit', name: 'limit' }, cleartext: 'K2limitNewSecret' }))
    }, 20)
  })
  server.on('connection', (socket) => {
    sockets++
    peakSockets = Math.max(peakSockets, sockets)
    socket.on('close', () => sockets--)
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const client = new Client({
      projectId: 'P2limit',
      managementKey: 'K2limitKeyValue',
      baseUrl: `http://127.0.0.1:${server.address().port}`,
      maxConnections: 4,
    })
    const rotated = await Promise.all(Array.from({ length: 200 }, () => client.rotateAccessKey('K2limit')))
    assert.equal(rotated.length, 200)
    assert.ok(peakActive <= 4, `${peakActive} requests ran at once, more than maxConnections (4)`)
    assert.ok(peakActive >= 2, `only ${peakActive} request(s) ran at once: the calls did not overlap`)
    // Sockets stay bounded too. Not exactly by the limit: a request's slot is freed when
    // its answer is read, a moment before its connection is back in the pool, so the next
    // request may open a new one meanwhile (and the license lookup may use one more).
    assert.ok(peakSockets <= 2 * 4 + 1, `${peakSockets} sockets were open at once`)
  } finally {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})
