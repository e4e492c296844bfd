//! Immutable Python classes over the core's data types: results (`AccessKey`,
//! `RotatedAccessKey`, `DcrTemplate`, ...) and inputs (`TenantToken`, `SessionSettings`).
//!
//! Every class compares by value (`==`), has `to_dict()` (the wire's camelCase JSON shape)
//! and `from_dict()`, pickles, and has a `repr()` that masks secrets.

use descope_mgmt::{
    AccessKey, DcrTemplate, ErrorCode, KeyTenant, RotatedAccessKey, Secret, SessionSettings,
    TenantToken,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple, PyType};
use serde_json::{Map, Value};

use crate::convert::{
    dict_key, json_to_py, map_to_py, opt_bool, opt_int, opt_str, opt_str_list, py_to_json, req_str,
    type_name,
};
use crate::errors::raise;

/// What `repr()` shows instead of a secret.
const MASK: &str = "'***'";

/// Python `repr()` of a JSON-like value.
fn py_repr(py: Python<'_>, value: &Value) -> String {
    json_to_py(py, value)
        .and_then(|v| v.repr().map(|r| r.to_string()))
        .unwrap_or_else(|_| "?".to_owned())
}

/// Python `repr()` of a string.
fn str_repr(py: Python<'_>, s: &str) -> String {
    PyString::new(py, s)
        .repr()
        .map(|r| r.to_string())
        .unwrap_or_else(|_| "?".to_owned())
}

/// Parses a `from_dict` argument with serde, as an `INVALID_ARGUMENT` error on failure.
fn from_json<T: serde::de::DeserializeOwned>(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    what: &str,
) -> PyResult<T> {
    if !data.is_instance_of::<PyDict>() {
        return Err(PyTypeError::new_err(format!(
            "{what}.from_dict() takes a dict, not {}",
            type_name(data)
        )));
    }
    let value = py_to_json(data, "data")?;
    serde_json::from_value(value).map_err(|e| {
        raise(
            py,
            ErrorCode::InvalidArgument,
            format!("not a valid {what}: {e}"),
        )
    })
}

/// `__reduce__` through the class's `from_dict`, so every class pickles by value.
fn reduce_via_from_dict<'py>(
    slf: &Bound<'py, PyAny>,
    dict: Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyTuple>> {
    let from_dict = slf.get_type().getattr("from_dict")?;
    let args = PyTuple::new(slf.py(), [dict])?;
    PyTuple::new(slf.py(), [from_dict, args.into_any()])
}

fn to_value<T: serde::Serialize>(t: &T) -> Value {
    serde_json::to_value(t).unwrap_or(Value::Null)
}

// ---------------------------------------------------------------------------------------
// KeyTenant

/// A tenant an access key belongs to, with the key's roles in it.
#[pyclass(frozen, eq, module = "descope_mgmt", name = "KeyTenant")]
#[derive(Clone, PartialEq)]
pub struct PyKeyTenant(pub KeyTenant);

