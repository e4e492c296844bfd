//! Logging off does no logging work: with logs off (the default) a client never hands a
//! record to its sink, not even for a failed call; at `error` a successful call makes no
//! record; at `info` each call makes exactly one. The benchmark's "Logging off" section
//! (`bench/run.sh`) measures the same thing in calls/s; this test keeps the work itself from
//! creeping back in (`make test` runs it, `make check` compiles and lints it).

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use descope_mgmt::logs::{LogEvent, LogLevel, LogRecord, LogSink};
use descope_mgmt::{BlockingClient, ErrorCode, TenantToken, BATCH_UPLOAD_PATH, ROTATE_PATH};
use serde_json::json;
use support::Emu;

/// Counts the records it gets and keeps the last one's level and event.
#[derive(Default)]
struct CountingSink {
    records: AtomicUsize,
    last: std::sync::Mutex<Option<(LogLevel, LogEvent)>>,
}

impl CountingSink {
    fn count(&self) -> usize {
        self.records.load(Ordering::SeqCst)
    }
}

impl LogSink for CountingSink {
    fn log(&self, record: &LogRecord) {
        self.records.fetch_add(1, Ordering::SeqCst);
        *self.last.lock().unwrap() = Some((record.level, record.event));
    }
}

fn rt() -> &'static tokio::runtime::Runtime {
    descope_mgmt::bindings::runtime::runtime()
}

const CALLS: usize = 20;

fn tokens() -> [TenantToken; 1] {
    [TenantToken::new("google-drive", "T2logsoff").access_token("at-logs-off-1")]
}

#[test]
fn logs_off_hands_nothing_to_the_sink() {
    let emu = Emu::start();
    let sink = Arc::new(CountingSink::default());
    rt().block_on(async {
        emu.reset().await;
        // The default level (no log_level, and ignore_env: no DESCOPE_MGMT_LOG), and "off"
        // spelled out: neither hands a record to the sink.
        for client in [
            emu.client_with(|b| b.log_sink(sink.clone())),
            emu.client_with(|b| b.log_sink(sink.clone()).log_level("off")),
        ] {
            for _ in 0..CALLS {
                client.rotate_access_key("K2active").await.unwrap();
            }
            client.batch_upload_tenant_tokens(&tokens()).await.unwrap();
            // Not even a failure, nor its retries, makes a record when logs are off.
            let e = client
                .rotate_access_key("K2doesnotexist")
                .await
                .unwrap_err();
            assert_eq!(e.code(), ErrorCode::NotFound);
            emu.fault(
                &json!({"method": "POST", "path": BATCH_UPLOAD_PATH, "status": 503, "times": 1}),
            )
            .await;
            client.batch_upload_tenant_tokens(&tokens()).await.unwrap();
        }
    });
    assert_eq!(sink.count(), 0, "logs off: the sink got records");
}

#[test]
fn logs_off_on_the_blocking_client_and_views_hand_nothing_to_the_sink() {
    let emu = Emu::start();
    let sink = Arc::new(CountingSink::default());
    rt().block_on(emu.reset());
    let client = emu.client_with(|b| b.log_sink(sink.clone()));
    let view = client
        .with_options(descope_mgmt::CallOptions::new().external_request_id("logs-off"))
        .unwrap();
    rt().block_on(async {
        for _ in 0..CALLS {
            view.rotate_access_key("K2active").await.unwrap();
        }
    });
    let blocking = BlockingClient::from(client);
    for _ in 0..CALLS {
        blocking.rotate_access_key("K2active").unwrap();
    }
    assert_eq!(sink.count(), 0, "logs off: the sink got records");
}

#[test]
fn error_level_logs_no_successful_call() {
    let emu = Emu::start();
    let sink = Arc::new(CountingSink::default());
    rt().block_on(async {
        emu.reset().await;
        let client = emu.client_with(|b| b.log_sink(sink.clone()).log_level("error"));
        for _ in 0..CALLS {
            client.rotate_access_key("K2active").await.unwrap();
        }
        client.batch_upload_tenant_tokens(&tokens()).await.unwrap();
        assert_eq!(
            sink.count(),
            0,
            "error level: a successful call made a record"
        );
        // A failed call makes exactly one (so the sink above was really installed).
        client
            .rotate_access_key("K2doesnotexist")
            .await
            .unwrap_err();
        assert_eq!(sink.count(), 1);
        assert_eq!(
            *sink.last.lock().unwrap(),
            Some((LogLevel::Error, LogEvent::Call))
        );
    });
}

#[test]
fn info_level_logs_one_record_per_call() {
    let emu = Emu::start();
    let sink = Arc::new(CountingSink::default());
    rt().block_on(async {
        emu.reset().await;
        let client = emu.client_with(|b| b.log_sink(sink.clone()).log_level("info"));
        for i in 1..=CALLS {
            client.rotate_access_key("K2active").await.unwrap();
            assert_eq!(sink.count(), i, "info: one record per call");
        }
        assert_eq!(
            *sink.last.lock().unwrap(),
            Some((LogLevel::Info, LogEvent::Call))
        );
        client.batch_upload_tenant_tokens(&tokens()).await.unwrap();
        assert_eq!(sink.count(), CALLS + 1);
        // The journal agrees: as many calls reached the server as records were made.
        assert_eq!(emu.count("POST", ROTATE_PATH).await, CALLS);
    });
}
