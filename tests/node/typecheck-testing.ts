// Compiled (not run) by testing-types.test.mjs with `tsc --strict`: descope-mgmt/testing as a
// TypeScript user sees it through bindings-node/testing.d.ts.
import type { Client, RotatedAccessKey } from '../../bindings-node/index.js'
import {
  startEmulator,
  emulatorBinary,
  Emulator,
  ROTATE_ACCESS_KEY,
  BATCH_UPLOAD_TENANT_TOKENS,
  CREATE_DCR_TEMPLATE,
  EMULATOR_BIN_ENV,
  type Fault,
  type FaultAction,
  type JournalEntry,
} from '../../bindings-node/testing.js'

export async function outcomeUnknown(): Promise<void> {
  const emu: Emulator = await startEmulator({ startupTimeoutMs: 10_000 })
  const action: FaultAction = 'drop_after_apply'
  const fault: Fault = { method: 'POST', path: ROTATE_ACCESS_KEY, action, times: 1 }
  const queued: number = await emu.fault(fault)
  await emu.fault([{ path: BATCH_UPLOAD_TENANT_TOKENS, status: 429, headers: { 'retry-after': '1' }, body: '' }])
  const client: Client = emu.client({ maxRetries: 0 })
  const rotated: RotatedAccessKey | Error = await client.rotateAccessKey('K2active').catch((e: Error) => e)
  const sent: JournalEntry[] = await emu.journal({ method: 'POST', path: ROTATE_ACCESS_KEY })
  const first: string = sent[0].headers['x-external-rid'] + sent[0].body + sent[0].ts.toFixed()
  const valid: boolean = await emu.secretValid('K2active', emu.accessKeys['K2active'])
  const env: Record<string, string> = emu.env()
  const url: string = emu.baseUrl + emu.projectId + emu.managementKey + CREATE_DCR_TEMPLATE + EMULATOR_BIN_ENV
  const bin: string = emulatorBinary() + emu.binary
  await emu.reset()
  await emu.clearFaults()
  await emu.tokens({ appId: 'slack' })
  await emu.templates()
  await emu.stop()
  void [queued, rotated, first, valid, env, url, bin]
}

// @ts-expect-error: an unknown fault action
export const badAction: FaultAction = 'explode'
