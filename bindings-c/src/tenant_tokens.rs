//! `descope_mgmt_batch_upload_tenant_tokens` (C structs), its `_json` variant, and the
//! chunked `descope_mgmt_upload_tenant_tokens_json`.

use std::ffi::{c_char, c_void};

use dm::bindings::{
    check_batch_len, check_chunk_size, runtime, upload_token_batch, TokenBatch, TokenBatchWriter,
    TokenChunks, TokenChunksWriter, TokenView,
};
use dm::TenantToken;

use crate::args::{opt_str_arg_at, opt_str_slices, parse_json_arg, str_arg};
use crate::boundary::call;
use crate::client::{client_arg, descope_mgmt_client};
use crate::error::{descope_mgmt_error, Failure, FfiResult};
use crate::status::descope_mgmt_status;

/// One tenant's OAuth token for an outbound app, for `descope_mgmt_batch_upload_tenant_tokens`.
///
/// Every string is UTF-8 and borrowed for the call only; NULL means "absent" (not sent).
/// `app_id` and `tenant_id` are required, and at least one of `refresh_token` /
/// `access_token`; a missing one is reported as `INVALID_ARGUMENT` with the item's index.
/// Zero-initialise the struct (`descope_mgmt_tenant_token t = {0};`) and set what you need.
///
/// ABI: this struct is used in arrays, so its layout is fixed for a major version; new
/// wire fields are reachable through `descope_mgmt_batch_upload_tenant_tokens_json`.
#[repr(C)]
pub struct descope_mgmt_tenant_token {
    /// The outbound application id (required).
    pub app_id: *const c_char,
    /// The tenant the token belongs to (required).
    pub tenant_id: *const c_char,
    /// The provider's refresh token (secret), or NULL.
    pub refresh_token: *const c_char,
    /// The provider's access token (secret), or NULL.
    pub access_token: *const c_char,
    /// When the access token expires, epoch seconds; 0 means absent.
    pub access_token_expiry: i64,
    /// The access token's type (e.g. `"Bearer"`), or NULL.
    pub access_token_type: *const c_char,
    /// Scopes the token was granted: `scopes_count` strings, or NULL for absent (a non-NULL
    /// array with a count of 0 sends an empty list).
    pub scopes: *const *const c_char,
    /// The number of strings in `scopes`.
    pub scopes_count: usize,
    /// An external identifier for the connection, or NULL.
    pub external_identifier: *const c_char,
    /// The provider's OIDC id token (secret), or NULL.
    pub id_token: *const c_char,
    /// Who granted the token, or NULL.
    pub granted_by: *const c_char,
}

/// Checks item `i` and writes it into `batch`, its strings read where the caller keeps
/// them (copied once, into the request body).
fn push(batch: &mut TokenBatchWriter, t: &descope_mgmt_tenant_token, i: usize) -> FfiResult<()> {
    // The field's path is only spelled out for an error.
    let text = |p: *const c_char, field: &'static str| {
        opt_str_arg_at(p, move || format!("tokens[{i}].{field}"))
    };
    let scopes = opt_str_slices(t.scopes, t.scopes_count, || format!("tokens[{i}].scopes"))?;
    batch.push_view(&TokenView {
        app_id: text(t.app_id, "app_id")?.unwrap_or_default(),
        tenant_id: text(t.tenant_id, "tenant_id")?.unwrap_or_default(),
        refresh_token: text(t.refresh_token, "refresh_token")?,
        access_token: text(t.access_token, "access_token")?,
        access_token_expiry: (t.access_token_expiry != 0).then_some(t.access_token_expiry),
        access_token_type: text(t.access_token_type, "access_token_type")?,
        scopes: scopes.as_deref(),
        external_identifier: text(t.external_identifier, "external_identifier")?,
        id_token: text(t.id_token, "id_token")?,
        granted_by: text(t.granted_by, "granted_by")?,
    });
    Ok(())
}

