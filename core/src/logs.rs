//! Safe logs: what a call did, as records built from one fixed set of fields.
//!
//! Off by default; `DESCOPE_MGMT_LOG=error|warn|info|debug` (or the `log_level` option)
//! turns them on. `info` gives one record per call, `warn` marks each retry (and each
//! `Retry-After` wait), `error` each failed call, and `debug` adds every attempt's request
//! and answer (header names and body sizes). Rust programs get them as `tracing` events
//! under the target `descope_mgmt`; each binding hands them to its language's logger.
//!
//! A [`LogRecord`] has no field that could hold a header value, a body, a token, a rotated
//! key's cleartext or the management key: secrets cannot reach a log because the log layer
//! never receives them. The few texts a record carries come from the server (its request
//! id, Descope's error code) or from the caller (an access key's id) and are kept only when
//! they look like what they are (short, printable, no spaces).

use std::collections::VecDeque;
use std::fmt::{self, Write as _};
use std::sync::{Arc, Mutex};

use crate::error::ErrorCode;

/// Environment variable that turns the logs on at a level.
pub const ENV_LOG: &str = "DESCOPE_MGMT_LOG";

/// How much is logged; each level includes the ones before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// Failed calls.
    Error,
    /// Retries and `Retry-After` waits.
    Warn,
    /// One record per call.
    Info,
    /// Every attempt's request and answer: header names and body sizes, never values.
    Debug,
}

impl LogLevel {
    /// Every level, least verbose first.
    pub const ALL: [LogLevel; 4] = [
        LogLevel::Error,
        LogLevel::Warn,
        LogLevel::Info,
        LogLevel::Debug,
    ];

    /// The level's name: `error`, `warn`, `info` or `debug`.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
        }
    }

    /// The level named `name` (any case), if any.
    pub fn parse(name: &str) -> Option<LogLevel> {
        LogLevel::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(name.trim()))
    }
}

/// What a record is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogEvent {
    /// An attempt is about to be sent (debug).
    Request,
    /// An attempt was answered (debug).
    Response,
    /// An attempt failed and will be retried after `retry_in_ms` (warn).
    Retry,
    /// The call ended (info when it succeeded, error when it failed).
    Call,
    /// A hook failed (panicked, raised or threw) and was ignored (warn).
    HookFailed,
}

impl LogEvent {
    /// `request`, `response`, `retry`, `call` or `hook_failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            LogEvent::Request => "request",
            LogEvent::Response => "response",
            LogEvent::Retry => "retry",
            LogEvent::Call => "call",
            LogEvent::HookFailed => "hook_failed",
        }
    }
}

/// One log record. Its fields are the whole of what any log of this library holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogRecord {
    /// Its level.
    pub level: LogLevel,
    /// What it is about.
    pub event: LogEvent,
    /// The call: `rotate_access_key`, `batch_upload_tenant_tokens` or `create_dcr_template`.
    pub call: &'static str,
    /// The HTTP method.
    pub method: &'static str,
    /// The request path.
    pub path: &'static str,
    /// The answer's HTTP status, when there was one.
    pub status: Option<u16>,
    /// The error code, for a failure (a failed attempt, or a failed call).
    pub code: Option<ErrorCode>,
    /// Descope's `errorCode` (e.g. `E011002`), for a failed call that carried one.
    pub descope_code: Option<String>,
    /// The attempt (1 for the first); for a `call` record, how many were made.
    pub attempt: u32,
    /// For a `retry` record, the wait before the next attempt, in milliseconds.
    pub retry_in_ms: Option<u64>,
    /// Milliseconds since the call (for `call` and `retry`) or the attempt started.
    pub elapsed_ms: u64,
    /// The server's id of the last answer (`cf-ray`, else `x-request-id`).
    pub request_id: Option<String>,
    /// The correlation id sent as `x-external-rid`.
    pub external_request_id: String,
    /// The access key id of a rotate.
    pub key_id: Option<String>,
    /// For a `debug` record, the names (never the values) of the headers sent or received.
    pub header_names: Vec<String>,
    /// For a `debug` record, the size of the body sent or received, in bytes.
    pub body_bytes: Option<usize>,
    /// For a `hook_failed` record, the hook: `on_request`, `on_response` or `on_retry`.
    pub hook: Option<&'static str>,
}

impl LogRecord {
    /// The record as one `key=value` line (logfmt), e.g. `descope_mgmt call=rotate_access_key
    /// event=call status=200 attempt=1 elapsed_ms=12 external_request_id=...`.
    pub fn line(&self) -> String {
        let mut out = format!(
            "descope_mgmt event={} call={} method={} path={}",
            self.event.as_str(),
            self.call,
            self.method,
            self.path
        );
        let mut field = |name: &str, value: &dyn fmt::Display| {
            let _ = write!(out, " {name}={value}");
        };
        if let Some(s) = self.status {
            field("status", &s);
        }
        if let Some(c) = self.code {
            field("code", &c.as_str());
        }
        if let Some(c) = &self.descope_code {
            field("descope_code", c);
        }
        field("attempt", &self.attempt);
        if let Some(ms) = self.retry_in_ms {
            field("retry_in_ms", &ms);
        }
        field("elapsed_ms", &self.elapsed_ms);
        if let Some(id) = &self.request_id {
            field("request_id", id);
        }
        field("external_request_id", &self.external_request_id);
        if let Some(id) = &self.key_id {
            field("key_id", id);
        }
        if !self.header_names.is_empty() {
            field("headers", &self.header_names.join(","));
        }
        if let Some(n) = self.body_bytes {
            field("body_bytes", &n);
        }
        if let Some(h) = self.hook {
            field("hook", &h);
        }
        out
    }
}

