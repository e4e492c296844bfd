//! Bodies that are too large or never end: the client stops at its byte cap, quickly, and
//! never asks for (or inflates) compressed bodies.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use descope_mgmt::{ErrorCode, TenantToken, BATCH_UPLOAD_PATH, ROTATE_PATH};
use descope_mgmt_reliability::{builder, gzip_bomb, response, settle, Conn, Server};

const CAP: usize = 256 * 1024;

/// Writes a chunked body forever (16 KiB chunks); counts the bytes the client accepted.
async fn endless_chunks(mut conn: Conn, status: u16, written: Arc<AtomicUsize>) {
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    if !conn.write(head.as_bytes()).await {
        return;
    }
    let chunk = format!("4000\r\n{}\r\n", " ".repeat(0x4000));
    if !conn.write(b"1\r\n{\r\n").await {
        return;
    }
    while conn.write(chunk.as_bytes()).await {
        written.fetch_add(0x4000, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_content_length_is_refused_at_once() {
    let server = Server::start(|_, conn| async move {
        let mut conn = conn;
        conn.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000000000000\r\n\r\n{\"key\":")
            .await;
        conn.hold().await;
        None
    })
    .await;
    let c = builder(&server.url())
        .max_response_bytes(CAP)
        .build()
        .unwrap();
    let started = Instant::now();
    let e = c.rotate_access_key("K2bomb").await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Decode, "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    settle().await;
    assert_eq!(server.seen().count(ROTATE_PATH), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_chunked_body_stops_at_the_cap() {
    for status in [200u16, 400, 500, 502] {
        let written = Arc::new(AtomicUsize::new(0));
        let w = written.clone();
        let server = Server::start(move |_, conn| {
            let w = w.clone();
            async move {
                endless_chunks(conn, status, w).await;
                None
            }
        })
        .await;
        let c = builder(&server.url())
            .max_response_bytes(CAP)
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        let started = Instant::now();
        let e = c.rotate_access_key("K2bomb").await.unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "HTTP {status}: reading an endless body took {:?}",
            started.elapsed()
        );
        if status == 200 {
            assert_eq!(e.code(), ErrorCode::Decode, "{e}");
        }
        settle().await;
        assert_eq!(
            server.seen().count(ROTATE_PATH),
            1,
            "HTTP {status}: rotate resent"
        );
        // What the client read is bounded by the cap plus socket buffers.
        let w = written.load(Ordering::SeqCst);
        assert!(
            w < CAP + (32 << 20),
            "HTTP {status}: the client accepted {w} bytes"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_batch_answer_is_bounded() {
    let server = Server::start(|_, conn| async move {
        endless_chunks(conn, 200, Arc::new(AtomicUsize::new(0))).await;
        None
    })
    .await;
    let c = builder(&server.url())
        .max_response_bytes(CAP)
        .build()
        .unwrap();
    let tokens = [TenantToken::new("app", "T1").access_token("at-bomb-token")];
    let started = Instant::now();
    let e = c.batch_upload_tenant_tokens(&tokens).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Decode, "{e}");
    assert!(started.elapsed() < Duration::from_secs(3));
    settle().await;
    assert!((1..=3).contains(&server.seen().count(BATCH_UPLOAD_PATH)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compression_is_never_negotiated_nor_inflated() {
    // About 80 KB that inflate to 100 MB.
    let bomb = Arc::new(gzip_bomb(400_000));
    assert!(bomb.len() < 1 << 20);
    let b = bomb.clone();
    let server = Server::start(move |_, mut conn| {
        let b = b.clone();
        async move {
            conn.write(&response(
                200,
                &[
                    ("Content-Type", "application/json"),
                    ("Content-Encoding", "gzip"),
                ],
                &b,
            ))
            .await;
            Some(conn)
        }
    })
    .await;
    let c = builder(&server.url()).build().unwrap();
    let started = Instant::now();
    let e = c.rotate_access_key("K2gzip").await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Decode, "{e}");
    assert!(started.elapsed() < Duration::from_secs(2));
    for r in server.seen().requests() {
        if let Some(ae) = r.header("accept-encoding") {
            let ae = ae.to_ascii_lowercase();
            for coding in ["gzip", "deflate", "br", "zstd"] {
                assert!(!ae.contains(coding), "{} asks for {coding}: {ae}", r.path);
            }
        }
    }
}
