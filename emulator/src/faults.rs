//! Fault injection: a FIFO queue of one-shot (or `times`-shot) faults matched by method and
//! path, queued with `POST /emulator/faults`.
//!
//! The request path checks an atomic counter before touching the queue's mutex, so the
//! no-fault fast path costs one atomic load.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a fault does to the request it matches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultAction {
    /// Answer with the fault's `status`/`headers`/`body` without handling the request.
    #[default]
    Respond,
    /// Sleep `delayMs`, then handle the request normally (it is applied even if the client
    /// has gone away meanwhile).
    Delay,
    /// Read the request, do not apply it, close the connection without any response bytes.
    DropBeforeApply,
    /// Read and apply the request, then close the connection without any response bytes.
    DropAfterApply,
    /// Apply the request, then answer 200 with a truncated (invalid) JSON body.
    MalformedBody,
    /// Apply the request, then answer 200 with a JSON body larger than 16 MiB
    /// ([`OVERSIZED_BODY_LEN`] bytes or a little more).
    OversizedBody,
}

/// Approximate size of the body sent by [`FaultAction::OversizedBody`]: 17 MiB.
pub const OVERSIZED_BODY_LEN: usize = 17 * 1024 * 1024;

/// A fault as posted to `/emulator/faults` (camelCase JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultSpec {
    /// HTTP method to match (case-insensitive); absent or `"*"` matches any method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Exact request path to match (query string ignored), e.g. `/v1/mgmt/accesskey/rotate`.
    pub path: String,
    /// What to do; default `respond`.
    #[serde(default)]
    pub action: FaultAction,
    /// Status for `respond` (default 503).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Extra response headers for `respond` (values may be strings or numbers).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, Value>,
    /// Raw response body for `respond`; absent means a Descope error body for `status`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Milliseconds to wait before acting (for every action; `delay` is just a wait).
    #[serde(default)]
    pub delay_ms: u64,
    /// How many matching requests the fault applies to (default 1).
    #[serde(default = "one")]
    pub times: u32,
}

fn one() -> u32 {
    1
}

/// A validated fault ready to be applied.
#[derive(Debug, Clone)]
pub struct Fault {
    /// The spec as posted (returned by `GET /emulator/faults`, `times` = remaining).
    pub spec: FaultSpec,
    /// Parsed method (`None` = any).
    pub method: Option<Method>,
    /// Parsed status for `respond`.
    pub status: StatusCode,
    /// Parsed response headers for `respond`.
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl Fault {
    /// Validates a spec: path starts with `/`, `times` >= 1, status in 100..=599 and valid
    /// header names/values.
    pub fn from_spec(spec: FaultSpec) -> Result<Fault, String> {
        if !spec.path.starts_with('/') {
            return Err(format!("fault path {:?} must start with '/'", spec.path));
        }
        if spec.times == 0 {
            return Err("fault times must be >= 1".to_owned());
        }
        let method = match spec.method.as_deref() {
            None | Some("*") | Some("") => None,
            Some(m) => Some(
                Method::from_bytes(m.to_ascii_uppercase().as_bytes())
                    .map_err(|_| format!("invalid fault method {m:?}"))?,
            ),
        };
        let status_code = spec.status.unwrap_or(503);
        if !(100..=599).contains(&status_code) {
            return Err(format!(
                "fault status {status_code} must be within 100..=599"
            ));
        }
        let status = StatusCode::from_u16(status_code).map_err(|e| e.to_string())?;
        let mut headers = Vec::with_capacity(spec.headers.len());
        for (name, value) in &spec.headers {
            let value = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                other => {
                    return Err(format!(
                        "fault header {name:?} has a non-scalar value {other}"
                    ))
                }
            };
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("invalid header name {name:?}"))?;
            let value = HeaderValue::from_str(&value)
                .map_err(|_| format!("invalid header value {value:?}"))?;
            headers.push((name, value));
        }
        Ok(Fault {
            spec,
            method,
            status,
            headers,
        })
    }

    fn matches(&self, method: &Method, path: &str) -> bool {
        self.spec.path == path && self.method.as_ref().map_or(true, |m| m == method)
    }
}

/// The FIFO fault queue.
#[derive(Debug, Default)]
pub struct FaultQueue {
    len: AtomicUsize,
    queue: Mutex<VecDeque<Fault>>,
}

impl FaultQueue {
    /// Appends faults (in order); returns the number of queued fault entries afterwards.
    pub fn push(&self, faults: impl IntoIterator<Item = Fault>) -> usize {
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        q.extend(faults);
        self.len.store(q.len(), Ordering::Release);
        q.len()
    }

    /// Takes one activation of the first queued fault matching `method` and `path`,
    /// removing the entry when its `times` reaches zero.
    pub fn take(&self, method: &Method, path: &str) -> Option<Fault> {
        if self.len.load(Ordering::Acquire) == 0 {
            return None;
        }
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        let idx = q.iter().position(|f| f.matches(method, path))?;
        let entry = &mut q[idx];
        entry.spec.times -= 1;
        let fault = if entry.spec.times == 0 {
            let f = q.remove(idx).expect("index in range");
            self.len.store(q.len(), Ordering::Release);
            f
        } else {
            let mut f = entry.clone();
            f.spec.times = 1;
            f
        };
        Some(fault)
    }

    /// Removes every queued fault.
    pub fn clear(&self) {
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        q.clear();
        self.len.store(0, Ordering::Release);
    }

    /// The queued faults (with remaining `times`), in queue order.
    pub fn list(&self) -> Vec<FaultSpec> {
        let q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        q.iter().map(|f| f.spec.clone()).collect()
    }

    /// Number of queued fault entries.
    pub fn len(&self) -> usize {
        self.len.load(Ordering::Acquire)
    }

    /// Whether no fault is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
