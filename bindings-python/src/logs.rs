//! The safe logs in Python: the core's records, handed to `logging.getLogger("descope_mgmt")`.
//!
//! Every client sends its records to one process-wide queue, which is emptied on a thread
//! that holds the GIL: when a blocking call returns, and when an asyncio call settles on its
//! loop. The runtime's own threads never enter the interpreter (which could crash it at
//! exit). Each record is one `logging` record at its level, its message the record's
//! `key=value` line and its fields as attributes (`record.call`, `record.status`, ...). A
//! handler that raises never changes a call's outcome.

use std::sync::{Arc, LazyLock};

use descope_mgmt::logs::{LogLevel, LogQueue, LogRecord};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;

/// The queue every Python client logs to.
pub static QUEUE: LazyLock<Arc<LogQueue>> = LazyLock::new(|| Arc::new(LogQueue::default()));

/// Runs the caller's queued hooks (`crate::hooks`), then hands the queued records to
/// Python's `logging`, in order.
pub fn flush(py: Python<'_>) {
    let mut records = crate::hooks::run(py);
    records.extend(QUEUE.drain());
    if records.is_empty() {
        return;
    }
    static LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let logger = LOGGER.get_or_try_init(py, || {
        py.import("logging")?
            .call_method1("getLogger", ("descope_mgmt",))
            .map(Bound::unbind)
    });
    let Ok(logger) = logger else {
        return;
    };
    for r in &records {
        // Never let a logging failure reach the caller.
        if let Err(e) = emit(py, logger.bind(py), r) {
            drop(e);
        }
    }
}

fn emit(py: Python<'_>, logger: &Bound<'_, PyAny>, r: &LogRecord) -> PyResult<()> {
    let level = match r.level {
        LogLevel::Error => 40,
        LogLevel::Warn => 30,
        LogLevel::Info => 20,
        LogLevel::Debug => 10,
    };
    if !logger.call_method1("isEnabledFor", (level,))?.is_truthy()? {
        return Ok(());
    }
    let extra = PyDict::new(py);
    extra.set_item("event", r.event.as_str())?;
    extra.set_item("call", r.call)?;
    extra.set_item("method", r.method)?;
    extra.set_item("path", r.path)?;
    extra.set_item("status", r.status)?;
    extra.set_item("code", r.code.map(|c| c.as_str()))?;
    extra.set_item("descope_code", r.descope_code.as_deref())?;
    extra.set_item("attempt", r.attempt)?;
    extra.set_item("retry_in_ms", r.retry_in_ms)?;
    extra.set_item("elapsed_ms", r.elapsed_ms)?;
    extra.set_item("request_id", r.request_id.as_deref())?;
    extra.set_item("external_request_id", r.external_request_id.as_str())?;
    extra.set_item("key_id", r.key_id.as_deref())?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("extra", extra)?;
    logger.call_method("log", (level, "%s", r.line()), Some(&kwargs))?;
    Ok(())
}
