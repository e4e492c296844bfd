//! `descope_mgmt_client_with_options`: a client handle whose calls use other settings.

use std::ffi::c_char;
use std::mem::size_of;
use std::ptr;

use dm::bindings::{Binding, ClientOption, ViewOptions};

use crate::args::opt_str_arg;
use crate::boundary::{call, call_out};
use crate::client::{client_arg, descope_mgmt_client, DESCOPE_MGMT_UNSET};
use crate::error::{descope_mgmt_error, Failure, FfiResult};
use crate::status::descope_mgmt_status;

/// What `descope_mgmt_client_with_options` overrides. Start with
/// `descope_mgmt_call_options_init` (every field unset), then set what you need: a negative
/// number (`DESCOPE_MGMT_UNSET`) or NULL keeps the client's setting.
///
/// ABI: new fields are only ever appended; `struct_size` tells the library which fields
/// the caller knows.
#[repr(C)]
pub struct descope_mgmt_call_options {
    /// `sizeof(descope_mgmt_call_options)`, set by `descope_mgmt_call_options_init`.
    pub struct_size: usize,
    /// Total time of one attempt, in milliseconds (0 is a `CONFIG` error).
    pub timeout_ms: i64,
    /// Automatic retries of a request that certainly was not applied (0 to 10).
    pub max_retries: i32,
    /// The longest `Retry-After` waited on automatically, in milliseconds (0 never waits).
    pub max_retry_wait_ms: i64,
    /// Sent as `x-external-rid` on every call through the view (and each retry) instead of
    /// a fresh random id: 1 to 128 printable ASCII characters without spaces. Copied.
    pub external_request_id: *const c_char,
    /// The time allowed to open a connection, in milliseconds (0 is a `CONFIG` error).
    /// Added in the second version, with the two fields after it.
    pub connect_timeout_ms: i64,
    /// A W3C `traceparent` to send (`00-<32 hex>-<16 hex>-<2 hex>`), or NULL. Copied.
    pub traceparent: *const c_char,
    /// The W3C `tracestate` sent with `traceparent`, or NULL. Copied.
    pub tracestate: *const c_char,
}

/// The size of the first version of `descope_mgmt_call_options`.
const CALL_OPTIONS_V1_SIZE: usize =
    std::mem::offset_of!(descope_mgmt_call_options, external_request_id)
        + size_of::<*const c_char>();

/// The size a caller's struct needs for `connect_timeout_ms`, `traceparent` and
/// `tracestate`.
const CALL_OPTIONS_V2_SIZE: usize =
    std::mem::offset_of!(descope_mgmt_call_options, tracestate) + size_of::<*const c_char>();

/// Fills `options` with "unset" everywhere and sets `struct_size`.
#[no_mangle]
pub extern "C" fn descope_mgmt_call_options_init(
    options: *mut descope_mgmt_call_options,
) -> descope_mgmt_status {
    call(ptr::null_mut(), || {
        if options.is_null() {
            return Err(Failure::null("options"));
        }
        let unset = descope_mgmt_call_options {
            struct_size: size_of::<descope_mgmt_call_options>(),
            timeout_ms: DESCOPE_MGMT_UNSET.into(),
            max_retries: DESCOPE_MGMT_UNSET,
            max_retry_wait_ms: DESCOPE_MGMT_UNSET.into(),
            external_request_id: ptr::null(),
            connect_timeout_ms: DESCOPE_MGMT_UNSET.into(),
            traceparent: ptr::null(),
            tracestate: ptr::null(),
        };
        // SAFETY: not NULL; the caller passes a writable `descope_mgmt_call_options`.
        unsafe { options.write(unset) };
        Ok(())
    })
}

/// Creates a client handle whose calls use `options` over the settings of `client`,
/// sharing its connection pool and log callback; cheap to make for one call. `options`
/// may be NULL (the same settings). Free the new handle with `descope_mgmt_client_free`
/// (independently of `client`, which must outlive no call: the pool lives until both are
/// freed).
#[no_mangle]
pub extern "C" fn descope_mgmt_client_with_options(
    client: *const descope_mgmt_client,
    options: *const descope_mgmt_call_options,
    out: *mut *mut descope_mgmt_client,
    err: *mut *mut descope_mgmt_error,
) -> descope_mgmt_status {
    call_out(out, "out", err, || {
        let base = client_arg(client)?;
        let view = view_options(options)?.apply(base.client())?;
        Ok(base.handle().view(dm::BlockingClient::new(view)))
    })
}

fn view_options(options: *const descope_mgmt_call_options) -> FfiResult<ViewOptions> {
    let mut out = ViewOptions::new(Binding::C);
    if options.is_null() {
        return Ok(out);
    }
    // SAFETY: not NULL; `struct_size` is the first field of every version of the struct.
    let size = unsafe { ptr::addr_of!((*options).struct_size).read() };
    if size < CALL_OPTIONS_V1_SIZE {
        return Err(Failure::invalid(format!(
            "options.struct_size is {size}, expected at least {CALL_OPTIONS_V1_SIZE}: initialise the options with descope_mgmt_call_options_init"
        )));
    }
    // Fields are read one by one through raw pointers: the caller's struct may be the
    // first, smaller version.
    macro_rules! field {
        ($name:ident) => {
            // SAFETY: not NULL, and `size` covers the field (checked before each use).
            unsafe { ptr::addr_of!((*options).$name).read() }
        };
    }
    let (connect_timeout_ms, traceparent, tracestate) = if size >= CALL_OPTIONS_V2_SIZE {
        (
            field!(connect_timeout_ms),
            field!(traceparent),
            field!(tracestate),
        )
    } else {
        (DESCOPE_MGMT_UNSET.into(), ptr::null(), ptr::null())
    };
    let numbers = [
        (ClientOption::Timeout, field!(timeout_ms)),
        (ClientOption::ConnectTimeout, connect_timeout_ms),
        (ClientOption::MaxRetries, field!(max_retries).into()),
        (ClientOption::MaxRetryWait, field!(max_retry_wait_ms)),
    ];
    for (option, n) in numbers {
        if n >= 0 {
            out.set_number(option, n as f64)?;
        }
    }
    let name = ViewOptions::external_request_id_name(Binding::C);
    if let Some(id) = opt_str_arg(field!(external_request_id), &format!("options.{name}"))? {
        out.set_external_request_id(id.to_owned());
    }
    for (name, p) in ViewOptions::TRACE_CONTEXT
        .into_iter()
        .zip([traceparent, tracestate])
    {
        if let Some(v) = opt_str_arg(p, &format!("options.{name}"))? {
            out.set_trace_context(name, v.to_owned());
        }
    }
    Ok(out)
}
