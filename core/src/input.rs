//! Decoding caller input (wire-shaped JSON, or values a binding converted to JSON) into the
//! request models, with errors that name the field path and never quote a value.
//!
//! Every binding hands its callers' dicts, objects and JSON strings to this module, so the
//! schema (field names, `snake_case` aliases, types, unknown fields) lives once, in the
//! models' serde attributes. One deserializer reads every input: JSON values, and a
//! binding's own values through [`Source`] (the bulk path, [`decode_from`]). Errors are `INVALID_ARGUMENT`; [`Error::is_type_error`] tells a
//! wrong type (a `TypeError` in Python and JavaScript) from a wrong value.

use std::fmt::{self, Display};

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, Expected, IntoDeserializer, MapAccess,
    SeqAccess, Unexpected, Visitor,
};
use serde_json::Value;

use crate::error::{Error, Result};

/// Decodes `value` into `T`. `root` names the argument in errors (e.g. `tokens`, `template`).
pub fn decode_input<T: DeserializeOwned>(root: &str, value: &Value) -> Result<T> {
    read(value)
        .and_then(T::deserialize)
        .map_err(|e| e.into_error(root))
}

/// Parses JSON text and decodes it into `T`, like [`decode_input`]. Syntax errors give the
/// line and column, never the text.
pub fn decode_input_json<T: DeserializeOwned>(root: &str, json: &str) -> Result<T> {
    let value: Value = serde_json::from_str(json).map_err(|e| {
        Error::invalid_argument(format!(
            "{root} is not valid JSON (line {}, column {}); nothing was sent",
            e.line(),
            e.column()
        ))
    })?;
    decode_input(root, &value)
}

/// Whether a caller's key may be quoted in an error: a short identifier with few digits, as
/// every field name of the models is. A token or key pasted where a field name belongs
/// never is, so it is shown as `<field>` instead.
pub fn is_showable_field_name(name: &str) -> bool {
    name.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && name.len() <= 40
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
        && name.bytes().filter(u8::is_ascii_digit).count() <= 3
}

/// What serde expected, in JSON's words (`an integer`, `an object`) rather than Rust's.
fn expected_in_json(exp: &dyn Expected) -> String {
    let text = exp.to_string();
    match text.as_str() {
        "i8" | "i16" | "i32" | "i64" | "i128" | "u8" | "u16" | "u32" | "u64" | "u128" => {
            "an integer".to_string()
        }
        "f32" | "f64" => "a number".to_string(),
        t if t.starts_with("struct ") || t.starts_with("a map") => "an object".to_string(),
        t if t.starts_with("a sequence") => "a list".to_string(),
        _ => text,
    }
}

/// What was wrong with the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A value of the wrong JSON type.
    WrongType,
    /// A value of the right type that is not allowed, or a list of the wrong length.
    Invalid,
    /// A field this model does not have (a misspelling).
    Unknown,
    /// A required field is absent.
    Missing,
}

/// A decoding error: a kind, the path (innermost last once complete) and a value-free detail.
#[derive(Debug)]
pub(crate) struct InputError {
    kind: Kind,
    /// Path segments, innermost first while the error travels up.
    path: Vec<Segment>,
    detail: String,
}

#[derive(Debug)]
enum Segment {
    Index(usize),
    Key(String),
}

impl InputError {
    fn new(kind: Kind, detail: String) -> Self {
        InputError {
            kind,
            path: Vec::new(),
            detail,
        }
    }

    fn at(mut self, segment: Segment) -> Self {
        self.path.push(segment);
        self
    }

