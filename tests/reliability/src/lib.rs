//! Hostile local HTTP servers for the reliability suite.
//!
//! Every server listens on `127.0.0.1:0`, speaks raw HTTP/1.1 over tokio TCP streams, and
//! records what it received (every request, connection counts, concurrently open
//! connections), so a test can assert both what the client returned and what reached the
//! server. A handler decides, per request, what to write back: a well-formed answer, a
//! trickle, silence, a reset, or garbage.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use descope_mgmt::{Client, ClientBuilder, Error};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The project id every test client uses (not a secret).
pub const PROJECT_ID: &str = "P2reliabilityproject";
/// The management key every test client uses: random-looking so that any fragment of it in
/// an error is a leak, never a coincidence.
pub const MGMT_KEY: &str = "K2q7Zr9Xw3Lm5Tn8Vb1Cd4Fg6Hj0Kp2SyUe";
/// The license endpoint, answered by [`Server::start`] itself.
pub const LICENSE_PATH: &str = "/v1/mgmt/license";
/// The longest fragment of a secret that may appear in text by chance; anything longer is a leak.
pub const LEAK_WINDOW: usize = 10;

/// One request as the server read it.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The request target, e.g. `/v1/mgmt/accesskey/rotate`.
    pub path: String,
    /// Header names (lowercased) and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body (Content-Length framed).
    pub body: Vec<u8>,
}

impl Recorded {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The request line, head and body as one text, as an echoing server would show them.
    pub fn echo(&self) -> String {
        let mut s = format!("{} {} HTTP/1.1\n", self.method, self.path);
        for (k, v) in &self.headers {
            s.push_str(&format!("{k}: {v}\n"));
        }
        s.push('\n');
        s.push_str(&String::from_utf8_lossy(&self.body));
        s
    }
}

/// What a server saw, shared with the test.
#[derive(Default)]
pub struct Seen {
    requests: Mutex<Vec<Recorded>>,
    connections: AtomicUsize,
    open: AtomicUsize,
    max_open: AtomicUsize,
}

impl Seen {
    /// Every request read so far, including license handshakes.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// How many requests hit `path`.
    pub fn count(&self, path: &str) -> usize {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path == path)
            .count()
    }

    /// How many connections were accepted.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// The largest number of connections open at the same time.
    pub fn max_open(&self) -> usize {
        self.max_open.load(Ordering::SeqCst)
    }
}

/// Decrements the open-connection count when a connection task ends, however it ends.
struct OpenGuard(Arc<Seen>);

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One accepted connection, with the bytes read past the current request.
pub struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

type BoxFuture = Pin<Box<dyn Future<Output = Option<Conn>> + Send>>;
type Handler = Arc<dyn Fn(Recorded, Conn) -> BoxFuture + Send + Sync>;

