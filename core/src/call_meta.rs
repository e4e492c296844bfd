//! What a result's call was like: [`CallMeta`].

use std::time::Duration;

/// How a successful call went: the ids support asks for, the answer's status, how many
/// attempts it took and how long. Carried by results (`RotatedAccessKey::meta`,
/// `DcrTemplate::meta`), never part of their value: left out of their JSON and of `==`.
/// A result made from JSON (not from a call) has the empty one.
#[derive(Clone, Debug, Default)]
pub struct CallMeta {
    /// The server's id of the answer (`cf-ray`, else `x-request-id`), if it sent one.
    pub request_id: Option<String>,
    /// The correlation id sent as `x-external-rid` (empty when not from a call).
    pub external_request_id: String,
    /// The answer's HTTP status (0 when not from a call).
    pub status: u16,
    /// The attempts the call took (0 when not from a call).
    pub attempts: u32,
    /// The call's time, from the first attempt to the answer.
    pub elapsed: Duration,
}

/// Metadata never decides whether two results are the same value.
impl PartialEq for CallMeta {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
