//! The client: one keep-alive connection pool, the license handshake, and safe retries.

use std::fmt;
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{
    HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER,
};
use rustls::pki_types::CertificateDer;
use tokio::sync::{OnceCell, Semaphore};

use crate::call_meta::CallMeta;
use crate::call_options::CallOptions;
use crate::config::{is_loopback_url, ClientBuilder, Config, MAX_RESPONSE_HEADERS, VERSION};
use crate::error::{Error, ErrorCode, Result};
use crate::logs::{loggable, LogEvent, LogLevel, LogRecord};
use crate::request_ids::{CallIds, EXTERNAL_RID};
use crate::response::{error_from_status, parse_retry_after, Scrubber};
use crate::retry::{decide, Call, Observed, Safety};
use crate::runtime;
use crate::send_state::mark_sent;
use crate::token_batch::TokenBatch;

const LICENSE_PATH: &str = "/v1/mgmt/license";
static X_PROJECT_ID: HeaderName = HeaderName::from_static("x-descope-project-id");
static X_SDK_NAME: HeaderName = HeaderName::from_static("x-descope-sdk-name");
static X_SDK_VERSION: HeaderName = HeaderName::from_static("x-descope-sdk-version");
static X_LICENSE: HeaderName = HeaderName::from_static("x-descope-license");

/// A Descope Management API client.
///
/// Cheap to clone (clones share one connection pool) and safe to use from many threads
/// and tasks at once. Construction never touches the network.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    /// What a view made by [`Client::with_options`] overrides.
    call: Option<Arc<CallOptions>>,
}

/// The settings one call uses: the client's, with a view's overrides.
struct Settings<'a> {
    timeout: Duration,
    connect_timeout: Duration,
    max_retries: u32,
    max_retry_wait: Duration,
    external_request_id: Option<&'a str>,
    traceparent: Option<&'a str>,
    tracestate: Option<&'a str>,
}

impl Settings<'_> {
    /// The W3C trace context headers to send, if the call has one.
    fn trace_headers(&self) -> impl Iterator<Item = (&'static str, &str)> {
        let parent = self.traceparent.map(|v| ("traceparent", v));
        let state = self
            .traceparent
            .and(self.tracestate)
            .map(|v| ("tracestate", v));
        parent.into_iter().chain(state)
    }
}

struct Inner {
    config: Config,
    headers: HeaderMap,
    /// The connection pool of the current fork generation; see [`Client::transport`].
    transport: AtomicPtr<Transport>,
}

/// A connection pool and license cache, valid for one fork generation.
struct Transport {
    generation: usize,
    http: reqwest::Client,
    license: OnceCell<Option<HeaderValue>>,
    /// One permit per request in flight: bounds the sockets the client opens.
    slots: Semaphore,
}

/// One request of a call.
pub(crate) struct Request<'a> {
    /// The call's ids: its correlation id and the server's id of the last answer.
    pub ids: &'a CallIds,
    pub path: &'static str,
    /// The body, shared by every attempt (a clone is a reference count, not a copy).
    pub body: Bytes,
    pub safety: Safety,
    /// What the caller should do when the request may have been applied.
    pub unknown_outcome_hint: &'a str,
    /// The batch this call uploads, whose tokens must never be copied from an answer into
    /// an error (read only when an answer has text to scrub).
    pub batch: Option<&'a TokenBatch>,
    /// The access key id of a rotate, for the logs.
    pub key_id: Option<&'a str>,
}

/// Writes a request body. Serialising the request models cannot fail today; should a model
/// ever hold something JSON cannot express, the call fails before sending instead of
/// panicking (the serde message is left out: it could quote a value).
/// `capacity` is the expected size, so that a large body is written without regrowing.
pub(crate) fn json_body(value: &impl serde::Serialize, capacity: usize) -> Result<Bytes> {
    let mut body = Vec::with_capacity(capacity);
    serde_json::to_writer(&mut body, value).map_err(|_| {
        Error::invalid_argument("the request could not be written as JSON; nothing was sent")
    })?;
    Ok(body.into())
}

/// A 2xx answer.
pub(crate) struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    /// The attempts the call took and its time (set once the call ends).
    pub attempts: u32,
    pub elapsed: Duration,
}

