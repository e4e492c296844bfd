//! `batch_upload_tenant_tokens`: sending a checked batch body and reading the answer.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::client::{Client, Request};
use crate::error::{BatchFailure, Error, ErrorCode, Result};
use crate::response::decode_seed;
use crate::retry::Call;
use crate::tenant_tokens::{TenantToken, BATCH_UPLOAD_PATH};
use crate::token_batch::TokenBatch;

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
        let ids = self.call_ids(Call::BatchUploadTenantTokens);
        let answer = self
            .post(Request {
                ids: &ids,
                path: BATCH_UPLOAD_PATH,
                body: batch.body(),
                safety: Call::BatchUploadTenantTokens.safety(),
                unknown_outcome_hint: BATCH_UNKNOWN,
                batch: Some(batch),
                key_id: None,
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
}
