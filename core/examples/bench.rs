//! The raw-core worker of the benchmark harness (`bench/run.sh`): the same workloads as the
//! Python, Node and C workers in `bench/workers/`, driven straight from Rust, so each
//! binding's throughput can be compared with the core's own.
//!
//! The server and credentials come from `BENCH_URL`, `BENCH_PROJECT_ID`,
//! `BENCH_MANAGEMENT_KEY` and `BENCH_KEY_ID` (the access key to rotate). With
//! `BENCH_LOG_LEVEL` (`error`, `warn`, `info` or `debug`) the client logs at that level to a
//! sink that only counts the records (the "Logging off" section of the harness); unset, the
//! client has the default settings: logs off, no sink installed. Subcommands:
//!
//! - `serve`: builds one client, then reads JSON commands from stdin, one a line, and
//!   answers each with one JSON line on stdout:
//!   `{"op":"run","seconds":2.0,"concurrency":8}` runs `concurrency` tasks that rotate the
//!   key in a loop until `seconds` have passed, and answers
//!   `{"calls","errors","firstError","elapsed","p50Ms","p99Ms"}` (plus `"logRecords"`, the
//!   records the sink got during the run, with `BENCH_LOG_LEVEL`); `{"op":"quit"}` (or EOF) exits.
//!   With `"mode":"block_on"`, `concurrency` OS threads make blocking calls instead
//!   (`runtime::block_on` per call, as `BlockingClient` and the Python sync and C bindings
//!   do); `"mode":"spawn_wait"` spawns each call on the runtime and blocks on its result.
//! - `batch COUNT`: after a one-token warm-up upload, uploads COUNT tenant tokens in one call and prints
//!   `{"count","wallMs","maxRssKb","rssBeforeKb"}` (peak RSS from `/proc/self/status`).
//! - `construct COUNT`: builds COUNT clients and prints `{"count","medianMs","firstMs"}`,
//!   then times one rotate on a new client (the first in the process), the first rotate on
//!   a second new client, and the next one on that client:
//!   `{"firstCallMs","newClientFirstCallMs","warmCallMs"}`.
//!
//! ```sh
//! cargo run --release -p descope-mgmt --example bench -- serve
//! ```

