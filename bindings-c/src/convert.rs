//! Pure conversions at the C boundary: borrowing handles and copying Rust strings into C
//! strings. Nothing here fails or catches a panic.

use std::ffi::{c_char, CString};
use std::ptr;

/// Borrows an object handle, or `None` for NULL.
pub(crate) fn handle<'a, T>(p: *const T) -> Option<&'a T> {
    // SAFETY: the caller passes NULL or a live handle returned by this library.
    unsafe { p.as_ref() }
}

/// Every handle may be shared between threads: the client is used concurrently, results and
/// errors are immutable. Each handle type asserts it beside its definition with
/// `const _: () = assert_send_sync::<T>();`.
pub(crate) const fn assert_send_sync<T: Send + Sync>() {}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nul_inside_becomes_a_replacement_character() {
        assert_eq!(cstring("a\0b").to_str().unwrap(), "a\u{FFFD}b");
    }
}
