//! Reads JavaScript arguments into JSON values for the core's serde models, like a careful
//! `JSON.stringify` that refuses what it cannot carry instead of altering it:
//!
//! - only own enumerable string-keyed properties are read, so a property added to
//!   `Object.prototype` (prototype pollution) or inherited from a class has no effect;
//! - arrays are read element by element up to their `length`, which callers bound first:
//!   nothing is allocated from the length (napi's own conversion reserves `length` slots
//!   up front and aborts the process on `a.length = 1e9`), and a hole is a `TypeError`;
//! - containers nested deeper than any model allows are not read: an empty container of
//!   the same kind stands in, which the model then refuses by type, so cycles and shared
//!   subtrees cost nothing; the values read from one argument are also capped;
//! - a string holding a lone UTF-16 surrogate is `INVALID_ARGUMENT` (napi would silently
//!   replace it with U+FFFD); `NaN`, `±Infinity`, BigInt, Symbol, function and external
//!   values are `TypeError`s.
//!
//! Errors name the path of the value (`tokens[3].accessToken`), never the value itself.

use std::ptr;

use napi::{sys, Status};
use serde_json::{Map, Number, Value};

use crate::errors::{invalid_argument, type_error};

/// The most values (scalars and containers) read from one argument.
pub(crate) const MAX_VALUES: usize = 10_000_000;

/// `typeof` results, as napi numbers them (BigInt is 9 from N-API 6 on).
const UNDEFINED: i32 = sys::ValueType::napi_undefined;
const NULL: i32 = sys::ValueType::napi_null;
const BOOLEAN: i32 = sys::ValueType::napi_boolean;
const NUMBER: i32 = sys::ValueType::napi_number;
const STRING: i32 = sys::ValueType::napi_string;
const SYMBOL: i32 = sys::ValueType::napi_symbol;
const OBJECT: i32 = sys::ValueType::napi_object;
const FUNCTION: i32 = sys::ValueType::napi_function;
const EXTERNAL: i32 = sys::ValueType::napi_external;
const BIGINT: i32 = 9;

/// Turns a napi status into a `Result`. A failure with a pending JavaScript exception (a
/// getter or Proxy trap that threw) is rethrown as is by napi-rs.
fn check(status: sys::napi_status) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::new(
            Status::from(status),
            "descope-mgmt: reading the argument failed".to_owned(),
        ))
    }
}

/// Reads JavaScript values of one argument, counting them against [`MAX_VALUES`].
pub(crate) struct Reader {
    env: sys::napi_env,
    remaining: usize,
    max_depth: usize,
}

impl Reader {
    /// A reader for one argument whose containers are read down to `max_depth` (the
    /// argument's items are at depth 0); deeper ones are replaced by empty containers.
    pub(crate) fn new(env: sys::napi_env, max_depth: usize) -> Self {
        Reader {
            env,
            remaining: MAX_VALUES,
            max_depth,
        }
    }

    /// `typeof value`, in napi's numbering.
    pub(crate) fn type_of(&self, value: sys::napi_value) -> napi::Result<i32> {
        let mut kind = 0;
        check(unsafe { sys::napi_typeof(self.env, value, &mut kind) })?;
        Ok(kind)
    }

    /// Whether `value` is a real array (a Proxy is not).
    pub(crate) fn is_array(&self, value: sys::napi_value) -> napi::Result<bool> {
        let mut is = false;
        check(unsafe { sys::napi_is_array(self.env, value, &mut is) })?;
        Ok(is)
    }

    /// The `length` of an array.
    pub(crate) fn array_length(&self, array: sys::napi_value) -> napi::Result<u32> {
        let mut len = 0;
        check(unsafe { sys::napi_get_array_length(self.env, array, &mut len) })?;
        Ok(len)
    }

    /// Reads a number (`NaN` and infinities included).
    pub(crate) fn number(&self, value: sys::napi_value) -> napi::Result<f64> {
        let mut f = 0.0;
        check(unsafe { sys::napi_get_value_double(self.env, value, &mut f) })?;
        Ok(f)
    }

