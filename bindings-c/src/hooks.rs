//! Hooks in C: `on_request`, `on_response` and `on_retry` function pointers in
//! `descope_mgmt_options`, each called with a `descope_mgmt_call_event` and the options'
//! `hook_user_data`.
//!
//! A hook is called on the thread that made the call, while the call runs (before the
//! attempt is sent, when it is answered, before a retry's wait), so it must be quick and
//! must not call back into the same client. The event and its strings are valid only
//! during the call to the hook. No event holds a header value, a body, a token, a
//! cleartext or the management key.

use std::ffi::{c_char, c_void, CString};
use std::mem::size_of;
use std::ptr;

use dm::hooks::{CallEvent, Hooks};

use crate::convert::{cstring, opt_cstring, opt_ptr};
use crate::status::descope_mgmt_status;

/// One attempt's request, answer or retry, as a hook receives it.
///
/// ABI: new fields are only ever appended; `struct_size` says which fields exist.
#[repr(C)]
pub struct descope_mgmt_call_event {
    /// `sizeof(descope_mgmt_call_event)` of the library that made it.
    pub struct_size: usize,
    /// `"request"`, `"response"` or `"retry"`.
    pub event: *const c_char,
    /// `"rotate_access_key"`, `"batch_upload_tenant_tokens"` or `"create_dcr_template"`.
    pub call: *const c_char,
    /// The HTTP method.
    pub method: *const c_char,
    /// The request path.
    pub path: *const c_char,
    /// The answer's HTTP status, or 0 when there was none.
    pub status: i32,
    /// For a retry after no answer, `DESCOPE_MGMT_STATUS_CONNECTION` or
    /// `DESCOPE_MGMT_STATUS_TIMEOUT`; otherwise `DESCOPE_MGMT_STATUS_OK`.
    pub code: descope_mgmt_status,
    /// The attempt, 1 for the first.
    pub attempt: u32,
    /// For a retry, the wait before the next attempt in milliseconds; otherwise -1.
    pub retry_in_ms: i64,
    /// Milliseconds since the attempt (request, response) or the call (retry) began.
    pub elapsed_ms: u64,
    /// The server's id of the last answer (`cf-ray`, else `x-request-id`), or NULL.
    pub request_id: *const c_char,
    /// The correlation id sent as `x-external-rid`.
    pub external_request_id: *const c_char,
    /// The access key id of a rotate, or NULL.
    pub key_id: *const c_char,
    /// The size of the body sent (request) or received (response), or -1.
    pub body_bytes: i64,
}

/// A hook: receives one event (valid only during the call) and the options'
/// `hook_user_data`. Called on the thread that made the call.
pub type descope_mgmt_hook_fn =
    Option<unsafe extern "C" fn(event: *const descope_mgmt_call_event, user_data: *mut c_void)>;

/// The caller's `hook_user_data`, passed back as it is.
#[derive(Clone, Copy)]
struct UserData(*mut c_void);

// SAFETY: the library only hands the pointer back to the caller's hooks, on the threads
// that make the calls; what it points to is the caller's to synchronise.
unsafe impl Send for UserData {}
// SAFETY: as above.
unsafe impl Sync for UserData {}

/// The core hooks that call the caller's function pointers (NULL ones are not set).
pub(crate) fn hooks(
    on_request: descope_mgmt_hook_fn,
    on_response: descope_mgmt_hook_fn,
    on_retry: descope_mgmt_hook_fn,
    user_data: *mut c_void,
) -> Hooks {
    let data = UserData(user_data);
    let caller = |f: unsafe extern "C" fn(*const descope_mgmt_call_event, *mut c_void)| {
        move |e: &CallEvent| {
            let data = data;
            call_hook(f, e, data.0);
        }
    };
    let mut h = Hooks::new();
    if let Some(f) = on_request {
        h = h.on_request(caller(f));
    }
    if let Some(f) = on_response {
        h = h.on_response(caller(f));
    }
    if let Some(f) = on_retry {
        h = h.on_retry(caller(f));
    }
    h
}

fn call_hook(
    f: unsafe extern "C" fn(*const descope_mgmt_call_event, *mut c_void),
    e: &CallEvent,
    user_data: *mut c_void,
) {
    let texts: [CString; 5] = [
        cstring(e.event.as_str()),
        cstring(e.call),
        cstring(e.method),
        cstring(e.path),
        cstring(&e.external_request_id),
    ];
    let request_id = opt_cstring(e.request_id.as_deref());
    let key_id = opt_cstring(e.key_id.as_deref());
    let event = descope_mgmt_call_event {
        struct_size: size_of::<descope_mgmt_call_event>(),
        event: texts[0].as_ptr(),
        call: texts[1].as_ptr(),
        method: texts[2].as_ptr(),
        path: texts[3].as_ptr(),
        status: e.status.map_or(0, i32::from),
        code: e
            .code
            .map_or(descope_mgmt_status::Ok, descope_mgmt_status::from_code),
        attempt: e.attempt,
        retry_in_ms: e
            .retry_in_ms
            .map_or(-1, |ms| ms.min(i64::MAX as u64) as i64),
        elapsed_ms: e.elapsed_ms,
        request_id: opt_ptr(&request_id),
        external_request_id: texts[4].as_ptr(),
        key_id: opt_ptr(&key_id),
        body_bytes: e.body_bytes.map_or(-1, |n| n as i64),
    };
    // SAFETY: the caller's hook, with an event (and strings) valid for the call's duration
    // and the caller's own pointer.
    unsafe { f(ptr::addr_of!(event), user_data) };
}
