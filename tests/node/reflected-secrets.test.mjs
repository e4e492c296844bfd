// A hostile server that reflects the request (Authorization header and body) into its error
// answers: the DescopeError never carries the management key or a token value, in any of
// the ways a program shows an error. Assertions name the leak, never print the text.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import util from 'node:util'
import { randomBytes } from 'node:crypto'

import { Client, DescopeError } from '../../bindings-node/index.mjs'

const MANAGEMENT_KEY = `K2${randomBytes(24).toString('hex')}`
const TOKENS = {
  refreshToken: `rt${randomBytes(16).toString('hex')}`,
  accessToken: `at${randomBytes(16).toString('hex')}`,
  idToken: `it${randomBytes(16).toString('hex')}`,
}

/** How the server answers: a Descope JSON error, or an HTML debug page (status 500). */
let mode = 'json'
/** Whether the server saw the key in a request (so there was something to reflect). */
let sawKey = false
/** @type {http.Server} */
let server
let baseUrl

before(async () => {
  server = http.createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const auth = String(req.headers.authorization ?? '')
      const body = Buffer.concat(chunks).toString('utf8')
      if (auth.includes(MANAGEMENT_KEY)) sawKey = true
      if (req.url === '/v1/mgmt/license') {
        res.writeHead(404).end()
        return
      }
      if (mode === 'json') {
        res.writeHead(400, { 'content-type': 'application/json' })
        res.end(
          JSON.stringify({
            errorCode: 'E011002',
            errorDescription: `Request rejected: authorization=${auth} body=${body}`,
            errorMessage: `echo: ${body} (${auth})`,
          }),
        )
      } else {
        res.writeHead(500, { 'content-type': 'text/html' })
        res.end(`<html><body><h1>Internal error</h1><pre>Authorization: ${auth}\n${body}</pre></body></html>`)
      }
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${server.address().port}`
})
after(() => new Promise((resolve) => server.close(resolve)))

/** Every way a program may show the error. */
function renderings(err) {
  return {
    message: String(err.message),
    description: String(err.description),
    serverMessage: String(err.serverMessage),
    stack: String(err.stack),
    'String()': String(err),
    'util.inspect': util.inspect(err),
    'util.inspect(showHidden)': util.inspect(err, { showHidden: true, depth: 10 }),
    'JSON.stringify': JSON.stringify(err),
    'JSON.stringify(own names)': JSON.stringify(err, Object.getOwnPropertyNames(err)),
  }
}

/** Asserts that no rendering of `err` holds the key or a token (naming only what leaked). */
function assertNoSecret(err, call) {
  assert.ok(err instanceof DescopeError, `${call}: expected a DescopeError, got ${err?.constructor?.name}`)
  const secrets = { managementKey: MANAGEMENT_KEY, ...TOKENS }
  for (const [where, text] of Object.entries(renderings(err))) {
    for (const [name, value] of Object.entries(secrets)) {
      assert.ok(!text.includes(value), `${call} (${mode}): ${where} holds the ${name}`)
    }
  }
}

for (const answer of ['json', 'html']) {
  test(`errors built from a ${answer} answer that reflects the request hold no secret`, async () => {
    mode = answer
    sawKey = false
    const client = new Client({ projectId: 'P2hostile', managementKey: MANAGEMENT_KEY, baseUrl, maxRetries: 0 })
    const calls = {
      rotateAccessKey: () => client.rotateAccessKey('K2active'),
      batchUploadTenantTokens: () => client.batchUploadTenantTokens([{ appId: 'slack', tenantId: 'T2a', ...TOKENS }]),
      createDcrTemplate: () => client.createDcrTemplate({ name: 'hostile' }),
    }
    for (const [call, run] of Object.entries(calls)) {
      const err = await run().then(
        () => assert.fail(`${call} should reject`),
        (e) => e,
      )
      assertNoSecret(err, call)
      // The server's own words are still there, minus the secrets.
      const shown = `${err.message} ${err.description} ${err.serverMessage}`
      assert.ok(answer === 'json' ? /Request rejected|echo/.test(shown) : /Internal error/.test(shown), `${call}: the server's text was dropped`)
    }
    assert.ok(sawKey, 'the server never saw the key: nothing was reflected')
  })
}
