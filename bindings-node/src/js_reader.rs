//! Reads a JavaScript argument into a JSON value, like a careful `JSON.stringify` that
//! refuses what it cannot carry instead of altering it. The value then goes to the core's
//! input decoder (`descope_mgmt::bindings::decode_input`), which owns the schema: field names,
//! required and unknown fields, types. This module knows no field of any model.
//!
//! - only own enumerable string-keyed properties are read, so a property added to
//!   `Object.prototype` (prototype pollution) or inherited from a class has no effect;
//! - arrays, and Proxies around arrays (`Array.isArray` true: Vue's `reactive([])`, MobX
//!   observable arrays), are read element by element up to their `length`, through
//!   ordinary property access, which callers bound first where an argument is a list: nothing is allocated from the length (napi's own
//!   conversion reserves `length` slots up front and aborts the process on
//!   `a.length = 1e9`), and a hole is a `TypeError`;
//! - containers nested deeper than [`MAX_DEPTH`] are `INVALID_ARGUMENT` (a cycle ends
//!   there), and the values read from one argument are capped at [`MAX_VALUES`];
//! - a whole number becomes a JSON integer, as JSON text would carry it;
//! - a string holding a lone UTF-16 surrogate is `INVALID_ARGUMENT` (napi would silently
//!   replace it with U+FFFD); `NaN`, `±Infinity`, BigInt, Symbol, function, external and
//!   binary values (typed arrays, `Buffer`) are `TypeError`s;
//! - a key that does not look like a field name (a value pasted as a key) is read as
//!   `<field>`: no model has such a field, so the core refuses it without showing it.
//!
//! Errors name the path of the value (`tokens[3].accessToken`), never the value itself,
//! in the core's wording (`<path> has the wrong type: ...`, `<path> is not valid: ...`).

use std::ptr;

use napi::bindgen_prelude::{JsValue, Unknown};
use napi::{sys, Status};
use serde_json::{Map, Number, Value};

use crate::errors::{invalid_argument, type_error};

/// The most values (scalars and containers) read from one argument.
pub(crate) const MAX_VALUES: usize = 10_000_000;

/// How deep containers may nest in one argument: the argument itself is at depth 0, a
/// token's `scopes` at depth 2. The models need 3 levels; the rest is room for new fields.
pub(crate) const MAX_DEPTH: usize = 6;

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

/// A value of a type JSON cannot carry: a `TypeError` in the core's wording.
fn wrong_type(path: &str, got: &str) -> napi::Error {
    type_error(format!(
        "{path} has the wrong type: expected a JSON value, got {got}; nothing was sent"
    ))
}

/// A value that cannot be read as it is: `INVALID_ARGUMENT` in the core's wording.
fn not_valid(path: &str, detail: &str) -> napi::Error {
    invalid_argument(format!("{path} is not valid: {detail}; nothing was sent"))
}

/// Reads argument `root` (`tokens`, `template`, `id`) into JSON; `undefined` (or a missing
/// argument) is `null`, which the core then refuses by type where a value is required.
pub(crate) fn read_argument(argument: Option<Unknown<'_>>, root: &str) -> napi::Result<Value> {
    let Some(argument) = argument else {
        return Ok(Value::Null);
    };
    let mut reader = Reader::new(argument.value().env);
    let value = reader.value(argument.raw(), &mut root.to_owned(), 0)?;
    Ok(value.unwrap_or(Value::Null))
}

/// Reads JavaScript values of one argument, counting them against [`MAX_VALUES`].
pub(crate) struct Reader {
    env: sys::napi_env,
    remaining: usize,
}

impl Reader {
    /// A reader for one argument.
    pub(crate) fn new(env: sys::napi_env) -> Self {
        Reader {
            env,
            remaining: MAX_VALUES,
        }
    }

    /// `typeof value`, in napi's numbering.
    pub(crate) fn type_of(&self, value: sys::napi_value) -> napi::Result<i32> {
        let mut kind = 0;
        check(unsafe { sys::napi_typeof(self.env, value, &mut kind) })?;
        Ok(kind)
    }

    /// Whether `value` is a real array (a Proxy is not: see [`Reader::is_list`]).
    pub(crate) fn is_array(&self, value: sys::napi_value) -> napi::Result<bool> {
        let mut is = false;
        check(unsafe { sys::napi_is_array(self.env, value, &mut is) })?;
        Ok(is)
    }

