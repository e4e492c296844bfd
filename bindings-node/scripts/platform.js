'use strict'
/**
 * Where the native addon of descope-mgmt comes from, shared by the loader (index.js) and
 * the install script (scripts/install.js).
 *
 * The napi-rs layout: the addon is prebuilt in one npm package per platform,
 * `descope-mgmt-<platform>` (an optionalDependency of `descope-mgmt`; npm installs only the
 * one matching os, cpu and libc), holding `descope-mgmt.<platform>.node`. A source build
 * (scripts/install.js with DESCOPE_MGMT_BUILD_FROM_SOURCE=1, or a repository checkout)
 * writes `descope-mgmt.node` next to index.js instead, which then takes precedence.
 */

const fs = require('node:fs')
const path = require('node:path')

/** Folder of the `descope-mgmt` package (index.js). */
const PACKAGE_DIR = path.resolve(__dirname, '..')
/** The addon written by a source build. */
const LOCAL_ADDON = path.join(PACKAGE_DIR, 'descope-mgmt.node')
/** Environment variable naming an addon file to load instead of any other. */
const NATIVE_PATH_ENV = 'DESCOPE_MGMT_NATIVE_PATH'

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

module.exports = { PACKAGE_DIR, LOCAL_ADDON, NATIVE_PATH_ENV, platformName, platformPackage, prebuiltAddonPath }
