//! Runs a core future on the core's shared runtime and settles a JavaScript promise with
//! its outcome, without ever blocking the JavaScript thread.
//!
//! Promises are settled through ONE long-lived napi threadsafe function per JavaScript
//! environment (main thread or worker), created on first use: a finished call queues its
//! outcome on it, and the JavaScript thread settles the queued promises in batches. (napi-rs's
//! `Env::create_deferred` instead creates and tears down a threadsafe function, with its own
//! libuv handle, for every promise.)
//!
//! Lifetime rules:
//! - the threadsafe function is referenced (keeps the event loop alive) only while calls of
//!   its environment are in flight, so an idle client never holds the process open;
//! - when the environment tears down (a worker terminated mid-call, process exit), a cleanup
//!   hook aborts the threadsafe function under the same lock that calls use, so a call that
//!   finishes afterwards drops its outcome instead of touching freed memory;
//! - a call that panics, or whose task is dropped before finishing, still settles its
//!   promise (rejected), so nothing stays pending forever.

use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use std::future::{poll_fn, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::ptr;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::Poll;

use descope_mgmt::runtime;
use napi::bindgen_prelude::{Object, ToNapiValue};
use napi::{check_status, sys, Env, Result, Status};

use crate::errors::descope_error;

/// Spawns `call` on `descope_mgmt::runtime` and returns a promise for its outcome.
///
/// On success, `to_js` converts the value on the JavaScript thread. A core error rejects
/// with a serialized `DescopeError`; a panic inside the core or in `to_js` (a bug) rejects
/// with a plain error instead of leaving the promise pending forever.
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
    let settler = Settler::current(env.raw())?;
    let mut deferred = ptr::null_mut();
    let mut promise = ptr::null_mut();
    check_status!(
        unsafe { sys::napi_create_promise(env.raw(), &mut deferred, &mut promise) },
        "descope-mgmt: could not create a promise"
    )?;
    settler.call_started()?;
    let mut pending = Pending {
        shared: settler.shared.clone(),
        deferred: Some(RawDeferred(deferred)),
    };
    runtime::spawn(async move {
        let mut call = pin!(call);
        // A panic inside the core is caught here, on the runtime, so the promise settles.
        let outcome =
            poll_fn(
                |cx| match catch_unwind(AssertUnwindSafe(|| call.as_mut().poll(cx))) {
                    Ok(Poll::Ready(result)) => Poll::Ready(Ok(result)),
                    Ok(Poll::Pending) => Poll::Pending,
                    Err(_panic) => Poll::Ready(Err(())),
                },
            )
            .await;
        pending.settle(match outcome {
            Ok(Ok(value)) => Outcome::Resolve(Box::new(move |env| {
                let value = to_js(value)?;
                unsafe { D::to_napi_value(env, value) }
            })),
            Ok(Err(error)) => Outcome::Reject(descope_error(&error)),
            Err(()) => Outcome::Reject(bug("the call panicked")),
        });
    });
    Ok(Object::from_raw(env.raw(), promise))
}

/// The rejection of a call that failed because of a bug in the binding or the core.
fn bug(what: &str) -> napi::Error {
    napi::Error::new(
        Status::GenericFailure,
        format!("descope-mgmt: the call failed unexpectedly ({what}); please report this bug"),
    )
}

/// A `napi_deferred`: only ever settled on the JavaScript thread that created it, by
/// [`call_js`]; other threads just carry it there.
struct RawDeferred(sys::napi_deferred);

// SAFETY: the pointer is never dereferenced off the JavaScript thread (see above).
unsafe impl Send for RawDeferred {}

/// Builds the resolution value of a promise, on the JavaScript thread.
type Resolver = Box<dyn FnOnce(sys::napi_env) -> Result<sys::napi_value> + Send>;

/// How a call ended.
enum Outcome {
    Resolve(Resolver),
    Reject(napi::Error),
}

/// What crosses the threadsafe function: a promise and how to settle it.
struct Completion {
    deferred: RawDeferred,
    outcome: Outcome,
}

