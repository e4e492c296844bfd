//! `descope_mgmt_status`: the return value of every fallible call.

use std::ffi::{c_char, CStr};
use std::os::raw::c_int;

use dm::ErrorCode;

use crate::panic::guard;

/// The outcome of a call. `DESCOPE_MGMT_STATUS_OK` (0) is success; every other value is an
/// error, described in detail by the `descope_mgmt_error` the call produced.
///
/// Values 1..=13 mirror the core error codes shared by every language binding; values from
/// 100 are specific to the C binding. Every number is explicit and is never reused, so it
/// is safe to store or compare numerically.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum descope_mgmt_status {
    /// Success.
    Ok = 0,
    /// Bad input, caught before anything was sent.
    InvalidArgument = 1,
    /// Bad or missing configuration (project id, management key, base URL, options).
    Config = 2,
    /// HTTP 401: the project id or management key was rejected.
    Unauthorized = 3,
    /// HTTP 403: the management key may not perform this call.
    Forbidden = 4,
    /// HTTP 404: the object (or the endpoint) does not exist.
    NotFound = 5,
    /// HTTP 429: rate limited; see `descope_mgmt_error_retry_after_ms`.
    RateLimited = 6,
    /// A batch upload answered with per-item failures: nothing was committed; see
    /// `descope_mgmt_error_failures_count`.
    BatchRejected = 7,
    /// Any other HTTP 4xx.
    ApiError = 8,
    /// An HTTP 5xx that carries a Descope error body.
    ServerError = 9,
    /// Timed out while connecting; nothing was sent.
    Timeout = 10,
    /// Could not connect to the server; nothing was sent.
    Connection = 11,
    /// The request may have been applied (the connection dropped or timed out after it was
    /// sent): check before repeating a call that is not safe to repeat.
    OutcomeUnknown = 12,
    /// A malformed, non-JSON or oversized response body.
    Decode = 13,
    /// A required pointer argument was NULL.
    NullArgument = 100,
    /// A string argument was not valid UTF-8.
    InvalidUtf8 = 101,
    /// An internal error (a Rust panic) was caught at the library boundary. Please report it.
    Panic = 102,
}

impl descope_mgmt_status {
    /// The status for a core error code.
    pub(crate) fn from_code(code: ErrorCode) -> Self {
        match code {
            ErrorCode::InvalidArgument => Self::InvalidArgument,
            ErrorCode::Config => Self::Config,
            ErrorCode::Unauthorized => Self::Unauthorized,
            ErrorCode::Forbidden => Self::Forbidden,
            ErrorCode::NotFound => Self::NotFound,
            ErrorCode::RateLimited => Self::RateLimited,
            ErrorCode::BatchRejected => Self::BatchRejected,
            ErrorCode::ApiError => Self::ApiError,
            ErrorCode::ServerError => Self::ServerError,
            ErrorCode::Timeout => Self::Timeout,
            ErrorCode::Connection => Self::Connection,
            ErrorCode::OutcomeUnknown => Self::OutcomeUnknown,
            ErrorCode::Decode => Self::Decode,
        }
    }

    /// The stable code string, e.g. `"RATE_LIMITED"`.
    pub(crate) fn as_cstr(self) -> &'static CStr {
        match self {
            Self::Ok => c"OK",
            Self::InvalidArgument => c"INVALID_ARGUMENT",
            Self::Config => c"CONFIG",
            Self::Unauthorized => c"UNAUTHORIZED",
            Self::Forbidden => c"FORBIDDEN",
            Self::NotFound => c"NOT_FOUND",
            Self::RateLimited => c"RATE_LIMITED",
            Self::BatchRejected => c"BATCH_REJECTED",
            Self::ApiError => c"API_ERROR",
            Self::ServerError => c"SERVER_ERROR",
            Self::Timeout => c"TIMEOUT",
            Self::Connection => c"CONNECTION",
            Self::OutcomeUnknown => c"OUTCOME_UNKNOWN",
            Self::Decode => c"DECODE",
            Self::NullArgument => c"NULL_ARGUMENT",
            Self::InvalidUtf8 => c"INVALID_UTF8",
            Self::Panic => c"PANIC",
        }
    }

    /// The stable code string as a static C string.
    pub(crate) fn as_ptr(self) -> *const c_char {
        self.as_cstr().as_ptr()
    }

    /// Every status, in numeric order.
    pub(crate) const ALL: [descope_mgmt_status; 17] = [
        Self::Ok,
        Self::InvalidArgument,
        Self::Config,
        Self::Unauthorized,
        Self::Forbidden,
        Self::NotFound,
        Self::RateLimited,
        Self::BatchRejected,
        Self::ApiError,
        Self::ServerError,
        Self::Timeout,
        Self::Connection,
        Self::OutcomeUnknown,
        Self::Decode,
        Self::NullArgument,
        Self::InvalidUtf8,
        Self::Panic,
    ];
}

/// The stable name of a status as a static string that must not be freed: `"OK"` for 0,
/// otherwise the error code string shared by every language binding (e.g.
/// `"RATE_LIMITED"`), or `"NULL_ARGUMENT"`, `"INVALID_UTF8"`, `"PANIC"`. A number that is
/// not a `descope_mgmt_status` gives `"UNKNOWN"`.
///
/// Takes an `int` so that any number can be passed safely; pass a `descope_mgmt_status`.
#[no_mangle]
pub extern "C" fn descope_mgmt_status_str(status: c_int) -> *const c_char {
    guard(c"UNKNOWN".as_ptr(), || {
        descope_mgmt_status::ALL
            .into_iter()
            .find(|s| *s as c_int == status)
            .map_or(c"UNKNOWN".as_ptr(), descope_mgmt_status::as_ptr)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_codes_map_to_statuses_with_the_same_string() {
        for code in ErrorCode::ALL {
            let s = descope_mgmt_status::from_code(code);
            let name = unsafe { CStr::from_ptr(descope_mgmt_status_str(s as c_int)) };
            assert_eq!(name.to_str().unwrap(), code.as_str());
        }
        let ok = unsafe { CStr::from_ptr(descope_mgmt_status_str(0)) };
        assert_eq!(ok.to_str().unwrap(), "OK");
        let unknown = unsafe { CStr::from_ptr(descope_mgmt_status_str(55)) };
        assert_eq!(unknown.to_str().unwrap(), "UNKNOWN");
    }

    #[test]
    fn numbers_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for s in descope_mgmt_status::ALL {
            assert!(seen.insert(s as i32));
        }
    }
}
