//! Hooks in Python: `Client(on_request=, on_response=, on_retry=)`, each a callable taking
//! one immutable `CallEvent`.
//!
//! The core hands each event to a process-wide queue (with the hooks of the client that
//! made it); the queue is emptied where the safe logs are (`logs::flush`), on a thread that
//! holds the GIL: when a blocking call returns, and when an asyncio call settles on its
//! loop. So a hook runs on the caller's thread, in order, before the call's result is
//! returned, and never on the runtime's threads. A hook that raises is logged (a warning
//! on `logging.getLogger("descope_mgmt")`, `event=hook_failed`) and ignored.

use std::collections::VecDeque;
use std::sync::{Arc, LazyLock, Mutex};

use descope_mgmt::bindings::ClientOptions;
use descope_mgmt::hooks::{hook_failed, CallEvent, Hooks};
use descope_mgmt::logs::{LogEvent, LogRecord};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

/// The caller's hooks of one client (and its views).
pub struct PyHooks {
    on_request: Option<Py<PyAny>>,
    on_response: Option<Py<PyAny>>,
    on_retry: Option<Py<PyAny>>,
}

impl PyHooks {
    /// The constructor's hooks: each `None` or a callable (else `TypeError`).
    pub fn new(
        on_request: Option<&Bound<'_, PyAny>>,
        on_response: Option<&Bound<'_, PyAny>>,
        on_retry: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Option<PyHooks>> {
        let take = |name: &str, f: Option<&Bound<'_, PyAny>>| -> PyResult<Option<Py<PyAny>>> {
            match f {
                Some(f) if !f.is_none() => {
                    if !f.is_callable() {
                        return Err(PyTypeError::new_err(format!(
                            "{name} must be a callable taking a CallEvent, not {}",
                            f.get_type().name()?
                        )));
                    }
                    Ok(Some(f.clone().unbind()))
                }
                _ => Ok(None),
            }
        };
        let hooks = PyHooks {
            on_request: take("on_request", on_request)?,
            on_response: take("on_response", on_response)?,
            on_retry: take("on_retry", on_retry)?,
        };
        let any =
            hooks.on_request.is_some() || hooks.on_response.is_some() || hooks.on_retry.is_some();
        Ok(any.then_some(hooks))
    }

    fn get(&self, event: LogEvent) -> Option<&Py<PyAny>> {
        match event {
            LogEvent::Request => self.on_request.as_ref(),
            LogEvent::Response => self.on_response.as_ref(),
            LogEvent::Retry => self.on_retry.as_ref(),
            LogEvent::Call | LogEvent::HookFailed => None,
        }
    }

    /// Has the core queue the events these hooks want.
    pub fn install(self, options: &mut ClientOptions) {
        let hooks = Arc::new(self);
        let mut core = Hooks::new();
        let queued = |h: &Arc<PyHooks>| {
            let h = h.clone();
            move |e: &CallEvent| push(&h, e)
        };
        if hooks.on_request.is_some() {
            core = core.on_request(queued(&hooks));
        }
        if hooks.on_response.is_some() {
            core = core.on_response(queued(&hooks));
        }
        if hooks.on_retry.is_some() {
            core = core.on_retry(queued(&hooks));
        }
        options.hooks(core);
    }
}

/// An event and the hooks of the client that made it.
type Pending = (Arc<PyHooks>, CallEvent);

/// Events waiting for their hooks, oldest first.
static QUEUE: LazyLock<Mutex<VecDeque<Pending>>> = LazyLock::new(Mutex::default);

/// The most events kept before the oldest are dropped.
const CAPACITY: usize = 10_000;

fn push(hooks: &Arc<PyHooks>, event: &CallEvent) {
    let mut q = QUEUE.lock().unwrap_or_else(|p| p.into_inner());
    if q.len() >= CAPACITY {
        q.pop_front();
    }
    q.push_back((hooks.clone(), event.clone()));
}

/// Runs the hooks of the queued events, in order; returns the `hook_failed` records of the
/// hooks that raised (for the safe logs, which `logs::flush` hands over right after).
pub fn run(py: Python<'_>) -> Vec<LogRecord> {
    let events: Vec<_> = {
        let mut q = QUEUE.lock().unwrap_or_else(|p| p.into_inner());
        if q.is_empty() {
            return Vec::new();
        }
        q.drain(..).collect()
    };
    let mut failures = Vec::new();
    for (hooks, event) in events {
        let Some(hook) = hooks.get(event.event) else {
            continue;
        };
        let failed = match Py::new(py, PyCallEvent(event.clone())) {
            Ok(arg) => hook.call1(py, (arg,)).is_err(),
            Err(_) => true,
        };
        if failed {
            failures.push(hook_failed(&event));
        }
    }
    failures
}

/// What a hook receives: one attempt's request, answer or retry (the fields of a log
/// record; never a header value, a body, a token or a key). Immutable.
#[pyclass(frozen, module = "descope_mgmt", name = "CallEvent")]
pub struct PyCallEvent(CallEvent);

#[pymethods]
impl PyCallEvent {
    /// `request`, `response` or `retry`.
    #[getter]
    fn event(&self) -> &'static str {
        self.0.event.as_str()
    }
    /// `rotate_access_key`, `batch_upload_tenant_tokens` or `create_dcr_template`.
    #[getter]
    fn call(&self) -> &'static str {
        self.0.call
    }
    /// The HTTP method.
    #[getter]
    fn method(&self) -> &'static str {
        self.0.method
    }
    /// The request path.
    #[getter]
    fn path(&self) -> &'static str {
        self.0.path
    }
    /// The answer's HTTP status (`response`, and `retry` after an answer), else `None`.
    #[getter]
    fn status(&self) -> Option<u16> {
        self.0.status
    }
    /// For a `retry` after no answer: `CONNECTION` or `TIMEOUT`.
    #[getter]
    fn code(&self) -> Option<&'static str> {
        self.0.code.map(|c| c.as_str())
    }
    /// The attempt, 1 for the first.
    #[getter]
    fn attempt(&self) -> u32 {
        self.0.attempt
    }
    /// For a `retry`, the wait before the next attempt, in milliseconds.
    #[getter]
    fn retry_in_ms(&self) -> Option<u64> {
        self.0.retry_in_ms
    }
    /// Milliseconds since the attempt (`request`, `response`) or the call (`retry`) began.
    #[getter]
    fn elapsed_ms(&self) -> u64 {
        self.0.elapsed_ms
    }
    /// The server's id of the last answer (`cf-ray`, else `x-request-id`), if any.
    #[getter]
    fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
    /// The correlation id sent as `x-external-rid`.
    #[getter]
    fn external_request_id(&self) -> &str {
        &self.0.external_request_id
    }
    /// The access key id of a rotate.
    #[getter]
    fn key_id(&self) -> Option<&str> {
        self.0.key_id.as_deref()
    }
    /// The names (never the values) of the headers sent (`request`).
    #[getter]
    fn header_names(&self) -> Vec<String> {
        self.0.header_names.clone()
    }
    /// The size of the body sent (`request`) or received (`response`), in bytes.
    #[getter]
    fn body_bytes(&self) -> Option<usize> {
        self.0.body_bytes
    }
    fn __repr__(&self) -> String {
        format!(
            "CallEvent({})",
            self.0.line().trim_start_matches("descope_mgmt ")
        )
    }
}
