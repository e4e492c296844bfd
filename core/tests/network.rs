//! Proxy and CA settings, end to end on 127.0.0.1: the emulator behind a TLS relay whose
//! certificate is made for the test by a CA of its own (rcgen), reached through a local
//! CONNECT proxy that records what it sees. The base URL names a host that does not resolve
//! (`api.mgmt-test.invalid`): only the proxy knows where it is, as for a real one.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use descope_mgmt::{Client, ErrorCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls;

use support::Emu;

const HOST: &str = "api.mgmt-test.invalid";

fn rt() -> &'static tokio::runtime::Runtime {
    descope_mgmt::bindings::runtime::runtime()
}

/// A CA, and a TLS relay on 127.0.0.1 that presents a certificate for [`HOST`] signed by it
/// and forwards the plaintext to `upstream`. Returns the relay's port and the CA's PEM.
async fn tls_relay(upstream: u16) -> (u16, String) {
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "descope-mgmt test CA");
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let ca = rcgen::Issuer::new(ca_params, ca_key);
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec![HOST.to_string()])
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();
    let server = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![leaf.der().clone()],
        rustls::pki_types::PrivateKeyDer::try_from(leaf_key.serialize_der()).unwrap(),
    )
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A handshake the client refuses (an unknown CA) just ends here.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut plain) = TcpStream::connect(("127.0.0.1", upstream)).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    (port, ca_cert.pem())
}

/// A CONNECT proxy on 127.0.0.1 that sends every tunnel to `target` and records each
/// request head it reads (the only part of the traffic it can see).
async fn connect_proxy(target: u16) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let heads = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut client, _)) = listener.accept().await else {
                return;
            };
            let heads = heads.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let connect = head.starts_with("CONNECT ");
                heads.lock().unwrap().push(head);
                if !connect {
                    let _ = client
                        .write_all(b"HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n")
                        .await;
                    return;
                }
                let Ok(mut upstream) = TcpStream::connect(("127.0.0.1", target)).await else {
                    return;
                };
                let _ = client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .await;
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    (port, seen)
}

fn write_temp(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("dm-network-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn client(
    emu: &Emu,
    f: impl FnOnce(descope_mgmt::ClientBuilder) -> descope_mgmt::ClientBuilder,
) -> descope_mgmt::Result<Client> {
    f(Client::builder()
        .ignore_env()
        .project_id(emu.handle.project_id())
        .management_key(emu.handle.management_key())
        .base_url(format!("https://{HOST}"))
        .max_retries(0)
        .timeout(Duration::from_secs(10)))
    .build()
}

#[test]
fn through_a_connect_proxy_to_a_server_trusted_only_with_the_ca_bundle() {
    let emu = Emu::start();
    rt().block_on(async {
        emu.reset().await;
        let (tls_port, ca_pem) = tls_relay(emu.handle.port()).await;
        let (proxy_port, seen) = connect_proxy(tls_port).await;
        let ca = write_temp("ca.pem", &ca_pem);
        let proxy = format!("http://ci-user:hunter22-proxy@127.0.0.1:{proxy_port}");

        // Trusted only because of the bundle: the call goes through the tunnel.
        let c = client(&emu, |b| b.proxy(proxy.clone()).ca_bundle(&ca)).unwrap();
        let rotated = c.rotate_access_key("K2active").await.unwrap();
        assert!(!rotated.cleartext.expose().is_empty());
        let heads = seen.lock().unwrap().clone();
        assert!(!heads.is_empty());
        for head in &heads {
            assert!(head.starts_with(&format!("CONNECT {HOST}:443 ")), "{head}");
            // The proxy sees the tunnel's target and its own credentials, nothing else.
            assert!(
                head.to_ascii_lowercase()
                    .contains("proxy-authorization: basic"),
                "{head}"
            );
            assert!(!head.contains(emu.handle.management_key()), "{head}");
            assert!(
                !head.to_ascii_lowercase().contains("\r\nauthorization"),
                "{head}"
            );
        }
        let debug = format!("{c:?}");
        assert!(!debug.contains("hunter22"), "{debug}");

        // Without the bundle the certificate is refused before anything is sent.
        seen.lock().unwrap().clear();
        let before = emu.journal().await.len();
        let c = client(&emu, |b| b.proxy(proxy.clone())).unwrap();
        let e = c.rotate_access_key("K2active").await.unwrap_err();
        assert_eq!(e.code(), ErrorCode::Connection, "{e}");
        assert!(!e.to_string().contains("hunter22"), "{e}");
        assert_eq!(
            emu.journal().await.len(),
            before,
            "nothing reached the server"
        );
        assert!(!seen.lock().unwrap().is_empty(), "the tunnel was opened");
    });
}

#[test]
fn loopback_never_goes_through_the_proxy() {
    let emu = Emu::start();
    rt().block_on(async {
        emu.reset().await;
        let (proxy_port, seen) = connect_proxy(1).await;
        let c = emu.client_with(|b| b.proxy(format!("http://127.0.0.1:{proxy_port}")));
        c.rotate_access_key("K2active").await.unwrap();
        assert!(seen.lock().unwrap().is_empty());
    });
}

#[test]
fn a_bad_proxy_or_bundle_is_a_config_error_at_construction() {
    let emu = Emu::start();
    let e = client(&emu, |b| b.proxy("socks5://u:hunter22@127.0.0.1:1")).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Config);
    assert!(!e.to_string().contains("hunter22"), "{e}");
    let e = client(&emu, |b| b.ca_bundle("/nonexistent/ca.pem")).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Config);
    assert!(e.message().contains("/nonexistent/ca.pem"), "{e}");
}
