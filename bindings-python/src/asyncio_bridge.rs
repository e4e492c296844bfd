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

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use descope_mgmt::runtime;
use pyo3::exceptions::{PyBaseException, PyRuntimeError, PyStopIteration, PyTypeError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::{MutexExt, PyOnceLock};
use pyo3::types::{PyWeakrefMethods, PyWeakrefReference};
use pyo3::{PyTraverseError, PyVisit};
use tokio::task::AbortHandle;

use crate::errors::to_pyerr;

/// Turns a finished call into its Python result (or exception), on the loop thread.
type Settle = Box<dyn FnOnce(Python<'_>) -> PyResult<Py<PyAny>> + Send>;

/// What a runtime thread reports for a call.
enum Outcome {
    /// The call finished (successfully or with a core error).
    Done(Settle),
    /// The call's task was aborted because its awaitable was cancelled or dropped.
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

/// One event loop's end of the bridge: the futures of its calls in flight, by id, and
/// the queue and fd their outcomes arrive through (registered with `loop.add_reader`).
#[pyclass(frozen, module = "descope_mgmt._native", name = "_LoopBridge")]
pub struct LoopBridge {
    queue: Arc<Queue>,
    /// The asyncio futures of calls in flight. Only touched with the GIL, on the loop's
    /// thread (the mutex is for Rust's sake, never contended).
    pending: Mutex<HashMap<u64, Py<PyAny>>>,
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
            let Some(fut) = lock(&self.pending).remove(&id) else {
                continue;
            };
            settle(py, fut.bind(py), outcome);
        }
    }
}

/// Settles one future with a call's outcome, unless it was cancelled meanwhile. Errors
/// raised by the future itself (e.g. its loop is closed) are deliberately dropped: there
/// is nobody left to report them to.
fn settle(py: Python<'_>, fut: &Bound<'_, PyAny>, outcome: Outcome) {
    if is_done(fut) {
        return;
    }
    let _ = match outcome {
        Outcome::Done(settle) => match settle(py) {
            Ok(value) => fut.call_method1(intern!(py, "set_result"), (value,)),
            Err(err) => fut.call_method1(intern!(py, "set_exception"), (err.into_value(py),)),
        },
        Outcome::Aborted => fut.call_method0(intern!(py, "cancel")),
        Outcome::Panicked => fut.call_method1(
            intern!(py, "set_exception"),
            (
                PyRuntimeError::new_err("descope_mgmt internal error: the call did not complete")
                    .into_value(py),
            ),
        ),
    };
}

fn is_done(fut: &Bound<'_, PyAny>) -> bool {
    fut.call_method0(intern!(fut.py(), "done"))
        .and_then(|d| d.is_truthy())
        .unwrap_or(true)
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
        for (_, fut) in pending {
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

/// Spawns the call on the shared runtime; its outcome is reported through the Completion.
type Start = Box<dyn FnOnce(Completion) -> AbortHandle + Send>;

enum State {
    /// Created, not stepped yet.
    Ready(Start),
    /// Created on a closed client (or similar): raises this on the first step.
    Failed(PyErr),
    /// Spawned; waiting for `fut` (an asyncio future of the running loop).
    Waiting { fut: Py<PyAny>, task: AbortHandle },
    /// Returned or raised.
    Finished,
}

/// An `AsyncClient` call: an awaitable that behaves as a coroutine (`send`, `throw`,
/// `close`, `__await__`), so `await`, `asyncio.gather`, `asyncio.create_task` and
/// `asyncio.run` accept it. Nothing happens until it is first awaited. Cancelling the
/// awaiting task (or dropping the call unfinished) aborts the request.
#[pyclass(frozen, module = "descope_mgmt._native", name = "AsyncCall")]
pub struct AsyncCall {
    state: Mutex<State>,
}

impl AsyncCall {
    /// A call that, once awaited, runs `make()` on the shared runtime and converts its
    /// result with `convert` (on the loop thread); core errors become our exceptions.
    pub fn new<T, F, M>(make: M, convert: fn(Python<'_>, T) -> PyResult<Py<PyAny>>) -> AsyncCall
    where
        T: Send + 'static,
        F: Future<Output = descope_mgmt::Result<T>> + Send + 'static,
        M: FnOnce() -> F + Send + 'static,
    {
        let start: Start = Box::new(move |mut completion: Completion| {
            runtime::spawn(async move {
                let out = make().await;
                completion.settle = Some(Box::new(move |py| match out {
                    Ok(v) => convert(py, v),
                    Err(e) => Err(to_pyerr(py, &e)),
                }));
                drop(completion);
            })
            .abort_handle()
        });
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
                lock(&b.pending).insert(id, fut.clone().unbind());
                let task = start(Completion {
                    queue: b.queue.clone(),
                    id,
                    settle: None,
                });
                *lock(&self.state) = State::Waiting {
                    fut: fut.clone().unbind(),
                    task,
                };
                yield_future(&fut)
            }
            State::Failed(err) => Err(err),
            State::Waiting { fut, task } => {
                let f = fut.bind(py).clone();
                if !is_done(&f) {
                    // Stepped before the future finished (not by asyncio): wait again.
                    *lock(&self.state) = State::Waiting { fut, task };
                    return yield_future(&f);
                }
                let result = f.call_method0(intern!(py, "result"))?;
                Err(PyStopIteration::new_err((result.unbind(),)))
            }
            State::Finished => Err(PyRuntimeError::new_err(
                "cannot reuse already awaited coroutine",
            )),
        }
    }

    /// Ends the call early: cancels its future and aborts its request if still running.
    fn stop(&self, py: Python<'_>) {
        let previous = std::mem::replace(&mut *lock(&self.state), State::Finished);
        if let State::Waiting { fut, task } = previous {
            task.abort();
            let fut = fut.bind(py);
            if is_done(fut) {
                // Finished but abandoned: mark an exception as retrieved, so asyncio does
                // not log "Future exception was never retrieved" for it.
                let _ = fut.call_method0(intern!(py, "exception"));
            } else {
                let _ = fut.call_method0(intern!(py, "cancel"));
            }
        }
    }
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
    /// cancellation): the request is aborted and the exception propagates.
    #[pyo3(signature = (typ, val=None, tb=None))]
    fn throw(
        &self,
        py: Python<'_>,
        typ: Bound<'_, PyAny>,
        val: Option<Bound<'_, PyAny>>,
        tb: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let _ = tb;
        self.stop(py);
        Err(match val {
            Some(v) if v.is_instance_of::<PyBaseException>() => PyErr::from_value(v),
            Some(v) if !v.is_none() => PyErr::from_value(typ.call1((v,))?),
            _ => PyErr::from_value(typ),
        })
    }

    /// Abandons the call, aborting its request if still running.
    fn close(&self, py: Python<'_>) {
        self.stop(py);
    }

    /// Lets the garbage collector see the future a waiting call holds (the future's
    /// callbacks can lead back to this call through the awaiting task).
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if let Ok(state) = self.state.try_lock() {
            if let State::Waiting { fut, .. } = &*state {
                visit.call(fut)?;
            }
        }
        Ok(())
    }

    fn __clear__(&self) {
        let previous = std::mem::replace(&mut *lock(&self.state), State::Finished);
        if let State::Waiting { task, .. } = &previous {
            task.abort();
        }
    }
}

impl Drop for AsyncCall {
    fn drop(&mut self) {
        // Dropped unfinished (e.g. a task that was never completed): abort the request.
        // Its future is settled (cancelled) by the bridge when the abort is reported.
        let state = self.state.get_mut().unwrap_or_else(|p| p.into_inner());
        if let State::Waiting { task, .. } = state {
            task.abort();
        }
    }
}
