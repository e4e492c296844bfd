//! Conversions between JSON values (the wire shape) and Python objects, and decoding of
//! caller input through the core's `descope_mgmt::decode_input`.
//!
//! Input (dicts, keyword arguments, model objects) becomes a JSON value here, then the core
//! decodes it into its request models: field names (camelCase or their `snake_case`
//! aliases), types and unknown fields are checked once, by the models' serde attributes,
//! with errors that name the field path and never a value.

use descope_mgmt::{decode_input, is_showable_field_name, Error, ErrorCode};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};

use crate::errors::to_pyerr;
use crate::model_class::{camel_to_snake, Wire};
use crate::models::{PySessionSettings, PyTenantToken};

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

/// Decodes caller input (a dict, list, model object or plain value) into a core request
/// model. `root` names the argument in errors: a wrong type is a `TypeError`, anything
/// else an `InvalidArgumentError`; both name the path (e.g. `tokens[1].appId`), never a
/// value.
pub fn decode<T: DeserializeOwned>(obj: &Bound<'_, PyAny>, root: &str) -> PyResult<T> {
    let value = py_to_json(obj, root)?;
    decode_input(root, &value).map_err(|e| input_error(obj.py(), &e))
}

/// A core input error as a Python exception: `TypeError` for a wrong type, else the
/// matching `descope_mgmt.errors` class.
fn input_error(py: Python<'_>, e: &Error) -> PyErr {
    if e.is_type_error() {
        PyTypeError::new_err(e.message().to_owned())
    } else {
        to_pyerr(py, e)
    }
}

/// Converts Python data (dict with str keys, list, tuple, str, int, float, bool, None, and
/// the input model objects) to JSON. `at` names the value in errors; values are never
/// echoed.
fn py_to_json(obj: &Bound<'_, PyAny>, at: &str) -> PyResult<Value> {
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
            let value = py_to_json(&v, &field_path(at, &key))?;
            map.insert(key, value);
        }
        return Ok(Value::Object(map));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for (i, item) in obj.try_iter()?.enumerate() {
            items.push(py_to_json(&item?, &format!("{at}[{i}]"))?);
        }
        return Ok(Value::Array(items));
    }
    if let Ok(t) = obj.cast::<PyTenantToken>() {
        return Ok(t.get().0.to_json());
    }
    if let Ok(s) = obj.cast::<PySessionSettings>() {
        return Ok(s.get().0.to_json());
    }
    Err(wrong_type(
        at,
        "JSON-like data (dict, list, str, int, float, bool or None)",
        obj,
    ))
}

/// Keyword arguments as one dict to decode: the named ones first, then `rest` (`**kwargs`).
/// A keyword that is none of the model's wire names in `known` (or their `snake_case`) is
/// a `TypeError`, as Python raises for any unexpected keyword of `function`.
pub fn keyword_args<'py>(
    py: Python<'py>,
    function: &str,
    known: &[&str],
    first: &[(&str, &Bound<'py, PyAny>)],
    rest: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyDict>> {
    let args = PyDict::new(py);
    for (name, value) in first {
        args.set_item(name, value)?;
    }
    if let Some(rest) = rest {
        for (key, value) in rest.iter() {
            let name = key.cast::<PyString>()?.to_cow().map_err(|_| {
                PyTypeError::new_err(format!("a keyword of {function}() is not valid Unicode"))
            })?;
            if !known
                .iter()
                .any(|f| *f == name || camel_to_snake(f) == name)
            {
                let shown = if is_showable_field_name(&name) {
                    format!("'{name}'")
                } else {
                    "(name not shown)".to_owned()
                };
                return Err(PyTypeError::new_err(format!(
                    "{function}() got an unexpected keyword argument {shown}; nothing was sent"
                )));
            }
            args.set_item(key, value)?;
        }
    }
    Ok(args)
}

/// `at.key` for a key that looks like a field name, else `at.<field>`: the core's one rule
/// ([`descope_mgmt::is_showable_field_name`]), so a token pasted as a key is never shown.
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
fn utf8(s: &Bound<'_, PyString>, at: &str, code: ErrorCode) -> PyResult<String> {
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