#[pymethods]
impl PyKeyTenant {
    /// The tenant id.
    #[getter]
    fn tenant_id(&self) -> String {
        self.0.tenant_id.clone()
    }
    /// Roles within the tenant.
    #[getter]
    fn role_names(&self) -> Vec<String> {
        self.0.role_names.clone()
    }
    /// The tenant's name.
    #[getter]
    fn tenant_name(&self) -> String {
        self.0.tenant_name.clone()
    }
    /// Fields this version does not know, kept verbatim.
    #[getter]
    fn extra<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        map_to_py(py, &self.0.extra)
    }
    /// The tenant in the wire's camelCase JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &to_value(&self.0))
    }
    /// Builds a `KeyTenant` from its wire (camelCase) dict.
    #[classmethod]
    fn from_dict(cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        from_json(cls.py(), data, "KeyTenant").map(Self)
    }
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let d = slf.get().to_dict(slf.py())?;
        reduce_via_from_dict(slf.as_any(), d)
    }
    fn __repr__(&self, py: Python<'_>) -> String {
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

/// An access key's metadata. Fields the server omitted have their empty value; fields
/// this version does not know are in `extra`.
#[pyclass(frozen, eq, module = "descope_mgmt", name = "AccessKey")]
#[derive(Clone, PartialEq)]
pub struct PyAccessKey(pub AccessKey);

#[pymethods]
impl PyAccessKey {
    /// The key id.
    #[getter]
    fn id(&self) -> String {
        self.0.id.clone()
    }
    /// The key's name.
    #[getter]
    fn name(&self) -> String {
        self.0.name.clone()
    }
    /// Project-level roles.
    #[getter]
    fn role_names(&self) -> Vec<String> {
        self.0.role_names.clone()
    }
    /// Tenants the key is associated with, with their roles.
    #[getter]
    fn key_tenants(&self) -> Vec<PyKeyTenant> {
        self.0
            .key_tenants
            .iter()
            .cloned()
            .map(PyKeyTenant)
            .collect()
    }
    /// The key's status, e.g. `"active"`.
    #[getter]
    fn status(&self) -> String {
        self.0.status.clone()
    }
    /// Creation time, epoch seconds.
    #[getter]
    fn created_time(&self) -> i64 {
        self.0.created_time
    }
    /// Expiry time, epoch seconds; 0 means it never expires.
    #[getter]
    fn expire_time(&self) -> i64 {
        self.0.expire_time
    }
    /// Who created the key.
    #[getter]
    fn created_by(&self) -> String {
        self.0.created_by.clone()
    }
    /// The OAuth client id of the key.
    #[getter]
    fn client_id(&self) -> String {
        self.0.client_id.clone()
    }
    /// The user the key is bound to, if any (empty otherwise).
    #[getter]
    fn bound_user_id(&self) -> String {
        self.0.bound_user_id.clone()
    }
    /// Custom claims added to the key's tokens (a fresh dict on every access).
    #[getter]
    fn custom_claims<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        map_to_py(py, &self.0.custom_claims)
    }
    /// Whether the key can be edited.
    #[getter]
    fn editable(&self) -> bool {
        self.0.editable
    }
    /// Free-text description.
    #[getter]
    fn description(&self) -> String {
        self.0.description.clone()
    }
    /// IPs or CIDRs allowed to use the key.
    #[getter]
    fn permitted_ips(&self) -> Vec<String> {
        self.0.permitted_ips.clone()
    }
    /// Custom attributes (a fresh dict on every access).
    #[getter]
    fn custom_attributes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        map_to_py(py, &self.0.custom_attributes)
    }
    /// Fields this version does not know, kept verbatim.
    #[getter]
    fn extra<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        map_to_py(py, &self.0.extra)
    }
    /// The key in the wire's camelCase JSON shape, including unknown fields.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &self.0.to_json())
    }
    /// Builds an `AccessKey` from its wire (camelCase) dict.
    #[classmethod]
    fn from_dict(cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        from_json(cls.py(), data, "AccessKey").map(Self)
    }
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let d = slf.get().to_dict(slf.py())?;
        reduce_via_from_dict(slf.as_any(), d)
    }
    fn __repr__(&self, py: Python<'_>) -> String {
        self.repr(py)
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

/// The result of a rotation: the key's metadata and its new secret (shown only once).
/// `repr()` masks the cleartext; read it explicitly with `.cleartext`.
#[pyclass(frozen, eq, module = "descope_mgmt", name = "RotatedAccessKey")]
#[derive(Clone, PartialEq)]
pub struct PyRotatedAccessKey(pub RotatedAccessKey);

#[pymethods]
impl PyRotatedAccessKey {
    /// The rotated key; everything but its secret is unchanged.
    #[getter]
    fn key(&self) -> PyAccessKey {
        PyAccessKey(self.0.key.clone())
    }
    /// The new secret. The previous one stopped working.
    #[getter]
    fn cleartext(&self) -> String {
        self.0.cleartext.expose().to_owned()
    }
    /// The result in the wire's shape: `{"key": {...}, "cleartext": "..."}` (clear secret).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let mut m = Map::new();
        m.insert("key".into(), self.0.key.to_json());
        m.insert(
            "cleartext".into(),
            Value::String(self.0.cleartext.expose().to_owned()),
        );
        json_to_py(py, &Value::Object(m))
    }
    /// Builds a `RotatedAccessKey` from its wire dict (`{"key": {...}, "cleartext": "..."}`).
    #[classmethod]
    fn from_dict(cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let py = cls.py();
        let d = data.cast::<PyDict>().map_err(|_| {
            PyTypeError::new_err(format!(
                "RotatedAccessKey.from_dict() takes a dict, not {}",
                type_name(data)
            ))
        })?;
        let key = match d.get_item("key")? {
            Some(k) => from_json::<AccessKey>(py, &k, "AccessKey")?,
            None => AccessKey::default(),
        };
        let cleartext = match d.get_item("cleartext")? {
            Some(c) => req_str(&c, "cleartext")?,
            None => String::new(),
        };
        Ok(Self(RotatedAccessKey {
            key,
            cleartext: Secret::new(cleartext),
        }))
    }
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let d = slf.get().to_dict(slf.py())?;
        reduce_via_from_dict(slf.as_any(), d)
    }
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "RotatedAccessKey(key={}, cleartext={MASK})",
            PyAccessKey(self.0.key.clone()).repr(py)
        )
    }
}

