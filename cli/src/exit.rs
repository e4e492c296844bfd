//! Exit statuses and the one failure type every command returns.

use descope_mgmt::{Error, ErrorCode};
use serde_json::{Map, Value};

/// Success.
pub const OK: u8 = 0;
/// Anything not listed below (API_ERROR, SERVER_ERROR, DECODE, local I/O errors).
pub const OTHER: u8 = 1;
/// A usage error (bad flags) or INVALID_ARGUMENT (bad input, nothing was sent).
pub const USAGE: u8 = 2;
/// CONFIG: missing or bad project id, management key or base URL.
pub const CONFIG: u8 = 3;
/// UNAUTHORIZED or FORBIDDEN.
pub const AUTH: u8 = 4;
/// NOT_FOUND.
pub const NOT_FOUND: u8 = 5;
/// RATE_LIMITED.
pub const RATE_LIMITED: u8 = 6;
/// TIMEOUT or CONNECTION: nothing was sent, safe to retry.
pub const NOT_SENT: u8 = 7;
/// OUTCOME_UNKNOWN: the call may have been applied.
pub const OUTCOME_UNKNOWN: u8 = 8;
/// BATCH_REJECTED: the server refused items of a chunk; nothing of it was stored.
pub const BATCH_REJECTED: u8 = 9;
/// The key was rotated but a destination (`--pipe-to`) failed: the secret is in the rescue file.
pub const DELIVERY_FAILED: u8 = 10;

/// The exit status of a core error code. Exhaustive on purpose: a new code in the core
/// does not compile here until it has a status.
pub const fn status_for(code: ErrorCode) -> u8 {
    match code {
        ErrorCode::InvalidArgument => USAGE,
        ErrorCode::Config => CONFIG,
        ErrorCode::Unauthorized | ErrorCode::Forbidden => AUTH,
        ErrorCode::NotFound => NOT_FOUND,
        ErrorCode::RateLimited => RATE_LIMITED,
        ErrorCode::Timeout | ErrorCode::Connection => NOT_SENT,
        ErrorCode::OutcomeUnknown => OUTCOME_UNKNOWN,
        ErrorCode::BatchRejected => BATCH_REJECTED,
        ErrorCode::ApiError | ErrorCode::ServerError | ErrorCode::Decode => OTHER,
    }
}

/// Why a command failed: an exit status, a stable code (a core `ErrorCode` string, or
/// `USAGE`, `IO`, `DELIVERY_FAILED`), a message without secrets, and extra fields for
/// `--json` (request ids, the rescue file, the failed chunk...).
#[derive(Debug)]
pub struct Failure {
    pub status: u8,
    pub code: &'static str,
    pub message: String,
    /// What to do next, printed after the message on stderr.
    pub hint: Option<String>,
    pub extra: Box<Map<String, Value>>,
}

impl Failure {
    pub fn new(status: u8, code: &'static str, message: impl Into<String>) -> Self {
        Failure {
            status,
            code,
            message: message.into(),
            hint: None,
            extra: Box::default(),
        }
    }

    /// A usage error (exit 2), raised before anything was sent.
    pub fn usage(message: impl Into<String>) -> Self {
        Failure::new(USAGE, "USAGE", message)
    }

    /// A local I/O error (exit 1).
    pub fn io(what: impl Into<String>, e: &std::io::Error) -> Self {
        Failure::new(OTHER, "IO", format!("{}: {e}", what.into()))
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(key.to_string(), value.into());
        self
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let mut f = Failure::new(status_for(e.code()), e.code().as_str(), e.message());
        if let Some(id) = e.request_id() {
            f = f.with("requestId", id);
        }
        if let Some(id) = e.external_request_id() {
            f = f.with("externalRequestId", id);
        }
        if let Some(status) = e.status() {
            f = f.with("httpStatus", status);
        }
        if let Some(v) = e.descope_code() {
            f = f.with("descopeCode", v);
        }
        if let Some(v) = e.description() {
            f = f.with("description", v);
        }
        if let Some(v) = e.server_message() {
            f = f.with("serverMessage", v);
        }
        if let Some(wait) = e.retry_after() {
            f = f.with("retryAfterSeconds", wait.as_secs_f64());
        }
        if !e.failures().is_empty() {
            f = f.with(
                "failures",
                serde_json::to_value(e.failures()).unwrap_or(Value::Null),
            );
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_code_has_the_documented_status() {
        let expected = |c: &str| match c {
            "INVALID_ARGUMENT" => 2,
            "CONFIG" => 3,
            "UNAUTHORIZED" | "FORBIDDEN" => 4,
            "NOT_FOUND" => 5,
            "RATE_LIMITED" => 6,
            "TIMEOUT" | "CONNECTION" => 7,
            "OUTCOME_UNKNOWN" => 8,
            "BATCH_REJECTED" => 9,
            _ => 1,
        };
        for code in ErrorCode::ALL {
            assert_eq!(status_for(code), expected(code.as_str()), "{code}");
        }
    }
}
