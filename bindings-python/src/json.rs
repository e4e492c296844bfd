//! Conversions between JSON values (the wire shape) and plain Python objects, and the
//! helpers their errors share. This module knows no model class: [`py_to_json`] takes a
//! hook for the objects its caller accepts besides plain data (see `inputs::decode`).
//!
//! Errors name where a value is (`at`, e.g. `tokens[1].appId`), never the value itself.

use descope_mgmt::bindings::is_showable_field_name;
use descope_mgmt::{Error, ErrorCode};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

use crate::errors::to_pyerr;

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

/// The JSON value of an object that is not plain data, or `None` if the caller does not
/// accept it (then [`py_to_json`] raises its wrong-type error).
pub type ObjectToJson = fn(&Bound<'_, PyAny>) -> Option<Value>;

/// Converts Python data (dict with str keys, list, tuple, str, int, float, bool, None, and
/// whatever `object` converts, at any depth) to JSON. `at` names the value in errors;
/// values are never echoed.
pub fn py_to_json(obj: &Bound<'_, PyAny>, at: &str, object: ObjectToJson) -> PyResult<Value> {
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
            "{at} is an integer out of the 64-bit range; nothing was sent"
        )));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| PyTypeError::new_err(format!("{at} must be a finite number")));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return utf8(s, at, ErrorCode::InvalidArgument).map(Value::String);
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            let key = k
                .cast::<PyString>()
                .map_err(|_| wrong_type(&format!("{at} keys"), "str", &k))
                .and_then(|s| utf8(s, &format!("{at} keys"), ErrorCode::InvalidArgument))?;
            let value = py_to_json(&v, &field_path(at, &key), object)?;
            map.insert(key, value);
        }
        return Ok(Value::Object(map));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for (i, item) in obj.try_iter()?.enumerate() {
            items.push(py_to_json(&item?, &format!("{at}[{i}]"), object)?);
        }
        return Ok(Value::Array(items));
    }
    if let Some(value) = object(obj) {
        return Ok(value);
    }
    Err(wrong_type(
        at,
        "JSON-like data (dict, list, str, int, float, bool or None)",
        obj,
    ))
}

/// `at.key` for a key that looks like a field name, else `at.<field>`: the core's one rule
/// ([`descope_mgmt::bindings::is_showable_field_name`]), so a token pasted as a key is never shown.
pub fn field_path(at: &str, key: &str) -> String {
    if is_showable_field_name(key) {
        format!("{at}.{key}")
    } else {
        format!("{at}.<field>")
    }
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
pub fn utf8(s: &Bound<'_, PyString>, at: &str, code: ErrorCode) -> PyResult<String> {
    match s.to_cow() {
        Ok(text) => Ok(text.into_owned()),
        Err(_) => Err(to_pyerr(
            s.py(),
            &Error::new(
                code,
                format!("{at} is not valid Unicode text (it contains a lone surrogate); nothing was sent"),
            ),
        )),
    }
}
