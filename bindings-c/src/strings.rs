//! Strings the library hands over to the caller.

use std::ffi::{c_char, CString};

use zeroize::Zeroize;

use crate::panic::guard;

/// Frees a string returned by this library (e.g. by a `..._to_json` function). Its bytes
/// are zeroed first. NULL is a no-op. Never pass it a string this library did not return,
/// and never free this library's strings with libc `free()`.
#[no_mangle]
pub extern "C" fn descope_mgmt_string_free(s: *mut c_char) {
    if s.is_null() {
        return;
    }
    guard((), || {
        // SAFETY: `s` came from `CString::into_raw` in this library and is freed once.
        let owned = unsafe { CString::from_raw(s) };
        owned.into_bytes_with_nul().zeroize();
    });
}
