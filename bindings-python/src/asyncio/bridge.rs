//! One event loop's end of the bridge ([`LoopBridge`]): the futures of its calls in
//! flight, drained from the loop's completion queue when its wake-up fd is readable; and
//! the registry that finds (or creates) the bridge of a loop, fork-aware.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use descope_mgmt::bindings::runtime;
use pyo3::exceptions::PyRuntimeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::MutexExt;
use pyo3::types::{PyWeakrefMethods, PyWeakrefReference};

use super::completion::{lock, outcome_to_py, Outcome, Queue};
use super::futures::is_done;
use super::wake_fd::WakeFd;

/// A call in flight, as its loop's bridge knows it.
struct Pending {
    /// The asyncio future the call's awaiting task waits for.
    fut: Py<PyAny>,
    /// An outcome that arrived after `fut` was cancelled (by the awaiting task): kept until
    /// the call picks it up (it may still deliver it, see
    /// [`AsyncCall::throw`](super::AsyncCall::throw)) or ends.
    parked: Option<Outcome>,
}

/// One event loop's end of the bridge: the futures of its calls in flight, by id, and
/// the queue and fd their outcomes arrive through (registered with `loop.add_reader`).
#[pyclass(frozen, module = "descope_mgmt._native", name = "_LoopBridge")]
pub struct LoopBridge {
    pub(super) queue: Arc<Queue>,
    /// The calls in flight. Only touched with the GIL, on the loop's thread (the mutex is
    /// for Rust's sake, never contended). Never held while Python code runs or while a
    /// Python object is dropped.
    pending: Mutex<HashMap<u64, Pending>>,
    pub(super) next_id: AtomicU64,
    /// The runtime's fork generation this bridge's fd and tasks belong to.
    generation: usize,
    /// Set in a forked child that replaced this bridge (see [`LoopBridge::retire`]).
    retired: AtomicBool,
}

#[pymethods]
impl LoopBridge {
    /// The `add_reader` callback: settles the futures of every finished call.
    pub(super) fn drain(&self, py: Python<'_>) {
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
    pub(super) fn forget(&self, id: u64) {
        let entry = lock(&self.pending).remove(&id);
        drop(entry);
    }

    /// Takes the outcome parked for a call, if any.
    pub(super) fn take_parked(&self, id: u64) -> Option<Outcome> {
        lock(&self.pending)
            .get_mut(&id)
            .and_then(|p| p.parked.take())
    }

    /// Makes `fut` the future a call's outcome settles from now on.
    pub(super) fn rearm(&self, id: u64, fut: Py<PyAny>) {
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
pub(super) fn bridge_for<'py>(event_loop: &Bound<'py, PyAny>) -> PyResult<Bound<'py, LoopBridge>> {
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
