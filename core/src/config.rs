//! Client configuration: settings, environment fallbacks and base-URL derivation.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::hooks::Hooks;
use crate::logs::{LogLevel, LogSink, Logs, TracingSink, ENV_LOG};
use crate::network::{Network, NetworkOptions};
use crate::secret::Secret;

/// Environment variable holding the project id.
pub const ENV_PROJECT_ID: &str = "DESCOPE_PROJECT_ID";
/// Environment variable holding the management key.
pub const ENV_MANAGEMENT_KEY: &str = "DESCOPE_MANAGEMENT_KEY";
/// Environment variable overriding the base URL.
pub const ENV_BASE_URI: &str = "DESCOPE_BASE_URI";

/// Total time allowed for one attempt of a call, as in the official SDKs.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Time allowed to establish a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Automatic retries of a request that certainly was not applied.
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// The largest `max_retries` accepted.
pub const MAX_RETRIES: u32 = 10;
/// The longest `Retry-After` a 429 may ask for and still be waited on automatically.
pub const DEFAULT_MAX_RETRY_WAIT: Duration = Duration::from_secs(10);
/// Time allowed for the one-off license handshake before the first call.
pub const DEFAULT_LICENSE_TIMEOUT: Duration = Duration::from_secs(2);
/// Largest response body accepted.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;
/// Requests one client runs at once unless configured; more calls wait for a free slot
/// instead of failing when the process runs out of file descriptors. Idle keep-alive
/// connections are capped at the same number, so a client holds at most about twice this
/// many sockets (a connection whose request just ended may briefly be on its way back to
/// the pool while a queued call opens a new one).
pub const DEFAULT_MAX_CONNECTIONS: usize = 64;
/// The largest `max_connections` accepted.
pub const MAX_CONNECTIONS: usize = 4096;
/// Response headers accepted in one answer (hyper's default of 100 would turn a
/// header-heavy 200 into a lost answer).
pub const MAX_RESPONSE_HEADERS: usize = 1024;
/// The longest timeout accepted.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);
/// This library's version, sent as `x-descope-sdk-version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Builds a [`Client`](crate::Client). Unset values fall back to the environment
/// (`DESCOPE_PROJECT_ID`, `DESCOPE_MANAGEMENT_KEY`, `DESCOPE_BASE_URI`).
#[derive(Clone, Default)]
pub struct ClientBuilder {
    project_id: Option<String>,
    management_key: Option<Secret>,
    base_url: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    max_retries: Option<u32>,
    max_retry_wait: Option<Duration>,
    license_timeout: Option<Duration>,
    max_response_bytes: Option<usize>,
    max_connections: Option<usize>,
    network: NetworkOptions,
    log_level: Option<String>,
    log_sink: Option<Arc<dyn LogSink>>,
    hooks: Hooks,
    binding: Option<String>,
    ignore_env: bool,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("project_id", &self.project_id)
            .field("management_key", &self.management_key)
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("network", &self.network)
            .field("log_level", &self.log_level)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Sets the Descope project id.
    pub fn project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    /// Sets the management key (kept as a [`Secret`]).
    pub fn management_key(mut self, key: impl Into<Secret>) -> Self {
        self.management_key = Some(key.into());
        self
    }

