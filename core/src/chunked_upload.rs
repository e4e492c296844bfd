//! `upload_tenant_tokens`: any number of tokens, checked first, then uploaded in chunks.
//!
//! Every token is checked (and every chunk's body written) before the first request, so
//! nothing is sent when any token is bad, and the error names each bad input index
//! (`tokens[i]`). The chunks are then sent in order, each one a normal all-or-nothing batch
//! upload that is safe to resend. Memory is about the input's JSON size, since every
//! body is written before the first request.

use std::borrow::Borrow;
use std::fmt;
use std::future::Future;
use std::ops::Range;

use serde::de::{self, DeserializeSeed, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;

use crate::client::Client;
use crate::error::{Error, ErrorCode, Result};
use crate::input::Source;
use crate::tenant_tokens::{problems_error, TenantToken, MAX_BATCH_TOKENS};
use crate::token_batch::{TokenBatch, TokenBatchWriter, TokenView};

/// The chunk size of [`UploadOptions`] unless set: tokens per request.
pub const DEFAULT_CHUNK_SIZE: usize = 1_000;

/// How far an upload is, reported after each committed chunk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UploadProgress {
    /// Tokens committed so far.
    pub tokens_done: usize,
    /// Tokens in the whole upload.
    pub tokens_total: usize,
    /// Chunks committed so far.
    pub chunks_done: usize,
    /// Chunks in the whole upload.
    pub chunks_total: usize,
}

/// A progress callback of [`UploadOptions`].
type ProgressFn<'a> = Box<dyn FnMut(&UploadProgress) + Send + 'a>;

/// Options of [`Client::upload_tenant_tokens`]: the chunk size and a progress callback.
pub struct UploadOptions<'a> {
    chunk_size: usize,
    on_progress: Option<ProgressFn<'a>>,
}

impl Default for UploadOptions<'_> {
    fn default() -> Self {
        UploadOptions {
            chunk_size: DEFAULT_CHUNK_SIZE,
            on_progress: None,
        }
    }
}

impl fmt::Debug for UploadOptions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadOptions")
            .field("chunk_size", &self.chunk_size)
            .field("on_progress", &self.on_progress.is_some())
            .finish()
    }
}

impl<'a> UploadOptions<'a> {
    /// Chunks of [`DEFAULT_CHUNK_SIZE`] tokens, no progress callback.
    pub fn new() -> Self {
        Self::default()
    }

    /// Tokens per request, `1..=`[`MAX_BATCH_TOKENS`] (else `INVALID_ARGUMENT`, nothing sent).
    pub fn chunk_size(mut self, chunk_size: usize) -> Self {
        self.chunk_size = chunk_size;
        self
    }

    /// Called after each committed chunk, in order, on the task that runs the upload.
    pub fn on_progress(mut self, f: impl FnMut(&UploadProgress) + Send + 'a) -> Self {
        self.on_progress = Some(Box::new(f));
        self
    }
}

/// Checks a chunk size: `1..=`[`MAX_BATCH_TOKENS`].
pub fn check_chunk_size(chunk_size: usize) -> Result<()> {
    if chunk_size == 0 || chunk_size > MAX_BATCH_TOKENS {
        return Err(Error::invalid_argument(format!(
            "chunk_size is {chunk_size}: it must be from 1 to {MAX_BATCH_TOKENS} tokens per request; nothing was sent"
        )));
    }
    Ok(())
}

/// The error of a chunked upload: the [`Error`] of the call (or of the failing chunk's
/// request) and how far the upload got.
#[derive(Debug)]
pub struct UploadError {
    error: Error,
    committed: UploadProgress,
    failed_chunk: Option<(usize, Range<usize>)>,
    failure_indexes: Vec<Option<usize>>,
}

impl UploadError {
    /// The error (its message says what was committed and which chunk failed).
    pub fn error(&self) -> &Error {
        &self.error
    }

    /// The error, without the upload's details.
    pub fn into_error(self) -> Error {
        self.error
    }

    /// The error's code.
    pub fn code(&self) -> ErrorCode {
        self.error.code()
    }

    /// What was committed before the failure (`tokens_done`, `chunks_done`) and of what total.
    pub fn committed(&self) -> UploadProgress {
        self.committed
    }

    /// The failing chunk's number (0-based); `None` when nothing was sent (bad input).
    pub fn failed_chunk(&self) -> Option<usize> {
        self.failed_chunk.as_ref().map(|(i, _)| *i)
    }

    /// The input indexes of the failing chunk's tokens; `None` when nothing was sent.
    pub fn failed_range(&self) -> Option<Range<usize>> {
        self.failed_chunk.as_ref().map(|(_, r)| r.clone())
    }

