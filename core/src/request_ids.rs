//! The ids of one call: the correlation id this client sends (`x-external-rid`, the same on
//! every attempt of the call, recorded by Descope in the project's audit log) and the
//! server's id of the last answer (`cf-ray`, else `x-request-id`), which support asks for.
//! Errors of a call that reached the network carry both, and an `OUTCOME_UNKNOWN` says
//! where to look up whether the call was applied.

use std::sync::Mutex;

use reqwest::header::HeaderMap;

use crate::error::{Error, ErrorCode};
use crate::retry::Call;

/// The header carrying the correlation id.
pub(crate) const EXTERNAL_RID: &str = "x-external-rid";

/// The answer headers holding the server's request id, in order of preference.
const REQUEST_ID_HEADERS: [&str; 2] = ["cf-ray", "x-request-id"];

/// The ids of one call.
#[derive(Debug)]
pub(crate) struct CallIds {
    call: Call,
    external: String,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    attempted: bool,
    request_id: Option<String>,
}

impl CallIds {
    /// Fresh ids for one call of `call`: a random UUID v4 correlation id.
    pub(crate) fn new(call: Call) -> Self {
        CallIds {
            call,
            external: uuid_v4(),
            state: Mutex::new(State::default()),
        }
    }

    /// Ids for one call of `call` that sends the caller's correlation id `external`.
    pub(crate) fn with_external(call: Call, external: String) -> Self {
        CallIds {
            call,
            external,
            state: Mutex::new(State::default()),
        }
    }

    /// The correlation id to send.
    pub(crate) fn external(&self) -> &str {
        &self.external
    }

    /// The call these ids belong to.
    pub(crate) fn call(&self) -> Call {
        self.call
    }

    /// The server's id of the last answer, if it sent one.
    pub(crate) fn request_id(&self) -> Option<String> {
        self.state().request_id.clone()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Notes that an attempt is about to be sent.
    pub(crate) fn attempting(&self) {
        self.state().attempted = true;
    }

    /// Notes the server's request id from an answer's headers, if it sent one.
    pub(crate) fn answered(&self, headers: &HeaderMap) {
        let id = REQUEST_ID_HEADERS
            .iter()
            .filter_map(|h| headers.get(*h)?.to_str().ok())
            .map(str::trim)
            .find(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()));
        if let Some(id) = id {
            self.state().request_id = Some(id.to_owned());
        }
    }

    /// `e` with this call's ids, when the call reached the network; an `OUTCOME_UNKNOWN`
    /// also says how to find out whether the call was applied.
    pub(crate) fn attach(&self, e: Error) -> Error {
        let state = self.state();
        if !state.attempted {
            return e;
        }
        let e = if e.code() == ErrorCode::OutcomeUnknown {
            let what = match self.call {
                Call::RotateAccessKey => "the key was rotated",
                Call::BatchUploadTenantTokens => "the batch was committed",
                Call::CreateDcrTemplate => "the template was created",
            };
            e.with_message_suffix(&format!(
                " Search the project's audit log for external request id {} to see whether {what}.",
                self.external
            ))
        } else {
            e
        };
        e.with_request_ids(state.request_id.clone(), &self.external)
    }
}

/// A random (version 4) UUID in its usual text form.
fn uuid_v4() -> String {
    let mut b: [u8; 16] = fastrand::u128(..).to_le_bytes();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_version_4_and_distinct() {
        let a = uuid_v4();
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "{a}");
        assert_ne!(a, uuid_v4());
    }

    #[test]
    fn errors_before_any_attempt_carry_no_ids_and_outcome_unknown_names_the_id() {
        let ids = CallIds::new(Call::RotateAccessKey);
        let e = ids.attach(Error::new(ErrorCode::InvalidArgument, "bad"));
        assert_eq!(e.external_request_id(), None);
        ids.attempting();
        let mut headers = HeaderMap::new();
        headers.insert("x-request-id", "req-1".parse().unwrap());
        headers.insert("cf-ray", "8f1d2c3b4a596877-SJC".parse().unwrap());
        ids.answered(&headers);
        let e = ids.attach(Error::new(ErrorCode::OutcomeUnknown, "dropped."));
        assert_eq!(e.request_id(), Some("8f1d2c3b4a596877-SJC"));
        assert_eq!(e.external_request_id(), Some(ids.external()));
        assert!(e.message().ends_with(&format!(
            "Search the project's audit log for external request id {} to see whether the key was rotated.",
            ids.external()
        )));
    }
}
