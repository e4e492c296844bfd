//! Failures: [`Failure`], why a call failed inside the library, and `descope_mgmt_error`,
//! the detailed error a failed call hands back through `err`.

use std::ffi::{c_char, CString};
use std::ptr;

use crate::convert::{assert_send_sync, cstring, handle, opt_cstring, opt_ptr};
use crate::panic::{free_box, guard};
use crate::status::descope_mgmt_status;

/// Why a call failed: a core error, or a problem found at the C boundary.
pub(crate) enum Failure {
    /// An error from the core crate (validation, configuration, HTTP, ...).
    Core(Box<dm::Error>),
    /// A NULL pointer, invalid UTF-8, a malformed struct or a caught panic.
    Binding {
        status: descope_mgmt_status,
        message: String,
    },
}

impl Failure {
    /// A NULL pointer where a value was required.
    pub(crate) fn null(what: &str) -> Self {
        Failure::Binding {
            status: descope_mgmt_status::NullArgument,
            message: format!("{what} is NULL: pass a valid pointer"),
        }
    }

    /// A string that is not UTF-8 (its content is never quoted: it may be a secret).
    pub(crate) fn utf8(what: &str) -> Self {
        Failure::Binding {
            status: descope_mgmt_status::InvalidUtf8,
            message: format!("{what} is not valid UTF-8: pass a UTF-8, NUL-terminated string"),
        }
    }

    /// Bad input detected by the binding rather than by core.
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Failure::Core(Box::new(dm::Error::new(
            dm::ErrorCode::InvalidArgument,
            message,
        )))
    }

    /// A panic caught at the boundary.
    pub(crate) fn panic() -> Self {
        Failure::Binding {
            status: descope_mgmt_status::Panic,
            message: "internal error: a panic was caught inside descope_mgmt; please report it"
                .to_string(),
        }
    }

    /// The status returned to C.
    pub(crate) fn status(&self) -> descope_mgmt_status {
        match self {
            Failure::Core(e) => descope_mgmt_status::from_code(e.code()),
            Failure::Binding { status, .. } => *status,
        }
    }
}

impl From<dm::Error> for Failure {
    fn from(e: dm::Error) -> Self {
        Failure::Core(Box::new(e))
    }
}

/// The result type of the bodies of entry points.
pub(crate) type FfiResult<T> = Result<T, Failure>;

/// An error returned through the `descope_mgmt_error **err` out-parameter of a failed call.
///
/// Opaque and immutable; read it with the `descope_mgmt_error_*` accessors (strings they
/// return are borrowed and stay valid until the error is freed) and free it with
/// `descope_mgmt_error_free`. Messages never contain a secret.
pub struct descope_mgmt_error {
    status: descope_mgmt_status,
    message: CString,
    http_status: u16,
    descope_code: Option<CString>,
    description: Option<CString>,
    server_message: Option<CString>,
    retry_after_ms: i64,
    failures: Vec<BatchFailure>,
    request_id: Option<CString>,
    external_request_id: Option<CString>,
}

// Immutable: an error may be read from many threads at once.
const _: () = assert_send_sync::<descope_mgmt_error>();

/// One rejected item of a batch upload, as C strings.
struct BatchFailure {
    app_id: CString,
    tenant_id: CString,
    error_code: CString,
    reason: CString,
}

impl descope_mgmt_error {
    /// Converts a failure into a heap-allocated error for C.
    pub(crate) fn boxed(failure: Failure) -> *mut descope_mgmt_error {
        let status = failure.status();
        let error = match failure {
            Failure::Binding { message, .. } => descope_mgmt_error {
                status,
                message: cstring(&message),
                http_status: 0,
                descope_code: None,
                description: None,
                server_message: None,
                retry_after_ms: -1,
                failures: Vec::new(),
                request_id: None,
                external_request_id: None,
            },
            Failure::Core(e) => descope_mgmt_error {
                status,
                message: cstring(e.message()),
                http_status: e.status().unwrap_or(0),
                descope_code: opt_cstring(e.descope_code()),
                description: opt_cstring(e.description()),
                server_message: opt_cstring(e.server_message()),
                request_id: opt_cstring(e.request_id()),
                external_request_id: opt_cstring(e.external_request_id()),
                retry_after_ms: e
                    .retry_after()
                    .map_or(-1, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
                failures: e
                    .failures()
                    .iter()
                    .map(|f| BatchFailure {
                        app_id: cstring(&f.app_id),
                        tenant_id: cstring(&f.tenant_id),
                        error_code: cstring(&f.error_code),
                        reason: cstring(&f.reason),
                    })
                    .collect(),
            },
        };
        Box::into_raw(Box::new(error))
    }
}

/// The error's status (never `DESCOPE_MGMT_STATUS_OK`); `DESCOPE_MGMT_STATUS_NULL_ARGUMENT`
/// when `err` is NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_error_status(err: *const descope_mgmt_error) -> descope_mgmt_status {
    guard(descope_mgmt_status::Panic, || {
        handle(err).map_or(descope_mgmt_status::NullArgument, |e| e.status)
    })
}

/// The error's stable code string, e.g. `"RATE_LIMITED"` (the same string in every language
/// binding; `descope_mgmt_status_str` of its status). Static: never freed. NULL when `err`
/// is NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_error_code(err: *const descope_mgmt_error) -> *const c_char {
    guard(ptr::null(), || {
        handle(err).map_or(ptr::null(), |e| e.status.as_ptr())
    })
}