impl Answer {
    /// The result metadata of the call this answer ends.
    pub fn meta(&self, ids: &CallIds) -> CallMeta {
        CallMeta {
            request_id: ids.request_id(),
            external_request_id: ids.external().to_owned(),
            status: self.status,
            attempts: self.attempts,
            elapsed: self.elapsed,
        }
    }
}

impl Client {
    /// Starts building a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Builds a client from `DESCOPE_PROJECT_ID`, `DESCOPE_MANAGEMENT_KEY` and, when set,
    /// `DESCOPE_BASE_URI`. A missing variable is a `CONFIG` error naming it.
    pub fn from_env() -> Result<Client> {
        ClientBuilder::default().build()
    }

    pub(crate) fn from_config(config: Config) -> Result<Client> {
        let mut headers = HeaderMap::with_capacity(6);
        let mut auth = HeaderValue::from_str(&format!(
            "Bearer {}:{}",
            config.project_id,
            config.management_key.expose()
        ))
        .map_err(|_| Error::config("the project id or management key has invalid characters"))?;
        auth.set_sensitive(true);
        headers.insert(AUTHORIZATION, auth);
        headers.insert(
            X_PROJECT_ID.clone(),
            HeaderValue::from_str(&config.project_id)
                .map_err(|_| Error::config("the project id has invalid characters"))?,
        );
        headers.insert(
            X_SDK_NAME.clone(),
            HeaderValue::from_str(&config.sdk_name)
                .map_err(|_| Error::config("bad binding name"))?,
        );
        headers.insert(X_SDK_VERSION.clone(), HeaderValue::from_static(VERSION));
        Ok(Client {
            inner: Arc::new(Inner {
                config,
                headers,
                transport: AtomicPtr::new(ptr::null_mut()),
            }),
            call: None,
        })
    }

    /// This client with `call` overriding its settings, sharing its pool.
    pub(crate) fn view(&self, call: Arc<CallOptions>) -> Client {
        Client {
            inner: self.inner.clone(),
            call: Some(call),
        }
    }

    /// What this client overrides, when it is a view made by [`Client::with_options`].
    pub fn call_options(&self) -> Option<&CallOptions> {
        self.call.as_deref()
    }

