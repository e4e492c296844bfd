//! Access keys: the `AccessKey` model and `rotate_access_key`.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::call_meta::CallMeta;
use crate::client::{json_body, Client, Request};
use crate::error::{Error, ErrorCode, Result};
use crate::lenient::Fields;
use crate::response::decode;
use crate::retry::Call;
use crate::secret::Secret;

/// Path of the rotate call.
pub const ROTATE_PATH: &str = "/v1/mgmt/accesskey/rotate";

/// An access key's metadata, as returned by the Management API. Fields the server omits
/// or sends as `null` take their empty value; fields this version does not know, and known
/// fields of an unexpected type, are kept verbatim in `extra`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessKey {
    /// The key id.
    pub id: String,
    /// The key's name.
    pub name: String,
    /// Project-level roles.
    pub role_names: Vec<String>,
    /// Tenants the key is associated with, with their roles.
    pub key_tenants: Vec<KeyTenant>,
    /// The key's status, e.g. `active`.
    pub status: String,
    /// Creation time, epoch seconds.
    pub created_time: i64,
    /// Expiry time, epoch seconds; 0 means it never expires.
    pub expire_time: i64,
    /// Who created the key.
    pub created_by: String,
    /// The OAuth client id of the key.
    pub client_id: String,
    /// The user the key is bound to, if any.
    pub bound_user_id: String,
    /// Custom claims added to the key's tokens.
    pub custom_claims: Map<String, Value>,
    /// Whether the key can be edited.
    pub editable: bool,
    /// Free-text description.
    pub description: String,
    /// IPs or CIDRs allowed to use the key.
    pub permitted_ips: Vec<String>,
    /// Custom attributes.
    pub custom_attributes: Map<String, Value>,
    /// Fields this version of the library does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A tenant an access key belongs to (`AssociatedTenantAK`), decoded as leniently as
/// [`AccessKey`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyTenant {
    /// The tenant id.
    pub tenant_id: String,
    /// Roles within the tenant.
    pub role_names: Vec<String>,
    /// The tenant's name.
    pub tenant_name: String,
    /// Unknown fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl<'de> Deserialize<'de> for AccessKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let mut f = Fields::deserialize(d)?;
        Ok(AccessKey {
            id: f.take("id"),
            name: f.take("name"),
            role_names: f.take("roleNames"),
            key_tenants: f.take("keyTenants"),
            status: f.take("status"),
            created_time: f.take("createdTime"),
            expire_time: f.take("expireTime"),
            created_by: f.take("createdBy"),
            client_id: f.take("clientId"),
            bound_user_id: f.take("boundUserId"),
            custom_claims: f.take("customClaims"),
            editable: f.take("editable"),
            description: f.take("description"),
            permitted_ips: f.take("permittedIps"),
            custom_attributes: f.take("customAttributes"),
            extra: f.rest(),
        })
    }
}

impl<'de> Deserialize<'de> for KeyTenant {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let mut f = Fields::deserialize(d)?;
        Ok(KeyTenant {
            tenant_id: f.take("tenantId"),
            role_names: f.take("roleNames"),
            tenant_name: f.take("tenantName"),
            extra: f.rest(),
        })
    }
}

/// The result of a rotation: the key's metadata and its new secret, shown only once.
#[derive(Clone, Debug, PartialEq)]
pub struct RotatedAccessKey {
    /// The rotated key; every field but the secret is unchanged.
    pub key: AccessKey,
    /// The new secret. The previous one stopped working.
    pub cleartext: Secret,
    /// How the call went (ids, status, attempts, time); not part of the value.
    pub meta: CallMeta,
}

impl AccessKey {
    /// The key as wire JSON (camelCase), including unknown fields.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

#[derive(Serialize)]
struct RotateBody<'a> {
    id: &'a str,
}

/// A rotate answer, read leniently: only the cleartext must be there. Read as a map, so a
/// repeated key (the last one counts) or an unknown field never costs the secret.
struct RotateAnswer {
    key: Value,
    cleartext: Value,
}

impl<'de> Deserialize<'de> for RotateAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let mut f = Fields::deserialize(d)?;
        Ok(RotateAnswer {
            key: f.take_raw("key"),
            cleartext: f.take_raw("cleartext"),
        })
    }
}

impl RotateAnswer {
    /// The rotated key, or `None` when the answer has no usable cleartext. A key object of
    /// a drifted shape keeps what it can (see [`AccessKey`]); a missing one is the
    /// requested id with empty metadata.
    fn into_rotated(self, requested_id: &str) -> Option<RotatedAccessKey> {
        let cleartext = match self.cleartext {
            Value::String(s) if !s.is_empty() => Secret::new(s),
            _ => return None,
        };
        let mut key = match self.key {
            key @ Value::Object(_) => AccessKey::deserialize(key).unwrap_or_default(),
            _ => AccessKey::default(),
        };
        if key.id.is_empty() {
            key.id = requested_id.to_string();
        }
        Some(RotatedAccessKey {
            key,
            cleartext,
            meta: CallMeta::default(),
        })
    }
}

const ROTATE_UNKNOWN: &str = "The key may already be rotated, and its previous secret invalid: check the key (try the old secret, or load the key) before rotating again";

