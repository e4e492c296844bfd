//! A 3xx answer is never followed: the bearer must never reach another host.

use descope_mgmt::{NewDcrTemplate, TenantToken, ROTATE_PATH};
use descope_mgmt_reliability::{client, response, rotate_answer, settle, Server, LICENSE_PATH};

/// A server that answers anything with 200 and counts who connects.
async fn evil() -> Server {
    Server::start_raw(|_, mut conn| async move {
        conn.write(&response(200, &[], b"{}")).await;
        Some(conn)
    })
    .await
}

fn locations(evil: &Server) -> Vec<String> {
    let a = evil.addr();
    vec![
        format!("http://{a}{ROTATE_PATH}"),
        format!("//{a}{ROTATE_PATH}"),
        format!("http://user:pass@{a}/steal"),
        format!("http://localhost:{}/", a.port()),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_of_every_call_are_not_followed() {
    let evil = evil().await;
    for status in [301u16, 302, 303, 307, 308] {
        for location in locations(&evil) {
            let loc = location.clone();
            let server = Server::start(move |_, mut conn| {
                let loc = loc.clone();
                async move {
                    conn.write(&response(status, &[("Location", &loc)], b""))
                        .await;
                    Some(conn)
                }
            })
            .await;
            let c = client(&server.url());
            let e = c.rotate_access_key("K2redirect").await.unwrap_err();
            assert_eq!(e.status(), Some(status), "rotate answered {status}: {e}");
            let tokens = [TenantToken::new("app", "T1").access_token("at-redirect-token")];
            let e = c.batch_upload_tenant_tokens(&tokens).await.unwrap_err();
            assert_eq!(e.status(), Some(status), "batch answered {status}: {e}");
            let e = c
                .create_dcr_template(&NewDcrTemplate::new("redirected"))
                .await
                .unwrap_err();
            assert_eq!(e.status(), Some(status), "create answered {status}: {e}");
            settle().await;
            assert_eq!(
                server.seen().count(ROTATE_PATH),
                1,
                "a {status} rotate was sent again (to {location})"
            );
            assert_eq!(
                evil.seen().connections(),
                0,
                "a {status} redirect to {location} was followed: the bearer reached another host"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirected_license_handshake_is_not_followed() {
    let evil = evil().await;
    let target = format!("http://{}{LICENSE_PATH}", evil.addr());
    let server = Server::start_raw(move |req, mut conn| {
        let target = target.clone();
        async move {
            if req.path == LICENSE_PATH {
                conn.write(&response(302, &[("Location", &target)], b""))
                    .await;
            } else {
                conn.write(&descope_mgmt_reliability::json_response(
                    200,
                    &rotate_answer("K2lic", "new-secret-lic"),
                ))
                .await;
            }
            Some(conn)
        }
    })
    .await;
    let rotated = client(&server.url())
        .rotate_access_key("K2lic")
        .await
        .unwrap();
    assert_eq!(rotated.cleartext.expose(), "new-secret-lic");
    settle().await;
    assert_eq!(
        evil.seen().connections(),
        0,
        "the license redirect was followed"
    );
    let rotate = server
        .seen()
        .requests()
        .into_iter()
        .find(|r| r.path == ROTATE_PATH)
        .unwrap();
    assert!(rotate.header("x-descope-license").is_none());
}
