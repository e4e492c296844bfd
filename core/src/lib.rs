//! # descope-mgmt
//!
//! A fast, typed client for three Descope Management API calls, shared by the Python,
//! Node.js and C bindings of this project:
//!
//! - [`Client::rotate_access_key`]: `POST /v1/mgmt/accesskey/rotate`
//! - [`Client::batch_upload_tenant_tokens`]: `POST /v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload`
//!   ([`Client::upload_tenant_tokens`] sends any number of tokens in chunks of that call)
//! - [`Client::create_dcr_template`]: `POST /v1/mgmt/resource/dynamic-registration-template/create`
//!
//! Input is validated before anything is sent. A call that may already have been applied
//! is never resent unless it is safe to repeat: a resent rotate could be overtaken by the
//! original applied late, leaving a secret that no longer works, so such a failure is
//! [`ErrorCode::OutcomeUnknown`] instead. Secrets
//! (the management key, a rotated key's cleartext, OAuth tokens) are [`Secret`]s that never
//! appear in `Debug` output or error messages.
//!
//! ```no_run
//! # async fn demo() -> descope_mgmt::Result<()> {
//! let client = descope_mgmt::Client::from_env()?;
//! let rotated = client.rotate_access_key("K2abc").await?;
//! println!("new secret for {}: {}", rotated.key.id, rotated.cleartext.expose());
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod access_keys;
mod batch_upload;
#[doc(hidden)]
pub mod bindings;
pub mod blocking;
mod call_meta;
mod call_options;
mod chunked_upload;
mod client;
pub mod config;
mod dcr_templates;
mod error;
pub mod hooks;
mod input;
mod lenient;
pub mod logs;
mod network;
mod options;
mod request_ids;
mod response;
mod retry;
mod runtime;
mod secret;
mod send_state;
mod tenant_tokens;
mod token_batch;

pub use access_keys::{
    validate_access_key_id, AccessKey, KeyTenant, RotatedAccessKey, ROTATE_PATH,
};
pub use blocking::BlockingClient;
pub use call_meta::CallMeta;
pub use call_options::CallOptions;
pub use chunked_upload::{UploadError, UploadOptions, UploadProgress, DEFAULT_CHUNK_SIZE};
pub use client::Client;
pub use config::ClientBuilder;
pub use dcr_templates::{
    DcrTemplate, NewDcrTemplate, ReturnedSessionSettings, SessionSettings,
    CREATE_DCR_TEMPLATE_PATH, EXPIRATION_UNITS,
};
pub use error::{BatchFailure, Error, ErrorCode, Result};
pub use secret::Secret;
pub use send_state::SendState;
pub use tenant_tokens::{validate_tenant_tokens, TenantToken, BATCH_UPLOAD_PATH, MAX_BATCH_TOKENS};
