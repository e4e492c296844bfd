//! Sanity checks of the shared scenario vectors in `tests/vectors/*.json` against the
//! emulator (no client involved): the schema, that every fault is accepted by
//! `POST /emulator/faults`, and that vectors needing neither faults nor client behaviour
//! (retries, validation, timeouts) describe what the emulator really answers — using the
//! same `result` matching and `applied` checks every binding's harness implements.

mod common;

use std::collections::HashSet;
use std::path::PathBuf;

use common::*;
use descope_mgmt_emulator::{Emulator, EmulatorHandle, Seed};
use serde_json::{json, Value};

const CODES: [&str; 13] = [
    "INVALID_ARGUMENT",
    "CONFIG",
    "UNAUTHORIZED",
    "FORBIDDEN",
    "NOT_FOUND",
    "RATE_LIMITED",
    "BATCH_REJECTED",
    "API_ERROR",
    "SERVER_ERROR",
    "TIMEOUT",
    "CONNECTION",
    "OUTCOME_UNKNOWN",
    "DECODE",
];

fn path_of(call: &str) -> &'static str {
    match call {
        "rotate_access_key" => ROTATE,
        "batch_upload_tenant_tokens" => BATCH,
        "create_dcr_template" => CREATE,
        other => panic!("unknown call {other:?}"),
    }
}

/// The JSON body the client sends for a vector's args.
fn wire_body(call: &str, args: &Value) -> Value {
    match call {
        "create_dcr_template" => args["template"].clone(),
        _ => args.clone(),
    }
}

fn load() -> Vec<Value> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 3,
        "expected the vector files in {}",
        dir.display()
    );
    let mut all = Vec::new();
    for f in files {
        let v: Value = serde_json::from_slice(&std::fs::read(&f).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        all.extend(
            v.as_array()
                .unwrap_or_else(|| panic!("{} must hold an array", f.display()))
                .iter()
                .cloned(),
        );
    }
    all
}

/// The `result` subset rule of tests/vectors/README.md.
fn matches(expected: &Value, actual: &Value) -> bool {
    match expected {
        Value::String(s) if s == "$any" => true,
        Value::String(s) if s == "$nonempty" => actual.as_str().is_some_and(|a| !a.is_empty()),
        Value::Object(e) => actual.as_object().is_some_and(|a| {
            e.iter()
                .all(|(k, ev)| a.get(k).is_some_and(|av| matches(ev, av)))
        }),
        Value::Array(e) => actual
            .as_array()
            .is_some_and(|a| a.len() == e.len() && e.iter().zip(a).all(|(ev, av)| matches(ev, av))),
        Value::Number(n) => actual.as_f64().is_some_and(|a| Some(a) == n.as_f64()),
        other => other == actual,
    }
}

/// The `applied` check of tests/vectors/README.md.
fn applied(emu: &EmulatorHandle, call: &str, args: &Value) -> bool {
    match call {
        "rotate_access_key" => {
            let id = args["id"].as_str().unwrap_or_default();
            let seed = admin_get(emu, "/emulator/seed");
            let Some(key) = seed["accessKeys"]
                .as_array()
                .unwrap()
                .iter()
                .find(|k| k["id"] == id)
            else {
                return false;
            };
            !verify(emu, id, key["secret"].as_str().unwrap())
        }
        "batch_upload_tenant_tokens" => {
            let first = &args["tokens"][0];
            let app = first["appId"].as_str().unwrap_or_default();
            let tenant = first["tenantId"].as_str().unwrap_or_default();
            admin_get(emu, "/emulator/outbound/tokens")["tokens"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["appId"] == app && t["tenantId"] == tenant)
        }
        "create_dcr_template" => {
            let name = args["template"]["name"].as_str().unwrap_or_default();
            admin_get(emu, "/emulator/templates")["created"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["name"] == name)
        }
        _ => unreachable!(),
    }
}

