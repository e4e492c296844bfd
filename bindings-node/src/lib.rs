//! # descope-mgmt-node
//!
//! The Node.js binding of `descope-mgmt`, published on npm as `descope-mgmt`. It is thin:
//! it converts JavaScript arguments into the core's types, runs every call on the core's
//! shared tokio runtime, and turns the core's errors into `DescopeError` (or `TypeError`)
//! instances it creates itself, with the class `index.js` registers at load time
//! ([`set_error_class`]).
//!
//! Nothing runs when the addon is loaded: the runtime and connection pools start on the
//! first call.
//!
//! Every export is declared `catch_unwind`: a panic (a bug) becomes a JavaScript exception
//! instead of aborting the process.

#![warn(missing_docs)]

mod abort;
mod arguments;
mod call_meta;
mod client;
mod errors;
mod js_reader;
mod logs;
mod promise;
mod rotated_access_key;

pub use abort::{abort_call, new_abort_gate};
pub use client::Client;
pub use errors::{error_codes, set_error_class};
pub use rotated_access_key::{
    rotated_access_key_cleartext, rotated_access_key_id, rotated_access_key_key,
    rotated_access_key_meta,
};
