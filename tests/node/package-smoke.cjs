// Loads the installed package by name with require() and makes one real call. Copied next
// to a node_modules/ by scripts/test-node.sh; needs DESCOPE_* from scripts/with-emulator.sh.
'use strict'
const assert = require('node:assert/strict')
const { Client, DescopeError, RotatedAccessKey } = require('descope-mgmt')

async function main() {
  const client = new Client()
  const rotated = await client.rotateAccessKey('K2active2')
  assert.ok(rotated instanceof RotatedAccessKey)
  assert.equal(rotated.key.id, 'K2active2')
  assert.ok(rotated.cleartext.length > 0)
  const err = await client.rotateAccessKey('').catch((e) => e)
  assert.ok(err instanceof DescopeError)
  assert.equal(err.code, 'INVALID_ARGUMENT')
  console.log(`require('descope-mgmt') from ${require.resolve('descope-mgmt')}: ok`)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
