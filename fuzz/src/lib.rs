//! Shared pieces of the fuzz targets: a loopback HTTP server whose answers the target
//! chooses, and the secret-leak oracle.
//!
//! The server listens on 127.0.0.1 only. Every connection gets one answer from the current
//! [`Responder`], and `GET /v1/mgmt/license` is answered 404 (the client then
//! simply sends no license header). Well-formed answers carry `Connection: close`, and the
//! server closes after each answer, so no state leaks from one input into the next.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// The management key of every fuzzed client: random-looking, so any occurrence is a leak.
pub const MGMT_KEY: &str = "K2fz7Qw9Er3Ty6Ui1Op4As8Df2Gh5Jk0Lz";
/// The project id of every fuzzed client.
pub const PROJECT_ID: &str = "P2fuzzproject";

/// Chooses the raw bytes written back for a request (`path`, `body`).
pub type Responder = Arc<dyn Fn(&str, &[u8]) -> Vec<u8> + Send + Sync>;

/// Connections served at once (the clients of the targets use at most two: the license
/// handshake's and the call's; a raw answer may leave one open until its client is dropped).
const SERVER_THREADS: usize = 8;

/// The loopback server.
pub struct Canned {
    addr: SocketAddr,
    responder: Mutex<Responder>,
}

impl Canned {
    /// The process-wide server, started on first use.
    pub fn get() -> &'static Canned {
        static SERVER: OnceLock<&'static Canned> = OnceLock::new();
        SERVER.get_or_init(|| {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
            let canned: &'static Canned = Box::leak(Box::new(Canned {
                addr: listener.local_addr().unwrap(),
                responder: Mutex::new(Arc::new(|_, _| Vec::new())),
            }));
            // A fixed set of threads that live as long as the process: a thread that exits
            // while LeakSanitizer checks an input makes it report glibc's thread-exit
            // bookkeeping as a leak, and spawning one per connection is slow under ASan.
            let listener = Arc::new(listener);
            for _ in 0..SERVER_THREADS {
                let listener = listener.clone();
                std::thread::spawn(move || loop {
                    if let Ok((stream, _)) = listener.accept() {
                        serve(canned, stream);
                    }
                });
            }
            canned
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Sets what the server answers from now on.
    pub fn respond_with(&self, responder: Responder) {
        *self.responder.lock().unwrap() = responder;
    }
}

fn serve(canned: &Canned, mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_nodelay(true);
    let mut buf = Vec::new();
    let Some((path, body)) = read_request(&mut stream, &mut buf) else {
        return;
    };
    let answer = if path == "/v1/mgmt/license" {
        b"HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n".to_vec()
    } else {
        let responder = canned.responder.lock().unwrap().clone();
        responder(&path, &body)
    };
    let _ = stream.write_all(&answer);
    let _ = stream.shutdown(Shutdown::Write);
    // Let the client close first, so our close never turns into a reset that could
    // discard the answer before the client read it.
    let mut sink = [0u8; 1024];
    while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
}

fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<(String, Vec<u8>)> {
    let mut chunk = [0u8; 8192];
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = stream.read(&mut chunk).ok().filter(|&n| n > 0)?;
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let path = head.split(' ').nth(1)?.to_string();
    let len: usize = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    let mut body = buf[end + 4..].to_vec();
    while body.len() < len {
        let n = stream.read(&mut chunk).ok().filter(|&n| n > 0)?;
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(len);
    Some((path, body))
}

/// A well-formed answer with `Connection: close` and a Content-Length.
pub fn answer(status: u16, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} X\r\nConnection: close\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// Every text an error shows: Display, Debug and each accessor.
pub fn error_texts(error: &descope_mgmt::Error) -> Vec<String> {
    let mut texts = vec![
        error.to_string(),
        format!("{error:?}"),
        error.message().to_string(),
        error.descope_code().unwrap_or("").to_string(),
        error.description().unwrap_or("").to_string(),
        error.server_message().unwrap_or("").to_string(),
    ];
    for f in error.failures() {
        texts.extend([
            f.app_id.clone(),
            f.tenant_id.clone(),
            f.error_code.clone(),
            f.reason.clone(),
        ]);
    }
    texts
}

/// Panics (a libFuzzer crash) when any secret occurs in any text of `error`. `what` names
/// the call; the message never quotes the secret.
pub fn assert_no_leak<S: AsRef<str>>(what: &str, error: &descope_mgmt::Error, secrets: &[S]) {
    let texts = error_texts(error);
    for (i, secret) in secrets.iter().enumerate() {
        let secret = secret.as_ref();
        if secret.is_empty() {
            continue;
        }
        for text in &texts {
            assert!(
                !text.contains(secret),
                "{what}: secret #{i} appears in the {} error",
                error.code()
            );
        }
    }
}

/// Whether a value is distinctive enough that finding it in an error text means it was
/// quoted, not matched by chance in the library's own wording: at least 12 bytes, letters
/// and digits, no whitespace.
pub fn distinctive(s: &str) -> bool {
    s.len() >= 12
        && s.bytes().any(|b| b.is_ascii_digit())
        && s.bytes().any(|b| b.is_ascii_alphabetic())
        && !s.chars().any(char::is_whitespace)
}

/// Every string value (not key) of a JSON document, depth first.
pub fn string_values(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| string_values(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| string_values(x, out)),
        _ => {}
    }
}

/// Every object key of a JSON document, depth first.
pub fn object_keys(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Array(a) => a.iter().for_each(|x| object_keys(x, out)),
        serde_json::Value::Object(o) => {
            for (k, x) in o {
                out.push(k.clone());
                object_keys(x, out);
            }
        }
        _ => {}
    }
}

/// The top-level keys of a JSON object in order, duplicates included; `None` when `body`
/// is not one JSON object.
pub fn top_level_keys(body: &[u8]) -> Option<Vec<String>> {
    use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
    struct Keys;
    impl<'de> Visitor<'de> for Keys {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<String>, A::Error> {
            let mut keys = Vec::new();
            while let Some(k) = map.next_key::<String>()? {
                map.next_value::<IgnoredAny>()?;
                keys.push(k);
            }
            Ok(keys)
        }
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let keys = (&mut de).deserialize_map(Keys).ok()?;
    de.end().ok()?;
    Some(keys)
}
