//! The client handle and its options.

use dm::bindings::{Binding, ClientOption, ClientOptions};
use dm::BlockingClient;
use std::ffi::{c_char, c_void};
use std::mem::size_of;
use std::ptr;

use crate::args::opt_str_arg;
use crate::boundary::{call, call_out};
use crate::convert::{assert_send_sync, handle};
use crate::error::{descope_mgmt_error, Failure, FfiResult};
use crate::hooks::descope_mgmt_hook_fn;
use crate::logs::{descope_mgmt_log_fn, LogTarget};
use crate::panic::free_box;
use crate::status::descope_mgmt_status;

/// Marks a numeric option or field as not set: the library default is used (or, for a
/// request field, nothing is sent).
pub const DESCOPE_MGMT_UNSET: i32 = -1;

/// A Descope Management API client. Opaque; create it with `descope_mgmt_client_new` or
/// `descope_mgmt_client_from_env`, free it with `descope_mgmt_client_free`.
///
/// One client may be used from many threads at once (all calls take a `const` pointer and
/// share one connection pool); free it only after every call using it has returned.
pub struct descope_mgmt_client {
    inner: BlockingClient,
    logs: LogTarget,
}

// The client is used from many threads at once.
const _: () = assert_send_sync::<descope_mgmt_client>();

impl descope_mgmt_client {
    /// The blocking core client.
    pub(crate) fn blocking(&self) -> &BlockingClient {
        &self.inner
    }

    /// A client handle over `view` (a view of this client) that logs where this one does.
    pub(crate) fn view(&self, view: BlockingClient) -> descope_mgmt_client {
        descope_mgmt_client {
            inner: view,
            logs: self.logs.clone(),
        }
    }
}

/// Settings for `descope_mgmt_client_new`.
///
/// Always start with `descope_mgmt_options_init`, which sets `struct_size` and every field
/// to "unset", then set what you need:
/// - a NULL string falls back to the environment (`DESCOPE_PROJECT_ID`,
///   `DESCOPE_MANAGEMENT_KEY`, `DESCOPE_BASE_URI`; without a base URL, one is derived from
///   the project id);
/// - a negative number (`DESCOPE_MGMT_UNSET`) means the library default.
///
/// ABI: new fields are only ever appended. `struct_size` tells the library which fields
/// the caller knows; fields past it take their defaults, and fields the library does not
/// know are ignored.
#[repr(C)]
pub struct descope_mgmt_options {
    /// `sizeof(descope_mgmt_options)`, set by `descope_mgmt_options_init`.
    pub struct_size: usize,
    /// The Descope project id, or NULL for `DESCOPE_PROJECT_ID`.
    pub project_id: *const c_char,
    /// The management key, or NULL for `DESCOPE_MANAGEMENT_KEY`. Copied; never logged.
    pub management_key: *const c_char,
    /// The base URL (e.g. `https://api.descope.com`; `http://` only for loopback hosts), or
    /// NULL for `DESCOPE_BASE_URI` or the URL derived from the project id.
    pub base_url: *const c_char,
    /// Total time allowed for one attempt of a call, in milliseconds (default 60000). 0 is
    /// a `CONFIG` error.
    pub timeout_ms: i64,
    /// Time allowed to connect, in milliseconds (default 10000, capped by `timeout_ms`).
    pub connect_timeout_ms: i64,
    /// Automatic retries of a request that certainly was not applied (default 2; 0 turns
    /// retries off).
    pub max_retries: i32,
    /// The longest `Retry-After` of a 429 that is waited on automatically, in milliseconds
    /// (default 10000; 0 never waits, returning `RATE_LIMITED` at once).
    pub max_retry_wait_ms: i64,
    /// How many requests the client runs at once, which bounds its open sockets (default
    /// 64, at most 4096; 0 is a `CONFIG` error). More calls wait for a free slot. Added in
    /// 0.1.0's second options version: callers built against the first one get the default.
    pub max_connections: i32,
    /// The proxy every request goes through, `http(s)://[user:password@]host:port` (its
    /// credentials are never shown), or NULL for `HTTPS_PROXY`, then `ALL_PROXY`; `""` turns
    /// those off. A loopback base URL never uses a proxy. Added in the third options version.
    pub proxy: *const c_char,
    /// Hosts that bypass the proxy, comma-separated, or NULL for `NO_PROXY`.
    pub no_proxy: *const c_char,
    /// A PEM file of CA certificates trusted besides the system's, or NULL for
    /// `DESCOPE_MGMT_CA_BUNDLE`, then `SSL_CERT_FILE` and `SSL_CERT_DIR`.
    pub ca_bundle: *const c_char,
    /// The safe logs' level: `"error"`, `"warn"`, `"info"` or `"debug"` (`"off"` turns off
    /// `DESCOPE_MGMT_LOG`, the default when NULL). Added in the fourth options version.
    pub log_level: *const c_char,
    /// Receives each log record on the thread that made the call, before the call returns;
    /// NULL writes them to stderr. No record holds a secret.
    pub log_fn: descope_mgmt_log_fn,
    /// Passed to `log_fn` as it is.
    pub log_user_data: *mut c_void,
    /// Called before each attempt is sent, on the thread that made the call (NULL: none).
    /// Added in the fifth options version, with the three fields after it.
    pub on_request: descope_mgmt_hook_fn,
    /// Called when an attempt is answered (any status).
    pub on_response: descope_mgmt_hook_fn,
    /// Called when an attempt failed and will be retried, before the wait.
    pub on_retry: descope_mgmt_hook_fn,
    /// Passed to the hooks as it is.
    pub hook_user_data: *mut c_void,
}

