//! The input decoder over a binding's own values: a Python dict or list is read straight
//! into a request model, with no JSON value in between (the bulk upload's hot path: no
//! intermediate tree, no field paths built for values that turn out fine).
//!
//! It reads exactly what the JSON path ([`decode_input`](crate::input::decode_input))
//! reads, with the same serde rules (a model only from an object, an enum only from a
//! string, numbers as JSON text carries them), but it reports no errors: anything the
//! source cannot read, and any decoding error, gives `None`. The binding then decodes the
//! same value through JSON, whose errors (path, JSON wording, never a value) it reports.

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess,
    Visitor,
};

/// One value of a caller's input, as a binding reads it from its language.
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
    /// A string (valid Unicode).
    Str(String),
    /// A list's items, in order.
    List(S::Items),
    /// An object's entries, each a string key and its value.
    Map(S::Entries),
}

/// A value of a binding's language that the decoder can read. Each item or entry is
/// `None` when it cannot be read (a key that is not a string, say).
pub trait Source: Sized {
    /// The items of a list.
    type Items: Iterator<Item = Option<Self>>;
    /// An object's key (borrowed from the source where it can be, so that the field
    /// names of 100,000 tokens are not copied).
    type Key: AsRef<str>;
    /// The entries of an object.
    type Entries: Iterator<Item = Option<(Self::Key, Self)>>;
    /// What this value is; `None` for anything JSON cannot carry (the JSON path reports it).
    fn read(self) -> Option<Read<Self>>;
}

/// Decodes a binding's value into `T`, or `None` when it cannot (then decode the same
/// value through JSON for the error to report).
pub fn decode_from<T: DeserializeOwned, S: Source>(source: S) -> Option<T> {
    T::deserialize(Value(source.read()?)).ok()
}

/// Why the fast path gave up; never shown (the JSON path reports the error).
#[derive(Debug)]
struct GiveUp;

impl std::fmt::Display for GiveUp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not decodable by the fast path")
    }
}

impl std::error::Error for GiveUp {}

impl de::Error for GiveUp {
    fn custom<T: std::fmt::Display>(_msg: T) -> Self {
        GiveUp
    }
}

/// A value already read from its source.
struct Value<S: Source>(Read<S>);

fn read<S: Source>(source: S) -> Result<Value<S>, GiveUp> {
    source.read().map(Value).ok_or(GiveUp)
}

impl<'de, S: Source> Deserializer<'de> for Value<S> {
    type Error = GiveUp;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        match self.0 {
            Read::Null => v.visit_unit(),
            Read::Bool(b) => v.visit_bool(b),
            Read::U64(n) => v.visit_u64(n),
            Read::I64(n) => v.visit_i64(n),
            Read::F64(n) => v.visit_f64(n),
            Read::Str(s) => v.visit_string(s),
            Read::List(items) => v.visit_seq(Items::<S>(items)),
            Read::Map(entries) => v.visit_map(Entries::<S> {
                entries,
                pending: None,
            }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        match self.0 {
            Read::Null => v.visit_none(),
            _ => v.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, GiveUp> {
        v.visit_newtype_struct(self)
    }

    /// A model is read from an object only, as the JSON path does.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, GiveUp> {
        match self.0 {
            Read::Map(entries) => v.visit_map(Entries::<S> {
                entries,
                pending: None,
            }),
            _ => Err(GiveUp),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, GiveUp> {
        match self.0 {
            Read::Str(s) => v.visit_enum(s.into_deserializer()),
            _ => Err(GiveUp),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier
        ignored_any
    }
}

struct Items<S: Source>(S::Items);

impl<'de, S: Source> SeqAccess<'de> for Items<S> {
    type Error = GiveUp;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, GiveUp> {
        match self.0.next() {
            None => Ok(None),
            Some(item) => seed.deserialize(read(item.ok_or(GiveUp)?)?).map(Some),
        }
    }
}

struct Entries<S: Source> {
    entries: S::Entries,
    pending: Option<S>,
}

impl<'de, S: Source> MapAccess<'de> for Entries<S> {
    type Error = GiveUp;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, GiveUp> {
        match self.entries.next() {
            None => Ok(None),
            Some(entry) => {
                let (key, value) = entry.ok_or(GiveUp)?;
                self.pending = Some(value);
                seed.deserialize(key.as_ref().into_deserializer()).map(Some)
            }
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, GiveUp> {
        let value = self.pending.take().ok_or(GiveUp)?;
        seed.deserialize(read(value)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::decode_input;
    use crate::TenantToken;
    use serde_json::json;

    /// A JSON value as a source: the fast path must agree with the JSON path on it.
    impl Source for serde_json::Value {
        type Items =
            std::iter::Map<std::vec::IntoIter<serde_json::Value>, fn(Self) -> Option<Self>>;
        type Key = String;
        type Entries = std::iter::Map<
            serde_json::map::IntoIter,
            fn((String, serde_json::Value)) -> Option<(String, serde_json::Value)>,
        >;

        fn read(self) -> Option<Read<Self>> {
            Some(match self {
                serde_json::Value::Null => Read::Null,
                serde_json::Value::Bool(b) => Read::Bool(b),
                serde_json::Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                    (Some(u), _) => Read::U64(u),
                    (None, Some(i)) => Read::I64(i),
                    _ => Read::F64(n.as_f64()?),
                },
                serde_json::Value::String(s) => Read::Str(s),
                serde_json::Value::Array(items) => Read::List(items.into_iter().map(Some as _)),
                serde_json::Value::Object(map) => Read::Map(map.into_iter().map(Some as _)),
            })
        }
    }

    #[test]
    fn the_fast_path_decodes_what_the_json_path_decodes_and_gives_up_on_the_rest() {
        let cases = [
            json!([{"appId": "a", "tenantId": "t", "refreshToken": "r", "scopes": ["x"], "accessTokenExpiry": 5}]),
            json!([{"app_id": "a", "tenant_id": "t", "access_token": "r", "access_token_expiry": null}]),
            json!([{"appId": "a", "tenantId": "t", "accessToken": "r", "bogus": 1}]),
            json!([{"appId": "a", "tenantId": "t", "accessTokenExpiry": "soon"}]),
            json!([{"appId": "a", "tenantId": "t", "accessTokenExpiry": 1.5}]),
            json!([{"appId": "a", "tenantId": "t", "accessTokenExpiry": -7}]),
            json!([["a", "t", "r"]]),
            json!({"appId": "a"}),
            json!([{"appId": "a", "app_id": "b", "tenantId": "t"}]),
        ];
        for case in cases {
            let slow = decode_input::<Vec<TenantToken>>("tokens", &case).ok();
            let fast = decode_from::<Vec<TenantToken>, _>(case.clone());
            assert_eq!(fast, slow, "{case}");
        }
    }
}