// ---------------------------------------------------------------------------------------
// TenantToken

/// One tenant's OAuth token for an outbound app, for `batch_upload_tenant_tokens`.
///
/// `app_id` and `tenant_id` are required, and at least one of `refresh_token` /
/// `access_token` (checked when uploading). `repr()` masks the tokens.
#[pyclass(frozen, eq, module = "descope_mgmt", name = "TenantToken")]
#[derive(Clone, PartialEq)]
pub struct PyTenantToken(pub TenantToken);

const TOKEN_FIELDS: &str = "app_id, tenant_id, refresh_token, access_token, access_token_expiry, access_token_type, scopes, external_identifier, id_token, granted_by (or their camelCase wire names)";

#[pymethods]
impl PyTenantToken {
    #[new]
    #[pyo3(signature = (
        app_id,
        tenant_id,
        *,
        refresh_token = None,
        access_token = None,
        access_token_expiry = None,
        access_token_type = None,
        scopes = None,
        external_identifier = None,
        id_token = None,
        granted_by = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        app_id: &Bound<'_, PyAny>,
        tenant_id: &Bound<'_, PyAny>,
        refresh_token: Option<&Bound<'_, PyAny>>,
        access_token: Option<&Bound<'_, PyAny>>,
        access_token_expiry: Option<&Bound<'_, PyAny>>,
        access_token_type: Option<&Bound<'_, PyAny>>,
        scopes: Option<&Bound<'_, PyAny>>,
        external_identifier: Option<&Bound<'_, PyAny>>,
        id_token: Option<&Bound<'_, PyAny>>,
        granted_by: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut t = TenantToken::default();
        let py = app_id.py();
        set_token_field(py, &mut t, "app_id", app_id, "app_id")?;
        set_token_field(py, &mut t, "tenant_id", tenant_id, "tenant_id")?;
        let optional = [
            ("refresh_token", refresh_token),
            ("access_token", access_token),
            ("access_token_expiry", access_token_expiry),
            ("access_token_type", access_token_type),
            ("scopes", scopes),
            ("external_identifier", external_identifier),
            ("id_token", id_token),
            ("granted_by", granted_by),
        ];
        for (name, value) in optional {
            if let Some(v) = value {
                set_token_field(py, &mut t, name, v, name)?;
            }
        }
        Ok(Self(t))
    }
    /// The outbound application id.
    #[getter]
    fn app_id(&self) -> String {
        self.0.app_id.clone()
    }
    /// The tenant the token belongs to.
    #[getter]
    fn tenant_id(&self) -> String {
        self.0.tenant_id.clone()
    }
    /// The provider's refresh token.
    #[getter]
    fn refresh_token(&self) -> Option<String> {
        self.0.refresh_token.as_ref().map(|s| s.expose().to_owned())
    }
    /// The provider's access token.
    #[getter]
    fn access_token(&self) -> Option<String> {
        self.0.access_token.as_ref().map(|s| s.expose().to_owned())
    }
    /// When the access token expires, epoch seconds.
    #[getter]
    fn access_token_expiry(&self) -> Option<i64> {
        self.0.access_token_expiry
    }
    /// The access token's type, e.g. `"Bearer"`.
    #[getter]
    fn access_token_type(&self) -> Option<String> {
        self.0.access_token_type.clone()
    }
    /// Scopes the token was granted.
    #[getter]
    fn scopes(&self) -> Option<Vec<String>> {
        self.0.scopes.clone()
    }
    /// An external identifier for the connection.
    #[getter]
    fn external_identifier(&self) -> Option<String> {
        self.0.external_identifier.clone()
    }
    /// The provider's OIDC id token.
    #[getter]
    fn id_token(&self) -> Option<String> {
        self.0.id_token.as_ref().map(|s| s.expose().to_owned())
    }
    /// Who granted the token.
    #[getter]
    fn granted_by(&self) -> Option<String> {
        self.0.granted_by.clone()
    }
    /// The token in the wire's camelCase shape (tokens in clear); absent fields omitted.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &to_value(&self.0))
    }
    /// Builds a `TenantToken` from a dict with snake_case or camelCase (wire) keys.
    #[classmethod]
    fn from_dict(cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let d = data.cast::<PyDict>().map_err(|_| {
            PyTypeError::new_err(format!(
                "TenantToken.from_dict() takes a dict, not {}",
                type_name(data)
            ))
        })?;
        tenant_token_from_dict(cls.py(), d, "data").map(Self)
    }
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let d = slf.get().to_dict(slf.py())?;
        reduce_via_from_dict(slf.as_any(), d)
    }
    fn __repr__(&self, py: Python<'_>) -> String {
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

/// Sets one field of a token from a Python value, with a `TypeError` naming `at` (never
/// showing the value) on a wrong type. Returns false for an unknown field name.
fn set_token_field(
    py: Python<'_>,
    t: &mut TenantToken,
    name: &str,
    v: &Bound<'_, PyAny>,
    at: &str,
) -> PyResult<bool> {
    let _ = py;
    match name {
        "app_id" | "appId" => t.app_id = req_str(v, at)?,
        "tenant_id" | "tenantId" => t.tenant_id = req_str(v, at)?,
        "refresh_token" | "refreshToken" => t.refresh_token = opt_str(v, at)?.map(Secret::new),
        "access_token" | "accessToken" => t.access_token = opt_str(v, at)?.map(Secret::new),
        "access_token_expiry" | "accessTokenExpiry" => t.access_token_expiry = opt_int(v, at)?,
        "access_token_type" | "accessTokenType" => t.access_token_type = opt_str(v, at)?,
        "scopes" => t.scopes = opt_str_list(v, at)?,
        "external_identifier" | "externalIdentifier" => t.external_identifier = opt_str(v, at)?,
        "id_token" | "idToken" => t.id_token = opt_str(v, at)?.map(Secret::new),
        "granted_by" | "grantedBy" => t.granted_by = opt_str(v, at)?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// A token from a dict with snake_case or camelCase keys. An unknown key is an
/// `InvalidArgumentError` (a typo must not silently drop a field).
pub fn tenant_token_from_dict(
    py: Python<'_>,
    d: &Bound<'_, PyDict>,
    at: &str,
) -> PyResult<TenantToken> {
    let mut t = TenantToken::default();
    for (k, v) in d.iter() {
        let key = dict_key(&k, at)?;
        let field_at = format!("{at}.{key}");
        if !set_token_field(py, &mut t, &key, &v, &field_at)? {
            return Err(raise(
                py,
                ErrorCode::InvalidArgument,
                format!("{at}: unknown field {key:?}; the fields are {TOKEN_FIELDS}"),
            ));
        }
    }
    Ok(t)
}

/// A token from a `TenantToken` or a dict.
pub fn tenant_token_from_any(obj: &Bound<'_, PyAny>, at: &str) -> PyResult<TenantToken> {
    if let Ok(t) = obj.cast::<PyTenantToken>() {
        return Ok(t.get().0.clone());
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        return tenant_token_from_dict(obj.py(), d, at);
    }
    Err(PyTypeError::new_err(format!(
        "{at} must be a TenantToken or a dict, not {}",
        type_name(obj)
    )))
}

/// The `tokens` argument of `batch_upload_tenant_tokens`: a list (or any iterable other
/// than a str, dict or single token) of `TenantToken` objects or dicts.
pub struct TokenList(pub Vec<TenantToken>);

impl<'a, 'py> FromPyObject<'a, 'py> for TokenList {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let obj = obj.to_owned();
        if obj.is_instance_of::<PyString>()
            || obj.is_instance_of::<PyDict>()
            || obj.is_instance_of::<PyTenantToken>()
            || obj.is_instance_of::<pyo3::types::PyBytes>()
        {
            return Err(PyTypeError::new_err(format!(
                "tokens must be a list of TenantToken or dict, not {}",
                type_name(&obj)
            )));
        }
        let iter = obj.try_iter().map_err(|_| {
            PyTypeError::new_err(format!(
                "tokens must be a list of TenantToken or dict, not {}",
                type_name(&obj)
            ))
        })?;
        let mut out = Vec::new();
        for (i, item) in iter.enumerate() {
            out.push(tenant_token_from_any(&item?, &format!("tokens[{i}]"))?);
        }
        Ok(TokenList(out))
    }
}

// ---------------------------------------------------------------------------------------
// SessionSettings

/// Token lifetimes and JWT templates of a dynamic registration template. Every field is
/// optional; unset fields are not sent. Units are `"minutes"`, `"hours"`, `"days"` or `"weeks"`.
#[pyclass(frozen, eq, module = "descope_mgmt", name = "SessionSettings")]
#[derive(Clone, PartialEq)]
pub struct PySessionSettings(pub SessionSettings);

const SESSION_FIELDS: &str = "enabled, session_token_expiration, session_token_expiration_unit, refresh_token_expiration, refresh_token_expiration_unit, user_template_id, key_template_id, key_session_token_expiration, key_session_token_expiration_unit (or their camelCase wire names)";

#[pymethods]
impl PySessionSettings {
    #[new]
    #[pyo3(signature = (
        *,
        enabled = None,
        session_token_expiration = None,
        session_token_expiration_unit = None,
        refresh_token_expiration = None,
        refresh_token_expiration_unit = None,
        user_template_id = None,
        key_template_id = None,
        key_session_token_expiration = None,
        key_session_token_expiration_unit = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        enabled: Option<&Bound<'_, PyAny>>,
        session_token_expiration: Option<&Bound<'_, PyAny>>,
        session_token_expiration_unit: Option<&Bound<'_, PyAny>>,
        refresh_token_expiration: Option<&Bound<'_, PyAny>>,
        refresh_token_expiration_unit: Option<&Bound<'_, PyAny>>,
        user_template_id: Option<&Bound<'_, PyAny>>,
        key_template_id: Option<&Bound<'_, PyAny>>,
        key_session_token_expiration: Option<&Bound<'_, PyAny>>,
        key_session_token_expiration_unit: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut s = SessionSettings::default();
        let fields = [
            ("enabled", enabled),
            ("session_token_expiration", session_token_expiration),
            (
                "session_token_expiration_unit",
                session_token_expiration_unit,
            ),
            ("refresh_token_expiration", refresh_token_expiration),
            (
                "refresh_token_expiration_unit",
                refresh_token_expiration_unit,
            ),
            ("user_template_id", user_template_id),
            ("key_template_id", key_template_id),
            ("key_session_token_expiration", key_session_token_expiration),
            (
                "key_session_token_expiration_unit",
                key_session_token_expiration_unit,
            ),
        ];
        for (name, value) in fields {
            if let Some(v) = value {
                set_session_field(&mut s, name, v, name)?;
            }
        }
        Ok(Self(s))
    }
    /// Use these custom session settings.
    #[getter]
    fn enabled(&self) -> Option<bool> {
        self.0.enabled
    }
    /// Session (access) token lifetime.
    #[getter]
    fn session_token_expiration(&self) -> Option<i64> {
        self.0.session_token_expiration
    }
    /// Unit of `session_token_expiration`.
    #[getter]
    fn session_token_expiration_unit(&self) -> Option<String> {
        self.0.session_token_expiration_unit.clone()
    }
    /// Refresh token lifetime.
    #[getter]
    fn refresh_token_expiration(&self) -> Option<i64> {
        self.0.refresh_token_expiration
    }
    /// Unit of `refresh_token_expiration`.
    #[getter]
    fn refresh_token_expiration_unit(&self) -> Option<String> {
        self.0.refresh_token_expiration_unit.clone()
    }
    /// JWT template for user tokens.
    #[getter]
    fn user_template_id(&self) -> Option<String> {
        self.0.user_template_id.clone()
    }
    /// JWT template for access-key tokens.
    #[getter]
    fn key_template_id(&self) -> Option<String> {
        self.0.key_template_id.clone()
    }
    /// Access-key session token lifetime.
    #[getter]
    fn key_session_token_expiration(&self) -> Option<i64> {
        self.0.key_session_token_expiration
    }
    /// Unit of `key_session_token_expiration`.
    #[getter]
    fn key_session_token_expiration_unit(&self) -> Option<String> {
        self.0.key_session_token_expiration_unit.clone()
    }
    /// Fields this version does not know (from server answers), kept verbatim.
    #[getter]
    fn extra<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        map_to_py(py, &self.0.extra)
    }
    /// The settings in the wire's camelCase shape; unset fields omitted.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &to_value(&self.0))
    }
    /// Builds `SessionSettings` from a dict with snake_case or camelCase (wire) keys.
    #[classmethod]
    fn from_dict(cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        session_settings_from_any(cls.py(), data, "data").map(Self)
    }
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let d = slf.get().to_dict(slf.py())?;
        reduce_via_from_dict(slf.as_any(), d)
    }
    fn __repr__(&self, py: Python<'_>) -> String {
        let parts: Vec<String> = match to_value(&self.0) {
            Value::Object(m) => m
                .iter()
                .map(|(k, v)| format!("{}={}", camel_to_snake(k), py_repr(py, v)))
                .collect(),
            _ => Vec::new(),
        };
        format!("SessionSettings({})", parts.join(", "))
    }
}

