//! Fault injection: every action, matching, FIFO order, `times`, clearing.

mod common;

use std::time::{Duration, Instant};

use common::*;
use descope_mgmt_emulator::{Emulator, EmulatorHandle, Seed};
use serde_json::json;

fn emu() -> EmulatorHandle {
    Emulator::start_blocking(Seed::default()).expect("start emulator")
}

const SEED_SECRET: &str = "seed-secret-K2active";

fn rotate_active(emu: &EmulatorHandle) -> Outcome {
    mgmt_post_raw(emu, ROTATE, &json!({"id": "K2active"}))
}

#[test]
fn respond_with_status_headers_and_default_descope_body() {
    let emu = emu();
    fault(
        &emu,
        json!({"method": "POST", "path": ROTATE, "status": 429, "headers": {"Retry-After": "1"}}),
    );
    let Outcome::Response(r) = rotate_active(&emu) else {
        panic!("expected a response")
    };
    r.assert_error(429, "E130429");
    assert_eq!(r.header("retry-after"), Some("1"));
    assert!(
        verify(&emu, "K2active", SEED_SECRET),
        "respond does not apply"
    );
    // One-shot: the next request is handled normally.
    let Outcome::Response(r) = rotate_active(&emu) else {
        panic!()
    };
    assert_eq!(r.status, 200);
    assert_eq!(
        journal_count(&emu, "POST", ROTATE),
        2,
        "faulted requests are journaled too"
    );

    fault(&emu, json!({"path": ROTATE, "status": 503}));
    let Outcome::Response(r) = rotate_active(&emu) else {
        panic!()
    };
    r.assert_error(503, "E000503");
    fault(&emu, json!({"path": ROTATE}));
    let Outcome::Response(r) = rotate_active(&emu) else {
        panic!()
    };
    assert_eq!(r.status, 503, "status defaults to 503");
}

#[test]
fn respond_with_raw_bodies() {
    let emu = emu();
    fault(&emu, json!({"path": ROTATE, "status": 524, "body": ""}));
    let Outcome::Response(r) = rotate_active(&emu) else {
        panic!()
    };
    assert_eq!(r.status, 524);
    assert!(r.body.is_empty());
    assert_eq!(r.header("content-type"), None);

    let html = "<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>";
    fault(&emu, json!({"path": ROTATE, "status": 502, "body": html}));
    let Outcome::Response(r) = rotate_active(&emu) else {
        panic!()
    };
    assert_eq!(r.status, 502);
    assert_eq!(r.body, html.as_bytes());
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));

    let body = r#"{"errorCode":"E999999","errorDescription":"custom","errorMessage":"m"}"#;
    fault(
        &emu,
        json!({"path": ROTATE, "status": 503, "body": body, "headers": {"Content-Type": "application/json; charset=utf-8", "X-Extra": 7}}),
    );
    let Outcome::Response(r) = rotate_active(&emu) else {
        panic!()
    };
    assert_eq!(r.status, 503);
    assert_eq!(r.body, body.as_bytes());
    assert_eq!(
        r.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(r.header("x-extra"), Some("7"));
    assert!(verify(&emu, "K2active", SEED_SECRET));
}

#[test]
fn matching_is_by_method_and_path_fifo_with_times() {
    let emu = emu();
    // Not matching: other path, other method.
    fault(
        &emu,
        json!({"method": "GET", "path": ROTATE, "status": 500}),
    );
    fault(&emu, json!({"path": BATCH, "status": 501}));
    fault(
        &emu,
        json!({"method": "post", "path": ROTATE, "status": 502, "times": 2}),
    );
    fault(
        &emu,
        json!({"method": "POST", "path": ROTATE, "status": 503}),
    );
    let q = admin_get(&emu, "/emulator/faults");
    assert_eq!(q["queued"], 4);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let Outcome::Response(r) = rotate_active(&emu) else {
            panic!()
        };
        statuses.push(r.status);
    }
    assert_eq!(statuses, [502, 502, 503, 200]);
    assert_eq!(admin_get(&emu, "/emulator/faults")["queued"], 2);
    let r = send(emu.addr(), "DELETE", "/emulator/faults", &[], b"");
    assert_eq!(r.json(), json!({"queued": 0}));
    let ok = mgmt_post(
        &emu,
        BATCH,
        &json!({"tokens": [{"appId": "slack", "tenantId": "T", "accessToken": "a"}]}),
    );
    assert_eq!(ok.status, 200);
    // A batch of faults posted as an array, and the license path can be faulted too.
    let q = admin_post(
        &emu,
        "/emulator/faults",
        &json!([{"path": LICENSE, "status": 500}, {"path": ROTATE, "status": 500}]),
    );
    assert_eq!(q, json!({"queued": 2}));
    let a = auth(&emu);
    assert_eq!(
        send(emu.addr(), "GET", LICENSE, &[("Authorization", &a)], b"").status,
        500
    );
    // Admin paths are never faulted.
    fault(
        &emu,
        json!({"method": "GET", "path": "/emulator/health", "status": 500}),
    );
    assert_eq!(admin_get(&emu, "/emulator/health")["ok"], true);
}

