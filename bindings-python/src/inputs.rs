//! Caller input, decoded into the core's request models through the core's
//! `descope_mgmt::bindings::decode_input`; and the input classes (`TenantToken`,
//! `SessionSettings`), whose objects are input too.
//!
//! Input (dicts, keyword arguments, input model objects) becomes a JSON value (see
//! `json::py_to_json`, which hands the input model objects back to [`input_object`]), then
//! the core decodes it into its request models: field names (camelCase or their
//! `snake_case` aliases), types and unknown fields are checked once, by the models' serde
//! attributes, with errors that name the field path and never a value.
//!
//! The input classes get one property per core field from [`add_input_properties`]; their
//! constructors and `from_dict()` are decoded by the core like any other input.

use descope_mgmt::bindings::{
    check_batch_len, decode_from, decode_input, is_showable_field_name, TokenBatch,
    TokenBatchWriter,
};
use descope_mgmt::{
    Error, ErrorCode, NewDcrTemplate, ReturnedSessionSettings, Secret, SessionSettings, TenantToken,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::errors::to_pyerr;
use crate::json::{py_to_json, utf8, wrong_type};
use crate::model_class::{
    add_field_properties, as_dict, camel_to_snake, model_class, py_repr, str_repr, struct_fields,
    to_value, Wire, MASK,
};
use crate::source::PySource;

/// Decodes caller input (a dict, list, model object or plain value) into a core request
/// model. `root` names the argument in errors: a wrong type is a `TypeError`, anything
/// else an `InvalidArgumentError`; both name the path (e.g. `tokens[1].appId`), never a
/// value.
pub fn decode<T: DeserializeOwned>(obj: &Bound<'_, PyAny>, root: &str) -> PyResult<T> {
    // The direct path reads plain data straight into the model; anything it does not
    // decode (an input object, any error) goes through JSON, whose error is reported.
    if let Some(value) = decode_from(PySource(obj.as_borrowed())) {
        return Ok(value);
    }
    let value = py_to_json(obj, root, input_object)?;
    decode_input(root, &value).map_err(|e| input_error(obj.py(), &e))
}

/// The input model objects (`TenantToken`, `SessionSettings`) as JSON, wherever they are
/// in the input; `None` for any other object (a wrong type).
fn input_object(obj: &Bound<'_, PyAny>) -> Option<Value> {
    if let Ok(t) = obj.cast::<PyTenantToken>() {
        return Some(t.get().0.to_json());
    }
    if let Ok(s) = obj.cast::<PySessionSettings>() {
        return Some(s.get().0.to_json());
    }
    None
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

/// Decodes a `from_dict` argument (a dict) through the core, like any input.
pub fn from_json<T: DeserializeOwned>(data: &Bound<'_, PyAny>, class: &str) -> PyResult<T> {
    decode(as_dict(data, class)?, "data")
}

/// [`Wire`] through serde: `from_dict()` decodes through the core, which takes the
/// model's wire (camelCase) names and its `snake_case` aliases.
macro_rules! serde_wire {
    ($($core:ident),* $(,)?) => {$(
        impl $crate::model_class::Wire for $core {
            fn to_json(&self) -> ::serde_json::Value {
                $crate::model_class::to_value(self)
            }
            fn from_py(data: &Bound<'_, PyAny>) -> PyResult<Self> {
                $crate::inputs::from_json(data, stringify!($core))
            }
        }
    )*};
}
pub(crate) use serde_wire;

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

/// The id argument of a rotate: a `str` (a lone surrogate is an `InvalidArgumentError`).
pub fn key_id(id: &Bound<'_, PyAny>) -> PyResult<String> {
    decode(id, "id")
}

/// The body of a create-template call: `name` and the keyword arguments, which are the
/// core model's fields (snake_case or camelCase), decoded by the core.
pub fn new_template<'py>(
    py: Python<'py>,
    name: &Bound<'py, PyAny>,
    options: Option<&Bound<'py, PyDict>>,
) -> PyResult<NewDcrTemplate> {
    let known = struct_fields::<NewDcrTemplate>();
    let args = keyword_args(py, "create_dcr_template", known, &[("name", name)], options)?;
    decode(&args, "template")
}

/// Gives the input classes `TenantToken` and `SessionSettings` one property per field of
/// their core model, so a field added in the core needs no change in this binding.
pub fn add_input_properties(m: &Bound<'_, PyModule>) -> PyResult<()> {
    add_field_properties(&m.getattr("TenantToken")?, struct_fields::<TenantToken>())?;
    add_field_properties(
        &m.getattr("SessionSettings")?,
        struct_fields::<SessionSettings>(),
    )
}

// ---------------------------------------------------------------------------------------
// TenantToken

serde_wire!(TenantToken);

model_class! {
    /// One tenant's OAuth token for an outbound app, for `batch_upload_tenant_tokens`.
    ///
    /// `app_id` and `tenant_id` are required, and at least one of `refresh_token` /
    /// `access_token` (checked when uploading). `repr()` masks the tokens.
    /// Its properties (one per core field) are added by [`add_input_properties`].
    "TenantToken": PyTenantToken(TenantToken) {}

    /// `TenantToken(app_id, tenant_id, *, refresh_token=None, ...)`: the keywords are the
    /// core model's fields (snake_case or camelCase), decoded by the core like a dict.
    #[new]
    #[pyo3(signature = (app_id, tenant_id, **fields))]
    fn new<'py>(
        py: Python<'py>,
        app_id: &Bound<'py, PyAny>,
        tenant_id: &Bound<'py, PyAny>,
        fields: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Self> {
        let first = [("app_id", app_id), ("tenant_id", tenant_id)];
        let known = struct_fields::<TenantToken>();
        let args = keyword_args(py, "TenantToken", known, &first, fields)?;
        decode(&args, "TenantToken").map(Self)
    }
}

impl PyTenantToken {
    fn repr(&self, py: Python<'_>) -> String {
        let t = &self.0;
        let mut parts = vec![
            format!("app_id={}", str_repr(py, &t.app_id)),
            format!("tenant_id={}", str_repr(py, &t.tenant_id)),
        ];
        let secret = |name: &str, v: &Option<Secret>| v.as_ref().map(|_| format!("{name}={MASK}"));
        parts.extend(secret("refresh_token", &t.refresh_token));
        parts.extend(secret("access_token", &t.access_token));
        parts.extend(
            t.access_token_expiry
                .map(|v| format!("access_token_expiry={v}")),
        );
        let text = |name: &str, v: &Option<String>| {
            v.as_ref().map(|s| format!("{name}={}", str_repr(py, s)))
        };
        parts.extend(text("access_token_type", &t.access_token_type));
        parts.extend(
            t.scopes
                .as_ref()
                .map(|s| format!("scopes={}", py_repr(py, &to_value(s)))),
        );
        parts.extend(text("external_identifier", &t.external_identifier));
        parts.extend(secret("id_token", &t.id_token));
        parts.extend(text("granted_by", &t.granted_by));
        format!("TenantToken({})", parts.join(", "))
    }
}

/// The `tokens` argument of `batch_upload_tenant_tokens`: a list (or any iterable other
/// than a str, dict or single token) of `TenantToken` objects or dicts, checked and
/// written into the request body as it is read. A dict is read straight into the body;
/// one that path does not take is decoded like any input, for its error.
pub struct TokenList(pub TokenBatch);

impl<'a, 'py> FromPyObject<'a, 'py> for TokenList {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let obj = obj.to_owned();
        let py = obj.py();
        let not_a_list = || wrong_type("tokens", "a list of TenantToken or dict", &obj);
        if obj.is_instance_of::<PyString>()
            || obj.is_instance_of::<PyDict>()
            || obj.is_instance_of::<PyTenantToken>()
            || obj.is_instance_of::<pyo3::types::PyBytes>()
        {
            return Err(not_a_list());
        }
        let len = obj.len().unwrap_or(0);
        // Before any item is read: a huge list is refused at once.
        check_batch_len(len).map_err(|e| to_pyerr(py, &e))?;
        let iter = obj.try_iter().map_err(|_| not_a_list())?;
        let mut batch = TokenBatchWriter::new(len);
        for (i, item) in iter.enumerate() {
            let item = item?;
            match item.cast::<PyTenantToken>() {
                Ok(t) => batch.push(&t.get().0),
                Err(_) => {
                    if !batch.push_source(PySource(item.as_borrowed())) {
                        // The item's path is only spelled out when there is an error to report.
                        let token: TenantToken = decode(&item, &format!("tokens[{i}]"))?;
                        batch.push(&token);
                    }
                }
            }
        }
        batch.finish().map(TokenList).map_err(|e| to_pyerr(py, &e))
    }
}