    /// For a `BATCH_REJECTED` chunk, the input index of each of [`Error::failures`] (found
    /// by its app and tenant in the chunk; `None` if the server named none of them).
    pub fn failure_indexes(&self) -> &[Option<usize>] {
        &self.failure_indexes
    }
}

impl From<Error> for UploadError {
    fn from(error: Error) -> Self {
        UploadError {
            error,
            committed: UploadProgress::default(),
            failed_chunk: None,
            failure_indexes: Vec::new(),
        }
    }
}

impl From<UploadError> for Error {
    fn from(e: UploadError) -> Self {
        e.error
    }
}

impl fmt::Display for UploadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for UploadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// Every chunk of an upload, checked and written (see the module's documentation).
pub struct TokenChunks {
    chunks: Vec<TokenBatch>,
    chunk_size: usize,
    total: usize,
}

impl fmt::Debug for TokenChunks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenChunks")
            .field("tokens", &self.total)
            .field("chunks", &self.chunks.len())
            .finish()
    }
}

impl TokenChunks {
    /// Checks `tokens` and writes chunks of `chunk_size` of them.
    pub fn from_tokens<I>(tokens: I, chunk_size: usize) -> Result<TokenChunks>
    where
        I: IntoIterator,
        I::Item: Borrow<TenantToken>,
    {
        let mut w = TokenChunksWriter::new(chunk_size)?;
        for t in tokens {
            w.push(t.borrow());
        }
        w.finish()
    }

    /// The number of chunks.
    pub fn len(&self) -> usize {
        self.chunks.len()
    }

    /// Whether there are no chunks (never true for checked chunks).
    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    /// The number of tokens in all chunks.
    pub fn tokens(&self) -> usize {
        self.total
    }

    /// The input indexes of chunk `i`'s tokens.
    pub fn range(&self, i: usize) -> Range<usize> {
        let start = i * self.chunk_size;
        start..(start + self.chunk_size).min(self.total)
    }

    /// The progress once the first `chunks_done` chunks are committed.
    pub fn progress(&self, chunks_done: usize) -> UploadProgress {
        UploadProgress {
            tokens_done: (chunks_done * self.chunk_size).min(self.total),
            tokens_total: self.total,
            chunks_done,
            chunks_total: self.chunks.len(),
        }
    }

    /// Uploads chunk `i` (the chunks before it committed): the progress after it, or the
    /// error of a failed chunk with what was committed and the chunk's input range.
    pub async fn upload_chunk(
        &self,
        client: &Client,
        i: usize,
    ) -> std::result::Result<UploadProgress, UploadError> {
        match client.upload_token_batch(&self.chunks[i]).await {
            Ok(()) => Ok(self.progress(i + 1)),
            Err(e) => Err(self.chunk_failed(i, e)),
        }
    }

    /// The error of chunk `i`, which failed after the chunks before it were committed.
    fn chunk_failed(&self, i: usize, error: Error) -> UploadError {
        let committed = self.progress(i);
        let range = self.range(i);
        let failure_indexes = if error.failures().is_empty() {
            Vec::new()
        } else {
            failure_indexes(&self.chunks[i], range.start, &error)
        };
        let stored = if error.code() == ErrorCode::OutcomeUnknown {
            "may have been committed"
        } else {
            "stored nothing"
        };
        let suffix = format!(
            " [upload stopped at chunk {} of {} (tokens[{}..{}]), which {stored}; {} token(s) in {} chunk(s) before it were committed; resending that chunk and the ones after it is safe]",
            i + 1,
            self.chunks.len(),
            range.start,
            range.end,
            committed.tokens_done,
            committed.chunks_done,
        );
        UploadError {
            error: error.with_message_suffix(&suffix),
            committed,
            failed_chunk: Some((i, range)),
            failure_indexes,
        }
    }
}

/// Where each of a rejected chunk's failures is in the input: the first token of the chunk
/// with the failure's app and tenant that no earlier failure took.
fn failure_indexes(batch: &TokenBatch, offset: usize, error: &Error) -> Vec<Option<usize>> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Item {
        app_id: String,
        tenant_id: String,
    }
    #[derive(Deserialize)]
    struct Body {
        tokens: Vec<Item>,
    }
    let body = batch.body();
    let Ok(items) = serde_json::from_slice::<Body>(&body) else {
        return vec![None; error.failures().len()];
    };
    let mut taken = vec![false; items.tokens.len()];
    error
        .failures()
        .iter()
        .map(|f| {
            let j = items.tokens.iter().enumerate().position(|(j, t)| {
                !taken[j] && t.app_id == f.app_id && t.tenant_id == f.tenant_id
            })?;
            taken[j] = true;
            Some(offset + j)
        })
        .collect()
}

/// Writes chunks of a token list as its tokens are added, each checked as it is written;
/// [`TokenChunksWriter::finish`] reports the problems of every token by its input index.
pub struct TokenChunksWriter {
    chunk_size: usize,
    current: TokenBatchWriter,
    chunks: Vec<TokenBatch>,
    problems: Vec<String>,
    count: usize,
}

