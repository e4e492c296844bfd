'use strict'
/**
 * Node.js worker of the benchmark harness: drives `descope-mgmt` or `@descope/node-sdk`.
 *
 * Run by bench/harness.py. The server and credentials come from BENCH_URL,
 * BENCH_PROJECT_ID, BENCH_MANAGEMENT_KEY and BENCH_KEY_ID; both packages are loaded from
 * BENCH_NODE_MODULES (bench/.tmp/node/node_modules).
 *
 *   node node_worker.js serve CLIENT          CLIENT: mgmt | sdk
 *   node node_worker.js batch CLIENT COUNT    after a one-token warm-up upload, one upload of
 *                                              COUNT tokens (calls of at most 100,000), in this
 *                                              fresh process; CLIENT may also be `floor`:
 *                                              JSON.stringify + node:http
 *   node node_worker.js construct CLIENT COUNT median client construction time, then the time
 *                                              of the first rotate in the process, of the first
 *                                              on a second new client, and of the next one on it
 *
 * `serve` builds one client, then answers JSON commands read from stdin, one a line:
 * {"op":"run","seconds":2,"concurrency":64} runs `concurrency` promise chains that rotate the
 * key until `seconds` have passed and answers {"calls","errors","firstError","elapsed","p50Ms","p99Ms"};
 * {"op":"quit"} exits.
 */

const path = require('node:path')
const readline = require('node:readline')

const URL = process.env.BENCH_URL
const PROJECT_ID = process.env.BENCH_PROJECT_ID
const MANAGEMENT_KEY = process.env.BENCH_MANAGEMENT_KEY
const KEY_ID = process.env.BENCH_KEY_ID || 'K2active2'
const MODULES = process.env.BENCH_NODE_MODULES
const MAX_ERRORS = 100

/** Loads a package from the bench's node_modules. */
function load(name) {
  return require(path.join(MODULES, name))
}

/** A client of `kind` (mgmt | sdk) and its rotate and batch calls, all returning promises. */
function makeClient(kind) {
  if (kind === 'mgmt') {
    const { Client } = load('descope-mgmt')
    const c = new Client({ projectId: PROJECT_ID, managementKey: MANAGEMENT_KEY, baseUrl: URL })
    return {
      client: c,
      rotate: (id) => c.rotateAccessKey(id),
      batch: (tokens) => c.batchUploadTenantTokens(tokens),
    }
  }
  const sdk = load('@descope/node-sdk')
  const DescopeClient = sdk.default || sdk
  const c = DescopeClient({ projectId: PROJECT_ID, managementKey: MANAGEMENT_KEY, baseUrl: URL })
  const unwrap = (res) => {
    if (!res.ok) throw new Error(`SDK call failed: ${res.code} ${JSON.stringify(res.error)}`)
    return res.data
  }
  return {
    client: c,
    rotate: async (id) => {
      const data = unwrap(await c.management.accessKey.rotate(id))
      if (!data || !data.cleartext) throw new Error('rotate answered without a cleartext')
      return data
    },
    batch: async (tokens) => {
      const data = unwrap(await c.management.outboundApplication.batchUploadTenantTokens(tokens))
      if (data && data.failures && data.failures.length) throw new Error('batch rejected')
      return data
    },
  }
}

/** Nearest-rank quantile `q` of sorted `values`, 0 when empty. */
function percentile(sorted, q) {
  if (sorted.length === 0) return 0
  const rank = Math.min(Math.max(Math.ceil(q * sorted.length), 1), sorted.length)
  return sorted[rank - 1]
}

const nowMs = () => Number(process.hrtime.bigint()) / 1e6

