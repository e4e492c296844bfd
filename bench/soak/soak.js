'use strict'
/**
 * Node.js driver of the soak benchmark (bench/soak.sh): CALLS calls on one `descope-mgmt`
 * Client, CONCURRENCY promise chains at a time, sampling this process's RSS and open file
 * descriptors (from /proc/self) every EVERY calls.
 *
 *   node soak.js CALLS EVERY CONCURRENCY   # BENCH_URL, BENCH_PROJECT_ID, BENCH_MANAGEMENT_KEY,
 *                                          # BENCH_NODE_MODULES (where descope-mgmt is)
 *
 * Nine calls in ten rotate K2active2 (must return a secret); one in ten rotates
 * K2soakMissing (must reject with NOT_FOUND). Prints one JSON line per sample,
 * {"calls","rssKb","fds","errors","elapsed"}, the last with "done": true. A full GC runs
 * before each sample when node was started with --expose-gc, so RSS shows what is kept,
 * not what the collector has not reached yet.
 */
const fs = require('node:fs')
const path = require('node:path')

const { Client } = require(path.join(process.env.BENCH_NODE_MODULES, 'descope-mgmt'))

const KEY = 'K2active2'
const MISSING = 'K2soakMissing'

function rssKb() {
  const m = /^VmRSS:\s+(\d+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))
  return m ? Number(m[1]) : 0
}

function fds() {
  return fs.readdirSync('/proc/self/fd').length
}

let errors = 0
let first = null
function bad(what) {
  errors += 1
  if (first === null) {
    first = what
    process.stderr.write(`soak(node): first unexpected outcome: ${what}\n`)
  }
}

async function one(client, i) {
  if (i % 10 === 9) {
    try {
      await client.rotateAccessKey(MISSING)
      bad('OK for a missing key')
    } catch (e) {
      if (e.code !== 'NOT_FOUND') bad(String(e.code))
    }
  } else {
    try {
      const r = await client.rotateAccessKey(KEY)
      if (!r.cleartext) bad('empty secret')
    } catch (e) {
      bad(String(e.code))
    }
  }
}

async function main() {
  const [calls, every, concurrency] = [200000, 4000, 8].map((d, i) =>
    process.argv[2 + i] ? Number(process.argv[2 + i]) : d,
  )
  const client = new Client({
    projectId: process.env.BENCH_PROJECT_ID,
    managementKey: process.env.BENCH_MANAGEMENT_KEY,
    baseUrl: process.env.BENCH_URL,
  })
  const start = process.hrtime.bigint()
  const sample = (done, last) => {
    if (global.gc) global.gc()
    const rec = {
      ...(last ? { done: true } : {}),
      calls: done,
      rssKb: rssKb(),
      fds: fds(),
      errors,
      elapsed: Number((process.hrtime.bigint() - start) / 1000000n) / 1000,
    }
    process.stdout.write(JSON.stringify(rec) + '\n')
  }
  await one(client, 0)
  sample(0, false)
  let done = 0
  while (done < calls) {
    const end = done + Math.min(every, calls - done)
    let next = done
    const chain = async () => {
      while (next < end) await one(client, next++)
    }
    await Promise.all(Array.from({ length: concurrency }, chain))
    done = end
    sample(done, done >= calls)
  }
}

main().catch((e) => {
  process.stderr.write(`soak(node): ${e && e.stack}\n`)
  process.exit(1)
})
