//! A batch upload's request body, checked and written in one pass.
//!
//! [`TokenBatchWriter`] writes `{"tokens":[...]}` token by token, from typed
//! [`TenantToken`]s or borrowed [`TokenView`]s, or straight from a caller's values (a
//! binding's dicts through [`Source`], a JSON array's text) with no model in between: each
//! string is escaped from where the caller keeps it into the body, once. A token's fields
//! are written in the model's order, so the body is the one serde writes for the same
//! tokens. Every token is checked as it is written, by the rules of
//! [`validate_tenant_tokens`](crate::validate_tenant_tokens), and all problems are
//! reported together by [`TokenBatchWriter::finish`]. The body records where each secret
//! sits, so errors can be scrubbed of them without a second copy, and it is zeroed when the
//! batch is dropped.
//!
//! The direct path ([`TokenBatchWriter::push_source`], [`TokenBatchWriter::push_json_list`])
//! gives up on anything it does not accept (an unknown field, a wrong type), without
//! writing anything: the binding then decodes that input through the typed path, whose
//! error (with the field's path, never its value) is the one to report.

use std::fmt;
use std::ops::Range;

use bytes::Bytes;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use zeroize::Zeroize;

use crate::error::{Error, Result};
use crate::input::{Node, Source};
use crate::secret::Secret;
use crate::tenant_tokens::{
    check_batch_len, problems_error, TenantToken, TokenFacts, MAX_BATCH_TOKENS,
};

/// The fields of a token, in the order the body lists them (the model's order).
const FIELDS: [(&str, &str, Kind); 10] = [
    ("appId", "app_id", Kind::Text),
    ("tenantId", "tenant_id", Kind::Text),
    ("refreshToken", "refresh_token", Kind::Secret),
    ("accessToken", "access_token", Kind::Secret),
    ("accessTokenExpiry", "access_token_expiry", Kind::Int),
    ("accessTokenType", "access_token_type", Kind::OptText),
    ("scopes", "scopes", Kind::List),
    ("externalIdentifier", "external_identifier", Kind::OptText),
    ("idToken", "id_token", Kind::Secret),
    ("grantedBy", "granted_by", Kind::OptText),
];
const APP_ID: usize = 0;
const TENANT_ID: usize = 1;
const REFRESH_TOKEN: usize = 2;
const ACCESS_TOKEN: usize = 3;
const EXPIRY: usize = 4;

/// What a field holds, as the model types it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `String` (null is refused).
    Text,
    /// `Option<String>`.
    OptText,
    /// `Option<Secret>`.
    Secret,
    /// `Option<i64>`.
    Int,
    /// `Option<Vec<String>>`.
    List,
}

/// One token's fields, borrowed from wherever the caller keeps them.
#[derive(Clone, Copy, Default)]
pub struct TokenView<'a> {
    /// `appId`.
    pub app_id: &'a str,
    /// `tenantId`.
    pub tenant_id: &'a str,
    /// `refreshToken`.
    pub refresh_token: Option<&'a str>,
    /// `accessToken`.
    pub access_token: Option<&'a str>,
    /// `accessTokenExpiry`.
    pub access_token_expiry: Option<i64>,
    /// `accessTokenType`.
    pub access_token_type: Option<&'a str>,
    /// `scopes`.
    pub scopes: Option<&'a [&'a str]>,
    /// `externalIdentifier`.
    pub external_identifier: Option<&'a str>,
    /// `idToken`.
    pub id_token: Option<&'a str>,
    /// `grantedBy`.
    pub granted_by: Option<&'a str>,
}

/// Writes a batch body; see the module's documentation.
pub struct TokenBatchWriter {
    body: Vec<u8>,
    /// Where each secret's JSON string (without its quotes) sits in `body`.
    secrets: Vec<Range<usize>>,
    /// The current token's fields as JSON, written in the caller's order.
    scratch: Vec<u8>,
    /// Where each field (by its index in [`FIELDS`]) sits in `scratch`.
    slots: [Option<Range<usize>>; FIELDS.len()],
    count: usize,
    expected: usize,
    problems: Vec<String>,
    /// Added to a token's index in problems (`tokens[i]`), see [`TokenBatchWriter::with_index_offset`].
    index_offset: usize,
}

