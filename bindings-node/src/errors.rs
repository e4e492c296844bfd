//! How failures cross into JavaScript.
//!
//! A core error becomes a real `DescopeError` instance, constructed here on the JavaScript
//! thread with every attribute (`new DescopeError({ code, message, status, ... })`), and an
//! input of the wrong type ([`Error::is_type_error`], found by the core's input decoder or
//! by [`crate::js_reader`]) becomes a native `TypeError`. The `DescopeError` class is
//! defined in `index.js`, which hands it to the addon once per environment (the main
//! thread and each worker) with [`set_error_class`] when it loads; the addon keeps it in a
//! napi reference. The JavaScript value goes back to napi-rs inside a `napi::Error` that
//! holds a reference to it, so napi-rs throws (synchronous failures: argument conversion,
//! `new Client()`) or rejects with (a call's failure, settled on the JavaScript thread by
//! [`crate::promise`]) that very object.
//!
//! Neither error ever carries a secret: messages name paths, never values.

use std::cell::Cell;
use std::ptr;

use descope_mgmt::{Error, ErrorCode};
use napi::bindgen_prelude::{FromNapiValue, Function, Object, Unknown};
use napi::{sys, Env, JsValue, Status};
use napi_derive::napi;

/// The `DescopeError` class registered by the environment that runs on this thread.
#[derive(Clone, Copy)]
struct ErrorClass {
    env: sys::napi_env,
    class: sys::napi_ref,
}

thread_local! {
    /// One JavaScript environment runs on a thread (the main thread, or a worker's own
    /// thread), so the class of this thread's environment is found without an `Env` where
    /// an argument conversion fails. Cleared by an environment cleanup hook; the reference
    /// itself is freed by Node with the environment.
    static ERROR_CLASS: Cell<Option<ErrorClass>> = const { Cell::new(None) };
}

/// Every error code string, in the core's fixed order.
#[napi(catch_unwind, ts_return_type = "Array<ErrorCode>")]
pub fn error_codes() -> Vec<&'static str> {
    ErrorCode::ALL.iter().map(|c| c.as_str()).collect()
}

/// Registers the class every core error is an instance of (`index.js` calls it once, at
/// load time, with its `DescopeError`; a later call replaces the class for this
/// environment). The class is called as `new DescopeError(fields)` with the fields object
/// `{ code, message, status, descopeCode, description, serverMessage, retryAfterMs,
/// failures, requestId, externalRequestId }`.
#[napi(catch_unwind, skip_typescript)]
pub fn set_error_class(env: Env, class: Function<'_>) -> napi::Result<()> {
    let mut reference = ptr::null_mut();
    check(unsafe { sys::napi_create_reference(env.raw(), class.raw(), 1, &mut reference) })?;
    let previous = ERROR_CLASS.replace(Some(ErrorClass {
        env: env.raw(),
        class: reference,
    }));
    match previous {
        // Same environment: drop the replaced reference.
        Some(old) if old.env == env.raw() => unsafe {
            sys::napi_delete_reference(env.raw(), old.class);
        },
        // First registration in this environment: forget the class when it is torn down
        // (a worker's thread ends with its environment; this is for good measure).
        _ => {
            let raw_env = env.raw();
            env.add_env_cleanup_hook(raw_env as usize, |raw_env| {
                ERROR_CLASS.with(|slot| {
                    if slot.get().is_some_and(|c| c.env as usize == raw_env) {
                        slot.set(None);
                    }
                });
            })?;
        }
    }
    Ok(())
}

/// A core error as the JavaScript error to throw on the current (JavaScript) thread: a
/// `DescopeError`, or a `TypeError` for an input of the wrong type. For synchronous
/// failures, where no `Env` is at hand; the promise path uses [`js_error`].
pub(crate) fn descope_error(error: &Error) -> napi::Error {
    match ERROR_CLASS.get() {
        Some(registered) => js_error(&Env::from_raw(registered.env), error),
        // index.js was not loaded (the addon required on its own): a plain error.
        None => plain_error(error),
    }
}

/// An argument of the wrong JavaScript type: a `TypeError`.
pub(crate) fn type_error(message: impl Into<String>) -> napi::Error {
    let message = message.into();
    let created = ERROR_CLASS.get().and_then(|registered| {
        let env = Env::from_raw(registered.env);
        javascript(&env, |env| create_type_error(env, &message))
    });
    created.unwrap_or_else(|| napi::Error::new(Status::InvalidArg, message))
}