#[test]
fn drop_before_apply_closes_without_bytes_and_does_not_apply() {
    let emu = emu();
    fault(
        &emu,
        json!({"method": "POST", "path": ROTATE, "action": "drop_before_apply"}),
    );
    match rotate_active(&emu) {
        Outcome::Closed(bytes) => assert!(bytes.is_empty(), "got {} bytes", bytes.len()),
        Outcome::Response(r) => panic!("expected a dropped connection, got {}", r.status),
    }
    assert!(verify(&emu, "K2active", SEED_SECRET));
    assert_eq!(journal_count(&emu, "POST", ROTATE), 1);
}

#[test]
fn drop_after_apply_closes_without_bytes_but_applies() {
    let emu = emu();
    fault(
        &emu,
        json!({"method": "POST", "path": ROTATE, "action": "drop_after_apply"}),
    );
    match rotate_active(&emu) {
        Outcome::Closed(bytes) => assert!(bytes.is_empty(), "got {} bytes", bytes.len()),
        Outcome::Response(r) => panic!("expected a dropped connection, got {}", r.status),
    }
    assert!(!verify(&emu, "K2active", SEED_SECRET), "rotation happened");

    fault(&emu, json!({"path": BATCH, "action": "drop_after_apply"}));
    let item = json!({"appId": "slack", "tenantId": "T2x", "refreshToken": "r"});
    assert!(
        matches!(mgmt_post_raw(&emu, BATCH, &json!({"tokens": [item]})), Outcome::Closed(b) if b.is_empty())
    );
    assert_eq!(
        admin_get(&emu, "/emulator/outbound/tokens")["tokens"],
        json!([item])
    );

    fault(&emu, json!({"path": CREATE, "action": "drop_after_apply"}));
    assert!(
        matches!(mgmt_post_raw(&emu, CREATE, &json!({"name": "dropped"})), Outcome::Closed(b) if b.is_empty())
    );
    assert_eq!(
        admin_get(&emu, "/emulator/templates?name=dropped")["created"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn delay_applies_even_when_the_client_gives_up() {
    let emu = emu();
    fault(
        &emu,
        json!({"method": "POST", "path": ROTATE, "action": "delay", "delayMs": 1000}),
    );
    let a = auth(&emu);
    let start = Instant::now();
    let out = raw_with_timeout(
        emu.addr(),
        "POST",
        ROTATE,
        &[("Authorization", &a)],
        br#"{"id":"K2active"}"#,
        Duration::from_millis(200),
    );
    assert!(
        matches!(out, Outcome::Closed(ref b) if b.is_empty()),
        "client timed out first"
    );
    // The connection is dropped by the client here; the inspection endpoint waits for the
    // delayed request to finish and sees it applied.
    assert!(!verify(&emu, "K2active", SEED_SECRET));
    assert!(
        start.elapsed() >= Duration::from_millis(900),
        "{:?}",
        start.elapsed()
    );

    // A client that waits gets the real answer after the delay.
    fault(
        &emu,
        json!({"path": ROTATE, "action": "delay", "delayMs": 300}),
    );
    let start = Instant::now();
    let Outcome::Response(r) = rotate_active(&emu) else {
        panic!()
    };
    assert_eq!(r.status, 200);
    assert!(start.elapsed() >= Duration::from_millis(300));
    assert!(verify(
        &emu,
        "K2active",
        r.json()["cleartext"].as_str().unwrap()
    ));
}

#[test]
fn malformed_body_applies_and_answers_invalid_json() {
    let emu = emu();
    fault(&emu, json!({"path": ROTATE, "action": "malformed_body"}));
    let Outcome::Response(r) = rotate_active(&emu) else {
        panic!()
    };
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(
        r.body.starts_with(b"{\"key\":"),
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    assert!(serde_json::from_slice::<serde_json::Value>(&r.body).is_err());
    assert!(!verify(&emu, "K2active", SEED_SECRET), "applied");
}

#[test]
fn oversized_body_applies_and_streams_more_than_16_mib() {
    let emu = emu();
    fault(&emu, json!({"path": ROTATE, "action": "oversized_body"}));
    let Outcome::Response(r) = rotate_active(&emu) else {
        panic!()
    };
    assert_eq!(r.status, 200);
    assert!(r.body.len() > 16 * 1024 * 1024, "{}", r.body.len());
    assert_eq!(
        r.header("content-length")
            .map(|l| l.parse::<usize>().unwrap()),
        Some(r.body.len())
    );
    // Valid JSON with the real answer plus padding, so only a size limit can reject it.
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["key"]["id"], "K2active");
    assert!(verify(&emu, "K2active", v["cleartext"].as_str().unwrap()));
}

#[test]
fn drop_on_a_keep_alive_connection_sends_nothing_more() {
    use std::io::{Read, Write};
    let emu = emu();
    let a = auth(&emu);
    let mut s = std::net::TcpStream::connect(emu.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let body = r#"{"id":"K2active"}"#;
    let req = format!(
        "POST {ROTATE} HTTP/1.1\r\nHost: x\r\nAuthorization: {a}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    // First request on the connection is answered normally.
    s.write_all(req.as_bytes()).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 8192];
    while !got.ends_with(b"}") {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0);
        got.extend_from_slice(&buf[..n]);
    }
    assert!(got.starts_with(b"HTTP/1.1 200"));
    // Second one is dropped: EOF with zero further bytes.
    fault(&emu, json!({"path": ROTATE, "action": "drop_before_apply"}));
    s.write_all(req.as_bytes()).unwrap();
    let mut rest = Vec::new();
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => rest.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("{e}"),
        }
    }
    assert!(rest.is_empty(), "{}", String::from_utf8_lossy(&rest));
    // The server keeps serving other connections.
    let Outcome::Response(r) = rotate_active(&emu) else {
        panic!()
    };
    assert_eq!(r.status, 200);
}

#[test]
fn invalid_fault_specs_are_rejected() {
    let emu = emu();
    for bad in [
        json!({"path": "no-slash"}),
        json!({"path": ROTATE, "times": 0}),
        json!({"path": ROTATE, "status": 42}),
        json!({"path": ROTATE, "headers": {"Bad Header": "x"}}),
    ] {
        send(
            emu.addr(),
            "POST",
            "/emulator/faults",
            &[],
            bad.to_string().as_bytes(),
        )
        .assert_error(400, "E011004");
    }
    for bad in [
        json!({"path": ROTATE, "action": "explode"}),
        json!({"path": ROTATE, "delay_ms": 5}),
        json!({}),
    ] {
        send(
            emu.addr(),
            "POST",
            "/emulator/faults",
            &[],
            bad.to_string().as_bytes(),
        )
        .assert_error(400, "E011001");
    }
    assert_eq!(admin_get(&emu, "/emulator/faults")["queued"], 0);
}

#[test]
fn reset_waits_for_delayed_requests() {
    let emu = emu();
    fault(
        &emu,
        json!({"path": ROTATE, "action": "delay", "delayMs": 500}),
    );
    let addr = emu.addr();
    let a = auth(&emu);
    let client = std::thread::spawn(move || {
        raw_with_timeout(
            addr,
            "POST",
            ROTATE,
            &[("Authorization", &a)],
            br#"{"id":"K2active"}"#,
            Duration::from_millis(100),
        )
    });
    std::thread::sleep(Duration::from_millis(150));
    admin_post(&emu, "/emulator/reset", &json!({}));
    // The delayed rotation landed before the reset, so the seed secret is valid again.
    assert!(verify(&emu, "K2active", SEED_SECRET));
    client.join().unwrap();
}
