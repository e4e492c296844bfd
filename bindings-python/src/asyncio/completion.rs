//! How a finished call reaches its loop: its [`Outcome`] (plain Rust data), pushed by the
//! runtime thread onto the loop's [`Queue`] when the call's [`Completion`] is dropped, and
//! turned into a Python result or exception on the loop thread ([`outcome_to_py`]).

use std::sync::{Arc, Mutex, MutexGuard};

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

use super::futures::cancelled_error;
use super::wake_fd::WakeFd;

/// Turns a finished call into its Python result (or exception), on the loop thread.
pub(super) type Settle = Box<dyn FnOnce(Python<'_>) -> PyResult<Py<PyAny>> + Send>;

/// What a runtime thread reports for a call.
pub(super) enum Outcome {
    /// The call finished (successfully or with a core error).
    Done(Settle),
    /// The call's task was aborted (its awaitable was cancelled or dropped) before its
    /// request could reach the server.
    Aborted,
    /// The call's task panicked: an internal error.
    Panicked,
}

/// Locks a mutex, even one a panicking thread left poisoned.
pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The part of a loop's bridge that runtime threads use: finished calls and the fd that
/// tells the loop about them. Pure Rust: no Python object is touched here.
pub(super) struct Queue {
    pub(super) done: Mutex<Vec<(u64, Outcome)>>,
    pub(super) wake: WakeFd,
}

impl Queue {
    /// Queues an outcome; wakes the loop only when the queue was empty (the loop drains
    /// everything queued at once, so one wake-up covers a whole batch).
    pub(super) fn push(&self, id: u64, outcome: Outcome) {
        let was_empty = {
            let mut done = lock(&self.done);
            let was_empty = done.is_empty();
            done.push((id, outcome));
            was_empty
        };
        if was_empty {
            self.wake.notify();
        }
    }
}

/// Reports a call's outcome to its loop when dropped: normally after the call finished,
/// but also when its task is aborted or panics (the future is then dropped unfinished).
pub(super) struct Completion {
    pub(super) queue: Arc<Queue>,
    pub(super) id: u64,
    pub(super) settle: Option<Settle>,
}

impl Drop for Completion {
    fn drop(&mut self) {
        let outcome = match self.settle.take() {
            Some(settle) => Outcome::Done(settle),
            None if std::thread::panicking() => Outcome::Panicked,
            None => Outcome::Aborted,
        };
        self.queue.push(self.id, outcome);
    }
}

/// A call's outcome as its Python result or exception. An aborted call raises
/// `asyncio.CancelledError` (the awaiting task then raises the exception that cancelled it).
pub(super) fn outcome_to_py(py: Python<'_>, outcome: Outcome) -> PyResult<Py<PyAny>> {
    match outcome {
        Outcome::Done(settle) => settle(py),
        Outcome::Aborted => Err(cancelled_error(py)),
        Outcome::Panicked => Err(PyRuntimeError::new_err(
            "descope_mgmt internal error: the call did not complete",
        )),
    }
}