impl TokenChunksWriter {
    /// A writer of chunks of `chunk_size` tokens (`INVALID_ARGUMENT` unless it is
    /// `1..=`[`MAX_BATCH_TOKENS`]).
    pub fn new(chunk_size: usize) -> Result<Self> {
        check_chunk_size(chunk_size)?;
        Ok(TokenChunksWriter {
            chunk_size,
            current: TokenBatchWriter::new(chunk_size.min(4096)),
            chunks: Vec::new(),
            problems: Vec::new(),
            count: 0,
        })
    }

    /// The number of tokens added so far (the input index of the next one).
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether no token was added yet.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Starts a new chunk when the current one is full.
    fn roll(&mut self) {
        if self.current.len() < self.chunk_size {
            return;
        }
        let next = TokenBatchWriter::new(self.chunk_size.min(4096)).with_index_offset(self.count);
        let full = std::mem::replace(&mut self.current, next);
        self.close(full);
    }

    /// Keeps a full chunk, or its problems.
    fn close(&mut self, chunk: TokenBatchWriter) {
        if chunk.has_problems() {
            self.problems.extend(chunk.into_problems());
            // Nothing is sent now: the bodies written so far are not needed.
            self.chunks.clear();
        } else if self.problems.is_empty() {
            match chunk.finish() {
                Ok(batch) => self.chunks.push(batch),
                Err(e) => self.problems.push(e.message().to_owned()),
            }
        }
    }

    /// Adds a typed token.
    pub fn push(&mut self, t: &TenantToken) {
        self.roll();
        self.current.push(t);
        self.count += 1;
    }

    /// Adds a token from borrowed fields.
    pub fn push_view(&mut self, t: &TokenView<'_>) {
        self.roll();
        self.current.push_view(t);
        self.count += 1;
    }

    /// Adds a token read straight from a binding's value, as
    /// [`TokenBatchWriter::push_source`] (`false`, with nothing added, when that path does
    /// not take it: decode it through the typed path for the error).
    pub fn push_source<S: Source>(&mut self, source: S) -> bool {
        self.roll();
        let added = self.current.push_source(source);
        self.count += usize::from(added);
        added
    }

    /// Adds every token of a JSON array's text. `false` when the text is not an array of
    /// tokens this path accepts; the writer is then unusable: decode the list through the
    /// typed path for the error.
    pub fn push_json_list(&mut self, json: &str) -> bool {
        let mut de = serde_json::Deserializer::from_str(json);
        de.deserialize_seq(ListVisitor(self)).is_ok() && de.end().is_ok()
    }

    /// Every chunk, or the `INVALID_ARGUMENT` error listing every problem of every token by
    /// its input index (nothing is sent then).
    pub fn finish(mut self) -> Result<TokenChunks> {
        if self.count == 0 {
            return Err(Error::invalid_argument(
                "the token list is empty: pass at least one token",
            ));
        }
        let last = std::mem::replace(&mut self.current, TokenBatchWriter::new(0));
        if !last.is_empty() {
            self.close(last);
        }
        if !self.problems.is_empty() {
            return Err(problems_error(&self.problems));
        }
        Ok(TokenChunks {
            chunks: std::mem::take(&mut self.chunks),
            chunk_size: self.chunk_size,
            total: self.count,
        })
    }
}

struct ListVisitor<'w>(&'w mut TokenChunksWriter);

impl<'de> Visitor<'de> for ListVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of tokens")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while seq.next_element_seed(TokenSeed(&mut *self.0))?.is_some() {}
        Ok(())
    }
}

struct TokenSeed<'w>(&'w mut TokenChunksWriter);

impl<'de> DeserializeSeed<'de> for TokenSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        let w = self.0;
        w.roll();
        if w.current.push_deserializer(d) {
            w.count += 1;
            Ok(())
        } else {
            Err(de::Error::custom("not a token"))
        }
    }
}

/// The upload loop over checked chunks.
async fn upload_chunks(
    client: &Client,
    chunks: &TokenChunks,
    mut on_progress: Option<ProgressFn<'_>>,
) -> std::result::Result<UploadProgress, UploadError> {
    let mut progress = chunks.progress(0);
    for i in 0..chunks.len() {
        progress = chunks.upload_chunk(client, i).await?;
        if let Some(f) = on_progress.as_mut() {
            f(&progress);
        }
    }
    Ok(progress)
}