/// State shared by an environment's [`Settler`] and its calls in flight.
struct Shared {
    /// The threadsafe function, until the environment tears down. Calls queue on it while
    /// holding the lock; the teardown hook takes and aborts it under the same lock.
    tsfn: Mutex<Option<RawTsfn>>,
}

/// A `napi_threadsafe_function`, callable from any thread by design.
#[derive(Clone, Copy)]
struct RawTsfn(sys::napi_threadsafe_function);

// SAFETY: threadsafe functions are made to be called from any thread; the JavaScript-thread
// only operations (ref/unref) are done by `Settler`, which stays on that thread.
unsafe impl Send for RawTsfn {}

/// A call in flight: settles its promise exactly once, with its outcome or, if the task is
/// dropped before finishing, with a rejection.
struct Pending {
    shared: Arc<Shared>,
    deferred: Option<RawDeferred>,
}

impl Pending {
    /// Queues the promise's settlement for the JavaScript thread. After the environment tore
    /// down, drops it instead: the promise no longer exists.
    fn settle(&mut self, outcome: Outcome) {
        let Some(deferred) = self.deferred.take() else {
            return;
        };
        let completion = Box::into_raw(Box::new(Completion { deferred, outcome }));
        let guard = self
            .shared
            .tsfn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let status = match *guard {
            Some(RawTsfn(tsfn)) => unsafe {
                sys::napi_call_threadsafe_function(
                    tsfn,
                    completion.cast(),
                    sys::ThreadsafeFunctionCallMode::nonblocking,
                )
            },
            None => sys::Status::napi_closing,
        };
        drop(guard);
        if status != sys::Status::napi_ok {
            // Not queued (the environment is closing): nothing will settle it.
            drop(unsafe { Box::from_raw(completion) });
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if self.deferred.is_some() {
            self.settle(Outcome::Reject(bug("the call was cancelled")));
        }
    }
}

/// The per-environment settlement machinery; lives on its JavaScript thread.
struct Settler {
    env: sys::napi_env,
    shared: Arc<Shared>,
    tsfn: sys::napi_threadsafe_function,
    /// Calls of this environment not yet settled; the threadsafe function is referenced
    /// while this is above zero.
    in_flight: Cell<usize>,
}

thread_local! {
    /// The settler of the environment running on this thread (one per main thread or worker).
    static SETTLER: RefCell<Option<Rc<Settler>>> = const { RefCell::new(None) };
}

impl Settler {
    /// The settler of `env`, created on first use.
    fn current(env: sys::napi_env) -> Result<Rc<Settler>> {
        if let Some(settler) = SETTLER.with(|s| s.borrow().clone()) {
            if settler.env == env {
                return Ok(settler);
            }
        }
        let settler = Rc::new(Settler::create(env)?);
        SETTLER.with(|s| *s.borrow_mut() = Some(settler.clone()));
        Ok(settler)
    }

    fn create(env: sys::napi_env) -> Result<Settler> {
        let mut name = ptr::null_mut();
        check_status!(
            unsafe {
                sys::napi_create_string_utf8(
                    env,
                    c"descope-mgmt".as_ptr(),
                    "descope-mgmt".len() as isize,
                    &mut name,
                )
            },
            "descope-mgmt: could not name the settlement queue"
        )?;
        let mut tsfn = ptr::null_mut();
        check_status!(
            unsafe {
                sys::napi_create_threadsafe_function(
                    env,
                    ptr::null_mut(),
                    ptr::null_mut(),
                    name,
                    0,
                    1,
                    ptr::null_mut(),
                    None,
                    ptr::null_mut(),
                    Some(call_js),
                    &mut tsfn,
                )
            },
            "descope-mgmt: could not create the settlement queue"
        )?;
        // Idle: never hold the event loop open until a call is in flight.
        check_status!(unsafe { sys::napi_unref_threadsafe_function(env, tsfn) })?;
        let shared = Arc::new(Shared {
            tsfn: Mutex::new(Some(RawTsfn(tsfn))),
        });
        // Registered after the threadsafe function, so that it runs before Node's own
        // teardown of it (cleanup hooks run last-in, first-out).
        let hook_data = Arc::into_raw(shared.clone()).cast_mut().cast::<c_void>();
        check_status!(unsafe {
            sys::napi_add_env_cleanup_hook(env, Some(env_teardown), hook_data)
        })?;
        Ok(Settler {
            env,
            shared,
            tsfn,
            in_flight: Cell::new(0),
        })
    }