    /// The settings a call uses.
    fn settings(&self) -> Settings<'_> {
        let c = &self.inner.config;
        let o = self.call.as_deref();
        Settings {
            timeout: o.and_then(|o| o.timeout).unwrap_or(c.timeout),
            connect_timeout: o
                .and_then(|o| o.connect_timeout)
                .unwrap_or(c.connect_timeout),
            max_retries: o.and_then(|o| o.max_retries).unwrap_or(c.max_retries),
            max_retry_wait: o.and_then(|o| o.max_retry_wait).unwrap_or(c.max_retry_wait),
            external_request_id: o.and_then(|o| o.external_request_id.as_deref()),
            traceparent: o.and_then(|o| o.traceparent.as_deref()),
            tracestate: o.and_then(|o| o.tracestate.as_deref()),
        }
    }

    /// Fresh ids for one call of `call` (with a view's correlation id, if it sets one).
    pub(crate) fn call_ids(&self, call: Call) -> CallIds {
        match self.settings().external_request_id {
            Some(id) => CallIds::with_external(call, id.to_owned()),
            None => CallIds::new(call),
        }
    }

    /// The project id this client calls for.
    pub fn project_id(&self) -> &str {
        &self.inner.config.project_id
    }

    /// The normalised base URL, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.inner.config.base_url
    }

    /// The `x-descope-sdk-name` this client sends, e.g. `descope-mgmt-python`.
    pub fn sdk_name(&self) -> &str {
        &self.inner.config.sdk_name
    }

    /// The total timeout of one attempt.
    pub fn timeout(&self) -> Duration {
        self.settings().timeout
    }

    /// How many times a request that certainly was not applied is retried.
    pub fn max_retries(&self) -> u32 {
        self.settings().max_retries
    }

    /// The transport of the current fork generation, built on first use and rebuilt in a
    /// forked child. A transport of an older generation is leaked on purpose: its
    /// connections belong to a runtime whose threads did not survive the fork.
    fn transport(&self) -> Result<&Transport> {
        let generation = runtime::generation();
        let current = self.inner.transport.load(Ordering::Acquire);
        // SAFETY: a published transport is freed only when `Inner` drops, which cannot
        // happen while `&self` is borrowed.
        if let Some(t) = unsafe { current.as_ref() } {
            if t.generation == generation {
                return Ok(t);
            }
        }
        let fresh = Box::into_raw(Box::new(Transport::new(&self.inner.config, generation)?));
        match self.inner.transport.compare_exchange(
            current,
            fresh,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            // SAFETY: `fresh` is now published and lives as long as `Inner`.
            Ok(_) => Ok(unsafe { &*fresh }),
            Err(winner) => {
                // SAFETY: `fresh` was never published.
                drop(unsafe { Box::from_raw(fresh) });
                // SAFETY: as above, `winner` lives as long as `Inner`.
                Ok(unsafe { &*winner })
            }
        }
    }

    /// The `rateLimitTier` from `GET /v1/mgmt/license`, fetched once per client before
    /// its first call, with a short timeout. A failure is cached as "unknown" and ignored.
    async fn license(&self, transport: &Transport) -> Option<HeaderValue> {
        transport
            .license
            .get_or_init(|| async {
                // The handshake counts against the connection limit like any request.
                let _slot = transport.slots.acquire().await.ok()?;
                let url = format!("{}{LICENSE_PATH}", self.inner.config.base_url);
                let resp = transport
                    .http
                    .get(url)
                    .headers(self.inner.headers.clone())
                    .timeout(self.inner.config.license_timeout)
                    .send()
                    .await
                    .ok()?;
                if !resp.status().is_success() {
                    return None;
                }
                #[derive(serde::Deserialize)]
                #[serde(rename_all = "camelCase")]
                struct License {
                    rate_limit_tier: Option<String>,
                }
                let body = resp.bytes().await.ok()?;
                let tier = serde_json::from_slice::<License>(&body)
                    .ok()?
                    .rate_limit_tier?;
                HeaderValue::from_str(&tier)
                    .ok()
                    .filter(|_| !tier.is_empty())
            })
            .await
            .clone()
    }

    /// Sends a POST with safe retries and returns its 2xx answer, or the typed error
    /// (carrying the call's ids once a request was attempted).
    pub(crate) async fn post(&self, request: Request<'_>) -> Result<Answer> {
        let started = Instant::now();
        let mut attempts = 0u32;
        let result = self
            .post_attempts(&request, &mut attempts)
            .await
            .map(|mut answer| {
                answer.attempts = attempts;
                answer.elapsed = started.elapsed();
                answer
            })
            .map_err(|e| request.ids.attach(e));
        let logs = &self.inner.config.logs;
        let level = if result.is_ok() {
            LogLevel::Info
        } else {
            LogLevel::Error
        };
        if logs.enabled(level) {
            let mut r = self.log_record(&request, level, LogEvent::Call, attempts, started);
            match &result {
                Ok(answer) => r.status = Some(answer.status),
                Err(e) => {
                    r.status = e.status();
                    r.code = Some(e.code());
                    r.descope_code = e.descope_code().and_then(|c| loggable(c, 32));
                }
            }
            logs.emit(r);
        }
        result
    }

    /// A log record of `request` with the fields every record has.
    fn log_record(
        &self,
        request: &Request<'_>,
        level: LogLevel,
        event: LogEvent,
        attempt: u32,
        since: Instant,
    ) -> LogRecord {
        LogRecord {
            level,
            event,
            call: request.ids.call().name(),
            method: "POST",
            path: request.path,
            status: None,
            code: None,
            descope_code: None,
            attempt,
            retry_in_ms: None,
            elapsed_ms: since.elapsed().as_millis().try_into().unwrap_or(u64::MAX),
            request_id: request.ids.request_id(),
            external_request_id: request.ids.external().to_owned(),
            key_id: request.key_id.and_then(|k| loggable(k, 128)),
            header_names: Vec::new(),
            body_bytes: None,
            hook: None,
        }
    }

    /// Whether a record of `level` about `event` is wanted by the logs or a hook (checked
    /// before one is built: with neither, a call builds no record at all).
    fn observing(&self, level: LogLevel, event: LogEvent) -> bool {
        let c = &self.inner.config;
        c.logs.enabled(level) || c.hooks.wants(event)
    }

    /// Hands `record` to its hook, then to the logs.
    fn observe(&self, record: LogRecord) {
        let c = &self.inner.config;
        c.hooks.run(&record, &c.logs);
        c.logs.emit(record);
    }

    async fn post_attempts(&self, request: &Request<'_>, attempts: &mut u32) -> Result<Answer> {
        let config = &self.inner.config;
        let settings = self.settings();
        let started = Instant::now();
        let transport = self.transport()?;
        let license = self.license(transport).await;
        let url = format!("{}{}", config.base_url, request.path);
        let mut attempt = 0u32;
        loop {
            *attempts = attempt + 1;
            let sent_at = Instant::now();
            if self.observing(LogLevel::Debug, LogEvent::Request) {
                let mut r = self.log_record(
                    request,
                    LogLevel::Debug,
                    LogEvent::Request,
                    attempt + 1,
                    sent_at,
                );
                r.header_names = self
                    .inner
                    .headers
                    .keys()
                    .map(|k| k.as_str().to_owned())
                    .chain(["content-type".to_owned(), EXTERNAL_RID.to_owned()])
                    .chain(license.as_ref().map(|_| X_LICENSE.as_str().to_owned()))
                    .chain(settings.trace_headers().map(|(name, _)| name.to_owned()))
                    .collect();
                r.body_bytes = Some(request.body.len());
                self.observe(r);
            }
            let outcome = self
                .send_once(transport, &url, request, license.as_ref(), &settings)
                .await;
            if let (true, Outcome::Answer { status, body, .. }) = (
                self.observing(LogLevel::Debug, LogEvent::Response),
                &outcome,
            ) {
                let mut r = self.log_record(
                    request,
                    LogLevel::Debug,
                    LogEvent::Response,
                    attempt + 1,
                    sent_at,
                );
                r.status = Some(*status);
                r.body_bytes = Some(body.len());
                self.observe(r);
            }
            let observed = match &outcome {
                Outcome::Answer {
                    status,
                    retry_after,
                    ..
                } => Observed::Status {
                    status: *status,
                    retry_after: *retry_after,
                },
                Outcome::NotSent { .. } => Observed::NotSent,
                Outcome::MaybeSent { timed_out, .. } => Observed::MaybeSent {
                    timed_out: *timed_out,
                },
                Outcome::Failed(_) => {
                    return outcome.finish(
                        config,
                        settings.timeout,
                        request,
                        &self.scrubber(request),
                    )
                }
            };
            match decide(
                observed,
                request.safety,
                attempt,
                settings.max_retries,
                settings.max_retry_wait,
            ) {
                Some(delay) => {
                    if self.observing(LogLevel::Warn, LogEvent::Retry) {
                        let mut r = self.log_record(
                            request,
                            LogLevel::Warn,
                            LogEvent::Retry,
                            attempt + 1,
                            started,
                        );
                        r.retry_in_ms = Some(delay.as_millis().try_into().unwrap_or(u64::MAX));
                        match &outcome {
                            Outcome::Answer { status, .. } => r.status = Some(*status),
                            Outcome::NotSent { timed_out, .. }
                            | Outcome::MaybeSent { timed_out, .. } => {
                                r.code = Some(if *timed_out {
                                    ErrorCode::Timeout
                                } else {
                                    ErrorCode::Connection
                                });
                            }
                            Outcome::Failed(_) => {}
                        }
                        self.observe(r);
                    }
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                None => {
                    return outcome.finish(
                        config,
                        settings.timeout,
                        request,
                        &self.scrubber(request),
                    )
                }
            }
        }
    }

    /// Everything secret this call knows, to be removed from server text in errors.
    fn scrubber<'s>(&'s self, request: &'s Request<'_>) -> Scrubber<'s> {
        self.scrubber_for(request.batch)
    }

    /// A scrubber for the management key and the tokens of `batch`.
    pub(crate) fn scrubber_for<'s>(&'s self, batch: Option<&'s TokenBatch>) -> Scrubber<'s> {
        Scrubber::new([self.inner.config.management_key.expose()]).with_batch(batch)
    }

    async fn send_once(
        &self,
        transport: &Transport,
        url: &str,
        request: &Request<'_>,
        license: Option<&HeaderValue>,
        settings: &Settings<'_>,
    ) -> Outcome {
        let mut headers = self.inner.headers.clone();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(l) = license {
            headers.insert(X_LICENSE.clone(), l.clone());
        }
        // Queue for a slot first: until a slot is free nothing is sent, so cancelling is clean.
        let Ok(_slot) = transport.slots.acquire().await else {
            return Outcome::Failed(Error::config("the client's connection slots were closed"));
        };
        headers.insert(
            EXTERNAL_RID,
            HeaderValue::from_str(request.ids.external()).expect("a UUID is a valid header value"),
        );
        for (name, value) in settings.trace_headers() {
            // Checked by `CallOptions`: always a valid header value.
            if let Ok(v) = HeaderValue::from_str(value) {
                headers.insert(name, v);
            }
        }
        request.ids.attempting();
        mark_sent();
        let sent = crate::network::with_connect_timeout(
            settings.connect_timeout,
            transport
                .http
                .post(url)
                .timeout(settings.timeout)
                .headers(headers)
                .body(request.body.clone())
                .send(),
        )
        .await;
        let mut resp = match sent {
            Ok(r) => r,
            Err(e) => return Outcome::from_transport_error(e),
        };
        request.ids.answered(resp.headers());
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let cap = self.inner.config.max_response_bytes;
        if resp.content_length().is_some_and(|n| n > cap as u64) {
            return Outcome::Failed(too_large(status, cap));
        }
        let mut body =
            Vec::with_capacity(resp.content_length().unwrap_or(256).min(1 << 20) as usize);
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > cap {
                        return Outcome::Failed(too_large(status, cap));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Outcome::from_transport_error(e),
            }
        }
        Outcome::Answer {
            status,
            retry_after,
            body,
        }
    }
}

