'use strict'
/**
 * descope-mgmt: the Node.js binding of a Rust client for the Descope Management API.
 *
 * This file is the CommonJS entry point (index.mjs re-exports it for ESM). It is a thin
 * layer over the napi-rs native addon (prebuilt per platform, see loadAddon): it rebuilds the addon's structured
 * failures as `DescopeError` / `TypeError`, and masks secrets in `util.inspect`. Loading it
 * does no work beyond loading the addon: the runtime and connections start on first call.
 */

const native = loadAddon()

/**
 * Loads the native addon: the file named by DESCOPE_MGMT_NATIVE_PATH if set, else a source
 * build (`descope-mgmt.node` next to this file) if present, else the prebuilt addon of this
 * platform's package (`descope-mgmt-linux-x64-gnu`, ...; see scripts/platform.js). A missing
 * or damaged addon gives an error saying how to repair it.
 */
function loadAddon() {
  const platform = require('./scripts/platform.js')
  const fs = require('node:fs')
  const override = process.env[platform.NATIVE_PATH_ENV]
  const file = override || (fs.existsSync(platform.LOCAL_ADDON) ? platform.LOCAL_ADDON : platform.prebuiltAddonPath())
  if (!file) {
    const pkg = platform.platformPackage()
    throw new Error(
      pkg
        ? `descope-mgmt: the prebuilt addon package ${pkg.name} is not installed (optional dependencies omitted?). ` +
            'Reinstall descope-mgmt with optional dependencies, or build from source: ' +
            'DESCOPE_MGMT_BUILD_FROM_SOURCE=1 npm rebuild descope-mgmt (needs Rust/cargo).'
        : `descope-mgmt: no prebuilt addon for ${process.platform}-${process.arch}. Build it from source: ` +
            'DESCOPE_MGMT_BUILD_FROM_SOURCE=1 npm rebuild descope-mgmt (needs Rust/cargo).',
    )
  }
  try {
    return require(file)
  } catch (err) {
    throw new Error(
      `descope-mgmt: cannot load the native addon ${file} (${err && err.message ? String(err.message).split('\n')[0] : err}). ` +
        'If the file is damaged, `npm rebuild descope-mgmt` replaces it.',
      { cause: err },
    )
  }
}

/** Prefix of a napi error reason that carries a serialized core error (src/errors.rs). */
const ERROR_PREFIX = 'descope-mgmt:error:'
/** `util.inspect.custom`, without loading `node:util`. */
const INSPECT = Symbol.for('nodejs.util.inspect.custom')
/** napi statuses raised when a JavaScript argument has the wrong type. */
const TYPE_STATUSES = new Set([
  'InvalidArg',
  'ObjectExpected',
  'StringExpected',
  'NameExpected',
  'FunctionExpected',
  'NumberExpected',
  'BooleanExpected',
  'ArrayExpected',
  'BigintExpected',
  'DateExpected',
  'ArrayBufferExpected',
  'DetachableArraybufferExpected',
])

/** Every error code, as `ErrorCode.RATE_LIMITED === 'RATE_LIMITED'` (from the core's list). */
const ErrorCode = Object.freeze(Object.fromEntries(native.errorCodes().map((c) => [c, c])))

/**
 * The error of every failed call (and of `new Client()` with a bad or missing setting).
 * Switch on `code`; the other attributes are `null` (or `[]`) when they do not apply.
 */
