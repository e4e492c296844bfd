//! W3C trace context from OpenTelemetry: when `opentelemetry` is importable and a span is
//! active on the caller's thread, each call sends its `traceparent` (and `tracestate`),
//! read with `opentelemetry.propagate.inject` on the caller's thread as the call starts.
//! No dependency: without OpenTelemetry (or without an active span) nothing is sent, and a
//! propagator that fails never fails a call.

use descope_mgmt::{CallOptions, Client};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;

/// `client`, or a view of it that sends the active trace context. A `traceparent` set with
/// `with_options` wins.
pub fn traced(py: Python<'_>, client: Client) -> Client {
    static INJECT: PyOnceLock<Option<Py<PyAny>>> = PyOnceLock::new();
    let inject = INJECT.get_or_init(py, || {
        py.import("opentelemetry.propagate")
            .and_then(|m| m.getattr("inject"))
            .ok()
            .map(Bound::unbind)
    });
    let Some(inject) = inject else {
        return client;
    };
    if client
        .call_options()
        .is_some_and(|o| o.traceparent.is_some())
    {
        return client;
    }
    let carrier = PyDict::new(py);
    if inject.call1(py, (&carrier,)).is_err() {
        return client;
    }
    let text =
        |name: &str| -> Option<String> { carrier.get_item(name).ok().flatten()?.extract().ok() };
    let Some(traceparent) = text("traceparent") else {
        return client;
    };
    client
        .with_options(CallOptions::new().trace_context(traceparent, text("tracestate")))
        .unwrap_or(client)
}
