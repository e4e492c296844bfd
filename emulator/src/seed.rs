//! The emulator's initial state ("seed"): the project, its management key, access keys,
//! outbound apps and dynamic registration templates.
//!
//! A [`Seed`] is plain serde data in camelCase JSON. Every top-level field is optional in a
//! seed file: a missing field takes the value of the built-in seed ([`Seed::default`]).

use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Project ID of the built-in seed (28 characters, so no region is derived from it).
pub const DEFAULT_PROJECT_ID: &str = "P2EmulatorProject00000000000";
/// Management key of the built-in seed.
pub const DEFAULT_MANAGEMENT_KEY: &str = "K2EmulatorManagementKey";
/// Rate-limit tier answered by `GET /v1/mgmt/license` in the built-in seed.
pub const DEFAULT_RATE_LIMIT_TIER: &str = "tier1";

/// The full initial state of an emulated project.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Seed {
    /// The project ID expected in `Authorization: Bearer <projectId>:<managementKey>`.
    pub project_id: String,
    /// The management key expected in the `Authorization` header.
    pub management_key: String,
    /// Value of `rateLimitTier` answered by `GET /v1/mgmt/license`.
    pub rate_limit_tier: String,
    /// Access keys that exist at start (and after every reset), with their initial secrets.
    pub access_keys: Vec<SeedAccessKey>,
    /// IDs of the OAuth outbound apps tokens may be uploaded for.
    pub outbound_apps: Vec<String>,
    /// Dynamic registration templates that exist at start, as wire JSON objects. Each needs a
    /// non-empty `name`; a missing `id`, `version`, `createdTime` or `modifiedTime` is filled in.
    pub templates: Vec<Map<String, Value>>,
}

/// An access key of the seed: its wire metadata plus its initial secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedAccessKey {
    /// The key's metadata exactly as the API returns it.
    #[serde(flatten)]
    pub key: AccessKey,
    /// The key's initial cleartext secret (valid until the key is first rotated).
    /// Defaults to `seed-secret-<id>` when a seed file leaves it out.
    #[serde(default)]
    pub secret: String,
}

/// An access key's metadata, with every field of the wire `AccessKey` object
/// (descope-api.md §1.2). All fields are always serialized.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AccessKey {
    /// Key ID (e.g. `K2active`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Project-level role names.
    pub role_names: Vec<String>,
    /// Tenant associations.
    pub key_tenants: Vec<KeyTenant>,
    /// `active`, `inactive` (or `deactivated`); only `active` keys can be rotated.
    pub status: String,
    /// Creation time, epoch seconds.
    pub created_time: i64,
    /// Expiry, epoch seconds; 0 means never.
    pub expire_time: i64,
    /// Who created the key.
    pub created_by: String,
    /// Client ID of the key.
    pub client_id: String,
    /// User the key is bound to, if any (empty otherwise).
    pub bound_user_id: String,
    /// Custom claims added to the key's tokens.
    pub custom_claims: Map<String, Value>,
    /// Whether the key can be edited.
    pub editable: bool,
    /// Free-text description.
    pub description: String,
    /// IPs/CIDRs the key may be used from (empty = any).
    pub permitted_ips: Vec<String>,
    /// Custom attributes.
    pub custom_attributes: Map<String, Value>,
}

/// A tenant association of an access key (`AssociatedTenantAK`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KeyTenant {
    /// Tenant ID.
    pub tenant_id: String,
    /// Role names within the tenant.
    pub role_names: Vec<String>,
    /// Tenant display name.
    pub tenant_name: String,
}

fn key(id: &str, name: &str, status: &str, expire_time: i64) -> SeedAccessKey {
    SeedAccessKey {
        key: AccessKey {
            id: id.to_owned(),
            name: name.to_owned(),
            status: status.to_owned(),
            created_time: 1_750_000_000,
            expire_time,
            created_by: "admin@example.com".to_owned(),
            client_id: id.to_owned(),
            editable: true,
            ..AccessKey::default()
        },
        secret: format!("seed-secret-{id}"),
    }
}

fn template(id: &str, name: &str, description: &str) -> Map<String, Value> {
    let Value::Object(map) = serde_json::json!({
        "id": id,
        "version": "1",
        "name": name,
        "description": description,
        "loginPageURL": "",
        "sessionSettings": {"enabled": false},
        "skipConsentScreen": false,
        "forceAddAllAuthorizationInfo": false,
        "tags": [],
        "createdTime": "2025-06-15T15:06:40Z",
        "modifiedTime": "2025-06-15T15:06:40Z"
    }) else {
        unreachable!("json! object literal")
    };
    map
}