/// Where a client's records go.
pub trait LogSink: Send + Sync {
    /// Takes one record (called on whichever thread runs the call).
    fn log(&self, record: &LogRecord);
}

/// The Rust default: `tracing` events under the target `descope_mgmt`, the line as the
/// message and the main fields as event fields.
#[derive(Debug, Default)]
pub struct TracingSink;

impl LogSink for TracingSink {
    fn log(&self, r: &LogRecord) {
        macro_rules! emit {
            ($level:expr) => {
                tracing::event!(
                    target: "descope_mgmt",
                    $level,
                    event = r.event.as_str(),
                    call = r.call,
                    status = r.status,
                    code = r.code.map(|c| c.as_str()),
                    attempt = r.attempt,
                    elapsed_ms = r.elapsed_ms,
                    request_id = r.request_id.as_deref(),
                    external_request_id = r.external_request_id.as_str(),
                    "{}",
                    r.line()
                )
            };
        }
        match r.level {
            LogLevel::Error => emit!(tracing::Level::ERROR),
            LogLevel::Warn => emit!(tracing::Level::WARN),
            LogLevel::Info => emit!(tracing::Level::INFO),
            LogLevel::Debug => emit!(tracing::Level::DEBUG),
        }
    }
}

/// A sink that keeps records for a binding to hand to its language's logger on the
/// caller's own thread (never from the runtime's threads, which must not enter an
/// interpreter). Holds at most [`LogQueue::CAPACITY`] records; older ones are dropped.
#[derive(Debug, Default)]
pub struct LogQueue {
    records: Mutex<VecDeque<LogRecord>>,
}

impl LogQueue {
    /// The most records kept before the oldest are dropped.
    pub const CAPACITY: usize = 10_000;

    /// The records so far, oldest first, leaving the queue empty.
    pub fn drain(&self) -> Vec<LogRecord> {
        let mut q = self.records.lock().unwrap_or_else(|p| p.into_inner());
        q.drain(..).collect()
    }
}

impl LogSink for LogQueue {
    fn log(&self, record: &LogRecord) {
        let mut q = self.records.lock().unwrap_or_else(|p| p.into_inner());
        if q.len() >= Self::CAPACITY {
            q.pop_front();
        }
        q.push_back(record.clone());
    }
}

/// A client's log settings: the level (none: off) and the sink.
#[derive(Clone)]
pub(crate) struct Logs {
    pub level: Option<LogLevel>,
    pub sink: Arc<dyn LogSink>,
}

impl Default for Logs {
    fn default() -> Self {
        Logs {
            level: None,
            sink: Arc::new(TracingSink),
        }
    }
}

impl fmt::Debug for Logs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Logs").field("level", &self.level).finish()
    }
}

impl Logs {
    /// Whether records of `level` are wanted (checked before one is built).
    pub(crate) fn enabled(&self, level: LogLevel) -> bool {
        self.level.is_some_and(|l| level <= l)
    }

    /// Hands `record` to the sink if its level is on.
    pub(crate) fn emit(&self, record: LogRecord) {
        if self.enabled(record.level) {
            self.sink.log(&record);
        }
    }
}

/// `text` if it looks like an identifier a log may show (printable ASCII, no spaces, at
/// most `max` bytes), else `None`.
pub(crate) fn loggable(text: &str, max: usize) -> Option<String> {
    (!text.is_empty() && text.len() <= max && text.bytes().all(|b| b.is_ascii_graphic()))
        .then(|| text.to_owned())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn record() -> LogRecord {
        LogRecord {
            level: LogLevel::Info,
            event: LogEvent::Call,
            call: "rotate_access_key",
            method: "POST",
            path: "/v1/mgmt/accesskey/rotate",
            status: Some(200),
            code: None,
            descope_code: None,
            attempt: 1,
            retry_in_ms: None,
            elapsed_ms: 12,
            request_id: Some("8f1d-EMU".into()),
            external_request_id: "0b9e".into(),
            key_id: Some("K2abc".into()),
            header_names: Vec::new(),
            body_bytes: None,
            hook: None,
        }
    }

    #[test]
    fn levels_parse_and_include_the_ones_before() {
        assert_eq!(LogLevel::parse(" DEBUG "), Some(LogLevel::Debug));
        assert_eq!(LogLevel::parse("verbose"), None);
        let logs = Logs {
            level: Some(LogLevel::Warn),
            ..Logs::default()
        };
        assert!(logs.enabled(LogLevel::Error) && logs.enabled(LogLevel::Warn));
        assert!(!logs.enabled(LogLevel::Info));
        assert!(!Logs::default().enabled(LogLevel::Error), "off by default");
    }

    #[test]
    fn a_line_is_logfmt_of_the_fields() {
        assert_eq!(
            record().line(),
            "descope_mgmt event=call call=rotate_access_key method=POST path=/v1/mgmt/accesskey/rotate status=200 attempt=1 elapsed_ms=12 request_id=8f1d-EMU external_request_id=0b9e key_id=K2abc"
        );
    }

    #[test]
    fn the_queue_keeps_the_newest_records() {
        let q = LogQueue::default();
        for i in 0..LogQueue::CAPACITY + 2 {
            q.log(&LogRecord {
                attempt: i as u32,
                ..record()
            });
        }
        let all = q.drain();
        assert_eq!(all.len(), LogQueue::CAPACITY);
        assert_eq!(all[0].attempt, 2);
        assert!(q.drain().is_empty());
    }

    #[test]
    fn only_identifier_like_text_is_loggable() {
        assert_eq!(loggable("E011002", 32).as_deref(), Some("E011002"));
        assert_eq!(loggable("has space", 32), None);
        assert_eq!(loggable(&"x".repeat(33), 32), None);
    }
}
