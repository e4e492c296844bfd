//! `upload_tenant_tokens`: any iterable of tokens (an async iterable too, for the async
//! client), read and checked into the core's chunks before anything is sent, then uploaded
//! chunk by chunk with `on_progress(UploadProgress)` called after each committed chunk.
//!
//! The blocking loop is here; the async one is a small coroutine (Python source below)
//! that awaits one [`AsyncCall`] per chunk, so `on_progress` runs on the event loop's
//! thread and an exception it raises stops the upload and propagates.

use std::sync::Arc;

use descope_mgmt::bindings::{check_chunk_size, Call, TokenChunks, TokenChunksWriter};
use descope_mgmt::{Client, TenantToken, UploadError, UploadProgress};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyList, PyRange, PyString};

use crate::asyncio::{AsyncCall, OnCancel};
use crate::blocking::wait;
use crate::errors::to_pyerr;
use crate::inputs::{decode, PyTenantToken};
use crate::json::wrong_type;
use crate::source::PySource;

/// How far an upload is: passed to `on_progress` after each committed chunk, returned by
/// `upload_tenant_tokens`, and an upload error's `committed`.
#[pyclass(frozen, module = "descope_mgmt", name = "UploadProgress", eq)]
#[derive(Clone, PartialEq)]
pub struct PyUploadProgress(UploadProgress);

#[pymethods]
impl PyUploadProgress {
    /// Tokens committed so far.
    #[getter]
    fn tokens_done(&self) -> usize {
        self.0.tokens_done
    }
    /// Tokens in the whole upload.
    #[getter]
    fn tokens_total(&self) -> usize {
        self.0.tokens_total
    }
    /// Chunks committed so far.
    #[getter]
    fn chunks_done(&self) -> usize {
        self.0.chunks_done
    }
    /// Chunks in the whole upload.
    #[getter]
    fn chunks_total(&self) -> usize {
        self.0.chunks_total
    }
    fn __repr__(&self) -> String {
        let p = &self.0;
        format!(
            "UploadProgress(tokens_done={}, tokens_total={}, chunks_done={}, chunks_total={})",
            p.tokens_done, p.tokens_total, p.chunks_done, p.chunks_total
        )
    }
}

/// An upload's error as the matching exception, with the upload's attributes:
/// `committed` (an `UploadProgress`), `failed_chunk` and `failed_range` (`None` when
/// nothing was sent), and `failure_indexes` (the input index of each of a
/// `BatchRejectedError`'s `failures`).
fn upload_error(py: Python<'_>, e: UploadError) -> PyErr {
    let err = to_pyerr(py, e.error());
    let value = err.value(py);
    let set = || -> PyResult<()> {
        value.setattr("committed", PyUploadProgress(e.committed()))?;
        value.setattr("failed_chunk", e.failed_chunk())?;
        let range = match e.failed_range() {
            Some(r) => Some(PyRange::new(py, r.start as isize, r.end as isize)?),
            None => None,
        };
        value.setattr("failed_range", range)?;
        value.setattr("failure_indexes", PyList::new(py, e.failure_indexes())?)?;
        Ok(())
    };
    match set() {
        Ok(()) => err,
        Err(failure) => failure,
    }
}

/// Reads `tokens` (any iterable of `TenantToken` objects or dicts, other than a str, bytes,
/// dict or single token) into checked chunks: nothing is sent if any item is bad.
fn read_chunks(tokens: &Bound<'_, PyAny>, chunk_size: usize) -> PyResult<TokenChunks> {
    let py = tokens.py();
    let not_a_list = || wrong_type("tokens", "an iterable of TenantToken or dict", tokens);
    if tokens.is_instance_of::<PyString>()
        || tokens.is_instance_of::<PyDict>()
        || tokens.is_instance_of::<PyTenantToken>()
        || tokens.is_instance_of::<PyBytes>()
    {
        return Err(not_a_list());
    }
    let mut w = TokenChunksWriter::new(chunk_size).map_err(|e| to_pyerr(py, &e))?;
    let iter = tokens.try_iter().map_err(|_| not_a_list())?;
    for item in iter {
        let item = item?;
        match item.cast::<PyTenantToken>() {
            Ok(t) => w.push(&t.get().0),
            Err(_) => {
                if !w.push_source(PySource(item.as_borrowed())) {
                    let at = format!("tokens[{}]", w.len());
                    let token: TenantToken = decode(&item, &at)?;
                    w.push(&token);
                }
            }
        }
    }
    w.finish().map_err(|e| to_pyerr(py, &e))
}

