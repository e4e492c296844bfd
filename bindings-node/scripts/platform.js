'use strict'
/**
 * Where the native addon of descope-mgmt comes from, and what to run when it is missing or
 * damaged; used by the loader (index.js) and the checkout build (scripts/build.js).
 *
 * The napi-rs layout: the addon is prebuilt in one npm package per platform,
 * `descope-mgmt-<platform>` (an optionalDependency of `descope-mgmt`; npm installs only the
 * one matching os, cpu and libc), holding `descope-mgmt.<platform>.node`. Installing never
 * builds anything (the package has no install script). In a repository checkout,
 * `npm run build` writes `descope-mgmt.node` next to index.js instead, which then takes
 * precedence.
 */

const fs = require('node:fs')
const path = require('node:path')

/** Folder of the `descope-mgmt` package (index.js). */
const PACKAGE_DIR = path.resolve(__dirname, '..')
/** The addon written by a build from a checkout (`npm run build`). */
const LOCAL_ADDON = path.join(PACKAGE_DIR, 'descope-mgmt.node')
/** Environment variable naming an addon file to load instead of any other. */
const NATIVE_PATH_ENV = 'DESCOPE_MGMT_NATIVE_PATH'
/** True in a repository checkout (the crate's sources next to index.js), false when installed from npm. */
const IS_CHECKOUT = fs.existsSync(path.join(PACKAGE_DIR, 'Cargo.toml'))
/** The one command that builds the addon from a checkout (needs Rust/cargo 1.88+). */
const BUILD_COMMAND = `npm run build --prefix ${JSON.stringify(PACKAGE_DIR)}`

/** True on a Linux whose C library is musl (Alpine), false for glibc. */
function isMusl() {
  try {
    // Cheap and reliable on every common distribution.
    return fs.readFileSync('/usr/bin/ldd', 'utf8').includes('musl')
  } catch {
    // No ldd (e.g. a distroless image): ask Node which C library it runs on.
    const header = process.report?.getReport?.()?.header
    return !(header && header.glibcVersionRuntime)
  }
}

/**
 * The napi-rs platform name of this process (`linux-x64-gnu`, `darwin-arm64`,
 * `win32-x64-msvc`, ...), or null when no prebuilt package exists for it.
 */
function platformName() {
  const { platform, arch } = process
  if (platform === 'linux' && (arch === 'x64' || arch === 'arm64')) return `linux-${arch}-${isMusl() ? 'musl' : 'gnu'}`
  if (platform === 'darwin' && (arch === 'x64' || arch === 'arm64')) return `darwin-${arch}`
  if (platform === 'win32' && arch === 'x64') return 'win32-x64-msvc'
  return null
}

/** `{ name, file }` of this platform's prebuilt package and addon file name, or null. */
function platformPackage() {
  const platform = platformName()
  return platform && { name: `descope-mgmt-${platform}`, file: `descope-mgmt.${platform}.node` }
}

/**
 * Absolute path of the prebuilt addon of the installed platform package, or null when that
 * package is not installed (or this platform has none).
 */
function prebuiltAddonPath() {
  const pkg = platformPackage()
  if (!pkg) return null
  let manifest
  try {
    manifest = require.resolve(`${pkg.name}/package.json`, { paths: [PACKAGE_DIR] })
  } catch {
    return null
  }
  return path.join(path.dirname(manifest), pkg.file)
}

/** This package's version. */
function version() {
  return require('../package.json').version
}

/** What to run when no addon is there at all (no source build, no platform package). */
function missingAddonMessage() {
  if (IS_CHECKOUT) {
    return `descope-mgmt: the native addon is not built in this checkout. Build it (needs Rust/cargo 1.88+): ${BUILD_COMMAND}`
  }
  const pkg = platformPackage()
  if (pkg) {
    return (
      `descope-mgmt: the prebuilt addon package ${pkg.name} is not installed (npm skips optional dependencies ` +
      'with --omit=optional, and a lockfile written on another platform may lack it). ' +
      `Install it: npm install ${pkg.name}@${version()}`
    )
  }
  return (
    `descope-mgmt: no prebuilt addon exists for ${process.platform}-${process.arch}. Build one from a checkout of the ` +
    'repository (needs Rust/cargo 1.88+): npm run build in its bindings-node folder, then install that folder ' +
    `(npm install /path/to/checkout/bindings-node) or set ${NATIVE_PATH_ENV} to its descope-mgmt.node.`
  )
}

/** What to run when the platform package's addon `file` does not load. */
function reinstallMessage(file) {
  const dir = path.dirname(file)
  return `Reinstall the platform package: delete the folder ${dir} and run npm install in your project.`
}

/**
 * Why `file` is not the file its package shipped (its `.sha256` sidecar, written when the
 * platform package was packed, does not match), or null. Only checked once loading failed.
 */
function checksumProblem(file) {
  const sumFile = `${file}.sha256`
  try {
    const expected = fs.readFileSync(sumFile, 'utf8').trim().split(/\s+/)[0].toLowerCase()
    const actual = require('node:crypto').createHash('sha256').update(fs.readFileSync(file)).digest('hex')
    return expected === actual ? null : `its SHA-256 does not match ${path.basename(sumFile)}`
  } catch {
    return null
  }
}

module.exports = {
  PACKAGE_DIR,
  LOCAL_ADDON,
  NATIVE_PATH_ENV,
  IS_CHECKOUT,
  BUILD_COMMAND,
  platformName,
  platformPackage,
  prebuiltAddonPath,
  missingAddonMessage,
  reinstallMessage,
  checksumProblem,
}
