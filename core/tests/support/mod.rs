//! Test helpers: an emulator per test and a small client for its emulator-only endpoints.
#![allow(dead_code)]

use std::time::Duration;

use descope_mgmt::Client;
use descope_mgmt_emulator::{Emulator, EmulatorHandle, Seed};
use serde_json::Value;

/// A running emulator plus an HTTP client for its `/emulator/*` endpoints.
pub struct Emu {
    pub handle: EmulatorHandle,
    http: reqwest::Client,
}

impl Emu {
    pub fn start() -> Emu {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let handle = Emulator::start_blocking(Seed::default()).expect("emulator starts");
        Emu {
            handle,
            http: reqwest::Client::new(),
        }
    }

    pub fn url(&self) -> String {
        self.handle.url().to_string()
    }

    /// A client for the seeded project, with overrides applied by `f`.
    pub fn client_with(
        &self,
        f: impl FnOnce(descope_mgmt::ClientBuilder) -> descope_mgmt::ClientBuilder,
    ) -> Client {
        f(Client::builder()
            .ignore_env()
            .project_id(self.handle.project_id())
            .management_key(self.handle.management_key())
            .base_url(self.url())
            .timeout(Duration::from_secs(10)))
        .build()
        .expect("client builds")
    }

    pub fn client(&self) -> Client {
        self.client_with(|b| b)
    }

    pub async fn admin(&self, method: reqwest::Method, path: &str, body: Option<&Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.url()));
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(serde_json::to_vec(b).unwrap());
        }
        let resp = req.send().await.expect("admin call");
        let status = resp.status();
        let bytes = resp.bytes().await.unwrap();
        assert!(
            status.is_success(),
            "admin {path}: {status} {}",
            String::from_utf8_lossy(&bytes)
        );
        if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        }
    }

    pub async fn reset(&self) {
        self.admin(reqwest::Method::POST, "/emulator/reset", None)
            .await;
    }

    pub async fn fault(&self, fault: &Value) {
        self.admin(reqwest::Method::POST, "/emulator/faults", Some(fault))
            .await;
    }

    /// Every journaled request (method, path, headers, body).
    pub async fn journal(&self) -> Vec<Value> {
        let j = self
            .admin(reqwest::Method::GET, "/emulator/journal", None)
            .await;
        j["requests"].as_array().cloned().unwrap_or_default()
    }

    /// How many journaled requests hit `method path`.
    pub async fn count(&self, method: &str, path: &str) -> usize {
        self.journal()
            .await
            .iter()
            .filter(|r| r["method"] == method && r["path"] == path)
            .count()
    }

    pub async fn secret_valid(&self, id: &str, secret: &str) -> bool {
        let v = self
            .admin(
                reqwest::Method::POST,
                "/emulator/accesskeys/verify",
                Some(&serde_json::json!({"id": id, "secret": secret})),
            )
            .await;
        v["valid"] == true
    }

    pub async fn tokens(&self) -> Vec<Value> {
        let v = self
            .admin(reqwest::Method::GET, "/emulator/outbound/tokens", None)
            .await;
        v["tokens"].as_array().cloned().unwrap_or_default()
    }

    pub async fn templates(&self) -> Vec<Value> {
        let v = self
            .admin(reqwest::Method::GET, "/emulator/templates", None)
            .await;
        v["templates"]
            .as_array()
            .cloned()
            .unwrap_or_else(|| v.as_array().cloned().unwrap_or_default())
    }
}
