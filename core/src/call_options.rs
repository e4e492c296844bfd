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
    /// Automatic retries of a request that certainly was not applied (at most 10).
    pub max_retries: Option<u32>,
    /// The longest `Retry-After` waited on automatically (zero never waits).
    pub max_retry_wait: Option<Duration>,
    /// The correlation id to send as `x-external-rid` instead of a fresh random one, the
    /// same on every call through the view and on every retry: printable ASCII without
    /// spaces, at most 128 characters. Descope records it in the project's audit log.
    pub external_request_id: Option<String>,
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
        if let Some(t) = self.timeout {
            if t.is_zero() || t > MAX_TIMEOUT {
                return Err(Error::config(
                    "the timeout must be greater than zero and at most 24 hours",
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
            max_retries: more.max_retries.or(self.max_retries),
            max_retry_wait: more.max_retry_wait.or(self.max_retry_wait),
            external_request_id: more
                .external_request_id
                .clone()
                .or_else(|| self.external_request_id.clone()),
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