    fn into_error(self, root: &str) -> Error {
        let mut path = root.to_string();
        for seg in self.path.iter().rev() {
            match seg {
                Segment::Index(i) => path.push_str(&format!("[{i}]")),
                Segment::Key(k) => {
                    path.push('.');
                    path.push_str(if is_showable_field_name(k) {
                        k
                    } else {
                        "<field>"
                    });
                }
            }
        }
        let what = match self.kind {
            Kind::WrongType => format!("{path} has the wrong type: {}", self.detail),
            Kind::Invalid => format!("{path} is not valid: {}", self.detail),
            Kind::Unknown => format!("{path} is not a known field{}", self.detail),
            Kind::Missing => format!("{path} is missing {}", self.detail),
        };
        let e = Error::invalid_argument(format!("{what}; nothing was sent"));
        if self.kind == Kind::WrongType {
            e.with_type_error()
        } else {
            e
        }
    }
}

impl Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

impl std::error::Error for InputError {}

/// The JSON type of an unexpected value, without the value.
fn kind_of(unexp: &Unexpected<'_>) -> &'static str {
    match unexp {
        Unexpected::Bool(_) => "a boolean",
        Unexpected::Unsigned(_) | Unexpected::Signed(_) => "an integer",
        Unexpected::Float(_) => "a number with a fraction",
        Unexpected::Char(_) | Unexpected::Str(_) => "a string",
        Unexpected::Bytes(_) => "bytes",
        Unexpected::Unit | Unexpected::Option => "null",
        Unexpected::Seq => "a list",
        Unexpected::Map => "an object",
        _ => "a value of another kind",
    }
}

impl de::Error for InputError {
    fn custom<T: Display>(msg: T) -> Self {
        // Only serde's and this crate's own messages reach here (e.g. "duplicate field");
        // they describe the schema, not the caller's values.
        InputError::new(Kind::Invalid, msg.to_string())
    }

    fn invalid_type(unexp: Unexpected<'_>, exp: &dyn Expected) -> Self {
        InputError::new(
            Kind::WrongType,
            format!(
                "expected {}, got {}",
                expected_in_json(exp),
                kind_of(&unexp)
            ),
        )
    }

    fn invalid_value(unexp: Unexpected<'_>, exp: &dyn Expected) -> Self {
        InputError::new(
            Kind::Invalid,
            format!(
                "expected {}, got another {}",
                expected_in_json(exp),
                kind_of(&unexp)
            ),
        )
    }

    fn invalid_length(len: usize, exp: &dyn Expected) -> Self {
        InputError::new(
            Kind::Invalid,
            format!("{len} items, expected {}", expected_in_json(exp)),
        )
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        InputError::new(
            Kind::Unknown,
            format!(
                " (known fields: {}); check the spelling",
                expected.join(", ")
            ),
        )
        .at(Segment::Key(field.to_string()))
    }

    fn missing_field(field: &'static str) -> Self {
        InputError::new(Kind::Missing, format!("the required field {field}"))
    }
}

/// One value of a caller's input, as a binding reads it from its language (or as a JSON
/// value holds it).
pub enum Read<S: Source> {
    /// `None` / `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A whole number of 0 or more.
    U64(u64),
    /// A negative whole number.
    I64(i64),
    /// A finite number with a fraction (or written as a float).
    F64(f64),
    /// A string (valid Unicode), borrowed from the source where it can be.
    Str(S::Text),
    /// A list's items, in order.
    List(S::Items),
    /// An object's entries, each a string key and its value.
    Map(S::Entries),
}

/// A value the input decoder can read: a JSON value, or a binding's own (a Python dict).
/// Each item or entry is `None` when it cannot be read (a key that is not a string, say).
pub trait Source: Sized {
    /// The items of a list.
    type Items: Iterator<Item = Option<Self>>;
    /// An object's key (borrowed from the source where it can be, so that the field
    /// names of 100,000 tokens are not copied).
    type Key: AsRef<str>;
    /// A string value (borrowed from the source where it can be, so that a value is copied
    /// only where it is kept: into a model, or straight into a request body).
    type Text: AsRef<str>;
    /// The entries of an object.
    type Entries: Iterator<Item = Option<(Self::Key, Self)>>;
    /// What this value is; `None` for anything JSON cannot carry.
    fn read(self) -> Option<Read<Self>>;
}

/// Decodes a binding's own value into `T`, or `None` when it cannot: then decode the same
/// value through JSON ([`decode_input`]) for the error to report. This is the bulk path: no
/// intermediate JSON value, and field paths are only built for errors.
pub fn decode_from<T: DeserializeOwned, S: Source>(source: S) -> Option<T> {
    T::deserialize(Node(source.read()?)).ok()
}

/// A JSON value as a source (strings are borrowed from it).
impl<'a> Source for &'a Value {
    type Items = std::iter::Map<std::slice::Iter<'a, Value>, fn(&'a Value) -> Option<&'a Value>>;
    type Key = &'a str;
    type Text = &'a str;
    type Entries = std::iter::Map<
        serde_json::map::Iter<'a>,
        fn((&'a String, &'a Value)) -> Option<(&'a str, &'a Value)>,
    >;

    fn read(self) -> Option<Read<Self>> {
        Some(match self {
            Value::Null => Read::Null,
            Value::Bool(b) => Read::Bool(*b),
            Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => Read::U64(u),
                (None, Some(i)) => Read::I64(i),
                _ => Read::F64(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => Read::Str(s.as_str()),
            Value::Array(items) => Read::List(items.iter().map(Some as _)),
            Value::Object(map) => Read::Map(map.iter().map(entry as _)),
        })
    }
}

fn entry<'a>((key, value): (&'a String, &'a Value)) -> Option<(&'a str, &'a Value)> {
    Some((key.as_str(), value))
}