    /// Whether `Array.isArray(value)` is true: a real array, or a Proxy around one (what
    /// Vue's `reactive([])` and MobX observable arrays are), which napi does not count as
    /// an array. Costs a JavaScript call for objects that are not real arrays.
    pub(crate) fn is_list(&self, value: sys::napi_value) -> napi::Result<bool> {
        if self.is_array(value)? {
            return Ok(true);
        }
        if self.type_of(value)? != OBJECT {
            return Ok(false);
        }
        let mut global = ptr::null_mut();
        check(unsafe { sys::napi_get_global(self.env, &mut global) })?;
        let array_ctor = self.named(global, c"Array")?;
        let is_array = self.named(array_ctor, c"isArray")?;
        let mut result = ptr::null_mut();
        let args = [value];
        check(unsafe {
            sys::napi_call_function(
                self.env,
                array_ctor,
                is_array,
                1,
                args.as_ptr(),
                &mut result,
            )
        })?;
        let mut is = false;
        check(unsafe { sys::napi_get_value_bool(self.env, result, &mut is) })?;
        Ok(is)
    }

    /// The `length` of a real array.
    fn real_array_length(&self, array: sys::napi_value) -> napi::Result<u32> {
        let mut len = 0;
        check(unsafe { sys::napi_get_array_length(self.env, array, &mut len) })?;
        Ok(len)
    }

    /// `object[name]`, through any getter or Proxy trap.
    fn named(
        &self,
        object: sys::napi_value,
        name: &std::ffi::CStr,
    ) -> napi::Result<sys::napi_value> {
        let mut value = ptr::null_mut();
        check(unsafe {
            sys::napi_get_named_property(self.env, object, name.as_ptr(), &mut value)
        })?;
        Ok(value)
    }

    /// The `length` of a list ([`Reader::is_list`]): napi's for a real array, else the
    /// `length` property read through the Proxy, which must be a whole number below 2^32.
    pub(crate) fn array_length(&self, array: sys::napi_value) -> napi::Result<u32> {
        if self.is_array(array)? {
            return self.real_array_length(array);
        }
        let length = self.named(array, c"length")?;
        let f = if self.type_of(length)? == NUMBER {
            self.number(length)?
        } else {
            f64::NAN
        };
        if !(f.fract() == 0.0 && (0.0..4_294_967_296.0).contains(&f)) {
            return Err(type_error(
                "an array-like Proxy has a length that is not a whole number below 2^32; nothing was sent"
                    .to_owned(),
            ));
        }
        Ok(f as u32)
    }

    /// Reads a number (`NaN` and infinities included).
    pub(crate) fn number(&self, value: sys::napi_value) -> napi::Result<f64> {
        let mut f = 0.0;
        check(unsafe { sys::napi_get_value_double(self.env, value, &mut f) })?;
        Ok(f)
    }

