//! `Client`: the three Management API calls, each returning a promise.

use std::sync::Arc;

use descope_mgmt::bindings::{upload_token_batch, Call, TokenChunks};
use descope_mgmt::hooks::HookQueue;
use descope_mgmt::logs::LogQueue;
use napi::bindgen_prelude::{External, Object, Unknown};
use napi::{Env, Result};
use napi_derive::napi;

use crate::abort::{gate_arg, guard};
use crate::arguments;
use crate::promise::spawn_call;
use crate::rotated_access_key::RotatedExternal;

/// A Descope Management API client. Construction does no I/O; calls share one
/// connection pool and run on the core's runtime, never blocking the event loop.
#[napi]
pub struct Client {
    inner: descope_mgmt::Client,
    logs: Arc<LogQueue>,
    /// The events of the hooks `index.js` holds, when it holds any.
    events: Option<Arc<HookQueue>>,
}

#[napi]
impl Client {
    /// Creates a client. Options that are not passed fall back to `DESCOPE_PROJECT_ID`,
    /// `DESCOPE_MANAGEMENT_KEY` and `DESCOPE_BASE_URI`; a missing one is a `CONFIG` error.
    #[napi(
        constructor,
        catch_unwind,
        ts_args_type = "options?: ClientOptions | undefined | null"
    )]
    pub fn new(options: Option<Unknown<'_>>, hook_events: Option<Vec<String>>) -> Result<Self> {
        let (inner, logs, events) =
            arguments::client(options, hook_events.as_deref().unwrap_or_default())?;
        Ok(Client {
            inner,
            logs,
            events,
        })
    }

    /// A view of this client whose calls use these settings over the client's, sharing its
    /// connection pool and its log records (see `Client.withOptions` in `index.js`).
    #[napi(catch_unwind, skip_typescript)]
    pub fn with_options(&self, options: Option<Unknown<'_>>) -> Result<Client> {
        Ok(Client {
            inner: arguments::view(&self.inner, options)?,
            logs: self.logs.clone(),
            events: self.events.clone(),
        })
    }

    /// This client for one call that sends the active OpenTelemetry context (`index.js`
    /// reads it), unless it is a view with its own `traceparent`, or the context is not a
    /// valid W3C one (never fails a call).
    #[napi(catch_unwind, skip_typescript)]
    pub fn with_trace_context(&self, traceparent: String, tracestate: Option<String>) -> Client {
        let explicit = self
            .inner
            .call_options()
            .is_some_and(|o| o.traceparent.is_some());
        let traced = (!explicit)
            .then(|| {
                self.inner
                    .with_options(
                        descope_mgmt::CallOptions::new().trace_context(traceparent, tracestate),
                    )
                    .ok()
            })
            .flatten();
        Client {
            inner: traced.unwrap_or_else(|| self.inner.clone()),
            logs: self.logs.clone(),
            events: self.events.clone(),
        }
    }

    /// The events of finished calls for the hooks `index.js` holds, oldest first:
    /// `{ hook, event, failedLine }` (`event` in camelCase, as hooks receive it;
    /// `failedLine` is what the logger gets when the hook throws).
    #[napi(catch_unwind, skip_typescript)]
    pub fn drain_events(&self) -> Vec<serde_json::Value> {
        let Some(q) = &self.events else {
            return Vec::new();
        };
        q.drain()
            .iter()
            .map(|e| {
                let failed = descope_mgmt::hooks::hook_failed(e);
                serde_json::json!({
                    "hook": match e.event {
                        descope_mgmt::logs::LogEvent::Request => "onRequest",
                        descope_mgmt::logs::LogEvent::Response => "onResponse",
                        _ => "onRetry",
                    },
                    "event": crate::logs::to_js(e)["fields"],
                    "failedLine": failed.line(),
                    "failedFields": crate::logs::to_js(&failed)["fields"],
                })
            })
            .collect()
    }

    /// The log records of finished calls, oldest first (for `index.js`, which hands them to
    /// the logger on the JavaScript thread); empty when logging is off.
    #[napi(catch_unwind, skip_typescript)]
    pub fn drain_logs(&self) -> Vec<serde_json::Value> {
        self.logs.drain().iter().map(crate::logs::to_js).collect()
    }

    /// The project id in use.
    #[napi(getter, catch_unwind)]
    pub fn project_id(&self) -> String {
        self.inner.project_id().to_owned()
    }

    /// The base URL in use (explicit, from `DESCOPE_BASE_URI`, or derived from the project id).
    #[napi(getter, catch_unwind)]
    pub fn base_url(&self) -> String {
        self.inner.base_url().to_owned()
    }

    /// Rotates an access key: resolves with its new secret, shown once; the previous secret
    /// stops working. Never retried once it may have reached the server: such a failure
    /// is `OUTCOME_UNKNOWN`. `options.signal` aborts it only while nothing can have been
    /// sent; after that the call finishes and settles with its outcome.
    #[napi(
        catch_unwind,
        ts_args_type = "id: string, options?: RequestOptions | null",
        ts_return_type = "Promise<RotatedAccessKey>"
    )]
    pub fn rotate_access_key<'env>(
        &self,
        env: &'env Env,
        id: Option<Unknown<'_>>,
        gate: Option<Unknown<'_>>,
    ) -> Result<Object<'env>> {
        let id = arguments::access_key_id_js(id)?;
        let gate = gate_arg(gate)?;
        let client = self.inner.clone();
        spawn_call(
            env,
            guard(gate, Call::RotateAccessKey, async move {
                client.rotate_access_key(&id).await
            }),
            |rotated| Ok(RotatedExternal::new(rotated)),
        )
    }

    /// Uploads tenant OAuth tokens for outbound apps, all or nothing, at most 100,000 per
    /// call. Invalid items are one `INVALID_ARGUMENT` error (nothing sent); items the server
    /// refuses are one `BATCH_REJECTED` error listing `failures` (nothing stored). Safe to
    /// repeat, so `options.signal` aborts it at any time (the request in flight is dropped).
    #[napi(
        catch_unwind,
        ts_args_type = "tokens: Array<TenantToken>, options?: RequestOptions | null",
        ts_return_type = "Promise<void>"
    )]
    pub fn batch_upload_tenant_tokens<'env>(
        &self,
        env: &'env Env,
        tokens: Option<Unknown<'_>>,
        gate: Option<Unknown<'_>>,
    ) -> Result<Object<'env>> {
        let tokens = arguments::tenant_tokens_js(tokens)?;
        let gate = gate_arg(gate)?;
        let client = self.inner.clone();
        spawn_call(
            env,
            guard(gate, Call::BatchUploadTenantTokens, async move {
                upload_token_batch(&client, &tokens).await
            }),
            |()| Ok(()),
        )
    }

    /// `batchUploadTenantTokens` for `index.js`: `json` is `JSON.stringify(tokens)`, made
    /// by V8's serializer once `index.js` checked that `tokens` is an array of plain objects
    /// holding only JSON values. Parsing it is much cheaper than reading the array property
    /// by property. If `json` does not decode into tokens (an invalid item, a string with a
    /// lone surrogate) or may not be faithful (a polluted `toJSON`), `tokens` is converted
    /// the usual way, so errors are the same as `batchUploadTenantTokens`'s. `gate` is the
    /// call's abort gate or `null`.
    #[napi(catch_unwind, skip_typescript)]
    pub fn batch_upload_tenant_tokens_json<'env>(
        &self,
        env: &'env Env,
        json: String,
        tokens: Unknown<'_>,
        gate: Option<Unknown<'_>>,
    ) -> Result<Object<'env>> {
        // A `toJSON` reachable from the array (one added to `Array.prototype` or
        // `Object.prototype`) made `json` something else than the tokens: read them.
        // Any failure re-reads the array itself, for the same errors as the other path.
        let tokens = match arguments::json_is_faithful(&tokens)?
            .then(|| arguments::tenant_tokens_json(&json))
            .flatten()
        {
            Some(converted) => converted?,
            None => arguments::tenant_tokens_js(Some(tokens))?,
        };
        let gate = gate_arg(gate)?;
        let client = self.inner.clone();
        spawn_call(
            env,
            guard(gate, Call::BatchUploadTenantTokens, async move {
                upload_token_batch(&client, &tokens).await
            }),
            |()| Ok(()),
        )
    }

    /// `uploadTenantTokens` for `index.js`, step one: every token of `tokens` (an array
    /// collected from the caller's iterable) checked and written as chunks of `chunkSize`
    /// before anything is sent; `json` is `JSON.stringify(tokens)` when `index.js` found
    /// plain JSON data (see `batchUploadTenantTokensJson`), else `null`. Throws the
    /// `INVALID_ARGUMENT` error (naming each `tokens[i]`) or `TypeError`.
    #[napi(catch_unwind, skip_typescript)]
    pub fn prepare_tenant_token_chunks(
        &self,
        json: Option<String>,
        tokens: Unknown<'_>,
        chunk_size: f64,
    ) -> Result<External<Arc<TokenChunks>>> {
        let chunks = arguments::tenant_token_chunks(json.as_deref(), tokens, chunk_size)?;
        Ok(External::new(Arc::new(chunks)))
    }

    /// `uploadTenantTokens` for `index.js`, step two: uploads chunk `index` (all or
    /// nothing, safe to resend) and resolves with the progress after it
    /// (`{ tokensDone, tokensTotal, chunksDone, chunksTotal }`), or rejects with the chunk's
    /// error, whose message says what was committed before it. `gate` is the chunk's abort
    /// gate or `null` (a chunk is a batch upload: abortable at any time).
    #[napi(catch_unwind, skip_typescript)]
    pub fn upload_tenant_token_chunk<'env>(
        &self,
        env: &'env Env,
        chunks: &External<Arc<TokenChunks>>,
        index: u32,
        gate: Option<Unknown<'_>>,
    ) -> Result<Object<'env>> {
        let chunks: Arc<TokenChunks> = Arc::clone(chunks);
        let index = index as usize;
        if index >= chunks.len() {
            return Err(crate::errors::invalid_argument("no such chunk"));
        }
        let gate = gate_arg(gate)?;
        let client = self.inner.clone();
        spawn_call(
            env,
            guard(gate, Call::BatchUploadTenantTokens, async move {
                chunks
                    .upload_chunk(&client, index)
                    .await
                    .map_err(descope_mgmt::Error::from)
            }),
            |p| {
                Ok(serde_json::json!({
                    "tokensDone": p.tokens_done,
                    "tokensTotal": p.tokens_total,
                    "chunksDone": p.chunks_done,
                    "chunksTotal": p.chunks_total,
                }))
            },
        )
    }

    /// Creates a dynamic client registration (DCR) template. Never retried once it may have
    /// reached the server (that could create a duplicate): such a failure is `OUTCOME_UNKNOWN`.
    /// `options.signal` aborts it only while nothing can have been sent; after that the call
    /// finishes and settles with its outcome.
    #[napi(
        catch_unwind,
        ts_args_type = "template: NewDcrTemplate, options?: RequestOptions | null",
        ts_return_type = "Promise<DcrTemplate>"
    )]
    pub fn create_dcr_template<'env>(
        &self,
        env: &'env Env,
        template: Option<Unknown<'_>>,
        gate: Option<Unknown<'_>>,
    ) -> Result<Object<'env>> {
        let template = arguments::new_dcr_template_js(template)?;
        let gate = gate_arg(gate)?;
        let client = self.inner.clone();
        spawn_call(
            env,
            guard(gate, Call::CreateDcrTemplate, async move {
                client.create_dcr_template(&template).await
            }),
            // `index.js` makes `meta` a non-enumerable property of the template.
            |created| {
                Ok(serde_json::json!({
                    "template": created.to_json(),
                    "meta": crate::call_meta::to_js(&created.meta),
                }))
            },
        )
    }
}
