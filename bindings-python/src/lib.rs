//! `descope_mgmt._native`: the compiled half of the `descope_mgmt` Python package.
//!
//! A thin layer over the `descope-mgmt` core: it converts arguments and results, raises
//! the pure-Python exceptions of `descope_mgmt.errors`, and runs every call on the core's
//! one shared, fork-aware tokio runtime (blocking calls release the GIL; `AsyncClient`
//! methods return coroutine-like awaitables whose results reach the event loop through a
//! per-loop completion queue, see `asyncio`).
//! The public API is re-exported by `descope_mgmt/__init__.py`; stubs are in `_native.pyi`.

// The modules, each above the ones it uses (no cycle): `errors`; `json` (JSON values and
// Python objects) and `source` (Python objects read straight into models); `model_class` (the `model_class!` macro, over `json`); `inputs` (caller
// input and the input classes) and `results` (the result classes) over those; the
// `hooks` (the caller's hooks) under `logs`, which runs them before handing over the
// records; `trace_context` (OpenTelemetry); the `asyncio` bridge and the `blocking` wait; `upload` (chunked uploads) over those; `client` at the top.
mod asyncio;
mod blocking;
mod client;
mod errors;
mod hooks;
mod inputs;
mod json;
mod logs;
mod model_class;
mod results;
mod source;
mod trace_context;
mod upload;

use pyo3::prelude::*;

/// The extension module. Importing it does no work beyond registering classes (and the
/// input classes' field properties).
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<client::PyClient>()?;
    m.add_class::<client::PyAsyncClient>()?;
    m.add_class::<results::PyAccessKey>()?;
    m.add_class::<results::PyKeyTenant>()?;
    m.add_class::<results::PyRotatedAccessKey>()?;
    m.add_class::<inputs::PyTenantToken>()?;
    m.add_class::<inputs::PySessionSettings>()?;
    m.add_class::<results::PyDcrTemplate>()?;
    m.add_class::<results::PyCallMeta>()?;
    m.add_class::<upload::PyUploadProgress>()?;
    m.add_class::<hooks::PyCallEvent>()?;
    inputs::add_input_properties(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // Every stable error code, from the core (`descope_mgmt.errors` has one class each).
    let codes = descope_mgmt::ErrorCode::ALL.map(|c| c.as_str());
    m.add("ERROR_CODES", pyo3::types::PyTuple::new(m.py(), codes)?)?;
    Ok(())
}
