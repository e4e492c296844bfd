//! Project ids that would turn the derived `https://api.<region>.descope.com` into another
//! host (`#`, `/`, `?`, `@`, `\`) are CONFIG errors before anything connects anywhere.

use std::time::Duration;

use descope_mgmt::{Client, ErrorCode};
use descope_mgmt_reliability::{json_response, rotate_answer, Server, MGMT_KEY};

/// Hostile project ids of 32+ characters: the character at the region (1..5) and later.
fn hostile_ids() -> Vec<String> {
    let mut ids = Vec::new();
    for ch in ['#', '/', '?', '@', '\\'] {
        for at in [1usize, 2, 4, 20] {
            let mut id: Vec<char> = "Puse1ABCDEFGHIJKLMNOPQRSTUVWXYZ012".chars().collect();
            id[at] = ch;
            ids.push(id.into_iter().collect());
        }
    }
    ids.push("Pco#aBCDEFGHIJKLMNOPQRSTUVWXYZ0123".into());
    ids.push("Pa@b/cdefghijklmnopqrstuvwxyz01234".into());
    ids
}

fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', ':']).next().unwrap_or("")
}

#[test]
fn hostile_project_ids_are_config_errors() {
    for id in hostile_ids() {
        assert!(id.chars().count() >= 32);
        match Client::builder()
            .ignore_env()
            .project_id(id.as_str())
            .management_key(MGMT_KEY)
            .build()
        {
            Ok(c) => panic!(
                "project id {id:?} was accepted; its calls would go to {} (host {:?})",
                c.base_url(),
                host_of(c.base_url())
            ),
            Err(e) => assert_eq!(e.code(), ErrorCode::Config, "{id:?}: {e}"),
        }
    }
}

#[test]
fn valid_long_project_ids_derive_a_descope_host() {
    for id in [
        "Puse1ABCDEFGHIJKLMNOPQRSTUVWXYZ0",
        "Peuw2ABCDEFGHIJKLMNOPQRSTUVWXYZ012",
        "P2abcdefghijklmnopqrstuvwxyz123456",
    ] {
        let c = Client::builder()
            .ignore_env()
            .project_id(id)
            .management_key(MGMT_KEY)
            .build()
            .unwrap();
        assert!(
            host_of(c.base_url()).ends_with(".descope.com"),
            "{}",
            c.base_url()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_project_id_never_connects_even_with_a_base_url() {
    let server = Server::start(|_, mut conn| async move {
        conn.write(&json_response(200, &rotate_answer("K2x", "s")))
            .await;
        Some(conn)
    })
    .await;
    for id in hostile_ids() {
        let built = Client::builder()
            .ignore_env()
            .project_id(id.as_str())
            .management_key(MGMT_KEY)
            .base_url(server.url())
            .timeout(Duration::from_secs(2))
            .build();
        if let Ok(c) = built {
            // Only a loopback base URL here, so trying the call is harmless.
            let r = c.rotate_access_key("K2x").await;
            assert_eq!(
                r.err().map(|e| e.code()),
                Some(ErrorCode::Config),
                "project id {id:?} was not refused"
            );
        }
        assert_eq!(
            server.seen().connections(),
            0,
            "project id {id:?}: the client connected with it"
        );
    }
}