/// Checks a rotate argument.
pub fn validate_access_key_id(id: &str) -> Result<()> {
    if id.trim().is_empty() {
        return Err(Error::invalid_argument(
            "the access key id is empty: pass the id of the key to rotate",
        ));
    }
    Ok(())
}

impl Client {
    /// Rotates an access key: the server makes a new secret, returns it once, and the
    /// previous secret stops working at once. Everything else about the key stays.
    ///
    /// Never resent after it may have reached the server (the original, applied late,
    /// could overtake the resend and void its secret): such a failure is `OUTCOME_UNKNOWN`.
    pub async fn rotate_access_key(&self, id: &str) -> Result<RotatedAccessKey> {
        validate_access_key_id(id)?;
        let body = json_body(&RotateBody { id }, 64)?;
        let ids = self.call_ids(Call::RotateAccessKey);
        let answer = self
            .post(Request {
                ids: &ids,
                path: ROTATE_PATH,
                body,
                safety: Call::RotateAccessKey.safety(),
                unknown_outcome_hint: ROTATE_UNKNOWN,
                batch: None,
                key_id: Some(id),
            })
            .await?;
        const APPLIED: &str = "The key was probably rotated, but its new secret could not be read: its previous secret no longer works; rotate it again to get a usable secret";
        let rotated =
            decode::<RotateAnswer>(answer.status, &answer.body, APPLIED).and_then(|parsed| {
                parsed.into_rotated(id).ok_or_else(|| {
                    Error::new(
                        ErrorCode::Decode,
                        format!("HTTP {} without a cleartext. {APPLIED}", answer.status),
                    )
                    .with_status(answer.status)
                })
            });
        rotated
            .map(|mut r| {
                r.meta = answer.meta(&ids);
                r
            })
            .map_err(|e| ids.attach(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_ids_are_rejected() {
        assert_eq!(
            validate_access_key_id("").unwrap_err().code(),
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            validate_access_key_id("  ").unwrap_err().code(),
            ErrorCode::InvalidArgument
        );
        assert!(validate_access_key_id("K2x").is_ok());
    }

    #[test]
    fn access_key_keeps_unknown_fields_and_defaults_missing_ones() {
        let k: AccessKey = serde_json::from_str(
            r#"{"id":"K1","name":"n","keyTenants":[{"tenantId":"T","roleNames":["r"],"tenantName":"A","x":1}],"newField":{"a":true},"expireTime":5}"#,
        )
        .unwrap();
        assert_eq!(k.id, "K1");
        assert_eq!(k.expire_time, 5);
        assert_eq!(k.status, "");
        assert_eq!(k.extra["newField"]["a"], true);
        assert_eq!(k.key_tenants[0].extra["x"], 1);
        let v = k.to_json();
        assert_eq!(v["newField"]["a"], true);
        assert_eq!(v["keyTenants"][0]["tenantName"], "A");
    }

    fn rotated(body: &str) -> Option<RotatedAccessKey> {
        serde_json::from_str::<RotateAnswer>(body)
            .unwrap()
            .into_rotated("K2asked")
    }

    #[test]
    fn a_repeated_key_never_costs_the_cleartext() {
        let r = rotated(r#"{"key":{},"cleartext":"s1","key":{"id":"K2x"}}"#).unwrap();
        assert_eq!((r.cleartext.expose(), r.key.id.as_str()), ("s1", "K2x"));
    }

    #[test]
    fn drifted_key_metadata_never_costs_the_cleartext() {
        let r = rotated(
            r#"{"cleartext":"new-secret","key":{"id":"K2x","name":"ci","roleNames":null,"createdTime":"yesterday","expireTime":1.5,"customClaims":[],"editable":"true","keyTenants":[{"tenantId":"T","roleNames":null},7],"status":"active"}}"#,
        )
        .unwrap();
        assert_eq!(r.cleartext.expose(), "new-secret");
        assert_eq!(r.key.id, "K2x");
        assert_eq!(r.key.name, "ci");
        assert_eq!(r.key.status, "active");
        assert!(r.key.role_names.is_empty());
        assert_eq!(r.key.created_time, 0);
        for raw in [
            "createdTime",
            "expireTime",
            "customClaims",
            "editable",
            "keyTenants",
        ] {
            assert!(r.key.extra.contains_key(raw), "{raw} was not kept");
        }
        let r = rotated(r#"{"cleartext":"s2","key":{"keyTenants":[{"tenantId":"T","roleNames":null,"tenantName":5}]}}"#).unwrap();
        assert_eq!(r.key.id, "K2asked");
        assert_eq!(r.key.key_tenants[0].tenant_id, "T");
        assert_eq!(r.key.key_tenants[0].extra["tenantName"], 5);
        for key in ["null", "[]", "\"x\"", "{}"] {
            let r = rotated(&format!(r#"{{"cleartext":"s3","key":{key}}}"#)).unwrap();
            assert_eq!((r.key.id.as_str(), r.cleartext.expose()), ("K2asked", "s3"));
        }
        for bad in [
            r#"{"key":{"id":"K"}}"#,
            r#"{"cleartext":""}"#,
            r#"{"cleartext":null}"#,
            r#"{"cleartext":5}"#,
        ] {
            assert!(rotated(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn rotate_body_matches_the_official_sdks() {
        assert_eq!(
            serde_json::to_vec(&RotateBody { id: "K1" }).unwrap(),
            br#"{"id":"K1"}"#
        );
    }
}
