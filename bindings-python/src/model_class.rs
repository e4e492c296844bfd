//! What every model class shares: the `model_class!` macro that declares a frozen class
//! over one core value (its properties, `to_dict()`, `from_dict()`, pickling and
//! `repr()`), the [`Field`] conversions behind the properties, the [`Wire`] conversions
//! behind `to_dict()` / `from_dict()`, and [`add_field_properties`], which gives the input
//! classes one property per field of their core model (so a new core field needs no
//! change here).
//!
//! It depends only on `json`: decoding input (what `from_dict()` does for most classes)
//! is the `inputs` module's, which builds on this one.

use descope_mgmt::Secret;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyCFunction, PyDict, PyList, PyString, PyTuple};
use pyo3::IntoPyObjectExt;
use serde_json::{Map, Value};

use crate::json::{json_to_py, map_to_py, type_name};

/// What `repr()` shows instead of a secret.
pub const MASK: &str = "[REDACTED]";

/// Python `repr()` of a JSON-like value.
pub fn py_repr(py: Python<'_>, value: &Value) -> String {
    json_to_py(py, value)
        .and_then(|v| v.repr().map(|r| r.to_string()))
        .unwrap_or_else(|_| "?".to_owned())
}

/// Python `repr()` of a string.
pub fn str_repr(py: Python<'_>, s: &str) -> String {
    PyString::new(py, s)
        .repr()
        .map(|r| r.to_string())
        .unwrap_or_else(|_| "?".to_owned())
}

/// A serde value as JSON (`null` if it cannot be represented, which the core types never do).
pub fn to_value<T: serde::Serialize>(t: &T) -> Value {
    serde_json::to_value(t).unwrap_or(Value::Null)
}

/// The argument of `<class>.from_dict()` as a dict, or a `TypeError`.
pub fn as_dict<'a, 'py>(
    data: &'a Bound<'py, PyAny>,
    class: &str,
) -> PyResult<&'a Bound<'py, PyDict>> {
    data.cast::<PyDict>().map_err(|_| {
        PyTypeError::new_err(format!(
            "{class}.from_dict() takes a dict, not {}",
            type_name(data)
        ))
    })
}

/// The wire names serde knows for the struct `T`: the `fields` its derived `Deserialize`
/// hands to `deserialize_struct` (camelCase names and their `snake_case` aliases). Empty
/// for a type that is not a plain derived struct.
pub fn struct_fields<T: serde::de::DeserializeOwned>() -> &'static [&'static str] {
    use serde::de::{Deserializer, Visitor};

    /// The outcome of the probe, carried as the deserializer's error.
    #[derive(Debug)]
    struct Found(&'static [&'static str]);
    impl std::fmt::Display for Found {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("field probe")
        }
    }
    impl std::error::Error for Found {}
    impl serde::de::Error for Found {
        fn custom<M: std::fmt::Display>(_: M) -> Self {
            Found(&[])
        }
    }

    struct Probe;
    impl<'de> Deserializer<'de> for Probe {
        type Error = Found;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Found> {
            Err(Found(&[]))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Found> {
            Err(Found(fields))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }

    match T::deserialize(Probe) {
        Err(Found(fields)) => fields,
        Ok(_) => &[],
    }
}

/// `snake_case` of a camelCase wire name (`accessTokenExpiry` -> `access_token_expiry`).
pub fn camel_to_snake(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Adds to `cls` a read-only property per wire field name in `fields` (named in
/// `snake_case`; names the class already has are left alone). A property returns that
/// field of `to_dict()` (a fresh copy), or `None` when the field is unset.
pub fn add_field_properties(cls: &Bound<'_, PyAny>, fields: &[&str]) -> PyResult<()> {
    let py = cls.py();
    let property = py.import("builtins")?.getattr("property")?;
    for field in fields {
        let name = camel_to_snake(field);
        if cls.hasattr(name.as_str())? {
            continue;
        }
        let key = name.clone();
        let getter = PyCFunction::new_closure(py, None, None, move |args, _| {
            let slf = args.get_item(0)?;
            let dict = slf.call_method0("to_dict")?;
            for (k, v) in dict.cast::<PyDict>()?.iter() {
                if camel_to_snake(&k.extract::<String>()?) == key {
                    return Ok::<_, PyErr>(v.unbind());
                }
            }
            Ok(args.py().None())
        })?;
        let doc =
            format!("The core model's `{field}` field (None when an optional field is unset).");
        cls.setattr(
            name.as_str(),
            property.call1((getter, py.None(), py.None(), doc))?,
        )?;
    }
    Ok(())
}

/// `__reduce__` through the class's private `_from_wire`, so every class pickles by value.
pub fn reduce_via_from_dict<'py>(
    slf: &Bound<'py, PyAny>,
    dict: Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyTuple>> {
    let from_dict = slf.get_type().getattr("_from_wire")?;
    let args = PyTuple::new(slf.py(), [dict])?;
    PyTuple::new(slf.py(), [from_dict, args.into_any()])
}

/// How a core value crosses to Python (`to_dict()`) and back (`from_dict()`).
pub trait Wire: Sized {
    /// The value in the wire's camelCase JSON shape (secrets in clear).
    fn to_json(&self) -> Value;
    /// The value from the argument of `from_dict()`.
    fn from_py(data: &Bound<'_, PyAny>) -> PyResult<Self>;
    /// The value from exactly what `to_dict()` returned (used by pickling). Differs from
    /// `from_py` only where `to_dict()` can hold fields a caller may not pass, such as
    /// unknown fields a server sent.
    fn from_wire_dict(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::from_py(data)
    }
}

/// How a field of a core value is returned by a property: plain values as they are,
/// secrets in clear, JSON maps as fresh dicts, nested core values as their classes.
pub trait Field {
    /// The field as a Python object.
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>>;
}

/// [`Field`] for types pyo3 converts by value.
macro_rules! field_by_value {
    ($($t:ty),*) => {$(
        impl Field for $t {
            fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                self.clone().into_bound_py_any(py)
            }
        }
    )*};
}
field_by_value!(String, i64, bool);

impl Field for Secret {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.expose().into_bound_py_any(py)
    }
}

impl Field for Map<String, Value> {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        map_to_py(py, self).map(Bound::into_any)
    }
}

impl<T: Field> Field for Option<T> {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Some(v) => v.to_py(py),
            None => Ok(py.None().into_bound(py)),
        }
    }
}