fn too_large(status: u16, cap: usize) -> Error {
    Error::new(
        ErrorCode::Decode,
        format!(
            "HTTP {status} with a body larger than the {cap}-byte limit; the call may have been applied"
        ),
    )
    .with_status(status)
}

/// The result of one attempt.
enum Outcome {
    Answer {
        status: u16,
        retry_after: Option<Duration>,
        body: Vec<u8>,
    },
    NotSent {
        timed_out: bool,
        source: reqwest::Error,
    },
    MaybeSent {
        timed_out: bool,
        source: reqwest::Error,
    },
    Failed(Error),
}

impl Outcome {
    fn from_transport_error(e: reqwest::Error) -> Outcome {
        let timed_out = e.is_timeout();
        if e.is_connect() {
            Outcome::NotSent {
                timed_out,
                source: e.without_url(),
            }
        } else {
            Outcome::MaybeSent {
                timed_out,
                source: e.without_url(),
            }
        }
    }

    fn finish(
        self,
        config: &Config,
        timeout: Duration,
        request: &Request<'_>,
        scrubber: &Scrubber<'_>,
    ) -> Result<Answer> {
        match self {
            Outcome::Answer { status, body, .. } if (200..300).contains(&status) => {
                Ok(Answer {
                    status,
                    body,
                    attempts: 0,
                    elapsed: Duration::ZERO,
                })
            }
            Outcome::Answer { status, retry_after, body } => Err(error_from_status(
                status,
                retry_after,
                &body,
                request.safety,
                request.unknown_outcome_hint,
                scrubber,
            )),
            Outcome::NotSent { timed_out: true, source } => Err(Error::new(
                ErrorCode::Timeout,
                format!(
                    "timed out connecting to {}; nothing was sent, so it is safe to try again",
                    config.base_url
                ),
            )
            .with_source(source)),
            Outcome::NotSent { timed_out: false, source } => Err(Error::new(
                ErrorCode::Connection,
                format!(
                    "could not connect to {} ({}); nothing was sent, so it is safe to try again. Check the base URL and the network",
                    config.base_url,
                    root_cause(&source)
                ),
            )
            .with_source(source)),
            Outcome::MaybeSent { timed_out, source } => {
                let what = if timed_out {
                    format!("no answer within the {timeout:?} timeout")
                } else {
                    format!("the connection failed after the request was sent ({})", root_cause(&source))
                };
                Err(Error::new(
                    ErrorCode::OutcomeUnknown,
                    format!("{what}; the call may have been applied. {}", request.unknown_outcome_hint),
                )
                .with_source(source))
            }
            Outcome::Failed(e) => Err(e),
        }
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

impl Transport {
    fn new(config: &Config, generation: usize) -> Result<Transport> {
        let mut builder = reqwest::Client::builder()
            .timeout(config.timeout)
            .connector_layer(crate::network::ConnectTimeoutLayer::new(
                config.connect_timeout,
            ))
            .pool_idle_timeout(Duration::from_secs(60))
            .tcp_nodelay(true)
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(config.max_connections)
            .http1_max_headers(MAX_RESPONSE_HEADERS)
            .http1_ignore_invalid_headers_in_responses(true)
            .user_agent(format!("{}/{}", config.sdk_name, VERSION));
        if config.base_url.starts_with("https:") {
            builder = builder.tls_backend_preconfigured(tls_config(config.network.extra_roots())?);
        } else {
            // Plain http (loopback only): no TLS, so no need for the system's trust store.
            builder = builder.tls_backend_preconfigured(no_roots_tls_config()?);
        }
        // Loopback traffic never goes through a proxy.
        builder = config
            .network
            .apply_proxy(builder, is_loopback_url(&config.base_url))?;
        let http = builder.build().map_err(|e| {
            Error::config(format!("cannot set up the HTTP client: {}", root_cause(&e)))
        })?;
        Ok(Transport {
            generation,
            http,
            license: OnceCell::new(),
            slots: Semaphore::new(config.max_connections),
        })
    }
}

fn crypto_provider() -> Arc<rustls::crypto::CryptoProvider> {
    rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()))
}

