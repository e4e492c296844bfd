//! [`AsyncCall`], the awaitable an `AsyncClient` method returns: a coroutine-like object
//! that starts its call on the shared runtime when first stepped, waits on an asyncio
//! future settled by its loop's bridge, and applies its [`OnCancel`] policy when the
//! awaiting task is cancelled.

use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use descope_mgmt::bindings::runtime;
use pyo3::exceptions::{
    PyBaseException, PyGeneratorExit, PyRuntimeError, PyStopIteration, PyTypeError,
};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::{PyTraverseError, PyVisit};
use tokio::sync::Notify;

use super::bridge::{bridge_for, LoopBridge};
use super::cancel::{run_call, OnCancel, Stopper};
use super::completion::{lock, outcome_to_py, Completion, Outcome};
use super::futures::{is_cancelled, is_cancelled_error, is_done, running_loop, yield_future};
use crate::errors::to_pyerr;

/// Spawns the call on the shared runtime; its outcome is reported through the Completion.
type Start = Box<dyn FnOnce(Completion) -> Stopper + Send>;

/// A call that was started: what it waits for and how to stop it.
struct Running {
    /// The asyncio future the awaiting task waits for (replaced when a cancellation is
    /// swallowed, see [`AsyncCall::throw`]).
    fut: Py<PyAny>,
    /// The bridge of the loop the call runs on, and the call's id there.
    bridge: Py<LoopBridge>,
    id: u64,
    stopper: Stopper,
    /// The exception that cancelled the call while it could still be stopped: raised if
    /// the call turns out to have been stopped before sending.
    cancelled_with: Option<PyErr>,
}

enum State {
    /// Created, not stepped yet.
    Ready(Start),
    /// Created on a closed client (or similar): raises this on the first step.
    Failed(PyErr),
    /// Spawned; waiting for its future (an asyncio future of the running loop).
    Waiting(Running),
    /// Returned or raised.
    Finished,
}

/// An `AsyncClient` call: an awaitable that behaves as a coroutine (`send`, `throw`,
/// `close`, `__await__`), so `await`, `asyncio.gather`, `asyncio.create_task` and
/// `asyncio.run` accept it. Nothing happens until it is first awaited.
///
/// Cancelling the awaiting task (`task.cancel()`, `asyncio.wait_for`, `asyncio.timeout`)
/// follows the call's [`OnCancel`] policy: a call whose request may already have reached
/// the server is not abandoned; it finishes and returns its result (or raises its typed
/// error), swallowing the cancellation.
#[pyclass(frozen, module = "descope_mgmt._native", name = "AsyncCall")]
pub struct AsyncCall {
    state: Mutex<State>,
}