#[test]
fn vectors_are_well_formed() {
    let all = load();
    let mut names = HashSet::new();
    let seed = Seed::default();
    for v in &all {
        let name = v["name"].as_str().expect("name");
        assert!(
            names.insert(name.to_owned()),
            "duplicate vector name {name}"
        );
        let keys: HashSet<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        let allowed: HashSet<&str> = [
            "name",
            "description",
            "call",
            "args",
            "client",
            "faults",
            "expect",
        ]
        .into();
        assert!(keys.is_subset(&allowed), "{name}: unexpected keys {keys:?}");
        let call = v["call"].as_str().expect("call");
        let path = path_of(call);
        let args = &v["args"];
        match call {
            "rotate_access_key" => assert!(args["id"].is_string(), "{name}"),
            "batch_upload_tenant_tokens" => assert!(args["tokens"].is_array(), "{name}"),
            _ => assert!(args["template"].is_object(), "{name}"),
        }
        if let Some(client) = v.get("client") {
            for k in client.as_object().unwrap().keys() {
                assert!(
                    ["timeoutMs", "maxRetries", "managementKey", "baseUrl"].contains(&k.as_str()),
                    "{name}: client.{k}"
                );
            }
        }
        for fault in v
            .get("faults")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            assert_eq!(fault["path"], path, "{name}: faults target the call's path");
            assert_eq!(
                fault["method"], "POST",
                "{name}: faults name the method (the license GET must not match)"
            );
        }
        let e = &v["expect"];
        let ok = e["ok"].as_bool().expect("expect.ok");
        let requests = e["requests"]
            .as_u64()
            .unwrap_or_else(|| panic!("{name}: expect.requests"));
        let was_applied = e["applied"]
            .as_bool()
            .unwrap_or_else(|| panic!("{name}: expect.applied"));
        if ok {
            assert!(e.get("error").is_none(), "{name}");
            assert!(
                requests >= 1 && was_applied,
                "{name}: a success reached the server and applied"
            );
        } else {
            assert!(e.get("result").is_none(), "{name}");
            let err = &e["error"];
            let code = err["code"]
                .as_str()
                .unwrap_or_else(|| panic!("{name}: error.code"));
            assert!(CODES.contains(&code), "{name}: unknown code {code}");
            for k in err.as_object().unwrap().keys() {
                assert!(
                    ["code", "status", "errorCode", "retryAfter", "failuresCount"]
                        .contains(&k.as_str()),
                    "{name}: error.{k}"
                );
            }
            if code == "INVALID_ARGUMENT" {
                assert_eq!((requests, was_applied), (0, false), "{name}");
            }
            if let Some(status) = err.get("status").and_then(Value::as_u64) {
                // The status must be one the server sends: from a fault or from the emulator.
                let from_fault = v["faults"]
                    .as_array()
                    .is_some_and(|fs| fs.iter().any(|f| f["status"] == status));
                assert!(
                    from_fault || v.get("faults").is_none(),
                    "{name}: status {status} is never sent"
                );
            }
        }
        if call == "rotate_access_key" && ok {
            assert!(
                seed.secret_of(args["id"].as_str().unwrap()).is_some(),
                "{name}: rotate a seeded key"
            );
        }
    }
    let calls: HashSet<&str> = all.iter().map(|v| v["call"].as_str().unwrap()).collect();
    assert_eq!(calls.len(), 3);
}

#[test]
fn vector_faults_are_accepted_by_the_emulator() {
    let emu = Emulator::start_blocking(Seed::default()).unwrap();
    for v in load() {
        if let Some(faults) = v.get("faults") {
            let r = send(
                emu.addr(),
                "POST",
                "/emulator/faults",
                &[],
                faults.to_string().as_bytes(),
            );
            assert_eq!(
                r.status,
                200,
                "{}: {}",
                v["name"],
                String::from_utf8_lossy(&r.body)
            );
            assert_eq!(
                r.json()["queued"],
                faults.as_array().unwrap().len(),
                "{}",
                v["name"]
            );
            send(emu.addr(), "DELETE", "/emulator/faults", &[], b"");
        }
    }
}

/// Vectors whose outcome depends only on the server (no faults, no client-side validation,
/// no retries, no base URL override) are replayed as one raw request.
#[test]
fn server_only_vectors_match_the_emulator() {
    let emu = Emulator::start_blocking(Seed::default()).unwrap();
    let mut replayed = 0;
    for v in load() {
        let name = v["name"].as_str().unwrap();
        let e = &v["expect"];
        let code = e["error"]["code"].as_str().unwrap_or("");
        if v.get("faults").is_some() || code == "INVALID_ARGUMENT" || code == "CONNECTION" {
            continue;
        }
        admin_post(&emu, "/emulator/reset", &json!({}));
        let call = v["call"].as_str().unwrap();
        let key = v["client"]["managementKey"]
            .as_str()
            .unwrap_or(emu.management_key());
        let auth = format!("Bearer {}:{key}", emu.project_id());
        let body = wire_body(call, &v["args"]).to_string();
        let r = send(
            emu.addr(),
            "POST",
            path_of(call),
            &[("Authorization", &auth)],
            body.as_bytes(),
        );
        let got = r.json();
        if e["ok"] == true {
            assert_eq!(r.status, 200, "{name}: {got}");
            if call == "batch_upload_tenant_tokens" {
                assert_eq!(got["failures"], json!([]), "{name}");
            }
            if let Some(result) = e.get("result") {
                assert!(matches(result, &got), "{name}: {result} !~ {got}");
            }
        } else if code == "BATCH_REJECTED" {
            assert_eq!(r.status, 200, "{name}");
            assert_eq!(
                got["failures"].as_array().unwrap().len() as u64,
                e["error"]["failuresCount"].as_u64().unwrap(),
                "{name}"
            );
        } else {
            if let Some(status) = e["error"].get("status") {
                assert_eq!(
                    u64::from(r.status),
                    status.as_u64().unwrap(),
                    "{name}: {got}"
                );
            }
            if let Some(ec) = e["error"].get("errorCode") {
                assert_eq!(&got["errorCode"], ec, "{name}");
            }
        }
        assert_eq!(
            journal_count(&emu, "POST", path_of(call)) as u64,
            e["requests"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            applied(&emu, call, &v["args"]),
            e["applied"].as_bool().unwrap(),
            "{name}: applied"
        );
        replayed += 1;
    }
    assert!(replayed >= 10, "only {replayed} vectors replayed");
}

#[test]
fn subset_matching_rules() {
    assert!(matches(&json!({"a": 1}), &json!({"a": 1.0, "b": 2})));
    assert!(!matches(&json!({"a": 1}), &json!({"b": 1})));
    assert!(matches(
        &json!({"a": [1, {"x": "$nonempty"}]}),
        &json!({"a": [1, {"x": "v", "y": 0}]})
    ));
    assert!(!matches(&json!({"a": [1]}), &json!({"a": [1, 2]})));
    assert!(!matches(&json!("$nonempty"), &json!("")));
    assert!(matches(&json!({"a": "$any"}), &json!({"a": null})));
    assert!(!matches(&json!({"a": "$any"}), &json!({})));
}
