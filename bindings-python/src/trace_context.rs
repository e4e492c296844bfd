//! W3C trace context from OpenTelemetry: when the program uses `opentelemetry` (its
//! `opentelemetry.context` is imported) and a span is active on the caller's thread, each call sends its `traceparent` (and `tracestate`),
//! read with `opentelemetry.propagate.inject` on the caller's thread as the call starts.
//! No dependency: without OpenTelemetry (or without an active span) nothing is sent, and a
//! propagator that fails never fails a call.

use descope_mgmt::{CallOptions, Client};
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;

/// `client`, or a view of it that sends the active trace context. A `traceparent` set with
/// `with_options` wins. Only what is not an `Exception` (a `KeyboardInterrupt` from Ctrl-C
/// arriving while OpenTelemetry's Python code runs) is raised: the call is then not made.
pub fn traced(py: Python<'_>, client: Client) -> PyResult<Client> {
    static INJECT: PyOnceLock<Option<Py<PyAny>>> = PyOnceLock::new();
    static MODULES: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    if INJECT.get(py).is_none() {
        // No span can be active before the program imported OpenTelemetry's context: until
        // then nothing is imported here (a call never pays for OpenTelemetry's import).
        let modules = MODULES.get_or_try_init(py, || {
            py.import("sys")?.getattr("modules").map(Bound::unbind)
        })?;
        if !modules.bind(py).contains("opentelemetry.context")? {
            return Ok(client);
        }
    }
    let inject = INJECT.get_or_try_init(py, || {
        match py
            .import("opentelemetry.propagate")
            .and_then(|m| m.getattr("inject"))
        {
            Ok(f) => Ok(Some(f.unbind())),
            Err(e) => ignore_exception(py, e).map(|()| None),
        }
    })?;
    let Some(inject) = inject else {
        return Ok(client);
    };
    if client
        .call_options()
        .is_some_and(|o| o.traceparent.is_some())
    {
        return Ok(client);
    }
    let carrier = PyDict::new(py);
    if let Err(e) = inject.call1(py, (&carrier,)) {
        ignore_exception(py, e)?;
        return Ok(client);
    }
    let text =
        |name: &str| -> Option<String> { carrier.get_item(name).ok().flatten()?.extract().ok() };
    let Some(traceparent) = text("traceparent") else {
        return Ok(client);
    };
    Ok(client
        .with_options(CallOptions::new().trace_context(traceparent, text("tracestate")))
        .unwrap_or(client))
}

/// `Ok` for an `Exception` (OpenTelemetry missing or failing never fails a call); the error
/// itself for a `BaseException` such as `KeyboardInterrupt`, which must reach the caller.
fn ignore_exception(py: Python<'_>, e: PyErr) -> PyResult<()> {
    if e.is_instance_of::<PyException>(py) {
        Ok(())
    } else {
        Err(e)
    }
}
