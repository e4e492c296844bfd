//! Immutable Python classes over the core's results: `KeyTenant`, `AccessKey`,
//! `RotatedAccessKey` and `DcrTemplate`. (The input classes, `TenantToken` and
//! `SessionSettings`, are in `inputs`.)
//!
//! Every class compares by value (`==`), has `to_dict()` (the wire's camelCase JSON shape)
//! and `from_dict()`, pickles, and has a `repr()` that masks secrets; those methods come
//! from `model_class!` (see `model_class.rs`), and each lists its properties there.
//! `from_dict()` is decoded by the core, like any input (see `inputs::decode`).

use descope_mgmt::{AccessKey, CallMeta, DcrTemplate, KeyTenant, RotatedAccessKey, Secret};
use pyo3::prelude::*;
use serde_json::{Map, Value};

use crate::inputs::{decode, serde_wire};
use crate::model_class::{as_dict, model_class, py_repr, str_repr, to_value, Wire, MASK};

serde_wire!(KeyTenant, AccessKey, DcrTemplate);

// ---------------------------------------------------------------------------------------
// KeyTenant

model_class! {
    /// A tenant an access key belongs to, with the key's roles in it.
    "KeyTenant": PyKeyTenant(KeyTenant) {
        /// The tenant id.
        tenant_id,
        /// Roles within the tenant.
        role_names,
        /// The tenant's name.
        tenant_name,
        /// Fields this version does not know, kept verbatim.
        extra,
    }
}

impl PyKeyTenant {
    fn repr(&self, py: Python<'_>) -> String {
        format!(
            "KeyTenant(tenant_id={}, tenant_name={}, role_names={})",
            str_repr(py, &self.0.tenant_id),
            str_repr(py, &self.0.tenant_name),
            py_repr(py, &to_value(&self.0.role_names)),
        )
    }
}

// ---------------------------------------------------------------------------------------
// AccessKey

model_class! {
    /// An access key's metadata. Fields the server omitted have their empty value; fields
    /// this version does not know are in `extra`.
    "AccessKey": PyAccessKey(AccessKey) {
        /// The key id.
        id,
        /// The key's name.
        name,
        /// Project-level roles.
        role_names,
        /// Tenants the key is associated with, with their roles.
        key_tenants,
        /// The key's status, e.g. `"active"`.
        status,
        /// Creation time, epoch seconds.
        created_time,
        /// Expiry time, epoch seconds; 0 means it never expires.
        expire_time,
        /// Who created the key.
        created_by,
        /// The OAuth client id of the key.
        client_id,
        /// The user the key is bound to, if any (empty otherwise).
        bound_user_id,
        /// Custom claims added to the key's tokens (a fresh dict on every access).
        custom_claims,
        /// Whether the key can be edited.
        editable,
        /// Free-text description.
        description,
        /// IPs or CIDRs allowed to use the key.
        permitted_ips,
        /// Custom attributes (a fresh dict on every access).
        custom_attributes,
        /// Fields this version does not know, kept verbatim.
        extra,
    }
}

impl PyAccessKey {
    fn repr(&self, py: Python<'_>) -> String {
        let k = &self.0;
        format!(
            "AccessKey(id={}, name={}, status={}, role_names={}, key_tenants={}, expire_time={})",
            str_repr(py, &k.id),
            str_repr(py, &k.name),
            str_repr(py, &k.status),
            py_repr(py, &to_value(&k.role_names)),
            k.key_tenants.len(),
            k.expire_time,
        )
    }
}

// ---------------------------------------------------------------------------------------
// RotatedAccessKey

model_class! {
    /// The result of a rotation: the key's metadata and its new secret (shown only once).
    /// `repr()` masks the cleartext; read it explicitly with `.cleartext`.
    "RotatedAccessKey": PyRotatedAccessKey(RotatedAccessKey) {
        /// The rotated key; everything but its secret is unchanged.
        key,
        /// The new secret. The previous one stopped working.
        cleartext,
        /// How the call went (`CallMeta`); not part of the value, `to_dict()` or `==`.
        meta,
    }
}

