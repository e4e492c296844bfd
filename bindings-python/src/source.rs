//! Python objects as a source for the core's direct input decoder
//! ([`descope_mgmt::bindings::decode_from`]): a dict or list is read straight into a request
//! model, with no JSON value in between. It reads exactly what the JSON conversion reads
//! (None, bool, int in the 64-bit range, finite float, valid str, dict with str keys, list,
//! tuple) and gives up on anything else, so that the caller decodes the same object through
//! JSON and reports that path's error.
//!
//! Text is read in place: keys and values are borrowed from the `str` objects, and a value
//! is copied only where it is kept (into a model, or straight into a request body).

use std::os::raw::c_char;

use descope_mgmt::bindings::{Read, Source};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

extern "C" {
    /// The UTF-8 form of a `str`, kept by the object (for an ASCII `str`, its own data), or
    /// NULL with an exception set (a lone surrogate). A public function of every CPython
    /// 3.x, and of the limited API from 3.10; pyo3 declares it only for 3.10+ abi3 builds,
    /// and this wheel is built for 3.9+, so it is declared here.
    fn PyUnicode_AsUTF8AndSize(
        unicode: *mut ffi::PyObject,
        size: *mut ffi::Py_ssize_t,
    ) -> *const c_char;
}

/// The text of a `str`, borrowed from the object; `None` when it is not valid Unicode.
fn text<'a>(s: &'a Bound<'_, PyString>) -> Option<&'a str> {
    let mut size: ffi::Py_ssize_t = 0;
    // SAFETY: `s` is a live `str`; the buffer lives as long as the object, which `'a`
    // borrows, and CPython writes only valid UTF-8 into it.
    unsafe {
        let data = PyUnicode_AsUTF8AndSize(s.as_ptr(), &mut size);
        if data.is_null() {
            // A lone surrogate: the JSON path reports it (without the text).
            let _ = PyErr::take(s.py());
            return None;
        }
        let bytes = std::slice::from_raw_parts(data.cast::<u8>(), usize::try_from(size).ok()?);
        Some(std::str::from_utf8_unchecked(bytes))
    }
}

/// A Python object read by the core's direct decoder.
pub struct PySource<'py>(pub Bound<'py, PyAny>);

impl<'py> Source for PySource<'py> {
    type Items = Items<'py>;
    type Key = Text<'py>;
    type Text = Text<'py>;
    type Entries = Entries<'py>;

    fn read(self) -> Option<Read<Self>> {
        let obj = self.0;
        if obj.is_none() {
            return Some(Read::Null);
        }
        if let Ok(b) = obj.cast::<PyBool>() {
            return Some(Read::Bool(b.is_true()));
        }
        if obj.is_instance_of::<PyInt>() {
            return Some(match obj.extract::<i64>() {
                Ok(i) if i >= 0 => Read::U64(i as u64),
                Ok(i) => Read::I64(i),
                Err(_) => Read::U64(obj.extract::<u64>().ok()?),
            });
        }
        if let Ok(f) = obj.cast::<PyFloat>() {
            let f = f.value();
            return f.is_finite().then_some(Read::F64(f));
        }
        if let Ok(s) = obj.cast::<PyString>() {
            let text: *const str = text(s)?;
            return Some(Read::Str(Text { _owner: obj, text }));
        }
        if obj.is_instance_of::<PyDict>() {
            return Some(Read::Map(Entries { dict: obj, pos: 0 }));
        }
        if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
            return Some(Read::List(Items { seq: obj, next: 0 }));
        }
        None
    }
}

/// The items of a list or tuple, by index (no iterator object; reading them runs no
/// Python code, so the list cannot change meanwhile).
pub struct Items<'py> {
    seq: Bound<'py, PyAny>,
    next: usize,
}

impl<'py> Iterator for Items<'py> {
    type Item = Option<PySource<'py>>;

    fn next(&mut self) -> Option<Self::Item> {
        // The length is checked first: reading past the end would raise (and drop) an
        // IndexError at the end of every list.
        let item = match self.seq.cast::<PyList>() {
            Ok(list) if self.next < list.len() => list.get_item(self.next).ok()?,
            Ok(_) => return None,
            Err(_) => {
                let tuple = self.seq.cast::<PyTuple>().ok()?;
                if self.next >= tuple.len() {
                    return None;
                }
                tuple.get_item(self.next).ok()?
            }
        };
        self.next += 1;
        Some(Some(PySource(item)))
    }
}

/// A `str` (a dict key or a value) and its UTF-8 text, borrowed from it.
pub struct Text<'py> {
    _owner: Bound<'py, PyAny>,
    text: *const str,
}

impl AsRef<str> for Text<'_> {
    fn as_ref(&self) -> &str {
        // SAFETY: `text` points into `_owner`'s UTF-8 buffer, which lives as long as it.
        unsafe { &*self.text }
    }
}

/// The entries of a dict, in order (`PyDict_Next`; reading them runs no Python code, so
/// the dict cannot change meanwhile). A key that is not a valid `str` cannot be read.
pub struct Entries<'py> {
    dict: Bound<'py, PyAny>,
    pos: ffi::Py_ssize_t,
}

impl<'py> Iterator for Entries<'py> {
    type Item = Option<(Text<'py>, PySource<'py>)>;

    fn next(&mut self) -> Option<Self::Item> {
        let py = self.dict.py();
        let (mut key, mut value) = (std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: `dict` is a dict (checked by `read`); the key and value are borrowed
        // references, turned into owned ones at once.
        let (key, value) = unsafe {
            if ffi::PyDict_Next(self.dict.as_ptr(), &mut self.pos, &mut key, &mut value) == 0 {
                return None;
            }
            (
                Bound::from_borrowed_ptr(py, key),
                Bound::from_borrowed_ptr(py, value),
            )
        };
        Some((|| {
            let s = key.cast::<PyString>().ok()?;
            let text: *const str = text(s)?;
            Some((Text { _owner: key, text }, PySource(value)))
        })())
    }
}
