//! Runs every shared scenario vector in `tests/vectors/` against the emulator, as every
//! binding's suite does. See `tests/vectors/README.md` for the schema.

mod support;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use descope_mgmt::logs::LogQueue;
use descope_mgmt::{
    Error, NewDcrTemplate, TenantToken, BATCH_UPLOAD_PATH, CREATE_DCR_TEMPLATE_PATH, ROTATE_PATH,
};
use serde_json::{json, Value};
use support::Emu;

fn vector_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/vectors exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    files
}

/// The vector matching rule: objects are subsets, arrays match element-wise, and the
/// strings `$nonempty` / `$any` are wildcards.
fn matches(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::String(s), _) if s == "$any" => true,
        (Value::String(s), Value::String(a)) if s == "$nonempty" => !a.is_empty(),
        (Value::Object(e), Value::Object(a)) => e
            .iter()
            .all(|(k, v)| a.get(k).is_some_and(|av| matches(v, av))),
        (Value::Array(e), Value::Array(a)) => {
            e.len() == a.len() && e.iter().zip(a).all(|(x, y)| matches(x, y))
        }
        (Value::Number(e), Value::Number(a)) => e.as_f64() == a.as_f64(),
        (e, a) => e == a,
    }
}

fn path_of(call: &str) -> &'static str {
    match call {
        "rotate_access_key" => ROTATE_PATH,
        "batch_upload_tenant_tokens" => BATCH_UPLOAD_PATH,
        "create_dcr_template" => CREATE_DCR_TEMPLATE_PATH,
        other => panic!("unknown call {other}"),
    }
}

/// Runs the call; returns the result in wire shape, or the error.
async fn run_call(client: &descope_mgmt::Client, call: &str, args: &Value) -> Result<Value, Error> {
    match call {
        "rotate_access_key" => {
            let id = args["id"].as_str().unwrap_or("");
            let r = client.rotate_access_key(id).await?;
            Ok(json!({"key": r.key.to_json(), "cleartext": r.cleartext.expose()}))
        }
        "batch_upload_tenant_tokens" => {
            let tokens: Vec<TenantToken> =
                serde_json::from_value(args["tokens"].clone()).expect("vector tokens decode");
            client.batch_upload_tenant_tokens(&tokens).await?;
            Ok(Value::Null)
        }
        "create_dcr_template" => {
            let t: NewDcrTemplate =
                serde_json::from_value(args["template"].clone()).expect("vector template decodes");
            let created = client.create_dcr_template(&t).await?;
            Ok(json!({"template": created.to_json()}))
        }
        other => panic!("unknown call {other}"),
    }
}

async fn applied(emu: &Emu, call: &str, args: &Value) -> bool {
    match call {
        "rotate_access_key" => {
            let id = args["id"].as_str().unwrap_or("");
            let seed = emu
                .admin(reqwest::Method::GET, "/emulator/seed", None)
                .await;
            let Some(secret) = seed["accessKeys"]
                .as_array()
                .and_then(|ks| ks.iter().find(|k| k["id"] == id))
                .and_then(|k| k["secret"].as_str())
            else {
                return false;
            };
            !emu.secret_valid(id, secret).await
        }
        "batch_upload_tenant_tokens" => {
            let Some(first) = args["tokens"].get(0) else {
                return false;
            };
            let (app, tenant) = (
                first["appId"].as_str().unwrap_or(""),
                first["tenantId"].as_str().unwrap_or(""),
            );
            emu.tokens()
                .await
                .iter()
                .any(|t| t["appId"] == app && t["tenantId"] == tenant)
        }
        "create_dcr_template" => {
            let name = &args["template"]["name"];
            let v = emu
                .admin(reqwest::Method::GET, "/emulator/templates", None)
                .await;
            v["created"]
                .as_array()
                .is_some_and(|ts| ts.iter().any(|t| &t["name"] == name))
        }
        other => panic!("unknown call {other}"),
    }
}

fn check_error(e: &Error, want: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let mut check = |field: &str, actual: Value| {
        if let Some(w) = want.get(field) {
            if !matches(w, &actual) {
                problems.push(format!("error.{field}: want {w}, got {actual}"));
            }
        }
    };
    check("code", json!(e.code().as_str()));
    check("status", json!(e.status()));
    check("errorCode", json!(e.descope_code()));
    check(
        "retryAfter",
        json!(e.retry_after().map(|d| d.as_secs_f64())),
    );
    check("failuresCount", json!(e.failures().len()));
    problems
}

