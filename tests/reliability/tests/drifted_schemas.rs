//! 200 answers whose shape drifted from the documented one. A rotate keeps its cleartext
//! whatever the key metadata looks like; only a missing or invalid cleartext is an error,
//! and that error says the key was probably rotated. A batch answer must be an object
//! with `failures`, and never list more failures than tokens were sent.

use std::time::{Duration, Instant};

use descope_mgmt::{ErrorCode, TenantToken, BATCH_UPLOAD_PATH, ROTATE_PATH};
use descope_mgmt_reliability::{builder, client, json_response, settle, Server};
use serde_json::{json, Value};

async fn answering(status: u16, body: String) -> Server {
    Server::start(move |_, mut conn| {
        let body = body.clone();
        async move {
            conn.write(&json_response(status, &body)).await;
            Some(conn)
        }
    })
    .await
}

fn key_with(field: &str, value: Value) -> Value {
    let mut key = json!({
        "id": "K2drift", "name": "drift", "roleNames": ["r"], "keyTenants": [],
        "status": "active", "createdTime": 1700000000, "expireTime": 0,
        "customClaims": {}, "editable": true, "permittedIps": []
    });
    key[field] = value;
    key
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotate_keeps_its_cleartext_when_key_metadata_drifts() {
    let mut keys: Vec<(String, Value)> = vec![
        ("roleNames: null".into(), key_with("roleNames", Value::Null)),
        (
            "createdTime: \"x\"".into(),
            key_with("createdTime", json!("x")),
        ),
        ("expireTime: 1.5".into(), key_with("expireTime", json!(1.5))),
        (
            "customClaims: []".into(),
            key_with("customClaims", json!([])),
        ),
        (
            "editable: \"true\"".into(),
            key_with("editable", json!("true")),
        ),
        (
            "keyTenants: null".into(),
            key_with("keyTenants", Value::Null),
        ),
        (
            "keyTenants: [{roleNames: null}]".into(),
            key_with("keyTenants", json!([{"tenantId": "T1", "roleNames": null}])),
        ),
        (
            "permittedIps: {}".into(),
            key_with("permittedIps", json!({})),
        ),
        ("status: 5".into(), key_with("status", json!(5))),
        (
            "customAttributes: \"x\"".into(),
            key_with("customAttributes", json!("x")),
        ),
    ];
    let mut all = key_with("roleNames", Value::Null);
    all["createdTime"] = json!("x");
    all["expireTime"] = json!(1.5);
    all["customClaims"] = json!([]);
    all["editable"] = json!("true");
    keys.push(("all of the above at once".into(), all));
    for (what, key) in keys {
        let body = json!({"key": key, "cleartext": "kept-secret-1"}).to_string();
        let server = answering(200, body).await;
        match client(&server.url()).rotate_access_key("K2drift").await {
            Ok(r) => {
                assert_eq!(r.cleartext.expose(), "kept-secret-1", "{what}");
                assert_eq!(r.key.id, "K2drift", "{what}");
            }
            Err(e) => panic!("a 200 rotate with {what} lost its cleartext: {e}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotate_without_a_usable_cleartext_says_the_key_was_probably_rotated() {
    let key = key_with("name", json!("n"));
    let bodies = [
        json!({"key": key}).to_string(),
        json!({"key": key, "cleartext": null}).to_string(),
        json!({"key": key, "cleartext": 5}).to_string(),
        json!({"key": key, "cleartext": ""}).to_string(),
        json!({"key": key, "cleartext": ["x"]}).to_string(),
        "[]".to_string(),
        "{}".to_string(),
        "null".to_string(),
        "<html>ok</html>".to_string(),
        r#"{"key":{"id":"K2drift"},"cleartext":"trunc"#.to_string(),
    ];
    for (i, body) in bodies.into_iter().enumerate() {
        let server = answering(200, body).await;
        let e = client(&server.url())
            .rotate_access_key("K2drift")
            .await
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::Decode, "body #{i}: {e}");
        assert_eq!(e.status(), Some(200), "body #{i}");
        assert!(
            e.message()
                .to_ascii_lowercase()
                .contains("probably rotated"),
            "body #{i}: the message must say the key was probably rotated: {e}"
        );
        settle().await;
        assert_eq!(
            server.seen().count(ROTATE_PATH),
            1,
            "body #{i}: rotate resent"
        );
    }
}

fn two_tokens() -> Vec<TenantToken> {
    vec![
        TenantToken::new("app", "T1").access_token("at-drift-1"),
        TenantToken::new("app", "T2").access_token("at-drift-2"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_answer_must_be_an_object_with_failures() {
    let bad = [
        "[]",
        r#"[{"failures":[]}]"#,
        "{}",
        r#"{"other":1}"#,
        r#""ok""#,
        "true",
        "null",
        r#"{"failures":{}}"#,
        r#"{"failures":"none"}"#,
    ];
    for body in bad {
        let server = answering(200, body.to_string()).await;
        let c = builder(&server.url()).max_retries(0).build().unwrap();
        match c.batch_upload_tenant_tokens(&two_tokens()).await {
            Ok(()) => panic!("a 200 batch answer {body} was taken as success"),
            Err(e) => assert_eq!(e.code(), ErrorCode::Decode, "{body}: {e}"),
        }
    }
    for good in [
        r#"{"failures":[]}"#,
        r#"{"failures":[],"newField":{"a":1}}"#,
    ] {
        let server = answering(200, good.to_string()).await;
        client(&server.url())
            .batch_upload_tenant_tokens(&two_tokens())
            .await
            .unwrap_or_else(|e| panic!("{good}: {e}"));
    }
}

fn failures(n: usize) -> String {
    let items: Vec<Value> = (0..n)
        .map(|i| json!({"appId": "app", "tenantId": format!("T{i}"), "errorCode": "E1", "reason": "bad"}))
        .collect();
    json!({ "failures": items }).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_failures_than_tokens_sent_is_decode() {
    // As many failures as tokens: a real rejection.
    let server = answering(200, failures(2)).await;
    let e = client(&server.url())
        .batch_upload_tenant_tokens(&two_tokens())
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::BatchRejected, "{e}");
    assert_eq!(e.failures().len(), 2);
    for n in [3usize, 50_000] {
        let server = answering(200, failures(n)).await;
        let started = Instant::now();
        let e = client(&server.url())
            .batch_upload_tenant_tokens(&two_tokens())
            .await
            .unwrap_err();
        assert_eq!(
            e.code(),
            ErrorCode::Decode,
            "{n} failures for 2 tokens: {}",
            e.code()
        );
        assert!(e.failures().len() <= 2, "{n} failures kept");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        assert!(server.seen().count(BATCH_UPLOAD_PATH) >= 1);
    }
}
