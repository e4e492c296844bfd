//! The emulated management API: auth, license, rotate, batch upload, template create,
//! routing errors, the journal and reset.

mod common;

use common::*;
use descope_mgmt_emulator::{Emulator, EmulatorHandle, Seed};
use serde_json::{json, Value};

fn emu() -> EmulatorHandle {
    Emulator::start_blocking(Seed::default()).expect("start emulator")
}

#[test]
fn auth_is_required_on_every_mgmt_path() {
    let emu = emu();
    let wrong = format!("Bearer {}:wrong", emu.project_id());
    let wrong_project = format!("Bearer P2other:{}", emu.management_key());
    let bare = format!("Bearer {}", emu.project_id());
    for (method, path) in [
        ("GET", LICENSE),
        ("POST", ROTATE),
        ("POST", BATCH),
        ("POST", CREATE),
    ] {
        send(emu.addr(), method, path, &[], b"{}").assert_error(401, "E011003");
        for h in [&wrong, &wrong_project, &bare] {
            send(emu.addr(), method, path, &[("Authorization", h)], b"{}")
                .assert_error(401, "E011003");
        }
    }
    // Auth failures change nothing.
    let r = send(
        emu.addr(),
        "POST",
        ROTATE,
        &[("Authorization", &wrong)],
        br#"{"id":"K2active"}"#,
    );
    r.assert_error(401, "E011003");
    assert!(verify(&emu, "K2active", "seed-secret-K2active"));
    // The scheme is case-insensitive.
    let lower = auth(&emu).replacen("Bearer", "bearer", 1);
    assert_eq!(
        send(
            emu.addr(),
            "GET",
            LICENSE,
            &[("Authorization", &lower)],
            b""
        )
        .status,
        200
    );
}

#[test]
fn license_answers_the_seeded_tier() {
    let emu = emu();
    let a = auth(&emu);
    let r = send(emu.addr(), "GET", LICENSE, &[("Authorization", &a)], b"");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.json(), json!({"rateLimitTier": "tier1"}));

    let seed = Seed {
        rate_limit_tier: "tier3".into(),
        ..Seed::default()
    };
    let emu3 = Emulator::start_blocking(seed).unwrap();
    let a = auth(&emu3);
    assert_eq!(
        send(emu3.addr(), "GET", LICENSE, &[("Authorization", &a)], b"").json()["rateLimitTier"],
        "tier3"
    );
}

