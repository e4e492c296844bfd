//! The call boundary of every fallible entry point: the panic guard, the `err` and
//! out-parameters, and deferred thread cancellation.

use std::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use crate::convert::{cstring, handle};
use crate::error::{descope_mgmt_error, Failure, FfiResult};
use crate::status::descope_mgmt_status;

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
}
