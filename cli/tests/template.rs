//! `descope-mgmt template create` against the emulator.

mod common;

use common::{World, CREATE};
use serde_json::{json, Value};

#[test]
fn creates_from_a_file_with_flags_overriding_it() {
    let w = World::new();
    std::fs::write(
        w.path("t.json"),
        json!({
            "name": "from-file",
            "login_page_url": "https://auth.example.com/login",
            "sessionSettings": {"refresh_token_expiration": 4, "refreshTokenExpirationUnit": "weeks"},
            "tags": ["a"]
        })
        .to_string(),
    )
    .unwrap();
    let run = w.run(&[
        "template",
        "create",
        "--file",
        "t.json",
        "--name",
        "MCP agents",
        "--tag",
        "mcp",
        "--tag",
        "ci",
        "--skip-consent-screen",
        "--json",
    ]);
    run.expect(0);
    let v = run.json();
    assert_eq!(v["ok"], true);
    let t = &v["template"];
    assert_eq!(t["name"], "MCP agents");
    assert_eq!(t["loginPageURL"], "https://auth.example.com/login");
    assert_eq!(t["tags"], json!(["mcp", "ci"]));
    assert_eq!(t["skipConsentScreen"], true);
    assert_eq!(t["sessionSettings"]["refreshTokenExpiration"], 4);
    assert!(t["id"].as_str().unwrap().starts_with("DRT2"));
    let listed: Value =
        serde_json::from_str(&w.http("GET", "/emulator/templates?name=MCP%20agents", "")).unwrap();
    assert_eq!(listed["created"].as_array().unwrap().len(), 1);

    // Without --json: the template as JSON on stdout, a note on stderr.
    let run = w.run(&["template", "create", "--name", "Second"]);
    run.expect(0);
    let t: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(t["name"], "Second");
    assert!(run.stderr.contains("created template"));
}

#[test]
fn bad_input_is_refused_before_sending() {
    let w = World::new();
    std::fs::write(w.path("bad.json"), r#"{"name": "n", "tags": "x"}"#).unwrap();
    let run = w.run(&["template", "create", "--file", "bad.json", "--json"]);
    run.expect(2);
    let v = run.json();
    assert_eq!(v["error"]["code"], "INVALID_ARGUMENT");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("bad.json: template.tags"),
        "{v}"
    );
    std::fs::write(w.path("typo.json"), r#"{"name": "n", "loginPageUrl": "x"}"#).unwrap();
    w.run(&["template", "create", "--file", "typo.json"])
        .expect(2);
    w.run(&[
        "template",
        "create",
        "--name",
        "n",
        "--login-page-url",
        "ftp://x",
    ])
    .expect(2);
    w.run(&["template", "create"]).expect(2);
    w.run(&["template", "create", "--file", "missing.json"])
        .expect(2);
    assert_eq!(w.requests(CREATE), 0);
}

#[test]
fn conflicts_and_unknown_outcomes_have_their_statuses() {
    let w = World::new();
    // The seed has a template named "Existing": 409 is API_ERROR (1).
    let run = w.run(&["template", "create", "--name", "Existing", "--json"]);
    run.expect(1);
    assert_eq!(run.json()["error"]["code"], "API_ERROR");
    w.fault(json!({"method": "POST", "path": CREATE, "action": "drop_after_apply"}));
    let run = w.run(&["template", "create", "--name", "Maybe", "--json"]);
    run.expect(8);
    assert_eq!(run.json()["error"]["code"], "OUTCOME_UNKNOWN");
    assert!(run.stderr.contains("look for it by name"), "{}", run.stderr);
    assert_eq!(w.requests(CREATE), 2, "never resent");
    w.fault(json!({"method": "POST", "path": CREATE, "status": 401}));
    w.run(&["template", "create", "--name", "Auth"]).expect(4);
}