use std::io::{BufRead, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use descope_mgmt::bindings::runtime;
use descope_mgmt::logs::{LogRecord, LogSink};
use descope_mgmt::{Client, TenantToken, MAX_BATCH_TOKENS};

/// Where to send the calls, read from the `BENCH_*` environment variables.
struct Target {
    url: String,
    project_id: String,
    management_key: String,
    key_id: String,
    /// `BENCH_LOG_LEVEL`, and the sink that counts the records when it is set.
    log_level: Option<String>,
    log_sink: Arc<CountingSink>,
}

/// A log sink that drops every record after counting it: what logging costs the core
/// itself, before any logger formats or writes anything.
#[derive(Default)]
struct CountingSink {
    records: AtomicU64,
}

impl LogSink for CountingSink {
    fn log(&self, record: &LogRecord) {
        std::hint::black_box(record);
        self.records.fetch_add(1, Ordering::Relaxed);
    }
}

impl Target {
    fn from_env() -> Target {
        let var = |name: &str| {
            std::env::var(name).unwrap_or_else(|_| {
                eprintln!("bench: {name} is not set");
                std::process::exit(2)
            })
        };
        Target {
            url: var("BENCH_URL"),
            project_id: var("BENCH_PROJECT_ID"),
            management_key: var("BENCH_MANAGEMENT_KEY"),
            key_id: std::env::var("BENCH_KEY_ID").unwrap_or_else(|_| "K2active2".into()),
            log_level: std::env::var("BENCH_LOG_LEVEL")
                .ok()
                .filter(|l| !l.is_empty()),
            log_sink: Arc::default(),
        }
    }

    fn client(&self) -> Client {
        let mut builder = Client::builder()
            .project_id(&self.project_id)
            .management_key(self.management_key.as_str())
            .base_url(&self.url)
            .ignore_env();
        if let Some(level) = &self.log_level {
            builder = builder
                .log_level(level.as_str())
                .log_sink(self.log_sink.clone());
        }
        builder.build().unwrap_or_else(|e| {
            eprintln!("bench: cannot build the client: {e}");
            std::process::exit(1)
        })
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let count = |i: usize, default: usize| {
        args.get(i)
            .map(|s| s.parse().expect("COUNT must be a number"))
            .unwrap_or(default)
    };
    let target = Target::from_env();
    match args.first().map(String::as_str) {
        Some("serve") => serve(&target),
        Some("batch") => batch(&target, count(1, 10_000)),
        Some("construct") => construct(&target, count(1, 1000)),
        _ => {
            eprintln!("usage: bench serve | batch [COUNT] | construct [COUNT]");
            std::process::exit(2)
        }
    }
}

/// Answers `run` commands from stdin until `quit` or EOF.
fn serve(target: &Target) {
    let client = target.client();
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout();
    for line in stdin.lock().lines() {
        let line = line.expect("stdin");
        if line.trim().is_empty() {
            continue;
        }
        let cmd: serde_json::Value = serde_json::from_str(&line).expect("a JSON command");
        let records_before = target.log_sink.records.load(Ordering::Relaxed);
        let mut reply = match cmd["op"].as_str() {
            Some("run") => {
                let seconds = cmd["seconds"].as_f64().unwrap_or(1.0);
                let concurrency = cmd["concurrency"].as_u64().unwrap_or(1).max(1) as usize;
                let duration = Duration::from_secs_f64(seconds);
                match cmd["mode"].as_str().unwrap_or("tasks") {
                    "tasks" => run(&client, &target.key_id, duration, concurrency),
                    mode @ ("block_on" | "spawn_wait") => run_threads(
                        &client,
                        &target.key_id,
                        duration,
                        concurrency,
                        mode == "spawn_wait",
                    ),
                    other => serde_json::json!({ "error": format!("unknown mode {other:?}") }),
                }
            }
            Some("quit") => break,
            other => serde_json::json!({ "error": format!("unknown op {other:?}") }),
        };
        if target.log_level.is_some() {
            reply["logRecords"] =
                (target.log_sink.records.load(Ordering::Relaxed) - records_before).into();
        }
        writeln!(stdout, "{reply}")
            .and_then(|_| stdout.flush())
            .expect("stdout");
    }
}

/// Runs `concurrency` tasks that each rotate `key_id` back to back until `duration` passes.
fn run(client: &Client, key_id: &str, duration: Duration, concurrency: usize) -> serde_json::Value {
    runtime::block_on(async {
        let start = Instant::now();
        let deadline = start + duration;
        let tasks: Vec<_> = (0..concurrency)
            .map(|_| {
                let client = client.clone();
                let key_id = key_id.to_string();
                runtime::spawn(async move {
                    let mut latencies = Vec::with_capacity(16_384);
                    let mut errors = 0u64;
                    let mut first_error = None;
                    while Instant::now() < deadline && errors < 100 {
                        let t = Instant::now();
                        match client.rotate_access_key(&key_id).await {
                            Ok(_) => latencies.push(t.elapsed().as_secs_f64() * 1000.0),
                            Err(e) => {
                                errors += 1;
                                first_error.get_or_insert_with(|| e.to_string());
                            }
                        }
                    }
                    (latencies, errors, first_error)
                })
            })
            .collect();
        let mut latencies = Vec::new();
        let mut errors = 0;
        let mut first_error = None;
        for task in tasks {
            let (l, e, f) = task.await.expect("a bench task panicked");
            latencies.extend(l);
            errors += e;
            if first_error.is_none() {
                first_error = f;
            }
        }
        let elapsed = start.elapsed().as_secs_f64();
        latencies.sort_by(f64::total_cmp);
        serde_json::json!({
            "calls": latencies.len(),
            "errors": errors,
            "firstError": first_error,
            "elapsed": elapsed,
            "p50Ms": percentile(&latencies, 0.50),
            "p99Ms": percentile(&latencies, 0.99),
        })
    })
}

/// Runs `threads` OS threads sharing the client, each making blocking calls back to back
/// until `duration` passes: the model of the Python sync and C bindings. Each call is
/// either `runtime::block_on` on the calling thread (what `BlockingClient` does) or, with
/// `spawn_wait`, spawned on the runtime while the calling thread waits for its result.
fn run_threads(
    client: &Client,
    key_id: &str,
    duration: Duration,
    threads: usize,
    spawn_wait: bool,
) -> serde_json::Value {
    let start = Instant::now();
    let deadline = start + duration;
    let results: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut latencies = Vec::with_capacity(16_384);
                    let mut errors = 0u64;
                    let mut first_error = None;
                    while Instant::now() < deadline && errors < 100 {
                        let t = Instant::now();
                        let result = if spawn_wait {
                            let client = client.clone();
                            let id = key_id.to_string();
                            let (tx, rx) = std::sync::mpsc::sync_channel(1);
                            runtime::spawn(async move {
                                let _ = tx.send(client.rotate_access_key(&id).await);
                            });
                            rx.recv().expect("the spawned call vanished")
                        } else {
                            runtime::block_on(client.rotate_access_key(key_id))
                        };
                        match result {
                            Ok(_) => latencies.push(t.elapsed().as_secs_f64() * 1000.0),
                            Err(e) => {
                                errors += 1;
                                first_error.get_or_insert_with(|| e.to_string());
                            }
                        }
                    }
                    (latencies, errors, first_error)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a bench thread panicked"))
            .collect()
    });
    let elapsed = start.elapsed().as_secs_f64();
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut first_error = None;
    for (l, e, f) in results {
        latencies.extend(l);
        errors += e;
        if first_error.is_none() {
            first_error = f;
        }
    }
    latencies.sort_by(f64::total_cmp);
    serde_json::json!({
        "calls": latencies.len(),
        "errors": errors,
        "firstError": first_error,
        "elapsed": elapsed,
        "p50Ms": percentile(&latencies, 0.50),
        "p99Ms": percentile(&latencies, 0.99),
    })
}

