//! Immutable Python classes over the core's data types: results (`AccessKey`,
//! `RotatedAccessKey`, `DcrTemplate`, ...) and inputs (`TenantToken`, `SessionSettings`).
//!
//! Every class compares by value (`==`), has `to_dict()` (the wire's camelCase JSON shape)
//! and `from_dict()`, pickles, and has a `repr()` that masks secrets; those methods come
//! from `model_class!` (see `model_class.rs`). Result classes list their properties there;
//! the input classes get one property per core field from [`add_input_properties`], and
//! their constructors, `from_dict()` and the client's arguments are decoded by the core
//! (see `convert::decode`).

use descope_mgmt::{
    AccessKey, DcrTemplate, ErrorCode, KeyTenant, RotatedAccessKey, Secret, SessionSettings,
    TenantToken, SESSION_SETTINGS_FIELDS,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use serde_json::{Map, Value};

use crate::convert::{decode, field_path, keyword_args, wrong_type};
use crate::errors::raise;
use crate::model_class::{
    add_field_properties, as_dict, camel_to_snake, from_json, py_repr, str_repr, struct_fields,
    to_value, Wire, MASK,
};

serde_wire!(KeyTenant, AccessKey, DcrTemplate, TenantToken);

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
// TenantToken

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

/// Gives the input classes `TenantToken` and `SessionSettings` one property per field of
/// their core model, so a field added in the core needs no change in this binding.
pub fn add_input_properties(m: &Bound<'_, PyModule>) -> PyResult<()> {
    add_field_properties(&m.getattr("TenantToken")?, struct_fields::<TenantToken>())?;
    // `SessionSettings` keeps unknown fields in a flattened `extra`, so serde does not see
    // it as a plain struct: the core lists its fields.
    add_field_properties(&m.getattr("SessionSettings")?, &SESSION_SETTINGS_FIELDS)
}

/// The `tokens` argument of `batch_upload_tenant_tokens`: a list (or any iterable other
/// than a str, dict or single token) of `TenantToken` objects or dicts.
pub struct TokenList(pub Vec<TenantToken>);

impl<'a, 'py> FromPyObject<'a, 'py> for TokenList {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let obj = obj.to_owned();
        let not_a_list = || wrong_type("tokens", "a list of TenantToken or dict", &obj);
        if obj.is_instance_of::<PyString>()
            || obj.is_instance_of::<PyDict>()
            || obj.is_instance_of::<PyTenantToken>()
            || obj.is_instance_of::<pyo3::types::PyBytes>()
        {
            return Err(not_a_list());
        }
        let iter = obj.try_iter().map_err(|_| not_a_list())?;
        let mut out = Vec::new();
        for (i, item) in iter.enumerate() {
            let item = item?;
            out.push(match item.cast::<PyTenantToken>() {
                Ok(t) => t.get().0.clone(),
                Err(_) => decode(&item, &format!("tokens[{i}]"))?,
            });
        }
        Ok(TokenList(out))
    }
}

// ---------------------------------------------------------------------------------------
// SessionSettings

model_class! {
    /// Token lifetimes and JWT templates of a dynamic registration template. Every field is
    /// optional; unset fields are not sent. Units are `"minutes"`, `"hours"`, `"days"` or `"weeks"`.
    /// Its field properties are added by [`add_input_properties`].
    "SessionSettings": PySessionSettings(SessionSettings) {
        /// Fields this version does not know (from server answers), kept verbatim.
        extra,
    }

    /// `SessionSettings(*, enabled=None, ...)`: the keywords are the core model's fields
    /// (snake_case or camelCase), decoded by the core like a dict.
    #[new]
    #[pyo3(signature = (**fields))]
    fn new(py: Python<'_>, fields: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let args = keyword_args(py, "SessionSettings", &SESSION_SETTINGS_FIELDS, &[], fields)?;
        decode_settings(&args, "SessionSettings").map(Self)
    }
}

/// `from_dict()` takes snake_case or camelCase (wire) keys, or a `SessionSettings`.
impl Wire for SessionSettings {
    fn to_json(&self) -> Value {
        to_value(self)
    }

    fn from_py(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        decode_settings(data, "data")
    }

    /// Settings from a server answer may carry unknown fields (kept in `extra`), which
    /// `from_dict` (input) refuses.
    fn from_wire_dict(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        from_json(data, "SessionSettings")
    }
}

impl PySessionSettings {
    fn repr(&self, py: Python<'_>) -> String {
        let known = SessionSettings {
            extra: Map::new(),
            ..self.0.clone()
        };
        let mut parts: Vec<String> = match to_value(&known) {
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

/// Session settings as input, decoded by the core. The core model keeps unknown fields in
/// `extra` (server answers may add some); as input they are refused like a misspelling.
pub fn decode_settings(obj: &Bound<'_, PyAny>, at: &str) -> PyResult<SessionSettings> {
    let s = decode(obj, at)?;
    refuse_unknown_settings(obj.py(), &s, at)?;
    Ok(s)
}

/// The `InvalidArgumentError` for the first unknown field of input session settings.
pub fn refuse_unknown_settings(py: Python<'_>, s: &SessionSettings, at: &str) -> PyResult<()> {
    match s.extra.keys().next() {
        None => Ok(()),
        Some(key) => Err(raise(
            py,
            ErrorCode::InvalidArgument,
            format!(
                "{} is not a known field (known fields: {}); check the spelling; nothing was sent",
                field_path(at, key),
                SESSION_SETTINGS_FIELDS.join(", ")
            ),
        )),
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
