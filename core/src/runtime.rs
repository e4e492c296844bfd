//! The process-wide tokio runtime shared by the Python, Node.js and C bindings.
//!
//! One multi-thread runtime is created lazily on first use. It is fork-aware: a
//! `pthread_atfork` child hook bumps a generation counter (plain atomic stores only,
//! which is all that is safe in a freshly forked child), and the next use in the child
//! builds a fresh runtime instead of waiting on worker threads that did not survive the
//! fork. Clients tag their connection pools with the same generation, so they are rebuilt
//! too. The parent's runtime is deliberately leaked in the child: its threads are gone,
//! and dropping it there could block. The design follows lancedb's `python/src/runtime.rs`,
//! simplified because our runtime is never replaced except by a fork.

use std::future::Future;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use std::sync::Once;

use tokio::runtime::{Builder, Handle, Runtime};

struct Slot {
    generation: usize,
    runtime: Runtime,
}

static SLOT: AtomicPtr<Slot> = AtomicPtr::new(ptr::null_mut());
static GENERATION: AtomicUsize = AtomicUsize::new(0);
static INSTALL_LOCK: AtomicBool = AtomicBool::new(false);
static ATFORK: Once = Once::new();

/// The current fork generation: 0 in the original process, incremented in every child
/// created by `fork()` after this library was first used.
pub fn generation() -> usize {
    install_atfork();
    GENERATION.load(Ordering::Acquire)
}

/// The shared runtime, created on first use and re-created after `fork()`.
///
/// # Panics
/// Panics only when the operating system refuses to start the runtime's threads.
pub fn runtime() -> &'static Runtime {
    let generation = generation();
    if let Some(rt) = current(generation) {
        return rt;
    }
    let _guard = SpinGuard::acquire();
    if let Some(rt) = current(generation) {
        return rt;
    }
    let runtime = Builder::new_multi_thread()
        .enable_all()
        .thread_name("descope-mgmt-rt")
        .build()
        .unwrap_or_else(|e| panic!("descope-mgmt: cannot start the tokio runtime: {e}"));
    let slot = Box::into_raw(Box::new(Slot {
        generation,
        runtime,
    }));
    // The previous slot, if any, belongs to a parent process: leak it on purpose.
    SLOT.store(slot, Ordering::Release);
    // SAFETY: `slot` was just leaked from a Box and is never freed.
    unsafe { &(*slot).runtime }
}

/// Runs a future to completion on the shared runtime, blocking the calling thread.
///
/// Safe to call from inside another tokio runtime: the future is then driven from a
/// short-lived helper thread instead of panicking.
pub fn block_on<F>(future: F) -> F::Output
where
    F: Future + Send,
    F::Output: Send,
{
    let rt = runtime();
    if Handle::try_current().is_ok() {
        std::thread::scope(|s| {
            s.spawn(|| rt.block_on(future))
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p))
        })
    } else {
        rt.block_on(future)
    }
}

/// Spawns a future on the shared runtime.
pub fn spawn<F>(future: F) -> tokio::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    runtime().spawn(future)
}

fn current(generation: usize) -> Option<&'static Runtime> {
    let p = SLOT.load(Ordering::Acquire);
    if p.is_null() {
        return None;
    }
    // SAFETY: slots are leaked boxes that are never freed.
    let slot = unsafe { &*p };
    (slot.generation == generation).then_some(&slot.runtime)
}

struct SpinGuard;

impl SpinGuard {
    fn acquire() -> Self {
        while INSTALL_LOCK
            .compare_exchange_weak(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            std::thread::yield_now();
        }
        SpinGuard
    }
}

impl Drop for SpinGuard {
    fn drop(&mut self) {
        INSTALL_LOCK.store(false, Ordering::Release);
    }
}

#[cfg(unix)]
extern "C" fn atfork_child() {
    // Only atomic stores: no allocation, no locks, no thread-locals.
    GENERATION.fetch_add(1, Ordering::AcqRel);
    INSTALL_LOCK.store(false, Ordering::Release);
}

#[cfg(unix)]
fn install_atfork() {
    extern "C" {
        fn pthread_atfork(
            prepare: Option<extern "C" fn()>,
            parent: Option<extern "C" fn()>,
            child: Option<extern "C" fn()>,
        ) -> std::os::raw::c_int;
    }
    ATFORK.call_once(|| {
        // SAFETY: registering a handler that only touches atomics.
        unsafe {
            pthread_atfork(None, None, Some(atfork_child));
        }
    });
}

#[cfg(not(unix))]
fn install_atfork() {
    ATFORK.call_once(|| {});
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_on_runs_and_reuses_the_runtime() {
        let a = runtime() as *const Runtime;
        assert_eq!(block_on(async { 40 + 2 }), 42);
        assert_eq!(a, runtime() as *const Runtime);
    }

    #[test]
    fn block_on_inside_a_runtime_does_not_panic() {
        let outer = Builder::new_current_thread().build().unwrap();
        let v = outer.block_on(async { block_on(async { 7 }) });
        assert_eq!(v, 7);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_forked_child_gets_a_fresh_runtime() {
        extern "C" {
            fn fork() -> i32;
            fn waitpid(pid: i32, status: *mut i32, options: i32) -> i32;
            fn _exit(code: i32) -> !;
        }
        assert_eq!(block_on(async { 1 }), 1);
        let before = generation();
        // SAFETY: the child only runs our code and exits with _exit.
        let pid = unsafe { fork() };
        if pid == 0 {
            let ok = generation() == before + 1
                && block_on(async {
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    3
                }) == 3;
            unsafe { _exit(if ok { 0 } else { 1 }) }
        }
        let mut status = 0;
        unsafe { waitpid(pid, &mut status, 0) };
        assert_eq!(status, 0, "child failed to use a fresh runtime");
        assert_eq!(generation(), before);
    }
}