impl AsyncCall {
    /// A call that, once awaited, runs `make()` on the shared runtime and converts its
    /// result with `convert` (on the loop thread); core errors become our exceptions.
    /// `on_cancel` says what cancelling the awaiting task does.
    pub fn new<T, F, M>(
        make: M,
        convert: fn(Python<'_>, T) -> PyResult<Py<PyAny>>,
        on_cancel: OnCancel,
    ) -> AsyncCall
    where
        T: Send + 'static,
        F: Future<Output = descope_mgmt::Result<T>> + Send + 'static,
        M: FnOnce() -> F + Send + 'static,
    {
        let finish = move |mut completion: Completion, out: descope_mgmt::Result<T>| {
            completion.settle = Some(Box::new(move |py| {
                crate::logs::flush(py);
                match out {
                    Ok(v) => convert(py, v),
                    Err(e) => Err(to_pyerr(py, &e)),
                }
            }));
            drop(completion);
        };
        let start: Start = match on_cancel {
            OnCancel::Abort => Box::new(move |completion: Completion| {
                let task = runtime::spawn(async move { finish(completion, make().await) });
                Stopper::Abort(task.abort_handle())
            }),
            OnCancel::FinishOnceSent => Box::new(move |completion: Completion| {
                let stop = Arc::new(Notify::new());
                let stop2 = stop.clone();
                runtime::spawn(async move {
                    // `None`: stopped before sending; the Completion reports it as aborted.
                    if let Some(out) = run_call(make(), stop2).await {
                        finish(completion, out);
                    }
                });
                Stopper::Request(stop)
            }),
        };
        AsyncCall {
            state: Mutex::new(State::Ready(start)),
        }
    }

    /// A call that raises `err` when awaited.
    pub fn failed(err: PyErr) -> AsyncCall {
        AsyncCall {
            state: Mutex::new(State::Failed(err)),
        }
    }

    /// One step: start the call (first step) and yield its future, or finish with the
    /// future's result (raised as `StopIteration(result)`) or exception. The state lock
    /// is never held while Python code runs.
    fn step(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let state = std::mem::replace(&mut *lock(&self.state), State::Finished);
        match state {
            State::Ready(start) => {
                let event_loop = running_loop(py)?;
                let bridge = bridge_for(&event_loop)?;
                let fut = event_loop.call_method0(intern!(py, "create_future"))?;
                let b = bridge.get();
                let id = b.next_id.fetch_add(1, Ordering::Relaxed);
                b.rearm(id, fut.clone().unbind());
                let stopper = start(Completion {
                    queue: b.queue.clone(),
                    id,
                    settle: None,
                });
                *lock(&self.state) = State::Waiting(Running {
                    fut: fut.clone().unbind(),
                    bridge: bridge.unbind(),
                    id,
                    stopper,
                    cancelled_with: None,
                });
                yield_future(&fut)
            }
            State::Failed(err) => Err(err),
            State::Waiting(running) => {
                let f = running.fut.bind(py).clone();
                if !is_done(&f) {
                    // Stepped before the future finished (not by asyncio): wait again.
                    *lock(&self.state) = State::Waiting(running);
                    return yield_future(&f);
                }
                running.bridge.get().forget(running.id);
                finish_with(py, &f, running.cancelled_with)
            }
            State::Finished => Err(PyRuntimeError::new_err(
                "cannot reuse already awaited coroutine",
            )),
        }
    }

    /// Handles an exception thrown in at the await point (how asyncio delivers a
    /// cancellation). Returns `None` when the call ends by raising `exc` (after stopping
    /// it), or the step's outcome when the call goes on or delivers its outcome instead.
    fn absorb(&self, py: Python<'_>, exc: PyErr) -> PyResult<Py<PyAny>> {
        let state = std::mem::replace(&mut *lock(&self.state), State::Finished);
        let mut running = match state {
            State::Waiting(running) if matches!(running.stopper, Stopper::Request(_)) => running,
            other => {
                *lock(&self.state) = other;
                self.stop(py);
                return Err(exc);
            }
        };
        let bridge = running.bridge.get();
        // Bring every outcome that already arrived to its call, this one included.
        bridge.drain(py);
        let f = running.fut.bind(py).clone();
        if is_done(&f) && !is_cancelled(&f) {
            // Finished before the cancellation reached us: deliver the outcome.
            bridge.forget(running.id);
            return finish_with(py, &f, running.cancelled_with.or(Some(exc)));
        }
        if let Some(outcome) = bridge.take_parked(running.id) {
            bridge.forget(running.id);
            return match outcome {
                Outcome::Aborted => Err(running.cancelled_with.unwrap_or(exc)),
                outcome => match outcome_to_py(py, outcome) {
                    Ok(value) => Err(PyStopIteration::new_err((value,))),
                    Err(err) => Err(err),
                },
            };
        }
        // Still running. Stop it if nothing can have been sent yet (its task decides, and
        // then reports it as aborted: `exc` is raised); otherwise it finishes and its
        // outcome is delivered. Either way, wait for that on a fresh future (the old one
        // was cancelled by the awaiting task).
        running.stopper.stop();
        if running.cancelled_with.is_none() {
            running.cancelled_with = Some(exc);
        }
        let event_loop = f.call_method0(intern!(py, "get_loop"))?;
        let fresh = event_loop.call_method0(intern!(py, "create_future"))?;
        bridge.rearm(running.id, fresh.clone().unbind());
        running.fut = fresh.clone().unbind();
        *lock(&self.state) = State::Waiting(running);
        yield_future(&fresh)
    }

    /// Ends the call early: stops its request (at once for an [`OnCancel::Abort`] call,
    /// only if nothing was sent for the others) and forgets its future.
    fn stop(&self, py: Python<'_>) {
        let previous = std::mem::replace(&mut *lock(&self.state), State::Finished);
        if let State::Waiting(running) = previous {
            running.stopper.stop();
            running.bridge.get().forget(running.id);
            let fut = running.fut.bind(py);
            if is_done(fut) {
                // Finished but abandoned: mark an exception as retrieved, so asyncio does
                // not log "Future exception was never retrieved" for it.
                if !is_cancelled(fut) {
                    let _ = fut.call_method0(intern!(py, "exception"));
                }
            } else {
                let _ = fut.call_method0(intern!(py, "cancel"));
            }
        }
    }
}

/// Ends a step with a done future's outcome: its result as `StopIteration(result)`, or
/// its exception. A `CancelledError` the bridge set for a call stopped before sending is
/// replaced by the exception that cancelled the call, when there was one.
fn finish_with(
    py: Python<'_>,
    fut: &Bound<'_, PyAny>,
    cancelled_with: Option<PyErr>,
) -> PyResult<Py<PyAny>> {
    match fut.call_method0(intern!(py, "result")) {
        Ok(result) => Err(PyStopIteration::new_err((result.unbind(),))),
        Err(err) => match cancelled_with {
            Some(original) if is_cancelled_error(py, &err) => Err(original),
            _ => Err(err),
        },
    }
}

#[pymethods]
impl AsyncCall {
    fn __await__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.step(py)
    }

