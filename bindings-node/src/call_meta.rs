//! A result's `meta` in JavaScript: `{ requestId, externalRequestId, status, attempts,
//! elapsedMs }`. `index.js` attaches it to results as a non-enumerable, frozen property, so
//! it never shows in `JSON.stringify`, spreading or `Object.keys`.

use descope_mgmt::CallMeta;
use serde_json::{json, Value};

/// `meta` as a plain object.
pub(crate) fn to_js(m: &CallMeta) -> Value {
    json!({
        "requestId": m.request_id,
        "externalRequestId": m.external_request_id,
        "status": m.status,
        "attempts": m.attempts,
        "elapsedMs": m.elapsed.as_secs_f64() * 1000.0,
    })
}
