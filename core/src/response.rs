//! Turning HTTP answers into results or typed errors.

use std::time::{Duration, SystemTime};

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::error::{Error, ErrorCode};
use crate::retry::Safety;
use crate::token_batch::TokenBatch;

/// Descope's error body: `{"errorCode", "errorDescription", "errorMessage"}`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct DescopeErrorBody {
    error_code: Option<String>,
    error_description: Option<String>,
    error_message: Option<String>,
}

/// Parses a `Retry-After` value: delay-seconds or an HTTP-date.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs.min(1e9)));
        }
        return None;
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Removes every secret a call knows (the management key, the call's tokens) from text an
/// answer carries, before that text goes into an error. A server that echoes the request
/// (a debug page, an error message quoting the body) must not turn an error into a leak.
pub(crate) struct Scrubber<'a> {
    /// The secrets as given.
    secrets: Vec<&'a str>,
    /// A batch's tokens (100,000 tokens have 200,000 of them), read only to build `needles`.
    batch: Option<&'a TokenBatch>,
    /// The secrets, longest first, each also in its JSON-escaped form when that differs:
    /// built on the first text to scrub, which most calls never have.
    needles: std::sync::OnceLock<Vec<std::borrow::Cow<'a, str>>>,
}

/// What a removed secret is replaced with.
pub(crate) const REDACTED: &str = "[REDACTED]";

/// Secrets shorter than this are not searched for: they would match ordinary words.
const MIN_SECRET_LEN: usize = 4;

impl<'a> Scrubber<'a> {
    /// A scrubber for these secrets; empty and very short ones are ignored.
    pub(crate) fn new(secrets: impl IntoIterator<Item = &'a str>) -> Self {
        Scrubber {
            secrets: secrets.into_iter().collect(),
            batch: None,
            needles: std::sync::OnceLock::new(),
        }
    }

    /// Also removes the tokens of `batch`.
    pub(crate) fn with_batch(mut self, batch: Option<&'a TokenBatch>) -> Self {
        self.batch = batch;
        self
    }

    /// The search strings, built once.
    fn needles(&self) -> &[std::borrow::Cow<'a, str>] {
        self.needles.get_or_init(|| {
            let batch = self.batch.into_iter().flat_map(TokenBatch::secrets);
            Self::build(self.secrets.iter().copied().chain(batch))
        })
    }

    fn build(secrets: impl Iterator<Item = &'a str>) -> Vec<std::borrow::Cow<'a, str>> {
        let mut needles: Vec<std::borrow::Cow<'a, str>> = Vec::new();
        for s in secrets {
            if s.len() < MIN_SECRET_LEN {
                continue;
            }
            if let Ok(quoted) = serde_json::to_string(s) {
                let escaped = &quoted[1..quoted.len() - 1];
                if escaped != s {
                    needles.push(escaped.to_string().into());
                }
            }
            needles.push(s.into());
        }
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        needles.dedup();
        needles
    }

    /// `text` with every known secret replaced by `[REDACTED]`. A text that ends in the
    /// first characters of a secret (a server that cut its echo short) loses that tail too.
    pub(crate) fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        let needles = self.needles();
        for n in needles {
            if out.contains(n.as_ref()) {
                out = out.replace(n.as_ref(), REDACTED);
            }
        }
        for n in needles {
            let longest_tail = (MIN_SECRET_LEN..n.len())
                .rev()
                .find(|&k| n.is_char_boundary(k) && out.ends_with(&n[..k]));
            if let Some(k) = longest_tail {
                out.truncate(out.len() - k);
                out.push_str(REDACTED);
                break;
            }
        }
        out
    }

    fn scrub_opt(&self, text: Option<String>) -> Option<String> {
        text.map(|t| self.scrub(&t))
    }
}

/// The excerpt of an error body, with the call's secrets removed from the whole body
/// first (so a secret cut by the excerpt's length limit cannot leave a prefix behind).
fn scrubbed_excerpt(body: &[u8], scrubber: &Scrubber<'_>) -> String {
    let text = scrubber.scrub(&String::from_utf8_lossy(body));
    let limit = text.char_indices().nth(4096).map_or(text.len(), |(i, _)| i);
    scrubber.scrub(&excerpt_of(&text[..limit], 160))
}

/// A short, single-line excerpt of a non-JSON body with markup and control characters
/// removed, for error messages.
fn excerpt_of(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    let mut last_space = true;
    for ch in text.chars() {
        match ch {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                if !last_space {
                    out.push(' ');
                    last_space = true;
                }
            }
            _ if in_tag => {}
            c if c.is_whitespace() || c.is_control() => {
                if !last_space {
                    out.push(' ');
                    last_space = true;
                }
            }
            c => {
                out.push(c);
                last_space = false;
            }
        }
        if out.chars().count() >= max {
            out.push('…');
            break;
        }
    }
    out.trim().to_string()
}