/// The size of the first version of `descope_mgmt_options`: every field up to
/// `max_retry_wait_ms` is required.
const OPTIONS_V1_SIZE: usize =
    std::mem::offset_of!(descope_mgmt_options, max_retry_wait_ms) + size_of::<i64>();

/// The size a caller's struct needs for `max_connections` to be read.
const OPTIONS_V2_SIZE: usize =
    std::mem::offset_of!(descope_mgmt_options, max_connections) + size_of::<i32>();

/// The size a caller's struct needs for `proxy`, `no_proxy` and `ca_bundle` to be read.
const OPTIONS_V3_SIZE: usize =
    std::mem::offset_of!(descope_mgmt_options, ca_bundle) + size_of::<*const c_char>();

/// The size a caller's struct needs for `log_level`, `log_fn` and `log_user_data`.
const OPTIONS_V4_SIZE: usize =
    std::mem::offset_of!(descope_mgmt_options, log_user_data) + size_of::<*mut c_void>();

/// The size a caller's struct needs for the hooks and `hook_user_data`.
const OPTIONS_V5_SIZE: usize =
    std::mem::offset_of!(descope_mgmt_options, hook_user_data) + size_of::<*mut c_void>();

/// Fills `options` with the defaults: `struct_size = sizeof(descope_mgmt_options)`, every
/// string NULL, every number `DESCOPE_MGMT_UNSET`.
#[no_mangle]
pub extern "C" fn descope_mgmt_options_init(
    options: *mut descope_mgmt_options,
) -> descope_mgmt_status {
    call(ptr::null_mut(), || {
        if options.is_null() {
            return Err(Failure::null("options"));
        }
        let defaults = descope_mgmt_options {
            struct_size: size_of::<descope_mgmt_options>(),
            project_id: ptr::null(),
            management_key: ptr::null(),
            base_url: ptr::null(),
            timeout_ms: DESCOPE_MGMT_UNSET.into(),
            connect_timeout_ms: DESCOPE_MGMT_UNSET.into(),
            max_retries: DESCOPE_MGMT_UNSET,
            max_retry_wait_ms: DESCOPE_MGMT_UNSET.into(),
            max_connections: DESCOPE_MGMT_UNSET,
            proxy: ptr::null(),
            no_proxy: ptr::null(),
            ca_bundle: ptr::null(),
            log_level: ptr::null(),
            log_fn: None,
            log_user_data: ptr::null_mut(),
            on_request: None,
            on_response: None,
            on_retry: None,
            hook_user_data: ptr::null_mut(),
        };
        // SAFETY: not NULL; the caller passes a writable `descope_mgmt_options`.
        unsafe { options.write(defaults) };
        Ok(())
    })
}

/// The fields of the first version of `descope_mgmt_options`.
struct OptionsV1 {
    project_id: *const c_char,
    management_key: *const c_char,
    base_url: *const c_char,
    timeout_ms: i64,
    connect_timeout_ms: i64,
    max_retries: i32,
    max_retry_wait_ms: i64,
}

