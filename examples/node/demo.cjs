// descope-mgmt demo (CommonJS): the same three calls as demo.mjs, with require().
// Configuration comes from DESCOPE_PROJECT_ID, DESCOPE_MANAGEMENT_KEY and DESCOPE_BASE_URI.
//
//   node examples/node/demo.cjs        (scripts/demo-node.sh runs it against the emulator)
'use strict'
const { Client, DescopeError } = require('descope-mgmt')

async function main() {
  const client = new Client()
  console.log('client:', client)

  const rotated = await client.rotateAccessKey('K2active')
  console.log('rotated:', rotated) // cleartext masked
  console.log(`new secret of ${rotated.key.id}: ${rotated.cleartext.length} characters, not printed (store it now)`)

  await client.batchUploadTenantTokens([
    { appId: 'google-drive', tenantId: 'T2acme', refreshToken: '1//demo-refresh-token' },
    { appId: 'slack', tenantId: 'T2globex', accessToken: 'xoxb-demo-access-token', scopes: ['chat:write'] },
  ])
  console.log('uploaded 2 tenant tokens')

  const template = await client.createDcrTemplate({
    name: `MCP agents (node CommonJS demo ${Date.now()})`,
    loginPageURL: 'https://auth.example.com/login/mcp',
    skipConsentScreen: true,
    tags: ['mcp'],
  })
  console.log('created template:', template)

  try {
    await client.batchUploadTenantTokens([{ appId: 'no-such-app', tenantId: 'T2acme', accessToken: 'x' }])
  } catch (err) {
    if (!(err instanceof DescopeError)) throw err
    console.log(`expected failure: ${err.code}, failures:`, err.failures)
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
