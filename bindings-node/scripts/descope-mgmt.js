#!/usr/bin/env node
'use strict'
/**
 * The `descope-mgmt` command of the npm package (`npx descope-mgmt ...`): runs the binary of
 * this platform's prebuilt package (scripts/binaries.js) with the same arguments and stdio,
 * forwards the signals it receives, and exits the way the binary did (its status, or the same
 * signal). Without the platform package it says which one to install, as loading the addon does.
 */

const { spawn } = require('node:child_process')
const { binaryPath } = require('./binaries.js')

let file
try {
  file = binaryPath('descope-mgmt', 'cargo build -p descope-mgmt-cli')
} catch (err) {
  process.stderr.write(`${err.message}\n`)
  process.exit(1)
}

const child = spawn(file, process.argv.slice(2), { stdio: 'inherit', windowsHide: false })

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGBREAK']
const forwarders = new Map()
for (const signal of SIGNALS) {
  const forward = () => {
    try {
      child.kill(signal)
    } catch {
      // already gone
    }
  }
  try {
    process.on(signal, forward)
    forwarders.set(signal, forward)
  } catch {
    // a signal this platform does not have
  }
}

child.on('error', (err) => {
  process.stderr.write(`descope-mgmt: cannot run ${file}: ${err.message}\n`)
  process.exit(1)
})

child.on('exit', (code, signal) => {
  for (const [sig, forward] of forwarders) process.removeListener(sig, forward)
  if (signal) {
    // Die of the same signal, so the caller sees what happened to the command.
    process.kill(process.pid, signal)
    process.exit(128 + (require('node:os').constants.signals[signal] || 0))
  }
  process.exit(code ?? 1)
})
