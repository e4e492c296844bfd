//! Immutable Python classes over the core's results: `KeyTenant`, `AccessKey`,
//! `RotatedAccessKey` and `DcrTemplate`. (The input classes, `TenantToken` and
//! `SessionSettings`, are in `inputs`.)
//!
//! Every class compares by value (`==`), has `to_dict()` (the wire's camelCase JSON shape)
//! and `from_dict()`, pickles, and has a `repr()` that masks secrets; those methods come
//! from `model_class!` (see `model_class.rs`), and each lists its properties there.
//! `from_dict()` is decoded by the core, like any input (see `inputs::decode`).

use descope_mgmt::{AccessKey, DcrTemplate, KeyTenant, RotatedAccessKey, Secret};
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