class DescopeError extends Error {
  /**
   * @param {object} fields `{ code, message, status, descopeCode, description, serverMessage, retryAfterMs, failures, requestId, externalRequestId }`
   */
  constructor(fields) {
    const f = fields || {}
    // "CODE: message", like the core's Display and Python's str().
    super(typeof f.message === 'string' ? `${f.code}: ${f.message}` : String(f.code))
    /** @type {string} */
    this.code = f.code
    /** @type {number | null} */
    this.status = f.status ?? null
    /** @type {string | null} Descope's own `errorCode`, e.g. "E011002" */
    this.descopeCode = f.descopeCode ?? null
    /** @type {string | null} */
    this.description = f.description ?? null
    /** @type {string | null} Descope's `errorMessage` */
    this.serverMessage = f.serverMessage ?? null
    /** @type {number | null} milliseconds */
    this.retryAfterMs = f.retryAfterMs ?? null
    /** @type {Array<{appId: string, tenantId: string, errorCode: string, reason: string}>} */
    this.failures = Array.isArray(f.failures) ? f.failures : []
    /** @type {string | null} the server's id of the last answer (`cf-ray`, else `x-request-id`) */
    this.requestId = f.requestId ?? null
    /** @type {string | null} the call's `x-external-rid`, recorded in the project's audit log */
    this.externalRequestId = f.externalRequestId ?? null
  }

  /** True when the call may already have been applied (`OUTCOME_UNKNOWN`). */
  get outcomeUnknown() {
    return this.code === 'OUTCOME_UNKNOWN'
  }
}
Object.defineProperty(DescopeError.prototype, 'name', {
  value: 'DescopeError',
  writable: true,
  configurable: true,
  enumerable: false,
})

/**
 * Turns an error thrown by the addon into what the public API promises: a `DescopeError`
 * for a core error, a `TypeError` for a wrong argument type; anything else unchanged.
 * Built here, in the caller's async context, so the stack shows the caller.
 */
function toPublicError(err) {
  const mapped = mapError(err)
  if (mapped !== err && Error.captureStackTrace) Error.captureStackTrace(mapped, toPublicError)
  return mapped
}

/** The mapping of {@link toPublicError}. */
function mapError(err) {
  if (err === null || typeof err !== 'object' || typeof err.message !== 'string') return err
  if (err.message.startsWith(ERROR_PREFIX)) {
    let fields
    try {
      fields = JSON.parse(err.message.slice(ERROR_PREFIX.length))
    } catch {
      return err
    }
    return new DescopeError(fields)
  }
  if (TYPE_STATUSES.has(err.code)) return new TypeError(err.message)
  return err
}

/**
 * A Descope Management API client. Options that are not passed fall back to
 * `DESCOPE_PROJECT_ID`, `DESCOPE_MANAGEMENT_KEY` and `DESCOPE_BASE_URI`. Construction does
 * no I/O. Calls return promises, share one connection pool, and never block the event loop.
 */
class Client {
  /** The addon's client; private, so the management key cannot be reached from here. */
  #native

  /** @param {import('./index').ClientOptions} [options] */
  constructor(options) {
    try {
      this.#native = new native.Client(options)
    } catch (err) {
      throw toPublicError(err)
    }
  }

  /** The project id in use. */
  get projectId() {
    return this.#native.projectId
  }

  /** The base URL in use. */
  get baseUrl() {
    return this.#native.baseUrl
  }

  /**
   * Rotates an access key and resolves with its new secret (shown once).
   * @param {string} id
   * @returns {Promise<RotatedAccessKey>}
   */
  async rotateAccessKey(id) {
    try {
      return new RotatedAccessKey(CONSTRUCT, await this.#native.rotateAccessKey(id))
    } catch (err) {
      throw toPublicError(err)
    }
  }

  /**
   * Uploads tenant OAuth tokens, all or nothing.
   * @param {Array<import('./index').TenantToken>} tokens
   * @returns {Promise<void>}
   */
  async batchUploadTenantTokens(tokens) {
    try {
      // V8's JSON serializer plus one parse in Rust is far cheaper than reading the array
      // property by property through napi; anything but plain JSON data takes the
      // property-by-property path, whose errors (TypeError naming item and field) it keeps.
      if (isJsonTokenArray(tokens)) {
        await this.#native.batchUploadTenantTokensJson(JSON.stringify(tokens), tokens)
      } else {
        await this.#native.batchUploadTenantTokens(tokens)
      }
    } catch (err) {
      throw toPublicError(err)
    }
  }

  /**
   * Creates a dynamic client registration template.
   * @param {import('./index').NewDcrTemplate} template
   * @returns {Promise<import('./index').DcrTemplate>}
   */
  async createDcrTemplate(template) {
    try {
      return await this.#native.createDcrTemplate(template)
    } catch (err) {
      throw toPublicError(err)
    }
  }

  /** Shows the project id and base URL, never the management key. */
  [INSPECT](depth, options, inspect) {
    const shown = { projectId: this.projectId, baseUrl: this.baseUrl }
    return `Client ${inspect ? inspect(shown, options) : JSON.stringify(shown)}`
  }
}

/** Guards the `RotatedAccessKey` constructor: only this module creates them. */
const CONSTRUCT = Symbol('RotatedAccessKey')

/**
 * What `rotateAccessKey` resolves to: the key's metadata and its new secret.
 *
 * The secret stays in native memory (zeroized when the object is garbage collected) until
 * `cleartext` is read. `console.log`, `util.inspect`, `JSON.stringify`, spreading and
 * `Object.keys` never show it.
 */
class RotatedAccessKey {
  /** The addon's opaque handle on the result (the secret stays native). */
  #native

