//! Hooks: the caller's own code, run at three points of every call with an immutable
//! [`CallEvent`] (the same fields as a log record, so never a header value, a body, a token
//! or a key).
//!
//! - `on_request`: an attempt is about to be sent;
//! - `on_response`: an attempt was answered (any status);
//! - `on_retry`: an attempt failed and will be retried after `retry_in_ms`.
//!
//! A hook runs on the thread that runs the call (in Rust, the runtime's), so it should be
//! quick. A hook that panics is logged (a `warn` record, `event=hook_failed`, at any log
//! level, even off) and ignored: it never changes a call's outcome. The Python and Node bindings run their hooks on the
//! caller's own thread instead (see [`HookQueue`]).

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use crate::logs::{LogEvent, LogLevel, LogQueue, LogRecord, LogSink, Logs};

/// What a hook receives: one attempt's request, answer or retry, with the fields of a
/// [`LogRecord`] (`event`, `call`, `status`, `attempt`, `request_id`,
/// `external_request_id`, ...).
pub type CallEvent = LogRecord;

/// A hook: any closure taking a [`CallEvent`].
pub type Hook = Arc<dyn Fn(&CallEvent) + Send + Sync>;

/// The hooks of a client: each optional.
#[derive(Clone, Default)]
pub struct Hooks {
    on_request: Option<Hook>,
    on_response: Option<Hook>,
    on_retry: Option<Hook>,
}

impl fmt::Debug for Hooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hooks")
            .field("on_request", &self.on_request.is_some())
            .field("on_response", &self.on_response.is_some())
            .field("on_retry", &self.on_retry.is_some())
            .finish()
    }
}

impl Hooks {
    /// No hooks.
    pub fn new() -> Self {
        Hooks::default()
    }

    /// Runs `hook` before each attempt is sent.
    pub fn on_request(mut self, hook: impl Fn(&CallEvent) + Send + Sync + 'static) -> Self {
        self.on_request = Some(Arc::new(hook));
        self
    }

    /// Runs `hook` when an attempt is answered.
    pub fn on_response(mut self, hook: impl Fn(&CallEvent) + Send + Sync + 'static) -> Self {
        self.on_response = Some(Arc::new(hook));
        self
    }

    /// Runs `hook` when an attempt failed and will be retried.
    pub fn on_retry(mut self, hook: impl Fn(&CallEvent) + Send + Sync + 'static) -> Self {
        self.on_retry = Some(Arc::new(hook));
        self
    }

    /// Hooks that put each event of the kinds in `events` into `queue`, for a binding that
    /// runs its caller's hooks on the caller's thread.
    pub fn queued(queue: &Arc<HookQueue>, events: &[LogEvent]) -> Self {
        let mut hooks = Hooks::new();
        for &e in events {
            let q = queue.clone();
            let push: Hook = Arc::new(move |event: &CallEvent| q.0.log(event));
            match e {
                LogEvent::Request => hooks.on_request = Some(push),
                LogEvent::Response => hooks.on_response = Some(push),
                LogEvent::Retry => hooks.on_retry = Some(push),
                LogEvent::Call | LogEvent::HookFailed => {}
            }
        }
        hooks
    }

    /// The hook for `event`, if one is set.
    fn get(&self, event: LogEvent) -> Option<&Hook> {
        match event {
            LogEvent::Request => self.on_request.as_ref(),
            LogEvent::Response => self.on_response.as_ref(),
            LogEvent::Retry => self.on_retry.as_ref(),
            LogEvent::Call | LogEvent::HookFailed => None,
        }
    }

    /// Whether a hook wants events of this kind (checked before one is built).
    pub(crate) fn wants(&self, event: LogEvent) -> bool {
        self.get(event).is_some()
    }

    /// Runs the hook for `event`'s kind, if any; a panic is logged to `logs` and ignored.
    pub(crate) fn run(&self, event: &CallEvent, logs: &Logs) {
        let Some(hook) = self.get(event.event) else {
            return;
        };
        if catch_unwind(AssertUnwindSafe(|| hook(event))).is_err() {
            // The caller's own code failed: reported whatever the log level (the logger's
            // own filters still apply), so a broken hook never goes unnoticed.
            logs.sink.log(&hook_failed(event));
        }
    }
}

/// The `warn` record of a hook that failed (panicked, raised, threw) on `event`.
pub fn hook_failed(event: &CallEvent) -> LogRecord {
    LogRecord {
        level: LogLevel::Warn,
        event: LogEvent::HookFailed,
        hook: Some(match event.event {
            LogEvent::Request => "on_request",
            LogEvent::Response => "on_response",
            _ => "on_retry",
        }),
        header_names: Vec::new(),
        body_bytes: None,
        ..event.clone()
    }
}

/// The events of a binding's calls that its caller's hooks want, in order, for the binding
/// to run those hooks on the caller's own thread (never on the runtime's threads, which must
/// not enter an interpreter). Holds at most [`LogQueue::CAPACITY`] events.
#[derive(Debug, Default)]
pub struct HookQueue(LogQueue);

impl HookQueue {
    /// The events so far, oldest first, leaving the queue empty.
    pub fn drain(&self) -> Vec<CallEvent> {
        self.0.drain()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn event(kind: LogEvent) -> CallEvent {
        LogRecord {
            event: kind,
            ..crate::logs::tests::record()
        }
    }

    #[test]
    fn each_hook_gets_its_events_and_a_panic_is_logged_and_ignored() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        let hooks = Hooks::new()
            .on_request(move |e| s.lock().unwrap().push(e.event))
            .on_retry(|_| panic!("a broken hook"));
        let logged = Arc::new(LogQueue::default());
        let logs = Logs {
            level: None,
            sink: logged.clone(),
        };
        assert!(hooks.wants(LogEvent::Request) && !hooks.wants(LogEvent::Response));
        for kind in [LogEvent::Request, LogEvent::Response, LogEvent::Retry] {
            hooks.run(&event(kind), &logs);
        }
        assert_eq!(*seen.lock().unwrap(), [LogEvent::Request]);
        let records = logged.drain();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].event, LogEvent::HookFailed);
        assert_eq!(records[0].hook, Some("on_retry"));
        assert!(
            records[0].line().contains("event=hook_failed"),
            "{}",
            records[0].line()
        );
    }

    #[test]
    fn queued_hooks_keep_only_the_wanted_kinds() {
        let q = Arc::new(HookQueue::default());
        let hooks = Hooks::queued(&q, &[LogEvent::Response]);
        let logs = Logs::default();
        hooks.run(&event(LogEvent::Request), &logs);
        hooks.run(&event(LogEvent::Response), &logs);
        let got = q.drain();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].event, LogEvent::Response);
    }
}
