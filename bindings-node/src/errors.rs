//! How failures cross into JavaScript.
//!
//! A core error becomes a napi error whose reason is [`ERROR_PREFIX`] followed by a JSON
//! object with every attribute of the error; `index.js` parses it and rejects with a
//! `DescopeError`. A wrong JavaScript argument type (found by the core's input decoder or by
//! [`crate::js_reader`]) becomes a napi `InvalidArg` error, which `index.js` turns into a
//! `TypeError`. Neither ever carries a secret: messages name paths, never values.

use descope_mgmt::{Error, ErrorCode};
use napi::Status;
use napi_derive::napi;
use serde_json::json;

/// Marks a napi error reason that carries a serialized core error. Must match `index.js`.
pub(crate) const ERROR_PREFIX: &str = "descope-mgmt:error:";

/// Every error code string, in the core's fixed order.
#[napi(catch_unwind, ts_return_type = "Array<ErrorCode>")]
pub fn error_codes() -> Vec<&'static str> {
    ErrorCode::ALL.iter().map(|c| c.as_str()).collect()
}

/// Serializes a core error into a napi error that `index.js` rebuilds as a `DescopeError`;
/// an input of the wrong type ([`Error::is_type_error`]) becomes a `TypeError` instead.
pub(crate) fn descope_error(error: &Error) -> napi::Error {
    if error.is_type_error() {
        return type_error(error.message());
    }
    let payload = json!({
        "code": error.code().as_str(),
        "message": error.message(),
        "status": error.status(),
        "descopeCode": error.descope_code(),
        "description": error.description(),
        "serverMessage": error.server_message(),
        "retryAfterMs": error.retry_after().map(|d| d.as_millis() as u64),
        "failures": error.failures(),
        "requestId": error.request_id(),
        "externalRequestId": error.external_request_id(),
    });
    napi::Error::new(Status::GenericFailure, format!("{ERROR_PREFIX}{payload}"))
}

/// An `INVALID_ARGUMENT` error raised by the binding while converting an argument.
pub(crate) fn invalid_argument(message: impl Into<String>) -> napi::Error {
    descope_error(&Error::new(ErrorCode::InvalidArgument, message))
}

/// A `CONFIG` error raised by the binding while converting client options.
pub(crate) fn config(message: impl Into<String>) -> napi::Error {
    descope_error(&Error::new(ErrorCode::Config, message))
}

/// An argument of the wrong JavaScript type; `index.js` throws it as a `TypeError`.
pub(crate) fn type_error(message: impl Into<String>) -> napi::Error {
    napi::Error::new(Status::InvalidArg, message.into())
}