/** `concurrency` chains of awaited rotates sharing one client, until `seconds` pass. */
async function run(rotate, seconds, concurrency) {
  const latencies = []
  let errors = 0
  let firstError = null
  const start = nowMs()
  const end = start + seconds * 1000
  async function chain() {
    while (nowMs() < end && errors < MAX_ERRORS) {
      const t = nowMs()
      try {
        await rotate(KEY_ID)
        latencies.push(nowMs() - t)
      } catch (e) {
        errors += 1
        if (firstError === null) firstError = String((e && (e.stack || e.message)) || e).slice(0, 300)
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, chain))
  const elapsed = (nowMs() - start) / 1000
  latencies.sort((a, b) => a - b)
  return {
    calls: latencies.length,
    errors,
    firstError,
    elapsed,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
  }
}

async function serve(kind) {
  const { rotate } = makeClient(kind)
  const rl = readline.createInterface({ input: process.stdin, terminal: false })
  for await (const line of rl) {
    if (!line.trim()) continue
    const cmd = JSON.parse(line)
    if (cmd.op === 'quit') break
    let reply
    if (cmd.op === 'run') {
      reply = await run(rotate, Number(cmd.seconds || 1), Math.max(1, Number(cmd.concurrency || 1)))
    } else {
      reply = { error: `unknown op ${cmd.op}` }
    }
    process.stdout.write(JSON.stringify(reply) + '\n')
  }
  rl.close()
  process.exit(0)
}

/** The same token list every worker uploads (wire camelCase objects). */
function tokens(count) {
  const out = new Array(count)
  for (let i = 0; i < count; i++) {
    const n = String(i).padStart(6, '0')
    out[i] = {
      appId: i % 2 === 0 ? 'google-drive' : 'slack',
      tenantId: `T2bench${n}`,
      refreshToken: `rt-bench-${n}-0123456789abcdef`,
      accessToken: `at-bench-${n}-0123456789abcdef0123456789abcdef`,
      accessTokenExpiry: 1767225600,
      accessTokenType: 'Bearer',
      scopes: ['https://www.googleapis.com/auth/drive.readonly'],
    }
  }
  return out
}

const CHUNK = 100000 // the most tokens one call takes (the core's MAX_BATCH_TOKENS)

/** JSON.stringify + node:http on one keep-alive connection: the plain-Node floor. */
function floorUpload() {
  const http = require('node:http')
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  const url = new globalThis.URL(URL)
  return (items) =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify({ tokens: items })
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: '/v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            authorization: `Bearer ${PROJECT_ID}:${MANAGEMENT_KEY}`,
          },
        },
        (res) => {
          const parts = []
          res.on('data', (d) => parts.push(d))
          res.on('end', () => {
            const data = JSON.parse(Buffer.concat(parts).toString())
            if (res.statusCode !== 200 || (data.failures && data.failures.length)) reject(new Error(`floor upload failed: ${res.statusCode}`))
            else resolve()
          })
        },
      )
      req.on('error', reject)
      req.end(body)
    })
}

async function batch(kind, count) {
  const upload = kind === 'floor' ? floorUpload() : makeClient(kind).batch
  // Warm up (connection, license handshake, lazy set-up) so the timed call is the upload.
  await upload([{ appId: 'google-drive', tenantId: 'T2benchwarmup', accessToken: 'at-warm-up' }])
  const items = tokens(count)
  const chunks = []
  for (let i = 0; i < count; i += CHUNK) chunks.push(items.slice(i, i + CHUNK))
  const before = Math.round(process.memoryUsage().rss / 1024)
  const cpu = process.cpuUsage() // user + system of the whole process (every thread)
  const t = nowMs()
  for (const chunk of chunks) await upload(chunk)
  const wallMs = nowMs() - t
  const used = process.cpuUsage(cpu)
  const cpuMs = (used.user + used.system) / 1000
  const maxRssKb = process.resourceUsage().maxRSS // kB
  process.stdout.write(JSON.stringify({ count, wallMs, cpuMs, maxRssKb, rssBeforeKb: before }) + '\n')
  process.exit(0)
}

async function construct(kind, count) {
  makeClient(kind) // load the package once: require time is measured elsewhere
  const times = []
  for (let i = 0; i < Math.max(count, 1); i++) {
    const t = nowMs()
    makeClient(kind)
    times.push(nowMs() - t)
  }
  const firstMs = times[0]
  times.sort((a, b) => a - b)
  const timed = async (c) => {
    const t = nowMs()
    await c.rotate(KEY_ID)
    return nowMs() - t
  }
  const firstCallMs = await timed(makeClient(kind))
  const c = makeClient(kind)
  const newClientFirstCallMs = await timed(c)
  const warmCallMs = await timed(c)
  const out = { count: times.length, medianMs: percentile(times, 0.5), firstMs, firstCallMs, newClientFirstCallMs, warmCallMs }
  process.stdout.write(JSON.stringify(out) + '\n')
  // The SDK fires a license request per client: let them land before exiting.
  setTimeout(() => process.exit(0), 200)
}

const [op, kind, count] = process.argv.slice(2)
const fail = (e) => {
  process.stderr.write(`node_worker: ${(e && e.stack) || e}\n`)
  process.exit(1)
}
if (op === 'serve' && (kind === 'mgmt' || kind === 'sdk')) serve(kind).catch(fail)
else if (op === 'batch' && (kind === 'mgmt' || kind === 'sdk' || kind === 'floor')) batch(kind, Number(count)).catch(fail)
else if (op === 'construct' && (kind === 'mgmt' || kind === 'sdk')) construct(kind, Number(count)).catch(fail)
else fail('usage: node_worker.js serve|batch|construct mgmt|sdk [COUNT]')
