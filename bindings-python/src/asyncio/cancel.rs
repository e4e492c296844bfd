//! The cancellation policy of a call ([`OnCancel`]) and how a running call is stopped
//! under it ([`Stopper`], [`run_call`]).

use std::future::Future;
use std::sync::Arc;

use descope_mgmt::bindings::{Call, SendState};
use tokio::sync::Notify;
use tokio::task::AbortHandle;

/// What cancelling an `AsyncClient` call does once it is running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnCancel {
    /// Abort the request at once: the call is safe to repeat (the batch upload).
    Abort,
    /// Abort only while nothing can have reached the server; once the request may have
    /// been sent, finish the call and deliver its outcome (rotate, create).
    FinishOnceSent,
}

impl OnCancel {
    /// The policy of `call`, from the core's one rule: a call safe to repeat may be
    /// abandoned at any point; any other finishes once its request may have been sent.
    pub fn for_call(call: Call) -> OnCancel {
        if call.safe_to_repeat() {
            OnCancel::Abort
        } else {
            OnCancel::FinishOnceSent
        }
    }
}

/// How a running call is stopped.
pub(super) enum Stopper {
    /// Aborts the call's task.
    Abort(AbortHandle),
    /// Asks the call's task to stop if nothing was sent yet (see [`run_call`]).
    Request(Arc<Notify>),
}

impl Stopper {
    pub(super) fn stop(&self) {
        match self {
            Stopper::Abort(task) => task.abort(),
            Stopper::Request(stop) => stop.notify_one(),
        }
    }
}

/// Runs a core call future for a [`OnCancel::FinishOnceSent`] call: until `stop` is
/// notified it just runs the call; once it is, the call is dropped (`None`) if its request
/// cannot have been sent yet, and otherwise left to finish. The check happens between two
/// polls of the call on this task, so a request is never written after the decision to
/// drop it (the core records the send and starts it within one poll).
pub(super) async fn run_call<F: Future>(call: F, stop: Arc<Notify>) -> Option<F::Output> {
    let state = SendState::new();
    let call = state.track(call);
    tokio::pin!(call);
    let mut stop_requested = false;
    loop {
        tokio::select! {
            biased;
            out = &mut call => return Some(out),
            () = stop.notified(), if !stop_requested => {
                if !state.may_have_been_sent() {
                    return None;
                }
                // Sent: finish it; further stop requests change nothing.
                stop_requested = true;
            }
        }
    }
}
