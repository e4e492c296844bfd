// The proxy and CA options (proxy, noProxy, caBundle): CONFIG at construction without the
// proxy's credentials, a non-loopback call tunnels through the proxy (it sees only a
// CONNECT), loopback never does. The TLS path end to end is tested in the core.
import { test, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { Client, DescopeError } from '../../bindings-node/index.mjs'
import { Emulator } from './emulator.mjs'

const ENV_NAMES = ['HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy', 'NO_PROXY', 'no_proxy', 'DESCOPE_MGMT_CA_BUNDLE']

/** A listener on 127.0.0.1 that records each connection's request head and refuses it. */
async function recordingProxy() {
  const heads = []
  const server = net.createServer((socket) => {
    let data = ''
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1')
      if (data.includes('\r\n\r\n')) {
        heads.push(data)
        socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n')
      }
    })
    socket.on('error', () => {})
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://ci-user:hunter22-proxy@127.0.0.1:${server.address().port}`
  return { heads, url, close: () => server.close() }
}

/** @type {Emulator} */
let emu
before(async () => {
  emu = await Emulator.start()
})
after(() => emu?.stop())
beforeEach(async () => {
  for (const name of ENV_NAMES) delete process.env[name]
  await emu.reset()
})

const remote = { projectId: 'P2x', managementKey: 'K2key', baseUrl: 'https://api.descope.com' }

test('a bad proxy is a CONFIG error that never shows its credentials', () => {
  assert.throws(
    () => new Client({ ...remote, proxy: 'socks5://u:hunter22@127.0.0.1:1' }),
    (e) => e instanceof DescopeError && e.code === 'CONFIG' && /proxy is not a usable proxy URL/.test(e.message) && !String(e).includes('hunter22'),
  )
  process.env.HTTPS_PROXY = 'ftp://u:hunter22@127.0.0.1:1'
  assert.throws(
    () => new Client(remote),
    (e) => e.code === 'CONFIG' && e.message.includes('HTTPS_PROXY') && !e.message.includes('hunter22'),
  )
  // An empty proxy turns the environment's off.
  new Client({ ...remote, proxy: '' })
})

test('an unreadable CA bundle is a CONFIG error naming it', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dm-ca-'))
  const missing = path.join(dir, 'missing.pem')
  assert.throws(() => new Client({ ...remote, caBundle: missing }), (e) => e.code === 'CONFIG' && e.message.includes(missing))
  const empty = path.join(dir, 'empty.pem')
  writeFileSync(empty, 'no certificate here\n')
  process.env.DESCOPE_MGMT_CA_BUNDLE = empty
  assert.throws(() => new Client(remote), (e) => e.code === 'CONFIG' && /DESCOPE_MGMT_CA_BUNDLE.*holds no certificate/.test(e.message))
})

test('a non-loopback call goes through the proxy as a tunnel', async () => {
  const proxy = await recordingProxy()
  try {
    const client = new Client({
      projectId: emu.projectId,
      managementKey: emu.managementKey,
      baseUrl: 'https://api.mgmt-test.invalid',
      proxy: proxy.url,
      maxRetries: 0,
    })
    await assert.rejects(client.rotateAccessKey('K2active'), (e) => e.code === 'CONNECTION' && !e.message.includes('hunter22'))
    assert.ok(proxy.heads.length > 0, 'the proxy saw no connection')
    for (const head of proxy.heads) {
      assert.ok(head.startsWith('CONNECT api.mgmt-test.invalid:443 '), head)
      assert.match(head.toLowerCase(), /proxy-authorization: basic/)
      assert.ok(!head.includes(emu.managementKey))
    }
  } finally {
    proxy.close()
  }
})

test('loopback never goes through the proxy', async () => {
  const proxy = await recordingProxy()
  try {
    process.env.HTTPS_PROXY = proxy.url
    process.env.ALL_PROXY = proxy.url
    const client = new Client(emu.options({ proxy: proxy.url }))
    await client.rotateAccessKey('K2active')
    assert.deepEqual(proxy.heads, [])
  } finally {
    proxy.close()
  }
})
