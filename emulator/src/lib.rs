//! `descope-mgmt-emulator`: a local emulator of the Descope Management API, in the spirit of
//! moto/LocalStack, used by every test, the demo and the benchmarks of `descope-mgmt`.
//!
//! It serves, on `127.0.0.1` only:
//! - the management calls `GET /v1/mgmt/license`, `POST /v1/mgmt/accesskey/rotate`,
//!   `POST /v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload` and
//!   `POST /v1/mgmt/resource/dynamic-registration-template/create`, with Descope's auth
//!   scheme and error bodies;
//! - emulator-only endpoints under `/emulator/` to inject faults (error answers, delays,
//!   dropped connections, malformed or oversized bodies), read the request journal, inspect
//!   state and reset it.
//!
//! ```no_run
//! use descope_mgmt_emulator::{Emulator, Seed};
//!
//! let emu = Emulator::start_blocking(Seed::default()).unwrap();
//! println!("{} {} {}", emu.url(), emu.project_id(), emu.management_key());
//! // the server stops when `emu` is dropped
//! ```

#![warn(missing_docs)]

pub mod errors;
pub mod faults;
pub mod journal;
pub mod routes;
pub mod seed;
mod server;
pub mod state;
pub mod time;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::thread::JoinHandle;

use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use faults::{FaultAction, FaultSpec};
pub use seed::{AccessKey, KeyTenant, Seed, SeedAccessKey};
pub use server::MAX_REQUEST_BODY;
use state::AppState;

/// Entry point: starts emulator servers.
#[derive(Debug, Clone, Copy)]
pub struct Emulator;

impl Emulator {
    /// Starts a server for `seed` on an ephemeral `127.0.0.1` port, on the current tokio
    /// runtime (which needs the IO and time drivers, as `#[tokio::test]` provides). It
    /// stops when the returned handle is dropped. On a current-thread runtime the caller
    /// must not block the thread while talking to the emulator; use
    /// [`Emulator::start_blocking`] to keep the emulator on its own runtime.
    pub async fn start(seed: Seed) -> io::Result<EmulatorHandle> {
        Self::start_on_port(seed, 0).await
    }

    /// Like [`Emulator::start`] but on `127.0.0.1:port` (`0` = ephemeral).
    pub async fn start_on_port(seed: Seed, port: u16) -> io::Result<EmulatorHandle> {
        seed.validate()?;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        let addr = listener.local_addr()?;
        let app = Arc::new(AppState::new(seed));
        let (shutdown, rx) = watch::channel(false);
        tokio::spawn(server::serve(listener, app.clone(), rx));
        Ok(EmulatorHandle::new(addr, app, shutdown, None))
    }

    /// Starts a server on an ephemeral port with its own 2-thread tokio runtime on a
    /// background thread, for synchronous callers (and for async tests that want the
    /// emulator isolated from their own runtime). Stops (and joins the thread) on drop.
    pub fn start_blocking(seed: Seed) -> io::Result<EmulatorHandle> {
        Self::start_blocking_on_port(seed, 0)
    }

    /// Like [`Emulator::start_blocking`] but on `127.0.0.1:port` (`0` = ephemeral).
    pub fn start_blocking_on_port(seed: Seed, port: u16) -> io::Result<EmulatorHandle> {
        seed.validate()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("descope-emulator-worker")
            .enable_all()
            .build()?;
        let std_listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let listener = {
            let _enter = runtime.enter();
            TcpListener::from_std(std_listener)?
        };
        let app = Arc::new(AppState::new(seed));
        let (shutdown, rx) = watch::channel(false);
        let server_app = app.clone();
        let thread = std::thread::Builder::new()
            .name("descope-emulator".to_owned())
            .spawn(move || {
                runtime.block_on(server::serve(listener, server_app, rx));
                // Dropping the runtime here cancels the remaining connection tasks.
            })?;
        Ok(EmulatorHandle::new(addr, app, shutdown, Some(thread)))
    }
}

/// The startup description printed by the binary (field order as serialized).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartupInfo {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub url: String,
    /// Seeded project ID.
    pub project_id: String,
    /// Seeded management key.
    pub management_key: String,
    /// Seeded access keys (with their initial secrets).
    pub access_keys: Vec<StartupAccessKey>,
    /// Seeded outbound app IDs.
    pub outbound_apps: Vec<String>,
    /// Names of the seeded templates.
    pub templates: Vec<String>,
}

/// One access key in [`StartupInfo`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartupAccessKey {
    /// Key ID.
    pub id: String,
    /// Key name.
    pub name: String,
    /// `active` / `inactive`.
    pub status: String,
    /// Expiry (epoch seconds, 0 = never).
    pub expire_time: i64,
    /// Initial secret (invalid once the key is rotated).
    pub secret: String,
}

/// A running emulator. Dropping it stops the server.
#[derive(Debug)]
pub struct EmulatorHandle {
    addr: SocketAddr,
    url: String,
    app: Arc<AppState>,
    shutdown: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
}

impl EmulatorHandle {
    fn new(
        addr: SocketAddr,
        app: Arc<AppState>,
        shutdown: watch::Sender<bool>,
        thread: Option<JoinHandle<()>>,
    ) -> Self {
        EmulatorHandle {
            url: format!("http://{addr}"),
            addr,
            app,
            shutdown,
            thread,
        }
    }

    /// Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The seeded project ID.
    pub fn project_id(&self) -> &str {
        &self.app.seed.project_id
    }

    /// The seeded management key.
    pub fn management_key(&self) -> &str {
        &self.app.seed.management_key
    }

    /// The seed the emulator was started with.
    pub fn seed(&self) -> &Seed {
        &self.app.seed
    }

    /// Restores the seed state and clears faults and journal (like `POST /emulator/reset`,
    /// without waiting for delayed requests still in flight).
    pub fn reset(&self) {
        self.app.reset();
    }

    /// Whether `secret` is the current secret of access key `id`.
    pub fn verify_access_key(&self, id: &str, secret: &str) -> bool {
        !secret.is_empty() && self.app.store().key(id).is_some_and(|k| k.secret == secret)
    }

    /// Number of journaled requests with this method and path.
    pub fn request_count(&self, method: &str, path: &str) -> usize {
        self.app.journal.snapshot(Some(method), Some(path)).len()
    }

    /// What the `descope-emulator` binary prints as its first stdout line (serialize it
    /// with `serde_json`): `{"url","projectId","managementKey","accessKeys":[{"id","name",
    /// "status","expireTime","secret"}],"outboundApps":[..],"templates":[names]}`.
    pub fn startup_info(&self) -> StartupInfo {
        let seed = &self.app.seed;
        StartupInfo {
            url: self.url.clone(),
            project_id: seed.project_id.clone(),
            management_key: seed.management_key.clone(),
            access_keys: seed
                .access_keys
                .iter()
                .map(|k| StartupAccessKey {
                    id: k.key.id.clone(),
                    name: k.key.name.clone(),
                    status: k.key.status.clone(),
                    expire_time: k.key.expire_time,
                    secret: k.secret.clone(),
                })
                .collect(),
            outbound_apps: seed.outbound_apps.clone(),
            templates: seed
                .templates
                .iter()
                .filter_map(|t| t.get("name").and_then(|n| n.as_str()).map(str::to_owned))
                .collect(),
        }
    }

    /// Stops the server (same as dropping the handle).
    pub fn shutdown(self) {}
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