    /// Sets the base URL, e.g. `https://api.descope.com` or a custom domain. `http://` is
    /// accepted only for loopback hosts.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Sets the total timeout of one attempt (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets the connect timeout (default 10 s, capped by the total timeout).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Sets how many times a request that certainly was not applied is retried (default 2).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = Some(retries);
        self
    }

    /// Sets the longest `Retry-After` that is waited on automatically (default 10 s).
    pub fn max_retry_wait(mut self, wait: Duration) -> Self {
        self.max_retry_wait = Some(wait);
        self
    }

    /// Sets the timeout of the license handshake (default 2 s).
    pub fn license_timeout(mut self, timeout: Duration) -> Self {
        self.license_timeout = Some(timeout);
        self
    }

    /// Sets the largest response body accepted (default 16 MiB).
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = Some(bytes);
        self
    }

    /// Sets how many requests this client runs at once, which bounds its open sockets
    /// (default [`DEFAULT_MAX_CONNECTIONS`], at most [`MAX_CONNECTIONS`]). Further calls
    /// queue until a request finishes; time spent queued is not part of the timeout.
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = Some(connections);
        self
    }

    /// Names the binding in `x-descope-sdk-name` (`descope-mgmt-<binding>`); set by the
    /// bindings' client options. The default is `rust`.
    pub(crate) fn binding(mut self, binding: impl Into<String>) -> Self {
        self.binding = Some(binding.into());
        self
    }

    /// Sends every request through this proxy (`http://host:port` or `https://host:port`,
    /// credentials as `http://user:password@host:port`, kept secret). Defaults to
    /// `HTTPS_PROXY`, then `ALL_PROXY`; an empty string turns those off. A loopback base URL
    /// never goes through a proxy.
    pub fn proxy(mut self, url: impl Into<Secret>) -> Self {
        self.network.proxy = Some(url.into());
        self
    }

    /// Hosts that bypass the proxy, comma-separated as in `NO_PROXY` (its default).
    pub fn no_proxy(mut self, hosts: impl Into<String>) -> Self {
        self.network.no_proxy = Some(hosts.into());
        self
    }

    /// A PEM file of CA certificates to trust besides the operating system's. Defaults to
    /// `DESCOPE_MGMT_CA_BUNDLE`, then `SSL_CERT_FILE` and `SSL_CERT_DIR`.
    pub fn ca_bundle(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.network.ca_bundle = Some(path.into());
        self
    }

    /// Turns the safe logs on at `level` (`error`, `warn`, `info` or `debug`; `off` turns
    /// off `DESCOPE_MGMT_LOG`, the default). See [`LogLevel`] for what each level shows.
    pub fn log_level(mut self, level: impl Into<String>) -> Self {
        self.log_level = Some(level.into());
        self
    }

    /// Runs these hooks at each attempt's request and answer and at each retry (see
    /// [`Hooks`]); replaces any set before.
    pub fn hooks(mut self, hooks: Hooks) -> Self {
        self.hooks = hooks;
        self
    }

    /// Sends the log records somewhere else than `tracing` (target `descope_mgmt`).
    pub fn log_sink(mut self, sink: Arc<dyn LogSink>) -> Self {
        self.log_sink = Some(sink);
        self
    }

    /// The per-call settings set on this builder, as a view's options.
    pub(crate) fn call_options(&self) -> crate::CallOptions {
        crate::CallOptions {
            timeout: self.timeout,
            connect_timeout: self.connect_timeout,
            max_retries: self.max_retries,
            max_retry_wait: self.max_retry_wait,
            ..crate::CallOptions::default()
        }
    }

    /// Ignores the environment variables (`DESCOPE_*`, the proxy and CA variables).
    pub fn ignore_env(mut self) -> Self {
        self.ignore_env = true;
        self
    }

    /// Validates the settings and builds the client. Nothing is sent over the network.
    pub fn build(self) -> Result<crate::Client> {
        let env = |name: &str| {
            if self.ignore_env {
                None
            } else {
                std::env::var(name).ok().filter(|v| !v.is_empty())
            }
        };
        let config = self.resolve(&env)?;
        crate::Client::from_config(config)
    }

    pub(crate) fn resolve(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<Config> {
        let project_id = match &self.project_id {
            Some(p) => p.clone(),
            None => env(ENV_PROJECT_ID).ok_or_else(|| {
                Error::config(format!(
                    "the project id is missing: pass it explicitly or set {ENV_PROJECT_ID}"
                ))
            })?,
        };
        let project_id = project_id.trim().to_string();
        if project_id.is_empty() {
            return Err(Error::config(format!(
                "the project id is empty: pass it explicitly or set {ENV_PROJECT_ID}"
            )));
        }
        if !project_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(Error::config(
                "the project id may contain only ASCII letters, digits, '-' and '_'; copy it from the Descope console (Project settings)",
            ));
        }
        let management_key = match &self.management_key {
            Some(k) => k.clone(),
            None => env(ENV_MANAGEMENT_KEY).map(Secret::new).ok_or_else(|| {
                Error::config(format!(
                    "the management key is missing: pass it explicitly or set {ENV_MANAGEMENT_KEY}"
                ))
            })?,
        };
        if management_key.expose().trim().is_empty() {
            return Err(Error::config(format!(
                "the management key is empty: pass it explicitly or set {ENV_MANAGEMENT_KEY}"
            )));
        }
        if !management_key
            .expose()
            .bytes()
            .all(|b| b.is_ascii_graphic())
        {
            return Err(Error::config(
                "the management key may contain only printable ASCII characters",
            ));
        }
        let base_url = match &self.base_url {
            Some(u) => normalize_base_url(u)?,
            None => match env(ENV_BASE_URI) {
                Some(u) => normalize_base_url(&u)
                    .map_err(|e| Error::config(format!("{ENV_BASE_URI}: {}", e.message())))?,
                None => derive_base_url(&project_id)?,
            },
        };
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        if timeout.is_zero() || timeout > MAX_TIMEOUT {
            return Err(Error::config(
                "the timeout must be greater than zero and at most 24 hours",
            ));
        }
        // The connect timeout stays below the total one, so a connection that never
        // completes is reported as a connect failure (nothing sent), never as a lost answer.
        let connect_timeout = self
            .connect_timeout
            .unwrap_or(DEFAULT_CONNECT_TIMEOUT)
            .min(timeout.mul_f64(0.8));
        if connect_timeout.is_zero() {
            return Err(Error::config(
                "the connect timeout must be greater than zero",
            ));
        }
        let max_retries = self.max_retries.unwrap_or(DEFAULT_MAX_RETRIES);
        if max_retries > MAX_RETRIES {
            return Err(Error::config(format!(
                "max_retries must be at most {MAX_RETRIES} (got {max_retries})"
            )));
        }
        let max_connections = self.max_connections.unwrap_or(DEFAULT_MAX_CONNECTIONS);
        if max_connections == 0 || max_connections > MAX_CONNECTIONS {
            return Err(Error::config(format!(
                "max_connections must be between 1 and {MAX_CONNECTIONS} (got {max_connections})"
            )));
        }
        let binding = self.binding.clone().unwrap_or_else(|| "rust".to_string());
        if binding.is_empty() || !binding.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') {
            return Err(Error::config(
                "the binding name must be lowercase ASCII letters, e.g. \"python\"",
            ));
        }
        Ok(Config {
            project_id,
            management_key,
            base_url,
            timeout,
            connect_timeout,
            max_retries,
            max_retry_wait: self.max_retry_wait.unwrap_or(DEFAULT_MAX_RETRY_WAIT),
            license_timeout: self
                .license_timeout
                .unwrap_or(DEFAULT_LICENSE_TIMEOUT)
                .min(timeout),
            max_response_bytes: self
                .max_response_bytes
                .unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
            max_connections,
            sdk_name: format!("descope-mgmt-{binding}"),
            network: self.network.resolve(env)?,
            logs: self.logs(env)?,
            hooks: self.hooks.clone(),
        })
    }

    /// The log level (the option, else `DESCOPE_MGMT_LOG`, else off) and the sink.
    fn logs(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<Logs> {
        let (name, source) = match &self.log_level {
            Some(l) => (Some(l.clone()), "log_level"),
            None => (env(ENV_LOG), ENV_LOG),
        };
        let level = match name.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(off) if off.eq_ignore_ascii_case("off") => None,
            Some(n) => Some(LogLevel::parse(n).ok_or_else(|| {
                Error::config(format!(
                    "{source} must be one of off, error, warn, info, debug"
                ))
            })?),
        };
        Ok(Logs {
            level,
            sink: self
                .log_sink
                .clone()
                .unwrap_or_else(|| Arc::new(TracingSink)),
        })
    }
}

