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
fn text<'a>(s: Borrowed<'a, '_, PyAny>) -> Option<&'a str> {
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

/// A Python object read by the core's direct decoder, borrowed: nothing it reaches is
/// reference-counted, since reading runs no Python code and so nothing can change.
#[derive(Clone, Copy)]
pub struct PySource<'a, 'py>(pub Borrowed<'a, 'py, PyAny>);

impl<'a, 'py> Source for PySource<'a, 'py> {
    type Items = Items<'a, 'py>;
    type Key = &'a str;
    type Text = &'a str;
    type Entries = Entries<'a, 'py>;

    fn read(self) -> Option<Read<Self>> {
        let obj = self.0;
        let ptr = obj.as_ptr();
        // SAFETY: `ptr` is a live object; these are type checks only. The exact types go
        // first (the common case), their subclasses after.
        unsafe {
            if ffi::PyUnicode_CheckExact(ptr) != 0 {
                return text(obj).map(Read::Str);
            }
            if ffi::PyDict_CheckExact(ptr) != 0 {
                return Some(Read::Map(Entries { dict: obj, pos: 0 }));
            }
        }
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
        if obj.is_instance_of::<PyString>() {
            return text(obj).map(Read::Str);
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
pub struct Items<'a, 'py> {
    seq: Borrowed<'a, 'py, PyAny>,
    next: usize,
}

impl<'a, 'py> Iterator for Items<'a, 'py> {
    type Item = Option<PySource<'a, 'py>>;

    fn next(&mut self) -> Option<Self::Item> {
        let ptr = self.seq.as_ptr();
        // SAFETY: `seq` is a list or a tuple (checked by `read`); the index is checked
        // first, so the item is a borrowed reference the sequence keeps alive.
        let item = unsafe {
            let (len, item) = if ffi::PyList_Check(ptr) != 0 {
                (
                    ffi::PyList_Size(ptr),
                    ffi::PyList_GetItem as unsafe extern "C" fn(_, _) -> _,
                )
            } else {
                (
                    ffi::PyTuple_Size(ptr),
                    ffi::PyTuple_GetItem as unsafe extern "C" fn(_, _) -> _,
                )
            };
            let i = ffi::Py_ssize_t::try_from(self.next).ok()?;
            if i >= len {
                return None;
            }
            Borrowed::from_ptr_or_opt(self.seq.py(), item(ptr, i))?
        };
        self.next += 1;
        Some(Some(PySource(item)))
    }
}

/// The entries of a dict, in order (`PyDict_Next`; reading them runs no Python code, so
/// the dict cannot change meanwhile). A key that is not a valid `str` cannot be read.
pub struct Entries<'a, 'py> {
    dict: Borrowed<'a, 'py, PyAny>,
    pos: ffi::Py_ssize_t,
}

impl<'a, 'py> Iterator for Entries<'a, 'py> {
    type Item = Option<(&'a str, PySource<'a, 'py>)>;

    fn next(&mut self) -> Option<Self::Item> {
        let py = self.dict.py();
        let (mut key, mut value) = (std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: `dict` is a dict (checked by `read`); the key and value are borrowed
        // references the dict keeps alive while nothing runs that could change it.
        let (key, value) = unsafe {
            if ffi::PyDict_Next(self.dict.as_ptr(), &mut self.pos, &mut key, &mut value) == 0 {
                return None;
            }
            (Borrowed::from_ptr(py, key), Borrowed::from_ptr(py, value))
        };
        Some((|| {
            // SAFETY: a type check only.
            let is_str = unsafe { ffi::PyUnicode_Check(key.as_ptr()) } != 0;
            let text = if is_str { text(key)? } else { return None };
            Some((text, PySource(value)))
        })())
    }
}
