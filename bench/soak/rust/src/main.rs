//! The Rust driver of the soak benchmark (`bench/soak.sh`): `CALLS` calls on one async
//! `Client`, `CONCURRENCY` at a time, sampling this process's RSS and open file
//! descriptors (from `/proc/self`) every `EVERY` calls.
//!
//! ```sh
//! soak CALLS EVERY CONCURRENCY    # BENCH_URL, BENCH_PROJECT_ID, BENCH_MANAGEMENT_KEY set
//! ```
//!
//! Nine calls in ten rotate `K2active2` (must succeed with a secret); one in ten rotates
//! `K2soakMissing` (must fail with `NOT_FOUND`), so error objects are made and dropped too.
//! Prints one JSON line per sample, `{"calls","rssKb","fds","errors","elapsed"}` (the first
//! after a warm-up call), then `{"done":true,...}` with the same fields. Anything else than
//! the expected outcome counts as an error; the first one's code is printed on stderr.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use descope_mgmt::bindings::runtime;
use descope_mgmt::{Client, ErrorCode};

const KEY: &str = "K2active2";
const MISSING: &str = "K2soakMissing";

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

/// One call, `i`-th of the run; `true` when its outcome is the expected one.
async fn one(client: &Client, i: u64) -> bool {
    if i % 10 == 9 {
        match client.rotate_access_key(MISSING).await {
            Err(e) if e.code() == ErrorCode::NotFound => true,
            Err(e) => report(e.code().to_string()),
            Ok(_) => report("OK for a missing key".into()),
        }
    } else {
        match client.rotate_access_key(KEY).await {
            Ok(r) if !r.cleartext.expose().is_empty() => true,
            Ok(_) => report("empty secret".into()),
            Err(e) => report(e.code().to_string()),
        }
    }
}

fn report(what: String) -> bool {
    static FIRST: std::sync::Once = std::sync::Once::new();
    FIRST.call_once(|| eprintln!("soak(rust): first unexpected outcome: {what}"));
    false
}

fn main() {
    let arg = |i: usize, default: u64| {
        std::env::args()
            .nth(i)
            .map(|s| s.parse().expect("a number"))
            .unwrap_or(default)
    };
    let (calls, every, concurrency) = (arg(1, 200_000), arg(2, 4000).max(1), arg(3, 8).max(1));
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"));
    let client = Client::builder()
        .ignore_env()
        .project_id(var("BENCH_PROJECT_ID"))
        .management_key(var("BENCH_MANAGEMENT_KEY").as_str())
        .base_url(var("BENCH_URL"))
        .build()
        .expect("client");
    let errors = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let sample = |done: u64, last: bool| {
        println!(
            "{{{}\"calls\":{done},\"rssKb\":{},\"fds\":{},\"errors\":{},\"elapsed\":{:.3}}}",
            if last { "\"done\":true," } else { "" },
            rss_kb(),
            fds(),
            errors.load(Ordering::Relaxed),
            start.elapsed().as_secs_f64()
        );
    };
    runtime::block_on(async {
        if !one(&client, 0).await {
            errors.fetch_add(1, Ordering::Relaxed);
        }
    });
    sample(0, false);
    let mut done = 0u64;
    while done < calls {
        let round = every.min(calls - done);
        runtime::block_on(async {
            let next = Arc::new(AtomicU64::new(done));
            let end = done + round;
            let tasks: Vec<_> = (0..concurrency)
                .map(|_| {
                    let (client, next, errors) = (client.clone(), next.clone(), errors.clone());
                    runtime::spawn(async move {
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            if i >= end {
                                break;
                            }
                            if !one(&client, i).await {
                                errors.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.expect("a soak task panicked");
            }
        });
        done += round;
        sample(done, done >= calls);
    }
}
