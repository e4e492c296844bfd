#!/usr/bin/env node
'use strict'
/**
 * npm `prepack` script: makes the tarball self-contained. The crate's path dependencies
 * (../core) and the workspace root (../Cargo.toml, ../Cargo.lock) are outside this folder,
 * so it writes `standalone/`, a workspace of its own:
 *
 *   standalone/Cargo.toml          the repo's root manifest, with members core + bindings-node
 *   standalone/Cargo.lock          the repo's lockfile (same dependency versions)
 *   standalone/core/               the core crate's manifest (without dev-dependencies) and src/
 *   standalone/bindings-node/      this crate's manifest, build.rs and src/
 *
 * scripts/install.js builds from it; scripts/postpack.js deletes it after packing.
 */

const fs = require('node:fs')
const path = require('node:path')

const PACKAGE_DIR = path.resolve(__dirname, '..')
const REPO = path.resolve(PACKAGE_DIR, '..')
const OUT = path.join(PACKAGE_DIR, 'standalone')
const MEMBERS = { core: path.join(REPO, 'core'), 'bindings-node': PACKAGE_DIR }

/** Splits a TOML file into its preamble and `[section]` blocks (header line + body). */
function sections(text) {
  const blocks = [{ header: '', lines: [] }]
  for (const line of text.split('\n')) {
    const m = line.match(/^\s*(\[\[?[^\]]+\]\]?)\s*(#.*)?$/)
    if (m) blocks.push({ header: m[1].replace(/\s+/g, ''), lines: [line] })
    else blocks[blocks.length - 1].lines.push(line)
  }
  return blocks
}

/** Keeps only what building the library needs: no dev-dependencies, tests, examples or benches. */
function memberManifest(text) {
  const dropped = /^\[(dev-dependencies|target\..*\.dev-dependencies)(\..*)?\]$|^\[\[(test|example|bench)\]\]$/
  return sections(text)
    .filter((b) => !dropped.test(b.header))
    .map((b) => b.lines.join('\n'))
    .join('\n')
}

/** The root manifest with the vendored members only, and no path dependency left dangling. */
function rootManifest(text) {
  return sections(text)
    .map((b) => {
      if (b.header === '[workspace]') {
        return b.lines
          .join('\n')
          .replace(/members\s*=\s*\[[^\]]*\]/, `members = [${Object.keys(MEMBERS).map((m) => JSON.stringify(m)).join(', ')}]`)
      }
      if (b.header === '[workspace.dependencies]') {
        return b.lines
          .filter((line) => {
            const m = line.match(/path\s*=\s*"([^"]+)"/)
            return !m || Object.prototype.hasOwnProperty.call(MEMBERS, m[1])
          })
          .join('\n')
      }
      return b.lines.join('\n')
    })
    .join('\n')
}

function copyDir(from, to) {
  fs.cpSync(from, to, { recursive: true, filter: (src) => !/(^|[\\/])(target|node_modules)$/.test(src) })
}

function main() {
  // Cargo.lock is not committed; resolve it here when no build has made it yet.
  if (!fs.existsSync(path.join(REPO, 'Cargo.lock'))) {
    require('node:child_process').execFileSync('cargo', ['generate-lockfile'], { cwd: REPO, stdio: 'inherit' })
  }
  for (const file of [path.join(REPO, 'Cargo.toml'), path.join(REPO, 'Cargo.lock'), path.join(REPO, 'core', 'Cargo.toml')]) {
    if (!fs.existsSync(file)) throw new Error(`prepack must run inside the descope-mgmt repository: ${file} is missing`)
  }
  fs.rmSync(OUT, { recursive: true, force: true })
  fs.mkdirSync(OUT, { recursive: true })
  fs.writeFileSync(path.join(OUT, 'Cargo.toml'), rootManifest(fs.readFileSync(path.join(REPO, 'Cargo.toml'), 'utf8')))
  fs.copyFileSync(path.join(REPO, 'Cargo.lock'), path.join(OUT, 'Cargo.lock'))
  for (const [name, dir] of Object.entries(MEMBERS)) {
    const dest = path.join(OUT, name)
    fs.mkdirSync(dest, { recursive: true })
    fs.writeFileSync(path.join(dest, 'Cargo.toml'), memberManifest(fs.readFileSync(path.join(dir, 'Cargo.toml'), 'utf8')))
    copyDir(path.join(dir, 'src'), path.join(dest, 'src'))
    if (fs.existsSync(path.join(dir, 'build.rs'))) fs.copyFileSync(path.join(dir, 'build.rs'), path.join(dest, 'build.rs'))
  }
  console.log(`descope-mgmt: wrote ${path.relative(PACKAGE_DIR, OUT)}/ (vendored core, standalone workspace, Cargo.lock)`)
}

main()
