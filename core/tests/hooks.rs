//! Hooks, the W3C trace context and the per-call connect timeout: hooks see each attempt's
//! request, answer and retry with the call's ids; a hook that panics changes nothing; a
//! view's `traceparent`/`tracestate` reach the server; a view's connect timeout bounds
//! opening a connection.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use descope_mgmt::hooks::{CallEvent, Hooks};
use descope_mgmt::logs::{LogEvent, LogQueue};
use descope_mgmt::{CallOptions, Client, ErrorCode, TenantToken, BATCH_UPLOAD_PATH, ROTATE_PATH};
use serde_json::json;
use support::Emu;

fn rt() -> &'static tokio::runtime::Runtime {
    descope_mgmt::bindings::runtime::runtime()
}

type Seen = Arc<Mutex<Vec<(&'static str, CallEvent)>>>;

/// Hooks that record every event, named by hook.
fn recording(seen: &Seen) -> Hooks {
    let (a, b, c) = (seen.clone(), seen.clone(), seen.clone());
    Hooks::new()
        .on_request(move |e| a.lock().unwrap().push(("on_request", e.clone())))
        .on_response(move |e| b.lock().unwrap().push(("on_response", e.clone())))
        .on_retry(move |e| c.lock().unwrap().push(("on_retry", e.clone())))
}

#[test]
fn hooks_see_every_attempt_with_the_calls_ids() {
    let emu = Emu::start();
    rt().block_on(async {
        emu.reset().await;
        let seen: Seen = Arc::default();
        let client = emu.client_with(|b| b.max_retries(2).hooks(recording(&seen)));
        emu.fault(&json!({"method": "POST", "path": BATCH_UPLOAD_PATH, "status": 503, "times": 1}))
            .await;
        let tokens = [TenantToken::new("google-drive", "T2hook").access_token("at-hook-1")];
        client.batch_upload_tenant_tokens(&tokens).await.unwrap();
        let seen = seen.lock().unwrap().clone();
        let order: Vec<(&str, Option<u16>, u32)> = seen
            .iter()
            .map(|(hook, e)| (*hook, e.status, e.attempt))
            .collect();
        assert_eq!(
            order,
            [
                ("on_request", None, 1),
                ("on_response", Some(503), 1),
                ("on_retry", Some(503), 1),
                ("on_request", None, 2),
                ("on_response", Some(200), 2),
            ]
        );
        let rid = &seen[0].1.external_request_id;
        assert!(seen.iter().all(|(_, e)| &e.external_request_id == rid));
        assert!(seen
            .iter()
            .all(|(_, e)| e.call == "batch_upload_tenant_tokens"));
        assert!(seen[4].1.request_id.is_some(), "the emulator's cf-ray");
        assert!(seen[1].1.retry_in_ms.is_none() && seen[2].1.retry_in_ms.is_some());
        assert_eq!(seen[0].1.body_bytes.map(|n| n > 0), Some(true));
        // An event is built from the same fields as a log record: no token anywhere.
        for (_, e) in &seen {
            assert!(!format!("{e:?}").contains("at-hook-1"), "{e:?}");
        }
    });
}

#[test]
fn a_panicking_hook_is_logged_and_changes_nothing() {
    let emu = Emu::start();
    rt().block_on(async {
        emu.reset().await;
        let logged = Arc::new(LogQueue::default());
        let sink = logged.clone();
        let client = emu.client_with(move |b| {
            b.log_level("warn").log_sink(sink).hooks(
                Hooks::new()
                    .on_request(|_| panic!("broken on_request"))
                    .on_response(|_| panic!("broken on_response")),
            )
        });
        let rotated = client.rotate_access_key("K2active").await.unwrap();
        assert_eq!(rotated.key.id, "K2active");
        assert_eq!(emu.count("POST", ROTATE_PATH).await, 1, "sent once");
        let records = logged.drain();
        let failed: Vec<_> = records
            .iter()
            .filter(|r| r.event == LogEvent::HookFailed)
            .map(|r| r.hook.unwrap())
            .collect();
        assert_eq!(failed, ["on_request", "on_response"]);
        assert!(records[0].line().contains("hook=on_request"));
    });
}

#[test]
fn a_views_trace_context_is_sent_and_checked() {
    let emu = Emu::start();
    rt().block_on(async {
        emu.reset().await;
        let client = emu.client();
        let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let view = client
            .with_options(CallOptions::new().trace_context(traceparent, Some("vendor=v1".into())))
            .unwrap();
        view.rotate_access_key("K2active").await.unwrap();
        client.rotate_access_key("K2active").await.unwrap();
        let journal = emu.journal().await;
        let rotates: Vec<_> = journal
            .iter()
            .filter(|r| r["path"] == ROTATE_PATH)
            .collect();
        assert_eq!(rotates[0]["headers"]["traceparent"], traceparent);
        assert_eq!(rotates[0]["headers"]["tracestate"], "vendor=v1");
        assert!(rotates[1]["headers"].get("traceparent").is_none());
        let e = client
            .with_options(CallOptions::new().trace_context("00-xyz", None))
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidArgument);
    });
}

#[test]
fn a_views_connect_timeout_bounds_opening_a_connection() {
    // A server that accepts connections and never answers the TLS handshake.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = Arc::new(Mutex::new(Vec::new()));
    let keep = held.clone();
    std::thread::spawn(move || {
        for s in listener.incoming().flatten() {
            keep.lock().unwrap().push(s);
        }
    });
    let client = Client::builder()
        .project_id("P2hooks")
        .management_key("K2hooks:secret")
        .base_url(format!("https://127.0.0.1:{port}"))
        .connect_timeout(Duration::from_secs(20))
        .timeout(Duration::from_secs(30))
        .max_retries(0)
        .ignore_env()
        .build()
        .unwrap();
    let view = client
        .with_options(CallOptions::new().connect_timeout(Duration::from_millis(300)))
        .unwrap();
    let started = Instant::now();
    let e = rt()
        .block_on(view.rotate_access_key("K2active"))
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Timeout, "{e}");
    assert!(e.message().contains("nothing was sent"), "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(client
        .with_options(CallOptions::new().connect_timeout(Duration::ZERO))
        .is_err());
}
