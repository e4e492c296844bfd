#!/usr/bin/env node
'use strict'
/** npm `postpack` script: deletes `standalone/`, which scripts/prepack.js wrote for the tarball. */

const fs = require('node:fs')
const path = require('node:path')

fs.rmSync(path.join(__dirname, '..', 'standalone'), { recursive: true, force: true })