    /// Counts a new call in flight, keeping the event loop alive until it settles.
    fn call_started(&self) -> Result<()> {
        let n = self.in_flight.get();
        if n == 0 {
            check_status!(unsafe { sys::napi_ref_threadsafe_function(self.env, self.tsfn) })?;
        }
        self.in_flight.set(n + 1);
        Ok(())
    }

    /// Counts a settled call; lets the event loop exit once none is in flight.
    fn call_settled(&self) {
        let n = self.in_flight.get().saturating_sub(1);
        self.in_flight.set(n);
        if n == 0 {
            unsafe { sys::napi_unref_threadsafe_function(self.env, self.tsfn) };
        }
    }
}

/// Environment teardown (worker terminated, process exiting): aborts the threadsafe function
/// so later completions are dropped, and forgets this thread's settler.
unsafe extern "C" fn env_teardown(data: *mut c_void) {
    let shared = unsafe { Arc::from_raw(data.cast_const().cast::<Shared>()) };
    let mut guard = shared
        .tsfn
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(RawTsfn(tsfn)) = guard.take() {
        unsafe {
            sys::napi_release_threadsafe_function(tsfn, sys::ThreadsafeFunctionReleaseMode::abort)
        };
    }
    drop(guard);
    let _ = SETTLER.try_with(|s| {
        if let Ok(mut s) = s.try_borrow_mut() {
            if s.as_ref()
                .is_some_and(|settler| Arc::ptr_eq(&settler.shared, &shared))
            {
                *s = None;
            }
        }
    });
}

/// Runs on the JavaScript thread for each queued completion (several per event-loop turn):
/// settles its promise. `env` is null when the queue is drained at teardown; the promise is
/// gone then, and the completion is just freed.
unsafe extern "C" fn call_js(
    env: sys::napi_env,
    _js_callback: sys::napi_value,
    _context: *mut c_void,
    data: *mut c_void,
) {
    let completion = unsafe { Box::from_raw(data.cast::<Completion>()) };
    if env.is_null() {
        return;
    }
    if let Some(settler) = SETTLER.with(|s| s.borrow().clone()) {
        if settler.env == env {
            settler.call_settled();
        }
    }
    let Completion { deferred, outcome } = *completion;
    // Converting the value runs binding code: a panic there must not unwind into Node.
    let settled = catch_unwind(AssertUnwindSafe(|| unsafe {
        settle(env, deferred.0, outcome)
    }));
    if settled.is_err() {
        // The deferred was not settled before the panic (settling is the last step).
        if let Ok(error) =
            unsafe { ToNapiValue::to_napi_value(env, bug("converting the result panicked")) }
        {
            unsafe { sys::napi_reject_deferred(env, deferred.0, error) };
        }
    }
}

/// Resolves or rejects `deferred` with `outcome`; a failed conversion rejects.
unsafe fn settle(env: sys::napi_env, deferred: sys::napi_deferred, outcome: Outcome) {
    let result = match outcome {
        Outcome::Resolve(resolver) => resolver(env),
        Outcome::Reject(error) => Err(error),
    };
    match result {
        Ok(value) => {
            unsafe { sys::napi_resolve_deferred(env, deferred, value) };
        }
        Err(error) => {
            let error =
                unsafe { ToNapiValue::to_napi_value(env, error) }.unwrap_or(ptr::null_mut());
            if !error.is_null() {
                unsafe { sys::napi_reject_deferred(env, deferred, error) };
            }
        }
    }
}
