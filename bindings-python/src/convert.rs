//! Conversions between JSON values (the wire shape) and Python objects, and the small
//! typed-extraction helpers used for keyword arguments and dict inputs.

use descope_mgmt::ErrorCode;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

use crate::errors::raise;

/// Converts a JSON value to plain Python objects (dict, list, str, int, float, bool, None).
pub fn json_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                PyFloat::new(py, n.as_f64().unwrap_or(f64::NAN)).into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => map_to_py(py, map)?.into_any(),
    })
}

/// Converts a JSON object to a Python dict.
pub fn map_to_py<'py>(py: Python<'py>, map: &Map<String, Value>) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (k, v) in map {
        dict.set_item(k, json_to_py(py, v)?)?;
    }
    Ok(dict)
}

/// Converts plain Python data (dict with str keys, list, tuple, str, int, float, bool,
/// None) to JSON. `at` names the value in error messages; values are never echoed.
pub fn py_to_json(obj: &Bound<'_, PyAny>, at: &str) -> PyResult<Value> {
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::from(u));
        }
        return Err(PyTypeError::new_err(format!(
            "{at} is an integer too large for JSON"
        )));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| PyTypeError::new_err(format!("{at} must be a finite number")));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(utf8(s, at, ErrorCode::InvalidArgument)?));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        return Ok(Value::Object(dict_to_map(d, at)?));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for (i, item) in obj.try_iter()?.enumerate() {
            items.push(py_to_json(&item?, &format!("{at}[{i}]"))?);
        }
        return Ok(Value::Array(items));
    }
    Err(PyTypeError::new_err(format!(
        "{at} must be JSON-like data (dict, list, str, int, float, bool or None), not {}",
        type_name(obj)
    )))
}

/// Converts a dict with str keys to a JSON object.
pub fn dict_to_map(d: &Bound<'_, PyDict>, at: &str) -> PyResult<Map<String, Value>> {
    let mut map = Map::new();
    for (k, v) in d.iter() {
        let key = dict_key(&k, at)?;
        let value = py_to_json(&v, &format!("{at}[{key:?}]"))?;
        map.insert(key, value);
    }
    Ok(map)
}

/// A dict key as a string, or a `TypeError`.
pub fn dict_key(k: &Bound<'_, PyAny>, at: &str) -> PyResult<String> {
    str_or(k, &format!("{at} keys"), "str")
}

/// The Python type name of an object, for error messages.
pub fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".to_owned())
}

/// The `TypeError` for a value of the wrong type: names `at`, what it must be and the
/// type it has (never the value, which may be a secret).
pub fn wrong_type(at: &str, expected: &str, v: &Bound<'_, PyAny>) -> PyErr {
    PyTypeError::new_err(format!("{at} must be {expected}, not {}", type_name(v)))
}

/// The text of a `str` as UTF-8. A `str` that is not valid Unicode (a lone surrogate,
/// e.g. from `os.fsdecode` or a bad JSON escape) would otherwise raise a
/// `UnicodeEncodeError` whose `args` and `repr` hold the whole string, maybe a secret: it
/// is a `code` error (`INVALID_ARGUMENT`, or `CONFIG` for client settings) naming `at`.
fn utf8(s: &Bound<'_, PyString>, at: &str, code: ErrorCode) -> PyResult<String> {
    match s.to_cow() {
        Ok(text) => Ok(text.into_owned()),
        Err(_) => Err(raise(
            s.py(),
            code,
            format!("{at} is not valid Unicode text (it contains a lone surrogate); nothing was sent"),
        )),
    }
}

/// Extracts a `str`, or raises [`wrong_type`] saying it must be `expected`.
fn str_or(v: &Bound<'_, PyAny>, at: &str, expected: &str) -> PyResult<String> {
    let s = v
        .cast::<PyString>()
        .map_err(|_| wrong_type(at, expected, v))?;
    utf8(s, at, ErrorCode::InvalidArgument)
}

/// A client setting (`project_id`, `management_key`, `base_url`): `None` when not passed
/// or `None`, else a `str` (`TypeError` otherwise; `ConfigError` if not valid Unicode).
pub fn config_str(v: Option<&Bound<'_, PyAny>>, at: &str) -> PyResult<Option<String>> {
    match v {
        Some(v) if !v.is_none() => {
            let s = v
                .cast::<PyString>()
                .map_err(|_| wrong_type(at, "str or None", v))?;
            utf8(s, at, ErrorCode::Config).map(Some)
        }
        _ => Ok(None),
    }
}

/// Extracts a `str` (never a secret-revealing message on failure).
pub fn req_str(v: &Bound<'_, PyAny>, at: &str) -> PyResult<String> {
    str_or(v, at, "str")
}

/// Extracts an optional `str` (None allowed).
pub fn opt_str(v: &Bound<'_, PyAny>, at: &str) -> PyResult<Option<String>> {
    if v.is_none() {
        return Ok(None);
    }
    str_or(v, at, "str or None").map(Some)
}

/// Extracts an optional `bool` (None allowed; ints are refused).
pub fn opt_bool(v: &Bound<'_, PyAny>, at: &str) -> PyResult<Option<bool>> {
    if v.is_none() {
        return Ok(None);
    }
    let b = v
        .cast::<PyBool>()
        .map_err(|_| wrong_type(at, "bool or None", v))?;
    Ok(Some(b.is_true()))
}

/// Extracts an optional integer (None allowed; bool and float are refused). Values out
/// of the 64-bit range are a `TypeError` too, so nothing is silently truncated.
pub fn opt_int(v: &Bound<'_, PyAny>, at: &str) -> PyResult<Option<i64>> {
    if v.is_none() {
        return Ok(None);
    }
    if v.is_instance_of::<PyBool>() || !v.is_instance_of::<PyInt>() {
        return Err(wrong_type(at, "int or None", v));
    }
    v.extract::<i64>()
        .map(Some)
        .map_err(|_| PyTypeError::new_err(format!("{at} is out of the 64-bit integer range")))
}

/// Extracts an optional list of `str` (a list or tuple; a bare `str` is refused).
pub fn opt_str_list(v: &Bound<'_, PyAny>, at: &str) -> PyResult<Option<Vec<String>>> {
    if v.is_none() {
        return Ok(None);
    }
    if !(v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>()) {
        return Err(wrong_type(at, "a list of str or None", v));
    }
    let mut out = Vec::new();
    for (i, item) in v.try_iter()?.enumerate() {
        out.push(req_str(&item?, &format!("{at}[{i}]"))?);
    }
    Ok(Some(out))
}
