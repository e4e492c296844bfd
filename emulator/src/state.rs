//! The emulator's mutable state: access keys with their current secrets, stored tenant
//! OAuth tokens and dynamic registration templates, plus the fault queue, the journal and
//! the tracking of requests still being handled in the background (delayed faults).

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::sync::Notify;

use crate::faults::FaultQueue;
use crate::journal::Journal;
use crate::seed::{AccessKey, Seed};
use crate::time::{now_secs, rfc3339};

/// An access key and its current secret.
#[derive(Debug, Clone)]
pub struct KeyRecord {
    /// Wire metadata.
    pub key: AccessKey,
    /// Current cleartext secret.
    pub secret: String,
    /// Number of successful rotations since the last reset.
    pub rotations: u64,
}

/// A stored dynamic registration template.
#[derive(Debug, Clone)]
pub struct TemplateRecord {
    /// The template as wire JSON (request fields plus `id`, `version`, times).
    pub template: Map<String, Value>,
    /// Whether it was created through the API since the last reset (false for seeded ones).
    pub created: bool,
}

/// The project data (everything a reset restores).
#[derive(Debug, Default)]
pub struct Store {
    /// Access keys in seed order.
    pub keys: Vec<KeyRecord>,
    key_index: HashMap<String, usize>,
    /// Stored tenant tokens keyed by (appId, tenantId), with an insertion sequence number.
    tokens: HashMap<(String, String), (u64, Value)>,
    token_seq: u64,
    /// Templates in creation order.
    pub templates: Vec<TemplateRecord>,
    template_names: HashMap<String, usize>,
}

impl Store {
    /// Builds the store described by `seed`.
    pub fn from_seed(seed: &Seed) -> Store {
        let mut store = Store::default();
        for k in &seed.access_keys {
            store.key_index.insert(k.key.id.clone(), store.keys.len());
            store.keys.push(KeyRecord {
                key: k.key.clone(),
                secret: k.secret.clone(),
                rotations: 0,
            });
        }
        for t in &seed.templates {
            let mut t = t.clone();
            let name = t
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            t.entry("id")
                .or_insert_with(|| Value::String(new_template_id()));
            t.entry("version")
                .or_insert_with(|| Value::String("1".to_owned()));
            let now = rfc3339(now_secs());
            t.entry("createdTime")
                .or_insert_with(|| Value::String(now.clone()));
            t.entry("modifiedTime")
                .or_insert_with(|| Value::String(now));
            store.template_names.insert(name, store.templates.len());
            store.templates.push(TemplateRecord {
                template: t,
                created: false,
            });
        }
        store
    }

    /// The access key `id`, mutably.
    pub fn key_mut(&mut self, id: &str) -> Option<&mut KeyRecord> {
        let idx = *self.key_index.get(id)?;
        self.keys.get_mut(idx)
    }

    /// The access key `id`.
    pub fn key(&self, id: &str) -> Option<&KeyRecord> {
        self.keys.get(*self.key_index.get(id)?)
    }

    /// Inserts or replaces the token stored for (appId, tenantId).
    pub fn upsert_token(&mut self, app_id: String, tenant_id: String, item: Value) {
        self.token_seq += 1;
        let seq = self.token_seq;
        match self.tokens.entry((app_id, tenant_id)) {
            Entry::Occupied(mut slot) => slot.get_mut().1 = item,
            Entry::Vacant(slot) => {
                slot.insert((seq, item));
            }
        }
    }

    /// Stored tokens in first-insertion order, optionally filtered by app and tenant.
    pub fn tokens(&self, app_id: Option<&str>, tenant_id: Option<&str>) -> Vec<Value> {
        let mut v: Vec<&(u64, Value)> = self
            .tokens
            .iter()
            .filter(|((a, t), _)| {
                app_id.map_or(true, |x| x == a) && tenant_id.map_or(true, |x| x == t)
            })
            .map(|(_, slot)| slot)
            .collect();
        v.sort_by_key(|(seq, _)| *seq);
        v.into_iter().map(|(_, item)| item.clone()).collect()
    }

    /// Whether a template named `name` exists.
    pub fn has_template(&self, name: &str) -> bool {
        self.template_names.contains_key(name)
    }

    /// Adds a template created through the API.
    pub fn add_template(&mut self, template: Map<String, Value>) {
        let name = template
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        self.template_names.insert(name, self.templates.len());
        self.templates.push(TemplateRecord {
            template,
            created: true,
        });
    }
}

/// A new random template ID (`DRT2` + 27 alphanumerics).
pub fn new_template_id() -> String {
    let mut id = String::with_capacity(31);
    id.push_str("DRT2");
    id.extend(std::iter::repeat_with(fastrand::alphanumeric).take(27));
    id
}

/// A new random access-key cleartext secret (64 alphanumerics).
pub fn new_secret() -> String {
    std::iter::repeat_with(fastrand::alphanumeric)
        .take(64)
        .collect()
}

/// Everything shared by the request handlers.
#[derive(Debug)]
pub struct AppState {
    /// The seed (restored by reset).
    pub seed: Seed,
    /// The exact `Authorization` header value accepted on `/v1/mgmt/*`.
    pub auth_header: String,
    store: Mutex<Store>,
    /// Queued faults.
    pub faults: FaultQueue,
    /// Received requests.
    pub journal: Journal,
    pending: AtomicUsize,
    pending_done: Notify,
}

/// Upper bound on how long inspection endpoints wait for background requests to finish.
pub const QUIESCE_LIMIT: Duration = Duration::from_secs(15);

impl AppState {
    /// Fresh state for `seed`.
    pub fn new(seed: Seed) -> AppState {
        AppState {
            auth_header: seed.authorization_header(),
            store: Mutex::new(Store::from_seed(&seed)),
            seed,
            faults: FaultQueue::default(),
            journal: Journal::default(),
            pending: AtomicUsize::new(0),
            pending_done: Notify::new(),
        }
    }

    /// Locks the project data.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Restores the seed's data and clears faults and journal.
    pub fn reset(&self) {
        *self.store() = Store::from_seed(&self.seed);
        self.faults.clear();
        self.journal.clear();
    }

    /// Marks a request as being handled in the background until the guard is dropped.
    pub fn begin_pending(self: &Arc<Self>) -> PendingGuard {
        self.pending.fetch_add(1, Ordering::SeqCst);
        PendingGuard(Arc::clone(self))
    }

    /// Waits (at most [`QUIESCE_LIMIT`]) until no request is being handled in the background,
    /// so a delayed request that will still be applied is visible before state is inspected.
    pub async fn quiesce(&self) {
        let deadline = tokio::time::Instant::now() + QUIESCE_LIMIT;
        loop {
            let notified = self.pending_done.notified();
            if self.pending.load(Ordering::SeqCst) == 0 {
                return;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return;
            }
        }
    }
}

/// Decrements the background-request count on drop; see [`AppState::begin_pending`].
#[derive(Debug)]
pub struct PendingGuard(Arc<AppState>);

impl Drop for PendingGuard {
    fn drop(&mut self) {
        self.0.pending.fetch_sub(1, Ordering::SeqCst);
        self.0.pending_done.notify_waiters();
    }
}
