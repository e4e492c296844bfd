//! The one error type of this crate, with a stable code shared by every binding.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A stable, language-neutral error code. The string form ([`ErrorCode::as_str`]) is used
/// verbatim by the Python, Node.js and C bindings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// Bad input, caught before anything was sent.
    InvalidArgument,
    /// Bad or missing configuration (project id, management key, base URL, options).
    Config,
    /// HTTP 401: the project id or management key was rejected.
    Unauthorized,
    /// HTTP 403: the management key may not perform this call.
    Forbidden,
    /// HTTP 404: the object (or the endpoint) does not exist.
    NotFound,
    /// HTTP 429: rate limited; see [`Error::retry_after`].
    RateLimited,
    /// A batch upload answered 200 with per-item failures: nothing was committed.
    BatchRejected,
    /// Any other HTTP 4xx.
    ApiError,
    /// An HTTP 5xx that carries a Descope error body.
    ServerError,
    /// Timed out before the request was sent (connecting).
    Timeout,
    /// Could not connect to the server; nothing was sent.
    Connection,
    /// The request may have been applied: the connection dropped or timed out after it was
    /// sent, or an edge/proxy 5xx answered a call that is not safe to repeat.
    OutcomeUnknown,
    /// A malformed, non-JSON or oversized response body.
    Decode,
}

impl ErrorCode {
    /// Every code, in a fixed order.
    pub const ALL: [ErrorCode; 13] = [
        ErrorCode::InvalidArgument,
        ErrorCode::Config,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::RateLimited,
        ErrorCode::BatchRejected,
        ErrorCode::ApiError,
        ErrorCode::ServerError,
        ErrorCode::Timeout,
        ErrorCode::Connection,
        ErrorCode::OutcomeUnknown,
        ErrorCode::Decode,
    ];

    /// The code's stable string, e.g. `"RATE_LIMITED"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidArgument => "INVALID_ARGUMENT",
            ErrorCode::Config => "CONFIG",
            ErrorCode::Unauthorized => "UNAUTHORIZED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::BatchRejected => "BATCH_REJECTED",
            ErrorCode::ApiError => "API_ERROR",
            ErrorCode::ServerError => "SERVER_ERROR",
            ErrorCode::Timeout => "TIMEOUT",
            ErrorCode::Connection => "CONNECTION",
            ErrorCode::OutcomeUnknown => "OUTCOME_UNKNOWN",
            ErrorCode::Decode => "DECODE",
        }
    }

    /// Parses a code string produced by [`ErrorCode::as_str`].
    pub fn parse(s: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One item the server refused in a batch upload (wire shape `SaveOAuthAppTokenFailure`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BatchFailure {
    /// The outbound app of the failing item.
    pub app_id: String,
    /// The tenant of the failing item.
    pub tenant_id: String,
    /// Descope's error code for the item.
    pub error_code: String,
    /// A human-readable reason.
    pub reason: String,
}

/// The error returned by every call. Match on [`Error::code`].
///
/// Messages never contain a secret: tokens, cleartexts and the management key are never
/// copied into an error.
#[derive(Debug)]
pub struct Error {
    inner: Box<ErrorInner>,
}

#[derive(Debug)]
struct ErrorInner {
    code: ErrorCode,
    message: String,
    status: Option<u16>,
    error_code: Option<String>,
    description: Option<String>,
    server_message: Option<String>,
    retry_after: Option<Duration>,
    failures: Vec<BatchFailure>,
    request_id: Option<String>,
    external_request_id: Option<String>,
    type_error: bool,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error with a code and a message; other attributes are empty.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            inner: Box::new(ErrorInner {
                code,
                message: message.into(),
                status: None,
                error_code: None,
                description: None,
                server_message: None,
                retry_after: None,
                failures: Vec::new(),
                request_id: None,
                external_request_id: None,
                type_error: false,
                source: None,
            }),
        }
    }

    pub(crate) fn invalid_argument(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::InvalidArgument, message)
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::Config, message)
    }

    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.inner.status = Some(status);
        self
    }

    pub(crate) fn with_descope_body(
        mut self,
        error_code: Option<String>,
        description: Option<String>,
        server_message: Option<String>,
    ) -> Self {
        self.inner.error_code = error_code;
        self.inner.description = description;
        self.inner.server_message = server_message;
        self
    }

    pub(crate) fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.inner.retry_after = retry_after;
        self
    }

    pub(crate) fn with_failures(mut self, failures: Vec<BatchFailure>) -> Self {
        self.inner.failures = failures;
        self
    }

    /// Adds the call's request ids (see [`Error::request_id`], [`Error::external_request_id`]).
    pub(crate) fn with_request_ids(mut self, request_id: Option<String>, external: &str) -> Self {
        self.inner.request_id = request_id;
        self.inner.external_request_id = Some(external.to_owned());
        self
    }

    /// Appends a sentence to the message.
    pub(crate) fn with_message_suffix(mut self, suffix: &str) -> Self {
        self.inner.message.push_str(suffix);
        self
    }

    pub(crate) fn with_type_error(mut self) -> Self {
        self.inner.type_error = true;
        self
    }

    pub(crate) fn with_source(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        self.inner.source = Some(Box::new(source));
        self
    }

    /// The stable error code.
    pub fn code(&self) -> ErrorCode {
        self.inner.code
    }

    /// A human-readable message that says what happened and what to do next.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// Descope's own error code, the body's `errorCode` (e.g. `"E011002"`), when it carried
    /// one. Not to be confused with [`Error::code`], the stable code of this library.
    pub fn descope_code(&self) -> Option<&str> {
        self.inner.error_code.as_deref()
    }

    /// Descope's `errorDescription`, or a sanitised excerpt of a non-JSON error body.
    pub fn description(&self) -> Option<&str> {
        self.inner.description.as_deref()
    }

    /// Descope's `errorMessage`, when the body carried one.
    pub fn server_message(&self) -> Option<&str> {
        self.inner.server_message.as_deref()
    }

    /// How long the server asked us to wait (`Retry-After`), for `RATE_LIMITED`.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// The server's id of the last answer this call received (`cf-ray`, else
    /// `x-request-id`): quote it to Descope support.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }

    /// The call's correlation id, sent as `x-external-rid` on each of its attempts and
    /// recorded by Descope in the project's audit log; `None` for errors raised before a
    /// call was attempted (bad input or settings).
    pub fn external_request_id(&self) -> Option<&str> {
        self.inner.external_request_id.as_deref()
    }

    /// The per-item failures of a `BATCH_REJECTED` error; empty otherwise.
    pub fn failures(&self) -> &[BatchFailure] {
        &self.inner.failures
    }

    /// True for an `INVALID_ARGUMENT` caused by a value of the wrong type (bindings raise
    /// `TypeError` for it in Python and JavaScript).
    pub fn is_type_error(&self) -> bool {
        self.inner.type_error
    }

    /// True when the call may already have been applied on the server.
    pub fn outcome_unknown(&self) -> bool {
        self.inner.code == ErrorCode::OutcomeUnknown
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.inner.code, self.inner.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::ALL {
            assert!(seen.insert(c.as_str()));
            assert_eq!(ErrorCode::parse(c.as_str()), Some(c));
        }
        assert_eq!(ErrorCode::parse("nope"), None);
    }

    #[test]
    fn display_starts_with_code() {
        let e = Error::invalid_argument("id is empty");
        assert_eq!(e.to_string(), "INVALID_ARGUMENT: id is empty");
    }
}
