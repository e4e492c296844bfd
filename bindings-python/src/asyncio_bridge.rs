//! The asyncio side of `AsyncClient`: awaitable calls whose results are handed to the
//! event loop through a per-loop completion queue and a wake-up file descriptor, so the
//! runtime threads never take the GIL.
//!
//! A call ([`AsyncCall`]) is a coroutine-like object. When first stepped (by `await`, a
//! `Task`, `asyncio.run`, ...) on a running loop, it creates `loop.create_future()`,
//! spawns the core future on the shared runtime and yields that future. When the core
//! future finishes, the runtime thread pushes the outcome (plain Rust data) onto the
//! loop's [`Queue`] and writes the wake-up fd only if the queue was empty. The loop,
//! which watches that fd with `loop.add_reader`, then runs [`LoopBridge::drain`] on its
//! own thread: it converts every queued outcome to Python objects and settles the
//! futures (`set_result` / `set_exception`) in one batch.
//!
//! Cancellation follows the call's [`OnCancel`] policy. A call that is safe to repeat (the
//! batch upload) is aborted at once. A call that is not (rotate, create) is aborted only if
//! its request cannot have reached the server yet; otherwise the cancellation is swallowed
//! and the call's outcome (its result, or its typed error) is delivered anyway, so an
//! applied rotation never hides behind a `CancelledError`. The decision is taken by the
//! call's own task between two polls (see [`run_call`]), so it cannot race with the send.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use descope_mgmt::runtime;
use descope_mgmt::SendState;
use pyo3::exceptions::{
    PyBaseException, PyGeneratorExit, PyRuntimeError, PyStopIteration, PyTypeError,
};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::{MutexExt, PyOnceLock};
use pyo3::types::{PyWeakrefMethods, PyWeakrefReference};
use pyo3::{PyTraverseError, PyVisit};
use tokio::sync::Notify;
use tokio::task::AbortHandle;

use crate::errors::to_pyerr;

