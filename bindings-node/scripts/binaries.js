'use strict'
/**
 * Where the executables of descope-mgmt come from: the `descope-mgmt` command (run by the
 * package's `bin`, scripts/descope-mgmt.js) and the `descope-emulator` of
 * `descope-mgmt/testing`.
 *
 * Installed from npm, both ship in this platform's prebuilt package
 * (`descope-mgmt-linux-x64-gnu`, ..., found as in scripts/platform.js, next to the addon). In a
 * repository checkout, they are the cargo builds in `$CARGO_TARGET_DIR` (default the
 * repository's target/), debug first, then release.
 */

const fs = require('node:fs')
const path = require('node:path')
const platform = require('./platform.js')

/** `name` with this platform's executable suffix. */
function executableName(name) {
  return process.platform === 'win32' ? `${name}.exe` : name
}

/** Folder of this platform's installed prebuilt package, or null. */
function platformPackageDir() {
  const pkg = platform.platformPackage()
  if (!pkg) return null
  try {
    return path.dirname(require.resolve(`${pkg.name}/package.json`, { paths: [platform.PACKAGE_DIR] }))
  } catch {
    return null
  }
}

/** The cargo target folder of a checkout. */
function checkoutTargetDir() {
  const fromEnv = process.env.CARGO_TARGET_DIR
  return fromEnv ? path.resolve(fromEnv) : path.join(platform.PACKAGE_DIR, '..', 'target')
}

/**
 * Absolute path of the executable `name` (`descope-mgmt` or `descope-emulator`), or throws an
 * Error whose message says what to install or build. `buildCommand` is the cargo command
 * that builds it in a checkout.
 */
function binaryPath(name, buildCommand) {
  const file = executableName(name)
  const dir = platformPackageDir()
  if (dir) {
    const found = path.join(dir, file)
    if (fs.existsSync(found)) return found
    throw new Error(`${name}: the platform package lacks ${found}. ${platform.reinstallMessage(found)}`)
  }
  if (platform.IS_CHECKOUT) {
    const target = checkoutTargetDir()
    for (const profile of ['debug', 'release']) {
      const found = path.join(target, profile, file)
      if (fs.existsSync(found)) return found
    }
    throw new Error(
      `${name}: not built in this checkout (no ${path.join(target, 'debug', file)}). Build it (needs Rust/cargo 1.88+): ${buildCommand}`,
    )
  }
  throw new Error(platform.missingAddonMessage())
}

module.exports = { executableName, platformPackageDir, binaryPath }
