//! Whether a call's request may already have reached the server, for callers that can
//! cancel a call (Python's asyncio tasks, Ctrl-C) and must not hide an applied rotate.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

tokio::task_local! {
    static SENT: Arc<AtomicBool>;
}

/// Records the moment a call's request may reach the server.
///
/// Run a call's future inside [`SendState::track`]; from the moment its request starts to
/// be written, [`SendState::may_have_been_sent`] is true. Before that moment (validation,
/// the license handshake, waiting for a connection slot) cancelling the call is clean:
/// nothing was sent. After it, cancelling a call that is not safe to repeat (a rotate, a
/// create) could hide an applied change, so a binding should let the call finish and hand
/// its outcome to the caller instead.
#[derive(Clone, Debug, Default)]
pub struct SendState(Arc<AtomicBool>);

impl SendState {
    /// A state for one call; nothing sent yet.
    pub fn new() -> Self {
        SendState::default()
    }

    /// True once the call's request may have reached the server.
    pub fn may_have_been_sent(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    /// Runs `future` (one call of a [`Client`](crate::Client)) while recording its sends here.
    pub async fn track<F: Future>(&self, future: F) -> F::Output {
        SENT.scope(self.0.clone(), future).await
    }
}

/// Called by the client right before a request starts to be written.
pub(crate) fn mark_sent() {
    let _ = SENT.try_with(|s| s.store(true, Ordering::Release));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_only_inside_track() {
        mark_sent(); // outside any tracked call: a no-op
        let state = SendState::new();
        assert!(!state.may_have_been_sent());
        crate::runtime::block_on(state.track(async {}));
        assert!(!state.may_have_been_sent());
        crate::runtime::block_on(state.track(async { mark_sent() }));
        assert!(state.may_have_been_sent());
    }
}
