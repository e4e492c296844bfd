//! `descope-mgmt tokens upload` against the emulator: JSON Lines and CSV, bad rows reported
//! by line, chunked uploads, resuming after a failed chunk, and exit statuses.

mod common;

use common::{mode, World, BATCH};
use serde_json::{json, Value};

fn jsonl(rows: impl IntoIterator<Item = Value>) -> String {
    rows.into_iter().map(|r| format!("{r}\n")).collect()
}

fn tokens(n: usize) -> String {
    jsonl(
        (0..n).map(
            |i| json!({"tenantId": format!("T{i}"), "accessToken": format!("tok-secret-{i}")}),
        ),
    )
}

#[test]
fn json_lines_are_uploaded_in_chunks() {
    let w = World::new();
    std::fs::write(w.path("t.jsonl"), tokens(5)).unwrap();
    let run = w.run(&[
        "tokens",
        "upload",
        "--app-id",
        "google-drive",
        "--file",
        "t.jsonl",
        "--chunk-size",
        "2",
        "--json",
    ]);
    run.expect(0);
    let v = run.json();
    assert_eq!(v["rows"], 5);
    assert_eq!(v["chunks"], 3);
    assert_eq!(v["uploadedChunks"], 3);
    assert_eq!(w.requests(BATCH), 3);
    let stored = w.stored_tokens("google-drive");
    assert_eq!(stored.len(), 5);
    assert_eq!(stored[4]["accessToken"], "tok-secret-4");
    assert!(!run.stdout.contains("tok-secret") && !run.stderr.contains("tok-secret"));
}

#[test]
fn csv_takes_camel_and_snake_case_columns() {
    let w = World::new();
    std::fs::write(
        w.path("t.csv"),
        "tenant_id,accessToken,refresh_token,scopes,access_token_expiry,grantedBy\r\n\
         T1,at-1,,drive.readonly drive.file,1767225600,\"Admin, Jane\"\r\n\
         T2,,\"rt,2\",,,\r\n",
    )
    .unwrap();
    w.run(&["tokens", "upload", "--app-id", "slack", "--file", "t.csv"])
        .expect(0);
    let stored = w.stored_tokens("slack");
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0]["scopes"], json!(["drive.readonly", "drive.file"]));
    assert_eq!(stored[0]["accessTokenExpiry"], 1767225600);
    assert_eq!(stored[0]["grantedBy"], "Admin, Jane");
    assert_eq!(stored[1]["refreshToken"], "rt,2");
    assert!(stored[1].get("accessToken").is_none());
}