/// A core error as a JavaScript `DescopeError` (or `TypeError`) created in `env`, which
/// must be the environment of the current thread.
pub(crate) fn js_error(env: &Env, error: &Error) -> napi::Error {
    let created = if error.is_type_error() {
        javascript(env, |env| create_type_error(env, error.message()))
    } else {
        javascript(env, |env| create_descope_error(env, error))
    };
    created.unwrap_or_else(|| plain_error(error))
}

/// Runs `create` and wraps the JavaScript value it made into a `napi::Error` that napi-rs
/// throws or rejects with as is; `None` when nothing can be created (a JavaScript exception
/// is pending, such as a getter that threw, which napi-rs then rethrows; or the environment
/// is tearing down; or the class threw).
fn javascript<'env>(
    env: &'env Env,
    create: impl FnOnce(&'env Env) -> napi::Result<Unknown<'env>>,
) -> Option<napi::Error> {
    let mut pending = false;
    if unsafe { sys::napi_is_exception_pending(env.raw(), &mut pending) } != sys::Status::napi_ok
        || pending
    {
        return None;
    }
    match create(env) {
        Ok(value) => Some(napi::Error::from(value)),
        Err(_) => {
            // Leave no exception of ours pending (a throwing class): the caller reports
            // the error itself.
            let mut exception = ptr::null_mut();
            unsafe { sys::napi_get_and_clear_last_exception(env.raw(), &mut exception) };
            None
        }
    }
}

/// `new TypeError(message)`.
fn create_type_error<'env>(env: &'env Env, message: &str) -> napi::Result<Unknown<'env>> {
    let message = env.create_string(message)?;
    let mut value = ptr::null_mut();
    check(unsafe {
        sys::napi_create_type_error(env.raw(), ptr::null_mut(), message.raw(), &mut value)
    })?;
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), value) })
}

/// `new DescopeError(fields)` with the registered class; without one (the addon loaded
/// without index.js), an `Error` with the same message and attributes.
fn create_descope_error<'env>(env: &'env Env, error: &Error) -> napi::Result<Unknown<'env>> {
    let raw_env = env.raw();
    let mut fields = Object::new(env)?;
    fields.set("code", error.code().as_str())?;
    fields.set("message", error.message())?;
    fields.set("status", error.status().map(u32::from))?;
    fields.set("descopeCode", error.descope_code())?;
    fields.set("description", error.description())?;
    fields.set("serverMessage", error.server_message())?;
    fields.set(
        "retryAfterMs",
        error.retry_after().map(|d| d.as_millis() as f64),
    )?;
    fields.set("failures", env.to_js_value(&error.failures())?)?;
    fields.set("requestId", error.request_id())?;
    fields.set("externalRequestId", error.external_request_id())?;

    if let Some(registered) = ERROR_CLASS.get().filter(|r| r.env == raw_env) {
        let mut value = ptr::null_mut();
        check(unsafe { sys::napi_get_reference_value(raw_env, registered.class, &mut value) })?;
        if !value.is_null() {
            let class: Function<'_, Object<'_>, Unknown<'_>> =
                unsafe { Function::from_napi_value(raw_env, value)? };
            return class.new_instance(fields);
        }
    }
    let message = format!("{}: {}", error.code().as_str(), error.message());
    let message = env.create_string(&message)?;
    let mut value = ptr::null_mut();
    check(unsafe { sys::napi_create_error(raw_env, ptr::null_mut(), message.raw(), &mut value) })?;
    let mut object = Object::from_raw(raw_env, value);
    object.set("code", error.code().as_str())?;
    object.set("status", error.status().map(u32::from))?;
    object.set("failures", env.to_js_value(&error.failures())?)?;
    object.set("requestId", error.request_id())?;
    object.set("externalRequestId", error.external_request_id())?;
    Ok(unsafe { Unknown::from_raw_unchecked(raw_env, value) })
}

/// A core error as a napi error that napi-rs turns into a plain `Error`: only where no
/// JavaScript object can be made.
fn plain_error(error: &Error) -> napi::Error {
    if error.is_type_error() {
        return napi::Error::new(Status::InvalidArg, error.message());
    }
    napi::Error::new(
        Status::GenericFailure,
        format!("{}: {}", error.code().as_str(), error.message()),
    )
}

/// Turns a napi status into a `Result`.
fn check(status: sys::napi_status) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::from_status(Status::from(status)))
    }
}

/// An `INVALID_ARGUMENT` error raised by the binding while converting an argument.
pub(crate) fn invalid_argument(message: impl Into<String>) -> napi::Error {
    descope_error(&Error::new(ErrorCode::InvalidArgument, message))
}

/// A `CONFIG` error raised by the binding while converting client options.
pub(crate) fn config(message: impl Into<String>) -> napi::Error {
    descope_error(&Error::new(ErrorCode::Config, message))
}