    /// Counts one value against the argument's budget.
    fn spend(&mut self, path: &str) -> napi::Result<()> {
        if self.remaining == 0 {
            return Err(not_valid(
                path,
                &format!("the argument holds more than {MAX_VALUES} values"),
            ));
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
            return Err(not_valid(
                path,
                "the string holds a lone UTF-16 surrogate (not valid Unicode)",
            ));
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
    fn value(
        &mut self,
        value: sys::napi_value,
        path: &mut String,
        depth: usize,
    ) -> napi::Result<Option<Value>> {
        self.spend(path)?;
        let kind = self.type_of(value)?;
        if kind == OBJECT && depth >= MAX_DEPTH {
            return Err(not_valid(
                path,
                &format!(
                    "objects and arrays nest more than {MAX_DEPTH} levels deep here (a cycle?)"
                ),
            ));
        }
        Ok(Some(match kind {
            UNDEFINED => return Ok(None),
            NULL => Value::Null,
            BOOLEAN => {
                let mut b = false;
                check(unsafe { sys::napi_get_value_bool(self.env, value, &mut b) })?;
                Value::Bool(b)
            }
            NUMBER => match json_number(self.number(value)?) {
                Some(n) => Value::Number(n),
                None => return Err(wrong_type(path, "NaN or Infinity")),
            },
            STRING => Value::String(self.string(value, path)?),
            OBJECT if self.is_array(value)? => Value::Array(self.array(value, path, depth)?),
            OBJECT if self.is_binary(value)? => {
                return Err(wrong_type(
                    path,
                    "binary data (a typed array, Buffer or ArrayBuffer)",
                ))
            }
            OBJECT => {
                let entries = self.own_entries(value)?;
                // A Proxy around an array enumerates its indices ("0", "1", ...) or nothing
                // when empty; only then is `Array.isArray` asked (a token object never is).
                let maybe_list = match entries.first() {
                    None => true,
                    Some((name, _)) => name == "0",
                };
                if maybe_list && self.is_list(value)? {
                    Value::Array(self.array(value, path, depth)?)
                } else {
                    Value::Object(self.object(entries, path, depth)?)
                }
            }
            SYMBOL => return Err(wrong_type(path, "a symbol")),
            FUNCTION => return Err(wrong_type(path, "a function")),
            BIGINT => return Err(wrong_type(path, "a bigint (use a number)")),
            EXTERNAL => return Err(wrong_type(path, "an external value")),
            _ => return Err(wrong_type(path, "an unsupported value")),
        }))
    }

    /// Reads the elements of an array (each must be a JSON value; a hole or `undefined`
    /// is a `TypeError`), each in its own handle scope.
    fn array(
        &mut self,
        array: sys::napi_value,
        path: &mut String,
        depth: usize,
    ) -> napi::Result<Vec<Value>> {
        let len = self.array_length(array)?;
        let mut items = Vec::new();
        for i in 0..len {
            let at = path.len();
            path.push_str(&format!("[{i}]"));
            let item = self.scoped(|reader| {
                if !reader.owns_element(array, i)? {
                    return Err(type_error(format!(
                        "{path} is missing (the array has a hole here); nothing was sent"
                    )));
                }
                let mut element = ptr::null_mut();
                check(unsafe { sys::napi_get_element(reader.env, array, i, &mut element) })?;
                reader.value(element, path, depth + 1)
            })?;
            match item {
                Some(v) => items.push(v),
                None => return Err(wrong_type(path, "undefined")),
            }
            path.truncate(at);
        }
        Ok(items)
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
    fn is_binary(&self, object: sys::napi_value) -> napi::Result<bool> {
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
        let count = self.real_array_length(names)?;
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

    /// Reads an object's own enumerable fields (from [`Reader::own_entries`]); a key that does not look like a field name
    /// is read as `<field>` (see [`descope_mgmt::bindings::is_showable_field_name`]).
    fn object(
        &mut self,
        entries: Vec<(String, sys::napi_value)>,
        path: &mut String,
        depth: usize,
    ) -> napi::Result<Map<String, Value>> {
        let mut map = Map::new();
        for (name, value) in entries {
            let name = if descope_mgmt::bindings::is_showable_field_name(&name) {
                name
            } else {
                "<field>".to_owned()
            };
            let at = path.len();
            path.push('.');
            path.push_str(&name);
            if let Some(v) = self.value(value, path, depth + 1)? {
                map.insert(name, v);
            }
            path.truncate(at);
        }
        Ok(map)
    }

    /// Runs `read` inside its own napi handle scope, so the handles it creates are freed
    /// when it returns (long arrays would otherwise hold all of them until the call ends).
    fn scoped<T>(&mut self, read: impl FnOnce(&mut Self) -> napi::Result<T>) -> napi::Result<T> {
        let mut scope = ptr::null_mut();
        check(unsafe { sys::napi_open_handle_scope(self.env, &mut scope) })?;
        let result = read(self);
        let closed = check(unsafe { sys::napi_close_handle_scope(self.env, scope) });
        let value = result?;
        closed.map(|()| value)
    }
}

/// A JavaScript number as JSON: a whole number in the 64-bit range as an integer (as JSON
/// text would carry it, so the core's integer fields and range checks apply), any other
/// finite number as a float, `None` for `NaN` and the infinities.
fn json_number(f: f64) -> Option<Number> {
    // 2^64 and -2^63 are exact as doubles; the ranges exclude what does not fit.
    if f.fract() == 0.0 {
        if (0.0..18_446_744_073_709_551_616.0).contains(&f) {
            return Some(Number::from(f as u64));
        }
        if (-9_223_372_036_854_775_808.0..0.0).contains(&f) {
            return Some(Number::from(f as i64));
        }
    }
    Number::from_f64(f)
}

#[cfg(test)]
mod tests {
    use super::json_number;
    use serde_json::json;

    #[test]
    fn whole_numbers_become_integers_as_json_text_would_carry_them() {
        // (number, what JSON.stringify writes for it, the JSON value)
        let cases = [
            (5e9, "5000000000", json!(5_000_000_000_u64)),
            (-3e9, "-3000000000", json!(-3_000_000_000_i64)),
            (-0.0, "0", json!(0)),
            (1.5, "1.5", json!(1.5)),
            (
                9_223_372_036_854_775_808.0,
                "9223372036854775808",
                json!(9_223_372_036_854_775_808_u64),
            ),
            (
                -9_223_372_036_854_775_808.0,
                "-9223372036854775808",
                json!(i64::MIN),
            ),
            (1e20, "100000000000000000000", json!(1e20)),
            (-1e19, "-10000000000000000000", json!(-1e19)),
            (1e21, "1e+21", json!(1e21)),
        ];
        for (f, text, expected) in cases {
            let n = serde_json::Value::Number(json_number(f).unwrap());
            assert_eq!(n, expected, "{f}");
            // The JSON path (JSON.stringify, then serde_json) reads the same value.
            assert_eq!(
                serde_json::from_str::<serde_json::Value>(text).unwrap(),
                expected,
                "{text}"
            );
        }
        for f in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(json_number(f).is_none());
        }
    }
}