#[test]
fn rotate_returns_full_key_and_replaces_the_secret() {
    let emu = emu();
    assert!(verify(&emu, "K2active", "seed-secret-K2active"));
    let r = mgmt_post(&emu, ROTATE, &json!({"id": "K2active"}));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let v = r.json();
    assert_eq!(
        v["key"],
        json!({
            "id": "K2active", "name": "ci-bot", "roleNames": ["Tenant Admin"],
            "keyTenants": [{"tenantId": "T2acme", "roleNames": ["viewer"], "tenantName": "Acme"}],
            "status": "active", "createdTime": 1750000000, "expireTime": 0,
            "createdBy": "admin@example.com", "clientId": "K2active", "boundUserId": "",
            "customClaims": {"team": "platform"}, "editable": true, "description": "CI key",
            "permittedIps": [], "customAttributes": {}
        })
    );
    let first = v["cleartext"].as_str().unwrap().to_owned();
    assert!(first.len() >= 32);
    assert!(
        !verify(&emu, "K2active", "seed-secret-K2active"),
        "old secret must die"
    );
    assert!(verify(&emu, "K2active", &first));

    let second = mgmt_post(&emu, ROTATE, &json!({"id": "K2active"})).json()["cleartext"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(first, second);
    assert!(!verify(&emu, "K2active", &first));
    assert!(verify(&emu, "K2active", &second));
    assert!(emu.verify_access_key("K2active", &second));
    // Other keys are untouched.
    assert!(verify(&emu, "K2active2", "seed-secret-K2active2"));
    let keys = admin_get(&emu, "/emulator/accesskeys");
    let k = keys["accessKeys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == "K2active")
        .unwrap()
        .clone();
    assert_eq!(k["rotations"], 2);
    assert_eq!(k["secret"], second.as_str());
}

#[test]
fn rotate_rejects_bad_requests() {
    let emu = emu();
    mgmt_post(&emu, ROTATE, &json!({"id": ""})).assert_error(400, "E011002");
    mgmt_post(&emu, ROTATE, &json!({})).assert_error(400, "E011002");
    mgmt_post(&emu, ROTATE, &json!({"id": null})).assert_error(400, "E011002");
    mgmt_post(&emu, ROTATE, &json!({"id": 5})).assert_error(400, "E011001");
    mgmt_post(&emu, ROTATE, &json!(["K2active"])).assert_error(400, "E011001");
    let a = auth(&emu);
    send(emu.addr(), "POST", ROTATE, &[("Authorization", &a)], b"").assert_error(400, "E011002");
    send(
        emu.addr(),
        "POST",
        ROTATE,
        &[("Authorization", &a)],
        b"{\"id\": ",
    )
    .assert_error(400, "E011001");
    mgmt_post(&emu, ROTATE, &json!({"id": "K2nope"})).assert_error(404, "E112102");
    mgmt_post(&emu, ROTATE, &json!({"id": "K2expired"})).assert_error(400, "E011003");
    mgmt_post(&emu, ROTATE, &json!({"id": "K2inactive"})).assert_error(400, "E011003");
    assert!(verify(&emu, "K2expired", "seed-secret-K2expired"));
    assert!(verify(&emu, "K2inactive", "seed-secret-K2inactive"));
}

fn full_item() -> Value {
    json!({
        "appId": "google-drive", "tenantId": "T2acme", "refreshToken": "rt-1", "accessToken": "at-1",
        "accessTokenExpiry": 1767225600, "accessTokenType": "Bearer",
        "scopes": ["https://www.googleapis.com/auth/drive.readonly"], "externalIdentifier": "acme-drive",
        "idToken": "eyJ.id.token", "grantedBy": "it-admin@acme.com"
    })
}

#[test]
fn batch_upload_stores_and_upserts() {
    let emu = emu();
    let second = json!({"appId": "slack", "tenantId": "T2globex", "accessToken": "xoxb-1"});
    let r = mgmt_post(&emu, BATCH, &json!({"tokens": [full_item(), second]}));
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({"failures": []}));
    let stored = admin_get(&emu, "/emulator/outbound/tokens");
    assert_eq!(stored["tokens"], json!([full_item(), second]));
    assert_eq!(
        admin_get(&emu, "/emulator/outbound/tokens?appId=slack")["tokens"],
        json!([second])
    );

    // Upsert per (appId, tenantId): replaces, keeps position, adds the new pair.
    let replaced = json!({"appId": "google-drive", "tenantId": "T2acme", "refreshToken": "rt-2"});
    let third = json!({"appId": "google-drive", "tenantId": "T2initech", "refreshToken": "rt-3"});
    let r = mgmt_post(&emu, BATCH, &json!({"tokens": [replaced, third]}));
    assert_eq!(r.json(), json!({"failures": []}));
    assert_eq!(
        admin_get(&emu, "/emulator/outbound/tokens")["tokens"],
        json!([replaced, second, third])
    );
    assert_eq!(
        admin_get(
            &emu,
            "/emulator/outbound/tokens?appId=google-drive&tenantId=T2initech"
        )["tokens"],
        json!([third])
    );
}

#[test]
fn batch_upload_is_all_or_nothing_and_lists_every_failure() {
    let emu = emu();
    let tokens = json!([
        full_item(),
        {"appId": "unknown-app", "tenantId": "T2a", "accessToken": "x"},
        {"appId": "slack", "tenantId": "", "accessToken": "x"},
        {"appId": "slack", "tenantId": "T2b"},
        {"appId": "slack", "tenantId": "T2c", "refreshToken": "x", "accessTokenExpiry": -1},
        {"appId": "slack", "tenantId": "T2d", "refreshToken": "x", "accessTokenExpiry": 4102444800i64},
        {"appId": "slack", "tenantId": "T2e", "refreshToken": "x", "accessTokenExpiry": 1.5},
        {"tenantId": "T2f", "refreshToken": "x"}
    ]);
    let r = mgmt_post(&emu, BATCH, &json!({ "tokens": tokens }));
    assert_eq!(r.status, 200);
    let failures = r.json()["failures"].as_array().unwrap().clone();
    assert_eq!(failures.len(), 7, "{failures:#?}");
    let tenants: Vec<&str> = failures
        .iter()
        .map(|f| f["tenantId"].as_str().unwrap())
        .collect();
    assert_eq!(tenants, ["T2a", "", "T2b", "T2c", "T2d", "T2e", "T2f"]);
    assert_eq!(
        failures[0],
        json!({"appId": "unknown-app", "tenantId": "T2a", "errorCode": "E011004", "reason": failures[0]["reason"]})
    );
    for f in &failures {
        assert!(f["errorCode"].as_str().unwrap().starts_with('E'));
        assert!(!f["reason"].as_str().unwrap().is_empty());
    }
    assert_eq!(
        admin_get(&emu, "/emulator/outbound/tokens")["tokens"],
        json!([]),
        "nothing stored"
    );

    mgmt_post(&emu, BATCH, &json!({"tokens": []})).assert_error(400, "E011002");
    mgmt_post(&emu, BATCH, &json!({})).assert_error(400, "E011002");
    mgmt_post(&emu, BATCH, &json!({"tokens": {"appId": "slack"}})).assert_error(400, "E011001");
    mgmt_post(&emu, BATCH, &json!({"tokens": ["x"]})).assert_error(400, "E011001");
    mgmt_post(
        &emu,
        BATCH,
        &json!({"tokens": [{"appId": 1, "tenantId": "T", "accessToken": "x"}]}),
    )
    .assert_error(400, "E011001");
}

fn full_template(name: &str) -> Value {
    json!({
        "name": name,
        "description": "Defaults for MCP clients",
        "loginPageURL": "https://auth.example.com/login/mcp",
        "sessionSettings": {
            "enabled": true,
            "sessionTokenExpiration": 10, "sessionTokenExpirationUnit": "minutes",
            "refreshTokenExpiration": 4, "refreshTokenExpirationUnit": "weeks",
            "userTemplateId": "JT2userClaims", "keyTemplateId": "",
            "keySessionTokenExpiration": 0, "keySessionTokenExpirationUnit": ""
        },
        "skipConsentScreen": false,
        "forceAddAllAuthorizationInfo": true,
        "tags": ["mcp", "agents"],
        "approvedCallbackUrls": ["https://client.example.com/cb"]
    })
}

#[test]
fn create_template_echoes_fields_and_rejects_duplicates() {
    let emu = emu();
    let body = full_template("MCP agents");
    let r = mgmt_post(&emu, CREATE, &body);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let t = r.json()["template"].clone();
    for (k, v) in body.as_object().unwrap() {
        assert_eq!(&t[k], v, "field {k} (unknown fields are kept)");
    }
    let id = t["id"].as_str().unwrap();
    assert!(id.starts_with("DRT2") && id.len() > 10, "{id}");
    assert_eq!(t["version"], "1");
    let created = t["createdTime"].as_str().unwrap();
    assert_eq!(created.len(), 20, "{created}");
    assert!(created.ends_with('Z') && created.as_bytes()[10] == b'T');
    assert_eq!(t["modifiedTime"], t["createdTime"]);

    let listed = admin_get(&emu, "/emulator/templates?name=MCP%20agents");
    assert_eq!(listed["templates"], json!([t]));
    assert_eq!(listed["created"], json!([t]));
    let all = admin_get(&emu, "/emulator/templates");
    assert_eq!(
        all["templates"].as_array().unwrap().len(),
        3,
        "Default + Existing + new"
    );
    assert_eq!(all["created"].as_array().unwrap().len(), 1);

    mgmt_post(&emu, CREATE, &json!({"name": "MCP agents"})).assert_error(409, "E011004");
    mgmt_post(&emu, CREATE, &json!({"name": "Existing"})).assert_error(409, "E011004");
    mgmt_post(&emu, CREATE, &json!({"name": "Default"})).assert_error(409, "E011004");
    assert_eq!(
        admin_get(&emu, "/emulator/templates")["created"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        mgmt_post(&emu, CREATE, &json!({"name": "Only a name"})).json()["template"]["name"],
        "Only a name"
    );
}

#[test]
fn create_template_validates() {
    let emu = emu();
    mgmt_post(&emu, CREATE, &json!({})).assert_error(400, "E011002");
    mgmt_post(&emu, CREATE, &json!({"name": ""})).assert_error(400, "E011002");
    mgmt_post(&emu, CREATE, &json!({"name": 3})).assert_error(400, "E011001");
    mgmt_post(
        &emu,
        CREATE,
        &json!({"name": "a", "loginPageURL": "/login"}),
    )
    .assert_error(400, "E011004");
    mgmt_post(
        &emu,
        CREATE,
        &json!({"name": "a", "loginPageURL": "ftp://x.example.com"}),
    )
    .assert_error(400, "E011004");
    mgmt_post(
        &emu,
        CREATE,
        &json!({"name": "a", "sessionSettings": {"sessionTokenExpirationUnit": "fortnights"}}),
    )
    .assert_error(400, "E011004");
    mgmt_post(
        &emu,
        CREATE,
        &json!({"name": "a", "sessionSettings": {"refreshTokenExpiration": -1}}),
    )
    .assert_error(400, "E011004");
    mgmt_post(&emu, CREATE, &json!({"name": "a", "tags": "mcp"})).assert_error(400, "E011001");
    assert_eq!(admin_get(&emu, "/emulator/templates")["created"], json!([]));
    // Empty units and an empty loginPageURL are fine.
    let ok = json!({"name": "a", "loginPageURL": "", "sessionSettings": {"sessionTokenExpirationUnit": ""}});
    assert_eq!(mgmt_post(&emu, CREATE, &ok).status, 200);
}

#[test]
fn routing_errors_use_descope_bodies() {
    let emu = emu();
    let a = auth(&emu);
    send(
        emu.addr(),
        "GET",
        "/v1/mgmt/unknown",
        &[("Authorization", &a)],
        b"",
    )
    .assert_error(404, "E011006");
    send(emu.addr(), "POST", "/nothing/here", &[], b"").assert_error(404, "E011006");
    send(emu.addr(), "GET", "/emulator/nothing", &[], b"").assert_error(404, "E011006");
    let r = send(emu.addr(), "GET", ROTATE, &[("Authorization", &a)], b"");
    r.assert_error(405, "E011001");
    send(emu.addr(), "POST", LICENSE, &[("Authorization", &a)], b"").assert_error(405, "E011001");
    send(
        emu.addr(),
        "POST",
        CREATE,
        &[("Authorization", &a)],
        b"{not json",
    )
    .assert_error(400, "E011001");
    send(
        emu.addr(),
        "POST",
        BATCH,
        &[("Authorization", &a)],
        b"{\"tokens\": [",
    )
    .assert_error(400, "E011001");
    send(emu.addr(), "POST", "/emulator/faults", &[], b"{oops").assert_error(400, "E011001");
    send(
        emu.addr(),
        "POST",
        "/emulator/faults",
        &[],
        br#"{"path":"x"}"#,
    )
    .assert_error(400, "E011004");
}

#[test]
fn journal_records_every_non_emulator_request() {
    let emu = emu();
    let a = auth(&emu);
    send(
        emu.addr(),
        "GET",
        LICENSE,
        &[("Authorization", &a), ("X-Descope-Sdk-Name", "rust")],
        b"",
    );
    send(emu.addr(), "POST", "/v1/mgmt/unknown?x=1", &[], b"raw body");
    mgmt_post(&emu, ROTATE, &json!({"id": "K2active"}));
    admin_get(&emu, "/emulator/health");
    let j = admin_get(&emu, "/emulator/journal");
    let reqs = j["requests"].as_array().unwrap();
    assert_eq!(reqs.len(), 3, "{j:#}");
    assert_eq!(reqs[0]["method"], "GET");
    assert_eq!(reqs[0]["path"], LICENSE);
    assert_eq!(reqs[0]["headers"]["authorization"], a.as_str());
    assert_eq!(reqs[0]["headers"]["x-descope-sdk-name"], "rust");
    assert_eq!(reqs[0]["body"], "");
    assert!(reqs[0]["ts"].as_u64().unwrap() > 1_700_000_000_000);
    assert_eq!(reqs[1]["path"], "/v1/mgmt/unknown");
    assert_eq!(reqs[1]["query"], "x=1");
    assert_eq!(reqs[1]["body"], "raw body");
    assert_eq!(reqs[2]["body"], r#"{"id":"K2active"}"#);
    assert_eq!(reqs[2]["headers"]["content-type"], "application/json");
    assert_eq!(journal_count(&emu, "POST", ROTATE), 1);
    assert_eq!(emu.request_count("POST", ROTATE), 1);

    assert_eq!(
        send(emu.addr(), "DELETE", "/emulator/journal", &[], b"").status,
        200
    );
    assert_eq!(admin_get(&emu, "/emulator/journal")["requests"], json!([]));
}

#[test]
fn reset_restores_the_seed() {
    let emu = emu();
    mgmt_post(&emu, ROTATE, &json!({"id": "K2active"}));
    mgmt_post(&emu, BATCH, &json!({"tokens": [full_item()]}));
    mgmt_post(&emu, CREATE, &json!({"name": "temp"}));
    fault(&emu, json!({"path": ROTATE, "status": 500}));
    assert_eq!(admin_get(&emu, "/emulator/faults")["queued"], 1);
    assert_eq!(
        admin_post(&emu, "/emulator/reset", &json!({})),
        json!({"ok": true})
    );
    assert!(verify(&emu, "K2active", "seed-secret-K2active"));
    assert_eq!(
        admin_get(&emu, "/emulator/outbound/tokens")["tokens"],
        json!([])
    );
    assert_eq!(admin_get(&emu, "/emulator/templates")["created"], json!([]));
    assert_eq!(
        admin_get(&emu, "/emulator/templates")["templates"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(admin_get(&emu, "/emulator/faults")["queued"], 0);
    assert_eq!(admin_get(&emu, "/emulator/journal")["requests"], json!([]));
    assert_eq!(
        mgmt_post(&emu, ROTATE, &json!({"id": "K2active"})).status,
        200,
        "fault was cleared"
    );
    emu.reset();
    assert!(emu.verify_access_key("K2active", "seed-secret-K2active"));
}

#[test]
fn admin_endpoints() {
    let emu = emu();
    assert_eq!(admin_get(&emu, "/emulator/health"), json!({"ok": true}));
    let seed: Seed = serde_json::from_value(admin_get(&emu, "/emulator/seed")).unwrap();
    assert_eq!(seed, Seed::default());
    assert!(!verify(&emu, "K2active", "wrong"));
    assert!(!verify(&emu, "K2nope", "seed-secret-K2nope"));
    assert!(!verify(&emu, "K2active", ""));
    let keys = admin_get(&emu, "/emulator/accesskeys");
    let ids: Vec<&str> = keys["accessKeys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["K2active", "K2active2", "K2expired", "K2inactive"]);
    send(emu.addr(), "GET", "/emulator/reset", &[], b"").assert_error(405, "E011001");
}

#[test]
fn default_seed_matches_the_contract() {
    let seed = Seed::default();
    assert_eq!(seed.project_id, "P2EmulatorProject00000000000");
    assert_eq!(seed.project_id.len(), 28);
    assert_eq!(seed.management_key, "K2EmulatorManagementKey");
    assert_eq!(seed.outbound_apps, ["google-drive", "slack"]);
    assert_eq!(seed.secret_of("K2active"), Some("seed-secret-K2active"));
    let json = serde_json::to_value(&seed).unwrap();
    assert_eq!(json["accessKeys"][0]["keyTenants"][0]["tenantName"], "Acme");
    assert_eq!(json["accessKeys"][0]["secret"], "seed-secret-K2active");
    // Round trip, and a partial seed file keeps built-in values for missing fields.
    assert_eq!(Seed::from_json(json.to_string().as_bytes()).unwrap(), seed);
    let partial = Seed::from_json(
        br#"{"managementKey":"K2other","accessKeys":[{"id":"K9","status":"active"}]}"#,
    )
    .unwrap();
    assert_eq!(partial.project_id, seed.project_id);
    assert_eq!(partial.management_key, "K2other");
    assert_eq!(partial.access_keys.len(), 1);
    assert_eq!(partial.access_keys[0].secret, "seed-secret-K9");
    assert!(Seed::from_json(br#"{"projectId":""}"#).is_err());
    assert!(Seed::from_json(br#"{"templates":[{"name":""}]}"#).is_err());
}

#[test]
fn custom_seed_file() {
    let dir = std::env::temp_dir().join(format!("emu-seed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("seed.json");
    std::fs::write(
        &path,
        r#"{"projectId":"P2custom","managementKey":"K2m","outboundApps":["github"],
            "accessKeys":[{"id":"K2x","status":"active","secret":"s3cret","name":"x"}],
            "templates":[{"name":"T"}]}"#,
    )
    .unwrap();
    let seed = Seed::from_file(&path).unwrap();
    let emu = Emulator::start_blocking(seed).unwrap();
    assert_eq!(emu.project_id(), "P2custom");
    assert!(verify(&emu, "K2x", "s3cret"));
    let r = mgmt_post(
        &emu,
        BATCH,
        &json!({"tokens": [{"appId": "github", "tenantId": "T", "accessToken": "a"}]}),
    );
    assert_eq!(r.json()["failures"], json!([]));
    let t = admin_get(&emu, "/emulator/templates")["templates"][0].clone();
    assert_eq!(t["name"], "T");
    assert!(t["id"].as_str().unwrap().starts_with("DRT2"));
    mgmt_post(&emu, CREATE, &json!({"name": "T"})).assert_error(409, "E011004");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_start_serves_on_the_callers_runtime() {
    let emu = Emulator::start(Seed::default()).await.unwrap();
    assert!(emu.url().starts_with("http://127.0.0.1:"));
    let addr = emu.addr();
    let a = auth(&emu);
    let r = tokio::task::spawn_blocking(move || {
        send(addr, "GET", LICENSE, &[("Authorization", &a)], b"")
    })
    .await
    .unwrap();
    assert_eq!(r.status, 200);
    drop(emu);
    // After drop the listener is gone.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert!(std::net::TcpStream::connect(addr).is_err());
}

#[test]
fn blocking_handle_stops_on_drop() {
    let emu = emu();
    let addr = emu.addr();
    assert_eq!(admin_get(&emu, "/emulator/health")["ok"], true);
    drop(emu);
    assert!(std::net::TcpStream::connect(addr).is_err());
}

#[test]
fn keep_alive_connection_serves_many_requests() {
    use std::io::{Read, Write};
    let emu = emu();
    let mut s = std::net::TcpStream::connect(emu.addr()).unwrap();
    let a = auth(&emu);
    let req = format!("GET {LICENSE} HTTP/1.1\r\nHost: x\r\nAuthorization: {a}\r\n\r\n");
    let mut buf = [0u8; 4096];
    for _ in 0..50 {
        s.write_all(req.as_bytes()).unwrap();
        let mut text = String::new();
        while !text.ends_with("{\"rateLimitTier\":\"tier1\"}") {
            let n = s.read(&mut buf).unwrap();
            assert!(n > 0, "connection closed: {text}");
            text.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
        assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    }
}
