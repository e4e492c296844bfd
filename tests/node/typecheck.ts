// Compiled (not run) by types.test.mjs with `tsc --strict`: the public API as a TypeScript
// user sees it through bindings-node/index.d.ts.
import {
  Client,
  DescopeError,
  ErrorCode,
  RotatedAccessKey,
  type AccessKey,
  type BatchFailure,
  type ClientOptions,
  type DcrTemplate,
  type NewDcrTemplate,
  type TenantToken,
} from '../../bindings-node/index.js'

export async function usesEveryCall(): Promise<void> {
  const options: ClientOptions = { projectId: 'P2x', managementKey: 'K2x', baseUrl: 'http://127.0.0.1:1', timeoutMs: 500, maxRetries: 0, maxConnections: 16 }
  const client = new Client(options)
  const fromEnv = new Client()
  const projectId: string = fromEnv.projectId + client.baseUrl

  const rotated: RotatedAccessKey = await client.rotateAccessKey('K2active')
  const key: AccessKey = rotated.key
  const secret: string = rotated.cleartext
  const masked: '[REDACTED]' = rotated.toJSON().cleartext

  const tokens: TenantToken[] = [
    { appId: 'google-drive', tenantId: 'T2acme', refreshToken: 'r', accessTokenExpiry: 1767225600, scopes: ['s'] },
    { appId: 'slack', tenantId: 'T2globex', accessToken: 'a' },
  ]
  const uploaded: void = await client.batchUploadTenantTokens(tokens)

  const body: NewDcrTemplate = {
    name: 'MCP agents',
    loginPageURL: 'https://auth.example.com/login/mcp',
    sessionSettings: { enabled: true, sessionTokenExpiration: 10, sessionTokenExpirationUnit: 'minutes' },
    tags: ['mcp'],
  }
  const template: DcrTemplate = await client.createDcrTemplate(body)
  const misspelled: NewDcrTemplate = {
    name: 'MCP agents',
    // @ts-expect-error a misspelled session setting is a type error (no index signature)
    sessionSettings: { refreshTokenExpirationX: 5 },
  }
  // @ts-expect-error a misspelled token field is a type error
  const typo: TenantToken = { appId: 'slack', tenantId: 'T2acme', accesToken: 'a' }
  const extra: unknown = template.sessionSettings?.someServerField
  const url: string = template.loginPageURL

  try {
    await client.rotateAccessKey(key.id)
  } catch (err) {
    if (err instanceof DescopeError) {
      const code: ErrorCode = err.code
      const wait: number | null = code === ErrorCode.RATE_LIMITED ? err.retryAfterMs : null
      const failures: BatchFailure[] = err.failures
      const status: number | null = err.status
      void [wait, failures, status, err.descopeCode, err.description, err.serverMessage, err.outcomeUnknown]
    }
  }
  void [projectId, secret, masked, uploaded, url, misspelled, typo, extra]
}
