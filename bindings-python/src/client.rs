//! `Client` (blocking, releases the GIL while waiting) and `AsyncClient` (asyncio
//! coroutines), both running the core's futures on its one shared, fork-aware runtime.
//! How a blocking call waits (and handles Ctrl-C) is in `blocking`; how an async call
//! reaches its event loop is in `asyncio`.

use std::sync::RwLock;

use descope_mgmt::bindings::{
    upload_token_batch, Binding, Call, ClientOption, ClientOptions, ViewOptions,
};
use descope_mgmt::{Client, ErrorCode};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::asyncio::{AsyncCall, OnCancel};
use crate::blocking::{deliver, register_shutdown_hook, wait};
use crate::errors::{raise, to_pyerr};
use crate::hooks::PyHooks;
use crate::inputs::{config_str, key_id, new_template, TokenList};
use crate::results::{PyDcrTemplate, PyRotatedAccessKey};
use crate::upload::{upload_async, upload_blocking, PyUploadProgress};

/// The core client behind a Python client; `None` once closed.
struct Shared {
    client: RwLock<Option<Client>>,
}

impl Shared {
    /// A client from the constructor's keywords: what was passed goes to the core's
    /// `ClientOptions` (seconds here), which checks it; the rest falls back to
    /// DESCOPE_PROJECT_ID, DESCOPE_MANAGEMENT_KEY, DESCOPE_BASE_URI, the proxy and CA
    /// variables and the defaults. `ca_bundle` may also be an `os.PathLike`.
    fn build(
        py: Python<'_>,
        texts: [(ClientOption, Option<&Bound<'_, PyAny>>); 7],
        numbers: [(ClientOption, Option<f64>); 5],
        hooks: Option<PyHooks>,
    ) -> PyResult<Shared> {
        let mut o = ClientOptions::new(Binding::Python);
        o.log_sink(crate::logs::QUEUE.clone());
        if let Some(h) = hooks {
            h.install(&mut o);
        }
        let core = |e: descope_mgmt::Error| to_pyerr(py, &e);
        for (option, value) in texts {
            let path;
            let value = match value {
                Some(v) if option == ClientOption::CaBundle && !v.is_none() => {
                    path = py.import("os")?.getattr("fspath")?.call1((v,))?;
                    Some(&path)
                }
                other => other,
            };
            if let Some(text) = config_str(value, option.name(Binding::Python))? {
                o.set_text(option, text).map_err(core)?;
            }
        }
        for (option, value) in numbers {
            if let Some(n) = value {
                o.set_number(option, n).map_err(core)?;
            }
        }
        let client = o.build().map_err(core)?;
        Ok(Shared {
            client: RwLock::new(Some(client)),
        })
    }

    /// The client for one call: with the caller's active OpenTelemetry trace context.
    fn for_call(&self, py: Python<'_>) -> PyResult<Client> {
        self.get(py)
            .and_then(|c| crate::trace_context::traced(py, c))
    }

    fn get(&self, py: Python<'_>) -> PyResult<Client> {
        let guard = self.client.read().unwrap_or_else(|p| p.into_inner());
        guard.clone().ok_or_else(|| {
            raise(
                py,
                ErrorCode::Config,
                "this client was closed; create a new one",
            )
        })
    }

    /// A view of this client (see `with_options`), its settings checked by the core.
    #[allow(clippy::too_many_arguments)]
    fn view(
        &self,
        py: Python<'_>,
        timeout: Option<f64>,
        connect_timeout: Option<f64>,
        max_retries: Option<i64>,
        max_retry_wait: Option<f64>,
        external_request_id: Option<&Bound<'_, PyAny>>,
        traceparent: Option<&Bound<'_, PyAny>>,
        tracestate: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Shared> {
        use ClientOption::*;
        let core = |e: descope_mgmt::Error| to_pyerr(py, &e);
        let mut o = ViewOptions::new(Binding::Python);
        let numbers = [
            (Timeout, timeout),
            (ConnectTimeout, connect_timeout),
            (MaxRetries, max_retries.map(|n| n as f64)),
            (MaxRetryWait, max_retry_wait),
        ];
        for (option, value) in numbers {
            if let Some(n) = value {
                o.set_number(option, n).map_err(core)?;
            }
        }
        let name = ViewOptions::external_request_id_name(Binding::Python);
        if let Some(id) = config_str(external_request_id, name)? {
            o.set_external_request_id(id);
        }
        for (name, value) in ViewOptions::TRACE_CONTEXT
            .into_iter()
            .zip([traceparent, tracestate])
        {
            if let Some(v) = config_str(value, name)? {
                o.set_trace_context(name, v);
            }
        }
        let view = o.apply(&self.get(py)?).map_err(core)?;
        Ok(Shared {
            client: RwLock::new(Some(view)),
        })
    }

    fn close(&self) {
        *self.client.write().unwrap_or_else(|p| p.into_inner()) = None;
    }

    fn repr(&self, py: Python<'_>, class: &str) -> String {
        let guard = self.client.read().unwrap_or_else(|p| p.into_inner());
        match guard.as_ref() {
            Some(c) => {
                let q = |s: &str| {
                    PyString::new(py, s)
                        .repr()
                        .map(|r| r.to_string())
                        .unwrap_or_default()
                };
                format!(
                    "{class}(project_id={}, base_url={}, timeout={:?}, max_retries={})",
                    q(c.project_id()),
                    q(c.base_url()),
                    c.timeout().as_secs_f64(),
                    c.max_retries()
                )
            }
            None => format!("{class}(<closed>)"),
        }
    }

    fn with<T>(&self, py: Python<'_>, f: impl FnOnce(&Client) -> T) -> PyResult<T> {
        self.get(py).map(|c| f(&c))
    }
}

/// Python objects of call results, converted on the event loop's thread.
fn rotated_to_py(py: Python<'_>, v: descope_mgmt::RotatedAccessKey) -> PyResult<Py<PyAny>> {
    Ok(Py::new(py, PyRotatedAccessKey(v))?.into_any())
}

fn template_to_py(py: Python<'_>, v: descope_mgmt::DcrTemplate) -> PyResult<Py<PyAny>> {
    Ok(Py::new(py, PyDcrTemplate(v))?.into_any())
}

fn none_to_py(py: Python<'_>, (): ()) -> PyResult<Py<PyAny>> {
    Ok(py.None())
}

// ---------------------------------------------------------------------------------------

/// Declares a client class over [`Shared`] with what `Client` and `AsyncClient` share
/// (the constructor, `close()`, the settings properties and `__repr__`), plus the class's
/// own methods given after its name: the three calls and the context-manager protocol.
macro_rules! client_class {
    ($(#[doc = $doc:tt])* $name:literal: $py:ident; $($methods:tt)*) => {
        $(#[doc = $doc])*
        #[pyclass(frozen, module = "descope_mgmt", name = $name)]
        pub struct $py(Shared);

        #[pymethods]
        impl $py {
            #[new]
            #[pyo3(signature = (project_id=None, management_key=None, *, base_url=None, timeout=None, connect_timeout=None, max_retries=None, max_retry_wait=None, max_connections=None, proxy=None, no_proxy=None, ca_bundle=None, log_level=None, on_request=None, on_response=None, on_retry=None))]
            #[allow(clippy::too_many_arguments)]
            fn new(
                py: Python<'_>,
                project_id: Option<&Bound<'_, PyAny>>,
                management_key: Option<&Bound<'_, PyAny>>,
                base_url: Option<&Bound<'_, PyAny>>,
                timeout: Option<f64>,
                connect_timeout: Option<f64>,
                max_retries: Option<i64>,
                max_retry_wait: Option<f64>,
                max_connections: Option<i64>,
                proxy: Option<&Bound<'_, PyAny>>,
                no_proxy: Option<&Bound<'_, PyAny>>,
                ca_bundle: Option<&Bound<'_, PyAny>>,
                log_level: Option<&Bound<'_, PyAny>>,
                on_request: Option<&Bound<'_, PyAny>>,
                on_response: Option<&Bound<'_, PyAny>>,
                on_retry: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<Self> {
                use ClientOption::*;
                let hooks = PyHooks::new(on_request, on_response, on_retry)?;
                let shared = Shared::build(
                    py,
                    [
                        (ProjectId, project_id),
                        (ManagementKey, management_key),
                        (BaseUrl, base_url),
                        (Proxy, proxy),
                        (NoProxy, no_proxy),
                        (CaBundle, ca_bundle),
                        (LogLevel, log_level),
                    ],
                    [
                        (Timeout, timeout),
                        (ConnectTimeout, connect_timeout),
                        (MaxRetries, max_retries.map(|n| n as f64)),
                        (MaxRetryWait, max_retry_wait),
                        (MaxConnections, max_connections.map(|n| n as f64)),
                    ],
                    hooks,
                )?;
                register_shutdown_hook(py)?;
                Ok(Self(shared))
            }

            $($methods)*

            /// A view of this client whose calls use these settings over the client's
            /// (seconds, like the constructor's), sharing its connection pool; cheap to make
            /// for one call. `external_request_id` is sent as `x-external-rid` on every call
            /// through the view instead of a fresh random id; `traceparent` (and
            /// `tracestate`) as the W3C trace context instead of OpenTelemetry's active one.
            #[pyo3(signature = (*, timeout=None, connect_timeout=None, max_retries=None, max_retry_wait=None, external_request_id=None, traceparent=None, tracestate=None))]
            #[allow(clippy::too_many_arguments)]
            fn with_options(
                &self,
                py: Python<'_>,
                timeout: Option<f64>,
                connect_timeout: Option<f64>,
                max_retries: Option<i64>,
                max_retry_wait: Option<f64>,
                external_request_id: Option<&Bound<'_, PyAny>>,
                traceparent: Option<&Bound<'_, PyAny>>,
                tracestate: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<Self> {
                self.0
                    .view(py, timeout, connect_timeout, max_retries, max_retry_wait, external_request_id, traceparent, tracestate)
                    .map(Self)
            }

            /// Releases the connection pool. Calls made afterwards raise `ConfigError`.
            fn close(&self) {
                self.0.close();
            }
            /// The project id this client calls for.
            #[getter]
            fn project_id(&self, py: Python<'_>) -> PyResult<String> {
                self.0.with(py, |c| c.project_id().to_owned())
            }
            /// The normalised base URL, without a trailing `/`.
            #[getter]
            fn base_url(&self, py: Python<'_>) -> PyResult<String> {
                self.0.with(py, |c| c.base_url().to_owned())
            }
            /// The total timeout of one attempt, in seconds.
            #[getter]
            fn timeout(&self, py: Python<'_>) -> PyResult<f64> {
                self.0.with(py, |c| c.timeout().as_secs_f64())
            }
            /// How many times a request that certainly was not applied is retried.
            #[getter]
            fn max_retries(&self, py: Python<'_>) -> PyResult<u32> {
                self.0.with(py, |c| c.max_retries())
            }
            fn __repr__(&self, py: Python<'_>) -> String {
                self.0.repr(py, $name)
            }
        }
    };
}

client_class! {
    /// A Descope Management API client whose calls block the calling thread (with the GIL
    /// released, so other Python threads keep running).
    ///
    /// Unset `project_id`, `management_key` and `base_url` fall back to the environment
    /// variables `DESCOPE_PROJECT_ID`, `DESCOPE_MANAGEMENT_KEY` and `DESCOPE_BASE_URI`;
    /// unset `timeout` (seconds per attempt), `max_retries` and `max_connections` keep the
    /// core's defaults (60, 2, 64). Construction does no I/O. Thread-safe; usable as a
    /// context manager.
    "Client": PyClient;

    /// Rotates an access key: returns the key and its new secret (shown only once); the
    /// previous secret stops working. Never resent after it may have reached the server:
    /// such a failure is an `OutcomeUnknownError`. Ctrl-C after the request may have been
    /// sent lets the call finish, then raises `InterruptedAfterSend` carrying the result.
    fn rotate_access_key(
        &self,
        py: Python<'_>,
        id: &Bound<'_, PyAny>,
    ) -> PyResult<PyRotatedAccessKey> {
        let id = key_id(id)?;
        let client = self.0.for_call(py)?;
        let waited = wait(
            py,
            async move { client.rotate_access_key(&id).await },
            OnCancel::for_call(Call::RotateAccessKey),
        )?;
        deliver(py, waited, "rotate_access_key", PyRotatedAccessKey)
    }

    /// Uploads tenant OAuth tokens for outbound apps, all or nothing. `tokens` holds
    /// `TenantToken` objects or dicts (snake_case or camelCase keys). Raises
    /// `BatchRejectedError` (with `.failures`) when the server stored nothing.
    fn batch_upload_tenant_tokens(&self, py: Python<'_>, tokens: TokenList) -> PyResult<()> {
        let client = self.0.for_call(py)?;
        let tokens = tokens.0;
        // Safe to repeat: Ctrl-C abandons it at any point.
        let waited = wait(
            py,
            async move { upload_token_batch(&client, &tokens).await },
            OnCancel::for_call(Call::BatchUploadTenantTokens),
        )?;
        waited.outcome.map_err(|e| to_pyerr(py, &e))
    }

    /// Uploads any number of tenant OAuth tokens in chunks of `chunk_size` (1 to 100,000;
    /// default 1,000). `tokens` is any iterable of `TenantToken` objects or dicts; every
    /// one is checked (and every chunk's body written, so memory is about the input's JSON
    /// size) before the first request, so nothing is sent if any is bad. Chunks are sent
    /// in order, each all or nothing and safe to resend; `on_progress(UploadProgress)` is
    /// called after each committed chunk, and an exception it raises stops the upload
    /// (after that chunk) and propagates. A failing chunk stops the upload; its exception
    /// carries `committed`, `failed_chunk`, `failed_range` and `failure_indexes`.
    #[pyo3(signature = (tokens, *, chunk_size=1000, on_progress=None))]
    fn upload_tenant_tokens(
        &self,
        py: Python<'_>,
        tokens: &Bound<'_, PyAny>,
        chunk_size: i64,
        on_progress: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyUploadProgress> {
        let client = self.0.for_call(py)?;
        upload_blocking(py, client, tokens, chunk_size, on_progress)
    }

    /// Creates a dynamic registration template from `name` and keyword options (the core
    /// model's fields, snake_case or camelCase; `session_settings` is a `SessionSettings`
    /// or a dict). Never resent after it may have reached the server;
    /// Ctrl-C after that behaves as for `rotate_access_key`.
    #[pyo3(signature = (name, **options))]
    fn create_dcr_template<'py>(
        &self,
        py: Python<'py>,
        name: &Bound<'py, PyAny>,
        options: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<PyDcrTemplate> {
        let template = new_template(py, name, options)?;
        let client = self.0.for_call(py)?;
        let waited = wait(
            py,
            async move { client.create_dcr_template(&template).await },
            OnCancel::for_call(Call::CreateDcrTemplate),
        )?;
        deliver(py, waited, "create_dcr_template", PyDcrTemplate)
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    #[pyo3(signature = (exc_type, exc, tb))]
    fn __exit__(
        &self,
        exc_type: Option<&Bound<'_, PyAny>>,
        exc: Option<&Bound<'_, PyAny>>,
        tb: Option<&Bound<'_, PyAny>>,
    ) -> bool {
        let _ = (exc_type, exc, tb);
        self.0.close();
        false
    }
}

// ---------------------------------------------------------------------------------------

client_class! {
    /// The asyncio flavour of [`PyClient`]: the same methods, returning awaitables that
    /// behave as coroutines. The calls run on the library's own runtime threads, so the
    /// event loop keeps running meanwhile; results are handed back to the loop's thread in
    /// batches (see [`crate::asyncio`]).
    /// Usable as an async context manager.
    "AsyncClient": PyAsyncClient;

    /// Rotates an access key (see `Client.rotate_access_key`). Returns an awaitable.
    /// Cancelling it after the request may have reached the server does not abandon it:
    /// the rotated key is still returned (or the call's own error raised).
    fn rotate_access_key(&self, py: Python<'_>, id: &Bound<'_, PyAny>) -> AsyncCall {
        match key_id(id).and_then(|id| Ok((self.0.for_call(py)?, id))) {
            Ok((client, id)) => AsyncCall::new(
                move || async move { client.rotate_access_key(&id).await },
                rotated_to_py,
                OnCancel::for_call(Call::RotateAccessKey),
            ),
            Err(e) => AsyncCall::failed(e),
        }
    }

    /// Uploads tenant OAuth tokens, all or nothing (see `Client.batch_upload_tenant_tokens`).
    /// Returns an awaitable.
    fn batch_upload_tenant_tokens(&self, py: Python<'_>, tokens: TokenList) -> AsyncCall {
        let tokens = tokens.0;
        match self.0.for_call(py) {
            Ok(client) => AsyncCall::new(
                move || async move { upload_token_batch(&client, &tokens).await },
                none_to_py,
                // Safe to repeat: cancelling aborts it at any point.
                OnCancel::for_call(Call::BatchUploadTenantTokens),
            ),
            Err(e) => AsyncCall::failed(e),
        }
    }

    /// Uploads tokens in chunks (see `Client.upload_tenant_tokens`); `tokens` may also be
    /// an async iterable. Returns a coroutine; `on_progress` runs on the event loop.
    #[pyo3(signature = (tokens, *, chunk_size=1000, on_progress=None))]
    fn upload_tenant_tokens<'py>(
        &self,
        py: Python<'py>,
        tokens: &Bound<'py, PyAny>,
        chunk_size: i64,
        on_progress: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        upload_async(py, self.0.for_call(py), tokens, chunk_size, on_progress)
    }

    /// Creates a dynamic registration template (see `Client.create_dcr_template`).
    /// Returns an awaitable; cancelling it behaves as for `rotate_access_key`.
    #[pyo3(signature = (name, **options))]
    fn create_dcr_template<'py>(
        &self,
        py: Python<'py>,
        name: &Bound<'py, PyAny>,
        options: Option<&Bound<'py, PyDict>>,
    ) -> AsyncCall {
        let template = new_template(py, name, options);
        match template.and_then(|t| Ok((self.0.for_call(py)?, t))) {
            Ok((client, template)) => AsyncCall::new(
                move || async move { client.create_dcr_template(&template).await },
                template_to_py,
                OnCancel::for_call(Call::CreateDcrTemplate),
            ),
            Err(e) => AsyncCall::failed(e),
        }
    }

    async fn __aenter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (exc_type, exc, tb))]
    async fn __aexit__(
        &self,
        exc_type: Option<Py<PyAny>>,
        exc: Option<Py<PyAny>>,
        tb: Option<Py<PyAny>>,
    ) -> bool {
        drop((exc_type, exc, tb));
        self.0.close();
        false
    }
}