fn camel_to_snake(s: &str) -> String {
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

fn set_session_field(
    s: &mut SessionSettings,
    name: &str,
    v: &Bound<'_, PyAny>,
    at: &str,
) -> PyResult<bool> {
    match name {
        "enabled" => s.enabled = opt_bool(v, at)?,
        "session_token_expiration" | "sessionTokenExpiration" => {
            s.session_token_expiration = opt_int(v, at)?
        }
        "session_token_expiration_unit" | "sessionTokenExpirationUnit" => {
            s.session_token_expiration_unit = opt_str(v, at)?
        }
        "refresh_token_expiration" | "refreshTokenExpiration" => {
            s.refresh_token_expiration = opt_int(v, at)?
        }
        "refresh_token_expiration_unit" | "refreshTokenExpirationUnit" => {
            s.refresh_token_expiration_unit = opt_str(v, at)?
        }
        "user_template_id" | "userTemplateId" => s.user_template_id = opt_str(v, at)?,
        "key_template_id" | "keyTemplateId" => s.key_template_id = opt_str(v, at)?,
        "key_session_token_expiration" | "keySessionTokenExpiration" => {
            s.key_session_token_expiration = opt_int(v, at)?
        }
        "key_session_token_expiration_unit" | "keySessionTokenExpirationUnit" => {
            s.key_session_token_expiration_unit = opt_str(v, at)?
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Session settings from a `SessionSettings` or a dict (snake_case or camelCase keys).
pub fn session_settings_from_any(
    py: Python<'_>,
    obj: &Bound<'_, PyAny>,
    at: &str,
) -> PyResult<SessionSettings> {
    if let Ok(s) = obj.cast::<PySessionSettings>() {
        return Ok(s.get().0.clone());
    }
    let d = obj.cast::<PyDict>().map_err(|_| {
        PyTypeError::new_err(format!(
            "{at} must be a SessionSettings or a dict, not {}",
            type_name(obj)
        ))
    })?;
    let mut s = SessionSettings::default();
    for (k, v) in d.iter() {
        let key = dict_key(&k, at)?;
        let field_at = format!("{at}.{key}");
        if !set_session_field(&mut s, &key, &v, &field_at)? {
            return Err(raise(
                py,
                ErrorCode::InvalidArgument,
                format!("{at}: unknown field {key:?}; the fields are {SESSION_FIELDS}"),
            ));
        }
    }
    Ok(s)
}

// ---------------------------------------------------------------------------------------
// DcrTemplate

/// A created dynamic registration template, as the server returned it.
#[pyclass(frozen, eq, module = "descope_mgmt", name = "DcrTemplate")]
#[derive(Clone, PartialEq)]
pub struct PyDcrTemplate(pub DcrTemplate);

#[pymethods]
impl PyDcrTemplate {
    /// The generated id.
    #[getter]
    fn id(&self) -> String {
        self.0.id.clone()
    }
    /// The template's version, as a string.
    #[getter]
    fn version(&self) -> String {
        self.0.version.clone()
    }
    /// The name.
    #[getter]
    fn name(&self) -> String {
        self.0.name.clone()
    }
    /// The description.
    #[getter]
    fn description(&self) -> String {
        self.0.description.clone()
    }
    /// The login page URL.
    #[getter]
    fn login_page_url(&self) -> String {
        self.0.login_page_url.clone()
    }
    /// Session settings, when the template has them.
    #[getter]
    fn session_settings(&self) -> Option<PySessionSettings> {
        self.0.session_settings.clone().map(PySessionSettings)
    }
    /// Whether the consent screen is skipped.
    #[getter]
    fn skip_consent_screen(&self) -> bool {
        self.0.skip_consent_screen
    }
    /// Whether all authorization info goes into the tokens.
    #[getter]
    fn force_add_all_authorization_info(&self) -> bool {
        self.0.force_add_all_authorization_info
    }
    /// Tags.
    #[getter]
    fn tags(&self) -> Vec<String> {
        self.0.tags.clone()
    }
    /// Creation time, as the server formats it.
    #[getter]
    fn created_time(&self) -> String {
        self.0.created_time.clone()
    }
    /// Last modification time, as the server formats it.
    #[getter]
    fn modified_time(&self) -> String {
        self.0.modified_time.clone()
    }
    /// Fields this version does not know, kept verbatim.
    #[getter]
    fn extra<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        map_to_py(py, &self.0.extra)
    }
    /// The template in the wire's camelCase JSON shape, including unknown fields.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &self.0.to_json())
    }
    /// Builds a `DcrTemplate` from its wire (camelCase) dict.
    #[classmethod]
    fn from_dict(cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        from_json(cls.py(), data, "DcrTemplate").map(Self)
    }
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let d = slf.get().to_dict(slf.py())?;
        reduce_via_from_dict(slf.as_any(), d)
    }
    fn __repr__(&self, py: Python<'_>) -> String {
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
