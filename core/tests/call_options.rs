//! `Client::with_options`: a view that shares the client's pool and overrides its timeout,
//! retries, longest Retry-After wait and correlation id for the calls made through it.

mod support;

use std::time::Duration;

use descope_mgmt::{CallOptions, ErrorCode, TenantToken, BATCH_UPLOAD_PATH, ROTATE_PATH};
use serde_json::json;
use support::Emu;

fn rt() -> &'static tokio::runtime::Runtime {
    descope_mgmt::bindings::runtime::runtime()
}

#[test]
fn a_view_overrides_timeout_retries_and_the_correlation_id() {
    let emu = Emu::start();
    rt().block_on(async {
        emu.reset().await;
        let client = emu.client_with(|b| b.max_retries(2));
        // The correlation id: sent on every attempt of every call through the view, and on
        // its errors.
        let view = client
            .with_options(
                CallOptions::new()
                    .external_request_id("migration-42")
                    .max_retries(0),
            )
            .unwrap();
        view.rotate_access_key("K2active").await.unwrap();
        emu.fault(&json!({"method": "POST", "path": BATCH_UPLOAD_PATH, "status": 503, "times": 3}))
            .await;
        let tokens = [TenantToken::new("google-drive", "T2view").access_token("at-view-1")];
        let e = view.batch_upload_tenant_tokens(&tokens).await.unwrap_err();
        assert_eq!(e.external_request_id(), Some("migration-42"));
        let journal = emu.journal().await;
        let ids: Vec<&str> = journal
            .iter()
            .filter(|r| r["path"] == ROTATE_PATH || r["path"] == BATCH_UPLOAD_PATH)
            .map(|r| r["headers"]["x-external-rid"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            ["migration-42", "migration-42"],
            "max_retries 0: one batch attempt"
        );
        // The client itself keeps its own settings and fresh ids.
        assert_eq!(client.max_retries(), 2);
        emu.reset().await;
        client.rotate_access_key("K2active").await.unwrap();
        let j = emu.journal().await;
        let rotate = j.iter().find(|r| r["path"] == ROTATE_PATH).unwrap();
        assert_ne!(rotate["headers"]["x-external-rid"], "migration-42");

        // The timeout: a rotate answered after 400 ms fails through a 100 ms view.
        emu.reset().await;
        emu.fault(
            &json!({"method": "POST", "path": ROTATE_PATH, "action": "delay", "delayMs": 400}),
        )
        .await;
        let quick = client
            .with_options(CallOptions::new().timeout(Duration::from_millis(100)))
            .unwrap();
        assert_eq!(quick.timeout(), Duration::from_millis(100));
        let e = quick.rotate_access_key("K2active").await.unwrap_err();
        assert_eq!(e.code(), ErrorCode::OutcomeUnknown, "{e}");
        assert!(e.message().contains("100ms"), "{e}");
        // Views compose: a view of a view keeps what the inner one set.
        let both = quick
            .with_options(CallOptions::new().external_request_id("x-1"))
            .unwrap();
        assert_eq!(both.timeout(), Duration::from_millis(100));
    });
}

#[test]
fn bad_options_are_refused_before_anything_is_sent() {
    let emu = Emu::start();
    let client = emu.client();
    for (o, code) in [
        (
            CallOptions::new().timeout(Duration::ZERO),
            ErrorCode::Config,
        ),
        (CallOptions::new().max_retries(11), ErrorCode::Config),
        (
            CallOptions::new().external_request_id("has space"),
            ErrorCode::InvalidArgument,
        ),
        (
            CallOptions::new().external_request_id("x".repeat(129)),
            ErrorCode::InvalidArgument,
        ),
    ] {
        let e = client.with_options(o).unwrap_err();
        assert_eq!(e.code(), code, "{e}");
        assert!(!e.message().contains("has space"));
    }
}

#[test]
fn results_carry_their_calls_meta_outside_their_value() {
    let emu = Emu::start();
    rt().block_on(async {
        emu.reset().await;
        let client = emu.client();
        let view = client
            .with_options(CallOptions::new().external_request_id("meta-1"))
            .unwrap();
        let rotated = view.rotate_access_key("K2active").await.unwrap();
        let m = &rotated.meta;
        assert_eq!(
            (m.status, m.attempts, m.external_request_id.as_str()),
            (200, 1, "meta-1")
        );
        assert!(
            m.request_id
                .as_deref()
                .is_some_and(|id| id.ends_with("-EMU")),
            "{m:?}"
        );
        assert!(m.elapsed > Duration::ZERO);
        let created = client
            .create_dcr_template(&descope_mgmt::NewDcrTemplate::new("meta"))
            .await
            .unwrap();
        assert_eq!(created.meta.external_request_id.len(), 36);
        assert!(
            created.to_json().get("meta").is_none(),
            "meta is not in the JSON"
        );
        let mut copy = created.clone();
        copy.meta = Default::default();
        assert_eq!(copy, created, "meta is not part of the value");
    });
}
