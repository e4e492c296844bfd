//! Immutable Python classes over the core's data types: results (`AccessKey`,
//! `RotatedAccessKey`, `DcrTemplate`, ...) and inputs (`TenantToken`, `SessionSettings`).
//!
//! Every class compares by value (`==`), has `to_dict()` (the wire's camelCase JSON shape)
//! and `from_dict()`, pickles, and has a `repr()` that masks secrets; those methods and the
//! properties come from `model_class!` (see `model_class.rs`).

use descope_mgmt::{
    AccessKey, DcrTemplate, ErrorCode, KeyTenant, RotatedAccessKey, Secret, SessionSettings,
    TenantToken,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use serde_json::{Map, Value};

use crate::convert::{dict_key, opt_bool, opt_int, opt_str, opt_str_list, req_str, wrong_type};
use crate::errors::raise;
use crate::model_class::{as_dict, from_json, py_repr, str_repr, to_value, Wire, MASK};

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
            Some(k) => from_json::<AccessKey>(&k, "AccessKey")?,
            None => AccessKey::default(),
        };
        let cleartext = match d.get_item("cleartext")? {
            Some(c) => req_str(&c, "cleartext")?,
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

const TOKEN_FIELDS: &str = "app_id, tenant_id, refresh_token, access_token, access_token_expiry, access_token_type, scopes, external_identifier, id_token, granted_by (or their camelCase wire names)";

model_class! {
    /// One tenant's OAuth token for an outbound app, for `batch_upload_tenant_tokens`.
    ///
    /// `app_id` and `tenant_id` are required, and at least one of `refresh_token` /
    /// `access_token` (checked when uploading). `repr()` masks the tokens.
    "TenantToken": PyTenantToken(TenantToken) {
        /// The outbound application id.
        app_id,
        /// The tenant the token belongs to.
        tenant_id,
        /// The provider's refresh token.
        refresh_token,
        /// The provider's access token.
        access_token,
        /// When the access token expires, epoch seconds.
        access_token_expiry,
        /// The access token's type, e.g. `"Bearer"`.
        access_token_type,
        /// Scopes the token was granted.
        scopes,
        /// An external identifier for the connection.
        external_identifier,
        /// The provider's OIDC id token.
        id_token,
        /// Who granted the token.
        granted_by,
    }

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
        let fields = [
            ("app_id", Some(app_id)),
            ("tenant_id", Some(tenant_id)),
            ("refresh_token", refresh_token),
            ("access_token", access_token),
            ("access_token_expiry", access_token_expiry),
            ("access_token_type", access_token_type),
            ("scopes", scopes),
            ("external_identifier", external_identifier),
            ("id_token", id_token),
            ("granted_by", granted_by),
        ];
        for (name, value) in fields {
            if let Some(v) = value {
                set_token_field(&mut t, name, v, name)?;
            }
        }
        Ok(Self(t))
    }
}

/// `from_dict()` takes snake_case or camelCase (wire) keys.
impl Wire for TenantToken {
    fn to_json(&self) -> Value {
        to_value(self)
    }