impl Conn {
    /// Reads one request (head plus Content-Length body); `None` on EOF or garbage.
    pub async fn read_request(&mut self) -> Option<Recorded> {
        const MAX_HEAD: usize = 1 << 20;
        let head_end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i;
            }
            if self.buf.len() > MAX_HEAD || !self.fill().await {
                return None;
            }
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let mut first = lines.next()?.split(' ');
        let method = first.next()?.to_string();
        let path = first.next()?.to_string();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let len: usize = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        self.buf.drain(..head_end + 4);
        while self.buf.len() < len {
            if !self.fill().await {
                return None;
            }
        }
        let body: Vec<u8> = self.buf.drain(..len).collect();
        Some(Recorded {
            method,
            path,
            headers,
            body,
        })
    }

    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 16 * 1024];
        match self.stream.read(&mut chunk).await {
            Ok(0) | Err(_) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
        }
    }

    /// Writes `bytes`; false when the client is gone.
    pub async fn write(&mut self, bytes: &[u8]) -> bool {
        self.stream.write_all(bytes).await.is_ok() && self.stream.flush().await.is_ok()
    }

    /// Writes `bytes` one at a time, `every` apart, then keeps trickling `filler` forever;
    /// returns when the client is gone.
    pub async fn trickle(mut self, bytes: &[u8], filler: u8, every: Duration) {
        for b in bytes.iter().copied().chain(std::iter::repeat(filler)) {
            if !self.write(&[b]).await {
                return;
            }
            tokio::time::sleep(every).await;
        }
    }

    /// Keeps the connection open without writing, until the client closes it.
    pub async fn hold(mut self) {
        while self.fill().await {}
    }

    /// Closes the connection with a TCP reset instead of a FIN.
    pub fn reset(self) {
        use std::os::fd::AsRawFd;
        let linger = libc::linger {
            l_onoff: 1,
            l_linger: 0,
        };
        // SAFETY: a valid socket fd and a correctly sized `linger` value.
        unsafe {
            libc::setsockopt(
                self.stream.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_LINGER,
                (&linger as *const libc::linger).cast(),
                std::mem::size_of::<libc::linger>() as libc::socklen_t,
            );
        }
        drop(self);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A hostile server: a listener on 127.0.0.1 plus the record of what it saw.
pub struct Server {
    addr: SocketAddr,
    seen: Arc<Seen>,
    task: JoinHandle<()>,
}

impl Server {
    /// Starts a server that answers `GET /v1/mgmt/license` itself (200, tier `tier1`) and
    /// hands every other request to `handler`. The handler returns the connection to keep
    /// serving it, or `None` to drop it.
    pub async fn start<F, Fut>(handler: F) -> Server
    where
        F: Fn(Recorded, Conn) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Option<Conn>> + Send + 'static,
    {
        Server::spawn(true, handler).await
    }

    /// Like [`Server::start`], but the license handshake goes to `handler` too.
    pub async fn start_raw<F, Fut>(handler: F) -> Server
    where
        F: Fn(Recorded, Conn) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Option<Conn>> + Send + 'static,
    {
        Server::spawn(false, handler).await
    }

    async fn spawn<F, Fut>(answer_license: bool, handler: F) -> Server
    where
        F: Fn(Recorded, Conn) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Option<Conn>> + Send + 'static,
    {
        let handler: Handler = Arc::new(move |r, c| Box::pin(handler(r, c)));
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Seen::default());
        let seen2 = seen.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    // EMFILE and the like: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                };
                let seen = seen2.clone();
                seen.connections.fetch_add(1, Ordering::SeqCst);
                let now = seen.open.fetch_add(1, Ordering::SeqCst) + 1;
                seen.max_open.fetch_max(now, Ordering::SeqCst);
                let handler = handler.clone();
                tokio::spawn(async move {
                    let _guard = OpenGuard(seen.clone());
                    let mut conn = Conn {
                        stream,
                        buf: Vec::new(),
                    };
                    while let Some(req) = conn.read_request().await {
                        seen.requests.lock().unwrap().push(req.clone());
                        if answer_license && req.path == LICENSE_PATH {
                            if !conn
                                .write(&json_response(200, r#"{"rateLimitTier":"tier1"}"#))
                                .await
                            {
                                return;
                            }
                            continue;
                        }
                        match handler(req, conn).await {
                            Some(c) => conn = c,
                            None => return,
                        }
                    }
                });
            }
        });
        Server { addr, seen, task }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What the server saw.
    pub fn seen(&self) -> &Seen {
        &self.seen
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The reason phrase of common statuses (anything else gets `Status`).
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// A complete response with a Content-Length and the given extra headers.
pub fn response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

/// A complete JSON response.
pub fn json_response(status: u16, body: &str) -> Vec<u8> {
    response(
        status,
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    )
}

/// A 200 rotate answer for key `id` with new secret `cleartext`.
pub fn rotate_answer(id: &str, cleartext: &str) -> String {
    serde_json::json!({
        "key": {
            "id": id, "name": "reliability", "roleNames": ["Tenant Admin"], "keyTenants": [],
            "status": "active", "createdTime": 1700000000, "expireTime": 0, "createdBy": "u1",
            "clientId": "", "boundUserId": "", "customClaims": {}, "editable": true,
            "description": "", "permittedIps": [], "customAttributes": {}
        },
        "cleartext": cleartext,
    })
    .to_string()
}

/// A 200 DCR template answer.
pub fn template_answer(name: &str) -> String {
    serde_json::json!({"template": {"id": "DRT2x", "version": "1", "name": name}}).to_string()
}

/// A client builder for `url` with the suite's project id and key, no environment, a 2 s
/// timeout and a 300 ms license handshake.
pub fn builder(url: &str) -> ClientBuilder {
    Client::builder()
        .ignore_env()
        .project_id(PROJECT_ID)
        .management_key(MGMT_KEY)
        .base_url(url)
        .timeout(Duration::from_secs(2))
        .license_timeout(Duration::from_millis(300))
}

/// [`builder`] built.
pub fn client(url: &str) -> Client {
    builder(url).build().expect("client builds")
}

/// Where in `error` any of `secrets` (or a fragment of one longer than [`LEAK_WINDOW`])
/// shows up, as `"<place> shows secret #<i>"` lines; empty when nothing leaks. Never
/// quotes the secret itself, so a failing test does not leak it either.
pub fn leaks(error: &Error, secrets: &[&str]) -> Vec<String> {
    let places: [(&str, String); 6] = [
        ("Display", error.to_string()),
        ("Debug", format!("{error:?}")),
        ("message()", error.message().to_string()),
        (
            "description()",
            error.description().unwrap_or("").to_string(),
        ),
        (
            "server_message()",
            error.server_message().unwrap_or("").to_string(),
        ),
        ("failures()", format!("{:?}", error.failures())),
    ];
    let mut found = Vec::new();
    for (place, text) in &places {
        for (i, secret) in secrets.iter().enumerate() {
            if shows(text, secret) {
                found.push(format!("{place} shows secret #{i}"));
            }
        }
    }
    found
}

/// True when `text` holds `secret` or any fragment of it longer than [`LEAK_WINDOW`].
pub fn shows(text: &str, secret: &str) -> bool {
    let s = secret.as_bytes();
    if s.len() <= LEAK_WINDOW {
        return text.contains(secret);
    }
    s.windows(LEAK_WINDOW + 1)
        .any(|w| find(text.as_bytes(), w).is_some())
}

/// Waits a little so that a client retry, if any, reaches the server before counting.
pub async fn settle() {
    tokio::time::sleep(Duration::from_millis(300)).await;
}

/// A listener on 127.0.0.1 whose accept queue is full: the kernel drops further SYNs, so
/// a new connection to it can only time out while connecting. Keep the value alive.
pub struct FullBacklog {
    /// The listener (never accepts).
    pub listener: std::net::TcpListener,
    /// Connections that fill the queue.
    pub held: Vec<std::net::TcpStream>,
}

impl FullBacklog {
    /// Binds, listens with backlog 0 and fills the queue.
    pub fn new() -> FullBacklog {
        use std::os::fd::FromRawFd;
        // SAFETY: plain socket calls on a fresh fd that the std listener then owns.
        let listener = unsafe {
            let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
            assert!(fd >= 0, "socket");
            let addr = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: 0,
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes([127, 0, 0, 1]),
                },
                sin_zero: [0; 8],
            };
            assert_eq!(
                libc::bind(
                    fd,
                    (&addr as *const libc::sockaddr_in).cast(),
                    std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
                ),
                0,
                "bind"
            );
            assert_eq!(libc::listen(fd, 0), 0, "listen");
            std::net::TcpListener::from_raw_fd(fd)
        };
        let addr = listener.local_addr().unwrap();
        let mut held = Vec::new();
        for _ in 0..16 {
            match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(100)) {
                Ok(s) => held.push(s),
                Err(_) => break,
            }
        }
        assert!(held.len() < 16, "the accept queue never filled up");
        FullBacklog { listener, held }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.listener.local_addr().unwrap())
    }
}

