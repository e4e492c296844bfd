#!/usr/bin/env node
'use strict'
/**
 * npm `install` script of descope-mgmt (also what `npm rebuild descope-mgmt` runs). It makes
 * sure a working native addon is in place; it needs no Rust toolchain unless a source build
 * is asked for.
 *
 * 1. DESCOPE_MGMT_BUILD_FROM_SOURCE=1, or a repository checkout (bindings-node/Cargo.toml
 *    next to this package, where no prebuilt addon matches the sources): builds
 *    `descope-mgmt.node` from source with cargo (from `standalone/`, the vendored workspace
 *    in the npm tarball, or from the checkout).
 * 2. Otherwise it checks the addon the loader would use: a `descope-mgmt.node` that does not
 *    load (a damaged or interrupted source build) is removed, so the prebuilt package is used
 *    again; a prebuilt `descope-mgmt.<platform>.node` must match its recorded SHA-256 and
 *    load. A damaged prebuilt addon is rebuilt from source under `npm rebuild` (an explicit
 *    request) when cargo is available; otherwise the script fails saying how to repair it.
 *    A missing platform package only warns: requiring the package then explains.
 *
 * Environment:
 * - DESCOPE_MGMT_BUILD_FROM_SOURCE: `1` builds from source (needs cargo >= 1.88).
 * - DESCOPE_MGMT_BUILD_PROFILE: `release` (default) or `debug`, for source builds.
 * - CARGO_TARGET_DIR: where cargo builds; by default a `target/` next to the manifest,
 *   deleted after a build from `standalone/` to save disk space.
 */

const { spawnSync } = require('node:child_process')
const crypto = require('node:crypto')
const fs = require('node:fs')
const path = require('node:path')

const { PACKAGE_DIR, LOCAL_ADDON, NATIVE_PATH_ENV, platformPackage, prebuiltAddonPath } = require('./platform.js')

function log(message) {
  console.log(`descope-mgmt: ${message}`)
}

function fail(message) {
  console.error(`descope-mgmt: ${message}`)
  process.exit(1)
}

/** Why `file` cannot be used as the addon (null when it loads), checked in a child process. */
function loadProblem(file) {
  const check = spawnSync(process.execPath, ['-e', 'require(process.argv[1]).errorCodes()', file], {
    encoding: 'utf8',
    env: { ...process.env, [NATIVE_PATH_ENV]: '' },
  })
  if (check.status === 0) return null
  const lines = `${check.stderr || ''}`.split('\n').filter((l) => /Error/.test(l))
  return lines[0] ? lines[0].trim() : `loading it exited with ${check.status ?? check.signal}`
}

/** Why a prebuilt addon is unusable (checksum mismatch or load failure), or null. */
function prebuiltProblem(file) {
  const sumFile = `${file}.sha256`
  if (fs.existsSync(sumFile)) {
    const expected = fs.readFileSync(sumFile, 'utf8').trim().split(/\s+/)[0].toLowerCase()
    const actual = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')
    if (expected !== actual) return `its SHA-256 does not match ${path.basename(sumFile)}`
  }
  return loadProblem(file)
}

/** The Cargo manifest a source build uses, or null when this package has no sources. */
function sourceManifest() {
  const standalone = path.join(PACKAGE_DIR, 'standalone', 'bindings-node', 'Cargo.toml')
  if (fs.existsSync(standalone)) return standalone
  const checkout = path.join(PACKAGE_DIR, 'Cargo.toml')
  return fs.existsSync(checkout) ? checkout : null
}

function cargoVersion() {
  const cargo = spawnSync('cargo', ['--version'], { encoding: 'utf8' })
  return cargo.status === 0 ? cargo.stdout.trim() : null
}

/**
 * Builds `descope-mgmt.node` from source with cargo (what `napi build` does for this crate:
 * the cdylib, renamed), replacing any existing one only once the build succeeded.
 */