impl Client {
    /// Uploads any number of tenant OAuth tokens in chunks of
    /// [`UploadOptions::chunk_size`] (default [`DEFAULT_CHUNK_SIZE`]).
    ///
    /// The tokens are read and checked when this is called, before anything is sent:
    /// invalid input is one `INVALID_ARGUMENT` error naming each bad input index
    /// (`tokens[i]`). Every chunk's body is written first, so memory is about the input's
    /// JSON size. Awaiting sends the chunks in order, each an all-or-nothing batch upload
    /// that is safe to resend, and calls [`UploadOptions::on_progress`] after each
    /// committed chunk. A failing chunk stops the upload with an [`UploadError`] that says
    /// what was committed and carries the chunk's input range. Returns the final progress.
    /// [`MAX_BATCH_TOKENS`] applies to each chunk, not to the whole upload.
    pub fn upload_tenant_tokens<'a, I>(
        &'a self,
        tokens: I,
        options: UploadOptions<'a>,
    ) -> impl Future<Output = std::result::Result<UploadProgress, UploadError>> + Send + 'a
    where
        I: IntoIterator<Item = TenantToken>,
    {
        let checked = TokenChunks::from_tokens(tokens, options.chunk_size);
        async move {
            let chunks = checked?;
            upload_chunks(self, &chunks, options.on_progress).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(i: usize) -> TenantToken {
        TenantToken::new("app", format!("T{i}")).access_token(format!("secret-{i}"))
    }

    #[test]
    fn chunks_split_in_order_and_problems_name_input_indexes() {
        let chunks = TokenChunks::from_tokens((0..2_500).map(token), 1_000).unwrap();
        assert_eq!(chunks.len(), 3);
        assert_eq!(chunks.tokens(), 2_500);
        assert_eq!(chunks.range(2), 2_000..2_500);
        assert_eq!(
            chunks
                .chunks
                .iter()
                .map(TokenBatch::len)
                .collect::<Vec<_>>(),
            [1_000, 1_000, 500]
        );
        assert_eq!(chunks.progress(2).tokens_done, 2_000);
        assert_eq!(chunks.progress(3).tokens_done, 2_500);

        let bad = (0..2_500).map(|i| match i {
            5 | 2_400 => TenantToken::new("app", "").access_token("x"),
            _ => token(i),
        });
        let e = TokenChunks::from_tokens(bad, 1_000).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidArgument);
        assert!(
            e.message().contains("tokens[5]: tenantId"),
            "{}",
            e.message()
        );
        assert!(
            e.message().contains("tokens[2400]: tenantId"),
            "{}",
            e.message()
        );
        assert!(e.message().starts_with("2 problem(s)"), "{}", e.message());
    }

    #[test]
    fn chunk_sizes_out_of_range_and_empty_lists_are_refused() {
        for n in [0, MAX_BATCH_TOKENS + 1] {
            let e = TokenChunks::from_tokens([token(0)], n).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidArgument);
            assert!(e.message().contains("chunk_size"), "{}", e.message());
        }
        assert!(TokenChunks::from_tokens([token(0)], MAX_BATCH_TOKENS).is_ok());
        let none: [TenantToken; 0] = [];
        assert!(TokenChunks::from_tokens(none, 10)
            .unwrap_err()
            .message()
            .contains("empty"));
    }

    #[test]
    fn json_lists_are_chunked_like_typed_tokens() {
        let list: Vec<serde_json::Value> = (0..25)
            .map(|i| serde_json::json!({"appId": "app", "tenantId": format!("T{i}"), "accessToken": format!("secret-{i}")}))
            .collect();
        let text = serde_json::to_string(&list).unwrap();
        let mut w = TokenChunksWriter::new(10).unwrap();
        assert!(w.push_json_list(&text));
        let from_json = w.finish().unwrap();
        let typed = TokenChunks::from_tokens((0..25).map(token), 10).unwrap();
        assert_eq!(from_json.len(), 3);
        for (a, b) in from_json.chunks.iter().zip(&typed.chunks) {
            assert_eq!(a.body(), b.body());
        }
        let mut w = TokenChunksWriter::new(10).unwrap();
        assert!(!w.push_json_list(r#"[{"appId":"a","bogus":1}]"#));
    }

    #[test]
    fn rejected_failures_are_found_by_app_and_tenant() {
        let chunks = TokenChunks::from_tokens((0..30).map(token), 10).unwrap();
        let e = Error::new(ErrorCode::BatchRejected, "rejected").with_failures(vec![
            crate::BatchFailure {
                app_id: "app".into(),
                tenant_id: "T27".into(),
                ..Default::default()
            },
            crate::BatchFailure {
                app_id: "app".into(),
                tenant_id: "T3".into(),
                ..Default::default()
            },
        ]);
        let u = chunks.chunk_failed(2, e);
        assert_eq!(u.failure_indexes(), [Some(27), None]);
        assert_eq!(u.failed_range(), Some(20..30));
        assert_eq!(u.committed().tokens_done, 20);
        assert!(
            u.error().message().contains("tokens[20..30]"),
            "{}",
            u.error().message()
        );
    }
}
