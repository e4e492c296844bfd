// descope-mgmt demo (ES module): rotate an access key, upload two tenant OAuth tokens and
// create a dynamic client registration template. Configuration comes from the environment:
// DESCOPE_PROJECT_ID, DESCOPE_MANAGEMENT_KEY and (optionally) DESCOPE_BASE_URI.
//
//   node examples/node/demo.mjs        (scripts/demo-node.sh runs it against the emulator)
import { Client, DescopeError } from 'descope-mgmt'

const client = new Client() // nothing passed: every setting comes from the environment
console.log('client:', client) // shows the project id and base URL, never the management key

// 1. Rotate: the new secret is shown once. It is masked when printed...
const rotated = await client.rotateAccessKey('K2active')
console.log('rotated:', rotated)
// ...and readable on purpose, to store it.
const secret = rotated.cleartext
console.log(`new secret of ${rotated.key.id}: ${secret.length} characters, not printed (store it now)`)

// 2. Upload two tenants' OAuth tokens, all or nothing.
await client.batchUploadTenantTokens([
  {
    appId: 'google-drive',
    tenantId: 'T2acme',
    refreshToken: '1//demo-refresh-token',
    accessToken: 'ya29.demo-access-token',
    accessTokenExpiry: 1767225600,
    scopes: ['https://www.googleapis.com/auth/drive.readonly'],
  },
  { appId: 'slack', tenantId: 'T2globex', accessToken: 'xoxb-demo-access-token' },
])
console.log('uploaded 2 tenant tokens')

// 3. Create a dynamic client registration template (names are unique per project).
const template = await client.createDcrTemplate({
  name: `MCP agents (node ESM demo ${Date.now()})`,
  description: 'Defaults for MCP clients that register themselves',
  loginPageURL: 'https://auth.example.com/login/mcp',
  sessionSettings: {
    enabled: true,
    sessionTokenExpiration: 10,
    sessionTokenExpirationUnit: 'minutes',
    refreshTokenExpiration: 4,
    refreshTokenExpirationUnit: 'weeks',
  },
  tags: ['mcp', 'demo'],
})
console.log('created template:', template)

// Errors are DescopeErrors with a stable code.
try {
  await client.rotateAccessKey('K2doesnotexist')
} catch (err) {
  if (!(err instanceof DescopeError)) throw err
  console.log(`expected failure: ${err.message} (HTTP ${err.status}, ${err.descopeCode})`)
}
