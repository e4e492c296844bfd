//! HTTP routes: the emulated management API ([`mgmt`]) and the emulator-only control and
//! inspection endpoints ([`admin`]), plus helpers they share.

pub mod admin;
pub mod mgmt;

use axum::body::Bytes;
use axum::extract::Request;
use axum::http::{Method, Uri};
use serde_json::{Map, Value};

use crate::errors::ApiError;

/// Reads a (already buffered) request body.
pub(crate) async fn read_body(req: Request) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(req.into_body(), usize::MAX)
        .await
        .map_err(ApiError::bad_json)
}

/// Parses a JSON object body. An empty (or all-whitespace) body counts as `{}`, as with
/// Descope's gRPC-gateway front; anything but an object is a `400 E011001`.
pub(crate) fn parse_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::bad_json("expected a JSON object")),
        Err(e) => Err(ApiError::bad_json(e)),
    }
}

/// Fallback for unknown paths: `404 E011006`.
pub(crate) async fn fallback_not_found(uri: Uri) -> ApiError {
    ApiError::no_endpoint(uri.path())
}

/// Fallback for a known path with the wrong method: `405` with a Descope body.
pub(crate) async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::method_not_allowed(method.as_str(), uri.path())
}