/// The wire's shape: `{"key": {...}, "cleartext": "..."}` (clear secret); a missing part
/// is empty.
impl Wire for RotatedAccessKey {
    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("key".into(), self.key.to_json());
        m.insert(
            "cleartext".into(),
            Value::String(self.cleartext.expose().to_owned()),
        );
        Value::Object(m)
    }

    fn from_py(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let d = as_dict(data, "RotatedAccessKey")?;
        let key = match d.get_item("key")? {
            Some(k) => decode(&k, "data.key")?,
            None => AccessKey::default(),
        };
        let cleartext = match d.get_item("cleartext")? {
            Some(c) => decode(&c, "data.cleartext")?,
            None => String::new(),
        };
        Ok(RotatedAccessKey {
            key,
            cleartext: Secret::new(cleartext),
            meta: CallMeta::default(),
        })
    }
}

impl PyRotatedAccessKey {
    fn repr(&self, py: Python<'_>) -> String {
        format!(
            "RotatedAccessKey(key={}, cleartext={MASK})",
            PyAccessKey(self.0.key.clone()).repr(py)
        )
    }
}

// ---------------------------------------------------------------------------------------
// DcrTemplate

model_class! {
    /// A created dynamic registration template, as the server returned it.
    "DcrTemplate": PyDcrTemplate(DcrTemplate) {
        /// The generated id.
        id,
        /// The template's version, as a string.
        version,
        /// The name.
        name,
        /// The description.
        description,
        /// The login page URL.
        login_page_url,
        /// Session settings, when the template has them.
        session_settings,
        /// Whether the consent screen is skipped.
        skip_consent_screen,
        /// Whether all authorization info goes into the tokens.
        force_add_all_authorization_info,
        /// Tags.
        tags,
        /// Creation time, as the server formats it.
        created_time,
        /// Last modification time, as the server formats it.
        modified_time,
        /// Fields this version does not know, kept verbatim.
        extra,
        /// How the call went (`CallMeta`); not part of the value, `to_dict()` or `==`.
        meta,
    }
}

impl PyDcrTemplate {
    fn repr(&self, py: Python<'_>) -> String {
        let t = &self.0;
        format!(
            "DcrTemplate(id={}, name={}, version={}, login_page_url={}, tags={})",
            str_repr(py, &t.id),
            str_repr(py, &t.name),
            str_repr(py, &t.version),
            str_repr(py, &t.login_page_url),
            py_repr(py, &to_value(&t.tags)),
        )
    }
}

// ---------------------------------------------------------------------------------------
// CallMeta

/// How the call that made a result went: `request_id` (the server's, for support),
/// `external_request_id` (sent as `x-external-rid`), `status`, `attempts` and `elapsed`
/// (seconds). Empty (`status` 0) on a result made by `from_dict()`.
#[pyclass(frozen, module = "descope_mgmt", name = "CallMeta")]
pub struct PyCallMeta(CallMeta);

#[pymethods]
impl PyCallMeta {
    /// The server's id of the answer (`cf-ray`, else `x-request-id`), or None.
    #[getter]
    fn request_id(&self) -> Option<String> {
        self.0.request_id.clone()
    }
    /// The correlation id sent as `x-external-rid`.
    #[getter]
    fn external_request_id(&self) -> String {
        self.0.external_request_id.clone()
    }
    /// The answer's HTTP status.
    #[getter]
    fn status(&self) -> u16 {
        self.0.status
    }
    /// The attempts the call took.
    #[getter]
    fn attempts(&self) -> u32 {
        self.0.attempts
    }
    /// The call's time in seconds.
    #[getter]
    fn elapsed(&self) -> f64 {
        self.0.elapsed.as_secs_f64()
    }
    fn __repr__(&self) -> String {
        let m = &self.0;
        format!(
            "CallMeta(request_id={:?}, external_request_id={:?}, status={}, attempts={}, elapsed={:.3})",
            m.request_id.as_deref().unwrap_or(""),
            m.external_request_id,
            m.status,
            m.attempts,
            m.elapsed.as_secs_f64()
        )
    }
}

impl crate::model_class::Field for CallMeta {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        pyo3::IntoPyObjectExt::into_bound_py_any(PyCallMeta(self.clone()), py)
    }
}
