//! Runs a core future on the core's shared runtime and settles a JavaScript promise with
//! its outcome, without ever blocking the JavaScript thread.

use std::future::Future;

use descope_mgmt::runtime;
use napi::bindgen_prelude::{Object, ToNapiValue};
use napi::{Env, Result, Status};

use crate::errors::descope_error;

/// Spawns `call` on `descope_mgmt::runtime` and returns a promise for its outcome.
///
/// On success, `to_js` converts the value on the JavaScript thread. A core error rejects
/// with a serialized `DescopeError`; a panic inside the core (a bug) rejects with a plain
/// error instead of leaving the promise pending forever.
pub(crate) fn spawn_call<'env, T, D, F, C>(
    env: &'env Env,
    call: F,
    to_js: C,
) -> Result<Object<'env>>
where
    T: Send + 'static,
    F: Future<Output = descope_mgmt::Result<T>> + Send + 'static,
    D: ToNapiValue + 'static,
    C: FnOnce(T) -> Result<D> + Send + 'static,
{
    let (deferred, promise) = env.create_deferred()?;
    let task = runtime::spawn(call);
    runtime::spawn(async move {
        match task.await {
            Ok(Ok(value)) => deferred.resolve(move |_env: Env| to_js(value)),
            Ok(Err(error)) => deferred.reject(descope_error(&error)),
            Err(join_error) => deferred.reject(napi::Error::new(
                Status::GenericFailure,
                format!("descope-mgmt: the call failed unexpectedly ({join_error}); please report this bug"),
            )),
        }
    });
    Ok(promise)
}
