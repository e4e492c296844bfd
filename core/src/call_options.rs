//! Per-call settings: [`Client::with_options`] returns a light view of a client that shares
//! its connection pool and overrides some of its settings for every call made through it.

use std::sync::Arc;
use std::time::Duration;

use crate::config::{MAX_RETRIES, MAX_TIMEOUT};
use crate::error::{Error, Result};
use crate::Client;

/// What a view made by [`Client::with_options`] overrides; `None` keeps the client's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallOptions {
    /// The total time of one attempt (above zero, at most 24 hours).
    pub timeout: Option<Duration>,
    /// The time allowed to open a connection when the pool has none free (above zero, at
    /// most 24 hours).
    pub connect_timeout: Option<Duration>,
    /// Automatic retries of a request that certainly was not applied (at most 10).
    pub max_retries: Option<u32>,
    /// The longest `Retry-After` waited on automatically (zero never waits).
    pub max_retry_wait: Option<Duration>,
    /// The correlation id to send as `x-external-rid` instead of a fresh random one, the
    /// same on every call through the view and on every retry: printable ASCII without
    /// spaces, at most 128 characters. Descope records it in the project's audit log.
    pub external_request_id: Option<String>,
    /// A W3C `traceparent` to send (`00-<32 hex>-<16 hex>-<2 hex>`), joining the call to the
    /// caller's trace. The Python and Node bindings set it from the active OpenTelemetry
    /// context when OpenTelemetry is installed.
    pub traceparent: Option<String>,
    /// The W3C `tracestate` sent with `traceparent` (at most 512 printable characters).
    pub tracestate: Option<String>,
}

impl CallOptions {
    /// No override.
    pub fn new() -> Self {
        CallOptions::default()
    }

    /// Overrides the timeout of one attempt.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Overrides the connect timeout.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Sends this W3C trace context (`tracestate` may be `None`).
    pub fn trace_context(
        mut self,
        traceparent: impl Into<String>,
        tracestate: Option<String>,
    ) -> Self {
        self.traceparent = Some(traceparent.into());
        self.tracestate = tracestate;
        self
    }

    /// Overrides the automatic retries.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = Some(retries);
        self
    }

    /// Overrides the longest `Retry-After` waited on.
    pub fn max_retry_wait(mut self, wait: Duration) -> Self {
        self.max_retry_wait = Some(wait);
        self
    }

    /// Sends this correlation id.
    pub fn external_request_id(mut self, id: impl Into<String>) -> Self {
        self.external_request_id = Some(id.into());
        self
    }

    /// Checks every value; `CONFIG` for a timing out of range, `INVALID_ARGUMENT` for an id
    /// that cannot be a header value (never quoted: a secret may have been pasted there).
    fn check(&self) -> Result<()> {
        for (name, t) in [
            ("timeout", self.timeout),
            ("connect timeout", self.connect_timeout),
        ] {
            if t.is_some_and(|t| t.is_zero() || t > MAX_TIMEOUT) {
                return Err(Error::config(format!(
                    "the {name} must be greater than zero and at most 24 hours"
                )));
            }
        }
        if let Some(tp) = &self.traceparent {
            if !is_traceparent(tp) {
                return Err(Error::invalid_argument(
                    "traceparent must be a W3C trace context: 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>, ids not all zero; nothing was sent",
                ));
            }
        }
        if let Some(ts) = &self.tracestate {
            if self.traceparent.is_none() {
                return Err(Error::invalid_argument(
                    "tracestate is sent only with a traceparent: pass both; nothing was sent",
                ));
            }
            if ts.len() > 512 || !ts.bytes().all(|b| (0x20..0x7f).contains(&b)) {
                return Err(Error::invalid_argument(
                    "tracestate must be at most 512 printable ASCII characters; nothing was sent",
                ));
            }
        }
        if let Some(n) = self.max_retries {
            if n > MAX_RETRIES {
                return Err(Error::config(format!(
                    "max_retries must be at most {MAX_RETRIES} (got {n})"
                )));
            }
        }
        if let Some(id) = &self.external_request_id {
            if id.is_empty() || id.len() > 128 || !id.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(Error::invalid_argument(
                    "the external request id must be 1 to 128 printable ASCII characters without spaces; nothing was sent",
                ));
            }
        }
        Ok(())
    }

    /// `self`, with what `more` sets on top.
    fn merged(&self, more: &CallOptions) -> CallOptions {
        CallOptions {
            timeout: more.timeout.or(self.timeout),
            connect_timeout: more.connect_timeout.or(self.connect_timeout),
            max_retries: more.max_retries.or(self.max_retries),
            max_retry_wait: more.max_retry_wait.or(self.max_retry_wait),
            external_request_id: more
                .external_request_id
                .clone()
                .or_else(|| self.external_request_id.clone()),
            // A trace context belongs with its own `tracestate`: never mix two.
            traceparent: more
                .traceparent
                .clone()
                .or_else(|| self.traceparent.clone()),
            tracestate: if more.traceparent.is_some() {
                more.tracestate.clone()
            } else {
                self.tracestate.clone()
            },
        }
    }
}

impl Client {
    /// A view of this client whose calls use `options` over the client's settings (and over
    /// those of this view, when it is one). It shares the connection pool, so it is cheap to
    /// make for a single call: `client.with_options(CallOptions::new().timeout(t))?.rotate_access_key(id)`.
    pub fn with_options(&self, options: CallOptions) -> Result<Client> {
        options.check()?;
        let merged = match self.call_options() {
            Some(current) => current.merged(&options),
            None => options,
        };
        Ok(self.view(Arc::new(merged)))
    }
}

/// Whether `v` is a version-00 W3C `traceparent`: `00-<trace id>-<span id>-<flags>`, lowercase
/// hex, neither id all zeros.
fn is_traceparent(v: &str) -> bool {
    let parts: Vec<&str> = v.split('-').collect();
    let hex = |s: &str, n: usize| {
        s.len() == n
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let nonzero = |s: &str| s.bytes().any(|b| b != b'0');
    matches!(parts.as_slice(), [version, trace, span, flags]
        if *version == "00" && hex(trace, 32) && hex(span, 16) && hex(flags, 2)
            && nonzero(trace) && nonzero(span))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_w3c_trace_contexts_are_accepted() {
        let ok = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assert!(is_traceparent(ok));
        for bad in [
            "",
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
        ] {
            assert!(!is_traceparent(bad), "{bad}");
        }
        assert!(CallOptions::new()
            .trace_context(ok, Some("k=v".into()))
            .check()
            .is_ok());
        let only_state = CallOptions {
            tracestate: Some("k=v".into()),
            ..CallOptions::new()
        };
        assert!(only_state.check().is_err());
    }

    #[test]
    fn a_later_trace_context_replaces_both_headers() {
        let a = CallOptions::new().trace_context(
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            Some("a=1".into()),
        );
        let b = CallOptions::new().trace_context(
            "00-5bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            None,
        );
        let m = a.merged(&b);
        assert!(m.traceparent.unwrap().starts_with("00-5b"));
        assert_eq!(m.tracestate, None);
        let kept = a.merged(&CallOptions::new().timeout(Duration::from_secs(1)));
        assert_eq!(kept.tracestate.as_deref(), Some("a=1"));
    }
}
