//! asyncio's side, as seen from Rust: the running loop, a future's state, the
//! `CancelledError` class, and yielding a future to the task that drives a call.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

/// `asyncio.get_running_loop` (raises `RuntimeError: no running event loop`).
pub(super) fn running_loop(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    static GET_RUNNING_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    GET_RUNNING_LOOP
        .import(py, "asyncio", "get_running_loop")?
        .call0()
}

/// A new `asyncio.CancelledError`.
pub(super) fn cancelled_error(py: Python<'_>) -> PyErr {
    static CANCELLED: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    match CANCELLED
        .import(py, "asyncio", "CancelledError")
        .and_then(|cls| cls.call0())
    {
        Ok(exc) => PyErr::from_value(exc),
        Err(err) => err,
    }
}

pub(super) fn is_cancelled_error(py: Python<'_>, err: &PyErr) -> bool {
    static CANCELLED: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    CANCELLED
        .import(py, "asyncio", "CancelledError")
        .map(|cls| err.get_type(py).is_subclass(cls).unwrap_or(false))
        .unwrap_or(false)
}

pub(super) fn is_done(fut: &Bound<'_, PyAny>) -> bool {
    fut.call_method0(intern!(fut.py(), "done"))
        .and_then(|d| d.is_truthy())
        .unwrap_or(true)
}

pub(super) fn is_cancelled(fut: &Bound<'_, PyAny>) -> bool {
    fut.call_method0(intern!(fut.py(), "cancelled"))
        .and_then(|d| d.is_truthy())
        .unwrap_or(false)
}

/// Yields an asyncio future to the driving task, the way `Future.__await__` does.
pub(super) fn yield_future(fut: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    fut.setattr(intern!(fut.py(), "_asyncio_future_blocking"), true)?;
    Ok(fut.clone().unbind())
}
