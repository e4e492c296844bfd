//! The panic boundary of calls that return no status: accessors and free functions.

use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs an accessor behind the panic boundary, returning `default` on a panic.
pub(crate) fn guard<R>(default: R, f: impl FnOnce() -> R) -> R {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(default)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_in_an_accessor_gives_the_default() {
        assert_eq!(guard(7, || -> i32 { panic!("boom") }), 7);
    }
}
