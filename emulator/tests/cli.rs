//! The `descope-emulator` binary: first stdout line, serving, clean exit on SIGTERM.

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use common::*;
use serde_json::Value;

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(args: &[&str]) -> (Proc, Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_descope-emulator"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn descope-emulator");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read first line");
    let info: Value = serde_json::from_str(line.trim_end())
        .unwrap_or_else(|e| panic!("bad first line {line:?}: {e}"));
    (Proc(child), info)
}

fn addr_of(info: &Value) -> SocketAddr {
    info["url"]
        .as_str()
        .unwrap()
        .strip_prefix("http://")
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn prints_one_json_line_then_serves() {
    let (_proc, info) = spawn(&[]);
    let url = info["url"].as_str().unwrap();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert_eq!(info["projectId"], "P2EmulatorProject00000000000");
    assert_eq!(info["managementKey"], "K2EmulatorManagementKey");
    assert_eq!(
        info["outboundApps"],
        serde_json::json!(["google-drive", "slack"])
    );
    let keys = info["accessKeys"].as_array().unwrap();
    let ids: Vec<&str> = keys.iter().map(|k| k["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["K2active", "K2active2", "K2expired", "K2inactive"]);
    assert_eq!(keys[0]["status"], "active");
    assert_eq!(keys[0]["expireTime"], 0);
    assert_eq!(keys[0]["secret"], "seed-secret-K2active");
    assert_eq!(keys[2]["expireTime"], 1600000000);
    assert_eq!(keys[3]["status"], "inactive");

    let addr = addr_of(&info);
    let auth = format!(
        "Bearer {}:{}",
        info["projectId"].as_str().unwrap(),
        info["managementKey"].as_str().unwrap()
    );
    let r = send(addr, "GET", LICENSE, &[("Authorization", &auth)], b"");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["rateLimitTier"], "tier1");
}

#[test]
fn port_and_seed_flags() {
    let dir = std::env::temp_dir().join(format!("emu-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let seed = dir.join("seed.json");
    std::fs::write(
        &seed,
        r#"{"projectId":"P2cli","managementKey":"K2cli","rateLimitTier":"tier4"}"#,
    )
    .unwrap();
    // Find a free port, then ask for it explicitly.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (_proc, info) = spawn(&[
        "--port",
        &port.to_string(),
        "--seed",
        seed.to_str().unwrap(),
    ]);
    assert_eq!(info["url"], format!("http://127.0.0.1:{port}"));
    assert_eq!(info["projectId"], "P2cli");
    let r = send(
        addr_of(&info),
        "GET",
        LICENSE,
        &[("Authorization", "Bearer P2cli:K2cli")],
        b"",
    );
    assert_eq!(r.json()["rateLimitTier"], "tier4");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_arguments_exit_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_descope-emulator"))
        .arg("--nope")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let out = Command::new(env!("CARGO_BIN_EXE_descope-emulator"))
        .args(["--seed", "/nonexistent/seed.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[cfg(unix)]
#[test]
fn exits_cleanly_on_sigterm() {
    let (mut proc, _info) = spawn(&[]);
    let pid = proc.0.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let status = proc.0.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
}