/// Maps a non-2xx answer to an error.
pub(crate) fn error_from_status(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
    safety: Safety,
    unknown_outcome_hint: &str,
    scrubber: &Scrubber<'_>,
) -> Error {
    let parsed = serde_json::from_slice::<DescopeErrorBody>(body)
        .ok()
        .filter(|b| b.error_code.as_deref().is_some_and(|c| !c.is_empty()));
    let has_descope_body = parsed.is_some();
    let (error_code, description, server_message) = match parsed {
        Some(b) => (
            scrubber.scrub_opt(b.error_code),
            scrubber.scrub_opt(b.error_description),
            scrubber.scrub_opt(b.error_message),
        ),
        None => {
            let excerpt = scrubbed_excerpt(body, scrubber);
            (None, (!excerpt.is_empty()).then_some(excerpt), None)
        }
    };
    let code = match status {
        401 => ErrorCode::Unauthorized,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        429 => ErrorCode::RateLimited,
        400..=499 => ErrorCode::ApiError,
        500..=599 if has_descope_body => ErrorCode::ServerError,
        500..=599 if safety == Safety::NotIdempotent => ErrorCode::OutcomeUnknown,
        500..=599 => ErrorCode::ServerError,
        _ => ErrorCode::ApiError,
    };
    let mut detail = format!("HTTP {status}");
    if let Some(c) = &error_code {
        detail.push_str(&format!(" {c}"));
    }
    if let Some(d) = &description {
        detail.push_str(&format!(": {d}"));
    }
    if let Some(m) = server_message.as_deref().filter(|m| !m.is_empty()) {
        detail.push_str(&format!(" ({m})"));
    }
    let message = match code {
        ErrorCode::Unauthorized => format!(
            "{detail}. The project id or management key was rejected; check DESCOPE_PROJECT_ID and DESCOPE_MANAGEMENT_KEY"
        ),
        ErrorCode::Forbidden => {
            format!("{detail}. The management key is not allowed to make this call")
        }
        ErrorCode::NotFound => format!("{detail}. Check the id and the base URL"),
        ErrorCode::RateLimited => match retry_after {
            Some(d) => format!("{detail}. Rate limited: retry after {} s", d.as_secs_f64().ceil()),
            None => format!("{detail}. Rate limited: retry later"),
        },
        ErrorCode::OutcomeUnknown => format!(
            "{detail} from an edge or proxy, without a Descope answer. {unknown_outcome_hint}"
        ),
        ErrorCode::ServerError => format!("{detail}. The Descope service failed; try again later"),
        _ => detail,
    };
    Error::new(code, message)
        .with_status(status)
        .with_descope_body(error_code, description, server_message)
        .with_retry_after(if status == 429 { retry_after } else { None })
}

/// Decodes a 2xx JSON body.
pub(crate) fn decode<T: DeserializeOwned>(
    status: u16,
    body: &[u8],
    applied_hint: &str,
) -> Result<T, Error> {
    serde_json::from_slice(body).map_err(|e| decode_error(status, body.len(), &e, applied_hint))
}

/// Decodes a 2xx JSON body with a seed (a decoder that carries limits).
pub(crate) fn decode_seed<'de, S: serde::de::DeserializeSeed<'de>>(
    status: u16,
    body: &'de [u8],
    seed: S,
    applied_hint: &str,
) -> Result<S::Value, Error> {
    let mut de = serde_json::Deserializer::from_slice(body);
    seed.deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v))
        .map_err(|e| decode_error(status, body.len(), &e, applied_hint))
}

