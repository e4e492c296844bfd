//! Response decoding through the public client: each input is one answer from a loopback
//! server to a rotate, a batch upload or a create call.
//!
//! Input layout: byte 0 picks the call (rotate / batch / create), byte 1 the framing
//! (Content-Length, chunked, close-delimited, or raw: the rest of the input is the whole
//! answer, status line and headers included), bytes 2-3 the status (100..=599); the rest is
//! the body.
//!
//! Oracle (a failed assertion is a libFuzzer crash):
//! - no panic, no hang (the server always closes; libFuzzer's `-timeout` catches the rest);
//! - no secret the client knows (management key, the call's tokens) in any error text, and
//!   no distinctive string of a 2xx body either (decode errors never quote the body);
//! - a framed answer's status is the error's status (nothing is mistaken for another answer);
//! - a 2xx rotate answer with a non-empty string `cleartext` is `Ok` with exactly that
//!   secret (a rotated key is never lost), and a 2xx create answer with a `template` object
//!   is `Ok` (lenient decoding: drifted fields never cost the result);
//! - a batch is `Ok` only for a 2xx object with a `failures` array, a `BATCH_REJECTED` error
//!   has between 1 and as many failures as tokens were sent.
#![no_main]

use std::time::Duration;

use descope_mgmt::{BlockingClient, Client, ErrorCode, NewDcrTemplate, TenantToken};
use descope_mgmt_fuzz::{
    assert_no_leak, distinctive, string_values, top_level_keys, Canned, MGMT_KEY, PROJECT_ID,
};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const REFRESH: &str = "rtFz1Qa2Ws3Ed4Rf5Tg6Yh7Uj8Ik9Ol0P";
const ACCESS: &str = "atFz9Ol8Ik7Uj6Yh5Tg4Rf3Ed2Ws1Qa0Z";

fn frame(mode: u8, status: u16, body: &[u8]) -> Vec<u8> {
    let mut out =
        format!("HTTP/1.1 {status} X\r\nConnection: close\r\nContent-Type: application/json\r\n")
            .into_bytes();
    match mode % 3 {
        0 => {
            out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
            out.extend_from_slice(body);
        }
        1 => {
            out.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
            if !body.is_empty() {
                out.extend_from_slice(format!("{:x}\r\n", body.len()).as_bytes());
                out.extend_from_slice(body);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"0\r\n\r\n");
        }
        _ => {
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(body);
        }
    }
    out
}

/// What a framed answer must give, derived from the answer alone.
struct Expect {
    /// The status line's code, when the answer is well framed (not raw, not 1xx).
    status: Option<u16>,
    /// 2xx with a body the client reads (not 204 or 304, whose bodies HTTP ignores).
    success_body: Option<Value>,
    /// The top-level keys of a readable 2xx body that is one JSON object.
    success_keys: Vec<String>,
}

impl Expect {
    fn of(mode: u8, status: u16, body: &[u8]) -> Expect {
        let framed = mode != 3 && status >= 200;
        let readable = framed && (200..300).contains(&status) && status != 204;
        let keys = top_level_keys(body);
        Expect {
            status: framed.then_some(status),
            success_body: readable
                .then(|| serde_json::from_slice(body).ok())
                .flatten(),
            success_keys: if readable {
                keys.unwrap_or_default()
            } else {
                Vec::new()
            },
        }
    }

    /// Whether the answer is a readable 2xx JSON object with the top-level key `name`
    /// (read without validating the rest: strings the client skips may even be invalid
    /// UTF-8, so this does not need `success_body`).
    fn success_with_key(&self, name: &str) -> bool {
        self.success_keys.iter().any(|k| k == name)
    }

    /// A field of the 2xx body (of a repeated key, the last one, as the client reads it).
    fn field(&self, name: &str) -> Option<&Value> {
        self.success_body.as_ref().and_then(|b| b.get(name))
    }

    /// Distinctive strings of a 2xx body: an error must never quote them.
    fn body_strings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(b) = &self.success_body {
            string_values(b, &mut out);
        }
        out.retain(|s| distinctive(s) && !Canned::get().url().contains(s.as_str()));
        out
    }

    fn check_error(&self, what: &str, e: &descope_mgmt::Error, secrets: &[&str]) {
        assert_no_leak(what, e, secrets);
        assert_no_leak(what, e, &self.body_strings());
        if let Some(status) = self.status {
            assert_eq!(
                e.status(),
                Some(status),
                "{what}: the error lost the answer's status"
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let call = data[0] % 3;
    let mode = data[1] % 4;
    let status = 100 + u16::from_le_bytes([data[2], data[3]]) % 500;
    let body = &data[4..];
    let expect = Expect::of(mode, status, body);
    let raw = if mode == 3 {
        body.to_vec()
    } else {
        frame(mode, status, body)
    };
    let server = Canned::get();
    server.respond_with(std::sync::Arc::new(move |_, _| raw.clone()));
    // A fresh client per input: no pooled connection carries over.
    let client = Client::builder()
        .ignore_env()
        .project_id(PROJECT_ID)
        .management_key(MGMT_KEY)
        .base_url(server.url())
        .timeout(Duration::from_secs(5))
        .max_retries(0)
        .build()
        .expect("client builds");
    let client = BlockingClient::new(client);
    match call {
        0 => {
            let cleartext = match expect.field("cleartext") {
                Some(Value::String(s)) if !s.is_empty() => Some(s.as_str()),
                _ => None,
            };
            match client.rotate_access_key("K2fuzz") {
                Ok(rotated) => {
                    assert!(
                        !rotated.cleartext.expose().is_empty(),
                        "a rotate succeeded without a secret"
                    );
                    if let Some(c) = cleartext {
                        assert!(
                            rotated.cleartext.expose() == c,
                            "a rotate returned another secret"
                        );
                    }
                    let secret = rotated.cleartext.expose();
                    if distinctive(secret) {
                        assert!(
                            !format!("{rotated:?}").contains(secret),
                            "Debug shows the secret"
                        );
                    }
                }
                Err(e) => {
                    assert!(
                        cleartext.is_none(),
                        "a 2xx rotate answer with a cleartext was lost ({})",
                        e.code()
                    );
                    expect.check_error("rotate", &e, &[MGMT_KEY]);
                }
            }
        }
        1 => {
            let tokens = [
                TenantToken::new("app", "T1").refresh_token(REFRESH),
                TenantToken::new("app", "T2").access_token(ACCESS),
            ];
            match client.batch_upload_tenant_tokens(&tokens) {
                Ok(()) => assert!(
                    mode == 3 || expect.success_with_key("failures"),
                    "a batch was taken as committed without a 2xx answer with failures"
                ),
                Err(e) => {
                    let n = e.failures().len();
                    assert!(n <= tokens.len(), "more failures than tokens kept");
                    assert_eq!(
                        e.code() == ErrorCode::BatchRejected,
                        n > 0,
                        "BATCH_REJECTED and failures disagree"
                    );
                    expect.check_error("batch", &e, &[MGMT_KEY, REFRESH, ACCESS]);
                }
            }
        }
        _ => {
            let template = expect.field("template").is_some_and(Value::is_object);
            match client.create_dcr_template(&NewDcrTemplate::new("fuzz")) {
                Ok(_) => assert!(
                    mode == 3 || expect.success_with_key("template"),
                    "a template was taken as created without a 2xx answer with a template"
                ),
                Err(e) => {
                    assert!(
                        !template,
                        "a 2xx create answer with a template was lost ({})",
                        e.code()
                    );
                    expect.check_error("create", &e, &[MGMT_KEY]);
                }
            }
        }
    }
});
