//! How a blocking `Client` call waits: on the core's shared runtime with the GIL
//! released, waking regularly to let Python run its signal handlers (Ctrl-C), with the
//! call's [`OnCancel`] policy deciding what an interrupt does once the request may have
//! been sent; and the `atexit` hook that stops those wake-ups while Python finalizes.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use descope_mgmt::bindings::{runtime, SendState};
use pyo3::exceptions::PyKeyboardInterrupt;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;

use crate::asyncio::OnCancel;
use crate::errors::to_pyerr;

/// How often a blocking call wakes up to let Python handle signals (Ctrl-C).
const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// How a blocking call ended.
pub struct Waited<T> {
    /// The call's own outcome.
    pub outcome: descope_mgmt::Result<T>,
    /// What a signal handler raised (e.g. `KeyboardInterrupt`) after the request may have
    /// reached the server: held back until the call finished.
    deferred: Option<PyErr>,
}

/// Runs a core future to completion on the shared runtime with the GIL released,
/// waking every [`SIGNAL_POLL`] to let Python run its signal handlers (Ctrl-C).
///
/// A signal handler's exception (`KeyboardInterrupt`) abandons the call while nothing can
/// have been sent, and is raised. With `on_interrupt` = [`OnCancel::FinishOnceSent`], once
/// the request may have reached the server, the exception is held back in
/// [`Waited::deferred`] and the call runs to its end (at most its timeout), so its outcome
/// is not lost. The check happens between two polls of the call on this thread, so a
/// request is never started after the decision to abandon it.
pub fn wait<T: Send>(
    py: Python<'_>,
    fut: impl Future<Output = descope_mgmt::Result<T>> + Send,
    on_interrupt: OnCancel,
) -> PyResult<Waited<T>> {
    let state = SendState::new();
    let finish_once_sent = (on_interrupt == OnCancel::FinishOnceSent).then_some(&state);
    let waited = py.detach(|| runtime::block_on(interruptible(state.track(fut), finish_once_sent)));
    crate::logs::flush(py);
    waited
}

async fn interruptible<F, T>(fut: F, finish_once_sent: Option<&SendState>) -> PyResult<Waited<T>>
where
    F: Future<Output = descope_mgmt::Result<T>>,
{
    let mut fut = std::pin::pin!(fut);
    let mut deferred = None;
    loop {
        match tokio::time::timeout(SIGNAL_POLL, fut.as_mut()).await {
            Ok(outcome) => return Ok(Waited { outcome, deferred }),
            Err(_) if SHUTTING_DOWN.load(Ordering::SeqCst) || deferred.is_some() => {}
            Err(_) => {
                if let Err(interrupt) = Python::attach(|py| py.check_signals()) {
                    match finish_once_sent {
                        Some(state) if state.may_have_been_sent() => deferred = Some(interrupt),
                        _ => return Err(interrupt),
                    }
                }
            }
        }
    }
}

/// The result of a blocking call that is not safe to repeat. If an interrupt was held
/// back while it finished (see [`wait`]), raises `descope_mgmt.InterruptedAfterSend` (a
/// `KeyboardInterrupt`) carrying the outcome in `.result` / `.error`; a signal handler's
/// other exception is raised as it is, with that `InterruptedAfterSend` as its context.
pub fn deliver<T, P>(py: Python<'_>, waited: Waited<T>, call: &str, wrap: fn(T) -> P) -> PyResult<P>
where
    P: pyo3::PyClass + Into<pyo3::PyClassInitializer<P>>,
{
    let Waited { outcome, deferred } = waited;
    let Some(interrupt) = deferred else {
        return outcome.map(wrap).map_err(|e| to_pyerr(py, &e));
    };
    let (result, error) = match outcome {
        Ok(v) => (Py::new(py, wrap(v))?.into_any(), None),
        Err(e) => (py.None(), Some(to_pyerr(py, &e))),
    };
    let carrier = interrupted_after_send(py, call, result, error.as_ref(), &interrupt)?;
    if interrupt.is_instance_of::<PyKeyboardInterrupt>(py) {
        Err(carrier)
    } else {
        interrupt.set_context(py, Some(carrier));
        Err(interrupt)
    }
}

/// Builds `descope_mgmt.errors.InterruptedAfterSend` for a call that finished after an
/// interrupt. Never shows the result: it is only an attribute.
fn interrupted_after_send(
    py: Python<'_>,
    call: &str,
    result: Py<PyAny>,
    error: Option<&PyErr>,
    interrupt: &PyErr,
) -> PyResult<PyErr> {
    static CLASS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let cls = CLASS.import(py, "descope_mgmt.errors", "InterruptedAfterSend")?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("result", result)?;
    kwargs.set_item("error", error.map(|e| e.value(py).clone()))?;
    let exc = cls.call((call,), Some(&kwargs))?;
    let err = PyErr::from_value(exc);
    err.set_context(py, Some(interrupt.clone_ref(py)));
    if let Some(e) = error {
        err.set_cause(py, Some(e.clone_ref(py)));
    }
    Ok(err)
}

/// Set by an `atexit` hook: from then on, a blocking call stops checking for signals, so
/// a (daemon) thread still waiting in one never takes the GIL while Python finalizes.
/// (Runtime threads never call into Python at all: async results reach the event loop
/// through [`crate::asyncio`].)
static SHUTTING_DOWN: AtomicBool = AtomicBool::new(false);

/// `atexit` hook registered by the first client (see [`SHUTTING_DOWN`]).
#[pyfunction]
fn shutdown_hook() {
    SHUTTING_DOWN.store(true, Ordering::SeqCst);
}

/// Registers [`shutdown_hook`] with `atexit`, once per process.
pub fn register_shutdown_hook(py: Python<'_>) -> PyResult<()> {
    static REGISTERED: PyOnceLock<()> = PyOnceLock::new();
    REGISTERED
        .get_or_try_init(py, || {
            let hook = wrap_pyfunction!(shutdown_hook, py)?;
            py.import("atexit")?.call_method1("register", (hook,))?;
            Ok::<(), PyErr>(())
        })
        .map(|_| ())
}
