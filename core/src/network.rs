//! How a client reaches the server: the proxy it goes through and the extra CA certificates
//! it trusts besides the operating system's.
//!
//! Both are explicit options, with environment fallbacks in a documented order:
//!
//! - proxy: the `proxy` option, else `HTTPS_PROXY`, else `ALL_PROXY` (lowercase names
//!   too); hosts in `no_proxy` (else `NO_PROXY`) go direct. A loopback base URL never goes
//!   through a proxy. Proxy credentials (`http://user:pass@host`) are secrets: errors and
//!   `Debug` show the proxy as `scheme://host:port` only.
//! - CA certificates: the `ca_bundle` option (a PEM file), else `DESCOPE_MGMT_CA_BUNDLE`,
//!   else `SSL_CERT_FILE` and `SSL_CERT_DIR` (what the official Python SDK honours). They
//!   are added to the operating system's trust store, never instead of it, and there is no
//!   way to skip certificate checks.
//!
//! A proxy URL that is not `http(s)://host[:port]`, or a bundle that cannot be read or holds
//! no certificate, is a `CONFIG` error when the client is built.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

use crate::error::{Error, Result};
use crate::secret::Secret;

/// Environment variable naming a PEM file of extra CA certificates to trust.
pub const ENV_CA_BUNDLE: &str = "DESCOPE_MGMT_CA_BUNDLE";

/// The proxy environment variables, in the order they are read.
const ENV_PROXY: [&str; 4] = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"];
/// The environment variables listing hosts that go direct.
const ENV_NO_PROXY: [&str; 2] = ["NO_PROXY", "no_proxy"];

/// A proxy's URL; it may carry credentials, so it is kept as a secret.
#[derive(Clone)]
pub(crate) struct ProxyUrl {
    url: Secret,
    /// `scheme://host:port`, the only form ever shown.
    shown: String,
}

impl ProxyUrl {
    /// Checks `raw` (named `source` in errors, e.g. `proxy` or `HTTPS_PROXY`).
    fn parse(raw: &str, source: &str) -> Result<ProxyUrl> {
        let bad = |why: &str| {
            Error::config(format!(
                "{source} is not a usable proxy URL ({why}); use http://host:port or https://host:port"
            ))
        };
        let url = reqwest::Url::parse(raw.trim()).map_err(|_| bad("it does not parse"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad("only http and https proxies are supported"));
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| bad("no host"))?;
        let port = url.port_or_known_default().unwrap_or(80);
        Ok(ProxyUrl {
            shown: format!("{}://{host}:{port}", url.scheme()),
            url: Secret::new(url.as_str().to_owned()),
        })
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

/// A client's resolved network settings.
#[derive(Clone, Default)]
pub(crate) struct Network {
    proxy: Option<ProxyUrl>,
    no_proxy: Option<String>,
    /// Where the extra CA certificates came from, for `Debug`.
    ca_sources: Vec<PathBuf>,
    extra_roots: Arc<Vec<CertificateDer<'static>>>,
}

impl fmt::Debug for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Network")
            .field("proxy", &self.proxy)
            .field("no_proxy", &self.no_proxy)
            .field("ca_sources", &self.ca_sources)
            .field("extra_roots", &self.extra_roots.len())
            .finish()
    }
}

/// What a caller set explicitly; `None` falls back to the environment. An empty `proxy`
/// turns a proxy from the environment off.
#[derive(Clone, Debug, Default)]
pub(crate) struct NetworkOptions {
    pub proxy: Option<Secret>,
    pub no_proxy: Option<String>,
    pub ca_bundle: Option<PathBuf>,
}