impl TokenBatchWriter {
    /// A writer for about `expected` tokens (the body is sized from the first ones).
    pub fn new(expected: usize) -> Self {
        let mut body = Vec::with_capacity(expected.min(64) * 320 + 16);
        body.extend_from_slice(br#"{"tokens":["#);
        TokenBatchWriter {
            body,
            secrets: Vec::new(),
            scratch: Vec::with_capacity(1024),
            slots: Default::default(),
            count: 0,
            expected,
            problems: Vec::new(),
            index_offset: 0,
        }
    }

    /// Numbers this writer's tokens from `offset` in problems (`tokens[offset + i]`), for a
    /// chunk of a longer list.
    pub fn with_index_offset(mut self, offset: usize) -> Self {
        self.index_offset = offset;
        self
    }

    /// The number of tokens added so far.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether no token was added yet.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The problems found (`tokens[i]: ...` each), the writer dropped.
    pub(crate) fn into_problems(mut self) -> Vec<String> {
        std::mem::take(&mut self.problems)
    }

    /// Whether a token added so far has a problem (the writer then writes no more tokens
    /// into its body).
    pub(crate) fn has_problems(&self) -> bool {
        !self.problems.is_empty()
    }

    /// Adds one token read from `d` (the direct path of [`TokenBatchWriter::push_source`]).
    pub(crate) fn push_deserializer<'de, D: Deserializer<'de>>(&mut self, d: D) -> bool {
        self.push_from(d)
    }

    /// Adds a typed token.
    pub fn push(&mut self, t: &TenantToken) {
        let scopes: Option<Vec<&str>> = t
            .scopes
            .as_ref()
            .map(|s| s.iter().map(String::as_str).collect());
        self.push_view(&TokenView {
            app_id: &t.app_id,
            tenant_id: &t.tenant_id,
            refresh_token: t.refresh_token.as_ref().map(Secret::expose),
            access_token: t.access_token.as_ref().map(Secret::expose),
            access_token_expiry: t.access_token_expiry,
            access_token_type: t.access_token_type.as_deref(),
            scopes: scopes.as_deref(),
            external_identifier: t.external_identifier.as_deref(),
            id_token: t.id_token.as_ref().map(Secret::expose),
            granted_by: t.granted_by.as_deref(),
        });
    }

    /// Adds a token from borrowed fields.
    pub fn push_view(&mut self, t: &TokenView<'_>) {
        self.begin();
        self.put_text(APP_ID, t.app_id);
        self.put_text(TENANT_ID, t.tenant_id);
        let texts = [
            (REFRESH_TOKEN, t.refresh_token),
            (ACCESS_TOKEN, t.access_token),
            (5, t.access_token_type),
            (7, t.external_identifier),
            (8, t.id_token),
            (9, t.granted_by),
        ];
        for (field, text) in texts {
            if let Some(text) = text {
                self.put_text(field, text);
            }
        }
        if let Some(n) = t.access_token_expiry {
            self.put_int(EXPIRY, n);
        }
        if let Some(scopes) = t.scopes {
            let start = self.scratch.len();
            self.scratch.push(b'[');
            for (i, scope) in scopes.iter().enumerate() {
                if i > 0 {
                    self.scratch.push(b',');
                }
                write_str(&mut self.scratch, scope);
            }
            self.scratch.push(b']');
            self.slots[6] = Some(start..self.scratch.len());
        }
        let mut facts = TokenFacts::default();
        facts.saw_text(APP_ID, t.app_id);
        facts.saw_text(TENANT_ID, t.tenant_id);
        facts.saw_text(REFRESH_TOKEN, t.refresh_token.unwrap_or(""));
        facts.saw_text(ACCESS_TOKEN, t.access_token.unwrap_or(""));
        facts.access_token_expiry = t.access_token_expiry;
        self.finish_token(facts.problems());
    }

    /// Adds a token read straight from a binding's value (a dict). `false`, with nothing
    /// added, when the value is not a token this path accepts (not an object, an unknown or
    /// repeated field, a wrong type): decode it through the typed path for the error.
    pub fn push_source<S: Source>(&mut self, source: S) -> bool {
        match source.read() {
            Some(read) => self.push_from(Node(read)),
            None => false,
        }
    }

    /// Adds every token of a JSON array's text (as `JSON.stringify` writes it). `false`
    /// when the text is not an array of tokens this path accepts; the writer is then
    /// unusable: decode the list through the typed path for the error.
    pub fn push_json_list(&mut self, json: &str) -> bool {
        let mut de = serde_json::Deserializer::from_str(json);
        de.deserialize_seq(ListVisitor(self)).is_ok() && de.end().is_ok()
    }

    fn push_from<'de, D: Deserializer<'de>>(&mut self, d: D) -> bool {
        self.begin();
        match d.deserialize_map(TokenVisitor(self)) {
            Ok(facts) => {
                self.finish_token(facts.problems());
                true
            }
            Err(_) => {
                self.scratch.zeroize();
                false
            }
        }
    }

    /// The batch, or the `INVALID_ARGUMENT` error listing every problem of every token
    /// (nothing is sent then).
    pub fn finish(mut self) -> Result<TokenBatch> {
        self.scratch.zeroize();
        if self.count == 0 {
            return Err(Error::invalid_argument(
                "the token list is empty: pass at least one token",
            ));
        }
        check_batch_len(self.count)?;
        if !self.problems.is_empty() {
            return Err(problems_error(&self.problems));
        }
        self.body.extend_from_slice(b"]}");
        let body = std::mem::take(&mut self.body);
        let unescaped = self
            .secrets
            .iter()
            .filter(|r| body[(*r).clone()].contains(&b'\\'))
            .filter_map(|r| serde_json::from_slice::<String>(&body[r.start - 1..r.end + 1]).ok())
            .map(Secret::new)
            .collect();
        Ok(TokenBatch {
            body: Bytes::from(body),
            secrets: std::mem::take(&mut self.secrets),
            unescaped,
            count: self.count,
        })
    }

    fn begin(&mut self) {
        self.scratch.clear();
        self.slots = Default::default();
    }

    fn put_text(&mut self, field: usize, text: &str) {
        let start = self.scratch.len();
        write_str(&mut self.scratch, text);
        self.slots[field] = Some(start..self.scratch.len());
    }

    fn put_int(&mut self, field: usize, n: i64) {
        let start = self.scratch.len();
        let _ = serde_json::to_writer(&mut self.scratch, &n);
        self.slots[field] = Some(start..self.scratch.len());
    }

    /// Records the current token's problems, or writes it into the body in the model's
    /// field order.
    fn finish_token(&mut self, problems: Vec<&'static str>) {
        let index = self.count;
        self.count += 1;
        if !problems.is_empty() || !self.problems.is_empty() {
            let shown = self.index_offset + index;
            self.problems.extend(
                problems
                    .into_iter()
                    .map(|p| format!("tokens[{shown}]: {p}")),
            );
            self.scratch.zeroize();
            return;
        }
        if index > 0 {
            self.body.push(b',');
        }
        self.body.push(b'{');
        let mut first = true;
        for (field, (wire, _, kind)) in FIELDS.iter().enumerate() {
            // appId and tenantId are always written (they are required).
            let Some(range) = self.slots[field].clone() else {
                continue;
            };
            if !first {
                self.body.push(b',');
            }
            first = false;
            self.body.push(b'"');
            self.body.extend_from_slice(wire.as_bytes());
            self.body.extend_from_slice(b"\":");
            let at = self.body.len();
            self.body.extend_from_slice(&self.scratch[range.clone()]);
            if *kind == Kind::Secret {
                self.secrets.push(at + 1..at + range.len() - 1);
            }
        }
        self.body.push(b'}');
        self.scratch.zeroize();
        if self.count == 64.min(self.expected) && self.expected > self.count {
            // The size of the first tokens, scaled: a body regrown once costs less than a pass.
            let per_token = self.body.len() / self.count;
            let rest = (per_token + per_token / 8) * (self.expected - self.count) + 16;
            self.body.reserve(rest);
        }
    }
}

impl Drop for TokenBatchWriter {
    fn drop(&mut self) {
        self.body.zeroize();
        self.scratch.zeroize();
    }
}

/// A checked batch upload body; see the module's documentation.
pub struct TokenBatch {
    body: Bytes,
    secrets: Vec<Range<usize>>,
    /// The secrets whose JSON form has escapes, as their text.
    unescaped: Vec<Secret>,
    count: usize,
}

impl TokenBatch {
    /// Checks `tokens` and writes their body.
    pub fn from_tokens(tokens: &[TenantToken]) -> Result<TokenBatch> {
        if tokens.is_empty() {
            return Err(Error::invalid_argument(
                "the token list is empty: pass at least one token",
            ));
        }
        check_batch_len(tokens.len())?;
        let mut w = TokenBatchWriter::new(tokens.len());
        for t in tokens {
            w.push(t);
        }
        w.finish()
    }

