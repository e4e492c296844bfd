//! Access keys: the `AccessKey` model and `rotate_access_key`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::{Client, Request};
use crate::error::{Error, ErrorCode, Result};
use crate::response::decode;
use crate::retry::Safety;
use crate::secret::Secret;

/// Path of the rotate call.
pub const ROTATE_PATH: &str = "/v1/mgmt/accesskey/rotate";

/// An access key's metadata, as returned by the Management API. Fields the server omits
/// take their empty value; fields this version does not know are kept in `extra`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
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

/// A tenant an access key belongs to (`AssociatedTenantAK`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
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

/// The result of a rotation: the key's metadata and its new secret, shown only once.
#[derive(Clone, Debug, PartialEq)]
pub struct RotatedAccessKey {
    /// The rotated key; every field but the secret is unchanged.
    pub key: AccessKey,
    /// The new secret. The previous one stopped working.
    pub cleartext: Secret,
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

#[derive(Deserialize)]
struct RotateAnswer {
    key: Option<AccessKey>,
    cleartext: Option<Secret>,
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
    /// Never resent after it may have reached the server (a second rotate would destroy
    /// the first new secret): such a failure is `OUTCOME_UNKNOWN`.
    pub async fn rotate_access_key(&self, id: &str) -> Result<RotatedAccessKey> {
        validate_access_key_id(id)?;
        let body = serde_json::to_vec(&RotateBody { id }).expect("serializable");
        let answer = self
            .post(Request {
                path: ROTATE_PATH,
                body,
                safety: Safety::NotIdempotent,
                unknown_outcome_hint: ROTATE_UNKNOWN,
                secrets: Vec::new(),
            })
            .await?;
        const APPLIED: &str = "The key was probably rotated, but its new secret could not be read: rotate it again to get a usable secret";
        let parsed: RotateAnswer = decode(answer.status, &answer.body, APPLIED)?;
        match (parsed.key, parsed.cleartext) {
            (Some(key), Some(cleartext)) if !cleartext.is_empty() => {
                Ok(RotatedAccessKey { key, cleartext })
            }
            _ => Err(Error::new(
                ErrorCode::Decode,
                format!(
                    "HTTP {} without a key and a cleartext. {APPLIED}",
                    answer.status
                ),
            )
            .with_status(answer.status)),
        }
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

    #[test]
    fn rotate_body_matches_the_official_sdks() {
        assert_eq!(
            serde_json::to_vec(&RotateBody { id: "K1" }).unwrap(),
            br#"{"id":"K1"}"#
        );
    }
}
