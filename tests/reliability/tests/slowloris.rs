//! Servers that trickle bytes or never finish: every call is bounded by the timeout, a
//! rotate or create that may have been applied is OUTCOME_UNKNOWN and never resent, and a
//! batch (safe to repeat) is resent at most `max_retries` times.

use std::time::{Duration, Instant};

use descope_mgmt::{
    ErrorCode, NewDcrTemplate, TenantToken, BATCH_UPLOAD_PATH, CREATE_DCR_TEMPLATE_PATH,
    ROTATE_PATH,
};
use descope_mgmt_reliability::{
    builder, json_response, rotate_answer, settle, Server, LICENSE_PATH,
};

const TICK: Duration = Duration::from_millis(50);

/// What the server does after reading a (non-license) request.
#[derive(Clone, Copy, Debug)]
enum Stall {
    /// Writes the status line, then one header byte per tick forever.
    Headers,
    /// Writes complete headers announcing 100 bytes, then one body byte per tick.
    Body,
    /// Writes nothing and keeps the connection open.
    Silence,
}

async fn stalling(stall: Stall) -> Server {
    Server::start(move |_, conn| async move {
        match stall {
            Stall::Headers => conn.trickle(b"HTTP/1.1 200 OK\r\nX-Slow: ", b'a', TICK).await,
            Stall::Body => {
                conn.trickle(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"key\":",
                    b' ',
                    TICK,
                )
                .await
            }
            Stall::Silence => conn.hold().await,
        }
        None
    })
    .await
}

const TIMEOUT: Duration = Duration::from_secs(1);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_rotate_is_outcome_unknown_within_the_timeout_and_sent_once() {
    for stall in [Stall::Headers, Stall::Body, Stall::Silence] {
        let server = stalling(stall).await;
        let c = builder(&server.url()).timeout(TIMEOUT).build().unwrap();
        let started = Instant::now();
        let e = c.rotate_access_key("K2slow").await.unwrap_err();
        let took = started.elapsed();
        assert_eq!(e.code(), ErrorCode::OutcomeUnknown, "{stall:?}: {e}");
        assert!(
            took < TIMEOUT + Duration::from_millis(1500),
            "{stall:?}: took {took:?} with a {TIMEOUT:?} timeout"
        );
        settle().await;
        assert_eq!(
            server.seen().count(ROTATE_PATH),
            1,
            "{stall:?}: the rotate was resent"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_create_is_outcome_unknown_and_sent_once() {
    for stall in [Stall::Headers, Stall::Silence] {
        let server = stalling(stall).await;
        let c = builder(&server.url()).timeout(TIMEOUT).build().unwrap();
        let started = Instant::now();
        let e = c
            .create_dcr_template(&NewDcrTemplate::new("slow"))
            .await
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::OutcomeUnknown, "{stall:?}: {e}");
        assert!(started.elapsed() < TIMEOUT + Duration::from_millis(1500));
        settle().await;
        assert_eq!(
            server.seen().count(CREATE_DCR_TEMPLATE_PATH),
            1,
            "{stall:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_batch_is_bounded_and_resent_at_most_max_retries_times() {
    for stall in [Stall::Headers, Stall::Body, Stall::Silence] {
        let server = stalling(stall).await;
        let c = builder(&server.url())
            .timeout(TIMEOUT)
            .max_retries(2)
            .build()
            .unwrap();
        let tokens = [TenantToken::new("app", "T1").refresh_token("rt-slowloris-token")];
        let started = Instant::now();
        let e = c.batch_upload_tenant_tokens(&tokens).await.unwrap_err();
        let took = started.elapsed();
        assert!(
            matches!(e.code(), ErrorCode::OutcomeUnknown | ErrorCode::Timeout),
            "{stall:?}: {e}"
        );
        // Three attempts at most, plus two backoffs of at most 100 and 200 ms.
        assert!(
            took < TIMEOUT * 3 + Duration::from_millis(1500),
            "{stall:?}: took {took:?}"
        );
        settle().await;
        let sent = server.seen().count(BATCH_UPLOAD_PATH);
        assert!(
            (1..=3).contains(&sent),
            "{stall:?}: the batch was sent {sent} times"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_license_handshake_does_not_hold_up_calls() {
    let server = Server::start_raw(|req, mut conn| async move {
        if req.path == LICENSE_PATH {
            conn.trickle(b"HTTP/1.1 200 OK\r\nX-Slow: ", b'a', TICK)
                .await;
            return None;
        }
        conn.write(&json_response(
            200,
            &rotate_answer("K2lic", "secret-after-slow-license"),
        ))
        .await;
        Some(conn)
    })
    .await;
    let c = builder(&server.url())
        .license_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let rotated = c.rotate_access_key("K2lic").await.unwrap();
    assert_eq!(rotated.cleartext.expose(), "secret-after-slow-license");
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    // The failed handshake is not repeated on the next call.
    c.rotate_access_key("K2lic").await.unwrap();
    assert_eq!(server.seen().count(LICENSE_PATH), 1);
}