impl Default for FullBacklog {
    fn default() -> Self {
        FullBacklog::new()
    }
}

/// A gzip member whose deflate stream (fixed Huffman codes: one literal `'0'` then
/// `matches` copies of 258 bytes at distance 1) inflates to `1 + 258 * matches` bytes of
/// `'0'` from about `matches * 13 / 8` bytes. The trailer's CRC is not computed (a client
/// must never get that far: it must not inflate at all).
pub fn gzip_bomb(matches: usize) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        n: u32,
    }
    impl Bits {
        fn put(&mut self, value: u64, len: u32) {
            self.acc |= value << self.n;
            self.n += len;
            while self.n >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.n -= 8;
            }
        }
        /// Huffman codes are packed most significant bit first.
        fn code(&mut self, code: u32, len: u32) {
            let rev = code.reverse_bits() >> (32 - len);
            self.put(rev as u64, len);
        }
    }
    let mut b = Bits {
        out: vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3],
        acc: 0,
        n: 0,
    };
    b.put(1, 1); // BFINAL
    b.put(1, 2); // BTYPE = fixed Huffman
    b.code(0x30 + u32::from(b'0'), 8); // literal '0'
    for _ in 0..matches {
        b.code(0xC0 + (285 - 280), 8); // length 258
        b.code(0, 5); // distance 1
    }
    b.code(0, 7); // end of block
    if b.n > 0 {
        b.out.push(b.acc as u8);
    }
    let size = (1 + 258 * matches) as u32;
    b.out.extend_from_slice(&0u32.to_le_bytes());
    b.out.extend_from_slice(&size.to_le_bytes());
    b.out
}

/// Lowers this process's soft limit of open files to `limit` (when it is higher), as on
/// common systems; returns the previous soft limit.
pub fn lower_fd_limit(limit: u64) -> u64 {
    let mut rl = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `rl` is a valid rlimit out-parameter.
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) };
    let previous = rl.rlim_cur;
    if rl.rlim_cur > limit {
        rl.rlim_cur = limit;
        // SAFETY: as above; lowering the soft limit is always allowed.
        unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &rl) };
    }
    previous
}
