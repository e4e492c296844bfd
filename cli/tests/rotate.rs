//! `descope-mgmt rotate` against the emulator: every destination, every exit status we can
//! provoke, and the secret never on stderr, in `--json` or in a file readable by others.

mod common;

use common::{mode, World, ROTATE};
use serde_json::json;

#[test]
fn out_file_is_new_0600_and_holds_a_secret_the_server_accepts() {
    let w = World::new();
    let run = w.run(&["rotate", "K2active", "--out-file", "key.secret"]);
    run.expect(0);
    let path = w.path("key.secret");
    assert_eq!(mode(&path), 0o600);
    let secret = std::fs::read_to_string(&path).unwrap();
    assert!(w.emu.verify_access_key("K2active", &secret));
    assert!(!w.emu.verify_access_key("K2active", "seed-secret-K2active"));
    run.assert_hides(&secret);
    assert!(run.stdout.is_empty());
}

#[test]
fn an_existing_out_file_is_refused_before_sending_unless_forced() {
    let w = World::new();
    let path = w.path("key.secret");
    std::fs::write(&path, "old").unwrap();
    let run = w.run(&["rotate", "K2active", "--out-file", "key.secret", "--json"]);
    run.expect(2);
    assert_eq!(run.json()["error"]["code"], "USAGE");
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert_eq!(w.requests(ROTATE), 0, "nothing may be sent");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
    // A symlink is refused too (O_EXCL does not follow it).
    std::os::unix::fs::symlink(w.path("elsewhere"), w.path("link")).unwrap();
    w.run(&["rotate", "K2active", "--out-file", "link"])
        .expect(2);
    assert!(!w.path("elsewhere").exists());

    let run = w.run(&[
        "rotate",
        "K2active",
        "--out-file",
        "key.secret",
        "--force",
        "--json",
    ]);
    run.expect(0);
    let secret = std::fs::read_to_string(&path).unwrap();
    assert!(w.emu.verify_access_key("K2active", &secret));
    assert_eq!(mode(&path), 0o600);
    let v = run.json();
    assert_eq!(v["ok"], true);
    assert_eq!(v["key"]["id"], "K2active");
    assert_eq!(v["delivered"]["outFile"], "key.secret");
    run.assert_hides(&secret);
    // No temporary file is left behind.
    let names: Vec<_> = std::fs::read_dir(w.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
}

#[test]
fn without_a_destination_nothing_is_sent() {
    let w = World::new();
    let run = w.run(&["rotate", "K2active", "--json"]);
    run.expect(2);
    assert_eq!(run.json()["exitCode"], 2);
    // --stdout alone is a usage error too, and so is --stdout with --json.
    w.run(&["rotate", "K2active", "--stdout"]).expect(2);
    w.run(&[
        "rotate",
        "K2active",
        "--stdout",
        "--yes-print-secret",
        "--json",
    ])
    .expect(2);
    let run = w.run(&["rotate", "K2active", "--bogus-flag", "--json"]);
    run.expect(2);
    assert_eq!(run.json()["error"]["code"], "USAGE");
    assert!(run.stderr.contains("--bogus-flag"), "{}", run.stderr);
    w.run(&[]).expect(2);
    assert_eq!(w.requests(ROTATE), 0);
}

#[test]
fn stdout_needs_the_confirmation_and_prints_only_the_secret() {
    let w = World::new();
    let run = w.run(&["rotate", "K2active", "--stdout", "--yes-print-secret"]);
    run.expect(0);
    let secret = w.secret_of("K2active");
    assert_eq!(run.stdout, format!("{secret}\n"));
    assert!(!run.stderr.contains(&secret));
}

#[test]
fn github_env_appends_a_heredoc_after_masking() {
    let w = World::new();
    let env_file = w.path("github_env");
    std::fs::write(&env_file, "EXISTING=1\n").unwrap();
    let run = Run2::new(&w)
        .env("GITHUB_ENV", env_file.to_str().unwrap())
        .env("GITHUB_ACTIONS", "true")
        .run(&[
            "rotate",
            "K2active",
            "--github-env",
            "DESCOPE_KEY",
            "--json",
        ]);
    run.expect(0);
    let secret = w.secret_of("K2active");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert_eq!(
        lines[0],
        format!("::add-mask::{secret}"),
        "mask first, once"
    );
    let v: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(v["delivered"]["githubEnv"], "DESCOPE_KEY");
    assert!(!lines[1].contains(&secret));
    assert!(!run.stderr.contains(&secret));
    let text = std::fs::read_to_string(&env_file).unwrap();
    let rest = text.strip_prefix("EXISTING=1\n").unwrap();
    let mut parts = rest.lines();
    let delim = parts
        .next()
        .unwrap()
        .strip_prefix("DESCOPE_KEY<<")
        .unwrap()
        .to_string();
    assert!(delim.len() >= 16);
    assert_eq!(parts.next(), Some(secret.as_str()));
    assert_eq!(parts.next(), Some(delim.as_str()));
    assert_eq!(parts.next(), None);
    assert!(text.ends_with('\n'));

    // Without $GITHUB_ENV, or with a name GitHub refuses: nothing is sent.
    let before = w.requests(ROTATE);
    w.run(&["rotate", "K2active", "--github-env", "X"])
        .expect(2);
    Run2::new(&w)
        .env("GITHUB_ENV", env_file.to_str().unwrap())
        .run(&["rotate", "K2active", "--github-env", "GITHUB_TOKEN"])
        .expect(2);
    assert_eq!(w.requests(ROTATE), before);
}

#[test]
fn under_github_actions_the_mask_comes_before_anything_else() {
    let w = World::new();
    let run = Run2::new(&w).env("GITHUB_ACTIONS", "true").run(&[
        "rotate",
        "K2active",
        "--stdout",
        "--yes-print-secret",
    ]);
    run.expect(0);
    let secret = w.secret_of("K2active");
    assert_eq!(run.stdout, format!("::add-mask::{secret}\n{secret}\n"));
}

#[test]
fn pipe_to_gets_the_secret_on_stdin_only() {
    let w = World::new();
    let run = w.run(&[
        "rotate",
        "K2active",
        "--pipe-to",
        "cat > piped.txt; echo \"args=$# $*\" >&2",
        "--json",
    ]);
    run.expect(0);
    let secret = std::fs::read_to_string(w.path("piped.txt")).unwrap();
    assert!(w.emu.verify_access_key("K2active", &secret));
    assert_eq!(run.json()["delivered"]["pipeTo"], true);
    run.assert_hides(&secret);
    // The command's environment does not carry it either.
    let run = w.run(&[
        "rotate",
        "K2active",
        "--pipe-to",
        "cat >/dev/null; env > env.txt",
    ]);
    run.expect(0);
    let env = std::fs::read_to_string(w.path("env.txt")).unwrap();
    assert!(!env.contains(&w.secret_of("K2active")));
}

#[test]
fn a_failed_pipe_to_leaves_the_secret_in_a_0600_rescue_file() {
    let w = World::new();
    let run = w.run(&[
        "rotate",
        "K2active",
        "--pipe-to",
        "cat >/dev/null; exit 3",
        "--json",
    ]);
    run.expect(10);
    let secret = w.secret_of("K2active");
    run.assert_hides(&secret);
    let v = run.json();
    assert_eq!(v["error"]["code"], "DELIVERY_FAILED");
    let rescue = std::path::PathBuf::from(v["rescueFile"].as_str().unwrap());
    assert!(rescue.starts_with(std::fs::canonicalize(w.dir.path()).unwrap()));
    assert!(
        run.stderr.contains(rescue.to_str().unwrap()),
        "{}",
        run.stderr
    );
    assert_eq!(mode(&rescue), 0o600);
    assert_eq!(std::fs::read_to_string(&rescue).unwrap(), secret);
    // --rescue-dir picks the directory.
    std::fs::create_dir(w.path("rescue")).unwrap();
    let run = w.run(&[
        "rotate",
        "K2active",
        "--pipe-to",
        "false",
        "--rescue-dir",
        "rescue",
    ]);
    run.expect(10);
    let files: Vec<_> = std::fs::read_dir(w.path("rescue")).unwrap().collect();
    assert_eq!(files.len(), 1);
}

#[test]
fn outcome_unknown_fails_with_8_and_says_what_to_check() {
    let w = World::new();
    w.fault(json!({"method": "POST", "path": ROTATE, "action": "drop_after_apply", "times": 1}));
    let run = w.run(&["rotate", "K2active", "--out-file", "key.secret", "--json"]);
    run.expect(8);
    let v = run.json();
    assert_eq!(v["error"]["code"], "OUTCOME_UNKNOWN");
    let rid = v["externalRequestId"].as_str().unwrap();
    assert!(run.stderr.contains(rid), "{}", run.stderr);
    assert!(run.stderr.contains("audit log"), "{}", run.stderr);
    assert!(run.stderr.contains("rotate-again"), "{}", run.stderr);
    // The out file created for the rotate is removed again; it was applied once.
    assert!(!w.path("key.secret").exists());
    assert_eq!(w.rotations("K2active"), 1);
    run.assert_hides(&w.secret_of("K2active"));
}

#[test]
fn rotate_again_waits_the_settle_window_and_ends_with_a_working_secret() {
    let w = World::new();
    w.fault(json!({"method": "POST", "path": ROTATE, "action": "drop_after_apply", "times": 1}));
    let started = std::time::Instant::now();
    let run = w.run(&[
        "rotate",
        "K2active",
        "--out-file",
        "key.secret",
        "--on-unknown",
        "rotate-again",
        "--settle",
        "1",
        "--json",
    ]);
    run.expect(0);
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    assert_eq!(run.json()["rotations"], 2);
    assert!(run.stderr.contains("--settle"), "{}", run.stderr);
    let secret = std::fs::read_to_string(w.path("key.secret")).unwrap();
    assert!(w.emu.verify_access_key("K2active", &secret));
    assert_eq!(w.rotations("K2active"), 2);
    run.assert_hides(&secret);
}

#[test]
fn server_answers_map_to_their_exit_statuses() {
    let w = World::new();
    let dest = ["--pipe-to", "cat >/dev/null"];
    let case = |fault: serde_json::Value, status: i32, code: &str| {
        w.fault(fault);
        let mut args = vec!["rotate", "K2active", "--json"];
        args.extend(dest);
        let run = w.run(&args);
        run.expect(status);
        assert_eq!(run.json()["error"]["code"], code);
    };
    case(
        json!({"method": "POST", "path": ROTATE, "status": 403}),
        4,
        "FORBIDDEN",
    );
    case(
        json!({"method": "POST", "path": ROTATE, "status": 429, "headers": {"Retry-After": "3600"}}),
        6,
        "RATE_LIMITED",
    );
    case(
        json!({"method": "POST", "path": ROTATE, "status": 500, "times": 5}),
        1,
        "SERVER_ERROR",
    );
    w.http("DELETE", "/emulator/faults", "");
    case(
        json!({"method": "POST", "path": ROTATE, "status": 200, "body": "nope"}),
        1,
        "DECODE",
    );
    // 404: an unknown key.
    let mut args = vec!["rotate", "K2nope", "--json"];
    args.extend(dest);
    let run = w.run(&args);
    run.expect(5);
    assert_eq!(run.json()["error"]["code"], "NOT_FOUND");
    // INVALID_ARGUMENT: an empty id, refused before sending.
    let before = w.requests(ROTATE);
    let mut args = vec!["rotate", " ", "--json"];
    args.extend(dest);
    let run = w.run(&args);
    run.expect(2);
    assert_eq!(run.json()["error"]["code"], "INVALID_ARGUMENT");
    assert_eq!(w.requests(ROTATE), before);
}

#[test]
fn configuration_comes_from_the_environment_or_a_key_file() {
    let w = World::new();
    // CONFIG: no project id.
    let run = w
        .cmd(&["rotate", "K2active", "--out-file", "k", "--json"])
        .env_remove("DESCOPE_PROJECT_ID")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(3));
    assert!(!w.path("k").exists());
    // The key file replaces DESCOPE_MANAGEMENT_KEY; a wrong key is UNAUTHORIZED (4).
    std::fs::write(w.path("mk"), format!("{}\n", w.emu.management_key())).unwrap();
    std::fs::set_permissions(
        w.path("mk"),
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    )
    .unwrap();
    std::fs::write(w.path("bad"), "K2wrongkey\n").unwrap();
    let ok = w
        .cmd(&[
            "--management-key-file",
            "mk",
            "rotate",
            "K2active",
            "--out-file",
            "k",
        ])
        .env_remove("DESCOPE_MANAGEMENT_KEY")
        .output()
        .unwrap();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    // The key file can be read by others (0644 here): a warning says so.
    assert!(String::from_utf8_lossy(&ok.stderr).contains("chmod 600"));
    let bad = w.run(&[
        "rotate",
        "K2active",
        "--management-key-file",
        "bad",
        "--out-file",
        "k2",
        "--json",
    ]);
    bad.expect(4);
    assert!(!bad.stderr.contains("K2wrongkey") && !bad.stdout.contains("K2wrongkey"));
    // A missing key file is CONFIG.
    w.run(&[
        "rotate",
        "K2active",
        "--management-key-file",
        "missing",
        "--out-file",
        "k3",
    ])
    .expect(3);
    // CONNECTION (7): nothing listens on the base URL.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let run = w
        .cmd(&["rotate", "K2active", "--pipe-to", "cat", "--json"])
        .env("DESCOPE_BASE_URI", format!("http://127.0.0.1:{port}"))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(7));
    let v: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(v["error"]["code"], "CONNECTION");
}

#[test]
fn help_has_examples_and_exit_statuses() {
    let w = World::new();
    let run = w.run(&["--help"]);
    run.expect(0);
    assert!(run.stdout.contains("Exit status"));
    assert!(run.stdout.contains("Examples"));
    let run = w.run(&["rotate", "--help"]);
    run.expect(0);
    assert!(run.stdout.contains("--settle"));
    assert!(run.stdout.contains("overtaken"));
    assert!(run.stdout.contains("Examples"));
}

/// A run with extra environment variables.
struct Run2<'a> {
    w: &'a World,
    env: Vec<(String, String)>,
}

impl<'a> Run2<'a> {
    fn new(w: &'a World) -> Self {
        Run2 { w, env: Vec::new() }
    }

    fn env(mut self, k: &str, v: &str) -> Self {
        self.env.push((k.into(), v.into()));
        self
    }

    fn run(self, args: &[&str]) -> common::Run {
        let mut c = self.w.cmd(args);
        for (k, v) in &self.env {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        common::Run {
            status: out.status.code().unwrap(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}
