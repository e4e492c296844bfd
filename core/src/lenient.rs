//! Lenient decoding of server answers: a field whose type drifted never costs the rest of
//! the answer (for a rotate, that would throw away a new secret the server already made).
//!
//! A known field that is `null` or missing takes its empty value; a known field of an
//! unexpected shape takes its empty value and is kept, raw, among the unknown fields.

use serde::de::{DeserializeOwned, Deserializer};
use serde::Deserialize;
use serde_json::{Map, Value};

/// The fields of one JSON object, taken one by one.
pub(crate) struct Fields {
    map: Map<String, Value>,
}

impl Fields {
    /// Decodes an object from any deserializer (a non-object is an error).
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Fields, D::Error> {
        Map::deserialize(d).map(|map| Fields { map })
    }

    /// Takes field `key`: its value when it has the expected shape, else the empty value
    /// (and a value of another shape stays behind, to be returned by [`Fields::rest`]).
    pub(crate) fn take<T: DeserializeOwned + Default>(&mut self, key: &str) -> T {
        match self.map.get(key) {
            None => T::default(),
            Some(Value::Null) => {
                self.map.remove(key);
                T::default()
            }
            Some(v) => match T::deserialize(v) {
                Ok(t) => {
                    self.map.remove(key);
                    t
                }
                Err(_) => T::default(),
            },
        }
    }

    /// Takes field `key` as it is (`null` when absent).
    pub(crate) fn take_raw(&mut self, key: &str) -> Value {
        self.map.remove(key).unwrap_or_default()
    }

    /// Takes field `key` as text: a string as is, a number or a boolean in its JSON form.
    pub(crate) fn take_text(&mut self, key: &str) -> String {
        match self.map.get(key) {
            Some(Value::String(_)) => match self.map.remove(key) {
                Some(Value::String(s)) => s,
                _ => String::new(),
            },
            Some(v @ (Value::Number(_) | Value::Bool(_))) => {
                let text = v.to_string();
                self.map.remove(key);
                text
            }
            Some(Value::Null) => {
                self.map.remove(key);
                String::new()
            }
            _ => String::new(),
        }
    }

    /// The fields not taken: unknown ones and known ones of an unexpected shape.
    pub(crate) fn rest(self) -> Map<String, Value> {
        self.map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drifted_fields_are_kept_raw_and_null_is_empty() {
        let mut f = Fields::deserialize(serde_json::json!({
            "a": null, "b": "x", "c": 1.5, "d": [1], "e": 7, "new": {"k": true},
            "t1": 3, "t2": "v", "t3": [true], "t4": null
        }))
        .unwrap();
        assert_eq!(
            ["t1", "t2", "t3", "t4"].map(|k| f.take_text(k)),
            ["3", "v", "", ""]
        );
        assert_eq!(f.take::<Vec<String>>("a"), Vec::<String>::new());
        assert_eq!(f.take::<i64>("b"), 0);
        assert_eq!(f.take::<i64>("c"), 0);
        assert_eq!(f.take::<Map<String, Value>>("d"), Map::new());
        assert_eq!(f.take::<i64>("e"), 7);
        assert_eq!(f.take::<String>("missing"), "");
        assert_eq!(f.take_text("e"), "");
        let rest = f.rest();
        // Sorted: the map's order depends on serde_json's `preserve_order` feature, which
        // another crate of the workspace may turn on.
        let mut keys: Vec<&str> = rest.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["b", "c", "d", "new", "t3"]);
        assert!(Fields::deserialize(serde_json::json!([1])).is_err());
    }
}
