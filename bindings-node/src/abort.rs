//! Aborting a running call from JavaScript (`{ signal }`), under the core's one rule: a call
//! that is safe to repeat (the batch upload) may be abandoned at any time; a rotate or a
//! create may be abandoned only while its request cannot have been sent, and once it may
//! have been, it finishes and its outcome is delivered.
//!
//! `index.js` makes a gate ([`new_abort_gate`]) for each call that has a signal and passes it
//! to the call; on `abort` it calls [`abort_call`], and rejects with the signal's reason only
//! when that returns `true`. The decision is atomic with the send: [`guard`] polls the call
//! while holding the gate's lock, and the core marks a request as maybe sent inside that
//! poll, right before writing it ([`SendState`]); [`abort_call`] takes the same lock, so it
//! either sees the mark (too late: `false`) or stops the call before its next poll (`true`),
//! after which the call is dropped without being polled again.

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Poll, Waker};

use descope_mgmt::bindings::{Call, SendState};
use napi::bindgen_prelude::{External, FromNapiRef, Unknown};
use napi::{JsValue, Result, ValueType};
use napi_derive::napi;

/// The abort switch of one call, shared by `index.js` (through an `External`) and the
/// call's task.
#[derive(Default)]
pub struct AbortGate {
    /// Whether the call's request may have been sent (set by the core inside a poll).
    sent: SendState,
    /// Held while the call is polled and while an abort is decided.
    state: Mutex<GateState>,
}

/// What the gate knows about its call.
#[derive(Default)]
struct GateState {
    /// The call, once started (`None` before: nothing can have been sent).
    call: Option<Call>,
    /// The call was aborted: it is dropped without being polled again.
    aborted: bool,
    /// The call finished: its outcome is on its way, an abort changes nothing.
    finished: bool,
    /// Wakes the call's task so that an aborted call is dropped at once.
    waker: Option<Waker>,
}

impl AbortGate {
    /// The gate's state; a poisoned lock (a panic while polling, reported as a bug by
    /// `spawn_call`) is still usable.
    fn lock(&self) -> MutexGuard<'_, GateState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Aborts the call if the rule allows it now: `true` when the call will not send
    /// anything more and its outcome is dropped (also when aborted before), `false` when it
    /// finished or when it is a rotate or create whose request may have been sent.
    fn abort(&self) -> bool {
        let mut state = self.lock();
        if state.aborted {
            return true;
        }
        let keep = state.finished
            || (state.call.is_some_and(|c| !c.safe_to_repeat()) && self.sent.may_have_been_sent());
        if keep {
            return false;
        }
        state.aborted = true;
        if let Some(waker) = state.waker.take() {
            waker.wake();
        }
        true
    }
}

/// A new gate for one call, for `index.js`: passed to the call and to [`abort_call`].
#[napi(catch_unwind, skip_typescript)]
pub fn new_abort_gate() -> External<Arc<AbortGate>> {
    External::new(Arc::new(AbortGate::default()))
}

/// Aborts the call of `gate` if the rule allows it now (see [`AbortGate`]): `true` when it
/// was aborted (nothing more is sent; `index.js` rejects with the signal's reason), `false`
/// when the call goes on and its promise settles with its own outcome.
#[napi(catch_unwind, skip_typescript)]
pub fn abort_call(gate: &External<Arc<AbortGate>>) -> bool {
    gate.abort()
}

/// The gate a call was given as its last argument: `None` for `undefined` or `null` (the
/// call cannot be aborted); anything but a gate is an error (`index.js` passes only gates).
pub(crate) fn gate_arg(arg: Option<Unknown<'_>>) -> Result<Option<Arc<AbortGate>>> {
    let Some(arg) = arg else { return Ok(None) };
    if matches!(arg.get_type()?, ValueType::Undefined | ValueType::Null) {
        return Ok(None);
    }
    let value = arg.value();
    // SAFETY: `value` is a live argument of the current call, on the JavaScript thread;
    // `from_napi_ref` checks that it is an `External` holding an `Arc<AbortGate>`.
    let gate = unsafe { External::<Arc<AbortGate>>::from_napi_ref(value.env, value.value) }?;
    Ok(Some(Arc::clone(gate)))
}

/// Runs `future` (one call of kind `call`) under `gate`: `Some` with its outcome, or `None`
/// when it was aborted, in which case it is dropped without being polled again. Without a
/// gate it just runs the call.
pub(crate) async fn guard<F: Future>(
    gate: Option<Arc<AbortGate>>,
    call: Call,
    future: F,
) -> Option<F::Output> {
    let Some(gate) = gate else {
        return Some(future.await);
    };
    gate.lock().call = Some(call);
    let mut tracked = pin!(gate.sent.track(future));
    poll_fn(|cx| {
        // Held across the poll: an abort is decided either before it or after it, never
        // while the core is between marking the request as sent and writing it.
        let mut state = gate.lock();
        if state.aborted {
            return Poll::Ready(None);
        }
        match tracked.as_mut().poll(cx) {
            Poll::Ready(out) => {
                state.finished = true;
                Poll::Ready(Some(out))
            }
            Poll::Pending => {
                state.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A future that is pending once, then marks nothing and finishes.
    fn pending_once() -> impl Future<Output = ()> {
        let mut polled = false;
        poll_fn(move |cx| {
            if polled {
                Poll::Ready(())
            } else {
                polled = true;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        })
    }

    #[test]
    fn an_aborted_call_is_never_polled_again() {
        let gate = Arc::new(AbortGate::default());
        assert!(gate.abort(), "nothing started: abortable");
        let out = descope_mgmt::bindings::runtime::block_on(guard(
            Some(gate.clone()),
            Call::RotateAccessKey,
            async { unreachable!("polled after the abort") },
        ));
        assert!(out.is_none());
        assert!(gate.abort(), "aborting twice says the same");
    }

    #[test]
    fn a_finished_call_is_not_aborted() {
        let gate = Arc::new(AbortGate::default());
        let out = descope_mgmt::bindings::runtime::block_on(guard(
            Some(gate.clone()),
            Call::BatchUploadTenantTokens,
            async {
                pending_once().await;
                7
            },
        ));
        assert_eq!(out, Some(7));
        assert!(!gate.abort());
    }
}