impl<T: Field> Field for Vec<T> {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let list = PyList::empty(py);
        for item in self {
            list.append(item.to_py(py)?)?;
        }
        Ok(list.into_any())
    }
}

/// Declares an immutable Python class `$py` over the core value `$core` (which must
/// implement [`Wire`]; the class needs an inherent `fn repr(&self, py) -> String`):
///
/// * a read-only property for each listed field of `$core`, converted by [`Field`];
/// * `to_dict()`, `from_dict()` (through [`Wire`]), `==` by value, pickling through
///   `from_dict`, and `__repr__` (through `repr`);
/// * [`Field`] for `$core`, so other classes return it as a `$py`;
/// * any further methods given after the field list (e.g. a `#[new]` constructor).
///
/// Expects `pyo3::prelude::*` in scope where it is used.
macro_rules! model_class {
    (
        $(#[doc = $doc:tt])*
        $name:literal: $py:ident($core:ident) {
            $($(#[doc = $field_doc:tt])* $field:ident,)*
        }
        $($methods:tt)*
    ) => {
        $(#[doc = $doc])*
        #[pyclass(frozen, eq, module = "descope_mgmt", name = $name)]
        #[derive(Clone, PartialEq)]
        pub struct $py(pub $core);

        impl $crate::model_class::Field for $core {
            fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                pyo3::IntoPyObjectExt::into_bound_py_any($py(self.clone()), py)
            }
        }

        #[pymethods]
        impl $py {
            $($methods)*
            $(
                $(#[doc = $field_doc])*
                #[getter]
                fn $field<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                    $crate::model_class::Field::to_py(&self.0.$field, py)
                }
            )*
            /// This object as a plain dict in the wire's camelCase JSON shape: secrets in
            /// clear, unknown fields kept, unset optional fields left out.
            fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                $crate::json::json_to_py(py, &$crate::model_class::Wire::to_json(&self.0))
            }
            /// Builds an instance from a dict in the shape `to_dict()` returns (classes with
            /// a constructor also take its snake_case argument names as keys).
            #[classmethod]
            fn from_dict(
                _cls: &Bound<'_, pyo3::types::PyType>,
                data: &Bound<'_, PyAny>,
            ) -> PyResult<Self> {
                $crate::model_class::Wire::from_py(data).map(Self)
            }
            /// Rebuilds an instance from `to_dict()`'s output, for pickling.
            #[classmethod]
            fn _from_wire(
                _cls: &Bound<'_, pyo3::types::PyType>,
                data: &Bound<'_, PyAny>,
            ) -> PyResult<Self> {
                $crate::model_class::Wire::from_wire_dict(data).map(Self)
            }
            fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, pyo3::types::PyTuple>> {
                let d = slf.get().to_dict(slf.py())?;
                $crate::model_class::reduce_via_from_dict(slf.as_any(), d)
            }
            fn __repr__(&self, py: Python<'_>) -> String {
                self.repr(py)
            }
        }
    };
}
pub(crate) use model_class;
