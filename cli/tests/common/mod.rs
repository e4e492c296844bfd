//! Shared helpers: an in-process emulator on 127.0.0.1, a private temporary directory, and
//! a runner for the built `descope-mgmt` binary with a clean environment.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use descope_mgmt_emulator::{Emulator, EmulatorHandle, Seed};
use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_descope-mgmt");
pub const ROTATE: &str = "/v1/mgmt/accesskey/rotate";
pub const BATCH: &str = "/v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload";
pub const CREATE: &str = "/v1/mgmt/resource/dynamic-registration-template/create";

/// A test's world: an emulator and a temporary working directory.
pub struct World {
    pub emu: EmulatorHandle,
    pub dir: TempDir,
}

impl World {
    pub fn new() -> World {
        World {
            emu: Emulator::start_blocking(Seed::default()).expect("emulator"),
            dir: TempDir::new(),
        }
    }

    /// A command with only PATH, the three DESCOPE_* variables and the working directory set.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("DESCOPE_PROJECT_ID", self.emu.project_id())
            .env("DESCOPE_MANAGEMENT_KEY", self.emu.management_key())
            .env("DESCOPE_BASE_URI", self.emu.url())
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run::of(self.cmd(args).output().expect("run descope-mgmt"))
    }

    /// Runs with `input` on stdin.
    pub fn run_with_stdin(&self, args: &[&str], input: &[u8]) -> Run {
        let mut c = self.cmd(args);
        c.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().expect("spawn");
        let mut stdin = child.stdin.take().unwrap();
        let input = input.to_vec();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let out = child.wait_with_output().expect("wait");
        writer.join().unwrap();
        Run::of(out)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Raw HTTP/1.0 to the emulator (so the answer is never chunked); returns the body.
    pub fn http(&self, method: &str, path: &str, body: &str) -> String {
        let mut s = TcpStream::connect(self.emu.addr()).expect("connect");
        write!(
            s,
            "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
        assert!(
            head.starts_with("HTTP/1.") && head.contains(" 200 "),
            "{head}"
        );
        body.to_string()
    }

    /// Queues a fault (`POST /emulator/faults`).
    pub fn fault(&self, fault: Value) {
        self.http("POST", "/emulator/faults", &fault.to_string());
    }

    /// The current secret of a key, from the emulator's state.
    pub fn secret_of(&self, id: &str) -> String {
        let v: Value = serde_json::from_str(&self.http("GET", "/emulator/accesskeys", "")).unwrap();
        v["accessKeys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["id"] == id)
            .and_then(|k| k["secret"].as_str())
            .unwrap()
            .to_string()
    }

    /// How many times a key was rotated.
    pub fn rotations(&self, id: &str) -> u64 {
        let v: Value = serde_json::from_str(&self.http("GET", "/emulator/accesskeys", "")).unwrap();
        v["accessKeys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["id"] == id)
            .and_then(|k| k["rotations"].as_u64())
            .unwrap()
    }

    /// Every stored token of an app.
    pub fn stored_tokens(&self, app: &str) -> Vec<Value> {
        let v: Value = serde_json::from_str(&self.http(
            "GET",
            &format!("/emulator/outbound/tokens?appId={app}"),
            "",
        ))
        .unwrap();
        v["tokens"].as_array().unwrap().clone()
    }

    pub fn requests(&self, path: &str) -> usize {
        self.emu.request_count("POST", path)
    }
}

/// What one run printed, and its exit status.
pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn of(out: Output) -> Run {
        Run {
            status: out.status.code().expect("exited, not killed"),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// The one JSON object on stdout.
    pub fn json(&self) -> Value {
        let lines: Vec<&str> = self.stdout.lines().collect();
        assert_eq!(lines.len(), 1, "one line on stdout: {}", self.stdout);
        serde_json::from_str(lines[0]).expect("JSON on stdout")
    }

    #[track_caller]
    pub fn expect(&self, status: i32) -> &Run {
        assert_eq!(
            self.status, status,
            "exit status\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }

    /// Asserts that the secret appears neither on stderr nor on stdout.
    #[track_caller]
    pub fn assert_hides(&self, secret: &str) {
        assert!(!secret.is_empty());
        assert!(!self.stderr.contains(secret), "secret on stderr");
        assert!(!self.stdout.contains(secret), "secret on stdout");
    }
}

/// A private temporary directory, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        let p = std::env::temp_dir().join(format!(
            "descope-mgmt-cli-test-{}-{}",
            std::process::id(),
            fastrand_suffix()
        ));
        std::fs::create_dir(&p).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o700)).unwrap();
        TempDir(p)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn fastrand_suffix() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let n = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{n:x}")
}

/// The permission bits of a file.
pub fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}
