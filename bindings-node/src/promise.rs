//! Runs a core future on the core's shared runtime and settles a JavaScript promise with
//! its outcome, without ever blocking the JavaScript thread.
//!
//! Every call's future is [`crate::abort::guard`]ed: it ends with `None` when the call was
//! aborted from JavaScript, whose promise then rejects with a plain error that `index.js`
//! ignores (it already rejected with the signal's reason).

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};

use descope_mgmt::bindings::runtime;
use napi::bindgen_prelude::{Object, ToNapiValue};
use napi::{Env, Result, Status};

use crate::errors::js_error;

/// Spawns `call` on `descope_mgmt::bindings::runtime` and returns a promise for its outcome.
/// `call` yields `None` when it was aborted (see [`crate::abort::guard`]).
///
/// The promise is settled on the JavaScript thread: on success `to_js` converts the value
/// there; a core error rejects with a `DescopeError` (or `TypeError`) created there
/// ([`js_error`]); a panic inside the core or in `to_js` (a bug) rejects with a plain error
/// instead of leaving the promise pending forever.
pub(crate) fn spawn_call<'env, T, D, F, C>(
    env: &'env Env,
    call: F,
    to_js: C,
) -> Result<Object<'env>>
where
    T: Send + 'static,
    F: Future<Output = Option<descope_mgmt::Result<T>>> + Send + 'static,
    D: ToNapiValue + 'static,
    C: FnOnce(T) -> Result<D> + Send + 'static,
{
    let (deferred, promise) = env.create_deferred()?;
    // A panic in the core ends its task, and the JoinHandle reports it as an error.
    let task = runtime::spawn(call);
    runtime::spawn(async move {
        let outcome = task.await;
        // Settled on the JavaScript thread, where a rejection's `DescopeError` is created.
        deferred.resolve(move |env: Env| {
            catch_unwind(AssertUnwindSafe(|| match outcome {
                Ok(Some(Ok(value))) => to_js(value),
                Ok(Some(Err(error))) => Err(js_error(&env, &error)),
                Ok(None) => Err(napi::Error::new(
                    Status::Cancelled,
                    "descope-mgmt: the call was aborted",
                )),
                Err(join_error) => Err(bug(&join_error.to_string())),
            }))
            .unwrap_or_else(|_| Err(bug("settling the promise panicked")))
        })
    });
    Ok(promise)
}

/// The rejection of a call that failed because of a bug in the binding or the core.
fn bug(what: &str) -> napi::Error {
    napi::Error::new(
        Status::GenericFailure,
        format!("descope-mgmt: the call failed unexpectedly ({what}); please report this bug"),
    )
}