/// A value already read from its source, deserialized with errors that carry paths and
/// no values. The one set of rules for every input: a model only from an object (serde's
/// derived visitors would also take a list, field by field, which no caller means), an
/// enum only from a string, numbers as JSON text carries them.
pub(crate) struct Node<S: Source>(pub(crate) Read<S>);

fn read<S: Source>(source: S) -> Result<Node<S>, InputError> {
    source
        .read()
        .map(Node)
        .ok_or_else(|| de::Error::custom("a value JSON cannot carry"))
}

fn unexpected<S: Source>(value: &Read<S>) -> Unexpected<'static> {
    match value {
        Read::Null => Unexpected::Unit,
        Read::Bool(_) => Unexpected::Bool(false),
        // Any number reads as "an integer" here, as it always has for a model or an enum.
        Read::U64(_) | Read::I64(_) | Read::F64(_) => Unexpected::Signed(0),
        Read::Str(_) => Unexpected::Str(""),
        Read::List(_) => Unexpected::Seq,
        Read::Map(_) => Unexpected::Map,
    }
}

impl<'de, S: Source> Deserializer<'de> for Node<S> {
    type Error = InputError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, InputError> {
        match self.0 {
            Read::Null => v.visit_unit(),
            Read::Bool(b) => v.visit_bool(b),
            Read::U64(n) => v.visit_u64(n),
            Read::I64(n) => v.visit_i64(n),
            Read::F64(n) => v.visit_f64(n),
            Read::Str(s) => v.visit_str(s.as_ref()),
            Read::List(items) => v.visit_seq(Items::<S> { items, next: 0 }),
            Read::Map(entries) => v.visit_map(Entries::<S> {
                entries,
                pending: None,
            }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, InputError> {
        match self.0 {
            Read::Null => v.visit_none(),
            _ => v.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, InputError> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, InputError> {
        match self.0 {
            Read::Map(entries) => v.visit_map(Entries::<S> {
                entries,
                pending: None,
            }),
            other => Err(de::Error::invalid_type(unexpected(&other), &"an object")),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, InputError> {
        match self.0 {
            Read::Str(s) => v.visit_enum(s.as_ref().into_deserializer()),
            other => Err(de::Error::invalid_type(unexpected(&other), &"a string")),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier
        ignored_any
    }
}

struct Items<S: Source> {
    items: S::Items,
    next: usize,
}

impl<'de, S: Source> SeqAccess<'de> for Items<S> {
    type Error = InputError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, InputError> {
        let Some(item) = self.items.next() else {
            return Ok(None);
        };
        let i = self.next;
        self.next += 1;
        let item = item.ok_or_else(|| de::Error::custom("an item JSON cannot carry"));
        item.and_then(read)
            .and_then(|node| seed.deserialize(node))
            .map(Some)
            .map_err(|e| e.at(Segment::Index(i)))
    }

    fn size_hint(&self) -> Option<usize> {
        self.items.size_hint().1
    }
}

struct Entries<S: Source> {
    entries: S::Entries,
    pending: Option<(S::Key, S)>,
}

impl<'de, S: Source> MapAccess<'de> for Entries<S> {
    type Error = InputError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, InputError> {
        match self.entries.next() {
            None => Ok(None),
            Some(None) => Err(de::Error::custom("a key that is not a string")),
            Some(Some((key, value))) => {
                let field = seed.deserialize(key.as_ref().into_deserializer());
                self.pending = Some((key, value));
                field.map(Some)
            }
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, InputError> {
        let (key, value) = self
            .pending
            .take()
            .ok_or_else(|| <InputError as de::Error>::custom("a value without a key"))?;
        read(value)
            .and_then(|node| seed.deserialize(node))
            .map_err(|e| e.at(Segment::Key(key.as_ref().to_owned())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ErrorCode, NewDcrTemplate, TenantToken};
    use serde_json::json;

    fn tokens(v: Value) -> Result<Vec<TenantToken>> {
        decode_input("tokens", &v)
    }

    #[test]
    fn the_bulk_path_decodes_what_the_json_path_decodes_and_gives_up_on_the_rest() {
        let cases = [
            json!([{"appId": "a", "tenantId": "t", "refreshToken": "r", "scopes": ["x"], "accessTokenExpiry": 5}]),
            json!([{"app_id": "a", "tenant_id": "t", "access_token": "r", "access_token_expiry": null}]),
            json!([{"appId": "a", "tenantId": "t", "accessToken": "r", "bogus": 1}]),
            json!([{"appId": "a", "tenantId": "t", "accessTokenExpiry": 1.5}]),
            json!([["a", "t", "r"]]),
            json!([{"appId": "a", "app_id": "b", "tenantId": "t"}]),
        ];
        for case in cases {
            let slow = decode_input::<Vec<TenantToken>>("tokens", &case).ok();
            assert_eq!(decode_from::<Vec<TenantToken>, _>(&case), slow, "{case}");
        }
    }

    #[test]
    fn camel_and_snake_names_decode_to_the_same_model() {
        let a = tokens(
            json!([{"appId": "a", "tenantId": "t", "refreshToken": "r", "accessTokenExpiry": 5}]),
        )
        .unwrap();
        let b = tokens(json!([{"app_id": "a", "tenant_id": "t", "refresh_token": "r", "access_token_expiry": 5}])).unwrap();
        assert_eq!(a, b);
        assert_eq!(a[0].access_token_expiry, Some(5));
    }

    #[test]
    fn errors_name_the_path_and_never_the_value() {
        let cases = [
            (
                json!([{"appId": "a"}, {"appId": 7}]),
                "tokens[1].appId",
                true,
            ),
            (
                json!([{"appId": "a", "accessTokenExpiry": 1.5}]),
                "tokens[0].accessTokenExpiry",
                true,
            ),
            (
                json!([{"appId": "a", "scopes": ["x", {"k": 1}]}]),
                "tokens[0].scopes[1]",
                true,
            ),
            (
                json!([{"appId": "a", "refreshTokn": "s3cret-value"}]),
                "tokens[0].refreshTokn",
                false,
            ),
            (json!({"appId": "a"}), "tokens", true),
            (
                json!([{"appId": "a", "accessTokenExpiry": 99999999999999999999u128 as f64}]),
                "tokens[0].accessTokenExpiry",
                true,
            ),
        ];
        for (v, path, type_error) in cases {
            let e = tokens(v).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidArgument);
            assert!(e.message().contains(path), "{path}: {}", e.message());
            assert_eq!(e.is_type_error(), type_error, "{path}: {}", e.message());
            assert!(!e.message().contains("s3cret"), "a value was quoted");
        }
        let e = tokens(json!([{"appId": "a", "refreshToken": 12345678}])).unwrap_err();
        assert!(!e.message().contains("12345678"), "{}", e.message());
    }

    #[test]
    fn a_list_is_never_read_as_a_model() {
        let e = tokens(json!([["slack", "T2a", "tok-secret"]])).unwrap_err();
        assert!(
            e.is_type_error()
                && e.message()
                    .contains("tokens[0] has the wrong type: expected an object, got a list"),
            "{}",
            e.message()
        );
        let e = decode_input::<NewDcrTemplate>("template", &json!(["n"])).unwrap_err();
        assert!(e.is_type_error(), "{}", e.message());
    }

    #[test]
    fn a_key_that_is_not_a_field_name_is_never_quoted() {
        let e = tokens(json!([{"appId": "a", "ghp_9f8e7d6c5b4a39281706": 1}])).unwrap_err();
        assert!(
            e.message()
                .contains("tokens[0].<field> is not a known field"),
            "{}",
            e.message()
        );
        assert!(!e.message().contains("ghp_"), "{}", e.message());
        let e = tokens(json!([{"appId": "a", "accessTokn": "x"}])).unwrap_err();
        assert!(
            e.message()
                .contains("tokens[0].accessTokn is not a known field"),
            "{}",
            e.message()
        );
        for name in [
            "appId",
            "refresh_token",
            "loginPageURL",
            "forceAddAllAuthorizationInfo",
        ] {
            assert!(is_showable_field_name(name), "{name}");
        }
        for name in [
            "",
            "sk-live-1",
            "ey.J",
            "a1b2c3d4",
            &"x".repeat(41),
            "Zoë",
            "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
            "ya29.a0AfH6SMB",
            "a b",
            "1abc",
            "tok1234",
        ] {
            assert!(!is_showable_field_name(name), "{name}");
        }
    }

    #[test]
    fn expectations_are_in_json_words() {
        let e = tokens(json!([{"appId": "a", "accessTokenExpiry": "soon"}])).unwrap_err();
        assert!(
            e.message().contains("expected an integer, got a string"),
            "{}",
            e.message()
        );
        let e = tokens(json!(["x"])).unwrap_err();
        assert!(
            e.message().contains("expected an object, got a string"),
            "{}",
            e.message()
        );
        let e = tokens(json!({})).unwrap_err();
        assert!(
            e.message().contains("expected a list, got an object"),
            "{}",
            e.message()
        );
    }

    #[test]
    fn templates_decode_with_nested_settings() {
        let t: NewDcrTemplate = decode_input(
            "template",
            &json!({"name": "n", "login_page_url": "https://x", "sessionSettings": {"refresh_token_expiration": 3, "refreshTokenExpirationUnit": "days"}}),
        )
        .unwrap();
        assert_eq!(t.login_page_url.as_deref(), Some("https://x"));
        let s = t.session_settings.unwrap();
        assert_eq!(s.refresh_token_expiration, Some(3));
        assert_eq!(s.refresh_token_expiration_unit.as_deref(), Some("days"));
        let e = decode_input::<NewDcrTemplate>("template", &json!({"name": "n", "tags": "x"}))
            .unwrap_err();
        assert!(
            e.message().contains("template.tags") && e.is_type_error(),
            "{}",
            e.message()
        );
        let e =
            decode_input_json::<NewDcrTemplate>("template", "{\"name\": \"secret-ish").unwrap_err();
        assert!(e.message().contains("line 1") && !e.message().contains("secret-ish"));
    }
}