#[test]
fn every_shared_vector_passes() {
    let emu = Emu::start();
    let mut failures = Vec::new();
    let mut count = 0;
    for file in vector_files() {
        let vectors: Vec<Value> = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        for v in vectors {
            count += 1;
            let name = v["name"].as_str().unwrap().to_string();
            let (problems, _) =
                descope_mgmt::bindings::runtime::block_on(run_vector(&emu, &v, None));
            if !problems.is_empty() {
                failures.push(format!("{name}: {}", problems.join("; ")));
            }
        }
    }
    assert!(count >= 40, "only {count} vectors found");
    assert!(
        failures.is_empty(),
        "{} of {count} vectors failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every secret a vector's call handles: the management keys, the tokens it uploads and
/// (`cleartext` of a result) the secrets it receives.
fn secrets_of(v: &Value, emu: &Emu, result: Option<&Value>) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    const SECRET_FIELDS: [&str; 8] = [
                        "refreshToken",
                        "refresh_token",
                        "accessToken",
                        "access_token",
                        "idToken",
                        "id_token",
                        "cleartext",
                        "managementKey",
                    ];
                    if SECRET_FIELDS.contains(&k.as_str()) {
                        if let Value::String(s) = v {
                            out.push(s.clone());
                        }
                    }
                    walk(v, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let mut out = vec![emu.handle.management_key().to_string()];
    walk(&v["args"], &mut out);
    walk(&v["client"], &mut out);
    if let Some(r) = result {
        walk(r, &mut out);
    }
    // Very short values would match ordinary words.
    out.retain(|s| s.len() >= 6);
    out
}

#[test]
fn debug_logs_of_every_vector_hold_no_secret() {
    let emu = Emu::start();
    let logs = Arc::new(LogQueue::default());
    let mut secrets = Vec::new();
    let mut lines = Vec::new();
    for file in vector_files() {
        let vectors: Vec<Value> = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        for v in vectors {
            let (_, found) =
                descope_mgmt::bindings::runtime::block_on(run_vector(&emu, &v, Some(&logs)));
            secrets.extend(found);
            lines.extend(logs.drain().iter().map(|r| format!("{} {r:?}", r.line())));
        }
    }
    assert!(
        secrets.len() > 20,
        "too few secrets collected: {}",
        secrets.len()
    );
    let text = lines.join("\n");
    for kind in [
        "event=request",
        "event=response",
        "event=retry",
        "event=call",
        "external_request_id=",
    ] {
        assert!(text.contains(kind), "no {kind} in the debug logs");
    }
    for s in &secrets {
        assert!(
            !text.contains(s.as_str()),
            "a secret ({} bytes) is in the logs",
            s.len()
        );
    }
}

async fn run_vector(
    emu: &Emu,
    v: &Value,
    logs: Option<&Arc<LogQueue>>,
) -> (Vec<String>, Vec<String>) {
    emu.reset().await;
    if let Some(faults) = v.get("faults") {
        emu.fault(faults).await;
    }
    let overrides = v.get("client").cloned().unwrap_or(json!({}));
    let client = emu.client_with(|mut b| {
        if let Some(ms) = overrides["timeoutMs"].as_u64() {
            b = b.timeout(Duration::from_millis(ms));
        }
        if let Some(n) = overrides["maxRetries"].as_u64() {
            b = b.max_retries(n as u32);
        }
        if let Some(k) = overrides["managementKey"].as_str() {
            b = b.management_key(k);
        }
        if let Some(u) = overrides["baseUrl"].as_str() {
            b = b.base_url(u).license_timeout(Duration::from_millis(200));
        }
        if let Some(sink) = logs {
            b = b.log_level("debug").log_sink(sink.clone());
        }
        b
    });
    let call = v["call"].as_str().unwrap();
    let expect = &v["expect"];
    let mut problems = Vec::new();
    let outcome = run_call(&client, call, &v["args"]).await;
    let secrets = secrets_of(v, emu, outcome.as_ref().ok());
    match (outcome, expect["ok"].as_bool().unwrap()) {
        (Ok(result), true) => {
            if let Some(want) = expect.get("result") {
                if !matches(want, &result) {
                    problems.push(format!("result mismatch: want {want}, got {result}"));
                }
            }
        }
        (Ok(result), false) => problems.push(format!("expected an error, got {result}")),
        (Err(e), true) => problems.push(format!("expected success, got {e}")),
        (Err(e), false) => problems.extend(check_error(&e, &expect["error"])),
    }
    let requests = emu.count("POST", path_of(call)).await;
    if Some(requests as u64) != expect["requests"].as_u64() {
        problems.push(format!(
            "requests: want {}, got {requests}",
            expect["requests"]
        ));
    }
    let was_applied = applied(emu, call, &v["args"]).await;
    if Some(was_applied) != expect["applied"].as_bool() {
        problems.push(format!(
            "applied: want {}, got {was_applied}",
            expect["applied"]
        ));
    }
    (problems, secrets)
}
