/**
 * descope-mgmt/testing, ES module entry point: the same objects as the CommonJS one
 * (testing.js).
 */
import testing from './testing.js'

export const {
  startEmulator,
  emulatorBinary,
  Emulator,
  ROTATE_ACCESS_KEY,
  BATCH_UPLOAD_TENANT_TOKENS,
  CREATE_DCR_TEMPLATE,
  EMULATOR_BIN_ENV,
} = testing
export default testing
