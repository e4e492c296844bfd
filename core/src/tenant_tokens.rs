//! Tenant OAuth tokens for outbound apps: `TenantToken` and the rules a batch of them
//! must follow (the call itself is in `batch_upload`, the body's writer in `token_batch`).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::secret::Secret;

/// Path of the batch upload call.
pub const BATCH_UPLOAD_PATH: &str = "/v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload";

/// One tenant's OAuth token for an outbound app (`SaveOAuthAppTenantTokenItem`).
///
/// `app_id` and `tenant_id` are required, and at least one of `refresh_token` /
/// `access_token`. Token values are [`Secret`]s. Deserializing accepts the wire's camelCase
/// names and rejects unknown ones, so a typo is an error rather than a silently dropped field.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TenantToken {
    /// The outbound application id.
    #[serde(default)]
    #[serde(alias = "app_id")]
    pub app_id: String,
    /// The tenant the token belongs to.
    #[serde(default)]
    #[serde(alias = "tenant_id")]
    pub tenant_id: String,
    /// The provider's refresh token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "refresh_token")]
    pub refresh_token: Option<Secret>,
    /// The provider's access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "access_token")]
    pub access_token: Option<Secret>,
    /// When the access token expires, epoch seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "access_token_expiry")]
    pub access_token_expiry: Option<i64>,
    /// The access token's type, e.g. `Bearer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "access_token_type")]
    pub access_token_type: Option<String>,
    /// Scopes the token was granted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// An external identifier for the connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "external_identifier")]
    pub external_identifier: Option<String>,
    /// The provider's OIDC id token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "id_token")]
    pub id_token: Option<Secret>,
    /// Who granted the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "granted_by")]
    pub granted_by: Option<String>,
}

impl TenantToken {
    /// A token for `app_id` and `tenant_id`; set at least one of the two tokens next.
    pub fn new(app_id: impl Into<String>, tenant_id: impl Into<String>) -> Self {
        TenantToken {
            app_id: app_id.into(),
            tenant_id: tenant_id.into(),
            ..Default::default()
        }
    }

    /// Sets the refresh token.
    pub fn refresh_token(mut self, token: impl Into<Secret>) -> Self {
        self.refresh_token = Some(token.into());
        self
    }

    /// Sets the access token.
    pub fn access_token(mut self, token: impl Into<Secret>) -> Self {
        self.access_token = Some(token.into());
        self
    }

    /// What the checks need to know of this item.
    fn facts(&self) -> TokenFacts {
        let present = |t: &Option<Secret>| t.as_ref().is_some_and(|s| !s.is_empty());
        TokenFacts {
            app_id_blank: self.app_id.trim().is_empty(),
            tenant_id_blank: self.tenant_id.trim().is_empty(),
            has_token: present(&self.refresh_token) || present(&self.access_token),
            access_token_expiry: self.access_token_expiry,
        }
    }
}

/// What the checks of one token look at; the one set of rules for typed tokens and for
/// tokens written straight from a caller's values.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TokenFacts {
    /// `appId` is missing or only whitespace.
    pub app_id_blank: bool,
    /// `tenantId` is missing or only whitespace.
    pub tenant_id_blank: bool,
    /// `refreshToken` or `accessToken` is set and not empty.
    pub has_token: bool,
    /// `accessTokenExpiry`.
    pub access_token_expiry: Option<i64>,
}

impl Default for TokenFacts {
    /// A token with no fields.
    fn default() -> Self {
        TokenFacts {
            app_id_blank: true,
            tenant_id_blank: true,
            has_token: false,
            access_token_expiry: None,
        }
    }
}

impl TokenFacts {
    /// Lists the problems of this item (empty when valid).
    pub fn problems(&self) -> Vec<&'static str> {
        let mut p = Vec::new();
        if self.app_id_blank {
            p.push("appId is required");
        }
        if self.tenant_id_blank {
            p.push("tenantId is required");
        }
        if !self.has_token {
            p.push("set refreshToken or accessToken (or both)");
        }
        if let Some(exp) = self.access_token_expiry {
            if exp < 0 {
                p.push("accessTokenExpiry must be epoch seconds >= 0");
            } else if exp > i64::from(i32::MAX) {
                p.push("accessTokenExpiry must be epoch seconds that fit in 32 bits");
            }
        }
        p
    }
}

/// The most tokens one batch upload accepts. Descope documents no limit: this one is the
/// SDK's own, chosen so that one request body stays near 27 MB (about 270 bytes a token)
/// and a careless call (a whole table passed by mistake) cannot build a huge body in
/// memory. Larger migrations are split into calls of at most this many tokens.
pub const MAX_BATCH_TOKENS: usize = 100_000;

/// Checks the length of a batch against [`MAX_BATCH_TOKENS`]. Bindings call it before they
/// read a caller's list item by item, so a huge list is refused at once.
pub fn check_batch_len(len: usize) -> Result<()> {
    if len > MAX_BATCH_TOKENS {
        return Err(Error::invalid_argument(format!(
            "the token list has {len} tokens, more than the {MAX_BATCH_TOKENS} one batch accepts \
             (a limit of this SDK that keeps one request body near 27 MB, not one Descope \
             documents): split it into calls of at most {MAX_BATCH_TOKENS} tokens, each \
             all-or-nothing on its own and safe to resend; nothing was sent"
        )));
    }
    Ok(())
}

