//! The request journal: every request received outside `/emulator/`, as it arrived
//! (method, path, headers, raw body, receipt time). Capped to the most recent
//! [`JOURNAL_CAPACITY`] entries; appending is a short mutex section with no serialization.

use std::collections::VecDeque;
use std::sync::Mutex;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method};
use serde_json::{json, Map, Value};

/// Maximum number of entries kept; older entries are dropped first.
pub const JOURNAL_CAPACITY: usize = 10_000;

/// One received request.
#[derive(Debug, Clone)]
pub struct JournalEntry {
    /// HTTP method.
    pub method: Method,
    /// Path without the query string.
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// Request headers as received.
    pub headers: HeaderMap,
    /// Raw request body.
    pub body: Bytes,
    /// Receipt time, epoch milliseconds.
    pub ts: u64,
}

impl JournalEntry {
    /// Wire form: `{"method","path","headers":{lowercase name: value},"body","ts"}` plus
    /// `"query"` when the request had one. Repeated headers are joined with `, `.
    pub fn to_json(&self) -> Value {
        let mut headers = Map::new();
        for (name, value) in &self.headers {
            let v = String::from_utf8_lossy(value.as_bytes()).into_owned();
            match headers.get_mut(name.as_str()) {
                Some(Value::String(prev)) => {
                    prev.push_str(", ");
                    prev.push_str(&v);
                }
                _ => {
                    headers.insert(name.as_str().to_owned(), Value::String(v));
                }
            }
        }
        let mut obj = json!({
            "method": self.method.as_str(),
            "path": self.path,
            "headers": headers,
            "body": String::from_utf8_lossy(&self.body),
            "ts": self.ts,
        });
        if let (Some(q), Value::Object(map)) = (&self.query, &mut obj) {
            map.insert("query".to_owned(), Value::String(q.clone()));
        }
        obj
    }
}

/// The capped, thread-safe journal.
#[derive(Debug, Default)]
pub struct Journal {
    entries: Mutex<VecDeque<JournalEntry>>,
}

impl Journal {
    /// Appends an entry, dropping the oldest one when full.
    pub fn push(&self, entry: JournalEntry) {
        let mut q = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if q.len() >= JOURNAL_CAPACITY {
            q.pop_front();
        }
        q.push_back(entry);
    }

    /// Removes every entry.
    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// A copy of the entries (oldest first) whose method and path match the given filters.
    pub fn snapshot(&self, method: Option<&str>, path: Option<&str>) -> Vec<JournalEntry> {
        let q = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        q.iter()
            .filter(|e| method.map_or(true, |m| e.method.as_str().eq_ignore_ascii_case(m)))
            .filter(|e| path.map_or(true, |p| e.path == p))
            .cloned()
            .collect()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether the journal is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