impl NetworkOptions {
    /// Resolves the settings, reading the environment through `env` and the CA files.
    pub(crate) fn resolve(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<Network> {
        let first = |names: &[&'static str]| names.iter().find_map(|n| env(n).map(|v| (*n, v)));
        let proxy = match &self.proxy {
            Some(p) if p.expose().trim().is_empty() => None,
            Some(p) => Some(ProxyUrl::parse(p.expose(), "proxy")?),
            None => match first(&ENV_PROXY) {
                Some((name, v)) => Some(ProxyUrl::parse(&v, name)?),
                None => None,
            },
        };
        let no_proxy = self
            .no_proxy
            .clone()
            .or_else(|| first(&ENV_NO_PROXY).map(|(_, v)| v));
        let mut sources: Vec<(PathBuf, &'static str)> = Vec::new();
        if let Some(path) = &self.ca_bundle {
            sources.push((path.clone(), "ca_bundle"));
        } else if let Some(path) = env(ENV_CA_BUNDLE) {
            sources.push((path.into(), ENV_CA_BUNDLE));
        } else {
            if let Some(path) = env("SSL_CERT_FILE") {
                sources.push((path.into(), "SSL_CERT_FILE"));
            }
            if let Some(dir) = env("SSL_CERT_DIR") {
                sources.extend(
                    pem_files_in(Path::new(&dir))?
                        .into_iter()
                        .map(|p| (p, "SSL_CERT_DIR")),
                );
            }
        }
        let mut roots = Vec::new();
        for (path, source) in &sources {
            roots.extend(read_certificates(path, source)?);
        }
        Ok(Network {
            proxy,
            no_proxy,
            ca_sources: sources.into_iter().map(|(p, _)| p).collect(),
            extra_roots: Arc::new(roots),
        })
    }
}

impl Network {
    /// Applies the proxy settings to `builder`. reqwest's own reading of the environment is
    /// always off: the settings resolved here are the only ones.
    pub(crate) fn apply_proxy(
        &self,
        builder: reqwest::ClientBuilder,
        loopback: bool,
    ) -> Result<reqwest::ClientBuilder> {
        let builder = builder.no_proxy();
        let Some(proxy) = self.proxy.as_ref().filter(|_| !loopback) else {
            return Ok(builder);
        };
        let p = reqwest::Proxy::all(proxy.url.expose())
            .map_err(|_| Error::config(format!("cannot use the proxy {}", proxy.shown)))?
            .no_proxy(
                self.no_proxy
                    .as_deref()
                    .and_then(reqwest::NoProxy::from_string),
            );
        Ok(builder.proxy(p))
    }

    /// The extra root certificates (empty when none are configured).
    pub(crate) fn extra_roots(&self) -> &[CertificateDer<'static>] {
        &self.extra_roots
    }
}

/// The regular files of an `SSL_CERT_DIR` directory, sorted.
fn pem_files_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Error::config(format!(
            "SSL_CERT_DIR names {}, which cannot be read ({e}); fix or unset it",
            dir.display()
        ))
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

/// The certificates of a PEM file named by `source`.
fn read_certificates(path: &Path, source: &str) -> Result<Vec<CertificateDer<'static>>> {
    let unreadable = |why: String| {
        Error::config(format!(
            "{source} names {}, which {why}; give a PEM file of CA certificates",
            path.display()
        ))
    };
    let pem = std::fs::read(path).map_err(|e| unreadable(format!("cannot be read ({e})")))?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem)
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| unreadable("is not valid PEM".into()))?;
    if certs.is_empty() && source != "SSL_CERT_DIR" {
        return Err(unreadable("holds no certificate".into()));
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn the_proxy_comes_from_the_option_then_https_proxy_then_all_proxy() {
        let env = env_of(&[
            ("ALL_PROXY", "http://all:8080"),
            ("HTTPS_PROXY", "http://https:3128"),
        ]);
        let n = NetworkOptions::default().resolve(&env).unwrap();
        assert_eq!(format!("{:?}", n.proxy.unwrap()), "http://https:3128");
        let n = NetworkOptions::default()
            .resolve(&env_of(&[("all_proxy", "http://all:8080")]))
            .unwrap();
        assert_eq!(format!("{:?}", n.proxy.unwrap()), "http://all:8080");
        let explicit = NetworkOptions {
            proxy: Some(Secret::new("https://mine")),
            ..Default::default()
        };
        let n = explicit.resolve(&env).unwrap();
        assert_eq!(format!("{:?}", n.proxy.unwrap()), "https://mine:443");
        let off = NetworkOptions {
            proxy: Some(Secret::new("")),
            ..Default::default()
        };
        assert!(off.resolve(&env).unwrap().proxy.is_none());
    }

    #[test]
    fn proxy_credentials_are_never_shown() {
        let opts = NetworkOptions {
            proxy: Some(Secret::new("http://user:hunter22@proxy.internal:3128")),
            ..Default::default()
        };
        let n = opts.resolve(&|_| None).unwrap();
        let debug = format!("{n:?} {opts:?}");
        assert!(!debug.contains("hunter22"), "{debug}");
        assert!(debug.contains("http://proxy.internal:3128"), "{debug}");
        for bad in [
            "socks5://user:hunter22@p:1080",
            "user:hunter22@",
            "http://user:hunter22@",
        ] {
            let e = NetworkOptions {
                proxy: Some(Secret::new(bad)),
                ..Default::default()
            }
            .resolve(&|_| None)
            .unwrap_err();
            assert_eq!(e.code(), crate::ErrorCode::Config);
            assert!(!e.message().contains("hunter22"), "{}", e.message());
            assert!(
                e.message().starts_with("proxy is not a usable proxy URL"),
                "{}",
                e.message()
            );
        }
        let e = NetworkOptions::default()
            .resolve(&env_of(&[("HTTPS_PROXY", "ftp://x")]))
            .unwrap_err();
        assert!(
            e.message().starts_with("HTTPS_PROXY is not"),
            "{}",
            e.message()
        );
    }

    #[test]
    fn a_bundle_that_cannot_be_read_or_holds_nothing_is_a_config_error() {
        let dir = std::env::temp_dir().join(format!("dm-network-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        for (path, what) in [
            (dir.join("missing.pem"), "cannot be read"),
            (empty, "holds no certificate"),
        ] {
            let e = NetworkOptions {
                ca_bundle: Some(path),
                ..Default::default()
            }
            .resolve(&|_| None)
            .unwrap_err();
            assert_eq!(e.code(), crate::ErrorCode::Config);
            assert!(
                e.message().starts_with("ca_bundle names"),
                "{}",
                e.message()
            );
            assert!(e.message().contains(what), "{}", e.message());
        }
        let e = NetworkOptions::default()
            .resolve(&env_of(&[(ENV_CA_BUNDLE, "/nonexistent/ca.pem")]))
            .unwrap_err();
        assert!(e.message().starts_with(ENV_CA_BUNDLE), "{}", e.message());
        std::fs::remove_dir_all(&dir).ok();
    }
}

tokio::task_local! {
    /// The connect timeout of the call whose request is being sent.
    static CONNECT_TIMEOUT: std::time::Duration;
}

/// Runs `send` (one attempt's request) with `timeout` as its connect timeout: the time
/// allowed to open a connection (TCP, the proxy's tunnel and TLS) when the pool has none
/// free. Read by [`ConnectTimeoutLayer`], so each call (and each `with_options` view) can
/// have its own while sharing one connection pool.
pub(crate) async fn with_connect_timeout<F: std::future::Future>(
    timeout: std::time::Duration,
    send: F,
) -> F::Output {
    CONNECT_TIMEOUT.scope(timeout, send).await
}

/// A connector layer that bounds each new connection by the connect timeout of the call
/// that opens it (see [`with_connect_timeout`]), else by the client's.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ConnectTimeoutLayer {
    default: std::time::Duration,
}

impl ConnectTimeoutLayer {
    /// A layer whose connections outside any call (the license handshake) get `default`.
    pub(crate) fn new(default: std::time::Duration) -> Self {
        ConnectTimeoutLayer { default }
    }
}

impl<S> tower_layer::Layer<S> for ConnectTimeoutLayer {
    type Service = ConnectTimeout<S>;

    fn layer(&self, inner: S) -> ConnectTimeout<S> {
        ConnectTimeout {
            inner,
            default: self.default,
        }
    }
}

/// The service of [`ConnectTimeoutLayer`].
#[derive(Clone, Debug)]
pub(crate) struct ConnectTimeout<S> {
    inner: S,
    default: std::time::Duration,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl<S, R> tower_service::Service<R> for ConnectTimeout<S>
where
    S: tower_service::Service<R, Error = BoxError>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = std::result::Result<S::Response, BoxError>> + Send>,
    >;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::result::Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, target: R) -> Self::Future {
        // Called from the attempt's own task (the pool starts connecting when the request
        // is first polled), so the call's timeout is in scope here.
        let limit = CONNECT_TIMEOUT.try_with(|t| *t).unwrap_or(self.default);
        let connecting = self.inner.call(target);
        Box::pin(async move {
            match tokio::time::timeout(limit, connecting).await {
                Ok(done) => done,
                Err(_) => Err(Box::new(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("connecting took longer than {limit:?}"),
                )) as BoxError),
            }
        })
    }
}
