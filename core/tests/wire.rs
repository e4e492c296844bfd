//! What goes on the wire: headers, body bytes, the lazy license handshake, and what the
//! client does when the server is unreachable. Runs against the emulator on 127.0.0.1.

mod support;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use descope_mgmt::{
    Client, ErrorCode, NewDcrTemplate, TenantToken, BATCH_UPLOAD_PATH, ROTATE_PATH,
};
use support::Emu;

fn rt() -> &'static tokio::runtime::Runtime {
    descope_mgmt::bindings::runtime::runtime()
}

#[test]
fn construction_sends_nothing_and_license_is_fetched_once_lazily() {
    let emu = Emu::start();
    rt().block_on(async {
        emu.reset().await;
        let client = emu.client();
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            emu.journal().await.is_empty(),
            "construction must not send anything"
        );
        client.rotate_access_key("K2active").await.unwrap();
        client.rotate_access_key("K2active").await.unwrap();
        let j = emu.journal().await;
        let paths: Vec<&str> = j.iter().map(|r| r["path"].as_str().unwrap()).collect();
        assert_eq!(paths, ["/v1/mgmt/license", ROTATE_PATH, ROTATE_PATH]);
        for r in &j[1..] {
            assert_eq!(r["headers"]["x-descope-license"], "tier1", "{r}");
        }
        assert!(j[0]["headers"].get("x-descope-license").is_none());
        assert!(j[0]["headers"].get("content-type").is_none());
    });
}

#[test]
fn headers_and_body_bytes_match_the_official_sdks() {
    let emu = Emu::start();
    rt().block_on(async {
        emu.reset().await;
        let client = emu.client();
        client.rotate_access_key("K2active").await.unwrap();
        let tokens = vec![
            serde_json::from_str::<TenantToken>(r#"{"appId":"google-drive","tenantId":"T2tenant1","refreshToken":"rt-1","accessToken":"at-1","accessTokenExpiry":1767225600,"accessTokenType":"Bearer","scopes":["https://www.googleapis.com/auth/drive.readonly"],"externalIdentifier":"ext-1","idToken":"idt-1","grantedBy":"admin@example.com"}"#).unwrap(),
            TenantToken::new("google-drive", "T2tenant2").access_token("at-2"),
        ];
        client.batch_upload_tenant_tokens(&tokens).await.unwrap();
        let j = emu.journal().await;
        let rotate = j.iter().find(|r| r["path"] == ROTATE_PATH).unwrap();
        assert_eq!(rotate["body"], r#"{"id":"K2active"}"#);
        let h = &rotate["headers"];
        let auth = format!("Bearer {}:{}", emu.handle.project_id(), emu.handle.management_key());
        assert_eq!(h["authorization"], auth.as_str());
        assert_eq!(h["x-descope-project-id"], emu.handle.project_id());
        assert_eq!(h["x-descope-sdk-name"], "descope-mgmt-rust");
        assert_eq!(h["x-descope-sdk-version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(h["content-type"], "application/json");
        assert_eq!(h["content-length"], "17");
        assert!(h.get("transfer-encoding").is_none());
        let descope_headers: Vec<&String> = h.as_object().unwrap().keys().filter(|k| k.starts_with("x-descope")).collect();
        assert_eq!(descope_headers.len(), 4, "{descope_headers:?}");
        let batch = j.iter().find(|r| r["path"] == BATCH_UPLOAD_PATH).unwrap();
        let expected = r#"{"tokens":[{"appId":"google-drive","tenantId":"T2tenant1","refreshToken":"rt-1","accessToken":"at-1","accessTokenExpiry":1767225600,"accessTokenType":"Bearer","scopes":["https://www.googleapis.com/auth/drive.readonly"],"externalIdentifier":"ext-1","idToken":"idt-1","grantedBy":"admin@example.com"},{"appId":"google-drive","tenantId":"T2tenant2","accessToken":"at-2"}]}"#;
        assert_eq!(batch["body"], expected);
        assert_eq!(batch["headers"]["content-length"], "369");
    });
}

#[test]
fn invalid_input_sends_nothing() {
    let emu = Emu::start();
    rt().block_on(async {
        emu.reset().await;
        let client = emu.client();
        assert_eq!(
            client.rotate_access_key("").await.unwrap_err().code(),
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            client
                .batch_upload_tenant_tokens(&[])
                .await
                .unwrap_err()
                .code(),
            ErrorCode::InvalidArgument
        );
        let bad = [
            TenantToken::new("google-drive", "T").access_token("ok"),
            TenantToken::new("google-drive", ""),
        ];
        let e = client.batch_upload_tenant_tokens(&bad).await.unwrap_err();
        assert!(e.message().contains("tokens[1]"), "{}", e.message());
        assert!(!e.message().contains("tokens[0]"));
        let e = client
            .create_dcr_template(&NewDcrTemplate::new(""))
            .await
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidArgument);
        assert!(emu.journal().await.is_empty());
    });
}

#[test]
fn unreachable_server_is_a_connection_error_after_retries() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = Client::builder()
        .ignore_env()
        .project_id("P2x")
        .management_key("K2x")
        .base_url(format!("http://127.0.0.1:{port}"))
        .max_retries(2)
        .license_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let started = Instant::now();
    let e = descope_mgmt::BlockingClient::new(client)
        .rotate_access_key("K2active")
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Connection, "{e}");
    assert!(e.message().contains("nothing was sent"));
    // Two backoffs of 50-100 ms and 100-200 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "{:?}",
        started.elapsed()
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn secrets_never_appear_in_errors_or_debug() {
    let emu = Emu::start();
    rt().block_on(async {
        emu.reset().await;
        let client = emu.client_with(|b| b.management_key("K2wrong-supersecret"));
        let e = client.rotate_access_key("K2active").await.unwrap_err();
        assert_eq!(e.code(), ErrorCode::Unauthorized);
        let text = format!("{e} {e:?} {client:?}");
        assert!(
            !text.contains("supersecret"),
            "an error or Debug output shows the management key"
        );
        let ok = emu.client().rotate_access_key("K2active").await.unwrap();
        let dbg = format!("{ok:?}");
        assert!(
            !dbg.contains(ok.cleartext.expose()),
            "Debug output shows the cleartext"
        );
        assert!(emu.secret_valid("K2active", ok.cleartext.expose()).await);
    });
}

#[test]
fn one_client_is_shared_across_threads() {
    let emu = Emu::start();
    let client = descope_mgmt::BlockingClient::new(emu.client());
    std::thread::scope(|s| {
        for _ in 0..8 {
            let c = client.clone();
            s.spawn(move || {
                for _ in 0..10 {
                    c.rotate_access_key("K2active2").unwrap();
                }
            });
        }
    });
}

#[test]
fn connect_timeout_is_a_timeout_error_and_nothing_was_sent() {
    // A listener whose accept queue is full: the kernel drops further SYNs, so a new
    // connection can only time out while connecting.
    let (listener, addr) = rt().block_on(async {
        let sock = tokio::net::TcpSocket::new_v4().unwrap();
        sock.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let l = sock.listen(0).unwrap();
        let a = l.local_addr().unwrap();
        (l, a)
    });
    let mut held = Vec::new();
    for _ in 0..16 {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(100)) {
            Ok(s) => held.push(s),
            Err(_) => break,
        }
    }
    assert!(held.len() < 16, "the accept queue never filled up");
    let client = Client::builder()
        .ignore_env()
        .project_id("P2x")
        .management_key("K2x")
        .base_url(format!("http://{addr}"))
        .connect_timeout(Duration::from_millis(200))
        .license_timeout(Duration::from_millis(200))
        .max_retries(0)
        .build()
        .unwrap();
    let e = descope_mgmt::BlockingClient::new(client)
        .rotate_access_key("K2active")
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Timeout, "{e}");
    assert!(e.message().contains("nothing was sent"), "{e}");
    drop((listener, held));
}