#[test]
fn bad_rows_are_reported_by_file_and_line_and_nothing_is_sent() {
    let w = World::new();
    let text = [
        r#"{"tenantId":"T1","accessToken":"tok-secret-1"}"#,
        "",
        r#"{"tenantId":"T3","accessToken":"tok-secret-3","accessTokenExpiry":"tok-secret-x"}"#,
        r#"{"tenantId":"","refreshToken":"tok-secret-4"}"#,
        r#"{"tenantId":"T5"}"#,
        r#"{tok-secret-6"#,
        r#"{"appId":"slack","tenantId":"T7","accessToken":"tok-secret-7"}"#,
        r#"{"tenantId":"T8","refreshTokn":"tok-secret-8"}"#,
    ]
    .join("\n");
    std::fs::write(w.path("bad.jsonl"), text).unwrap();
    let run = w.run(&[
        "tokens",
        "upload",
        "--app-id",
        "google-drive",
        "--file",
        "bad.jsonl",
        "--json",
    ]);
    run.expect(2);
    for expected in [
        "bad.jsonl:3: accessTokenExpiry: has the wrong type",
        "bad.jsonl:4: tenantId: is required",
        "bad.jsonl:5: refreshToken/accessToken: set refreshToken or accessToken",
        "bad.jsonl:6: row: not valid JSON",
        "bad.jsonl:7: appId: is not the --app-id",
        "bad.jsonl:8: refreshTokn: is not a known field",
    ] {
        assert!(run.stderr.contains(expected), "{expected}\n{}", run.stderr);
    }
    assert!(!run.stderr.contains("bad.jsonl:1:"));
    assert!(!run.stderr.contains("tok-secret") && !run.stdout.contains("tok-secret"));
    let v = run.json();
    assert_eq!(v["error"]["code"], "INVALID_ARGUMENT");
    assert_eq!(v["badRows"], 6);
    assert_eq!(v["problems"][0]["line"], 3);
    assert_eq!(w.requests(BATCH), 0);

    std::fs::write(
        w.path("bad.csv"),
        "tenantId,accessToken,expiry\nT1,a,1\nT2\n",
    )
    .unwrap();
    let run = w.run(&["tokens", "upload", "--app-id", "slack", "--file", "bad.csv"]);
    run.expect(2);
    assert!(
        run.stderr
            .contains("bad.csv:1: expiry: is not a known column"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("bad.csv:3: row: has 1 cells"),
        "{}",
        run.stderr
    );
    assert_eq!(w.requests(BATCH), 0);
}

#[test]
fn a_resumed_upload_skips_committed_chunks_and_stores_every_row_once() {
    let w = World::new();
    std::fs::write(w.path("t.jsonl"), tokens(5)).unwrap();
    // The first batch request passes (a zero delay), the second is refused.
    w.fault(json!([
        {"method": "POST", "path": BATCH, "action": "delay", "delayMs": 0, "times": 1},
        {"method": "POST", "path": BATCH, "action": "respond", "status": 400, "times": 1}
    ]));
    let args = [
        "tokens",
        "upload",
        "--app-id",
        "google-drive",
        "--file",
        "t.jsonl",
        "--chunk-size",
        "2",
        "--resume",
        "state.json",
        "--json",
    ];
    let run = w.run(&args);
    run.expect(1);
    let v = run.json();
    assert_eq!(v["error"]["code"], "API_ERROR");
    assert_eq!(v["failedChunk"], 1);
    assert_eq!(v["failedChunkFirstLine"], 3);
    assert!(run.stderr.contains("--resume state.json"), "{}", run.stderr);
    let state_path = w.path("state.json");
    assert_eq!(mode(&state_path), 0o600);
    let state_text = std::fs::read_to_string(&state_path).unwrap();
    assert!(!state_text.contains("tok-secret"), "no token in the state");
    let state: Value = serde_json::from_str(&state_text).unwrap();
    assert_eq!(state["committed"], json!([0]));
    assert_eq!(w.stored_tokens("google-drive").len(), 2);

    let run = w.run(&args);
    run.expect(0);
    let v = run.json();
    assert_eq!(v["skippedChunks"], 1);
    assert_eq!(v["uploadedChunks"], 2);
    // 1 + 1 refused + 2: chunk 0 was not sent again.
    assert_eq!(w.requests(BATCH), 4);
    let journal: Value =
        serde_json::from_str(&w.http("GET", &format!("/emulator/journal?path={BATCH}"), ""))
            .unwrap();
    let mut sent: Vec<String> = Vec::new();
    for (i, r) in journal["requests"].as_array().unwrap().iter().enumerate() {
        if i == 1 {
            continue; // the refused request stored nothing
        }
        let body: Value = serde_json::from_str(r["body"].as_str().unwrap()).unwrap();
        for t in body["tokens"].as_array().unwrap() {
            sent.push(t["tenantId"].as_str().unwrap().to_string());
        }
    }
    sent.sort();
    assert_eq!(
        sent,
        ["T0", "T1", "T2", "T3", "T4"],
        "every row stored exactly once"
    );
    assert_eq!(w.stored_tokens("google-drive").len(), 5);
    let state: Value =
        serde_json::from_str(&std::fs::read_to_string(&state_path).unwrap()).unwrap();
    assert_eq!(state["committed"], json!([0, 1, 2]));

    // A third run sends nothing; a changed input is refused before sending.
    w.run(&args).expect(0);
    assert_eq!(w.requests(BATCH), 4);
    std::fs::write(w.path("t.jsonl"), tokens(6)).unwrap();
    let run = w.run(&args);
    run.expect(2);
    assert!(run.stderr.contains("SHA-256"), "{}", run.stderr);
    assert_eq!(w.requests(BATCH), 4);
}

#[test]
fn stdin_dry_run_rejected_batches_and_flag_errors() {
    let w = World::new();
    let input = tokens(3);
    let run = w.run_with_stdin(
        &[
            "tokens", "upload", "--app-id", "slack", "--file", "-", "--json",
        ],
        input.as_bytes(),
    );
    run.expect(0);
    assert_eq!(run.json()["rows"], 3);
    assert_eq!(w.stored_tokens("slack").len(), 3);
    // CSV on stdin is recognised by its first character.
    let run = w.run_with_stdin(
        &[
            "tokens",
            "upload",
            "--app-id",
            "slack",
            "--file",
            "-",
            "--dry-run",
            "--json",
        ],
        b"tenant_id,access_token\nT9,x\n",
    );
    run.expect(0);
    assert_eq!(run.json()["rows"], 1);

    std::fs::write(w.path("t.jsonl"), tokens(3)).unwrap();
    let before = w.requests(BATCH);
    let run = w.run(&[
        "tokens",
        "upload",
        "--app-id",
        "slack",
        "--file",
        "t.jsonl",
        "--dry-run",
        "--json",
    ]);
    run.expect(0);
    assert_eq!(run.json()["dryRun"], true);
    assert_eq!(w.requests(BATCH), before);

    // An app the server does not know: the whole chunk is rejected (9).
    let run = w.run(&[
        "tokens",
        "upload",
        "--app-id",
        "no-such-app",
        "--file",
        "t.jsonl",
        "--json",
    ]);
    run.expect(9);
    let v = run.json();
    assert_eq!(v["error"]["code"], "BATCH_REJECTED");
    assert_eq!(v["failures"].as_array().unwrap().len(), 3);
    assert!(!run.stdout.contains("tok-secret") && !run.stderr.contains("tok-secret"));

    for bad in ["0", "100001", "x"] {
        w.run(&[
            "tokens",
            "upload",
            "--app-id",
            "slack",
            "--file",
            "t.jsonl",
            "--chunk-size",
            bad,
        ])
        .expect(2);
    }
    w.run(&["tokens", "upload", "--file", "t.jsonl"]).expect(2);
    w.run(&[
        "tokens",
        "upload",
        "--app-id",
        "slack",
        "--file",
        "missing.jsonl",
    ])
    .expect(2);
    std::fs::write(w.path("empty.jsonl"), "\n\n").unwrap();
    w.run(&[
        "tokens",
        "upload",
        "--app-id",
        "slack",
        "--file",
        "empty.jsonl",
    ])
    .expect(2);
}

#[test]
fn twenty_thousand_rows_stream_through() {
    let w = World::new();
    std::fs::write(w.path("big.jsonl"), tokens(20_000)).unwrap();
    let run = w.run(&[
        "tokens",
        "upload",
        "--app-id",
        "google-drive",
        "--file",
        "big.jsonl",
        "--chunk-size",
        "5000",
        "--json",
    ]);
    run.expect(0);
    assert_eq!(run.json()["chunks"], 4);
    assert_eq!(w.stored_tokens("google-drive").len(), 20_000);
}

/// The peak RSS (bytes) of the children this process has waited for.
fn children_peak_rss() -> u64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct we own.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    assert_eq!(rc, 0);
    // ru_maxrss is in KiB on Linux.
    usage.ru_maxrss as u64 * 1024
}

#[test]
fn memory_stays_bounded_whatever_the_file_size() {
    let w = World::new();
    // 300,000 rows, about 45 MB: more than the bound below, so a reader that kept the
    // rows would fail. (1,000,000 rows measured by hand: see cli/README.md.)
    let path = w.path("big.jsonl");
    {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        for i in 0..300_000 {
            writeln!(
                f,
                r#"{{"tenantId":"T{i}","accessToken":"tok-{i:0>40}","scopes":["drive.readonly"],"accessTokenExpiry":1767225600}}"#
            )
            .unwrap();
        }
    }
    assert!(std::fs::metadata(&path).unwrap().len() > 40_000_000);
    let run = w.run(&[
        "tokens",
        "upload",
        "--app-id",
        "google-drive",
        "--file",
        "big.jsonl",
        "--dry-run",
        "--json",
    ]);
    run.expect(0);
    assert_eq!(run.json()["rows"], 300_000);
    let peak = children_peak_rss();
    assert!(peak < 32 << 20, "peak RSS {} MB", peak >> 20);
}
