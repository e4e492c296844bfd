'use strict'
/**
 * descope-mgmt: the Node.js binding of a Rust client for the Descope Management API.
 *
 * This file is the CommonJS entry point (index.mjs re-exports it for ESM). It is a thin
 * layer over the napi-rs native addon (prebuilt per platform, see loadAddon): it defines
 * `DescopeError` and registers it with the addon, which creates every error itself
 * (`DescopeError` and `TypeError` instances, src/errors.rs), and masks secrets in
 * `util.inspect`. Loading it does no work beyond loading the addon: the runtime and
 * connections start on first call.
 */

const native = loadAddon()

/**
 * Loads the native addon: the file named by DESCOPE_MGMT_NATIVE_PATH if set, else a source
 * build (`descope-mgmt.node` next to this file, written by `npm run build` in a checkout) if
 * present, else the prebuilt addon of this platform's package (`descope-mgmt-linux-x64-gnu`,
 * ...; see scripts/platform.js). Nothing is built or downloaded at install time: a missing or
 * damaged addon is an error here that says exactly what to run.
 */
function loadAddon() {
  const platform = require('./scripts/platform.js')
  const fs = require('node:fs')
  const override = process.env[platform.NATIVE_PATH_ENV]
  let file
  let repair
  if (override) {
    file = override
    repair = `Point ${platform.NATIVE_PATH_ENV} at a working addon, or unset it.`
  } else if (fs.existsSync(platform.LOCAL_ADDON)) {
    file = platform.LOCAL_ADDON
    repair = platform.IS_CHECKOUT
      ? `Rebuild it: ${platform.BUILD_COMMAND}`
      : `Delete ${platform.LOCAL_ADDON} to use the prebuilt addon instead.`
  } else {
    file = platform.prebuiltAddonPath()
    if (!file) throw new Error(platform.missingAddonMessage())
    repair = platform.reinstallMessage(file)
  }
  try {
    return require(file)
  } catch (err) {
    const reason = err && err.message ? String(err.message).split('\n')[0] : String(err)
    const checksum = platform.checksumProblem(file)
    throw new Error(
      `descope-mgmt: cannot load the native addon ${file} (${reason}${checksum ? `; ${checksum}` : ''}). ${repair}`,
      { cause: err },
    )
  }
}

/** `util.inspect.custom`, without loading `node:util`. */
const INSPECT = Symbol.for('nodejs.util.inspect.custom')

/** Every error code, as `ErrorCode.RATE_LIMITED === 'RATE_LIMITED'` (from the core's list). */
const ErrorCode = Object.freeze(Object.fromEntries(native.errorCodes().map((c) => [c, c])))

/**
 * The error of every failed call (and of `new Client()` with a bad or missing setting).
 * Switch on `code`; the other attributes are `null` (or `[]`) when they do not apply.
 *
 * The addon creates the instances (src/errors.rs): it is handed this class below and calls
 * `new DescopeError(fields)` on the JavaScript thread.
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
native.setErrorClass(DescopeError)

/**
 * A call's rejection is created by the addon when the promise settles, where no JavaScript
 * frame is on the stack: its stack is taken again here, in the caller's async context, so
 * it shows the caller. Anything else is rethrown as it is.
 */
