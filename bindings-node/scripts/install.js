#!/usr/bin/env node
'use strict'
/**
 * npm `install` script: builds the native addon `descope-mgmt.node` from source with the
 * napi-rs CLI, unless one is already present. Needs a Rust toolchain (cargo).
 *
 * - In the repository (npm install <path to bindings-node>), it builds the workspace crate
 *   `bindings-node/Cargo.toml`.
 * - From the npm tarball, it builds the self-contained workspace in `standalone/`
 *   (written by scripts/prepack.js: the binding, the vendored core and Cargo.lock).
 *
 * Environment:
 * - DESCOPE_MGMT_BUILD_PROFILE: `release` (default) or `debug`.
 * - CARGO_TARGET_DIR: where cargo builds; by default a `target/` next to the manifest,
 *   deleted after a tarball build to save disk space.
 */

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const PACKAGE_DIR = path.resolve(__dirname, '..')
const ADDON = path.join(PACKAGE_DIR, 'descope-mgmt.node')

function fail(message) {
  console.error(`descope-mgmt: ${message}`)
  process.exit(1)
}

function main() {
  if (fs.existsSync(ADDON)) {
    console.log('descope-mgmt: using the existing native addon descope-mgmt.node')
    return
  }
  const standaloneManifest = path.join(PACKAGE_DIR, 'standalone', 'bindings-node', 'Cargo.toml')
  const standalone = fs.existsSync(standaloneManifest)
  const manifest = standalone ? standaloneManifest : path.join(PACKAGE_DIR, 'Cargo.toml')
  if (!fs.existsSync(manifest)) fail(`no prebuilt addon and no Cargo manifest to build one (${manifest})`)

  const cargo = spawnSync('cargo', ['--version'], { encoding: 'utf8' })
  if (cargo.status !== 0) {
    fail('building the native addon needs a Rust toolchain (cargo >= 1.88) on PATH; install Rust, then reinstall this package')
  }

  const profile = (process.env.DESCOPE_MGMT_BUILD_PROFILE || 'release').toLowerCase()
  if (profile !== 'release' && profile !== 'debug') fail(`DESCOPE_MGMT_BUILD_PROFILE must be release or debug, not ${profile}`)

  let cli = napiCli()
  if (!cli) {
    // `npm install <folder>` links the folder without installing its dependencies.
    installOwnDependencies()
    cli = napiCli()
    if (!cli) fail('cannot find @napi-rs/cli (a dependency of this package) even after installing it')
  }

  const args = [cli, 'build', '--manifest-path', manifest, '--output-dir', PACKAGE_DIR, '--dts', 'index.d.ts']
  if (profile === 'release') args.push('--release')
  console.log(`descope-mgmt: building the native addon from source (${profile}, ${cargo.stdout.trim()})`)
  const build = spawnSync(process.execPath, args, { cwd: PACKAGE_DIR, stdio: 'inherit' })
  if (build.status !== 0) fail(`the native build failed (exit code ${build.status ?? build.signal})`)
  if (!fs.existsSync(ADDON)) fail('the build finished but descope-mgmt.node is missing')

  // A tarball install builds under node_modules: drop the intermediate artifacts.
  if (standalone && !process.env.CARGO_TARGET_DIR) {
    fs.rmSync(path.join(PACKAGE_DIR, 'standalone', 'target'), { recursive: true, force: true })
  }
}

/** Path of the napi CLI script, or null when @napi-rs/cli is not installed. */
function napiCli() {
  try {
    const cliPackage = require.resolve('@napi-rs/cli/package.json', { paths: [PACKAGE_DIR] })
    return path.join(path.dirname(cliPackage), require(cliPackage).bin.napi)
  } catch {
    return null
  }
}

/**
 * Installs this package's own dependencies into its folder (`npm install --ignore-scripts`),
 * for a linked folder install. The parent npm's lifecycle variables would point the nested
 * npm at the consumer's project, so they are dropped.
 */
function installOwnDependencies() {
  const env = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (/^npm_(package_|lifecycle_|command$|config_(local_prefix|prefix|global|global_prefix|workspaces?|save|save_.*)$)/.test(name)) continue
    env[name] = value
  }
  const npmCli = process.env.npm_execpath
  const [command, prefixArgs] = npmCli && npmCli.endsWith('.js') ? [process.execPath, [npmCli]] : ['npm', []]
  const args = [...prefixArgs, 'install', '--prefix', PACKAGE_DIR, '--ignore-scripts', '--no-save', '--no-audit', '--no-fund', '--workspaces=false']
  console.log('descope-mgmt: installing the build tools (@napi-rs/cli) into the package folder')
  const run = spawnSync(command, args, { cwd: PACKAGE_DIR, env, stdio: 'inherit', shell: process.platform === 'win32' && command === 'npm' })
  if (run.status !== 0) fail(`installing @napi-rs/cli failed (exit code ${run.status ?? run.signal})`)
}

main()
