// Loads the installed package by name with ESM import and makes one real call. Copied next
// to a node_modules/ by scripts/test-node.sh; needs DESCOPE_* from scripts/with-emulator.sh.
import assert from 'node:assert/strict'
import { Client, DescopeError, RotatedAccessKey } from 'descope-mgmt'
import pkg from 'descope-mgmt'

assert.equal(pkg.Client, Client)
const client = new Client()
const rotated = await client.rotateAccessKey('K2active2')
assert.ok(rotated instanceof RotatedAccessKey)
assert.equal(rotated.key.id, 'K2active2')
const err = await client.createDcrTemplate({ name: '' }).catch((e) => e)
assert.ok(err instanceof DescopeError)
assert.equal(err.code, 'INVALID_ARGUMENT')
console.log(`import 'descope-mgmt' from ${import.meta.resolve('descope-mgmt')}: ok`)