/// The `q` quantile of sorted values (nearest rank), or 0 when empty.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// The same token list every worker uploads: token `i` of `count`.
fn tokens(count: usize) -> Vec<TenantToken> {
    (0..count)
        .map(|i| TenantToken {
            access_token_expiry: Some(1_767_225_600),
            access_token_type: Some("Bearer".into()),
            scopes: Some(vec!["https://www.googleapis.com/auth/drive.readonly".into()]),
            ..TenantToken::new(
                if i % 2 == 0 { "google-drive" } else { "slack" },
                format!("T2bench{i:06}"),
            )
            .refresh_token(format!("rt-bench-{i:06}-0123456789abcdef"))
            .access_token(format!("at-bench-{i:06}-0123456789abcdef0123456789abcdef"))
        })
        .collect()
}

/// A field of `/proc/self/status` in kB (`VmHWM` is the peak RSS), or 0 elsewhere.
fn proc_status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// CPU time (user + system) of the whole process, every thread, in ms.
fn cpu_ms() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 / 1e6
}

/// Uploads `count` tokens in calls of at most [`MAX_BATCH_TOKENS`], in this fresh process.
fn batch(target: &Target, count: usize) {
    let client = target.client();
    // Warm up: one single-token upload (connection, license handshake, lazy set-up), as in
    // every worker, so the timed call measures the upload itself.
    let warm = vec![TenantToken::new("google-drive", "T2benchwarmup").access_token("at-warm-up")];
    if let Err(e) = runtime::block_on(client.batch_upload_tenant_tokens(&warm)) {
        eprintln!("bench: warm-up upload failed: {e}");
        std::process::exit(1);
    }
    let tokens = tokens(count);
    let rss_before = proc_status_kb("VmRSS:");
    let cpu = cpu_ms();
    let t = Instant::now();
    let result = runtime::block_on(async {
        for chunk in tokens.chunks(MAX_BATCH_TOKENS) {
            client.batch_upload_tenant_tokens(chunk).await?;
        }
        Ok::<(), descope_mgmt::Error>(())
    });
    let wall = t.elapsed().as_secs_f64() * 1000.0;
    let cpu_used = cpu_ms() - cpu;
    if let Err(e) = result {
        eprintln!("bench: batch upload failed: {e}");
        std::process::exit(1);
    }
    println!(
        "{}",
        serde_json::json!({
            "count": count,
            "wallMs": wall,
            "cpuMs": cpu_used,
            "maxRssKb": proc_status_kb("VmHWM:"),
            "rssBeforeKb": rss_before,
        })
    );
}

/// Builds `count` clients and reports the median construction time.
fn construct(target: &Target, count: usize) {
    let mut times = Vec::with_capacity(count);
    for _ in 0..count.max(1) {
        let t = Instant::now();
        let client = target.client();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        drop(client);
    }
    let first = times[0];
    times.sort_by(f64::total_cmp);
    let [first_call, new_client_first_call, warm_call] = first_calls(target);
    println!(
        "{}",
        serde_json::json!({
            "count": times.len(), "medianMs": percentile(&times, 0.5), "firstMs": first,
            "firstCallMs": first_call, "newClientFirstCallMs": new_client_first_call, "warmCallMs": warm_call,
        })
    );
}

/// Times of one rotate: the first in this process (on a new client), the first on a second
/// new client, and the next one on that client.
fn first_calls(target: &Target) -> [f64; 3] {
    let timed = |client: &Client| {
        let t = Instant::now();
        runtime::block_on(client.rotate_access_key(&target.key_id)).unwrap_or_else(|e| {
            eprintln!("bench: rotate failed: {e}");
            std::process::exit(1)
        });
        t.elapsed().as_secs_f64() * 1000.0
    };
    let first = timed(&target.client());
    let client = target.client();
    [first, timed(&client), timed(&client)]
}