    /// The number of tokens.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether the batch has no tokens (never true for a batch from [`TokenBatchWriter`]).
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The request body (a clone shares it).
    pub(crate) fn body(&self) -> Bytes {
        self.body.clone()
    }

    /// The batch's token values, to keep them out of error text.
    pub(crate) fn secrets(&self) -> impl Iterator<Item = &str> {
        let body = &self.body;
        self.secrets
            .iter()
            .map(move |r| &body[r.clone()])
            .filter(|s| !s.contains(&b'\\'))
            // SAFETY-free: the body is JSON this writer wrote from `str`s, so valid UTF-8.
            .filter_map(|s| std::str::from_utf8(s).ok())
            .chain(self.unescaped.iter().map(Secret::expose))
    }
}

impl fmt::Debug for TokenBatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenBatch")
            .field("tokens", &self.count)
            .field(
                "body",
                &format_args!("[REDACTED; {} bytes]", self.body.len()),
            )
            .finish()
    }
}

impl Drop for TokenBatch {
    fn drop(&mut self) {
        // The body is shared only while a call sends it; zero it once it is ours alone.
        if let Ok(mut body) = std::mem::take(&mut self.body).try_into_mut() {
            body.as_mut().zeroize();
        }
    }
}

fn write_str(out: &mut Vec<u8>, s: &str) {
    // serde_json's own escaping, so the body is the one serde writes for the model.
    let _ = serde_json::to_writer(&mut *out, s);
}