impl Default for Seed {
    /// The built-in seed: project `P2EmulatorProject00000000000`, management key
    /// `K2EmulatorManagementKey`, access keys `K2active`, `K2active2`, `K2expired`,
    /// `K2inactive` (secret `seed-secret-<id>` each), outbound apps `google-drive` and
    /// `slack`, and templates `Default` and `Existing`.
    fn default() -> Self {
        let mut active = key("K2active", "ci-bot", "active", 0);
        active.key.role_names = vec!["Tenant Admin".to_owned()];
        active.key.key_tenants = vec![KeyTenant {
            tenant_id: "T2acme".to_owned(),
            role_names: vec!["viewer".to_owned()],
            tenant_name: "Acme".to_owned(),
        }];
        active
            .key
            .custom_claims
            .insert("team".to_owned(), Value::from("platform"));
        active.key.description = "CI key".to_owned();

        let mut active2 = key("K2active2", "bench-bot", "active", 0);
        active2.key.description = "Benchmark key".to_owned();
        let mut expired = key("K2expired", "old-bot", "active", 1_600_000_000);
        expired.key.description = "Expired key".to_owned();
        let mut inactive = key("K2inactive", "disabled-bot", "inactive", 0);
        inactive.key.description = "Deactivated key".to_owned();

        Seed {
            project_id: DEFAULT_PROJECT_ID.to_owned(),
            management_key: DEFAULT_MANAGEMENT_KEY.to_owned(),
            rate_limit_tier: DEFAULT_RATE_LIMIT_TIER.to_owned(),
            access_keys: vec![active, active2, expired, inactive],
            outbound_apps: vec!["google-drive".to_owned(), "slack".to_owned()],
            templates: vec![
                template("DRT2default0000000000000000", "Default", "Default template"),
                template(
                    "DRT2existing000000000000000",
                    "Existing",
                    "Pre-existing template (duplicate-name tests)",
                ),
            ],
        }
    }
}

impl Seed {
    /// Reads a seed from a JSON file; fields missing from the file take built-in values.
    pub fn from_file(path: impl AsRef<Path>) -> io::Result<Seed> {
        let text = std::fs::read(path.as_ref())?;
        Seed::from_json(&text)
    }

    /// Parses a seed from JSON bytes; fields missing from the JSON take built-in values.
    pub fn from_json(json: &[u8]) -> io::Result<Seed> {
        let mut seed: Seed = serde_json::from_slice(json).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("invalid seed JSON: {e}"),
            )
        })?;
        for k in &mut seed.access_keys {
            if k.secret.is_empty() {
                k.secret = format!("seed-secret-{}", k.key.id);
            }
        }
        seed.validate()?;
        Ok(seed)
    }

    /// Checks the seed is usable: non-empty project ID and management key without `:`,
    /// unique non-empty access key IDs, and templates with unique non-empty names.
    pub fn validate(&self) -> io::Result<()> {
        let invalid = |msg: String| Err(io::Error::new(io::ErrorKind::InvalidData, msg));
        if self.project_id.is_empty() || self.project_id.contains(':') {
            return invalid("seed projectId must be non-empty and contain no ':'".into());
        }
        if self.management_key.is_empty() {
            return invalid("seed managementKey must be non-empty".into());
        }
        let mut ids = std::collections::HashSet::new();
        for k in &self.access_keys {
            if k.key.id.is_empty() || !ids.insert(k.key.id.as_str()) {
                return invalid(format!(
                    "seed access key id {:?} is empty or duplicated",
                    k.key.id
                ));
            }
        }
        let mut names = std::collections::HashSet::new();
        for t in &self.templates {
            match t.get("name").and_then(Value::as_str) {
                Some(n) if !n.is_empty() && names.insert(n) => {}
                _ => return invalid(format!("seed template {t:?} needs a unique non-empty name")),
            }
        }
        Ok(())
    }

    /// The `Authorization` header value the emulator accepts for this seed.
    pub fn authorization_header(&self) -> String {
        format!("Bearer {}:{}", self.project_id, self.management_key)
    }

    /// The initial secret of the seeded access key `id`, if that key exists.
    pub fn secret_of(&self, id: &str) -> Option<&str> {
        self.access_keys
            .iter()
            .find(|k| k.key.id == id)
            .map(|k| k.secret.as_str())
    }
}
