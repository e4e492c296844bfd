//! Argument readers: C strings, string arrays and JSON text in, Rust values or a
//! [`Failure`] naming the argument out.

use std::ffi::{c_char, CStr};

use crate::error::{Failure, FfiResult};

/// A required string argument.
pub(crate) fn str_arg<'a>(p: *const c_char, what: &str) -> FfiResult<&'a str> {
    opt_str_arg(p, what)?.ok_or_else(|| Failure::null(what))
}

/// An optional string argument: NULL is `None`.
pub(crate) fn opt_str_arg<'a>(p: *const c_char, what: &str) -> FfiResult<Option<&'a str>> {
    opt_str_arg_at(p, || what.to_owned())
}

/// [`opt_str_arg`] for an argument whose name is only spelled out for an error (an item of
/// a 100,000-token batch: `tokens[i].app_id`).
pub(crate) fn opt_str_arg_at<'a>(
    p: *const c_char,
    what: impl FnOnce() -> String,
) -> FfiResult<Option<&'a str>> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: not NULL; the caller promises a NUL-terminated string alive for the call.
    let s = unsafe { CStr::from_ptr(p) };
    s.to_str().map(Some).map_err(|_| Failure::utf8(&what()))
}

/// An optional array of strings: NULL is `None`; a NULL element is an error.
pub(crate) fn opt_str_array(
    items: *const *const c_char,
    count: usize,
    what: impl Fn() -> String,
) -> FfiResult<Option<Vec<String>>> {
    let borrowed = opt_str_slices(items, count, what)?;
    Ok(borrowed.map(|v| v.into_iter().map(str::to_owned).collect()))
}

/// [`opt_str_array`], the strings borrowed from the caller.
pub(crate) fn opt_str_slices<'a>(
    items: *const *const c_char,
    count: usize,
    what: impl Fn() -> String,
) -> FfiResult<Option<Vec<&'a str>>> {
    if items.is_null() {
        if count == 0 {
            return Ok(None);
        }
        let what = what();
        return Err(Failure::null(&format!(
            "{what} (with {what}_count {count})"
        )));
    }
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        // SAFETY: the caller promises `count` readable elements.
        let p = unsafe { *items.add(i) };
        let item = opt_str_arg_at(p, || format!("{}[{i}]", what()))?
            .ok_or_else(|| Failure::null(&format!("{}[{i}]", what())))?;
        out.push(item);
    }
    Ok(Some(out))
}

/// Parses a JSON input argument into one of core's models with core's input decoder: the
/// error names the field path under `what` (e.g. `tokens_json[2].accessTokenExpiry`) and
/// never quotes a value, which may be a secret.
pub(crate) fn parse_json_arg<T: serde::de::DeserializeOwned>(
    json: &str,
    what: &str,
) -> FfiResult<T> {
    Ok(dm::bindings::decode_input_json(what, json)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::descope_mgmt_status;
    use std::ptr;

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
    }
}
