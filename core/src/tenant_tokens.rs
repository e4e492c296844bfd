//! Tenant OAuth tokens for outbound apps: `TenantToken` and `batch_upload_tenant_tokens`.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::client::{Client, Request};
use crate::error::{BatchFailure, Error, ErrorCode, Result};
use crate::request_ids::CallIds;
use crate::response::decode_seed;
use crate::retry::Call;
use crate::secret::Secret;
use crate::token_batch::TokenBatch;

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

/// Decodes a batch answer: a JSON object whose `failures` field is an array of at most
/// `max` items (one per token sent). Anything else is an error, so an unrelated 200 (a
/// proxy's page, `[]`, `{}`) is never taken for a committed batch, and a hostile answer
/// with millions of failures is refused while it is read, not after it was stored.
struct BatchAnswerSeed {
    max: usize,
}

impl<'de> DeserializeSeed<'de> for BatchAnswerSeed {
    type Value = Vec<BatchFailure>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for BatchAnswerSeed {
    type Value = Vec<BatchFailure>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with a failures array")
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut failures = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "failures" && failures.is_none() {
                failures = Some(map.next_value_seed(FailuresSeed { max: self.max })?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        failures.ok_or_else(|| de::Error::missing_field("failures"))
    }
}

struct FailuresSeed {
    max: usize,
}

impl<'de> DeserializeSeed<'de> for FailuresSeed {
    type Value = Vec<BatchFailure>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for FailuresSeed {
    type Value = Vec<BatchFailure>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an array of at most {} failures", self.max)
    }

    fn visit_seq<A: SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(f) = seq.next_element::<BatchFailure>()? {
            if out.len() == self.max {
                return Err(de::Error::invalid_length(self.max + 1, &self));
            }
            out.push(f);
        }
        Ok(out)
    }
}

const BATCH_UNKNOWN: &str =
    "The batch may have been committed; it is safe to upload the same batch again";

impl Client {
    /// Uploads tenant OAuth tokens for outbound apps, all or nothing.
    ///
    /// Every item is validated first; invalid input is one `INVALID_ARGUMENT` error listing
    /// each bad item, and nothing is sent. Succeeds only when the server committed the
    /// whole batch; per-item failures from the server are a `BATCH_REJECTED` error carrying
    /// every failure (nothing was stored). The call is safe to repeat, so edge errors and
    /// dropped connections are retried.
    pub async fn batch_upload_tenant_tokens(&self, tokens: &[TenantToken]) -> Result<()> {
        self.upload_token_batch(&TokenBatch::from_tokens(tokens)?)
            .await
    }

    /// Uploads a checked batch body (see [`TokenBatch`]): the whole of
    /// [`Client::batch_upload_tenant_tokens`] after its checks.
    pub(crate) async fn upload_token_batch(&self, batch: &TokenBatch) -> Result<()> {
        let ids = CallIds::new(Call::BatchUploadTenantTokens);
        let answer = self
            .post(Request {
                ids: &ids,
                path: BATCH_UPLOAD_PATH,
                body: batch.body(),
                safety: Call::BatchUploadTenantTokens.safety(),
                unknown_outcome_hint: BATCH_UNKNOWN,
                batch: Some(batch),
            })
            .await?;
        let scrubber = self.scrubber_for(Some(batch));
        const APPLIED: &str =
            "Whether the batch was committed is unknown; it is safe to upload it again";
        let failures = decode_seed(
            answer.status,
            &answer.body,
            BatchAnswerSeed { max: batch.len() },
            APPLIED,
        )
        .map_err(|e| ids.attach(e))?;
        // A server may quote an item back in its reason: never let a token through.
        let failures: Vec<BatchFailure> = failures
            .into_iter()
            .map(|f| BatchFailure {
                app_id: scrubber.scrub(&f.app_id),
                tenant_id: scrubber.scrub(&f.tenant_id),
                error_code: scrubber.scrub(&f.error_code),
                reason: scrubber.scrub(&f.reason),
            })
            .collect();
        if failures.is_empty() {
            return Ok(());
        }
        let listed: Vec<String> = failures
            .iter()
            .take(5)
            .map(|f| {
                format!(
                    "{}/{}: {} {}",
                    f.app_id, f.tenant_id, f.error_code, f.reason
                )
            })
            .collect();
        let more = if failures.len() > 5 {
            format!(" and {} more", failures.len() - 5)
        } else {
            String::new()
        };
        let rejected = Error::new(
            ErrorCode::BatchRejected,
            format!(
                "the server rejected {} of {} token(s), so nothing was stored; fix them and upload the whole batch again: {}{more}",
                failures.len(),
                batch.len(),
                listed.join("; ")
            ),
        )
        .with_status(answer.status)
        .with_failures(failures);
        Err(ids.attach(rejected))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn answer(body: &str, max: usize) -> Result<Vec<BatchFailure>> {
        decode_seed(200, body.as_bytes(), BatchAnswerSeed { max }, "applied?")
    }

    #[test]
    fn batch_answers_must_be_objects_with_bounded_failures() {
        assert_eq!(answer(r#"{"failures":[]}"#, 1).unwrap(), vec![]);
        let one = answer(r#"{"x":{"y":[1]},"failures":[{"appId":"a","tenantId":"t","errorCode":"E1","reason":"r","new":1}]}"#, 1).unwrap();
        assert_eq!(one[0].tenant_id, "t");
        for bad in [
            "[]",
            "[[]]",
            "{}",
            r#"{"failures":null}"#,
            r#"{"failures":{}}"#,
            "null",
            "\"ok\"",
            r#"{"failures":[{},{}]}"#,
        ] {
            let e = answer(bad, 1).unwrap_err();
            assert_eq!(e.code(), ErrorCode::Decode, "{bad}");
        }
        // Millions of failures for a one-token batch are refused while reading.
        let huge = format!(r#"{{"failures":[{}{{}}]}}"#, "{},".repeat(2_000_000));
        assert_eq!(answer(&huge, 1).unwrap_err().code(), ErrorCode::Decode);
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