struct ListVisitor<'w>(&'w mut TokenBatchWriter);

impl<'de> Visitor<'de> for ListVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of tokens")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        // Past the cap, give up: the typed path refuses the list before reading its items.
        while self.0.count <= MAX_BATCH_TOKENS
            && seq.next_element_seed(TokenSeed(&mut *self.0))?.is_some()
        {}
        if self.0.count > MAX_BATCH_TOKENS {
            return Err(de::Error::custom("too many tokens"));
        }
        Ok(())
    }
}

/// One token of a list, for [`ListVisitor`].
struct TokenSeed<'w>(&'w mut TokenBatchWriter);

impl<'de> DeserializeSeed<'de> for TokenSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        if self.0.push_from(d) {
            Ok(())
        } else {
            Err(de::Error::custom("not a token"))
        }
    }
}

struct TokenVisitor<'w>(&'w mut TokenBatchWriter);

impl<'de> Visitor<'de> for TokenVisitor<'_> {
    type Value = TokenFacts;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a token object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<TokenFacts, A::Error> {
        let w = self.0;
        let mut facts = TokenFacts::default();
        let mut seen = 0u16;
        while let Some(FieldKey(field)) = map.next_key()? {
            if seen & (1 << field) != 0 {
                return Err(de::Error::custom("a repeated field"));
            }
            seen |= 1 << field;
            let start = w.scratch.len();
            let got = map.next_value_seed(ValueSeed {
                out: &mut w.scratch,
                kind: FIELDS[field].2,
            })?;
            match got {
                Got::Null => {}
                Got::Text(text_facts) => {
                    facts.saw(field, text_facts);
                    w.slots[field] = Some(start..w.scratch.len());
                }
                Got::Int(n) => {
                    facts.access_token_expiry = Some(n);
                    w.slots[field] = Some(start..w.scratch.len());
                }
                Got::List => w.slots[field] = Some(start..w.scratch.len()),
            }
        }
        Ok(facts)
    }
}

