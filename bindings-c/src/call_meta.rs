//! `descope_mgmt_call_meta`: how the call that made a result went.

use std::ffi::{c_char, CString};
use std::ptr;

use dm::CallMeta;

use crate::convert::{assert_send_sync, cstring, handle};
use crate::panic::guard;

/// How the call that made a result went: the server's request id, the correlation id sent
/// as `x-external-rid`, the HTTP status, the attempts and the time. Opaque and borrowed from
/// its result (`descope_mgmt_rotated_key_meta`, `descope_mgmt_dcr_template_meta`): valid
/// while the result is, never freed on its own.
pub struct descope_mgmt_call_meta {
    request_id: Option<CString>,
    external_request_id: CString,
    status: u16,
    attempts: u32,
    elapsed_ms: u64,
}

const _: () = assert_send_sync::<descope_mgmt_call_meta>();

impl descope_mgmt_call_meta {
    pub(crate) fn new(m: &CallMeta) -> Self {
        descope_mgmt_call_meta {
            request_id: m.request_id.as_deref().map(cstring),
            external_request_id: cstring(&m.external_request_id),
            status: m.status,
            attempts: m.attempts,
            elapsed_ms: m.elapsed.as_millis().try_into().unwrap_or(u64::MAX),
        }
    }
}

/// The server's id of the answer (`cf-ray`, else `x-request-id`), for support; NULL when it
/// sent none or `meta` is NULL. Borrowed.
#[no_mangle]
pub extern "C" fn descope_mgmt_call_meta_request_id(
    meta: *const descope_mgmt_call_meta,
) -> *const c_char {
    guard(ptr::null(), || {
        handle(meta)
            .and_then(|m| m.request_id.as_ref())
            .map_or(ptr::null(), |s| s.as_ptr())
    })
}

/// The correlation id sent as `x-external-rid`; NULL when `meta` is NULL. Borrowed.
#[no_mangle]
pub extern "C" fn descope_mgmt_call_meta_external_request_id(
    meta: *const descope_mgmt_call_meta,
) -> *const c_char {
    guard(ptr::null(), || {
        handle(meta).map_or(ptr::null(), |m| m.external_request_id.as_ptr())
    })
}

/// The answer's HTTP status; 0 when `meta` is NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_call_meta_http_status(meta: *const descope_mgmt_call_meta) -> u16 {
    guard(0, || handle(meta).map_or(0, |m| m.status))
}

/// The attempts the call took; 0 when `meta` is NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_call_meta_attempts(meta: *const descope_mgmt_call_meta) -> u32 {
    guard(0, || handle(meta).map_or(0, |m| m.attempts))
}

/// The call's time in milliseconds; 0 when `meta` is NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_call_meta_elapsed_ms(meta: *const descope_mgmt_call_meta) -> u64 {
    guard(0, || handle(meta).map_or(0, |m| m.elapsed_ms))
}