function buildFromSource(reason) {
  const manifest = sourceManifest()
  if (!manifest) fail(`cannot build from source: this package has no Rust sources (${reason})`)
  const cargo = cargoVersion()
  if (!cargo) fail(`building the native addon from source needs a Rust toolchain (cargo >= 1.88) on PATH (${reason})`)
  const profile = (process.env.DESCOPE_MGMT_BUILD_PROFILE || 'release').toLowerCase()
  if (profile !== 'release' && profile !== 'debug') fail(`DESCOPE_MGMT_BUILD_PROFILE must be release or debug, not ${profile}`)

  log(`building the native addon from source (${reason}; ${profile}, ${cargo})`)
  const args = ['build', '--manifest-path', manifest, '-p', 'descope-mgmt-node', '--lib', '--message-format=json-render-diagnostics']
  if (profile === 'release') args.push('--release')
  const build = spawnSync('cargo', args, { cwd: PACKAGE_DIR, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
  if (build.status !== 0) fail(`the native build failed (exit code ${build.status ?? build.signal})`)
  let built = null
  for (const line of build.stdout.split('\n')) {
    if (!line.startsWith('{')) continue
    const msg = JSON.parse(line)
    if (msg.reason === 'compiler-artifact' && msg.target && msg.target.name === 'descope_mgmt_node') {
      built = msg.filenames.find((f) => /\.(so|dylib|dll)$/.test(f)) || built
    }
  }
  if (!built) fail('the build finished but cargo reported no addon library')
  // Copy next to the final name, then rename: a reader never sees a half-written addon.
  const partial = `${LOCAL_ADDON}.partial-${process.pid}`
  fs.copyFileSync(built, partial)
  fs.renameSync(partial, LOCAL_ADDON)
  const problem = loadProblem(LOCAL_ADDON)
  if (problem) fail(`the freshly built addon does not load: ${problem}`)
  log(`built ${path.relative(PACKAGE_DIR, LOCAL_ADDON)}`)

  // A tarball install builds under node_modules: drop the intermediate artifacts.
  if (manifest.includes(`${path.sep}standalone${path.sep}`) && !process.env.CARGO_TARGET_DIR) {
    fs.rmSync(path.join(PACKAGE_DIR, 'standalone', 'target'), { recursive: true, force: true })
  }
}

function main() {
  const checkout = fs.existsSync(path.join(PACKAGE_DIR, 'Cargo.toml'))
  if (process.env.DESCOPE_MGMT_BUILD_FROM_SOURCE === '1') return buildFromSource('DESCOPE_MGMT_BUILD_FROM_SOURCE=1')

  if (fs.existsSync(LOCAL_ADDON)) {
    const problem = loadProblem(LOCAL_ADDON)
    if (!problem) return log(`using the source-built addon ${path.basename(LOCAL_ADDON)}`)
    if (checkout) return buildFromSource(`the existing ${path.basename(LOCAL_ADDON)} is damaged: ${problem}`)
    fs.rmSync(LOCAL_ADDON, { force: true })
    log(`removed the damaged ${path.basename(LOCAL_ADDON)} (${problem})`)
  }

  const pkg = platformPackage()
  const prebuilt = prebuiltAddonPath()
  if (!prebuilt) {
    if (checkout) return buildFromSource('repository checkout: no prebuilt addon matches these sources')
    const which = pkg ? `the optional dependency ${pkg.name} is not installed` : `no prebuilt addon exists for ${process.platform}-${process.arch}`
    console.warn(`descope-mgmt: warning: ${which}; set DESCOPE_MGMT_BUILD_FROM_SOURCE=1 and run \`npm rebuild descope-mgmt\` to build it from source (needs Rust)`)
    return
  }
  const problem = prebuiltProblem(prebuilt)
  if (!problem) return log(`using the prebuilt addon ${pkg.name}/${pkg.file}`)
  const damaged = `the prebuilt addon ${pkg.name}/${pkg.file} is damaged (${problem})`
  if (process.env.npm_command === 'rebuild' && sourceManifest() && cargoVersion()) return buildFromSource(damaged)
  fail(
    `${damaged}. Reinstall it (\`npm install --force ${pkg.name}@${require('../package.json').version}\`, ` +
      'or delete node_modules and install again), or build from source with ' +
      'DESCOPE_MGMT_BUILD_FROM_SOURCE=1 npm rebuild descope-mgmt (needs Rust/cargo).',
  )
}

main()
