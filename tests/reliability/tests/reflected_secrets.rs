//! Servers that echo the request back in their error bodies: the management key and the
//! tokens of the call must appear nowhere in the error (Display, Debug, message,
//! description, server message, failures), not even in part.

use descope_mgmt::{Error, ErrorCode, NewDcrTemplate, TenantToken};
use descope_mgmt_reliability::{
    client, json_response, leaks, response, Recorded, Server, MGMT_KEY,
};

const REFRESH: &str = "rtQ8w3Er5Ty7Ui9Op1As2Df4Gh6Jk8Lz";
const ACCESS: &str = "atZ1x2C3v4B5n6M7q8W9e0R1t2Y3u4I5";
const ID_TOKEN: &str = "idP0o9I8u7Y6t5R4e3W2q1A2s3D4f5G6";
const SECRETS: [&str; 4] = [MGMT_KEY, REFRESH, ACCESS, ID_TOKEN];

/// How a server reflects the request.
#[derive(Clone, Copy, Debug)]
enum Echo {
    /// Descope JSON error: Authorization in errorDescription, the request in errorMessage.
    DescopeJson(u16),
    /// The Authorization value first in errorMessage, and the body in errorDescription.
    DescopeJsonSwapped(u16),
    /// A framework debug page (HTML) listing headers and body.
    HtmlPage(u16),
    /// Plain text: the bearer first, then the body.
    PlainText(u16),
    /// The secret alone, deep in a long plain-text body (past any excerpt cut).
    Buried(u16),
}

fn reflect(echo: Echo, req: &Recorded) -> Vec<u8> {
    let auth = req.header("authorization").unwrap_or("").to_string();
    let body = String::from_utf8_lossy(&req.body).into_owned();
    match echo {
        Echo::DescopeJson(s) => json_response(
            s,
            &serde_json::json!({
                "errorCode": "E011001",
                "errorDescription": format!("bad header Authorization: {auth}"),
                "errorMessage": format!("could not process {}", req.echo()),
            })
            .to_string(),
        ),
        Echo::DescopeJsonSwapped(s) => json_response(
            s,
            &serde_json::json!({
                "errorCode": "E011001",
                "errorDescription": format!("body was {body}"),
                "errorMessage": auth,
            })
            .to_string(),
        ),
        Echo::HtmlPage(s) => {
            let mut page = String::from(
                "<!DOCTYPE html><html><head><title>Debug</title></head><body><h1>Error</h1><table>",
            );
            for (k, v) in &req.headers {
                page.push_str(&format!("<tr><td>{k}</td><td>{v}</td></tr>"));
            }
            page.push_str(&format!("</table><pre>{body}</pre></body></html>"));
            response(s, &[("Content-Type", "text/html")], page.as_bytes())
        }
        Echo::PlainText(s) => response(
            s,
            &[("Content-Type", "text/plain")],
            format!("{auth}\n{body}").as_bytes(),
        ),
        Echo::Buried(s) => {
            let text = format!("{}{auth} {body}", "x ".repeat(70));
            response(s, &[("Content-Type", "text/plain")], text.as_bytes())
        }
    }
}

fn echoes() -> Vec<Echo> {
    let mut v = Vec::new();
    for s in [400u16, 401, 403, 404, 409, 429, 500, 502, 503] {
        v.extend([
            Echo::DescopeJson(s),
            Echo::DescopeJsonSwapped(s),
            Echo::HtmlPage(s),
            Echo::PlainText(s),
            Echo::Buried(s),
        ]);
    }
    v
}

fn status_of(echo: Echo) -> u16 {
    match echo {
        Echo::DescopeJson(s)
        | Echo::DescopeJsonSwapped(s)
        | Echo::HtmlPage(s)
        | Echo::PlainText(s)
        | Echo::Buried(s) => s,
    }
}

fn check(what: &str, echo: Echo, e: &Error) {
    let found = leaks(e, &SECRETS);
    assert!(
        found.is_empty(),
        "{what} with {echo:?}: a reflected secret reached the error ({}); secrets: #0 management key, #1 refresh token, #2 access token, #3 id token",
        found.join(", ")
    );
    // Scrubbing keeps what is useful.
    assert_eq!(e.status(), Some(status_of(echo)), "{what} with {echo:?}");
    if matches!(echo, Echo::DescopeJson(_) | Echo::DescopeJsonSwapped(_)) {
        assert_eq!(e.descope_code(), Some("E011001"), "{what} with {echo:?}");
    }
}

fn tokens() -> Vec<TenantToken> {
    vec![
        TenantToken {
            id_token: Some(ID_TOKEN.into()),
            ..TenantToken::new("google-drive", "T2tenant1")
                .refresh_token(REFRESH)
                .access_token(ACCESS)
        },
        TenantToken::new("google-drive", "T2tenant2").refresh_token(REFRESH),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echoed_requests_never_put_secrets_into_errors() {
    for echo in echoes() {
        let server = Server::start(move |req, mut conn| async move {
            conn.write(&reflect(echo, &req)).await;
            Some(conn)
        })
        .await;
        // No retries: a 429 or an edge 5xx would only repeat the same answer.
        let c = descope_mgmt_reliability::builder(&server.url())
            .max_retries(0)
            .build()
            .unwrap();
        let e = c.rotate_access_key("K2echo").await.unwrap_err();
        check("rotate", echo, &e);
        let e = c.batch_upload_tenant_tokens(&tokens()).await.unwrap_err();
        check("batch", echo, &e);
        let e = c
            .create_dcr_template(&NewDcrTemplate::new("echo"))
            .await
            .unwrap_err();
        check("create", echo, &e);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_failures_that_quote_tokens_are_scrubbed() {
    let server = Server::start(|req, mut conn| async move {
        let auth = req.header("authorization").unwrap_or("").to_string();
        let body = serde_json::json!({
            "failures": [
                {"appId": "google-drive", "tenantId": "T2tenant1", "errorCode": "E1",
                 "reason": format!("token {ACCESS} refused; refresh {REFRESH}; id {ID_TOKEN}")},
                {"appId": "google-drive", "tenantId": "T2tenant2", "errorCode": "E2",
                 "reason": format!("caller {auth}")},
            ]
        });
        conn.write(&json_response(200, &body.to_string())).await;
        Some(conn)
    })
    .await;
    let e = client(&server.url())
        .batch_upload_tenant_tokens(&tokens())
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::BatchRejected, "{}", e.code());
    let found = leaks(&e, &SECRETS);
    assert!(
        found.is_empty(),
        "a failure reason put a secret into the error: {}",
        found.join(", ")
    );
    assert_eq!(e.failures().len(), 2);
    assert_eq!(e.failures()[1].tenant_id, "T2tenant2");
}