/// A field's index in [`FIELDS`], from its wire name or its `snake_case` alias.
struct FieldKey(usize);

impl<'de> de::Deserialize<'de> for FieldKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_identifier(FieldKeyVisitor)
    }
}

struct FieldKeyVisitor;

impl Visitor<'_> for FieldKeyVisitor {
    type Value = FieldKey;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> std::result::Result<FieldKey, E> {
        FIELDS
            .iter()
            .position(|(wire, alias, _)| *wire == key || *alias == key)
            .map(FieldKey)
            .ok_or_else(|| E::custom("an unknown field"))
    }
}

/// What a value was, once written.
enum Got {
    Null,
    Text(TextFacts),
    Int(i64),
    List,
}

/// Reads one value of a field of kind `kind`, writing its JSON into `out`.
struct ValueSeed<'o> {
    out: &'o mut Vec<u8>,
    kind: Kind,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Got;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Got, D::Error> {
        match self.kind {
            Kind::Text => d.deserialize_str(ValueVisitor(self)),
            Kind::OptText | Kind::Secret => d.deserialize_option(ValueVisitor(ValueSeed {
                out: self.out,
                kind: Kind::Text,
            })),
            Kind::Int | Kind::List => d.deserialize_option(ValueVisitor(self)),
        }
    }
}

struct ValueVisitor<'o>(ValueSeed<'o>);