/// The core's client options from `options` (NULL: none set). Strings that are NULL and
/// numbers that are negative (`DESCOPE_MGMT_UNSET`) are not set; the core checks the rest.
fn options_from(options: *const descope_mgmt_options) -> FfiResult<(ClientOptions, LogTarget)> {
    use ClientOption::*;
    let mut out = ClientOptions::new(Binding::C);
    let queue = out.log_queue();
    if options.is_null() {
        return Ok((out, LogTarget::new(queue, None, ptr::null_mut())));
    }
    // SAFETY: not NULL; `struct_size` is the first field of every version of the struct.
    // Only a raw read: the caller's struct may be smaller than this version's.
    let size = unsafe { ptr::addr_of!((*options).struct_size).read() };
    if size < OPTIONS_V1_SIZE {
        return Err(Failure::invalid(format!(
            "options.struct_size is {size}, expected at least {OPTIONS_V1_SIZE}: initialise the options with descope_mgmt_options_init"
        )));
    }
    // Fields are read one by one through raw pointers: the caller's struct may be an
    // older, smaller version than this one.
    macro_rules! field {
        ($name:ident) => {
            // SAFETY: not NULL, and `size` covers the field (checked by the caller of the macro).
            unsafe { ptr::addr_of!((*options).$name).read() }
        };
    }
    let o = OptionsV1 {
        project_id: field!(project_id),
        management_key: field!(management_key),
        base_url: field!(base_url),
        timeout_ms: field!(timeout_ms),
        connect_timeout_ms: field!(connect_timeout_ms),
        max_retries: field!(max_retries),
        max_retry_wait_ms: field!(max_retry_wait_ms),
    };
    let max_connections = if size >= OPTIONS_V2_SIZE {
        i64::from(field!(max_connections))
    } else {
        DESCOPE_MGMT_UNSET.into()
    };
    let (proxy, no_proxy, ca_bundle) = if size >= OPTIONS_V3_SIZE {
        (field!(proxy), field!(no_proxy), field!(ca_bundle))
    } else {
        (ptr::null(), ptr::null(), ptr::null())
    };
    let (log_level, log_fn, log_user_data) = if size >= OPTIONS_V4_SIZE {
        (field!(log_level), field!(log_fn), field!(log_user_data))
    } else {
        (ptr::null(), None, ptr::null_mut())
    };
    if size >= OPTIONS_V5_SIZE {
        out.hooks(crate::hooks::hooks(
            field!(on_request),
            field!(on_response),
            field!(on_retry),
            field!(hook_user_data),
        ));
    }
    for (option, p) in [
        (ProjectId, o.project_id),
        (ManagementKey, o.management_key),
        (BaseUrl, o.base_url),
        (Proxy, proxy),
        (NoProxy, no_proxy),
        (CaBundle, ca_bundle),
        (LogLevel, log_level),
    ] {
        if let Some(v) = opt_str_arg(p, &format!("options.{}", option.name(Binding::C)))? {
            out.set_text(option, v.to_owned())?;
        }
    }
    let numbers = [
        (Timeout, o.timeout_ms),
        (ConnectTimeout, o.connect_timeout_ms),
        (MaxRetries, o.max_retries.into()),
        (MaxRetryWait, o.max_retry_wait_ms),
        (MaxConnections, max_connections),
    ];
    for (option, n) in numbers {
        if n >= 0 {
            out.set_number(option, n as f64)?;
        }
    }
    Ok((out, LogTarget::new(queue, log_fn, log_user_data)))
}

/// Creates a client. `options` may be NULL (every setting from the environment and the
/// defaults). No network I/O happens here. On success `*out` is the new client (free it
/// with `descope_mgmt_client_free`); on failure it is NULL and the status is typically
/// `DESCOPE_MGMT_STATUS_CONFIG` (e.g. a missing project id names the variable to set).
#[no_mangle]
pub extern "C" fn descope_mgmt_client_new(
    options: *const descope_mgmt_options,
    out: *mut *mut descope_mgmt_client,
    err: *mut *mut descope_mgmt_error,
) -> descope_mgmt_status {
    call_out(out, "out", err, || {
        let (options, logs) = options_from(options)?;
        Ok(descope_mgmt_client {
            inner: BlockingClient::new(options.build()?),
            logs,
        })
    })
}

/// Creates a client from `DESCOPE_PROJECT_ID`, `DESCOPE_MANAGEMENT_KEY` and (when set)
/// `DESCOPE_BASE_URI`, with default settings. Same as `descope_mgmt_client_new(NULL, ...)`.
#[no_mangle]
pub extern "C" fn descope_mgmt_client_from_env(
    out: *mut *mut descope_mgmt_client,
    err: *mut *mut descope_mgmt_error,
) -> descope_mgmt_status {
    descope_mgmt_client_new(ptr::null(), out, err)
}

/// Frees a client. NULL is a no-op. Every call using the client must have returned.
#[no_mangle]
pub extern "C" fn descope_mgmt_client_free(client: *mut descope_mgmt_client) {
    free_box(client);
}

/// Borrows the client argument of a call. When the borrow ends (the call is about to
/// return), the call's log records are handed to the client's log callback, on this thread.
pub(crate) fn client_arg<'a>(client: *const descope_mgmt_client) -> FfiResult<ClientCall<'a>> {
    handle(client)
        .map(|client| ClientCall { client })
        .ok_or_else(|| Failure::null("client"))
}

/// A client borrowed by one call; see [`client_arg`].
pub(crate) struct ClientCall<'a> {
    client: &'a descope_mgmt_client,
}

impl<'a> ClientCall<'a> {
    /// The client handle itself.
    pub(crate) fn handle(&self) -> &'a descope_mgmt_client {
        self.client
    }
}

impl std::ops::Deref for ClientCall<'_> {
    type Target = BlockingClient;

    fn deref(&self) -> &BlockingClient {
        self.client.blocking()
    }
}

impl Drop for ClientCall<'_> {
    fn drop(&mut self) {
        self.client.logs.flush();
    }
}