/// Turns a finished call into its Python result (or exception), on the loop thread.
type Settle = Box<dyn FnOnce(Python<'_>) -> PyResult<Py<PyAny>> + Send>;

/// What a runtime thread reports for a call.
enum Outcome {
    /// The call finished (successfully or with a core error).
    Done(Settle),
    /// The call's task was aborted (its awaitable was cancelled or dropped) before its
    /// request could reach the server.
    Aborted,
    /// The call's task panicked: an internal error.
    Panicked,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

// ---------------------------------------------------------------------------------------
// The wake-up file descriptor: an eventfd on Linux, a socket pair elsewhere.

#[cfg(any(target_os = "linux", target_os = "android"))]
mod wake_fd {
    use std::io;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

    /// A non-blocking, close-on-exec eventfd.
    pub struct WakeFd(OwnedFd);

    impl WakeFd {
        pub fn new() -> io::Result<WakeFd> {
            // SAFETY: plain syscall; a non-negative return is a new fd that we own.
            let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
            if fd < 0 {
                return Err(io::Error::last_os_error());
            }
            // SAFETY: `fd` is a freshly created descriptor owned by nobody else.
            Ok(WakeFd(unsafe { OwnedFd::from_raw_fd(fd) }))
        }

        /// The descriptor the event loop watches for readability.
        pub fn fileno(&self) -> i64 {
            i64::from(self.0.as_raw_fd())
        }

        /// Makes the descriptor readable (async-signal-safe; no allocation, no GIL).
        pub fn notify(&self) {
            let one: u64 = 1;
            // SAFETY: writes 8 bytes from a valid u64 to an fd we own. A full counter
            // (EAGAIN) still leaves the fd readable, so the result can be ignored.
            unsafe { libc::write(self.0.as_raw_fd(), (&one as *const u64).cast(), 8) };
        }

        /// Makes the descriptor non-readable again.
        pub fn clear(&self) {
            let mut buf: u64 = 0;
            // SAFETY: reads at most 8 bytes into a valid u64; EAGAIN just means "not set".
            unsafe { libc::read(self.0.as_raw_fd(), (&mut buf as *mut u64).cast(), 8) };
        }
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
mod wake_fd {
    use std::io::{self, Read, Write};

    #[cfg(unix)]
    type Stream = std::os::unix::net::UnixStream;
    #[cfg(not(unix))]
    type Stream = std::net::TcpStream;

    /// A connected pair of non-blocking sockets: written by runtime threads, read by the
    /// event loop.
    pub struct WakeFd {
        read: Stream,
        write: Stream,
    }

    impl WakeFd {
        pub fn new() -> io::Result<WakeFd> {
            #[cfg(unix)]
            let (read, write) = Stream::pair()?;
            #[cfg(not(unix))]
            let (read, write) = {
                let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
                let write = Stream::connect(listener.local_addr()?)?;
                let (read, _) = listener.accept()?;
                write.set_nodelay(true)?;
                (read, write)
            };
            read.set_nonblocking(true)?;
            write.set_nonblocking(true)?;
            Ok(WakeFd { read, write })
        }

        /// The descriptor the event loop watches for readability.
        pub fn fileno(&self) -> i64 {
            #[cfg(unix)]
            {
                use std::os::fd::AsRawFd;
                i64::from(self.read.as_raw_fd())
            }
            #[cfg(windows)]
            {
                use std::os::windows::io::AsRawSocket;
                self.read.as_raw_socket() as i64
            }
        }

        /// Makes the descriptor readable.
        pub fn notify(&self) {
            let _ = (&self.write).write(&[1]);
        }

        /// Makes the descriptor non-readable again.
        pub fn clear(&self) {
            let mut buf = [0u8; 256];
            while let Ok(n) = (&self.read).read(&mut buf) {
                if n < buf.len() {
                    break;
                }
            }
        }
    }
}

use wake_fd::WakeFd;

// ---------------------------------------------------------------------------------------

/// The part of a loop's bridge that runtime threads use: finished calls and the fd that
/// tells the loop about them. Pure Rust: no Python object is touched here.
struct Queue {
    done: Mutex<Vec<(u64, Outcome)>>,
    wake: WakeFd,
}

impl Queue {
    /// Queues an outcome; wakes the loop only when the queue was empty (the loop drains
    /// everything queued at once, so one wake-up covers a whole batch).
    fn push(&self, id: u64, outcome: Outcome) {
        let was_empty = {
            let mut done = lock(&self.done);
            let was_empty = done.is_empty();
            done.push((id, outcome));
            was_empty
        };
        if was_empty {
            self.wake.notify();
        }
    }
}

/// Reports a call's outcome to its loop when dropped: normally after the call finished,
/// but also when its task is aborted or panics (the future is then dropped unfinished).
struct Completion {
    queue: Arc<Queue>,
    id: u64,
    settle: Option<Settle>,
}

impl Drop for Completion {
    fn drop(&mut self) {
        let outcome = match self.settle.take() {
            Some(settle) => Outcome::Done(settle),
            None if std::thread::panicking() => Outcome::Panicked,
            None => Outcome::Aborted,
        };
        self.queue.push(self.id, outcome);
    }
}

/// A call in flight, as its loop's bridge knows it.
struct Pending {
    /// The asyncio future the call's awaiting task waits for.
    fut: Py<PyAny>,
    /// An outcome that arrived after `fut` was cancelled (by the awaiting task): kept until
    /// the call picks it up (it may still deliver it, see [`AsyncCall::throw`]) or ends.
    parked: Option<Outcome>,
}

/// One event loop's end of the bridge: the futures of its calls in flight, by id, and
/// the queue and fd their outcomes arrive through (registered with `loop.add_reader`).
#[pyclass(frozen, module = "descope_mgmt._native", name = "_LoopBridge")]
pub struct LoopBridge {
    queue: Arc<Queue>,
    /// The calls in flight. Only touched with the GIL, on the loop's thread (the mutex is
    /// for Rust's sake, never contended). Never held while Python code runs or while a
    /// Python object is dropped.
    pending: Mutex<HashMap<u64, Pending>>,
    next_id: AtomicU64,
    /// The runtime's fork generation this bridge's fd and tasks belong to.
    generation: usize,
    /// Set in a forked child that replaced this bridge (see [`LoopBridge::retire`]).
    retired: AtomicBool,
}

#[pymethods]
impl LoopBridge {
    /// The `add_reader` callback: settles the futures of every finished call.
    fn drain(&self, py: Python<'_>) {
        if self.retired.load(Ordering::Relaxed) {
            return;
        }
        // Clear the fd BEFORE taking the queue: an outcome pushed after the take finds the
        // queue empty and writes the fd again, so nothing is ever left behind unnoticed.
        self.queue.wake.clear();
        let done = std::mem::take(&mut *lock(&self.queue.done));
        for (id, outcome) in done {
            let entry = lock(&self.pending).remove(&id);
            let Some(entry) = entry else {
                // The call ended (returned, raised or was dropped): nobody wants it.
                continue;
            };
            let fut = entry.fut.bind(py).clone();
            if is_done(&fut) {
                // Cancelled by its task, which will now step the call (`throw`): park the
                // outcome there, so a call that may have been applied can still deliver it.
                let parked = Pending {
                    fut: entry.fut,
                    parked: Some(outcome),
                };
                let replaced = lock(&self.pending).insert(id, parked);
                drop(replaced);
            } else {
                settle(py, &fut, outcome);
            }
        }
    }
}

impl LoopBridge {
    /// Forgets a call (it returned, raised or was dropped), with any parked outcome.
    fn forget(&self, id: u64) {
        let entry = lock(&self.pending).remove(&id);
        drop(entry);
    }

    /// Takes the outcome parked for a call, if any.
    fn take_parked(&self, id: u64) -> Option<Outcome> {
        lock(&self.pending)
            .get_mut(&id)
            .and_then(|p| p.parked.take())
    }

    /// Makes `fut` the future a call's outcome settles from now on.
    fn rearm(&self, id: u64, fut: Py<PyAny>) {
        let previous = lock(&self.pending).insert(id, Pending { fut, parked: None });
        drop(previous);
    }
}

/// Settles one future with a call's outcome, unless it is done already. Errors raised
/// by the future itself (e.g. its loop is closed) are deliberately dropped: there is
/// nobody left to report them to.
fn settle(py: Python<'_>, fut: &Bound<'_, PyAny>, outcome: Outcome) {
    if is_done(fut) {
        return;
    }
    let _ = match outcome_to_py(py, outcome) {
        Ok(value) => fut.call_method1(intern!(py, "set_result"), (value,)),
        Err(err) => fut.call_method1(intern!(py, "set_exception"), (err.into_value(py),)),
    };
}

/// A call's outcome as its Python result or exception. An aborted call raises
/// `asyncio.CancelledError` (the awaiting task then raises the exception that cancelled it).
fn outcome_to_py(py: Python<'_>, outcome: Outcome) -> PyResult<Py<PyAny>> {
    match outcome {
        Outcome::Done(settle) => settle(py),
        Outcome::Aborted => Err(cancelled_error(py)),
        Outcome::Panicked => Err(PyRuntimeError::new_err(
            "descope_mgmt internal error: the call did not complete",
        )),
    }
}

/// A new `asyncio.CancelledError`.
fn cancelled_error(py: Python<'_>) -> PyErr {
    static CANCELLED: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    match CANCELLED
        .import(py, "asyncio", "CancelledError")
        .and_then(|cls| cls.call0())
    {
        Ok(exc) => PyErr::from_value(exc),
        Err(err) => err,
    }
}

fn is_done(fut: &Bound<'_, PyAny>) -> bool {
    fut.call_method0(intern!(fut.py(), "done"))
        .and_then(|d| d.is_truthy())
        .unwrap_or(true)
}

fn is_cancelled(fut: &Bound<'_, PyAny>) -> bool {
    fut.call_method0(intern!(fut.py(), "cancelled"))
        .and_then(|d| d.is_truthy())
        .unwrap_or(false)
}

impl LoopBridge {
    /// A new bridge for `event_loop`, its fd registered with `add_reader`.
    fn create<'py>(event_loop: &Bound<'py, PyAny>) -> PyResult<Bound<'py, LoopBridge>> {
        let py = event_loop.py();
        let wake = WakeFd::new().map_err(|e| {
            PyRuntimeError::new_err(format!("descope_mgmt: cannot create a wake-up fd: {e}"))
        })?;
        let fd = wake.fileno();
        let bridge = Bound::new(
            py,
            LoopBridge {
                queue: Arc::new(Queue {
                    done: Mutex::new(Vec::new()),
                    wake,
                }),
                pending: Mutex::new(HashMap::new()),
                next_id: AtomicU64::new(0),
                generation: runtime::generation(),
                retired: AtomicBool::new(false),
            },
        )?;
        let drain = bridge.getattr(intern!(py, "drain"))?;
        event_loop.call_method1(intern!(py, "add_reader"), (fd, drain))?;
        Ok(bridge)
    }

    /// Detaches a bridge inherited through `fork()` (a loop used on both sides of a fork):
    /// its calls ran on the parent's runtime, so they will never finish here. Its fd, and
    /// the loop's epoll instance, are shared with the parent: the child neither reads the
    /// fd again nor unregisters it (that would unregister it for the parent too).
    fn retire(&self, event_loop: &Bound<'_, PyAny>) {
        let py = event_loop.py();
        self.retired.store(true, Ordering::Relaxed);
        let pending: Vec<_> = lock(&self.pending).drain().collect();
        for (_, Pending { fut, .. }) in pending {
            let err = PyRuntimeError::new_err(
                "descope_mgmt: the call was started before fork() and cannot finish in the child",
            );
            let fut = fut.bind(py);
            if !is_done(fut) {
                let _ = fut.call_method1(intern!(py, "set_exception"), (err.into_value(py),));
            }
        }
    }
}

/// The bridges of the event loops seen so far (by weak reference to the loop), most
/// recently used first. Bridges of loops that were garbage-collected are pruned on lookup;
/// a closed loop's reader registration (and with it the drain callback) goes away with
/// its selector.
type Registry = Vec<(Py<PyWeakrefReference>, Py<LoopBridge>)>;

static REGISTRY: Mutex<Registry> = Mutex::new(Vec::new());

/// The bridge of `event_loop`, created on first use (and again in a forked child).
///
/// The registry lock is held only around code that cannot run Python code (no call, and
/// nothing is dropped under it), and `lock_py_attached` releases the GIL while waiting
/// for it, so it can never deadlock against the GIL.
fn bridge_for<'py>(event_loop: &Bound<'py, PyAny>) -> PyResult<Bound<'py, LoopBridge>> {
    let py = event_loop.py();
    let mut dead = Vec::new();
    let mut stale = None;
    {
        let mut reg = REGISTRY
            .lock_py_attached(py)
            .unwrap_or_else(|p| p.into_inner());
        let mut i = 0;
        while i < reg.len() {
            // A loop that is alive stays alive while we compare (we hold a reference).
            match reg[i].0.bind(py).upgrade() {
                None => dead.push(reg.swap_remove(i)),
                Some(l) if l.is(event_loop) => {
                    let bridge = reg[i].1.bind(py).clone();
                    if bridge.get().generation == runtime::generation() {
                        if i != 0 {
                            reg.swap(0, i);
                        }
                        drop(reg);
                        drop(dead);
                        return Ok(bridge);
                    }
                    stale = Some(reg.swap_remove(i));
                    break;
                }
                Some(_) => i += 1,
            }
        }
    }
    drop(dead);
    if let Some((_, old)) = stale {
        old.get().retire(event_loop);
    }
    let bridge = LoopBridge::create(event_loop)?;
    let weak = PyWeakrefReference::new(event_loop)?.unbind();
    REGISTRY
        .lock_py_attached(py)
        .unwrap_or_else(|p| p.into_inner())
        .insert(0, (weak, bridge.clone().unbind()));
    Ok(bridge)
}