/// Uploads tenant OAuth tokens for outbound apps, all or nothing.
///
/// `tokens` points to `count` structs (it may be NULL only when `count` is 0, which is an
/// `INVALID_ARGUMENT` error: the list must not be empty). Every item is validated first and
/// all problems are reported in one `INVALID_ARGUMENT` error; nothing is sent then. Returns
/// `DESCOPE_MGMT_STATUS_OK` only when the server committed the whole batch; per-item
/// refusals are `DESCOPE_MGMT_STATUS_BATCH_REJECTED` with every failure in the error
/// (`descope_mgmt_error_failures_count`), and nothing was stored. Safe to repeat.
#[no_mangle]
pub extern "C" fn descope_mgmt_batch_upload_tenant_tokens(
    client: *const descope_mgmt_client,
    tokens: *const descope_mgmt_tenant_token,
    count: usize,
    err: *mut *mut descope_mgmt_error,
) -> descope_mgmt_status {
    call(err, || {
        let client = client_arg(client)?;
        let items: &[descope_mgmt_tenant_token] = if count == 0 {
            &[]
        } else if tokens.is_null() {
            return Err(Failure::null(&format!("tokens (with count {count})")));
        } else {
            // SAFETY: not NULL; the caller promises `count` readable structs.
            unsafe { std::slice::from_raw_parts(tokens, count) }
        };
        check_batch_len(items.len())?;
        let mut batch = TokenBatchWriter::new(items.len());
        for (i, t) in items.iter().enumerate() {
            push(&mut batch, t, i)?;
        }
        let batch = batch.finish()?;
        runtime::block_on(upload_token_batch(client.client(), &batch))?;
        Ok(())
    })
}

/// The `_json` argument as a checked batch: written straight into the request body, or,
/// when that path gives up, parsed into tokens for the error (which never quotes a value:
/// it may hold a token).
fn parse_tokens(json: &str) -> FfiResult<TokenBatch> {
    let mut batch = TokenBatchWriter::new(json.len() / 256 + 1);
    if batch.push_json_list(json) {
        return Ok(batch.finish()?);
    }
    let tokens: Vec<TenantToken> = parse_json_arg(json, "tokens_json")?;
    Ok(TokenBatch::from_tokens(&tokens)?)
}

/// Same as `descope_mgmt_batch_upload_tenant_tokens`, with the tokens as the wire JSON
/// array, e.g. `[{"appId":"google-drive","tenantId":"T1","refreshToken":"..."}]`. Unknown
/// or misspelled fields are an `INVALID_ARGUMENT` error (values are never quoted in it).
#[no_mangle]
pub extern "C" fn descope_mgmt_batch_upload_tenant_tokens_json(
    client: *const descope_mgmt_client,
    tokens_json: *const c_char,
    err: *mut *mut descope_mgmt_error,
) -> descope_mgmt_status {
    call(err, || {
        let client = client_arg(client)?;
        let batch = parse_tokens(str_arg(tokens_json, "tokens_json")?)?;
        runtime::block_on(upload_token_batch(client.client(), &batch))?;
        Ok(())
    })
}

/// Called by `descope_mgmt_upload_tenant_tokens_json` after each committed chunk, on the
/// calling thread between two requests: `user_data` as passed to it, then the tokens and
/// chunks committed so far and the totals of the upload. It may call this library's other
/// functions; it cannot stop the upload, and must return normally (no `longjmp`).
pub type descope_mgmt_upload_progress_fn = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        tokens_done: usize,
        tokens_total: usize,
        chunks_done: usize,
        chunks_total: usize,
    ),
>;

/// The `_json` tokens of a chunked upload as checked chunks (see [`parse_tokens`]).
fn parse_chunks(json: &str, chunk_size: usize) -> FfiResult<TokenChunks> {
    check_chunk_size(chunk_size)?;
    let mut w = TokenChunksWriter::new(chunk_size)?;
    if w.push_json_list(json) {
        return Ok(w.finish()?);
    }
    let tokens: Vec<TenantToken> = parse_json_arg(json, "tokens_json")?;
    Ok(TokenChunks::from_tokens(&tokens, chunk_size)?)
}

