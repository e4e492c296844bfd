//! Descope-shaped error responses: `{"errorCode","errorDescription","errorMessage"}` with
//! `Content-Type: application/json`, and the error codes the emulator uses.

use axum::body::Body;
use axum::http::{header, HeaderValue, Response, StatusCode};
use axum::response::IntoResponse;
use serde::Serialize;

/// `400` — the body is not valid JSON or has a field of the wrong type.
pub const E_BAD_REQUEST: &str = "E011001";
/// `400` — a required argument is missing or empty.
pub const E_MISSING_ARGUMENTS: &str = "E011002";
/// `401` bad/missing management credentials; `400` key not rotatable (inactive/expired).
pub const E_INVALID_REQUEST: &str = "E011003";
/// `400`/`409` — an argument has an invalid value (also the per-item batch failure code
/// for invalid values, and the duplicate-template-name code).
pub const E_INVALID_ARGUMENTS: &str = "E011004";
/// `404` — unknown endpoint.
pub const E_NOT_FOUND_ENDPOINT: &str = "E011006";
/// `404` — unknown access key.
pub const E_KEY_NOT_FOUND: &str = "E112102";
/// `429` — rate limit exceeded (used by injected 429 faults without a body).
pub const E_RATE_LIMITED: &str = "E130429";

/// An error answered with Descope's error body.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Descope error code, e.g. `E011002`.
    pub code: String,
    /// Short human summary.
    pub description: String,
    /// Detail.
    pub message: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody<'a> {
    error_code: &'a str,
    error_description: &'a str,
    error_message: &'a str,
}

impl ApiError {
    /// Builds an error from its parts.
    pub fn new(
        status: StatusCode,
        code: &str,
        description: &str,
        message: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            code: code.to_owned(),
            description: description.to_owned(),
            message: message.into(),
        }
    }

    /// `400 E011001`: malformed JSON or a field of the wrong type.
    pub fn bad_json(detail: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            E_BAD_REQUEST,
            "Bad request",
            format!("Request body is invalid: {detail}"),
        )
    }

    /// `400 E011002`: a required argument is missing.
    pub fn missing(what: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            E_MISSING_ARGUMENTS,
            "Missing arguments",
            format!("Missing {what}"),
        )
    }

    /// `400 E011004`: an argument has an invalid value.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            E_INVALID_ARGUMENTS,
            "Invalid arguments",
            message,
        )
    }

    /// `401 E011003`: missing or wrong management credentials.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            E_INVALID_REQUEST,
            "Request is invalid",
            "Unauthorized: expected 'Authorization: Bearer <projectId>:<managementKey>'",
        )
    }

    /// `404 E011006`: unknown endpoint.
    pub fn no_endpoint(path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            E_NOT_FOUND_ENDPOINT,
            "Endpoint not found",
            format!("No endpoint at {path}"),
        )
    }

    /// `405`: known path, wrong method.
    pub fn method_not_allowed(method: &str, path: &str) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            E_BAD_REQUEST,
            "Method not allowed",
            format!("Method {method} is not allowed on {path}"),
        )
    }

    /// The default Descope-shaped error for an injected fault of `status` with no body.
    pub fn for_fault_status(status: StatusCode) -> Self {
        let code = default_code_for(status);
        let description = status.canonical_reason().unwrap_or("Error");
        Self::new(
            status,
            &code,
            description,
            format!("Injected fault ({})", status.as_u16()),
        )
    }

    /// The serialized JSON body.
    pub fn body_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&ErrorBody {
            error_code: &self.code,
            error_description: &self.description,
            error_message: &self.message,
        })
        .unwrap_or_default()
    }
}

/// The error code used for an injected fault of `status` without a body:
/// 400 `E011001`, 401/403 `E011003`, 404 `E011006`, 409 `E011004`, 429 `E130429`,
/// anything else `E000<status>` (e.g. `E000503`).
pub fn default_code_for(status: StatusCode) -> String {
    match status.as_u16() {
        400 => E_BAD_REQUEST.to_owned(),
        401 | 403 => E_INVALID_REQUEST.to_owned(),
        404 => E_NOT_FOUND_ENDPOINT.to_owned(),
        409 => E_INVALID_ARGUMENTS.to_owned(),
        429 => E_RATE_LIMITED.to_owned(),
        s => format!("E000{s:03}"),
    }
}

/// A JSON response with the given status.
pub fn json_response(status: StatusCode, body: Vec<u8>) -> Response<Body> {
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response<Body> {
        json_response(self.status, self.body_bytes())
    }
}