impl<'de> Visitor<'de> for ValueVisitor<'_> {
    type Value = Got;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a token field's value")
    }

    fn visit_none<E: de::Error>(self) -> std::result::Result<Got, E> {
        Ok(Got::Null)
    }

    fn visit_unit<E: de::Error>(self) -> std::result::Result<Got, E> {
        match self.0.kind {
            Kind::Text => Err(E::custom("null")),
            _ => Ok(Got::Null),
        }
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Got, D::Error> {
        match self.0.kind {
            Kind::Int => d.deserialize_i64(self),
            Kind::List => d.deserialize_seq(self),
            _ => d.deserialize_str(self),
        }
    }

    fn visit_str<E: de::Error>(self, s: &str) -> std::result::Result<Got, E> {
        if self.0.kind != Kind::Text {
            return Err(E::custom("a string"));
        }
        write_str(self.0.out, s);
        Ok(Got::Text(TextFacts::of(s)))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> std::result::Result<Got, E> {
        if self.0.kind != Kind::Int {
            return Err(E::custom("a number"));
        }
        let _ = serde_json::to_writer(&mut *self.0.out, &n);
        Ok(Got::Int(n))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> std::result::Result<Got, E> {
        match i64::try_from(n) {
            Ok(n) => self.visit_i64(n),
            Err(_) => Err(E::custom("a number out of range")),
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Got, A::Error> {
        if self.0.kind != Kind::List {
            return Err(de::Error::custom("a list"));
        }
        let out = self.0.out;
        out.push(b'[');
        let mut first = true;
        loop {
            let at = out.len();
            if !first {
                out.push(b',');
            }
            let item = seq.next_element_seed(ValueSeed {
                out: &mut *out,
                kind: Kind::Text,
            })?;
            if item.is_none() {
                out.truncate(at);
                break;
            }
            first = false;
        }
        out.push(b']');
        Ok(Got::List)
    }
}

/// What the checks need to know of a text field's value.
#[derive(Clone, Copy)]
struct TextFacts {
    blank: bool,
    empty: bool,
}

impl TextFacts {
    fn of(s: &str) -> Self {
        TextFacts {
            blank: s.trim().is_empty(),
            empty: s.is_empty(),
        }
    }
}

impl TokenFacts {
    /// Notes the value of field `field` (by its index in [`FIELDS`]).
    fn saw(&mut self, field: usize, t: TextFacts) {
        match field {
            APP_ID => self.app_id_blank = t.blank,
            TENANT_ID => self.tenant_id_blank = t.blank,
            REFRESH_TOKEN | ACCESS_TOKEN => self.has_token |= !t.empty,
            _ => {}
        }
    }

    fn saw_text(&mut self, field: usize, s: &str) {
        self.saw(field, TextFacts::of(s));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::decode_input;
    use serde_json::{json, Value};

    fn body(b: &TokenBatch) -> &str {
        std::str::from_utf8(&b.body).unwrap()
    }

    /// The typed path: decode, then write. `Err` holds the error's message.
    fn typed(list: &Value) -> std::result::Result<TokenBatch, String> {
        let tokens: Vec<TenantToken> =
            decode_input("tokens", list).map_err(|e| e.message().to_owned())?;
        TokenBatch::from_tokens(&tokens).map_err(|e| e.message().to_owned())
    }

    /// The direct paths; `None` when one gives up (they must agree).
    fn direct(list: &Value) -> Option<std::result::Result<TokenBatch, String>> {
        let mut w = TokenBatchWriter::new(8);
        let from_source = list
            .as_array()?
            .iter()
            .all(|item| w.push_source(item))
            .then(|| w.finish().map_err(|e| e.message().to_owned()));
        let mut w = TokenBatchWriter::new(8);
        let from_json = w
            .push_json_list(&list.to_string())
            .then(|| w.finish().map_err(|e| e.message().to_owned()));
        assert_eq!(
            from_source
                .as_ref()
                .map(|r| r.as_ref().map(body).map_err(String::as_str)),
            from_json
                .as_ref()
                .map(|r| r.as_ref().map(body).map_err(String::as_str)),
            "{list}"
        );
        from_source
    }

    #[test]
    fn the_direct_paths_write_what_the_typed_path_writes_and_give_up_where_it_fails() {
        let cases = [
            json!([{"appId": "a", "tenantId": "t", "refreshToken": "r", "scopes": ["x", "y\"z"], "accessTokenExpiry": 5}]),
            json!([{"grantedBy": "g", "id_token": "i", "app_id": "a", "tenant_id": "t", "access_token": "r\n\u{1}é", "access_token_expiry": null, "scopes": []}]),
            json!([{"appId": "a", "tenantId": "t", "refreshToken": "r", "accessTokenType": "", "externalIdentifier": "e"}, {"appId": "b", "tenantId": "u", "accessToken": "s"}]),
            json!([{"appId": " ", "tenantId": "t", "refreshToken": ""}, {"appId": "a", "tenantId": "t", "accessToken": "s", "accessTokenExpiry": -1}]),
            json!([{"appId": "a", "tenantId": "t", "accessTokenExpiry": 4_294_967_296_i64, "accessToken": "x"}]),
            json!([{"tenantId": "t", "refreshToken": "r"}]),
            json!([]),
            json!([{"appId": "a", "tenantId": "t", "accessToken": "r", "bogus": 1}]),
            json!([{"appId": "a", "tenantId": "t", "accessToken": "r", "accessTokenExpiry": 1.5}]),
            json!([{"appId": "a", "tenantId": "t", "accessToken": "r", "accessTokenExpiry": "5"}]),
            json!([{"appId": "a", "tenantId": "t", "accessToken": "r", "accessTokenExpiry": u64::MAX}]),
            json!([{"appId": null, "tenantId": "t", "accessToken": "r"}]),
            json!([{"appId": "a", "tenantId": "t", "accessToken": 5}]),
            json!([{"appId": "a", "tenantId": "t", "accessToken": "r", "scopes": [null]}]),
            json!([{"appId": "a", "tenantId": "t", "accessToken": "r", "scopes": "x"}]),
            json!([["a", "t", "r"]]),
            json!(["a"]),
            json!([{"appId": "a", "app_id": "b", "tenantId": "t", "accessToken": "r"}]),
            json!([{"appId": "a", "tenantId": "t", "accessToken": "r", "accessToken": "s"}]),
        ];
        for case in cases {
            let slow = typed(&case);
            match direct(&case) {
                Some(fast) => assert_eq!(
                    fast.as_ref().map(body).map_err(String::as_str),
                    slow.as_ref().map(body).map_err(String::as_str),
                    "{case}"
                ),
                None => assert!(slow.is_err(), "the direct path gave up on {case}"),
            }
        }
    }

    #[test]
    fn the_body_is_the_one_serde_writes() {
        let tokens = vec![
            TenantToken {
                access_token_expiry: Some(7),
                scopes: Some(vec!["a".into(), "b".into()]),
                id_token: Some("i\"d".into()),
                granted_by: Some("g".into()),
                ..TenantToken::new("app", "T1")
                    .refresh_token("r")
                    .access_token("x")
            },
            TenantToken::new("app", "T2").access_token("é\u{7}"),
        ];
        let batch = TokenBatch::from_tokens(&tokens).unwrap();
        #[derive(serde::Serialize)]
        struct Body<'a> {
            tokens: &'a [TenantToken],
        }
        let serde = serde_json::to_string(&Body { tokens: &tokens }).unwrap();
        assert_eq!(body(&batch), serde);
        assert_eq!(batch.len(), 2);
    }

    #[test]
    fn secrets_are_found_in_the_body_as_their_own_text() {
        let tokens = vec![
            TenantToken::new("app", "T1")
                .refresh_token("plain-r")
                .access_token("q\"uote"),
            TenantToken {
                id_token: Some("new\nline".into()),
                ..TenantToken::new("app", "T2").access_token("é")
            },
        ];
        let batch = TokenBatch::from_tokens(&tokens).unwrap();
        let mut secrets: Vec<&str> = batch.secrets().collect();
        secrets.sort_unstable();
        assert_eq!(secrets, ["new\nline", "plain-r", "q\"uote", "é"]);
        let debug = format!("{batch:?}");
        assert!(
            !debug.contains("plain-r") && debug.contains("REDACTED"),
            "{debug}"
        );
    }

    #[test]
    fn problems_are_the_typed_checks_messages_for_every_item() {
        let tokens = vec![
            TenantToken::new("app", "T1").refresh_token("r"),
            TenantToken::new("", "T2"),
        ];
        let from_writer = TokenBatch::from_tokens(&tokens).unwrap_err();
        let from_check = crate::validate_tenant_tokens(&tokens).unwrap_err();
        assert_eq!(from_writer.message(), from_check.message());
        assert!(from_writer
            .message()
            .contains("tokens[1]: appId is required"));
    }
}

#[cfg(test)]
mod field_list {
    use super::*;

    /// The names serde's derived `Deserialize` of `TenantToken` knows (wire names and
    /// aliases), read by a deserializer that only records them.
    fn serde_fields() -> &'static [&'static str] {
        use serde::de::{Deserialize, Error as _};

        #[derive(Debug)]
        struct Found(&'static [&'static str]);
        impl fmt::Display for Found {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("probe")
            }
        }
        impl std::error::Error for Found {}
        impl de::Error for Found {
            fn custom<M: fmt::Display>(_: M) -> Self {
                Found(&[])
            }
        }
        struct Probe;
        impl<'de> Deserializer<'de> for Probe {
            type Error = Found;
            fn deserialize_any<V: Visitor<'de>>(
                self,
                _: V,
            ) -> std::result::Result<V::Value, Found> {
                Err(Found::custom(""))
            }
            fn deserialize_struct<V: Visitor<'de>>(
                self,
                _: &'static str,
                fields: &'static [&'static str],
                _: V,
            ) -> std::result::Result<V::Value, Found> {
                Err(Found(fields))
            }
            serde::forward_to_deserialize_any! {
                bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
                byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
                identifier ignored_any
            }
        }
        match TenantToken::deserialize(Probe) {
            Err(Found(fields)) => fields,
            Ok(_) => &[],
        }
    }

    #[test]
    fn the_writer_knows_every_field_of_the_model() {
        let mut ours: Vec<&str> = FIELDS
            .iter()
            .flat_map(|(wire, alias, _)| [*wire, *alias])
            .collect();
        let mut theirs: Vec<&str> = serde_fields().to_vec();
        ours.sort_unstable();
        ours.dedup();
        theirs.sort_unstable();
        theirs.dedup();
        assert!(!theirs.is_empty());
        assert_eq!(
            ours, theirs,
            "add the new TenantToken field to FIELDS and TokenView"
        );
    }
}