/// Uploads any number of tenant OAuth tokens (the wire JSON array, as for
/// `descope_mgmt_batch_upload_tenant_tokens_json`) in chunks of `chunk_size` tokens
/// (1 to 100000; 1000 is the usual choice; anything else is `INVALID_ARGUMENT`).
///
/// Every token is checked, and every chunk's request body written, before the first request:
/// nothing is sent if any token is bad, and the `INVALID_ARGUMENT` error names each bad
/// `tokens[i]` by its index in the array. Memory is about the size of `tokens_json`. The
/// chunks are then sent in order, each all or nothing and safe to resend, and `progress_cb`
/// (may be NULL) is called with `user_data` after each committed chunk. A failing chunk
/// stops the upload with its status; the error message says which chunk failed, its input
/// range (`tokens[start..end]`) and how many tokens and chunks were committed before it
/// (the last `progress_cb` call said the same). Resending from the failing chunk is safe.
#[no_mangle]
pub extern "C" fn descope_mgmt_upload_tenant_tokens_json(
    client: *const descope_mgmt_client,
    tokens_json: *const c_char,
    chunk_size: usize,
    progress_cb: descope_mgmt_upload_progress_fn,
    user_data: *mut c_void,
    err: *mut *mut descope_mgmt_error,
) -> descope_mgmt_status {
    call(err, || {
        let client = client_arg(client)?;
        let chunks = parse_chunks(str_arg(tokens_json, "tokens_json")?, chunk_size)?;
        for i in 0..chunks.len() {
            let p = runtime::block_on(chunks.upload_chunk(client.client(), i))
                .map_err(dm::Error::from)?;
            if let Some(cb) = progress_cb {
                // SAFETY: the caller's callback, called as its type documents.
                unsafe {
                    cb(
                        user_data,
                        p.tokens_done,
                        p.tokens_total,
                        p.chunks_done,
                        p.chunks_total,
                    )
                };
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_json_is_checked_whole_with_input_indexes() {
        let item = |i: usize| format!(r#"{{"appId":"a","tenantId":"T{i}","accessToken":"s"}}"#);
        let mut items: Vec<String> = (0..25).map(item).collect();
        let Ok(ok) = parse_chunks(&format!("[{}]", items.join(",")), 10) else {
            panic!("expected chunks")
        };
        assert_eq!((ok.len(), ok.tokens()), (3, 25));
        items[21] = r#"{"appId":"a","tenantId":" ","accessToken":"s"}"#.to_owned();
        let Err(Failure::Core(e)) = parse_chunks(&format!("[{}]", items.join(",")), 10) else {
            panic!("expected an error")
        };
        assert!(e.message().contains("tokens[21]"), "{}", e.message());
        items[21] = r#"{"appId":"a","tenantId":"t","accessToken":"s","x":1}"#.to_owned();
        let Err(Failure::Core(e)) = parse_chunks(&format!("[{}]", items.join(",")), 10) else {
            panic!("expected an error")
        };
        assert!(e.message().contains("tokens_json[21].x"), "{}", e.message());
        for size in [0, 100_001] {
            assert!(parse_chunks("[]", size).is_err());
        }
    }

    #[test]
    fn json_errors_never_quote_values() {
        let bad = r#"[{"appId":"a","tenantId":"t","accessToken":"sekrit","accessTokenExpiry":"sekrit2"}]"#;
        let Err(Failure::Core(e)) = parse_tokens(bad) else {
            panic!("expected an error")
        };
        assert_eq!(e.code(), dm::ErrorCode::InvalidArgument);
        assert!(!e.message().contains("sekrit"), "{}", e.message());
        let Err(Failure::Core(e)) = parse_tokens(r#"[{"appid":"a"}]"#) else {
            panic!()
        };
        assert!(
            e.message()
                .contains("tokens_json[0].appid is not a known field"),
            "{}",
            e.message()
        );
    }
}
