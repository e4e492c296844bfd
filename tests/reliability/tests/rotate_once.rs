//! Counted server-side: whatever goes wrong after a rotate (or a create) reached the
//! server, the server saw it at most once. A second rotate would destroy the first new
//! secret; a second create could make a duplicate.

use std::time::Duration;

use descope_mgmt::{ErrorCode, NewDcrTemplate, CREATE_DCR_TEMPLATE_PATH, ROTATE_PATH};
use descope_mgmt_reliability::{builder, json_response, response, settle, Conn, Server};

/// Ways to fail after reading the request.
#[derive(Clone, Copy, Debug)]
enum Failure {
    CloseSilently,
    Reset,
    HalfStatusLine,
    ShortBody,
    ShortChunkedBody,
    BadChunkSize,
    CloseDelimitedGarbage,
    EdgeHtml502,
    Empty503,
    Gateway504,
    Cloudflare520,
    Descope500,
    Garbage200,
    Silence,
    NotHttp,
}

const ALL: [Failure; 15] = [
    Failure::CloseSilently,
    Failure::Reset,
    Failure::HalfStatusLine,
    Failure::ShortBody,
    Failure::ShortChunkedBody,
    Failure::BadChunkSize,
    Failure::CloseDelimitedGarbage,
    Failure::EdgeHtml502,
    Failure::Empty503,
    Failure::Gateway504,
    Failure::Cloudflare520,
    Failure::Descope500,
    Failure::Garbage200,
    Failure::Silence,
    Failure::NotHttp,
];

/// What the server writes after reading the request, and whether it keeps the connection.
fn answer(failure: Failure) -> (Vec<u8>, bool) {
    let raw = |bytes: &[u8]| (bytes.to_vec(), false);
    match failure {
        Failure::CloseSilently | Failure::Reset | Failure::Silence => raw(b""),
        Failure::HalfStatusLine => raw(b"HTTP/1.1 2"),
        Failure::ShortBody => raw(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"key\":{"),
        Failure::ShortChunkedBody => {
            raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"key")
        }
        Failure::BadChunkSize => {
            raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")
        }
        Failure::CloseDelimitedGarbage => {
            raw(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"key\":{\"id\":")
        }
        Failure::NotHttp => raw(b"SSH-2.0-OpenSSH_9.6\r\n"),
        Failure::EdgeHtml502 => (
            response(
                502,
                &[("Content-Type", "text/html")],
                b"<html><body><h1>502 Bad Gateway</h1></body></html>",
            ),
            true,
        ),
        Failure::Empty503 => (response(503, &[], b""), true),
        Failure::Gateway504 => (
            response(504, &[("Retry-After", "0")], b"upstream timed out"),
            true,
        ),
        Failure::Cloudflare520 => (response(520, &[], b"error code: 520"), true),
        Failure::Descope500 => (
            json_response(
                500,
                r#"{"errorCode":"E000001","errorDescription":"internal","errorMessage":"x"}"#,
            ),
            true,
        ),
        Failure::Garbage200 => (json_response(200, "{not json"), true),
    }
}

async fn fail(failure: Failure, mut conn: Conn) -> Option<Conn> {
    match failure {
        Failure::Reset => {
            conn.reset();
            return None;
        }
        Failure::Silence => {
            conn.hold().await;
            return None;
        }
        _ => {}
    }
    let (bytes, keep) = answer(failure);
    if !bytes.is_empty() {
        conn.write(&bytes).await;
    }
    keep.then_some(conn)
}

async fn failing(failure: Failure) -> Server {
    Server::start(move |_, conn| fail(failure, conn)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_rotate_reached_the_server_at_most_once() {
    for failure in ALL {
        let server = failing(failure).await;
        let c = builder(&server.url())
            .timeout(Duration::from_millis(800))
            .max_retries(3)
            .build()
            .unwrap();
        let e = c.rotate_access_key("K2once").await.unwrap_err();
        assert_ne!(e.code(), ErrorCode::InvalidArgument, "{failure:?}");
        settle().await;
        assert_eq!(
            server.seen().count(ROTATE_PATH),
            1,
            "{failure:?} ({}): the rotate was resent",
            e.code()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_create_reached_the_server_at_most_once() {
    for failure in ALL {
        let server = failing(failure).await;
        let c = builder(&server.url())
            .timeout(Duration::from_millis(800))
            .max_retries(3)
            .build()
            .unwrap();
        let e = c
            .create_dcr_template(&NewDcrTemplate::new("once"))
            .await
            .unwrap_err();
        settle().await;
        assert_eq!(
            server.seen().count(CREATE_DCR_TEMPLATE_PATH),
            1,
            "{failure:?} ({}): the create was resent",
            e.code()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotate_whose_answer_was_lost_is_outcome_unknown() {
    for failure in [
        Failure::CloseSilently,
        Failure::Reset,
        Failure::HalfStatusLine,
        Failure::ShortBody,
        Failure::ShortChunkedBody,
        Failure::Silence,
        Failure::EdgeHtml502,
    ] {
        let server = failing(failure).await;
        let c = builder(&server.url())
            .timeout(Duration::from_millis(800))
            .build()
            .unwrap();
        let e = c.rotate_access_key("K2once").await.unwrap_err();
        assert_eq!(e.code(), ErrorCode::OutcomeUnknown, "{failure:?}: {e}");
    }
}