/// `asyncio.get_running_loop` (raises `RuntimeError: no running event loop`).
fn running_loop(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    static GET_RUNNING_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    GET_RUNNING_LOOP
        .import(py, "asyncio", "get_running_loop")?
        .call0()
}

// ---------------------------------------------------------------------------------------

/// What cancelling an `AsyncClient` call does once it is running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnCancel {
    /// Abort the request at once: the call is safe to repeat (the batch upload).
    Abort,
    /// Abort only while nothing can have reached the server; once the request may have
    /// been sent, finish the call and deliver its outcome (rotate, create).
    FinishOnceSent,
}

/// How a running call is stopped.
enum Stopper {
    /// Aborts the call's task.
    Abort(AbortHandle),
    /// Asks the call's task to stop if nothing was sent yet (see [`run_call`]).
    Request(Arc<Notify>),
}

impl Stopper {
    fn stop(&self) {
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
async fn run_call<F: Future>(call: F, stop: Arc<Notify>) -> Option<F::Output> {
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

/// Spawns the call on the shared runtime; its outcome is reported through the Completion.
type Start = Box<dyn FnOnce(Completion) -> Stopper + Send>;

/// A call that was started: what it waits for and how to stop it.
struct Running {
    /// The asyncio future the awaiting task waits for (replaced when a cancellation is
    /// swallowed, see [`AsyncCall::throw`]).
    fut: Py<PyAny>,
    /// The bridge of the loop the call runs on, and the call's id there.
    bridge: Py<LoopBridge>,
    id: u64,
    stopper: Stopper,
    /// The exception that cancelled the call while it could still be stopped: raised if
    /// the call turns out to have been stopped before sending.
    cancelled_with: Option<PyErr>,
}

enum State {
    /// Created, not stepped yet.
    Ready(Start),
    /// Created on a closed client (or similar): raises this on the first step.
    Failed(PyErr),
    /// Spawned; waiting for its future (an asyncio future of the running loop).
    Waiting(Running),
    /// Returned or raised.
    Finished,
}

/// An `AsyncClient` call: an awaitable that behaves as a coroutine (`send`, `throw`,
/// `close`, `__await__`), so `await`, `asyncio.gather`, `asyncio.create_task` and
/// `asyncio.run` accept it. Nothing happens until it is first awaited.
///
/// Cancelling the awaiting task (`task.cancel()`, `asyncio.wait_for`, `asyncio.timeout`)
/// follows the call's [`OnCancel`] policy: a call whose request may already have reached
/// the server is not abandoned; it finishes and returns its result (or raises its typed
/// error), swallowing the cancellation.
#[pyclass(frozen, module = "descope_mgmt._native", name = "AsyncCall")]
pub struct AsyncCall {
    state: Mutex<State>,
}

impl AsyncCall {
    /// A call that, once awaited, runs `make()` on the shared runtime and converts its
    /// result with `convert` (on the loop thread); core errors become our exceptions.
    /// `on_cancel` says what cancelling the awaiting task does.
    pub fn new<T, F, M>(
        make: M,
        convert: fn(Python<'_>, T) -> PyResult<Py<PyAny>>,
        on_cancel: OnCancel,
    ) -> AsyncCall
    where
        T: Send + 'static,
        F: Future<Output = descope_mgmt::Result<T>> + Send + 'static,
        M: FnOnce() -> F + Send + 'static,
    {
        let finish = move |mut completion: Completion, out: descope_mgmt::Result<T>| {
            completion.settle = Some(Box::new(move |py| match out {
                Ok(v) => convert(py, v),
                Err(e) => Err(to_pyerr(py, &e)),
            }));
            drop(completion);
        };
        let start: Start = match on_cancel {
            OnCancel::Abort => Box::new(move |completion: Completion| {
                let task = runtime::spawn(async move { finish(completion, make().await) });
                Stopper::Abort(task.abort_handle())
            }),
            OnCancel::FinishOnceSent => Box::new(move |completion: Completion| {
                let stop = Arc::new(Notify::new());
                let stop2 = stop.clone();
                runtime::spawn(async move {
                    // `None`: stopped before sending; the Completion reports it as aborted.
                    if let Some(out) = run_call(make(), stop2).await {
                        finish(completion, out);
                    }
                });
                Stopper::Request(stop)
            }),
        };
        AsyncCall {
            state: Mutex::new(State::Ready(start)),
        }
    }

    /// A call that raises `err` when awaited.
    pub fn failed(err: PyErr) -> AsyncCall {
        AsyncCall {
            state: Mutex::new(State::Failed(err)),
        }
    }

    /// One step: start the call (first step) and yield its future, or finish with the
    /// future's result (raised as `StopIteration(result)`) or exception. The state lock
    /// is never held while Python code runs.
    fn step(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let state = std::mem::replace(&mut *lock(&self.state), State::Finished);
        match state {
            State::Ready(start) => {
                let event_loop = running_loop(py)?;
                let bridge = bridge_for(&event_loop)?;
                let fut = event_loop.call_method0(intern!(py, "create_future"))?;
                let b = bridge.get();
                let id = b.next_id.fetch_add(1, Ordering::Relaxed);
                b.rearm(id, fut.clone().unbind());
                let stopper = start(Completion {
                    queue: b.queue.clone(),
                    id,
                    settle: None,
                });
                *lock(&self.state) = State::Waiting(Running {
                    fut: fut.clone().unbind(),
                    bridge: bridge.unbind(),
                    id,
                    stopper,
                    cancelled_with: None,
                });
                yield_future(&fut)
            }
            State::Failed(err) => Err(err),
            State::Waiting(running) => {
                let f = running.fut.bind(py).clone();
                if !is_done(&f) {
                    // Stepped before the future finished (not by asyncio): wait again.
                    *lock(&self.state) = State::Waiting(running);
                    return yield_future(&f);
                }
                running.bridge.get().forget(running.id);
                finish_with(py, &f, running.cancelled_with)
            }
            State::Finished => Err(PyRuntimeError::new_err(
                "cannot reuse already awaited coroutine",
            )),
        }
    }

    /// Handles an exception thrown in at the await point (how asyncio delivers a
    /// cancellation). Returns `None` when the call ends by raising `exc` (after stopping
    /// it), or the step's outcome when the call goes on or delivers its outcome instead.
    fn absorb(&self, py: Python<'_>, exc: PyErr) -> PyResult<Py<PyAny>> {
        let state = std::mem::replace(&mut *lock(&self.state), State::Finished);
        let mut running = match state {
            State::Waiting(running) if matches!(running.stopper, Stopper::Request(_)) => running,
            other => {
                *lock(&self.state) = other;
                self.stop(py);
                return Err(exc);
            }
        };
        let bridge = running.bridge.get();
        // Bring every outcome that already arrived to its call, this one included.
        bridge.drain(py);
        let f = running.fut.bind(py).clone();
        if is_done(&f) && !is_cancelled(&f) {
            // Finished before the cancellation reached us: deliver the outcome.
            bridge.forget(running.id);
            return finish_with(py, &f, running.cancelled_with.or(Some(exc)));
        }
        if let Some(outcome) = bridge.take_parked(running.id) {
            bridge.forget(running.id);
            return match outcome {
                Outcome::Aborted => Err(running.cancelled_with.unwrap_or(exc)),
                outcome => match outcome_to_py(py, outcome) {
                    Ok(value) => Err(PyStopIteration::new_err((value,))),
                    Err(err) => Err(err),
                },
            };
        }
        // Still running. Stop it if nothing can have been sent yet (its task decides, and
        // then reports it as aborted: `exc` is raised); otherwise it finishes and its
        // outcome is delivered. Either way, wait for that on a fresh future (the old one
        // was cancelled by the awaiting task).
        running.stopper.stop();
        if running.cancelled_with.is_none() {
            running.cancelled_with = Some(exc);
        }
        let event_loop = f.call_method0(intern!(py, "get_loop"))?;
        let fresh = event_loop.call_method0(intern!(py, "create_future"))?;
        bridge.rearm(running.id, fresh.clone().unbind());
        running.fut = fresh.clone().unbind();
        *lock(&self.state) = State::Waiting(running);
        yield_future(&fresh)
    }

    /// Ends the call early: stops its request (at once for an [`OnCancel::Abort`] call,
    /// only if nothing was sent for the others) and forgets its future.
    fn stop(&self, py: Python<'_>) {
        let previous = std::mem::replace(&mut *lock(&self.state), State::Finished);
        if let State::Waiting(running) = previous {
            running.stopper.stop();
            running.bridge.get().forget(running.id);
            let fut = running.fut.bind(py);
            if is_done(fut) {
                // Finished but abandoned: mark an exception as retrieved, so asyncio does
                // not log "Future exception was never retrieved" for it.
                if !is_cancelled(fut) {
                    let _ = fut.call_method0(intern!(py, "exception"));
                }
            } else {
                let _ = fut.call_method0(intern!(py, "cancel"));
            }
        }
    }
}

/// Ends a step with a done future's outcome: its result as `StopIteration(result)`, or
/// its exception. A `CancelledError` the bridge set for a call stopped before sending is
/// replaced by the exception that cancelled the call, when there was one.
fn finish_with(
    py: Python<'_>,
    fut: &Bound<'_, PyAny>,
    cancelled_with: Option<PyErr>,
) -> PyResult<Py<PyAny>> {
    match fut.call_method0(intern!(py, "result")) {
        Ok(result) => Err(PyStopIteration::new_err((result.unbind(),))),
        Err(err) => match cancelled_with {
            Some(original) if is_cancelled_error(py, &err) => Err(original),
            _ => Err(err),
        },
    }
}

fn is_cancelled_error(py: Python<'_>, err: &PyErr) -> bool {
    static CANCELLED: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    CANCELLED
        .import(py, "asyncio", "CancelledError")
        .map(|cls| err.get_type(py).is_subclass(cls).unwrap_or(false))
        .unwrap_or(false)
}

/// Yields an asyncio future to the driving task, the way `Future.__await__` does.
fn yield_future(fut: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    fut.setattr(intern!(fut.py(), "_asyncio_future_blocking"), true)?;
    Ok(fut.clone().unbind())
}

#[pymethods]
impl AsyncCall {
    fn __await__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.step(py)
    }

    /// Resumes the call; only `None` can be sent.
    fn send(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        if !value.is_none() {
            self.stop(py);
            return Err(PyTypeError::new_err(
                "can't send non-None value to a descope_mgmt call",
            ));
        }
        self.step(py)
    }

    /// Raises an exception at the await point (this is how asyncio delivers
    /// cancellation). A call that is safe to repeat, or whose request cannot have reached
    /// the server yet, is stopped and the exception propagates. A call that may have been
    /// applied goes on: its result is returned (the exception is swallowed) or its own
    /// error raised.
    #[pyo3(signature = (typ, val=None, tb=None))]
    fn throw(
        &self,
        py: Python<'_>,
        typ: Bound<'_, PyAny>,
        val: Option<Bound<'_, PyAny>>,
        tb: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let _ = tb;
        let exc = match val {
            Some(v) if v.is_instance_of::<PyBaseException>() => PyErr::from_value(v),
            Some(v) if !v.is_none() => PyErr::from_value(typ.call1((v,))?),
            _ if typ.is_instance_of::<PyBaseException>() => PyErr::from_value(typ),
            _ => PyErr::from_value(typ.call0()?),
        };
        if exc.is_instance_of::<PyGeneratorExit>(py) {
            self.stop(py);
            return Err(exc);
        }
        self.absorb(py, exc)
    }

    /// Abandons the call: stops its request unless it may have reached the server (such a
    /// call finishes in the background; nobody receives its outcome).
    fn close(&self, py: Python<'_>) {
        self.stop(py);
    }

    /// Lets the garbage collector see the future a waiting call holds (the future's
    /// callbacks can lead back to this call through the awaiting task).
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if let Ok(state) = self.state.try_lock() {
            if let State::Waiting(running) = &*state {
                visit.call(&running.fut)?;
            }
        }
        Ok(())
    }

    fn __clear__(&self) {
        let previous = std::mem::replace(&mut *lock(&self.state), State::Finished);
        if let State::Waiting(running) = &previous {
            running.stopper.stop();
            running.bridge.get().forget(running.id);
        }
        drop(previous);
    }
}

impl Drop for AsyncCall {
    fn drop(&mut self) {
        // Dropped unfinished (e.g. a task that was never completed): stop the request
        // (unless it may have been applied) and forget its future.
        let state = self.state.get_mut().unwrap_or_else(|p| p.into_inner());
        if let State::Waiting(running) = state {
            running.stopper.stop();
            running.bridge.get().forget(running.id);
        }
    }
}
