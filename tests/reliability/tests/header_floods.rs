//! Answers with many headers: a 200 with 150+ headers is a success (the rotate's secret is
//! kept), and an absurd flood is a bounded failure.

use std::time::{Duration, Instant};

use descope_mgmt::{ErrorCode, TenantToken, ROTATE_PATH};
use descope_mgmt_reliability::{builder, client, rotate_answer, settle, Server};

fn flooded(headers: usize, body: &str) -> Vec<u8> {
    let mut head = String::from("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n");
    for i in 0..headers {
        head.push_str(&format!("X-Trace-{i}: value-{i}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    head.into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotate_answer_with_many_headers_succeeds() {
    for n in [101usize, 150, 160] {
        let server = Server::start(move |_, mut conn| async move {
            conn.write(&flooded(
                n,
                &rotate_answer("K2flood", "secret-behind-headers"),
            ))
            .await;
            Some(conn)
        })
        .await;
        let result = client(&server.url()).rotate_access_key("K2flood").await;
        match result {
            Ok(r) => assert_eq!(r.cleartext.expose(), "secret-behind-headers"),
            Err(e) => panic!("a 200 rotate with {n} extra headers failed: {e}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_answer_with_many_headers_succeeds() {
    let server = Server::start(|_, mut conn| async move {
        conn.write(&flooded(150, r#"{"failures":[]}"#)).await;
        Some(conn)
    })
    .await;
    let tokens = [TenantToken::new("app", "T1").access_token("at-flood-token")];
    if let Err(e) = client(&server.url())
        .batch_upload_tenant_tokens(&tokens)
        .await
    {
        panic!("a 200 batch answer with 150 extra headers failed: {e}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_absurd_header_flood_is_a_bounded_failure() {
    // 50,000 headers, about 1.3 MB of head.
    let server = Server::start(|_, mut conn| async move {
        conn.write(&flooded(50_000, &rotate_answer("K2flood", "secret-x")))
            .await;
        None
    })
    .await;
    let c = builder(&server.url())
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let started = Instant::now();
    let result = c.rotate_access_key("K2flood").await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    if let Err(e) = result {
        assert!(
            matches!(e.code(), ErrorCode::OutcomeUnknown | ErrorCode::Decode),
            "{e}"
        );
    }
    settle().await;
    assert_eq!(server.seen().count(ROTATE_PATH), 1);
}