    fn from_py(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        tenant_token_from_dict(as_dict(data, "TenantToken")?, "data")
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

/// Sets one field of a token from a Python value, with a `TypeError` naming `at` (never
/// showing the value) on a wrong type. Returns false for an unknown field name.
fn set_token_field(
    t: &mut TenantToken,
    name: &str,
    v: &Bound<'_, PyAny>,
    at: &str,
) -> PyResult<bool> {
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

/// Fills a default value from a dict with snake_case or camelCase keys through `set`
/// (which returns false for an unknown key). An unknown key is an `InvalidArgumentError`
/// naming the known `fields` (a typo must not silently drop a field).
fn from_keyword_dict<T: Default>(
    d: &Bound<'_, PyDict>,
    at: &str,
    fields: &str,
    set: fn(&mut T, &str, &Bound<'_, PyAny>, &str) -> PyResult<bool>,
) -> PyResult<T> {
    let mut value = T::default();
    for (k, v) in d.iter() {
        let key = dict_key(&k, at)?;
        let path = field_path(at, &key);
        if !set(&mut value, &key, &v, &path)? {
            return Err(unknown_field(d.py(), &path, fields));
        }
    }
    Ok(value)
}

/// `at.key` for a plain field name, else `at["key"]` (escaped), for error messages.
fn field_path(at: &str, key: &str) -> String {
    if !key.is_empty() && key.len() <= 64 && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        format!("{at}.{key}")
    } else {
        let shown: String = key.chars().take(64).collect();
        format!("{at}[{shown:?}]")
    }
}

/// The `InvalidArgumentError` for an input field this version does not know (a typo must
/// not silently drop a field, nor send one the server would ignore).
fn unknown_field(py: Python<'_>, path: &str, fields: &str) -> PyErr {
    raise(
        py,
        ErrorCode::InvalidArgument,
        format!("{path}: unknown field, nothing was sent; the fields are {fields}"),
    )
}

/// A token from a dict with snake_case or camelCase keys.
pub fn tenant_token_from_dict(d: &Bound<'_, PyDict>, at: &str) -> PyResult<TenantToken> {
    from_keyword_dict(d, at, TOKEN_FIELDS, set_token_field)
}

/// A token from a `TenantToken` or a dict.
pub fn tenant_token_from_any(obj: &Bound<'_, PyAny>, at: &str) -> PyResult<TenantToken> {
    if let Ok(t) = obj.cast::<PyTenantToken>() {
        return Ok(t.get().0.clone());
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        return tenant_token_from_dict(d, at);
    }
    Err(wrong_type(at, "a TenantToken or a dict", obj))
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
            out.push(tenant_token_from_any(&item?, &format!("tokens[{i}]"))?);
        }
        Ok(TokenList(out))
    }
}

// ---------------------------------------------------------------------------------------
// SessionSettings

const SESSION_FIELDS: &str = "enabled, session_token_expiration, session_token_expiration_unit, refresh_token_expiration, refresh_token_expiration_unit, user_template_id, key_template_id, key_session_token_expiration, key_session_token_expiration_unit (or their camelCase wire names)";

model_class! {
    /// Token lifetimes and JWT templates of a dynamic registration template. Every field is
    /// optional; unset fields are not sent. Units are `"minutes"`, `"hours"`, `"days"` or `"weeks"`.
    "SessionSettings": PySessionSettings(SessionSettings) {
        /// Use these custom session settings.
        enabled,
        /// Session (access) token lifetime.
        session_token_expiration,
        /// Unit of `session_token_expiration`.
        session_token_expiration_unit,
        /// Refresh token lifetime.
        refresh_token_expiration,
        /// Unit of `refresh_token_expiration`.
        refresh_token_expiration_unit,
        /// JWT template for user tokens.
        user_template_id,
        /// JWT template for access-key tokens.
        key_template_id,
        /// Access-key session token lifetime.
        key_session_token_expiration,
        /// Unit of `key_session_token_expiration`.
        key_session_token_expiration_unit,
        /// Fields this version does not know (from server answers), kept verbatim.
        extra,
    }

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
            ("session_token_expiration_unit", session_token_expiration_unit),
            ("refresh_token_expiration", refresh_token_expiration),
            ("refresh_token_expiration_unit", refresh_token_expiration_unit),
            ("user_template_id", user_template_id),
            ("key_template_id", key_template_id),
            ("key_session_token_expiration", key_session_token_expiration),
            ("key_session_token_expiration_unit", key_session_token_expiration_unit),
        ];
        for (name, value) in fields {
            if let Some(v) = value {
                set_session_field(&mut s, name, v, name)?;
            }
        }
        Ok(Self(s))
    }
}

/// `from_dict()` takes snake_case or camelCase (wire) keys, or a `SessionSettings`.
impl Wire for SessionSettings {
    fn to_json(&self) -> Value {
        to_value(self)
    }

    fn from_py(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        session_settings_from_any(data, "data")
    }

    /// Settings from a server answer may carry unknown fields (kept in `extra`); the
    /// strict keyword parsing of `from_dict` would refuse them.
    fn from_wire_dict(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        from_json(data, "SessionSettings")
    }
}

impl PySessionSettings {
    fn repr(&self, py: Python<'_>) -> String {
        let known = SessionSettings { extra: Map::new(), ..self.0.clone() };
        let mut parts: Vec<String> = match to_value(&known) {
            Value::Object(m) => m
                .iter()
                .map(|(k, v)| format!("{}={}", camel_to_snake(k), py_repr(py, v)))
                .collect(),
            _ => Vec::new(),
        };
        if !self.0.extra.is_empty() {
            parts.push(format!("extra={}", py_repr(py, &Value::Object(self.0.extra.clone()))));
        }
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

/// Sets one session setting from a Python value (see [`set_token_field`]).
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
///
/// A `SessionSettings` taken from a server answer may hold fields this version does not
/// know (`extra`); as input they are refused like a misspelled dict key.
pub fn session_settings_from_any(obj: &Bound<'_, PyAny>, at: &str) -> PyResult<SessionSettings> {
    if let Ok(s) = obj.cast::<PySessionSettings>() {
        let s = &s.get().0;
        if let Some(key) = s.extra.keys().next() {
            return Err(unknown_field(obj.py(), &field_path(at, key), SESSION_FIELDS));
        }
        return Ok(s.clone());
    }
    let d = obj
        .cast::<PyDict>()
        .map_err(|_| wrong_type(at, "a SessionSettings or a dict", obj))?;
    from_keyword_dict(d, at, SESSION_FIELDS, set_session_field)
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