fn decode_error(status: u16, len: usize, e: &serde_json::Error, applied_hint: &str) -> Error {
    Error::new(
        ErrorCode::Decode,
        format!(
            "HTTP {status} with a body that is not the expected JSON ({}; {len} bytes). {applied_hint}",
            e.classify_name(),
        ),
    )
    .with_status(status)
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        // Never echo serde's message: it can quote parts of the body, which may hold secrets.
        match self.classify() {
            serde_json::error::Category::Io => "I/O error",
            serde_json::error::Category::Syntax => "malformed JSON",
            serde_json::error::Category::Data => "unexpected JSON shape",
            serde_json::error::Category::Eof => "truncated JSON",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HINT: &str = "check before retrying";

    #[test]
    fn retry_after_seconds_and_dates() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(" 0 "), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("1.5"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("-3"), None);
        let future = SystemTime::now() + Duration::from_secs(120);
        let d = parse_retry_after(&httpdate::fmt_http_date(future)).unwrap();
        assert!(
            d > Duration::from_secs(100) && d <= Duration::from_secs(120),
            "{d:?}"
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
    }

    fn descope(code: &str) -> Vec<u8> {
        format!(r#"{{"errorCode":"{code}","errorDescription":"desc","errorMessage":"msg"}}"#)
            .into_bytes()
    }

    #[test]
    fn maps_each_status_to_its_code() {
        let cases = [
            (401, ErrorCode::Unauthorized),
            (403, ErrorCode::Forbidden),
            (404, ErrorCode::NotFound),
            (429, ErrorCode::RateLimited),
            (400, ErrorCode::ApiError),
            (409, ErrorCode::ApiError),
            (500, ErrorCode::ServerError),
            (503, ErrorCode::ServerError),
        ];
        for (status, code) in cases {
            let e = error_from_status(
                status,
                None,
                &descope("E011002"),
                Safety::NotIdempotent,
                HINT,
                &Scrubber::new([]),
            );
            assert_eq!(e.code(), code, "{status}");
            assert_eq!(e.status(), Some(status));
            assert_eq!(e.descope_code(), Some("E011002"));
            assert_eq!(e.description(), Some("desc"));
            assert_eq!(e.server_message(), Some("msg"));
        }
    }

    #[test]
    fn rate_limit_carries_retry_after() {
        let e = error_from_status(
            429,
            Some(Duration::from_secs(30)),
            &descope("E130429"),
            Safety::Idempotent,
            HINT,
            &Scrubber::new([]),
        );
        assert_eq!(e.retry_after(), Some(Duration::from_secs(30)));
        assert!(e.message().contains("30"));
    }

    #[test]
    fn edge_5xx_without_descope_body_is_outcome_unknown_for_unsafe_calls() {
        let html = b"<html><head><title>502 Bad Gateway</title></head>\n<body><h1>Bad Gateway</h1></body></html>";
        let e = error_from_status(
            502,
            None,
            html,
            Safety::NotIdempotent,
            HINT,
            &Scrubber::new([]),
        );
        assert_eq!(e.code(), ErrorCode::OutcomeUnknown);
        assert_eq!(e.status(), Some(502));
        assert_eq!(e.description(), Some("502 Bad Gateway Bad Gateway"));
        assert!(e.message().contains(HINT));
        let e = error_from_status(524, None, b"", Safety::Idempotent, HINT, &Scrubber::new([]));
        assert_eq!(e.code(), ErrorCode::ServerError);
        assert_eq!(e.description(), None);
    }

    #[test]
    fn excerpt_is_short_and_single_line() {
        let long = "x".repeat(1000);
        let none = Scrubber::new([]);
        let ex = scrubbed_excerpt(long.as_bytes(), &none);
        assert!(ex.chars().count() <= 161);
        assert_eq!(scrubbed_excerpt(b"a\r\n\tb\x07c", &none), "a b c");
    }

    const KEY: &str = "K2mgmtKeySecretValue";
    const TOKEN: &str = "rt-\"quoted\"-token";

    fn assert_clean(e: &Error) {
        let all = format!(
            "{e} {e:?} {:?} {:?} {:?} {:?}",
            e.message(),
            e.description(),
            e.server_message(),
            e.descope_code()
        );
        for secret in [KEY, TOKEN, "rt-\\\"quoted", "K2mgmtKey"] {
            assert!(!all.contains(secret), "an error shows a secret of the call");
        }
    }

    #[test]
    fn reflected_secrets_are_scrubbed_from_descope_bodies() {
        let scrubber = Scrubber::new([KEY, TOKEN, "ab"]);
        let body = serde_json::json!({
            "errorCode": "E011001",
            "errorDescription": format!("bad header Bearer P2x:{KEY}"),
            "errorMessage": format!("body was {{\"refreshToken\":{}}}", serde_json::to_string(TOKEN).unwrap()),
        });
        for status in [400, 401, 500, 502] {
            let e = error_from_status(
                status,
                None,
                body.to_string().as_bytes(),
                Safety::NotIdempotent,
                HINT,
                &scrubber,
            );
            assert_clean(&e);
            assert!(e.description().unwrap().contains(REDACTED));
        }
    }

    #[test]
    fn reflected_secrets_are_scrubbed_from_html_pages_even_when_cut() {
        let scrubber = Scrubber::new([KEY, TOKEN]);
        let page = format!(
            "<html><body><h1>Debug</h1><pre>Authorization: Bearer P2x:{KEY}\n{TOKEN}</pre></body></html>"
        );
        let e = error_from_status(
            500,
            None,
            page.as_bytes(),
            Safety::NotIdempotent,
            HINT,
            &scrubber,
        );
        assert_clean(&e);
        // The secret crosses the excerpt's length limit: its prefix must not survive.
        let cut = format!("{}{KEY}", "x".repeat(150));
        let e = error_from_status(
            502,
            None,
            cut.as_bytes(),
            Safety::Idempotent,
            HINT,
            &scrubber,
        );
        assert_clean(&e);
        // A server that echoes only the first part of a secret.
        let partial = format!("token {}", &KEY[..12]);
        let e = error_from_status(
            400,
            None,
            partial.as_bytes(),
            Safety::Idempotent,
            HINT,
            &scrubber,
        );
        assert_clean(&e);
    }

    #[test]
    fn decode_errors_never_quote_the_body() {
        let e =
            decode::<serde_json::Value>(200, br#"{"cleartext":"s3cr3t"#, "applied").unwrap_err();
        assert_eq!(e.code(), ErrorCode::Decode);
        assert!(!e.message().contains("s3cr3t"));
    }
}
