//! # descope_mgmt: the C binding of descope-mgmt
//!
//! A thin C ABI over the core crate's blocking facade (`BlockingClient`), built as
//! `libdescope_mgmt.so` and `libdescope_mgmt.a`. The header `include/descope_mgmt.h` is
//! generated from this crate by cbindgen (config: `bindings-c/cbindgen.toml`).
//!
//! Conventions, shared by every function:
//! - Every name starts with `descope_mgmt_` (types, functions) or `DESCOPE_MGMT_` (macros,
//!   enum constants). Objects are opaque handles.
//! - A fallible call returns a `descope_mgmt_status` (`DESCOPE_MGMT_STATUS_OK` is 0) and takes
//!   an optional `descope_mgmt_error **err`: when `err` is not NULL, `*err` is set to NULL on
//!   success and to a new error object (free it with `descope_mgmt_error_free`) on failure.
//! - Out-parameters are set to NULL on failure and to a new object on success.
//! - Input strings are UTF-8 and NUL-terminated, borrowed for the duration of the call only.
//!   A NULL where a value is required gives `DESCOPE_MGMT_STATUS_NULL_ARGUMENT`, bytes that
//!   are not UTF-8 give `DESCOPE_MGMT_STATUS_INVALID_UTF8`: never a crash.
//! - Everything the library returns has its own free function, and every free function
//!   accepts NULL. Never pass library memory to libc `free()`.
//! - A `const char *` returned by an accessor is borrowed from its object and stays valid
//!   until that object is freed.
//! - One client may be used from many threads at once; result and error objects are
//!   immutable and may be read from many threads at once.
//! - A Rust panic never crosses the boundary: the call returns `DESCOPE_MGMT_STATUS_PANIC`
//!   (or NULL / 0 / false for accessors).
#![allow(non_camel_case_types)]
// Every pointer argument is checked for NULL before use; the C caller promises the rest
// (valid, NUL-terminated, alive for the call), as documented on each function.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

// The C type families, declared in the order the header presents them (cbindgen follows
// this order).
mod version;

mod status;

mod error;

mod strings;

mod logs;

mod hooks;

mod client;

mod call_options;

mod call_meta;

mod access_keys;

mod tenant_tokens;

mod dcr_templates;

// Internal helpers; nothing in them is exported.
//
// Every module imports only from the layers below its own, so the modules form no cycle:
//   panic, convert                              (import no other module)
//   status, version, strings                    -> panic
//   error                                       -> status, panic, convert
//   args                                        -> error
//   boundary (call, call_out, json_out)         -> error, status, convert
//   logs                                        -> convert
//   hooks                                       -> status, convert
//   client                                      -> logs, hooks, boundary, args, and the layers below
//   call_options                                -> client, boundary, args, and the layers below
//   call_meta                                   -> panic, convert
//   access_keys, tenant_tokens, dcr_templates   -> call_meta, client, boundary, args, and the layers below
mod panic;

mod convert;

mod args;

mod boundary;

pub use access_keys::*;
pub use call_meta::*;
pub use call_options::*;
pub use client::*;
pub use dcr_templates::*;
pub use error::*;
pub use hooks::{descope_mgmt_call_event, descope_mgmt_hook_fn};
pub use logs::{descope_mgmt_log_fn, descope_mgmt_log_level};
pub use status::*;
pub use strings::*;
pub use tenant_tokens::*;
pub use version::*;