/// Resolved, validated settings of a client.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub project_id: String,
    pub management_key: Secret,
    pub base_url: String,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub max_retries: u32,
    pub max_retry_wait: Duration,
    pub license_timeout: Duration,
    pub max_response_bytes: usize,
    pub max_connections: usize,
    pub sdk_name: String,
    pub network: Network,
    pub logs: Logs,
    pub hooks: Hooks,
}

/// The base URL the Go and Python SDKs derive from a project id: `https://api.<region>.descope.com`
/// where the region is characters 1..5 of an id of 32 or more characters, otherwise
/// `https://api.descope.com`.
///
/// The Node SDK uses a different rule (`projectId.slice(1, -27)`), so the two disagree for
/// ids that are not exactly 32 characters long; this library follows Go and Python.
///
/// The management key is sent to this URL, so a region that is not plain letters and
/// digits, or a result whose host is not a `descope.com` host, is a `CONFIG` error.
pub fn derive_base_url(project_id: &str) -> Result<String> {
    const DEFAULT: &str = "https://api.descope.com";
    if project_id.chars().count() < 32 {
        return Ok(DEFAULT.to_string());
    }
    let region: String = project_id.chars().skip(1).take(4).collect();
    let bad = || {
        Error::config(
            "cannot derive a Descope URL from this project id (characters 2-5 must be letters or digits); check the id or pass the base URL explicitly",
        )
    };
    if !region.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(bad());
    }
    let derived = format!("https://api.{region}.descope.com");
    let url = reqwest::Url::parse(&derived).map_err(|_| bad())?;
    let host = url.host_str().unwrap_or("");
    if url.scheme() != "https"
        || !host.ends_with(".descope.com")
        || host != format!("api.{}.descope.com", region.to_ascii_lowercase())
        || url.port().is_some()
        || url.username() != ""
        || url.path() != "/"
    {
        return Err(bad());
    }
    Ok(derived)
}