function withCallerStack(err) {
  if (err instanceof DescopeError && Error.captureStackTrace) Error.captureStackTrace(err, withCallerStack)
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
  /** Where log records go: the `logger` option, else `console`. */
  #logger
  /** The `onRequest`, `onResponse` and `onRetry` options (`null` when none is set). */
  #hooks

  /** @param {import('./index').ClientOptions} [options] */
  constructor(options) {
    if (options instanceof ViewSeed) {
      this.#native = options.native
      this.#logger = options.logger
      this.#hooks = options.hooks
      return
    }
    const { logger, hooks, native: nativeOptions } = splitJsOptions(options)
    const hookEvents = hooks ? HOOKS.filter(([name]) => hooks[name]).map(([, event]) => event) : null
    try {
      this.#native = new native.Client(nativeOptions, hookEvents)
    } catch (err) {
      throw withCallerStack(err)
    }
    this.#logger = logger ?? console
    this.#hooks = hooks
  }

  /**
   * The addon's client for one call: with the active OpenTelemetry context, when
   * `@opentelemetry/api` is installed and a span is active (see `activeTraceContext`).
   */
  #forCall() {
    const trace = activeTraceContext()
    return trace ? this.#native.withTraceContext(trace.traceparent, trace.tracestate) : this.#native
  }

  /**
   * Runs the hooks on the events of finished calls, then hands the log records to the
   * logger, in order, on this thread. A hook that throws is logged (`event=hook_failed`, a
   * warning) and ignored; a logger that throws is ignored: neither changes a call's outcome.
   */
  #flushLogs() {
    if (this.#hooks) {
      for (const { hook, event, failedLine, failedFields } of this.#native.drainEvents()) {
        try {
          this.#hooks[hook](Object.freeze(event))
        } catch {
          try {
            this.#logger.warn(failedLine, failedFields)
          } catch {
            // A broken logger must not turn a result into an error.
          }
        }
      }
    }
    for (const { level, line, fields } of this.#native.drainLogs()) {
      try {
        this.#logger[level](line, fields)
      } catch {
        // A broken logger must not turn a result into an error.
      }
    }
  }

  /**
   * A view of this client whose calls use these settings over the client's, sharing its
   * connection pool and logger; cheap to make for one call. `externalRequestId` is sent as
   * `x-external-rid` on every call through the view instead of a fresh random id.
   * @param {import('./index').CallOptions} [options]
   * @returns {Client}
   */
  withOptions(options) {
    try {
      return new Client(new ViewSeed(this.#native.withOptions(options), this.#logger, this.#hooks))
    } catch (err) {
      throw withCallerStack(err)
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
   * Rotates an access key and resolves with its new secret (shown once). `options.signal`
   * aborts it (rejecting with `signal.reason`) only while nothing can have been sent; once
   * the rotate may have been sent it finishes and settles with its own outcome.
   * @param {string} id
   * @param {import('./index').RequestOptions} [options]
   * @returns {Promise<RotatedAccessKey>}
   */
  async rotateAccessKey(id, options) {
    try {
      const signal = requestSignal(options)
      return new RotatedAccessKey(
        CONSTRUCT,
        await abortable(signal, (gate) => this.#forCall().rotateAccessKey(id, gate)),
      )
    } catch (err) {
      throw withCallerStack(err)
    } finally {
      this.#flushLogs()
    }
  }

  /**
   * Uploads tenant OAuth tokens, all or nothing. Safe to repeat: `options.signal` aborts it
   * at any time, rejecting with `signal.reason` (the batch may or may not have been stored).
   * @param {Array<import('./index').TenantToken>} tokens
   * @param {import('./index').RequestOptions} [options]
   * @returns {Promise<void>}
   */
  async batchUploadTenantTokens(tokens, options) {
    try {
      const signal = requestSignal(options)
      // V8's JSON serializer plus one parse in Rust is far cheaper than reading the array
      // property by property through napi; anything but plain JSON data takes the
      // property-by-property path, whose errors (TypeError naming item and field) it keeps.
      const json = isJsonTokenArray(tokens) ? JSON.stringify(tokens) : null
      const client = this.#forCall()
      await abortable(signal, (gate) =>
        json === null
          ? client.batchUploadTenantTokens(tokens, gate)
          : client.batchUploadTenantTokensJson(json, tokens, gate),
      )
    } catch (err) {
      throw withCallerStack(err)
    } finally {
      this.#flushLogs()
    }
  }

  /**
   * Uploads any number of tenant OAuth tokens in chunks of `chunkSize` (1 to 100,000,
   * default 1,000). `tokens` is an array, an iterable or an async iterable; it is collected,
   * then every token is checked (and every chunk's body written) before the first request,
   * so nothing is sent if any is bad. Chunks are sent in order, each all or nothing and
   * safe to resend; `onProgress(progress)` is called after each committed chunk (a throw
   * from it stops the upload and rejects with that error). A failing chunk rejects with its
   * `DescopeError`, which also carries `committed`, `failedChunk`, `failedRange` and
   * `failureIndexes`. `options.signal` (already aborted: rejects with `signal.reason`) stops
   * the upload before the next chunk and abandons the chunk in flight, rejecting with an
   * `AbortError` `DOMException` that says what was committed (see `uploadAborted`).
   * @param {Iterable<import('./index').TenantToken> | AsyncIterable<import('./index').TenantToken>} tokens
   * @param {import('./index').UploadOptions} [options]
   * @returns {Promise<import('./index').UploadProgress>}
   */
  async uploadTenantTokens(tokens, options) {
    try {
      const { chunkSize, onProgress, signal } = uploadOptions(options)
      const list = await collectTokens(tokens)
      const json = isJsonTokenArray(list, Infinity) ? JSON.stringify(list) : null
      const client = this.#forCall()
      const chunks = client.prepareTenantTokenChunks(json, list, chunkSize)
      const total = Math.ceil(list.length / chunkSize)
      let progress = { tokensDone: 0, tokensTotal: list.length, chunksDone: 0, chunksTotal: total }
      for (let i = 0; i < total; i++) {
        if (signal?.aborted) throw uploadAborted(signal, list, i, chunkSize, progress, false)
        try {
          progress = await abortable(
            signal,
            (gate) => client.uploadTenantTokenChunk(chunks, i, gate),
            () => uploadAborted(signal, list, i, chunkSize, progress, true),
          )
        } catch (err) {
          throw chunkFailed(err, list, i, chunkSize, progress)
        }
        if (onProgress) onProgress(progress)
      }
      return progress
    } catch (err) {
      throw withCallerStack(err)
    } finally {
      this.#flushLogs()
    }
  }

  /**
   * Creates a dynamic client registration template. `options.signal` aborts it (rejecting
   * with `signal.reason`) only while nothing can have been sent; once the create may have
   * been sent it finishes and settles with its own outcome.
   * @param {import('./index').NewDcrTemplate} template
   * @param {import('./index').RequestOptions} [options]
   * @returns {Promise<import('./index').DcrTemplate>}
   */
  async createDcrTemplate(template, options) {
    try {
      const signal = requestSignal(options)
      const { template: created, meta } = await abortable(signal, (gate) =>
        this.#forCall().createDcrTemplate(template, gate),
      )
      return withMeta(created, meta)
    } catch (err) {
      throw withCallerStack(err)
    } finally {
      this.#flushLogs()
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

  /** How the call went: `{ requestId, externalRequestId, status, attempts, elapsedMs }`. */
  get meta() {
    return Object.freeze(native.rotatedAccessKeyMeta(this.#native))
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

/**
 * The options of `uploadTenantTokens`, with their defaults; wrong types are a `TypeError`,
 * and an already aborted `signal` throws its reason.
 */
function uploadOptions(options) {
  if (options === undefined || options === null) return { chunkSize: 1000, onProgress: null, signal: null }
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError('options must be an object such as { chunkSize, onProgress, signal }')
  }
  const { chunkSize = 1000, onProgress = null } = options
  for (const k of Object.keys(options)) {
    if (k !== 'chunkSize' && k !== 'onProgress' && k !== 'signal') {
      throw new TypeError('options: unknown option, expected chunkSize, onProgress or signal')
    }
  }
  if (typeof chunkSize !== 'number') throw new TypeError(`options.chunkSize must be a number, not ${typeof chunkSize}`)
  if (onProgress !== null && typeof onProgress !== 'function') {
    throw new TypeError(`options.onProgress must be a function, not ${typeof onProgress}`)
  }
  return { chunkSize, onProgress, signal: checkedSignal(options.signal) }
}

/**
 * The `signal` of a call's last argument `{ signal }` (or `null`); wrong types are a
 * `TypeError`, and an already aborted signal throws its reason (`signal.throwIfAborted()`,
 * as `fetch` does), all before anything is sent.
 */
function requestSignal(options) {
  if (options === undefined || options === null) return null
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError('options must be an object such as { signal }')
  }
  for (const k of Object.keys(options)) {
    if (k !== 'signal') throw new TypeError('options: unknown option, expected signal')
  }
  return checkedSignal(options.signal)
}

/** `signal` if it is an `AbortSignal` that is not aborted, `null` if unset; else throws. */
function checkedSignal(signal) {
  if (signal === undefined || signal === null) return null
  if (!(signal instanceof AbortSignal)) {
    throw new TypeError(`options.signal must be an AbortSignal, not ${typeof signal === 'object' ? 'another object' : typeof signal}`)
  }
  signal.throwIfAborted()
  return signal
}

/**
 * Runs `start(gate)`, a native call given its abort gate (`null` without a signal), and
 * settles with its outcome, unless `signal` aborts it: the addon then decides atomically
 * with the send (src/abort.rs) whether the call can still be abandoned (nothing of a rotate
 * or create can have been sent yet, or a batch upload at any time). If so this rejects at
 * once with `aborted()` (default `signal.reason`, as `fetch` does) and nothing more is
 * sent; if not, the call goes on and this settles with its own outcome. The call stops
 * watching the signal when it settles (see `watch`).
 */
function abortable(signal, start, aborted = () => signal.reason) {
  if (!signal) return start(null)
  const gate = native.newAbortGate()
  const pending = start(gate)
  return new Promise((resolve, reject) => {
    const unwatch = watch(signal, () => {
      if (native.abortCall(gate)) reject(aborted())
    })
    // Once aborted, the addon's promise rejects too: `reject` then changes nothing.
    pending.then(resolve, reject).finally(unwatch)
  })
}

/** Per signal, its one `abort` listener and the calls it aborts (`{ listener, calls }`). */
const watched = new WeakMap()

/**
 * Calls `onAbort` when `signal` aborts; returns the function that stops watching. A signal
 * has one listener however many calls share it (no `MaxListenersExceededWarning`), removed
 * once none is left: a long-lived signal reused for any number of calls keeps none.
 */
function watch(signal, onAbort) {
  let entry = watched.get(signal)
  if (!entry) {
    const calls = new Set()
    const listener = () => {
      watched.delete(signal)
      for (const call of calls) call()
    }
    entry = { listener, calls }
    watched.set(signal, entry)
    signal.addEventListener('abort', listener, { once: true })
  }
  entry.calls.add(onAbort)
  return () => {
    entry.calls.delete(onAbort)
    if (entry.calls.size === 0 && watched.get(signal) === entry) {
      watched.delete(signal)
      signal.removeEventListener('abort', entry.listener)
    }
  }
}

/**
 * The rejection of an upload aborted before chunk `i` was sent, or while it was in flight
 * (`inFlight`: it may or may not have been committed; resending it is safe): an
 * `AbortError` `DOMException` whose message says what was committed, carrying `committed`,
 * `failedChunk` and `failedRange` like a failed chunk's error, and the signal's reason as
 * its `cause`.
 */
function uploadAborted(signal, list, i, chunkSize, committed, inFlight) {
  const start = i * chunkSize
  const end = Math.min(start + chunkSize, list.length)
  const chunk = inFlight ? 'which was in flight and may or may not have been committed' : 'which was not sent'
  const err = new DOMException(
    `upload aborted at chunk ${i + 1} of ${committed.chunksTotal} (tokens[${start}..${end}]), ${chunk}; ` +
      `${committed.tokensDone} token(s) in ${committed.chunksDone} chunk(s) before it were committed; ` +
      'resending that chunk and the ones after it is safe',
    'AbortError',
  )
  Object.defineProperty(err, 'cause', { value: signal.reason, writable: true, configurable: true })
  err.committed = committed
  err.failedChunk = i
  err.failedRange = [start, end]
  return err
}

/** `value` with `meta` as a frozen, non-enumerable property (never in its JSON). */
function withMeta(value, meta) {
  Object.defineProperty(value, 'meta', { value: Object.freeze(meta), enumerable: false })
  return value
}

/** What `withOptions` hands the constructor: a view's addon client, logger and hooks. */
class ViewSeed {
  constructor(native, logger, hooks) {
    this.native = native
    this.logger = logger
    this.hooks = hooks
  }
}

/** The hook options and the core events they receive. */
const HOOKS = [
  ['onRequest', 'request'],
  ['onResponse', 'response'],
  ['onRetry', 'retry'],
]

/**
 * Takes the options only JavaScript holds out of the client options (the addon knows only
 * its own): `logger`, an object with `debug`, `info`, `warn` and `error` methods, like
 * `console` or pino; and the hooks `onRequest`, `onResponse` and `onRetry`, functions.
 */
function splitJsOptions(options) {
  const jsNames = ['logger', ...HOOKS.map(([name]) => name)]
  if (options === null || typeof options !== 'object' || !jsNames.some((n) => Object.hasOwn(options, n))) {
    return { logger: undefined, hooks: null, native: options }
  }
  const { logger, onRequest, onResponse, onRetry, ...rest } = options
  if (logger !== undefined && logger !== null) {
    for (const level of ['debug', 'info', 'warn', 'error']) {
      if (typeof logger[level] !== 'function') {
        throw new TypeError(`options.logger must have debug, info, warn and error methods (no ${level})`)
      }
    }
  }
  const hooks = { onRequest, onResponse, onRetry }
  for (const [name] of HOOKS) {
    const f = hooks[name]
    if (f !== undefined && f !== null && typeof f !== 'function') {
      throw new TypeError(`options.${name} must be a function taking a CallEvent, not ${typeof f}`)
    }
    if (typeof f !== 'function') hooks[name] = null
  }
  const anyHook = HOOKS.some(([name]) => hooks[name])
  return { logger: logger ?? undefined, hooks: anyHook ? Object.freeze(hooks) : null, native: rest }
}

/** `@opentelemetry/api` once looked up: the module, or `null` when it is not installed. */
let otel

/**
 * The active OpenTelemetry context as W3C headers (`{ traceparent, tracestate? }`), or
 * `null`: when `@opentelemetry/api` is not installed (it is an optional peer dependency,
 * never required), when no span is active or no propagator is registered. A propagator
 * that throws never fails a call.
 */
function activeTraceContext() {
  if (otel === undefined) {
    try {
      otel = require('@opentelemetry/api')
    } catch {
      otel = null
    }
  }
  if (otel === null) return null
  try {
    const carrier = {}
    otel.propagation.inject(otel.context.active(), carrier)
    if (typeof carrier.traceparent !== 'string') return null
    return { traceparent: carrier.traceparent, tracestate: typeof carrier.tracestate === 'string' ? carrier.tracestate : null }
  } catch {
    return null
  }
}

/** The tokens of `uploadTenantTokens` as an array: an array, iterable or async iterable. */
async function collectTokens(tokens) {
  if (Array.isArray(tokens)) return tokens
  if (tokens !== null && typeof tokens === 'object') {
    if (typeof tokens[Symbol.asyncIterator] === 'function') {
      const list = []
      for await (const t of tokens) list.push(t)
      return list
    }
    if (typeof tokens[Symbol.iterator] === 'function') return Array.from(tokens)
  }
  const kind = tokens === null ? 'null' : typeof tokens
  throw new TypeError(`tokens must be an array, an iterable or an async iterable of TenantToken, not ${kind}`)
}

/**
 * The error of chunk `i` with what the upload committed before it (`committed`), the chunk's
 * number and input range (`failedChunk`, `failedRange` = [start, end)), and for
 * `BATCH_REJECTED` the input index of each failure (`failureIndexes`: the first token of the
 * chunk with the failure's app and tenant, or null).
 */
function chunkFailed(err, list, i, chunkSize, committed) {
  if (!(err instanceof DescopeError)) return err
  const start = i * chunkSize
  const end = Math.min(start + chunkSize, list.length)
  const taken = new Set()
  const field = (t, camel, snake) => (t && typeof t === 'object' ? (t[camel] ?? t[snake]) : undefined)
  err.committed = committed
  err.failedChunk = i
  err.failedRange = [start, end]
  err.failureIndexes = err.failures.map((f) => {
    for (let j = start; j < end; j++) {
      const t = list[j]
      if (!taken.has(j) && field(t, 'appId', 'app_id') === f.appId && field(t, 'tenantId', 'tenant_id') === f.tenantId) {
        taken.add(j)
        return j
      }
    }
    return null
  })
  return err
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
function isJsonTokenArray(tokens, max = 100000) {
  if (!Array.isArray(tokens) || Object.getPrototypeOf(tokens) !== Array.prototype) return false
  // Longer than a batch may be (the core's MAX_BATCH_TOKENS): the native path refuses it
  // before reading any item (`uploadTenantTokens` passes no limit: it chunks).
  if (tokens.length > max) return false
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
