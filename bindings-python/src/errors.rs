//! Raising the pure-Python exception classes of `descope_mgmt.errors` from core errors.

use descope_mgmt::{Error, ErrorCode};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyType};

static BY_CODE: PyOnceLock<Py<PyDict>> = PyOnceLock::new();
static BASE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static BATCH_FAILURE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

const ERRORS_MODULE: &str = "descope_mgmt.errors";

/// Converts a core error to the matching `descope_mgmt.errors` exception, carrying the
/// code, message, HTTP status, Descope error fields, `retry_after` and `failures`.
pub fn to_pyerr(py: Python<'_>, e: &Error) -> PyErr {
    build(py, e).unwrap_or_else(|failure| failure)
}

/// A core error of the given code and message, as a Python exception.
pub fn raise(py: Python<'_>, code: ErrorCode, message: impl Into<String>) -> PyErr {
    to_pyerr(py, &Error::new(code, message))
}

fn build(py: Python<'_>, e: &Error) -> PyResult<PyErr> {
    let by_code = BY_CODE.import(py, ERRORS_MODULE, "_BY_CODE")?;
    let cls = match by_code.get_item(e.code().as_str())? {
        Some(cls) => cls,
        None => BASE
            .import(py, ERRORS_MODULE, "DescopeError")?
            .clone()
            .into_any(),
    };
    let kwargs = PyDict::new(py);
    kwargs.set_item("code", e.code().as_str())?;
    kwargs.set_item("status", e.status())?;
    kwargs.set_item("descope_code", e.descope_code())?;
    kwargs.set_item("description", e.description())?;
    kwargs.set_item("server_message", e.server_message())?;
    kwargs.set_item("request_id", e.request_id())?;
    kwargs.set_item("external_request_id", e.external_request_id())?;
    match e.code() {
        ErrorCode::RateLimited => {
            kwargs.set_item("retry_after", e.retry_after().map(|d| d.as_secs_f64()))?;
        }
        ErrorCode::BatchRejected => {
            let failure_cls = BATCH_FAILURE.import(py, ERRORS_MODULE, "BatchFailure")?;
            let failures = PyList::empty(py);
            for f in e.failures() {
                failures.append(failure_cls.call1((
                    f.app_id.as_str(),
                    f.tenant_id.as_str(),
                    f.error_code.as_str(),
                    f.reason.as_str(),
                ))?)?;
            }
            kwargs.set_item("failures", failures)?;
        }
        _ => {}
    }
    let exc = cls.call((e.message(),), Some(&kwargs))?;
    Ok(PyErr::from_value(exc))
}