#[test]
fn one_correlation_id_per_call_on_every_attempt_and_on_its_errors() {
    let emu = Emu::start();
    rt().block_on(async {
        emu.reset().await;
        let client = emu.client();
        // Two 503s, then success: the batch (safe to repeat) is sent three times.
        emu.fault(&serde_json::json!({"method": "POST", "path": BATCH_UPLOAD_PATH, "status": 503, "times": 2}))
            .await;
        let token = TenantToken::new("google-drive", "T2rid").refresh_token("rt-rid-1");
        client
            .batch_upload_tenant_tokens(std::slice::from_ref(&token))
            .await
            .unwrap();
        client.batch_upload_tenant_tokens(&[token]).await.unwrap();
        let sent: Vec<String> = emu
            .journal()
            .await
            .iter()
            .filter(|r| r["path"] == BATCH_UPLOAD_PATH)
            .map(|r| r["headers"]["x-external-rid"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(sent.len(), 4);
        assert!(sent[..3].iter().all(|id| *id == sent[0]), "the retries of a call: {sent:?}");
        assert_ne!(sent[3], sent[0], "a new call has a new id");
        assert_eq!(sent[0].len(), 36);

        emu.fault(&serde_json::json!({"method": "POST", "path": ROTATE_PATH, "action": "drop_after_apply"}))
            .await;
        let e = client.rotate_access_key("K2active").await.unwrap_err();
        assert_eq!(e.code(), ErrorCode::OutcomeUnknown);
        let rid = e.external_request_id().expect("an attempted call has a correlation id");
        assert!(
            e.message().contains(&format!("external request id {rid} to see whether the key was rotated")),
            "{e}"
        );
        let e = client.rotate_access_key("").await.unwrap_err();
        assert_eq!(e.external_request_id(), None, "nothing was attempted");
    });
}