/// Checks a whole batch and reports every invalid item, with its index, in one error.
pub fn validate_tenant_tokens(tokens: &[TenantToken]) -> Result<()> {
    if tokens.is_empty() {
        return Err(Error::invalid_argument(
            "the token list is empty: pass at least one token",
        ));
    }
    check_batch_len(tokens.len())?;
    let problems: Vec<String> = tokens
        .iter()
        .enumerate()
        .flat_map(|(i, t)| {
            t.facts()
                .problems()
                .into_iter()
                .map(move |p| format!("tokens[{i}]: {p}"))
        })
        .collect();
    if problems.is_empty() {
        return Ok(());
    }
    Err(problems_error(&problems))
}

/// The `INVALID_ARGUMENT` error for the problems of a token list (`tokens[i]: ...` each).
pub(crate) fn problems_error(problems: &[String]) -> Error {
    Error::invalid_argument(format!(
        "{} problem(s) in the token list, nothing was sent: {}",
        problems.len(),
        problems.join("; ")
    ))
}

#[cfg(test)]
#[derive(Serialize)]
struct BatchBody<'a> {
    tokens: &'a [TenantToken],
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn body_is_byte_identical_to_the_official_sdks() {
        let full: TenantToken = serde_json::from_str(
            r#"{"appId":"google-drive","tenantId":"T2tenant1","refreshToken":"rt-1","accessToken":"at-1","accessTokenExpiry":1767225600,"accessTokenType":"Bearer","scopes":["https://www.googleapis.com/auth/drive.readonly"],"externalIdentifier":"ext-1","idToken":"idt-1","grantedBy":"admin@example.com"}"#,
        )
        .unwrap();
        let small = TenantToken::new("google-drive", "T2tenant2").access_token("at-2");
        let body = serde_json::to_string(&BatchBody {
            tokens: &[full, small],
        })
        .unwrap();
        assert_eq!(
            body,
            r#"{"tokens":[{"appId":"google-drive","tenantId":"T2tenant1","refreshToken":"rt-1","accessToken":"at-1","accessTokenExpiry":1767225600,"accessTokenType":"Bearer","scopes":["https://www.googleapis.com/auth/drive.readonly"],"externalIdentifier":"ext-1","idToken":"idt-1","grantedBy":"admin@example.com"},{"appId":"google-drive","tenantId":"T2tenant2","accessToken":"at-2"}]}"#
        );
        assert_eq!(body.len(), 369);
    }

    #[test]
    fn non_ascii_is_sent_as_raw_utf8() {
        let t = TenantToken {
            granted_by: Some("Zoë ✓ <a&b>".into()),
            ..TenantToken::new("google-drive", "T2tenant1").refresh_token("rt-ü")
        };
        let body = serde_json::to_string(&BatchBody { tokens: &[t] }).unwrap();
        assert_eq!(
            body,
            r#"{"tokens":[{"appId":"google-drive","tenantId":"T2tenant1","refreshToken":"rt-ü","grantedBy":"Zoë ✓ <a&b>"}]}"#
        );
    }

    #[test]
    fn every_rule_is_checked_and_all_items_reported() {
        assert_eq!(
            validate_tenant_tokens(&[]).unwrap_err().code(),
            ErrorCode::InvalidArgument
        );
        let bad = vec![
            TenantToken::new("", "T").access_token("secret-a"),
            TenantToken::new("A", "").refresh_token("secret-r"),
            TenantToken::new("A", "T"),
            TenantToken {
                access_token_expiry: Some(-1),
                ..TenantToken::new("A", "T").access_token("x")
            },
            TenantToken {
                access_token_expiry: Some(1 << 40),
                ..TenantToken::new("A", "T").access_token("x")
            },
            TenantToken::new("A", "T").access_token(""),
            TenantToken::new("A", "T").access_token("fine"),
        ];
        let e = validate_tenant_tokens(&bad).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidArgument);
        let m = e.message();
        for i in 0..6 {
            assert!(m.contains(&format!("tokens[{i}]")), "{m}");
        }
        assert!(!m.contains("tokens[6]"));
        assert!(
            !m.contains("secret-a") && !m.contains("secret-r"),
            "the message quotes a token"
        );
    }

    #[test]
    fn a_batch_longer_than_the_cap_is_refused_whole() {
        let one = TenantToken::new("A", "T").access_token("x");
        let mut tokens = vec![one; MAX_BATCH_TOKENS];
        assert!(validate_tenant_tokens(&tokens).is_ok());
        tokens.push(TenantToken::new("A", "T").access_token("x"));
        let e = validate_tenant_tokens(&tokens).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidArgument);
        assert!(e.message().contains("split it"), "{}", e.message());
    }

    #[test]
    fn unknown_fields_are_rejected_and_debug_is_redacted() {
        assert!(serde_json::from_str::<TenantToken>(
            r#"{"appId":"a","tenantId":"t","refreshTokn":"x"}"#
        )
        .is_err());
        let t = TenantToken::new("a", "t").access_token("tok-secret");
        assert!(!format!("{t:?}").contains("tok-secret"));
    }
}