/// Validates and normalises a base URL: an absolute `https://` URL (or `http://` for a
/// loopback host) with no query or fragment, returned without a trailing `/`.
pub fn normalize_base_url(raw: &str) -> Result<String> {
    let raw = raw.trim();
    let url = reqwest::Url::parse(raw).map_err(|e| {
        Error::config(format!(
            "the base URL is not an absolute URL ({e}); use e.g. https://api.descope.com"
        ))
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::config(
            "the base URL must not carry credentials: the management key is sent in the Authorization header",
        ));
    }
    // From here on the URL holds no secret and may be quoted.
    let shown = url.as_str();
    let host = url.host_str().unwrap_or("");
    if host.is_empty() {
        return Err(Error::config(format!("the base URL {shown:?} has no host")));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(host) => {}
        "http" => {
            return Err(Error::config(format!(
                "the base URL {shown:?} uses http:// for a non-loopback host; use https://"
            )))
        }
        other => {
            return Err(Error::config(format!(
                "the base URL {shown:?} has scheme {other:?}; use https://"
            )))
        }
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::config(format!(
            "the base URL {shown:?} must not have a query or fragment"
        )));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// True when `base_url` (as normalised by [`normalize_base_url`]) names a loopback host.
pub(crate) fn is_loopback_url(base_url: &str) -> bool {
    reqwest::Url::parse(base_url)
        .ok()
        .and_then(|u| u.host_str().map(is_loopback))
        .unwrap_or(false)
}

fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<IpAddr>()
        .map(|ip| ip.is_loopback())
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_from(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn derives_region_from_long_ids_only() {
        let ok = |id: &str| derive_base_url(id).unwrap();
        assert_eq!(
            ok("P2abcdefghijklmnopqrstuvwxyz12"),
            "https://api.descope.com"
        );
        assert_eq!(
            ok("Puse1ABCDEFGHIJKLMNOPQRSTUVWXYZ0"),
            "https://api.use1.descope.com"
        );
        assert_eq!(
            ok("Peuw2ABCDEFGHIJKLMNOPQRSTUVWXYZ012"),
            "https://api.euw2.descope.com"
        );
        assert_eq!(ok("P"), "https://api.descope.com");
    }

    #[test]
    fn hostile_project_ids_never_derive_a_foreign_host() {
        for id in [
            "Pco#aBCDEFGHIJKLMNOPQRSTUVWXYZ0123",
            "Pa/b.ABCDEFGHIJKLMNOPQRSTUVWXYZ0123",
            "Pe?x=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123",
            "Pu@evil.comABCDEFGHIJKLMNOPQRSTUVWXYZ",
            "Pa.b:ABCDEFGHIJKLMNOPQRSTUVWXYZ0123",
            "P\\abcABCDEFGHIJKLMNOPQRSTUVWXYZ0123",
        ] {
            assert_eq!(
                derive_base_url(id).unwrap_err().code(),
                crate::ErrorCode::Config,
                "{id}"
            );
            let e = ClientBuilder::default()
                .project_id(id)
                .management_key("K2key")
                .resolve(&|_| None)
                .unwrap_err();
            assert_eq!(e.code(), crate::ErrorCode::Config, "{id}");
        }
    }

    #[test]
    fn connection_limit_is_checked_and_connect_timeout_stays_below_total() {
        let b = || {
            ClientBuilder::default()
                .project_id("P2x")
                .management_key("K")
        };
        let none = |_: &str| None;
        assert_eq!(
            b().resolve(&none).unwrap().max_connections,
            DEFAULT_MAX_CONNECTIONS
        );
        assert_eq!(
            b().max_connections(3)
                .resolve(&none)
                .unwrap()
                .max_connections,
            3
        );
        for bad in [0, MAX_CONNECTIONS + 1] {
            let e = b().max_connections(bad).resolve(&none).unwrap_err();
            assert_eq!(e.code(), crate::ErrorCode::Config, "{bad}");
        }
        let c = b().timeout(Duration::from_secs(5)).resolve(&none).unwrap();
        assert!(c.connect_timeout < c.timeout, "{:?}", c.connect_timeout);
    }

    #[test]
    fn normalises_and_checks_base_urls() {
        assert_eq!(
            normalize_base_url("https://auth.example.com/").unwrap(),
            "https://auth.example.com"
        );
        assert_eq!(
            normalize_base_url("https://auth.example.com/x//").unwrap(),
            "https://auth.example.com/x"
        );
        assert_eq!(
            normalize_base_url("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            normalize_base_url("http://localhost:1/").unwrap(),
            "http://localhost:1"
        );
        assert_eq!(
            normalize_base_url("http://[::1]:9/").unwrap(),
            "http://[::1]:9"
        );
        for bad in [
            "http://api.descope.com",
            "ftp://x",
            "not a url",
            "https://x?a=1",
            "https://u:p@x",
        ] {
            let e = normalize_base_url(bad).unwrap_err();
            assert_eq!(e.code(), crate::ErrorCode::Config, "{bad}");
        }
    }

    #[test]
    fn precedence_explicit_then_env_then_derived() {
        let env = env_from(&[
            (ENV_PROJECT_ID, "Puse1ABCDEFGHIJKLMNOPQRSTUVWXYZ0"),
            (ENV_MANAGEMENT_KEY, "K2key"),
            (ENV_BASE_URI, "https://env.example.com/"),
        ]);
        let b = ClientBuilder::default();
        assert_eq!(b.resolve(&env).unwrap().base_url, "https://env.example.com");
        let b = ClientBuilder::default().base_url("https://explicit.example.com");
        assert_eq!(
            b.resolve(&env).unwrap().base_url,
            "https://explicit.example.com"
        );
        let env2 = env_from(&[
            (ENV_PROJECT_ID, "Puse1ABCDEFGHIJKLMNOPQRSTUVWXYZ0"),
            (ENV_MANAGEMENT_KEY, "K2key"),
        ]);
        let c = ClientBuilder::default().resolve(&env2).unwrap();
        assert_eq!(c.base_url, "https://api.use1.descope.com");
        assert_eq!(c.sdk_name, "descope-mgmt-rust");
        assert_eq!(c.timeout, DEFAULT_TIMEOUT);
        assert_eq!(c.max_retries, 2);
    }

    #[test]
    fn missing_values_name_the_variable() {
        let none = |_: &str| None;
        let e = ClientBuilder::default().resolve(&none).unwrap_err();
        assert_eq!(e.code(), crate::ErrorCode::Config);
        assert!(e.message().contains(ENV_PROJECT_ID));
        let e = ClientBuilder::default()
            .project_id("P2x")
            .resolve(&none)
            .unwrap_err();
        assert!(e.message().contains(ENV_MANAGEMENT_KEY));
        let e = ClientBuilder::default()
            .project_id("P2x")
            .management_key("")
            .resolve(&none)
            .unwrap_err();
        assert_eq!(e.code(), crate::ErrorCode::Config);
    }

    #[test]
    fn bad_env_base_uri_is_a_config_error_naming_it() {
        let env = env_from(&[(ENV_BASE_URI, "http://evil.example.com")]);
        let e = ClientBuilder::default()
            .project_id("P2x")
            .management_key("K")
            .resolve(&env)
            .unwrap_err();
        assert!(e.message().contains(ENV_BASE_URI));
    }

    #[test]
    fn base_url_credentials_are_rejected_without_being_quoted() {
        for bad in [
            "http://u:hunter2@example.com",
            "https://user:hunter2@127.0.0.1/",
            "ftp://a:hunter2@x",
        ] {
            let e = normalize_base_url(bad).unwrap_err();
            assert!(
                !e.message().contains("hunter2"),
                "a CONFIG message quotes the URL password"
            );
        }
    }

    #[test]
    fn timeouts_are_checked() {
        let b = || {
            ClientBuilder::default()
                .project_id("P2x")
                .management_key("K")
        };
        let none = |_: &str| None;
        for bad in [Duration::ZERO, Duration::from_secs(u64::MAX)] {
            let e = b().timeout(bad).resolve(&none).unwrap_err();
            assert_eq!(e.code(), crate::ErrorCode::Config, "{bad:?}");
        }
        let e = b()
            .connect_timeout(Duration::ZERO)
            .resolve(&none)
            .unwrap_err();
        assert_eq!(e.code(), crate::ErrorCode::Config);
        let c = b()
            .connect_timeout(Duration::from_millis(250))
            .max_retry_wait(Duration::ZERO)
            .resolve(&none)
            .unwrap();
        assert_eq!(c.connect_timeout, Duration::from_millis(250));
        assert_eq!(c.max_retry_wait, Duration::ZERO);
    }

    #[test]
    fn debug_never_shows_the_management_key() {
        let b = ClientBuilder::default()
            .project_id("P2x")
            .management_key("K2supersecret");
        assert!(!format!("{b:?}").contains("supersecret"));
        let c = b.resolve(&|_| None).unwrap();
        assert!(!format!("{c:?}").contains("supersecret"));
    }
}
