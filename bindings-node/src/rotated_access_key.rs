//! The native half of `RotatedAccessKey`, a rotation's result whose new secret is only shown
//! when read.
//!
//! A rotation resolves with an opaque napi external that owns the core's result: the secret
//! stays in native memory (zeroized when the external is garbage collected). `index.js`
//! wraps it in its `RotatedAccessKey` class (declared in `types-header.d.ts`), whose
//! getters read the metadata and the secret through the functions below. An external plus a
//! JavaScript wrapper is much cheaper to create per call than a napi class instance.

use napi::bindgen_prelude::External;
use napi_derive::napi;
use serde_json::Value;

/// The result of a rotation as the addon hands it to `index.js`.
pub(crate) type RotatedExternal = External<descope_mgmt::RotatedAccessKey>;

/// The rotated key's metadata (wire camelCase, unknown fields kept), as a new plain object.
#[napi(catch_unwind, skip_typescript)]
pub fn rotated_access_key_key(rotated: &RotatedExternal) -> Value {
    rotated.key.to_json()
}

/// The rotated key's id, for `toString`.
#[napi(catch_unwind, skip_typescript)]
pub fn rotated_access_key_id(rotated: &RotatedExternal) -> String {
    rotated.key.id.clone()
}

/// The new secret, shown once.
#[napi(catch_unwind, skip_typescript)]
pub fn rotated_access_key_cleartext(rotated: &RotatedExternal) -> String {
    rotated.cleartext.expose().to_owned()
}

/// How the rotation call went (`RotatedAccessKey.meta`), as a new plain object.
#[napi(catch_unwind, skip_typescript)]
pub fn rotated_access_key_meta(rotated: &RotatedExternal) -> Value {
    crate::call_meta::to_js(&rotated.meta)
}
