//! What this project's Python, Node and C bindings need from the core beyond the Rust API:
//! schema-driven input decoding, the batch cap check, the send-state tracker, the shared
//! runtime, and the client options as every binding's constructor names them. Not part of
//! the Rust API: hidden from the docs and free to change in any release.

pub use crate::chunked_upload::{check_chunk_size, TokenChunks, TokenChunksWriter};
pub use crate::input::{
    decode_from, decode_input, decode_input_json, is_showable_field_name, Read, Source,
};
pub use crate::options::{
    option_names, Binding, ClientOption, ClientOptions, OptionKind, ViewOptions,
};
pub use crate::retry::Call;
pub use crate::send_state::SendState;
pub use crate::tenant_tokens::check_batch_len;
pub use crate::token_batch::{TokenBatch, TokenBatchWriter, TokenView};

/// Uploads a checked batch: [`Client::batch_upload_tenant_tokens`](crate::Client::batch_upload_tenant_tokens) after its checks.
pub async fn upload_token_batch(client: &crate::Client, batch: &TokenBatch) -> crate::Result<()> {
    client.upload_token_batch(batch).await
}

/// The runtime every client shares (one per process, rebuilt after `fork`).
pub mod runtime {
    pub use crate::runtime::*;
}
