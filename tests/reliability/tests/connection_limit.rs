//! 5,000 concurrent calls on one client, with the process limited to the common 1,024
//! open files: the client keeps its sockets bounded and load queues instead of failing.
//! (Own test binary: it lowers the process's file limit.)

use std::sync::Arc;
use std::time::Duration;

use descope_mgmt::config::DEFAULT_MAX_CONNECTIONS;
use descope_mgmt::{Client, ROTATE_PATH};
use descope_mgmt_reliability::{builder, json_response, lower_fd_limit, rotate_answer, Server};

const CALLS: usize = 5_000;

async fn keep_alive_server() -> Server {
    Server::start(|_, mut conn| async move {
        // A little service time, so that calls pile up.
        tokio::time::sleep(Duration::from_millis(1)).await;
        conn.write(&json_response(
            200,
            &rotate_answer("K2load", "secret-under-load"),
        ))
        .await
        .then_some(conn)
    })
    .await
}

async fn run_all(client: Client) -> Vec<String> {
    let client = Arc::new(client);
    let mut tasks = Vec::with_capacity(CALLS);
    for _ in 0..CALLS {
        let c = client.clone();
        tasks.push(tokio::spawn(async move {
            c.rotate_access_key("K2load")
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }));
    }
    let mut errors = Vec::new();
    for t in tasks {
        if let Err(e) = t.await.unwrap() {
            errors.push(e);
        }
    }
    errors
}

fn summary(errors: &[String]) -> String {
    format!(
        "{} of {CALLS} calls failed, e.g. {}",
        errors.len(),
        errors.first().map(String::as_str).unwrap_or("")
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_connections_bounds_the_sockets_of_one_client() {
    lower_fd_limit(1024);
    const LIMIT: usize = 8;
    let server = keep_alive_server().await;
    let client = builder(&server.url())
        .timeout(Duration::from_secs(20))
        .max_connections(LIMIT)
        .build()
        .unwrap();
    let errors = run_all(client).await;
    assert!(errors.is_empty(), "{}", summary(&errors));
    assert_eq!(server.seen().count(ROTATE_PATH), CALLS);
    let max = server.seen().max_open();
    // The documented bound: a finished request frees its slot a moment before its
    // connection is back in the pool, so sockets stay below twice the limit.
    assert!(
        max <= 2 * LIMIT,
        "{max} connections were open at once with max_connections({LIMIT})"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_limit_survives_5000_concurrent_calls_at_1024_files() {
    lower_fd_limit(1024);
    let server = keep_alive_server().await;
    let client = builder(&server.url())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let errors = run_all(client).await;
    assert!(errors.is_empty(), "{}", summary(&errors));
    let max = server.seen().max_open();
    assert!(
        max <= 2 * DEFAULT_MAX_CONNECTIONS,
        "{max} connections were open at once; the documented bound is twice the default {DEFAULT_MAX_CONNECTIONS}"
    );
}
