//! A blocking facade over [`Client`], driven by the runtime every client shares.
//! Used by the C binding and by synchronous Rust programs.

use crate::access_keys::RotatedAccessKey;
use crate::chunked_upload::{UploadError, UploadOptions, UploadProgress};
use crate::dcr_templates::{DcrTemplate, NewDcrTemplate};
use crate::error::Result;
use crate::runtime;
use crate::tenant_tokens::TenantToken;
use crate::Client;

/// The same calls as [`Client`], blocking the calling thread. Cheap to clone; safe to
/// share across threads; works in a forked child.
#[derive(Clone, Debug)]
pub struct BlockingClient {
    client: Client,
}

impl BlockingClient {
    /// Wraps an async client.
    pub fn new(client: Client) -> Self {
        BlockingClient { client }
    }

    /// A view with `options` over this client's settings, sharing its connection pool
    /// (see [`Client::with_options`]).
    pub fn with_options(&self, options: crate::CallOptions) -> Result<BlockingClient> {
        Ok(BlockingClient::new(self.client.with_options(options)?))
    }

    /// The underlying async client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Blocking [`Client::rotate_access_key`].
    pub fn rotate_access_key(&self, id: &str) -> Result<RotatedAccessKey> {
        runtime::block_on(self.client.rotate_access_key(id))
    }

    /// Blocking [`Client::batch_upload_tenant_tokens`].
    pub fn batch_upload_tenant_tokens(&self, tokens: &[TenantToken]) -> Result<()> {
        runtime::block_on(self.client.batch_upload_tenant_tokens(tokens))
    }

    /// Blocking [`Client::upload_tenant_tokens`]: the progress callback runs on a runtime
    /// thread.
    pub fn upload_tenant_tokens<I>(
        &self,
        tokens: I,
        options: UploadOptions<'_>,
    ) -> std::result::Result<UploadProgress, UploadError>
    where
        I: IntoIterator<Item = TenantToken>,
    {
        runtime::block_on(self.client.upload_tenant_tokens(tokens, options))
    }

    /// Blocking [`Client::create_dcr_template`].
    pub fn create_dcr_template(&self, template: &NewDcrTemplate) -> Result<DcrTemplate> {
        runtime::block_on(self.client.create_dcr_template(template))
    }
}

impl From<Client> for BlockingClient {
    fn from(client: Client) -> Self {
        BlockingClient::new(client)
    }
}
