//! `RotatedAccessKey`: a rotation's result, whose new secret is only shown when read.

use napi_derive::napi;
use serde_json::{json, Value};

/// What `rotateAccessKey` resolves to: the key's metadata and its new secret.
///
/// The secret stays in native memory (zeroized when the object is garbage collected) until
/// `cleartext` is read. `console.log`, `util.inspect`, `JSON.stringify`, spreading and
/// `Object.keys` never show it.
#[napi]
pub struct RotatedAccessKey {
    inner: descope_mgmt::RotatedAccessKey,
}

impl From<descope_mgmt::RotatedAccessKey> for RotatedAccessKey {
    fn from(inner: descope_mgmt::RotatedAccessKey) -> Self {
        RotatedAccessKey { inner }
    }
}

#[napi]
impl RotatedAccessKey {
    /// The rotated key's metadata (wire camelCase, unknown fields kept); unchanged by the
    /// rotation except for its secret. Each read returns a new plain object.
    #[napi(getter, catch_unwind, ts_return_type = "AccessKey")]
    pub fn key(&self) -> Value {
        self.inner.key.to_json()
    }

    /// The new secret, shown once: store it now. The previous secret no longer works.
    #[napi(getter, catch_unwind)]
    pub fn cleartext(&self) -> String {
        self.inner.cleartext.expose().to_owned()
    }

    /// The JSON form, with the secret masked: `{ key, cleartext: "[REDACTED]" }`.
    #[napi(
        catch_unwind,
        js_name = "toJSON",
        ts_return_type = "{ key: AccessKey; cleartext: '[REDACTED]' }"
    )]
    pub fn to_json(&self) -> Value {
        json!({ "key": self.inner.key.to_json(), "cleartext": "[REDACTED]" })
    }

    /// A short description with the secret masked.
    #[napi(catch_unwind, js_name = "toString")]
    pub fn to_display_string(&self) -> String {
        format!(
            "RotatedAccessKey(id={}, cleartext=[REDACTED])",
            self.inner.key.id
        )
    }
}
