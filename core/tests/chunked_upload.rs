//! `upload_tenant_tokens`: chunk boundaries, checks before any request, progress, and a
//! failing middle chunk. Runs against the emulator on 127.0.0.1.

mod support;

use std::sync::{Arc, Mutex};

use descope_mgmt::{
    BlockingClient, ErrorCode, TenantToken, UploadOptions, UploadProgress, BATCH_UPLOAD_PATH,
    MAX_BATCH_TOKENS,
};
use serde_json::json;
use support::Emu;

fn rt() -> &'static tokio::runtime::Runtime {
    descope_mgmt::bindings::runtime::runtime()
}

fn token(i: usize) -> TenantToken {
    TenantToken::new("google-drive", format!("T{i}")).access_token(format!("at-{i}"))
}

/// The tenant ids of each batch request, in order.
async fn sent(emu: &Emu) -> Vec<Vec<String>> {
    emu.journal()
        .await
        .iter()
        .filter(|r| r["path"] == BATCH_UPLOAD_PATH)
        .map(|r| {
            let body: serde_json::Value =
                serde_json::from_str(r["body"].as_str().unwrap()).unwrap();
            body["tokens"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["tenantId"].as_str().unwrap().to_owned())
                .collect()
        })
        .collect()
}

#[test]
fn chunks_are_sent_in_order_with_progress_after_each() {
    let emu = Emu::start();
    rt().block_on(async {
        emu.reset().await;
        let client = emu.client();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let done = client
            .upload_tenant_tokens(
                (0..2_500).map(token),
                UploadOptions::new().on_progress(move |p| log.lock().unwrap().push(*p)),
            )
            .await
            .unwrap();
        assert_eq!(done.tokens_done, 2_500);
        let batches = sent(&emu).await;
        assert_eq!(
            batches.iter().map(Vec::len).collect::<Vec<_>>(),
            [1_000, 1_000, 500]
        );
        let order: Vec<String> = batches.concat();
        let expected: Vec<String> = (0..2_500).map(|i| format!("T{i}")).collect();
        assert_eq!(order, expected);
        let p = |t, c| UploadProgress {
            tokens_done: t,
            tokens_total: 2_500,
            chunks_done: c,
            chunks_total: 3,
        };
        assert_eq!(
            *seen.lock().unwrap(),
            [p(1_000, 1), p(2_000, 2), p(2_500, 3)]
        );
        assert_eq!(emu.tokens().await.len(), 2_500);
    });
}

#[test]
fn every_item_is_checked_before_any_request() {
    let emu = Emu::start();
    rt().block_on(async {
        emu.reset().await;
        let client = emu.client();
        let tokens = (0..2_500).map(|i| {
            if i == 2_400 {
                TenantToken::new("google-drive", "T").refresh_token("")
            } else {
                token(i)
            }
        });
        let e = client
            .upload_tenant_tokens(tokens, UploadOptions::new())
            .await
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidArgument);
        assert!(e.error().message().contains("tokens[2400]"), "{e}");
        assert_eq!(e.failed_chunk(), None);
        assert_eq!(e.committed().tokens_done, 0);
        for size in [0, MAX_BATCH_TOKENS + 1] {
            let e = client
                .upload_tenant_tokens([token(0)], UploadOptions::new().chunk_size(size))
                .await
                .unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidArgument, "{e}");
            assert!(e.error().message().contains("chunk_size"), "{e}");
        }
        assert!(emu.journal().await.is_empty(), "nothing may be sent");
    });
}

#[test]
fn a_failing_middle_chunk_stops_and_says_what_was_committed() {
    let emu = Emu::start();
    let client = BlockingClient::new(emu.client());
    rt().block_on(async {
        emu.reset().await;
        // The first chunk passes (a short delay), the second is refused (409, not retried).
        emu.fault(
            &json!({"method": "POST", "path": BATCH_UPLOAD_PATH, "action": "delay", "delayMs": 1}),
        )
        .await;
        emu.fault(&json!({"method": "POST", "path": BATCH_UPLOAD_PATH, "status": 409, "times": 1}))
            .await;
    });
    let calls = Arc::new(Mutex::new(0));
    let counter = calls.clone();
    let e = client
        .upload_tenant_tokens(
            (0..25).map(token),
            UploadOptions::new()
                .chunk_size(10)
                .on_progress(move |_| *counter.lock().unwrap() += 1),
        )
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::ApiError, "{e}");
    assert_eq!(*calls.lock().unwrap(), 1);
    assert_eq!(e.committed().tokens_done, 10);
    assert_eq!(e.committed().chunks_done, 1);
    assert_eq!(e.committed().chunks_total, 3);
    assert_eq!(e.failed_chunk(), Some(1));
    assert_eq!(e.failed_range(), Some(10..20));
    let m = e.error().message();
    assert!(m.contains("chunk 2 of 3 (tokens[10..20])"), "{m}");
    assert!(m.contains("10 token(s) in 1 chunk(s)"), "{m}");
    rt().block_on(async {
        assert_eq!(sent(&emu).await.len(), 2, "the third chunk is not sent");
        assert_eq!(emu.tokens().await.len(), 10);
    });
}

#[test]
fn a_rejected_chunk_names_its_failures_input_indexes() {
    let emu = Emu::start();
    rt().block_on(async {
        emu.reset().await;
        emu.fault(&json!({"method": "POST", "path": BATCH_UPLOAD_PATH, "action": "delay", "delayMs": 1}))
            .await;
        let answer = json!({"failures": [{"appId": "google-drive", "tenantId": "T13", "errorCode": "E1", "reason": "no such tenant"}]});
        emu.fault(&json!({"method": "POST", "path": BATCH_UPLOAD_PATH, "status": 200, "body": answer.to_string()}))
            .await;
        let e = emu
            .client()
            .upload_tenant_tokens((0..25).map(token), UploadOptions::new().chunk_size(10))
            .await
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::BatchRejected, "{e}");
        assert_eq!(e.error().failures().len(), 1);
        assert_eq!(e.failure_indexes(), [Some(13)]);
        assert_eq!(e.failed_range(), Some(10..20));
        let e: descope_mgmt::Error = e.into();
        assert!(!e.message().contains("at-13"), "{e}");
    });
}