/// A chunk size argument: an `int` in `1..=MAX_BATCH_TOKENS` (`InvalidArgumentError`).
fn chunk_size_arg(py: Python<'_>, chunk_size: i64) -> PyResult<usize> {
    let n = usize::try_from(chunk_size).unwrap_or(0);
    check_chunk_size(n).map_err(|e| to_pyerr(py, &e))?;
    Ok(n)
}

/// `Client.upload_tenant_tokens`: reads and checks every token, then uploads chunk by
/// chunk, calling `on_progress` on this thread after each committed chunk.
pub fn upload_blocking(
    py: Python<'_>,
    client: Client,
    tokens: &Bound<'_, PyAny>,
    chunk_size: i64,
    on_progress: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyUploadProgress> {
    let chunks = read_chunks(tokens, chunk_size_arg(py, chunk_size)?)?;
    let mut progress = chunks.progress(0);
    for i in 0..chunks.len() {
        // Safe to repeat: Ctrl-C abandons it at any point.
        let waited = wait(
            py,
            async { Ok(chunks.upload_chunk(&client, i).await) },
            OnCancel::for_call(Call::BatchUploadTenantTokens),
        )?;
        progress = match waited.outcome {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => return Err(upload_error(py, e)),
            Err(e) => return Err(to_pyerr(py, &e)),
        };
        if let Some(f) = on_progress {
            f.call1((PyUploadProgress(progress),))?;
        }
    }
    Ok(PyUploadProgress(progress))
}

/// The async upload: collects an async iterable, has the tokens read and checked by
/// `plan.read`, then awaits one chunk at a time.
const ASYNC_UPLOAD: &std::ffi::CStr = cr#"
async def upload(plan, tokens, on_progress):
    if hasattr(type(tokens), "__aiter__"):
        tokens = [t async for t in tokens]
    chunks = plan.read(tokens)
    progress = chunks.progress
    for i in range(len(chunks)):
        progress = await chunks.send(i)
        if on_progress is not None:
            on_progress(progress)
    return progress
"#;

static UPLOAD_FN: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// What the async upload needs from the native side: the client and the chunk size, or
/// the error of the call's settings (raised when awaited, like every async call's errors).
#[pyclass(frozen, module = "descope_mgmt._native")]
struct UploadPlan(Result<(Client, usize), PyErr>);

#[pymethods]
impl UploadPlan {
    /// Reads and checks every token into chunks.
    fn read(&self, py: Python<'_>, tokens: &Bound<'_, PyAny>) -> PyResult<UploadChunks> {
        let (client, chunk_size) = self.0.as_ref().map_err(|e| e.clone_ref(py))?;
        Ok(UploadChunks {
            client: client.clone(),
            chunks: Arc::new(read_chunks(tokens, *chunk_size)?),
        })
    }
}

/// Checked chunks of an async upload.
#[pyclass(frozen, module = "descope_mgmt._native")]
struct UploadChunks {
    client: Client,
    chunks: Arc<TokenChunks>,
}

fn progress_to_py(py: Python<'_>, p: Result<UploadProgress, UploadError>) -> PyResult<Py<PyAny>> {
    match p {
        Ok(p) => Ok(Py::new(py, PyUploadProgress(p))?.into_any()),
        Err(e) => Err(upload_error(py, e)),
    }
}

#[pymethods]
impl UploadChunks {
    fn __len__(&self) -> usize {
        self.chunks.len()
    }

    /// The progress before any chunk is sent.
    #[getter]
    fn progress(&self) -> PyUploadProgress {
        PyUploadProgress(self.chunks.progress(0))
    }

    /// Uploads chunk `i`: an awaitable of the progress after it.
    fn send(&self, i: usize) -> AsyncCall {
        let client = self.client.clone();
        let chunks = self.chunks.clone();
        AsyncCall::new(
            move || async move { Ok(chunks.upload_chunk(&client, i).await) },
            progress_to_py,
            // Safe to repeat: cancelling aborts it at any point.
            OnCancel::for_call(Call::BatchUploadTenantTokens),
        )
    }
}

/// `AsyncClient.upload_tenant_tokens`: a coroutine that does the upload once awaited.
pub fn upload_async<'py>(
    py: Python<'py>,
    client: PyResult<Client>,
    tokens: &Bound<'py, PyAny>,
    chunk_size: i64,
    on_progress: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let upload = UPLOAD_FN.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        let module = PyModule::from_code(
            py,
            ASYNC_UPLOAD,
            c"descope_mgmt/_native_upload.py",
            c"descope_mgmt._native_upload",
        )?;
        Ok(module.getattr("upload")?.unbind())
    })?;
    let plan = chunk_size_arg(py, chunk_size).and_then(|n| Ok((client?, n)));
    upload
        .bind(py)
        .call1((UploadPlan(plan), tokens, on_progress))
}