/// A human-readable message saying what happened and what to do next (never NULL for a
/// non-NULL `err`). Borrowed: valid until the error is freed.
#[no_mangle]
pub extern "C" fn descope_mgmt_error_message(err: *const descope_mgmt_error) -> *const c_char {
    guard(ptr::null(), || {
        handle(err).map_or(ptr::null(), |e| e.message.as_ptr())
    })
}

/// The HTTP status when the server answered, otherwise 0.
#[no_mangle]
pub extern "C" fn descope_mgmt_error_http_status(err: *const descope_mgmt_error) -> u16 {
    guard(0, || handle(err).map_or(0, |e| e.http_status))
}

/// Descope's `errorCode` (e.g. `"E011002"`) when the error body carried one, otherwise
/// NULL. Borrowed: valid until the error is freed.
#[no_mangle]
pub extern "C" fn descope_mgmt_error_descope_code(err: *const descope_mgmt_error) -> *const c_char {
    guard(ptr::null(), || {
        handle(err).map_or(ptr::null(), |e| opt_ptr(&e.descope_code))
    })
}

/// Descope's `errorDescription` (or a sanitised excerpt of a non-JSON error body), otherwise
/// NULL. Borrowed: valid until the error is freed.
#[no_mangle]
pub extern "C" fn descope_mgmt_error_description(err: *const descope_mgmt_error) -> *const c_char {
    guard(ptr::null(), || {
        handle(err).map_or(ptr::null(), |e| opt_ptr(&e.description))
    })
}

/// Descope's `errorMessage` when the error body carried one, otherwise NULL. Borrowed: valid
/// until the error is freed.
#[no_mangle]
pub extern "C" fn descope_mgmt_error_server_message(
    err: *const descope_mgmt_error,
) -> *const c_char {
    guard(ptr::null(), || {
        handle(err).map_or(ptr::null(), |e| opt_ptr(&e.server_message))
    })
}

/// The server's id of the call's last answer (`cf-ray`, else `x-request-id`), to quote to
/// Descope support; NULL when no answer carried one. Borrowed: valid until the error is
/// freed.
#[no_mangle]
pub extern "C" fn descope_mgmt_error_request_id(err: *const descope_mgmt_error) -> *const c_char {
    guard(ptr::null(), || {
        handle(err).map_or(ptr::null(), |e| opt_ptr(&e.request_id))
    })
}

/// The call's correlation id, sent as `x-external-rid` on each of its attempts and recorded
/// by Descope in the project's audit log (after `DESCOPE_MGMT_STATUS_OUTCOME_UNKNOWN`,
/// search the audit log for it); NULL when nothing was attempted (bad input or options).
/// Borrowed: valid until the error is freed.
#[no_mangle]
pub extern "C" fn descope_mgmt_error_external_request_id(
    err: *const descope_mgmt_error,
) -> *const c_char {
    guard(ptr::null(), || {
        handle(err).map_or(ptr::null(), |e| opt_ptr(&e.external_request_id))
    })
}

/// How long the server asked to wait before retrying (`Retry-After`, for
/// `DESCOPE_MGMT_STATUS_RATE_LIMITED`), in milliseconds; -1 when it did not say.
#[no_mangle]
pub extern "C" fn descope_mgmt_error_retry_after_ms(err: *const descope_mgmt_error) -> i64 {
    guard(-1, || handle(err).map_or(-1, |e| e.retry_after_ms))
}

/// The number of rejected items of a `DESCOPE_MGMT_STATUS_BATCH_REJECTED` error; 0 for
/// other errors.
#[no_mangle]
pub extern "C" fn descope_mgmt_error_failures_count(err: *const descope_mgmt_error) -> usize {
    guard(0, || handle(err).map_or(0, |e| e.failures.len()))
}

fn failure_field(
    err: *const descope_mgmt_error,
    index: usize,
    field: fn(&BatchFailure) -> &CString,
) -> *const c_char {
    guard(ptr::null(), || {
        handle(err)
            .and_then(|e| e.failures.get(index))
            .map_or(ptr::null(), |f| field(f).as_ptr())
    })
}

/// The app id of rejected item `index` (0-based, below `descope_mgmt_error_failures_count`);
/// NULL when out of range. Borrowed: valid until the error is freed.
#[no_mangle]
pub extern "C" fn descope_mgmt_error_failure_app_id(
    err: *const descope_mgmt_error,
    index: usize,
) -> *const c_char {
    failure_field(err, index, |f| &f.app_id)
}

/// The tenant id of rejected item `index`; NULL when out of range. Borrowed: valid until
/// the error is freed.
#[no_mangle]
pub extern "C" fn descope_mgmt_error_failure_tenant_id(
    err: *const descope_mgmt_error,
    index: usize,
) -> *const c_char {
    failure_field(err, index, |f| &f.tenant_id)
}

/// Descope's error code for rejected item `index`; NULL when out of range. Borrowed: valid
/// until the error is freed.
#[no_mangle]
pub extern "C" fn descope_mgmt_error_failure_error_code(
    err: *const descope_mgmt_error,
    index: usize,
) -> *const c_char {
    failure_field(err, index, |f| &f.error_code)
}

/// The reason rejected item `index` was refused; NULL when out of range. Borrowed: valid
/// until the error is freed.
#[no_mangle]
pub extern "C" fn descope_mgmt_error_failure_reason(
    err: *const descope_mgmt_error,
    index: usize,
) -> *const c_char {
    failure_field(err, index, |f| &f.reason)
}

/// Frees an error. NULL is a no-op; freeing the same error twice is undefined behaviour.
#[no_mangle]
pub extern "C" fn descope_mgmt_error_free(err: *mut descope_mgmt_error) {
    free_box(err);
}
