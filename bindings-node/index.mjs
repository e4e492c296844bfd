/**
 * descope-mgmt, ES module entry point: the same objects as the CommonJS entry (index.js),
 * so `instanceof DescopeError` holds whichever way the package was loaded.
 */
import binding from './index.js'

export const { Client, DescopeError, ErrorCode, RotatedAccessKey, errorCodes } = binding
export default binding
