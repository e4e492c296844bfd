//! The safe logs in Node: each client's records, kept in a queue that `index.js` empties on
//! the JavaScript thread after every call and hands to the `logger` option (`console` when
//! only `DESCOPE_MGMT_LOG` is set). The runtime's threads never call into JavaScript.

use descope_mgmt::logs::LogRecord;
use serde_json::{json, Value};

/// A record as `index.js` hands it to the logger: `{ level, line, fields }`, the fields in
/// camelCase.
pub(crate) fn to_js(r: &LogRecord) -> Value {
    json!({
        "level": r.level.as_str(),
        "line": r.line(),
        "fields": {
            "event": r.event.as_str(),
            "call": r.call,
            "method": r.method,
            "path": r.path,
            "status": r.status,
            "code": r.code.map(|c| c.as_str()),
            "descopeCode": r.descope_code,
            "attempt": r.attempt,
            "retryInMs": r.retry_in_ms,
            "elapsedMs": r.elapsed_ms,
            "requestId": r.request_id,
            "externalRequestId": r.external_request_id,
            "keyId": r.key_id,
            "headerNames": r.header_names,
            "bodyBytes": r.body_bytes,
            "hook": r.hook,
        },
    })
}
