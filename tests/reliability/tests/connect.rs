//! A connection that never completes (a listener whose accept queue is full) with a total
//! timeout of at most 10 s: nothing was sent, so the error is TIMEOUT or CONNECTION, never
//! OUTCOME_UNKNOWN, and it says so.

use std::time::{Duration, Instant};

use descope_mgmt::{ErrorCode, NewDcrTemplate, TenantToken};
use descope_mgmt_reliability::{builder, FullBacklog};

fn assert_not_sent(what: &str, e: &descope_mgmt::Error) {
    assert!(
        matches!(e.code(), ErrorCode::Timeout | ErrorCode::Connection),
        "{what}: a connection that never completed gave {e}"
    );
    assert!(e.message().contains("nothing was sent"), "{what}: {e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connect_that_never_completes_is_not_sent() {
    let full = FullBacklog::new();
    for secs in [1u64, 2] {
        let timeout = Duration::from_secs(secs);
        let c = builder(&full.url())
            .timeout(timeout)
            .license_timeout(Duration::from_millis(200))
            .max_retries(0)
            .build()
            .unwrap();
        let started = Instant::now();
        let e = c.rotate_access_key("K2connect").await.unwrap_err();
        assert_not_sent(&format!("rotate, timeout {timeout:?}"), &e);
        assert!(
            started.elapsed() < timeout + Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        let e = c
            .create_dcr_template(&NewDcrTemplate::new("never"))
            .await
            .unwrap_err();
        assert_not_sent(&format!("create, timeout {timeout:?}"), &e);
        let tokens = [TenantToken::new("app", "T1").access_token("at-connect-token")];
        let e = c.batch_upload_tenant_tokens(&tokens).await.unwrap_err();
        assert_not_sent(&format!("batch, timeout {timeout:?}"), &e);
    }
    drop(full);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_never_completing_connect_is_retried_as_not_sent() {
    // Not sent, so even a rotate may be retried; the whole call stays bounded.
    let full = FullBacklog::new();
    let c = builder(&full.url())
        .timeout(Duration::from_millis(700))
        .license_timeout(Duration::from_millis(100))
        .max_retries(1)
        .build()
        .unwrap();
    let started = Instant::now();
    let e = c.rotate_access_key("K2connect").await.unwrap_err();
    assert_not_sent("rotate with one retry", &e);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    drop(full);
}
