//! The safe logs in C: a callback that receives each record's level and `key=value` line.
//!
//! Set `log_level` (or `DESCOPE_MGMT_LOG`) and, optionally, `log_fn` and `log_user_data` in
//! `descope_mgmt_options`. A call's records are handed over on the thread that made the
//! call, just before the call returns (never from the library's own threads); without a
//! callback they are written to stderr, one line each. No record holds a header value, a
//! body, a token, a cleartext or the management key.

use std::ffi::{c_char, c_void};
use std::sync::Arc;

use dm::logs::{LogLevel, LogQueue};

use crate::convert::{assert_send_sync, cstring};

/// The level of a log record (`DESCOPE_MGMT_LOG_LEVEL_ERROR` is the least verbose).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum descope_mgmt_log_level {
    /// A failed call.
    Error = 1,
    /// A retry, or a `Retry-After` wait.
    Warn = 2,
    /// One record per call.
    Info = 3,
    /// Every attempt's request and answer (header names and body sizes, never values).
    Debug = 4,
}

/// Receives one log record: its level, its line (NUL-terminated, valid only during the
/// call) and the `log_user_data` of the options. Called on the thread that made the call.
pub type descope_mgmt_log_fn = Option<
    unsafe extern "C" fn(
        level: descope_mgmt_log_level,
        line: *const c_char,
        user_data: *mut c_void,
    ),
>;

/// The caller's `log_user_data`, passed back as it is. The caller makes it safe to use from
/// whichever thread makes a call.
#[derive(Clone, Copy)]
struct UserData(*mut c_void);

// SAFETY: the library only hands the pointer back to the caller's callback, on the
// caller's own threads; what it points to is the caller's to synchronise.
unsafe impl Send for UserData {}
// SAFETY: as above.
unsafe impl Sync for UserData {}

/// Where a client's records go.
#[derive(Clone)]
pub(crate) struct LogTarget {
    queue: Arc<LogQueue>,
    callback: descope_mgmt_log_fn,
    user_data: UserData,
}

const _: () = assert_send_sync::<LogTarget>();

impl LogTarget {
    /// Records of `queue` go to `callback` (stderr when NULL).
    pub(crate) fn new(
        queue: Arc<LogQueue>,
        callback: descope_mgmt_log_fn,
        user_data: *mut c_void,
    ) -> Self {
        LogTarget {
            queue,
            callback,
            user_data: UserData(user_data),
        }
    }

    /// Hands the queued records over, oldest first.
    pub(crate) fn flush(&self) {
        for r in self.queue.drain() {
            let line = r.line();
            match self.callback {
                Some(f) => {
                    let level = match r.level {
                        LogLevel::Error => descope_mgmt_log_level::Error,
                        LogLevel::Warn => descope_mgmt_log_level::Warn,
                        LogLevel::Info => descope_mgmt_log_level::Info,
                        LogLevel::Debug => descope_mgmt_log_level::Debug,
                    };
                    let line = cstring(&line);
                    // SAFETY: the caller's callback, with a valid string for the call's
                    // duration and the caller's own pointer.
                    unsafe { f(level, line.as_ptr(), self.user_data.0) };
                }
                None => eprintln!("{line}"),
            }
        }
    }
}