    /// The JavaScript-facing kind of a value, for error messages.
    pub(crate) fn kind(&self, value: sys::napi_value) -> napi::Result<&'static str> {
        Ok(match self.type_of(value)? {
            UNDEFINED => "undefined",
            NULL => "null",
            BOOLEAN => "a boolean",
            NUMBER => "a number",
            STRING => "a string",
            SYMBOL => "a symbol",
            FUNCTION => "a function",
            BIGINT => "a bigint",
            OBJECT if self.is_array(value)? => "an array",
            OBJECT if self.is_binary(value)? => "binary data",
            OBJECT => "an object",
            _ => "an unsupported value",
        })
    }

    /// Counts one value against the argument's budget.
    fn spend(&mut self, path: &str) -> napi::Result<()> {
        if self.remaining == 0 {
            return Err(invalid_argument(format!(
                "{path}: the argument holds more than {MAX_VALUES} values; nothing was sent"
            )));
        }
        self.remaining -= 1;
        Ok(())
    }

    /// Reads a string. A string that is not well-formed UTF-16 (a lone surrogate) is
    /// `INVALID_ARGUMENT` naming `path`.
    pub(crate) fn string(&self, value: sys::napi_value, path: &str) -> napi::Result<String> {
        let text = self.string_lossy(value)?;
        // napi writes U+FFFD for a lone surrogate; only then is the UTF-16 form checked.
        if text.contains('\u{FFFD}') && !self.is_well_formed(value)? {
            return Err(invalid_argument(format!(
                "{path}: the string holds a lone UTF-16 surrogate (not valid Unicode); nothing was sent"
            )));
        }
        Ok(text)
    }

    /// A string as UTF-8, lone surrogates replaced by U+FFFD.
    fn string_lossy(&self, value: sys::napi_value) -> napi::Result<String> {
        let mut len = 0;
        check(unsafe {
            sys::napi_get_value_string_utf8(self.env, value, ptr::null_mut(), 0, &mut len)
        })?;
        let mut bytes = vec![0u8; len + 1];
        let mut written = 0;
        check(unsafe {
            sys::napi_get_value_string_utf8(
                self.env,
                value,
                bytes.as_mut_ptr().cast(),
                bytes.len(),
                &mut written,
            )
        })?;
        bytes.truncate(written);
        // napi writes valid UTF-8; a failure would be a bug, reported without the text.
        String::from_utf8(bytes).map_err(|_| {
            napi::Error::new(
                Status::GenericFailure,
                "descope-mgmt: napi returned a string that is not UTF-8".to_owned(),
            )
        })
    }

    /// Whether a string's UTF-16 code units have no lone surrogate.
    fn is_well_formed(&self, value: sys::napi_value) -> napi::Result<bool> {
        let mut len = 0;
        check(unsafe {
            sys::napi_get_value_string_utf16(self.env, value, ptr::null_mut(), 0, &mut len)
        })?;
        let mut units = vec![0u16; len + 1];
        let mut written = 0;
        check(unsafe {
            sys::napi_get_value_string_utf16(
                self.env,
                value,
                units.as_mut_ptr(),
                units.len(),
                &mut written,
            )
        })?;
        units.truncate(written);
        Ok(char::decode_utf16(units).all(|c| c.is_ok()))
    }

    /// Reads any value at `depth` into JSON; `None` for `undefined` (an object field that
    /// is `undefined` is left out, as `JSON.stringify` does).
    pub(crate) fn value(
        &mut self,
        value: sys::napi_value,
        path: &mut String,
        depth: usize,
    ) -> napi::Result<Option<Value>> {
        self.spend(path)?;
        Ok(Some(match self.type_of(value)? {
            UNDEFINED => return Ok(None),
            NULL => Value::Null,
            BOOLEAN => {
                let mut b = false;
                check(unsafe { sys::napi_get_value_bool(self.env, value, &mut b) })?;
                Value::Bool(b)
            }
            NUMBER => match Number::from_f64(self.number(value)?) {
                Some(n) => Value::Number(n),
                None => {
                    return Err(type_error(format!(
                        "{path}: expected a finite number, not NaN or Infinity"
                    )))
                }
            },
            STRING => Value::String(self.string(value, path)?),
            OBJECT if self.is_array(value)? => {
                if depth >= self.max_depth {
                    // No model has an array this deep: the model refuses it by type.
                    Value::Array(Vec::new())
                } else {
                    Value::Array(self.array(value, path, depth)?)
                }
            }
            OBJECT if self.is_binary(value)? => {
                return Err(type_error(format!(
                    "{path}: expected a JSON value, not binary data (a typed array, Buffer or ArrayBuffer)"
                )));
            }
            OBJECT => {
                if depth >= self.max_depth {
                    Value::Object(Map::new())
                } else {
                    Value::Object(self.object(value, path, depth)?)
                }
            }
            other => {
                let kind = match other {
                    SYMBOL => "a symbol",
                    FUNCTION => "a function",
                    BIGINT => "a bigint (use a number)",
                    EXTERNAL => "an external value",
                    _ => "an unsupported value",
                };
                return Err(type_error(format!(
                    "{path}: expected a JSON value, not {kind}"
                )));
            }
        }))
    }

    /// Reads the elements of a nested array (each must be a JSON value; a hole or
    /// `undefined` is a `TypeError`).
    fn array(
        &mut self,
        array: sys::napi_value,
        path: &mut String,
        depth: usize,
    ) -> napi::Result<Vec<Value>> {
        let len = self.array_length(array)?;
        let mut items = Vec::new();
        for i in 0..len {
            let element = self.element(array, i, path)?;
            let at = path.len();
            path.push_str(&format!("[{i}]"));
            match self.value(element, path, depth + 1)? {
                Some(v) => items.push(v),
                None => {
                    return Err(type_error(format!(
                        "{path}: expected a JSON value, not undefined"
                    )))
                }
            }
            path.truncate(at);
        }
        Ok(items)
    }

    /// Element `i` of `array` if the array owns it; a hole (sparse array) is a `TypeError`
    /// naming `path[i]` (an inherited `Array.prototype[i]` is never read).
    pub(crate) fn element(
        &mut self,
        array: sys::napi_value,
        i: u32,
        path: &str,
    ) -> napi::Result<sys::napi_value> {
        if !self.owns_element(array, i)? {
            return Err(type_error(format!(
                "{path}[{i}]: missing (the array has a hole here)"
            )));
        }
        let mut element = ptr::null_mut();
        check(unsafe { sys::napi_get_element(self.env, array, i, &mut element) })?;
        Ok(element)
    }

    /// Whether `name` is a property of `object`, own or inherited (the `in` operator).
    pub(crate) fn has_property(&self, object: sys::napi_value, name: &str) -> napi::Result<bool> {
        if self.type_of(object)? != OBJECT {
            return Ok(false);
        }
        let mut key = ptr::null_mut();
        check(unsafe {
            sys::napi_create_string_utf8(
                self.env,
                name.as_ptr().cast(),
                name.len() as isize,
                &mut key,
            )
        })?;
        let mut has = false;
        check(unsafe { sys::napi_has_property(self.env, object, key, &mut has) })?;
        Ok(has)
    }

    /// Whether `array` has an own element `i` (not a hole).
    pub(crate) fn owns_element(&self, array: sys::napi_value, i: u32) -> napi::Result<bool> {
        let index = i.to_string();
        let mut key = ptr::null_mut();
        check(unsafe {
            sys::napi_create_string_utf8(
                self.env,
                index.as_ptr().cast(),
                index.len() as isize,
                &mut key,
            )
        })?;
        let mut own = false;
        check(unsafe { sys::napi_has_own_property(self.env, array, key, &mut own) })?;
        Ok(own)
    }

    /// Whether an object is binary data (a typed array, `Buffer`, `ArrayBuffer` or
    /// `DataView`), which no field takes and which is not read element by element.
    pub(crate) fn is_binary(&self, object: sys::napi_value) -> napi::Result<bool> {
        let (mut typed, mut buffer, mut view) = (false, false, false);
        check(unsafe { sys::napi_is_typedarray(self.env, object, &mut typed) })?;
        check(unsafe { sys::napi_is_arraybuffer(self.env, object, &mut buffer) })?;
        check(unsafe { sys::napi_is_dataview(self.env, object, &mut view) })?;
        Ok(typed || buffer || view)
    }

    /// The own enumerable string keys of an object, each with its value, in property
    /// order. Inherited properties are skipped.
    pub(crate) fn own_entries(
        &self,
        object: sys::napi_value,
    ) -> napi::Result<Vec<(String, sys::napi_value)>> {
        // for-in names (enumerable, own and inherited, numbers as strings); inherited ones
        // are filtered out below.
        let mut names = ptr::null_mut();
        check(unsafe { sys::napi_get_property_names(self.env, object, &mut names) })?;
        let count = self.array_length(names)?;
        let mut entries = Vec::new();
        for j in 0..count {
            let mut key = ptr::null_mut();
            check(unsafe { sys::napi_get_element(self.env, names, j, &mut key) })?;
            let mut own = false;
            check(unsafe { sys::napi_has_own_property(self.env, object, key, &mut own) })?;
            if !own {
                continue;
            }
            let mut value = ptr::null_mut();
            check(unsafe { sys::napi_get_property(self.env, object, key, &mut value) })?;
            entries.push((self.string_lossy(key)?, value));
        }
        Ok(entries)
    }

    /// Reads an object's own enumerable fields.
    pub(crate) fn object(
        &mut self,
        object: sys::napi_value,
        path: &mut String,
        depth: usize,
    ) -> napi::Result<Map<String, Value>> {
        let mut map = Map::new();
        for (name, value) in self.own_entries(object)? {
            let at = path.len();
            push_field(path, &name);
            if let Some(v) = self.value(value, path, depth + 1)? {
                map.insert(name, v);
            }
            path.truncate(at);
        }
        Ok(map)
    }

    /// Runs `read` inside its own napi handle scope, so the handles it creates are freed
    /// when it returns (long arrays would otherwise hold all of them until the call ends).
    pub(crate) fn scoped<T>(
        &mut self,
        read: impl FnOnce(&mut Self) -> napi::Result<T>,
    ) -> napi::Result<T> {
        let mut scope = ptr::null_mut();
        check(unsafe { sys::napi_open_handle_scope(self.env, &mut scope) })?;
        let result = read(self);
        let closed = check(unsafe { sys::napi_close_handle_scope(self.env, scope) });
        let value = result?;
        closed.map(|()| value)
    }
}

/// Appends `.name` to a path, or `.<field>` when the name does not look like a field name
/// (a value pasted as a key must not end up in an error message).
pub(crate) fn push_field(path: &mut String, name: &str) {
    path.push('.');
    if looks_like_field_name(name) {
        path.push_str(name);
    } else {
        path.push_str("<field>");
    }
}

/// Whether `name` can be shown in an error: a short identifier with few digits, as every
/// field name of the models is (a token or key never is).
pub(crate) fn looks_like_field_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && name.len() <= 40
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
        && name.bytes().filter(u8::is_ascii_digit).count() <= 3
}

#[cfg(test)]
mod tests {
    use super::looks_like_field_name;

    #[test]
    fn only_field_like_names_are_shown() {
        for name in [
            "refreshTokenExpirationX",
            "tenantName",
            "refresh_token",
            "self",
            "scope2",
        ] {
            assert!(looks_like_field_name(name), "{name}");
        }
        for name in [
            "",
            "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
            "ya29.a0AfH6SMB",
            "sk-secret",
            "a b",
            "1abc",
            "tok1234",
            "x\u{FFFD}",
        ] {
            assert!(!looks_like_field_name(name), "{name}");
        }
    }
}
