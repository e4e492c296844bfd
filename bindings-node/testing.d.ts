/**
 * descope-mgmt/testing: the local Descope Management API emulator for your own tests.
 *
 * ```ts
 * import { startEmulator, ROTATE_ACCESS_KEY } from 'descope-mgmt/testing'
 * const emu = await startEmulator()
 * await emu.fault({ method: 'POST', path: ROTATE_ACCESS_KEY, action: 'drop_after_apply' })
 * const err = await emu.client().rotateAccessKey('K2active').catch((e) => e)
 * // err.code === 'OUTCOME_UNKNOWN', and the journal holds exactly one rotate request
 * await emu.stop()
 * ```
 */
import type { Client, ClientOptions } from './index.js'

/** Request path of `rotateAccessKey`, for `fault()` and `journal()`. */
export declare const ROTATE_ACCESS_KEY: '/v1/mgmt/accesskey/rotate'
/** Request path of `batchUploadTenantTokens`. */
export declare const BATCH_UPLOAD_TENANT_TOKENS: '/v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload'
/** Request path of `createDcrTemplate`. */
export declare const CREATE_DCR_TEMPLATE: '/v1/mgmt/resource/dynamic-registration-template/create'
/** Environment variable naming the emulator binary to run instead of the packaged one. */
export declare const EMULATOR_BIN_ENV: 'DESCOPE_EMULATOR_BIN'

/** What an injected fault does (emulator/README.md, "Faults"). */
export type FaultAction =
  /** Answer `status` (default 503) with `headers` and `body`, without handling the request. */
  | 'respond'
  /** Wait `delayMs`, then handle the request normally. */
  | 'delay'
  /** Close the connection without a response byte, without applying the request. */
  | 'drop_before_apply'
  /** Apply the request, then close the connection without a response byte. */
  | 'drop_after_apply'
  /** Apply, then answer 200 with the first half of the real JSON body. */
  | 'malformed_body'
  /** Apply, then answer 200 with a valid but ~17 MiB JSON body. */
  | 'oversized_body'

/** One fault for `Emulator.fault()`. */
export interface Fault {
  /** Exact request path (query ignored), e.g. `ROTATE_ACCESS_KEY`. */
  path: string
  /** HTTP method, case-insensitive; absent or `'*'` matches any. */
  method?: string
  /** Default `'respond'`. */
  action?: FaultAction
  /** Status of `respond` (100..=599, default 503). */
  status?: number
  /** Response headers of `respond`. */
  headers?: Record<string, string>
  /** Raw response body of `respond` (default: Descope's error body for `status`). */
  body?: string
  /** Wait before the action, in milliseconds (default 0). */
  delayMs?: number
  /** Number of requests the fault applies to (default 1). */
  times?: number
}

/** One request of the emulator's journal. */
export interface JournalEntry {
  method: string
  path: string
  query?: string
  /** Lowercase header name to value. */
  headers: Record<string, string>
  /** The raw request body. */
  body: string
  /** Epoch milliseconds. */
  ts: number
}

/** Options of `startEmulator()`. */
export interface StartEmulatorOptions {
  /** The emulator executable (default: `emulatorBinary()`). */
  binary?: string
  /** A JSON seed file (emulator/README.md, "Seed"). */
  seed?: string
  /** Default 30000. */
  startupTimeoutMs?: number
}

/** A running emulator: where it is, clients for it, fault injection and the request journal. */
export declare class Emulator {
  private constructor()
  /** The emulator's first stdout line (url, projectId, managementKey, accessKeys, ...). */
  readonly info: Record<string, unknown>
  /** The executable that runs. */
  readonly binary: string
  /** `http://127.0.0.1:PORT` */
  readonly baseUrl: string
  readonly projectId: string
  readonly managementKey: string
  /** Seeded access key ids and their secrets at the last reset (`K2active`, ...). */
  readonly accessKeys: Record<string, string>
  /** The process id of the emulator. */
  get pid(): number | undefined
  /** `DESCOPE_BASE_URI`, `DESCOPE_PROJECT_ID` and `DESCOPE_MANAGEMENT_KEY` for this emulator. */
  env(): { DESCOPE_BASE_URI: string; DESCOPE_PROJECT_ID: string; DESCOPE_MANAGEMENT_KEY: string }
  /** Client options for this emulator, with overrides. */
  options(overrides?: ClientOptions): ClientOptions
  /** A `Client` for this emulator. */
  client(overrides?: ClientOptions): Client
  /** Queues one fault (or several); resolves with the number of fault entries now queued. */
  fault(fault: Fault | Fault[]): Promise<number>
  /** Removes every queued fault. */
  clearFaults(): Promise<void>
  /** The requests received (`/emulator/*` excluded), oldest first, optionally filtered. */
  journal(filter?: { method?: string; path?: string }): Promise<JournalEntry[]>
  /** Restores the seed and clears the faults and the journal. */
  reset(): Promise<void>
  /** Whether `secret` is the current secret of access key `id`. */
  secretValid(id: string, secret: string): Promise<boolean>
  /** The tenant tokens stored so far (as uploaded), optionally filtered. */
  tokens(filter?: { appId?: string; tenantId?: string }): Promise<Array<Record<string, unknown>>>
  /** The templates created through the API since the last reset. */
  templates(): Promise<Array<Record<string, unknown>>>
  /** Stops the emulator. Safe to call twice. */
  stop(): Promise<void>
}

/**
 * The emulator executable `startEmulator()` runs: `binary` if given, else
 * `$DESCOPE_EMULATOR_BIN`, else the platform package's (or a checkout's) `descope-emulator`.
 * Throws an Error saying what to install or build when there is none.
 */
export declare function emulatorBinary(binary?: string): string

/** Starts an emulator on a free port of 127.0.0.1; resolves once it serves. Call `stop()` when done. */
export declare function startEmulator(options?: StartEmulatorOptions): Promise<Emulator>