    /// Resumes the call; only `None` can be sent.
    fn send(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        if !value.is_none() {
            self.stop(py);
            return Err(PyTypeError::new_err(
                "can't send non-None value to a descope_mgmt call",
            ));
        }
        self.step(py)
    }

    /// Raises an exception at the await point (this is how asyncio delivers
    /// cancellation). A call that is safe to repeat, or whose request cannot have reached
    /// the server yet, is stopped and the exception propagates. A call that may have been
    /// applied goes on: its result is returned (the exception is swallowed) or its own
    /// error raised.
    #[pyo3(signature = (typ, val=None, tb=None))]
    fn throw(
        &self,
        py: Python<'_>,
        typ: Bound<'_, PyAny>,
        val: Option<Bound<'_, PyAny>>,
        tb: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let _ = tb;
        let exc = match val {
            Some(v) if v.is_instance_of::<PyBaseException>() => PyErr::from_value(v),
            Some(v) if !v.is_none() => PyErr::from_value(typ.call1((v,))?),
            _ if typ.is_instance_of::<PyBaseException>() => PyErr::from_value(typ),
            _ => PyErr::from_value(typ.call0()?),
        };
        if exc.is_instance_of::<PyGeneratorExit>(py) {
            self.stop(py);
            return Err(exc);
        }
        self.absorb(py, exc)
    }

    /// Abandons the call: stops its request unless it may have reached the server (such a
    /// call finishes in the background; nobody receives its outcome).
    fn close(&self, py: Python<'_>) {
        self.stop(py);
    }

    /// Lets the garbage collector see the future a waiting call holds (the future's
    /// callbacks can lead back to this call through the awaiting task).
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if let Ok(state) = self.state.try_lock() {
            if let State::Waiting(running) = &*state {
                visit.call(&running.fut)?;
            }
        }
        Ok(())
    }

    fn __clear__(&self) {
        let previous = std::mem::replace(&mut *lock(&self.state), State::Finished);
        if let State::Waiting(running) = &previous {
            running.stopper.stop();
            running.bridge.get().forget(running.id);
        }
        drop(previous);
    }
}

impl Drop for AsyncCall {
    fn drop(&mut self) {
        // Dropped unfinished (e.g. a task that was never completed): stop the request
        // (unless it may have been applied) and forget its future.
        let state = self.state.get_mut().unwrap_or_else(|p| p.into_inner());
        if let State::Waiting(running) = state {
            running.stopper.stop();
            running.bridge.get().forget(running.id);
        }
    }
}
