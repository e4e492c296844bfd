//! The asyncio side of `AsyncClient`: awaitable calls whose results are handed to the
//! event loop through a per-loop completion queue and a wake-up file descriptor, so the
//! runtime threads never take the GIL.
//!
//! A call ([`AsyncCall`]) is a coroutine-like object. When first stepped (by `await`, a
//! `Task`, `asyncio.run`, ...) on a running loop, it creates `loop.create_future()`,
//! spawns the core future on the shared runtime and yields that future. When the core
//! future finishes, the runtime thread pushes the outcome (plain Rust data) onto the
//! loop's [`Queue`](completion::Queue) and writes the wake-up fd only if the queue was
//! empty. The loop, which watches that fd with `loop.add_reader`, then runs
//! [`LoopBridge::drain`](bridge::LoopBridge::drain) on its own thread: it converts every
//! queued outcome to Python objects and settles the futures (`set_result` /
//! `set_exception`) in one batch.
//!
//! Cancellation follows the call's [`OnCancel`] policy. A call that is safe to repeat (the
//! batch upload) is aborted at once. A call that is not (rotate, create) is aborted only if
//! its request cannot have reached the server yet; otherwise the cancellation is swallowed
//! and the call's outcome (its result, or its typed error) is delivered anyway, so an
//! applied rotation never hides behind a `CancelledError`. The decision is taken by the
//! call's own task between two polls (see [`run_call`](cancel::run_call)), so it cannot
//! race with the send.
//!
//! One concern per file: `wake_fd` (the wake-up fd), `completion` (outcomes and the queue
//! they travel through), `futures` (asyncio's side, seen from Rust), `bridge` (a loop's
//! end of the bridge and the registry of loops), `cancel` (the cancellation policy) and
//! `call` (the awaitable).

mod bridge;
mod call;
mod cancel;
mod completion;
mod futures;
mod wake_fd;

pub use call::AsyncCall;
pub use cancel::OnCancel;
