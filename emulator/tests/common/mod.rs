//! A tiny blocking HTTP/1.1 client over `std::net::TcpStream` for the emulator's tests:
//! one request per connection (`Connection: close`), read to EOF, so a connection closed
//! without a response is observable as zero bytes.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use descope_mgmt_emulator::EmulatorHandle;
use serde_json::Value;

/// The rotate path.
pub const ROTATE: &str = "/v1/mgmt/accesskey/rotate";
/// The batch upload path.
pub const BATCH: &str = "/v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload";
/// The template create path.
pub const CREATE: &str = "/v1/mgmt/resource/dynamic-registration-template/create";
/// The license path.
pub const LICENSE: &str = "/v1/mgmt/license";

/// A parsed HTTP response.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Asserts a Descope error body with this status and code.
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(
            self.status,
            status,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(self.header("content-type"), Some("application/json"));
        let v = self.json();
        assert_eq!(v["errorCode"], code, "{v}");
        assert!(
            v["errorDescription"]
                .as_str()
                .is_some_and(|s| !s.is_empty()),
            "{v}"
        );
        assert!(v["errorMessage"].is_string(), "{v}");
    }
}

/// What came back on the connection.
#[derive(Debug)]
pub enum Outcome {
    /// A full response.
    Response(Resp),
    /// The server closed the connection after sending this many bytes without a full response.
    Closed(Vec<u8>),
}

/// Sends one request and reads until the server closes the connection.
pub fn raw(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Outcome {
    raw_with_timeout(addr, method, path, headers, body, Duration::from_secs(30))
}

/// [`raw`] with a read timeout (a timed-out read returns what was read so far as `Closed`).
pub fn raw_with_timeout(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    timeout: Duration,
) -> Outcome {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(timeout)).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (n, v) in headers {
        req.push_str(&format!("{n}: {v}\r\n"));
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(req.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 64 * 1024];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(_) => return Outcome::Closed(buf),
        }
    }
    match parse(&buf) {
        Some(r) => Outcome::Response(r),
        None => Outcome::Closed(buf),
    }
}

fn parse(buf: &[u8]) -> Option<Resp> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&buf[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let rest = &buf[end + 4..];
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(rest)?
    } else if let Some((_, len)) = headers.iter().find(|(n, _)| n == "content-length") {
        let len: usize = len.parse().ok()?;
        if rest.len() < len {
            return None;
        }
        rest[..len].to_vec()
    } else {
        rest.to_vec()
    };
    Some(Resp {
        status,
        headers,
        body,
    })
}

fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size = usize::from_str_radix(
            std::str::from_utf8(&data[..line_end])
                .ok()?
                .split(';')
                .next()?
                .trim(),
            16,
        )
        .ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

/// Sends a request and expects a full response.
pub fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    match raw(addr, method, path, headers, body) {
        Outcome::Response(r) => r,
        Outcome::Closed(b) => panic!(
            "{method} {path}: connection closed after {} bytes without a response",
            b.len()
        ),
    }
}

/// The emulator's valid `Authorization` header value.
pub fn auth(emu: &EmulatorHandle) -> String {
    format!("Bearer {}:{}", emu.project_id(), emu.management_key())
}

/// Authenticated management POST with a JSON body.
pub fn mgmt_post(emu: &EmulatorHandle, path: &str, body: &Value) -> Resp {
    let a = auth(emu);
    send(
        emu.addr(),
        "POST",
        path,
        &[("Authorization", &a), ("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    )
}

/// Authenticated management POST, raw outcome.
pub fn mgmt_post_raw(emu: &EmulatorHandle, path: &str, body: &Value) -> Outcome {
    let a = auth(emu);
    raw(
        emu.addr(),
        "POST",
        path,
        &[("Authorization", &a), ("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    )
}

/// Emulator-only GET, parsed as JSON (expects 200).
pub fn admin_get(emu: &EmulatorHandle, path: &str) -> Value {
    let r = send(emu.addr(), "GET", path, &[], b"");
    assert_eq!(
        r.status,
        200,
        "{path}: {}",
        String::from_utf8_lossy(&r.body)
    );
    r.json()
}

/// Emulator-only POST, parsed as JSON (expects 200).
pub fn admin_post(emu: &EmulatorHandle, path: &str, body: &Value) -> Value {
    let r = send(
        emu.addr(),
        "POST",
        path,
        &[("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    );
    assert_eq!(
        r.status,
        200,
        "{path}: {}",
        String::from_utf8_lossy(&r.body)
    );
    r.json()
}

/// Whether `secret` is the current secret of key `id`, via `POST /emulator/accesskeys/verify`.
pub fn verify(emu: &EmulatorHandle, id: &str, secret: &str) -> bool {
    admin_post(
        emu,
        "/emulator/accesskeys/verify",
        &serde_json::json!({"id": id, "secret": secret}),
    )["valid"]
        .as_bool()
        .expect("valid is a bool")
}

/// Queues one fault.
pub fn fault(emu: &EmulatorHandle, spec: Value) {
    admin_post(emu, "/emulator/faults", &spec);
}

/// Number of journaled requests with this method and path (via the HTTP endpoint).
pub fn journal_count(emu: &EmulatorHandle, method: &str, path: &str) -> usize {
    admin_get(
        emu,
        &format!("/emulator/journal?method={method}&path={path}"),
    )["requests"]
        .as_array()
        .unwrap()
        .len()
}