  /** Not for use: instances come from `Client.rotateAccessKey`. */
  constructor(token, handle) {
    if (token !== CONSTRUCT) throw new TypeError('RotatedAccessKey objects are created by Client.rotateAccessKey')
    this.#native = handle
  }

  /**
   * The rotated key's metadata (wire camelCase, unknown fields kept); unchanged by the
   * rotation except for its secret. Each read returns a new plain object.
   */
  get key() {
    return native.rotatedAccessKeyKey(this.#native)
  }

  /** The new secret, shown once: store it now. The previous secret no longer works. */
  get cleartext() {
    return native.rotatedAccessKeyCleartext(this.#native)
  }

  /** The JSON form, with the secret masked: `{ key, cleartext: "[REDACTED]" }`. */
  toJSON() {
    return { key: this.key, cleartext: '[REDACTED]' }
  }

  /** A short description with the secret masked. */
  toString() {
    return `RotatedAccessKey(id=${native.rotatedAccessKeyId(this.#native)}, cleartext=[REDACTED])`
  }

  /** Shows the metadata, with the secret masked. */
  [INSPECT](depth, options, inspect) {
    const shown = { key: this.key, cleartext: '[REDACTED]' }
    return `RotatedAccessKey ${inspect ? inspect(shown, options) : JSON.stringify(shown)}`
  }
}

/** A JSON value that `JSON.stringify` writes exactly as napi would read it. */
function isJsonScalar(v) {
  return typeof v === 'string' || typeof v === 'boolean' || v === null || (typeof v === 'number' && Number.isFinite(v))
}

/**
 * Whether `tokens` is an array of plain objects whose fields are JSON scalars or arrays of
 * them: then `JSON.stringify(tokens)` carries exactly what the addon would read from the
 * array itself (no `toJSON`, inherited, function, symbol, bigint or undefined values, holes
 * or non-finite numbers, which JSON would silently change).
 */
function isJsonTokenArray(tokens) {
  if (!Array.isArray(tokens) || Object.getPrototypeOf(tokens) !== Array.prototype) return false
  // Longer than a batch may be (the core's MAX_BATCH_TOKENS): the native path refuses it
  // before reading any item.
  if (tokens.length > 100000) return false
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]
    if (t === null || typeof t !== 'object') return false
    const proto = Object.getPrototypeOf(t)
    if (proto !== Object.prototype && proto !== null) return false
    for (const k in t) {
      if (!Object.hasOwn(t, k)) return false
      const v = t[k]
      if (isJsonScalar(v)) continue
      if (!Array.isArray(v) || Object.getPrototypeOf(v) !== Array.prototype) return false
      for (let j = 0; j < v.length; j++) {
        if (!isJsonScalar(v[j])) return false
      }
    }
  }
  return true
}

module.exports = { Client, DescopeError, ErrorCode, RotatedAccessKey, errorCodes: native.errorCodes }