/// The TLS settings of an https client: the host application's default rustls crypto
/// provider (else ring), the operating system's trust store through
/// rustls-platform-verifier plus `extra_roots` (a configured CA bundle), and HTTP/1.1 ALPN.
/// Loading the system's root certificates costs tens of milliseconds, so the setup without
/// extra roots is built once per process; a failure is reported and tried again on the next
/// client.
fn tls_config(extra_roots: &[CertificateDer<'static>]) -> Result<rustls::ClientConfig> {
    static TLS: OnceLock<rustls::ClientConfig> = OnceLock::new();
    if extra_roots.is_empty() {
        if let Some(tls) = TLS.get() {
            return Ok(tls.clone());
        }
    }
    let provider = crypto_provider();
    let verifier =
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra_roots.to_vec(), provider.clone())
            .map_err(|e| {
                Error::config(format!(
                    "cannot load the system's trusted root certificates ({e}); install the CA certificates package"
                ))
            })?;
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::config(format!("cannot set up TLS: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    if !extra_roots.is_empty() {
        return Ok(tls);
    }
    Ok(TLS.get_or_init(|| tls).clone())
}

/// A TLS setup that trusts nothing, for clients whose base URL is plain http.
fn no_roots_tls_config() -> Result<rustls::ClientConfig> {
    Ok(
        rustls::ClientConfig::builder_with_provider(crypto_provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::config(format!("cannot set up TLS: {e}")))?
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth(),
    )
}

impl Drop for Inner {
    fn drop(&mut self) {
        let p = *self.transport.get_mut();
        if p.is_null() {
            return;
        }
        // SAFETY: `p` was published from a Box and nothing else can reach it now.
        let t = unsafe { Box::from_raw(p) };
        if t.generation != runtime::generation() {
            // Belongs to a parent process's runtime: leak rather than touch it.
            std::mem::forget(t);
        }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("project_id", &self.inner.config.project_id)
            .field("management_key", &"[REDACTED]")
            .field("base_url", &self.inner.config.base_url)
            .field("sdk_name", &self.inner.config.sdk_name)
            .field("timeout", &self.timeout())
            .field("max_retries", &self.max_retries())
            .field("call_options", &self.call)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_is_send_sync_and_debug_is_redacted() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Client>();
        let c = Client::builder()
            .ignore_env()
            .project_id("P2x")
            .management_key("K2topsecret")
            .base_url("http://127.0.0.1:1")
            .build()
            .unwrap();
        let dbg = format!("{c:?}");
        assert!(
            !dbg.contains("topsecret"),
            "Debug output shows the management key"
        );
        assert!(dbg.contains("P2x"));
    }
}
