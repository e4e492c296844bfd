//! Boundary helpers: the panic guard, argument conversion and out-parameter handling.

use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use crate::error::descope_mgmt_error;
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

/// Holds off POSIX thread cancellation while a call runs, as glibc's own non-cancellation
/// functions do. A `pthread_cancel` that arrives meanwhile takes effect at the caller's next
/// cancellation point after the call returned: a cancellation point inside the library
/// (a file read while loading CA certificates, say) would otherwise unwind the thread
/// through Rust frames that cannot be unwound, aborting the process, or lose a rotated key.
struct CancellationDeferred {
    #[cfg(target_os = "linux")]
    previous: std::ffi::c_int,
}

/// glibc and musl (the `libc` crate leaves thread cancellation out on purpose).
#[cfg(target_os = "linux")]
mod cancel {
    use std::ffi::c_int;
    pub(super) const ENABLE: c_int = 0;
    pub(super) const DISABLE: c_int = 1;
    extern "C" {
        pub(super) fn pthread_setcancelstate(state: c_int, oldstate: *mut c_int) -> c_int;
    }
}

impl CancellationDeferred {
    fn new() -> Self {
        #[cfg(target_os = "linux")]
        {
            let mut previous = cancel::ENABLE;
            // SAFETY: acts on the calling thread only; `previous` is writable.
            unsafe { cancel::pthread_setcancelstate(cancel::DISABLE, &mut previous) };
            CancellationDeferred { previous }
        }
        #[cfg(not(target_os = "linux"))]
        CancellationDeferred {}
    }
}

impl Drop for CancellationDeferred {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        {
            let mut ignored = 0;
            // SAFETY: as in `new`; restores the caller's state.
            unsafe { cancel::pthread_setcancelstate(self.previous, &mut ignored) };
        }
    }
}

/// Runs `f` behind the panic boundary, fills `err` and returns the status. Thread
/// cancellation is deferred until it returns.
pub(crate) fn call(
    err: *mut *mut descope_mgmt_error,
    f: impl FnOnce() -> FfiResult<()>,
) -> descope_mgmt_status {
    let _deferred = CancellationDeferred::new();
    if !err.is_null() {
        // SAFETY: the caller passes NULL or a writable `descope_mgmt_error *`.
        unsafe { *err = ptr::null_mut() };
    }
    let failure = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => return descope_mgmt_status::Ok,
        Ok(Err(failure)) => failure,
        Err(_) => Failure::panic(),
    };
    let status = failure.status();
    if !err.is_null() {
        let boxed = catch_unwind(AssertUnwindSafe(|| descope_mgmt_error::boxed(failure)))
            .unwrap_or(ptr::null_mut());
        // SAFETY: as above.
        unsafe { *err = boxed };
    }
    status
}

/// Like [`call`], for a call that creates an object: `out` must not be NULL; it is set to
/// NULL on failure and to the new object on success.
pub(crate) fn call_out<T>(
    out: *mut *mut T,
    what: &str,
    err: *mut *mut descope_mgmt_error,
    f: impl FnOnce() -> FfiResult<T>,
) -> descope_mgmt_status {
    call(err, || {
        if out.is_null() {
            return Err(Failure::null(what));
        }
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { *out = ptr::null_mut() };
        let value = f()?;
        // SAFETY: as above.
        unsafe { *out = Box::into_raw(Box::new(value)) };
        Ok(())
    })
}

/// Runs an accessor behind the panic boundary, returning `default` on a panic.
pub(crate) fn guard<R>(default: R, f: impl FnOnce() -> R) -> R {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(default)
}

/// Borrows an object handle, or `None` for NULL.
pub(crate) fn handle<'a, T>(p: *const T) -> Option<&'a T> {
    // SAFETY: the caller passes NULL or a live handle returned by this library.
    unsafe { p.as_ref() }
}

/// Frees a boxed handle; NULL is a no-op.
pub(crate) fn free_box<T>(p: *mut T) {
    if !p.is_null() {
        guard((), || {
            // SAFETY: `p` was returned by `Box::into_raw` in this library and is freed once.
            drop(unsafe { Box::from_raw(p) });
        });
    }
}

/// A required string argument.
pub(crate) fn str_arg<'a>(p: *const c_char, what: &str) -> FfiResult<&'a str> {
    opt_str_arg(p, what)?.ok_or_else(|| Failure::null(what))
}

/// An optional string argument: NULL is `None`.
pub(crate) fn opt_str_arg<'a>(p: *const c_char, what: &str) -> FfiResult<Option<&'a str>> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: not NULL; the caller promises a NUL-terminated string alive for the call.
    let s = unsafe { CStr::from_ptr(p) };
    s.to_str().map(Some).map_err(|_| Failure::utf8(what))
}