// ---------------------------------------------------------------------------------------
// SessionSettings

model_class! {
    /// Token lifetimes and JWT templates of a dynamic registration template. Every field is
    /// optional; unset fields are not sent. Units are `"minutes"`, `"hours"`, `"days"` or `"weeks"`.
    /// Its field properties are added by [`add_input_properties`]. As input it takes only
    /// the known fields; one a server returns also keeps the fields this version does not
    /// know, in `extra`.
    "SessionSettings": PySessionSettings(ReturnedSessionSettings) {
        /// Fields this version does not know (from server answers), kept verbatim.
        extra,
    }

    /// `SessionSettings(*, enabled=None, ...)`: the keywords are the core model's fields
    /// (snake_case or camelCase), decoded by the core like a dict.
    #[new]
    #[pyo3(signature = (**fields))]
    fn new(py: Python<'_>, fields: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let known = struct_fields::<SessionSettings>();
        let args = keyword_args(py, "SessionSettings", known, &[], fields)?;
        decode::<SessionSettings>(&args, "SessionSettings").map(|s| Self(s.into()))
    }
}

/// `from_dict()` takes snake_case or camelCase (wire) keys, or a `SessionSettings`; an
/// unknown field is refused, by the core's input type.
impl Wire for ReturnedSessionSettings {
    fn to_json(&self) -> Value {
        to_value(self)
    }

    fn from_py(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        decode::<SessionSettings>(data, "data").map(Self::from)
    }

    /// Settings from a server answer may carry unknown fields (kept in `extra`), which
    /// `from_dict` (input) refuses.
    fn from_wire_dict(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        from_json(data, "SessionSettings")
    }
}

impl PySessionSettings {
    fn repr(&self, py: Python<'_>) -> String {
        let mut parts: Vec<String> = match to_value(&self.0.settings) {
            Value::Object(m) => m
                .iter()
                .map(|(k, v)| format!("{}={}", camel_to_snake(k), py_repr(py, v)))
                .collect(),
            _ => Vec::new(),
        };
        if !self.0.extra.is_empty() {
            parts.push(format!(
                "extra={}",
                py_repr(py, &Value::Object(self.0.extra.clone()))
            ));
        }
        format!("SessionSettings({})", parts.join(", "))
    }
}
