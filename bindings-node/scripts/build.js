#!/usr/bin/env node
'use strict'
/**
 * `npm run build` in a repository checkout: the one command that builds the native addon
 * from source (needs Rust/cargo 1.88+). It installs this folder's dev dependencies first
 * when the napi CLI is missing (a fresh checkout), then runs
 * `napi build --manifest-path Cargo.toml --output-dir . --dts index.d.ts`, which writes
 * `descope-mgmt.node` next to index.js (the loader prefers it over a prebuilt platform
 * package) and regenerates index.d.ts. Arguments are passed on to `napi build`:
 * `npm run build -- --release` makes an optimized build (the default is a debug build).
 */

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const { PACKAGE_DIR } = require('./platform.js')

function fail(message) {
  console.error(`descope-mgmt: ${message}`)
  process.exit(1)
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: PACKAGE_DIR, stdio: 'inherit' })
  if (result.error) fail(`${path.basename(command)} did not start: ${result.error.message}`)
  if (result.status !== 0) process.exit(result.status ?? 1)
}

/** The napi CLI's entry script, or null when the dev dependencies are not installed. */
function napiCli() {
  try {
    const manifest = require.resolve('@napi-rs/cli/package.json', { paths: [PACKAGE_DIR] })
    const { bin } = JSON.parse(fs.readFileSync(manifest, 'utf8'))
    return path.join(path.dirname(manifest), typeof bin === 'string' ? bin : bin.napi)
  } catch {
    return null
  }
}

if (!fs.existsSync(path.join(PACKAGE_DIR, 'Cargo.toml'))) {
  fail('npm run build builds the addon from a checkout of the repository; this package has no Rust sources')
}
if (spawnSync('cargo', ['--version'], { stdio: 'ignore' }).status !== 0) {
  fail('building the native addon needs a Rust toolchain (cargo 1.88 or later) on PATH')
}
let cli = napiCli()
if (!cli) {
  // Run by npm, which says where it is; the dev dependencies only, no scripts.
  const npm = process.env.npm_execpath
  if (!npm) fail('the napi CLI is missing: run npm install in this folder first (or run this script with npm run build)')
  console.log('descope-mgmt: installing the dev dependencies (@napi-rs/cli, typescript)')
  run(process.execPath, [npm, 'install', '--ignore-scripts', '--no-save', '--no-audit', '--no-fund'])
  cli = napiCli()
  if (!cli) fail('npm install did not install @napi-rs/cli')
}
run(process.execPath, [cli, 'build', '--manifest-path', 'Cargo.toml', '--output-dir', '.', '--dts', 'index.d.ts', ...process.argv.slice(2)])