/// An optional array of strings: NULL is `None`; a NULL element is an error.
pub(crate) fn opt_str_array(
    items: *const *const c_char,
    count: usize,
    what: &str,
) -> FfiResult<Option<Vec<String>>> {
    if items.is_null() {
        if count == 0 {
            return Ok(None);
        }
        return Err(Failure::null(&format!(
            "{what} (with {what}_count {count})"
        )));
    }
    (0..count)
        .map(|i| {
            // SAFETY: the caller promises `count` readable elements.
            let p = unsafe { *items.add(i) };
            str_arg(p, &format!("{what}[{i}]")).map(str::to_owned)
        })
        .collect::<FfiResult<Vec<_>>>()
        .map(Some)
}

/// A C string copy of `s`; a NUL byte inside (never expected) becomes U+FFFD.
pub(crate) fn cstring(s: &str) -> CString {
    CString::new(s)
        .unwrap_or_else(|_| CString::new(s.replace('\0', "\u{FFFD}")).expect("no NUL left"))
}

/// Optional C string copy.
pub(crate) fn opt_cstring(s: Option<&str>) -> Option<CString> {
    s.map(cstring)
}

/// The pointer of an optional C string, or NULL.
pub(crate) fn opt_ptr(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(ptr::null(), |c| c.as_ptr())
}

/// The pointer of element `i`, or NULL when out of range.
pub(crate) fn nth_ptr(items: &[CString], i: usize) -> *const c_char {
    items.get(i).map_or(ptr::null(), |c| c.as_ptr())
}

/// Copies strings into C strings.
pub(crate) fn cstrings(items: &[String]) -> Vec<CString> {
    items.iter().map(|s| cstring(s)).collect()
}

/// The body of every `..._to_json` function: writes `f(object)` as a new library-owned
/// C string into `out` (NULL on failure).
pub(crate) fn json_out<T>(
    object: *const T,
    what: &str,
    out: *mut *mut c_char,
    err: *mut *mut descope_mgmt_error,
    f: impl FnOnce(&T) -> serde_json::Value,
) -> descope_mgmt_status {
    call(err, || {
        if out.is_null() {
            return Err(Failure::null("out_json"));
        }
        // SAFETY: `out` is not NULL and the caller promises it is writable.
        unsafe { *out = ptr::null_mut() };
        let object = handle(object).ok_or_else(|| Failure::null(what))?;
        let text = f(object).to_string();
        // SAFETY: as above.
        unsafe { *out = cstring(&text).into_raw() };
        Ok(())
    })
}

// Every handle may be shared between threads: the client is used concurrently, results and
// errors are immutable.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<crate::client::descope_mgmt_client>();
    assert_send_sync::<crate::access_keys::descope_mgmt_rotated_key>();
    assert_send_sync::<crate::dcr_templates::descope_mgmt_dcr_template>();
    assert_send_sync::<descope_mgmt_error>();
};

/// Parses a JSON input argument into one of core's models with core's input decoder: the
/// error names the field path under `what` (e.g. `tokens_json[2].accessTokenExpiry`) and
/// never quotes a value, which may be a secret.
pub(crate) fn parse_json_arg<T: serde::de::DeserializeOwned>(
    json: &str,
    what: &str,
) -> FfiResult<T> {
    Ok(dm::decode_input_json(what, json)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn a_panic_becomes_the_panic_status_and_an_error() {
        let mut err: *mut descope_mgmt_error = ptr::null_mut();
        let status = call(&mut err, || panic!("boom"));
        assert_eq!(status, descope_mgmt_status::Panic);
        assert!(!err.is_null());
        let code = unsafe { CStr::from_ptr(crate::error::descope_mgmt_error_code(err)) };
        assert_eq!(code.to_str().unwrap(), "PANIC");
        crate::error::descope_mgmt_error_free(err);
        assert_eq!(guard(7, || -> i32 { panic!("boom") }), 7);
    }

    #[test]
    fn out_parameters_are_reset_and_null_out_is_reported() {
        let mut out: *mut u8 = 0x1 as *mut u8;
        let status = call_out(&mut out, "out", ptr::null_mut(), || {
            Err::<u8, _>(Failure::null("x"))
        });
        assert_eq!(status, descope_mgmt_status::NullArgument);
        assert!(out.is_null());
        let status = call_out::<u8>(ptr::null_mut(), "out", ptr::null_mut(), || Ok(1));
        assert_eq!(status, descope_mgmt_status::NullArgument);
    }

    #[test]
    fn strings_are_checked() {
        assert!(matches!(
            str_arg(ptr::null(), "x"),
            Err(Failure::Binding {
                status: descope_mgmt_status::NullArgument,
                ..
            })
        ));
        let bad = b"\xff\0";
        assert!(matches!(
            str_arg(bad.as_ptr().cast(), "x"),
            Err(Failure::Binding {
                status: descope_mgmt_status::InvalidUtf8,
                ..
            })
        ));
        assert_eq!(cstring("a\0b").to_str().unwrap(), "a\u{FFFD}b");
    }
}
