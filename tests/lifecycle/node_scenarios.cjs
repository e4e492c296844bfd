// Lifecycle scenarios for the Node binding: the process exits, or worker threads are
// terminated, while calls are in flight. Run by tests/lifecycle/run.py with NODE_PATH (or
// the working directory) resolving `descope-mgmt` to the package under test; it checks the
// exit status and that nothing crashed. The client comes from DESCOPE_PROJECT_ID,
// DESCOPE_MANAGEMENT_KEY and DESCOPE_BASE_URI (the emulator, answering slowly).
//
// Usage: node node_scenarios.cjs SCENARIO | --list   (names and expected statuses)
'use strict'
const { Worker, isMainThread, workerData, parentPort } = require('node:worker_threads')
const { Client } = require('descope-mgmt')

const KEY_ID = 'K2active'

async function spin(client) {
  for (;;) {
    try {
      await client.rotateAccessKey(KEY_ID)
    } catch {
      // typed errors are expected while the process goes away
    }
  }
}

function spinners(n) {
  const client = new Client()
  for (let i = 0; i < n; i++) spin(client)
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function startWorkers(n) {
  const workers = []
  for (let i = 0; i < n; i++) {
    workers.push(new Worker(__filename, { workerData: { role: 'spin' } }))
  }
  return Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve)))).then(() => workers)
}

// name: [function, expected exit status, answers: 'fast' or 'slow' (400 ms per rotate)]
const SCENARIOS = {
  // process.exit with 32 calls pending: the status is the caller's.
  'process-exit-pending': [
    async () => {
      spinners(32)
      await sleep(400)
      process.exit(5)
    },
    5,
    'fast',
  ],
  // Worker threads terminated mid-call; the main thread then calls and exits normally.
  'worker-terminate': [
    async () => {
      const workers = await startWorkers(4)
      await sleep(400)
      await Promise.all(workers.map((w) => w.terminate()))
      await new Client().rotateAccessKey(KEY_ID)
      return 0
    },
    0,
    'slow',
  ],
  // process.exit while worker threads are mid-call.
  'worker-process-exit': [
    async () => {
      await startWorkers(4)
      spinners(8)
      await sleep(400)
      process.exit(7)
    },
    7,
    'fast',
  ],
}

if (!isMainThread) {
  if (workerData.role === 'spin') {
    spinners(8)
    parentPort.postMessage('started')
  }
} else {
  const name = process.argv[2]
  if (name === '--list') {
    console.log(Object.entries(SCENARIOS).map(([k, v]) => `${k} ${v[1]} ${v[2]}`).join('\n'))
    process.exit(0)
  }
  if (!SCENARIOS[name]) {
    console.error(`usage: node node_scenarios.cjs ${Object.keys(SCENARIOS).join('|')}`)
    process.exit(2)
  }
  SCENARIOS[name][0]().then(
    (code) => process.exit(code),
    (e) => {
      console.error(e)
      process.exit(1)
    },
  )
}
