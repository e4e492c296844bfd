//! Conversion of JavaScript arguments into the core's types. Arguments are read with
//! [`Reader`] (own properties only, arrays lazily and bounded, lone surrogates and values
//! JSON cannot carry refused); the core's serde models then define the accepted shape of
//! tokens and templates (wire camelCase, unknown fields rejected, unknown session settings
//! too); validation of the values themselves, client settings included, stays in the core.
//!
//! Error messages name the argument, item index and field, never a value: a token pasted
//! into the wrong field must not end up in an error.

use descope_mgmt::{Client, ClientBuilder, NewDcrTemplate, TenantToken};
use napi::bindgen_prelude::{JsValue, Unknown};
use napi::{sys, ValueType};
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_path_to_error::Segment;

use crate::errors::{config, descope_error, invalid_argument, type_error};
use crate::js_reader::{looks_like_field_name, Reader};

/// The most tokens one `batchUploadTenantTokens` call accepts; a longer array is
/// `INVALID_ARGUMENT` before any item is read (split it into several batches).
pub(crate) const MAX_BATCH_TOKENS: usize = 100_000;

/// How deep containers inside an item are read: a token's `scopes` array and a template's
/// `sessionSettings` and `tags` sit at depth 1; anything deeper is refused by type.
const MAX_ITEM_DEPTH: usize = 2;

/// The names `new Client(options)` accepts.
const CLIENT_OPTIONS: [&str; 6] = [
    "projectId",
    "managementKey",
    "baseUrl",
    "timeoutMs",
    "maxRetries",
    "maxConnections",
];

/// The options of `new Client(options)`, read from JavaScript. Unset values fall back to the
/// environment in the core (`DESCOPE_PROJECT_ID`, `DESCOPE_MANAGEMENT_KEY`, `DESCOPE_BASE_URI`).
#[derive(Default)]
pub(crate) struct ClientOptions {
    project_id: Option<String>,
    management_key: Option<String>,
    base_url: Option<String>,
    timeout_ms: Option<f64>,
    max_retries: Option<f64>,
    max_connections: Option<f64>,
}

/// Builds a core client from `new Client(options)`. A non-object, an unknown option or a
/// value of the wrong JavaScript type is a `TypeError`; a bad value is a `CONFIG` error from
/// the core.
pub(crate) fn client(options: Option<Unknown<'_>>) -> napi::Result<Client> {
    let options = match options {
        None => ClientOptions::default(),
        Some(value) => client_options(value)?,
    };
    apply(Client::builder().binding("node"), options)?
        .build()
        .map_err(|e| descope_error(&e))
}

/// Reads the options object's own enumerable properties (inherited ones, such as a
/// polluted `Object.prototype.baseUrl`, are ignored), so that numbers arrive as they are
/// (`NaN` included) and the core decides whether they are acceptable.
fn client_options(value: Unknown<'_>) -> napi::Result<ClientOptions> {
    let shape = "options must be an object such as { projectId, managementKey }";
    let kind = value.get_type()?;
    if kind == ValueType::Null || kind == ValueType::Undefined {
        return Ok(ClientOptions::default());
    }
    if kind != ValueType::Object {
        return Err(type_error(format!("{shape}, not {}", js_kind(kind))));
    }
    let reader = Reader::new(value.value().env, 0);
    if reader.is_array(value.raw())? {
        return Err(type_error(format!("{shape}, not an array")));
    }
    let entries = reader.own_entries(value.raw())?;
    for (name, _) in &entries {
        if !CLIENT_OPTIONS.contains(&name.as_str()) {
            let shown = if looks_like_field_name(name) {
                format!("`{name}`")
            } else {
                "(name not shown)".to_owned()
            };
            return Err(type_error(format!(
                "options: unknown option {shown}, expected one of `{}`",
                CLIENT_OPTIONS.join("`, `")
            )));
        }
    }
    let mut o = ClientOptions::default();
    for (name, v) in entries {
        match name.as_str() {
            "projectId" => o.project_id = string_option(&reader, v, &name)?,
            "managementKey" => o.management_key = string_option(&reader, v, &name)?,
            "baseUrl" => o.base_url = string_option(&reader, v, &name)?,
            "timeoutMs" => o.timeout_ms = number_option(&reader, v, &name)?,
            "maxRetries" => o.max_retries = number_option(&reader, v, &name)?,
            _ => o.max_connections = number_option(&reader, v, &name)?,
        }
    }
    Ok(o)
}

/// An option that must be a string when set (`undefined` and `null` mean "not set"). A
/// string with a lone surrogate is a `CONFIG` error naming the option.
fn string_option(
    reader: &Reader,
    value: sys::napi_value,
    name: &str,
) -> napi::Result<Option<String>> {
    match ValueType::from(reader.type_of(value)?) {
        ValueType::Undefined | ValueType::Null => Ok(None),
        ValueType::String => match reader.string(value, &format!("options.{name}")) {
            Ok(s) => Ok(Some(s)),
            // Reported as a bad setting, like every other bad option value.
            Err(_) => Err(config(format!(
                "options.{name}: the string holds a lone UTF-16 surrogate (not valid Unicode)"
            ))),
        },
        other => Err(type_error(format!(
            "options.{name} must be a string, not {}",
            js_kind(other)
        ))),
    }
}

/// An option that must be a number when set (`undefined` and `null` mean "not set").
fn number_option(reader: &Reader, value: sys::napi_value, name: &str) -> napi::Result<Option<f64>> {
    match ValueType::from(reader.type_of(value)?) {
        ValueType::Undefined | ValueType::Null => Ok(None),
        ValueType::Number => Ok(Some(reader.number(value)?)),
        other => Err(type_error(format!(
            "options.{name} must be a number, not {}",
            js_kind(other)
        ))),
    }
}

/// Passes the options to the core's builder. The core validates the timeout (positive,
/// finite, at most 24 hours) and the retry count (at most 10) when the client is built.
fn apply(mut builder: ClientBuilder, o: ClientOptions) -> napi::Result<ClientBuilder> {
    if let Some(project_id) = o.project_id {
        builder = builder.project_id(project_id);
    }
    if let Some(key) = o.management_key {
        builder = builder.management_key(key);
    }
    if let Some(url) = o.base_url {
        builder = builder.base_url(url);
    }
    if let Some(ms) = o.timeout_ms {
        builder = builder.timeout_secs(ms / 1000.0);
    }
    if let Some(n) = o.max_retries {
        // The core takes a u32; only what cannot be one is refused here. Larger whole
        // numbers saturate, and the core refuses them.
        if n.is_nan() || n < 0.0 || (n.is_finite() && n.fract() != 0.0) {
            return Err(config("maxRetries must be a whole number, 0 or more"));
        }
        builder = builder.max_retries(n as u32);
    }
    if let Some(n) = o.max_connections {
        // As for maxRetries: whole numbers saturate, and the core refuses 0 and too many.
        if n.is_nan() || n < 0.0 || (n.is_finite() && n.fract() != 0.0) {
            return Err(config("maxConnections must be a whole number, 1 or more"));
        }
        builder = builder.max_connections(n as usize);
    }
    Ok(builder)
}

/// The `tokens` argument as JavaScript hands it over, read with [`Reader`]: own
/// properties only, at most [`MAX_BATCH_TOKENS`] items (checked before any is read), no
/// holes, no lone surrogates, no values JSON cannot carry. Then converted like
/// [`tenant_tokens`].
pub(crate) fn tenant_tokens_js(tokens: Option<Unknown<'_>>) -> napi::Result<Vec<TenantToken>> {
    let shape =
        "tokens must be an array of { appId, tenantId, refreshToken | accessToken } objects";
    let Some(tokens) = tokens else {
        return Err(type_error(format!("{shape}, not null or undefined")));
    };
    let mut reader = Reader::new(tokens.value().env, MAX_ITEM_DEPTH);
    let array = tokens.raw();
    if reader.type_of(array)? != sys::ValueType::napi_object || !reader.is_array(array)? {
        return Err(type_error(format!("{shape}, not {}", reader.kind(array)?)));
    }
    let len = reader.array_length(array)? as usize;
    check_batch_size(len)?;
    let mut items = Vec::new();
    let mut path = String::from("tokens");
    for i in 0..len as u32 {
        let item = reader.scoped(|reader| {
            let element = reader.element(array, i, "tokens")?;
            if reader.type_of(element)? != sys::ValueType::napi_object
                || reader.is_array(element)?
                || reader.is_binary(element)?
            {
                return Err(type_error(format!(
                    "tokens[{i}] must be an object, not {}",
                    reader.kind(element)?
                )));
            }
            path.truncate("tokens".len());
            path.push_str(&format!("[{i}]"));
            reader.object(element, &mut path, 0)
        })?;
        items.push(Value::Object(item));
    }
    tenant_tokens(Some(Value::Array(items)))
}

/// Whether `JSON.stringify(tokens)` wrote the tokens' own data: false when a `toJSON`
/// method is reachable from the array (added to `Array.prototype` or `Object.prototype`;
/// `index.js` sends only arrays of plain objects, whose prototypes are those two or null,
/// down the JSON path) or when an element is not the array's own (a hole that
/// `JSON.stringify` filled from `Array.prototype[i]`), or when the array is longer than a
/// batch may be (then [`tenant_tokens_js`] refuses it before reading it).
pub(crate) fn json_is_faithful(tokens: &Unknown<'_>) -> napi::Result<bool> {
    let reader = Reader::new(tokens.value().env, 0);
    let array = tokens.raw();
    if !reader.is_array(array)? || reader.has_property(array, "toJSON")? {
        return Ok(false);
    }
    let len = reader.array_length(array)?;
    if len as usize > MAX_BATCH_TOKENS {
        return Ok(false);
    }
    for i in 0..len {
        if !reader.owns_element(array, i)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Refuses a batch longer than [`MAX_BATCH_TOKENS`].
fn check_batch_size(len: usize) -> napi::Result<()> {
    if len > MAX_BATCH_TOKENS {
        return Err(invalid_argument(format!(
            "tokens: {len} tokens is more than the {MAX_BATCH_TOKENS} one call accepts; split them into several batches; nothing was sent"
        )));
    }
    Ok(())
}

/// The `template` argument as JavaScript hands it over, read with [`Reader`] (see
/// [`tenant_tokens_js`]), then converted like [`new_dcr_template`].
pub(crate) fn new_dcr_template_js(template: Option<Unknown<'_>>) -> napi::Result<NewDcrTemplate> {
    let shape = "template must be an object such as { name: 'MCP agents' }";
    let Some(template) = template else {
        return Err(type_error(format!("{shape}, not null or undefined")));
    };
    let mut reader = Reader::new(template.value().env, MAX_ITEM_DEPTH);
    let object = template.raw();
    if reader.type_of(object)? != sys::ValueType::napi_object
        || reader.is_array(object)?
        || reader.is_binary(object)?
    {
        return Err(type_error(format!("{shape}, not {}", reader.kind(object)?)));
    }
    let fields = reader.object(object, &mut String::from("template"), 0)?;
    new_dcr_template(Some(Value::Object(fields)))
}

/// The `id` argument of `rotateAccessKey`: a string (else a `TypeError`) without lone
/// surrogates (else `INVALID_ARGUMENT`).
pub(crate) fn access_key_id_js(id: Option<Unknown<'_>>) -> napi::Result<String> {
    let shape = "id must be the access key id as a string";
    let Some(id) = id else {
        return Err(type_error(format!("{shape}, not null or undefined")));
    };
    let reader = Reader::new(id.value().env, 0);
    if reader.type_of(id.raw())? != sys::ValueType::napi_string {
        return Err(type_error(format!(
            "{shape}, not {}",
            reader.kind(id.raw())?
        )));
    }
    reader.string(id.raw(), "id")
}

/// Converts the argument of `batchUploadTenantTokens`. Not an array, an item that is not
/// an object, or a field of the wrong JSON type is a `TypeError`; an unknown or invalid
/// field is `INVALID_ARGUMENT`. Errors name the item's index and the field.
pub(crate) fn tenant_tokens(tokens: Option<Value>) -> napi::Result<Vec<TenantToken>> {
    let Some(Value::Array(mut items)) = tokens else {
        return Err(type_error(format!(
            "tokens must be an array of {{ appId, tenantId, refreshToken | accessToken }} objects, not {}",
            kind_of(tokens.as_ref())
        )));
    };
    check_batch_size(items.len())?;
    items.iter_mut().for_each(whole_numbers_as_integers);
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            if !item.is_object() {
                return Err(type_error(format!(
                    "tokens[{i}] must be an object, not {}",
                    kind(item)
                )));
            }
            from_json(item, &format!("tokens[{i}]"))
        })
        .collect()
}

/// Converts `JSON.stringify(tokens)` (see `Client::batch_upload_tenant_tokens_json`), with
/// exactly the results of [`tenant_tokens`] on the array itself. `None` when `json` is not
/// valid JSON for serde (V8 writes a lone surrogate as an escape serde refuses): the caller
/// then converts the array.
pub(crate) fn tenant_tokens_json(json: &str) -> Option<napi::Result<Vec<TenantToken>>> {
    // Fast path: straight into the core's model.
    if let Ok(tokens) = serde_json::from_str::<Vec<TenantToken>>(json) {
        return Some(check_batch_size(tokens.len()).map(|()| tokens));
    }
    // Invalid somewhere: redo it through `tenant_tokens` for its precise errors.
    let mut value = serde_json::from_str::<Value>(json).ok()?;
    big_integers_as_floats(&mut value);
    Some(tenant_tokens(Some(value)))
}

/// JSON text holds whole numbers beyond `i64` as digits, which serde reads as `u64`; napi
/// reads the same JavaScript number as a float. Makes them floats, as [`tenant_tokens`]
/// sees them when converting the array itself.
fn big_integers_as_floats(value: &mut Value) {
    match value {
        Value::Number(n) => {
            if let Some(u) = n.as_u64().filter(|&u| u > i64::MAX as u64) {
                if let Some(f) = serde_json::Number::from_f64(u as f64) {
                    *n = f;
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(big_integers_as_floats),
        Value::Object(map) => map.values_mut().for_each(big_integers_as_floats),
        _ => {}
    }
}

/// Converts the argument of `createDcrTemplate`. Not an object, or a field of the wrong
/// JSON type, is a `TypeError`; an unknown or invalid field is `INVALID_ARGUMENT`.
pub(crate) fn new_dcr_template(template: Option<Value>) -> napi::Result<NewDcrTemplate> {
    let mut template = match template {
        Some(t @ Value::Object(_)) => t,
        other => {
            return Err(type_error(format!(
                "template must be an object such as {{ name: 'MCP agents' }}, not {}",
                kind_of(other.as_ref())
            )))
        }
    };
    whole_numbers_as_integers(&mut template);
    let template: NewDcrTemplate = from_json(&template, "template")?;
    // The core keeps unknown session settings (servers may add some) and refuses them in
    // input when validating; refused here first, with the field's path.
    if let Some(name) = template
        .session_settings
        .as_ref()
        .and_then(|s| s.extra.keys().next())
    {
        return Err(unknown_field(
            "template.sessionSettings",
            name,
            &descope_mgmt::SESSION_SETTINGS_FIELDS,
        ));
    }
    Ok(template)
}

/// The `INVALID_ARGUMENT` error for an unknown field `name` of the object at `location`:
/// `template.sessionSettings.refreshTokenExpirationX: unknown field, expected one of ...`.
/// A name that does not look like a field name is not shown.
fn unknown_field(location: &str, name: &str, expected: &[&str]) -> napi::Error {
    let mut path = location.to_owned();
    crate::js_reader::push_field(&mut path, name);
    invalid_argument(format!(
        "{path}: unknown field, expected one of `{}`; nothing was sent",
        expected.join("`, `")
    ))
}

/// Deserializes a core model from `value` (an object), naming `at` (e.g. `tokens[1]`) and
/// the failing field in errors.
///
/// serde's own message is used only for unknown and missing fields, where it names fields
/// alone. A field of the wrong type is a `TypeError` saying what was expected and what was
/// found (`tokens[1].accessToken: expected a string, not a number`); any other failure
/// names just the field. serde quotes values in its messages, so they are never forwarded.
fn from_json<T: DeserializeOwned>(value: &Value, at: &str) -> napi::Result<T> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let message = error.inner().to_string();
        let mut path: Vec<&Segment> = error.path().iter().collect();
        if let Some(rest) = message.strip_prefix("unknown field `") {
            // serde writes "unknown field `<name>`, expected one of `a`, `b`"; the path
            // ends with the name, which may be anything the caller wrote as a key.
            let name = match path.pop() {
                Some(Segment::Map { key }) => key.as_str(),
                _ => "",
            };
            let expected = rest
                .strip_prefix(name)
                .and_then(|r| r.strip_prefix("`, "))
                .map(|e| format!(", {e}"))
                .unwrap_or_default();
            let (mut location, _) = locate(value, at, &path);
            crate::js_reader::push_field(&mut location, name);
            return invalid_argument(format!(
                "{location}: unknown field{expected}; nothing was sent"
            ));
        }
        let (location, found) = locate(value, at, &path);
        if message.starts_with("missing field `") {
            invalid_argument(format!("{location}: {message}; nothing was sent"))
        } else if message.starts_with("invalid type: ") {
            // serde writes "invalid type: <found>, expected <expected>"; <found> may quote
            // the value and comes first, <expected> is fixed text from the model's types.
            let expected = message
                .rsplit_once(", expected ")
                .map_or("another type", |(_, expected)| expected_kind(expected));
            let found = found
                .map(|v| format!(", not {}", kind(v)))
                .unwrap_or_default();
            type_error(format!("{location}: expected {expected}{found}"))
        } else {
            invalid_argument(format!("{location}: invalid value; nothing was sent"))
        }
    })
}

/// The location `at` followed by the path of a failing field (`tokens[0].scopes[2]`), and
/// the value found there. Keys in the path are field names the model accepted; a segment
/// serde could not follow ends the location.
fn locate<'v>(value: &'v Value, at: &str, path: &[&Segment]) -> (String, Option<&'v Value>) {
    let mut location = at.to_owned();
    let mut found = Some(value);
    for segment in path {
        match segment {
            Segment::Map { key } => {
                location.push('.');
                location.push_str(key);
                found = found.and_then(|v| v.get(key));
            }
            Segment::Seq { index } => {
                location.push_str(&format!("[{index}]"));
                found = found.and_then(|v| v.get(index));
            }
            Segment::Enum { .. } | Segment::Unknown => {
                found = None;
                break;
            }
        }
    }
    (location, found)
}

/// serde's name of an expected type, in JavaScript terms.
fn expected_kind(expected: &str) -> &str {
    match expected {
        "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" => "an integer",
        "f32" | "f64" => "a number",
        "a sequence" => "an array",
        "a boolean" | "a string" => expected,
        e if e == "a map" || e.starts_with("struct ") => "an object",
        _ => "another type",
    }
}

/// JavaScript has only doubles: napi reads whole numbers beyond 32 bits as floats, which
/// serde would refuse for integer fields with a confusing message. Turns every whole
/// number that fits in an `i64` back into an integer, so the core's range checks apply.
fn whole_numbers_as_integers(value: &mut Value) {
    match value {
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
                // i64::MIN as f64 is exact; i64::MAX as f64 rounds up to 2^63, so exclude it.
                if f.fract() == 0.0 && (i64::MIN as f64..i64::MAX as f64).contains(&f) {
                    *n = serde_json::Number::from(f as i64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Value::Object(map) => map.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
    }
}

/// Like [`kind`], for an argument that may be `undefined`.
fn kind_of(value: Option<&Value>) -> &'static str {
    value.map_or("null or undefined", kind)
}

/// The JavaScript-facing name of a value's type, for error messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => {
            if n.as_f64().is_some_and(|f| f.fract() != 0.0) {
                "a fractional number"
            } else {
                "a number beyond the 64-bit integer range"
            }
        }
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The JavaScript-facing name of a napi value type, for error messages.
fn js_kind(kind: ValueType) -> &'static str {
    match kind {
        ValueType::Undefined => "undefined",
        ValueType::Null => "null",
        ValueType::Boolean => "a boolean",
        ValueType::Number => "a number",
        ValueType::String => "a string",
        ValueType::Symbol => "a symbol",
        ValueType::Object => "an object",
        ValueType::Function => "a function",
        _ => "an unsupported value",
    }
}

#[cfg(test)]
mod tests {
    use super::{
        apply, new_dcr_template, tenant_tokens, tenant_tokens_json, whole_numbers_as_integers,
        ClientOptions,
    };
    use descope_mgmt::Client;
    use napi::Status;
    use serde_json::{json, Value};

    /// The status and reason of a conversion error.
    fn failure<T>(result: napi::Result<T>) -> (Status, String) {
        match result {
            Ok(_) => panic!("the conversion should fail"),
            Err(e) => (e.status, e.reason.clone()),
        }
    }

    /// The `code` of a serialized core error, or "" for a plain napi error.
    fn code(reason: &str) -> String {
        reason
            .strip_prefix(crate::errors::ERROR_PREFIX)
            .and_then(|json| serde_json::from_str::<Value>(json).ok())
            .and_then(|v| v["code"].as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    #[test]
    fn whole_floats_become_integers_so_range_checks_apply() {
        let mut v = json!([{"n": 5_000_000_000.0_f64, "f": 1.5, "neg": -3_000_000_000.0_f64}]);
        whole_numbers_as_integers(&mut v);
        assert_eq!(
            v,
            json!([{"n": 5_000_000_000_i64, "f": 1.5, "neg": -3_000_000_000_i64}])
        );
        let tokens = tenant_tokens(Some(
            json!([{"appId": "a", "tenantId": "t", "accessTokenExpiry": 5e9}]),
        ))
        .expect("an i64 expiry converts; the core rejects it later");
        assert_eq!(tokens[0].access_token_expiry, Some(5_000_000_000));
    }

    #[test]
    fn shapes_are_checked_before_fields() {
        assert_eq!(
            failure(tenant_tokens(Some(json!({})))).0,
            Status::InvalidArg
        );
        assert_eq!(
            failure(tenant_tokens(Some(json!([1])))).0,
            Status::InvalidArg
        );
        assert_eq!(
            failure(new_dcr_template(Some(json!([])))).0,
            Status::InvalidArg
        );
        let t = new_dcr_template(Some(
            json!({"name": "x", "loginPageURL": "https://a.example"}),
        ))
        .unwrap();
        assert_eq!(t.login_page_url.as_deref(), Some("https://a.example"));
    }

    #[test]
    fn unknown_and_missing_fields_are_invalid_argument_naming_the_field() {
        let (status, reason) = failure(tenant_tokens(Some(json!([
            {"appId": "a", "tenantId": "t", "accessToken": "x"},
            {"appId": "a", "tenantId": "t", "token": "x"},
        ]))));
        assert_eq!(status, Status::GenericFailure);
        assert_eq!(code(&reason), "INVALID_ARGUMENT");
        assert!(
            reason.contains("tokens[1].token: unknown field, expected one of `appId`, "),
            "{reason}"
        );
        let (_, reason) = failure(new_dcr_template(Some(
            json!({"name": "x", "loginPageUrl": "https://a.example"}),
        )));
        assert_eq!(code(&reason), "INVALID_ARGUMENT");
        assert!(reason.contains("loginPageURL"), "{reason}");
    }

    #[test]
    fn fields_of_the_wrong_type_are_type_errors_naming_item_and_field() {
        let cases = [
            (
                json!({"appId": "a", "tenantId": "t", "accessToken": 123}),
                "tokens[0].accessToken: expected a string, not a number",
            ),
            (
                json!({"appId": "a", "tenantId": "t", "scopes": "x"}),
                "tokens[0].scopes: expected an array, not a string",
            ),
            (
                json!({"appId": "a", "tenantId": "t", "scopes": ["ok", 5]}),
                "tokens[0].scopes[1]: expected a string, not a number",
            ),
            (
                json!({"appId": "a", "tenantId": "t", "accessTokenExpiry": 1.5}),
                "tokens[0].accessTokenExpiry: expected an integer, not a fractional number",
            ),
            (
                json!({"appId": null, "tenantId": "t"}),
                "tokens[0].appId: expected a string, not null",
            ),
        ];
        for (item, expected) in cases {
            let (status, reason) = failure(tenant_tokens(Some(json!([item]))));
            assert_eq!(status, Status::InvalidArg, "{reason}");
            assert_eq!(reason, expected);
        }
        let cases = [
            (
                json!({"name": 5}),
                "template.name: expected a string, not a number",
            ),
            (
                json!({"name": "x", "tags": "x"}),
                "template.tags: expected an array, not a string",
            ),
            (
                json!({"name": "x", "skipConsentScreen": "yes"}),
                "template.skipConsentScreen: expected a boolean, not a string",
            ),
            (
                json!({"name": "x", "sessionSettings": []}),
                "template.sessionSettings: expected an object, not an array",
            ),
        ];
        for (template, expected) in cases {
            let (status, reason) = failure(new_dcr_template(Some(template)));
            assert_eq!(status, Status::InvalidArg, "{reason}");
            assert_eq!(reason, expected);
        }
        let (status, reason) = failure(new_dcr_template(Some(
            json!({"name": "x", "sessionSettings": {"sessionTokenExpiration": "sk-secret"}}),
        )));
        assert_eq!(status, Status::InvalidArg);
        assert_eq!(
            reason,
            "template.sessionSettings.sessionTokenExpiration: expected an integer, not a string"
        );
    }

    #[test]
    fn no_value_is_ever_quoted() {
        let secret = r#"tok-", "x\"y", expected a string, \u0000 tail-SECRET"#;
        let items = [
            json!({"appId": "a", "tenantId": "t", "scopes": secret}),
            json!({"appId": "a", "tenantId": "t", "accessTokenExpiry": secret}),
            json!({"appId": "a", "tenantId": "t", "accessToken": [secret]}),
            json!({"appId": "a", "tenantId": "t", "refreshToken": {"v": secret}}),
            json!({"appId": "a", "tenantId": "t", "scopes": [secret, {"s": secret}]}),
        ];
        for item in items {
            let (_, reason) = failure(tenant_tokens(Some(json!([item]))));
            for fragment in ["tok-", "SECRET", "tail", "x\\\"y", "\\u0000"] {
                assert!(!reason.contains(fragment), "{fragment} leaked: {reason}");
            }
        }
        let (_, reason) = failure(new_dcr_template(Some(json!({"name": "x", "tags": secret}))));
        assert!(!reason.contains("SECRET"), "{reason}");
    }

    #[test]
    fn json_tokens_convert_like_the_array_itself() {
        let cases = [
            json!([{"appId": "a", "tenantId": "t", "accessToken": "x", "accessTokenExpiry": 1767225600_i64,
                "scopes": ["s"]}]),
            json!([{"appId": "a", "tenantId": "t", "accessTokenExpiry": 5_000_000_000_i64}]),
            json!([{"appId": "a", "tenantId": "t", "accessTokenExpiry": 10_000_000_000_000_000_000_u64}]),
            json!([{"appId": "a", "tenantId": "t", "accessTokenExpiry": 1.5}]),
            json!([{"appId": "a", "tenantId": "t", "scopes": ["ok", 5]}]),
            json!([{"appId": "a", "tenantId": "t"}, {"appId": "a", "tenantId": "t", "token": "x"}]),
            json!([{"appId": null, "tenantId": "t"}]),
            json!([{"tenantId": "t"}]),
            json!([1]),
        ];
        for case in cases {
            let text = case.to_string();
            let via_json = tenant_tokens_json(&text).expect("valid JSON");
            // What napi hands `tenant_tokens`: the same numbers, big ones as floats.
            let mut napi_like = case.clone();
            super::big_integers_as_floats(&mut napi_like);
            let direct = tenant_tokens(Some(napi_like));
            match (via_json, direct) {
                (Ok(a), Ok(b)) => assert_eq!(format!("{a:?}"), format!("{b:?}"), "{text}"),
                (Err(a), Err(b)) => {
                    assert_eq!(
                        (a.status, a.reason.clone()),
                        (b.status, b.reason.clone()),
                        "{text}"
                    )
                }
                (a, b) => panic!("{text}: {:?} vs {:?}", a.is_ok(), b.is_ok()),
            }
        }
        assert!(tenant_tokens_json(r#"[{"appId": "\ud800", "tenantId": "t"}]"#).is_none());
    }

    #[test]
    fn unknown_session_settings_fields_are_invalid_argument_naming_the_path() {
        let (status, reason) = failure(new_dcr_template(Some(json!({
            "name": "x",
            "sessionSettings": {"refreshTokenExpiration": 3, "refreshTokenExpirationX": 4}
        }))));
        assert_eq!(status, Status::GenericFailure);
        assert_eq!(code(&reason), "INVALID_ARGUMENT");
        assert!(
            reason.contains("template.sessionSettings.refreshTokenExpirationX: unknown field, expected one of `enabled`, "),
            "{reason}"
        );
        let ok = new_dcr_template(Some(
            json!({"name": "x", "sessionSettings": {"enabled": true}}),
        ));
        assert!(ok.is_ok());
    }

    #[test]
    fn unknown_keys_that_look_like_values_are_not_shown() {
        let secret = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";
        let (_, reason) = failure(tenant_tokens(Some(json!([
            {"appId": "a", "tenantId": "t", "accessToken": "x", secret: 1}
        ]))));
        assert_eq!(code(&reason), "INVALID_ARGUMENT");
        assert!(!reason.contains(secret), "{reason}");
        assert!(
            reason.contains("tokens[0].<field>: unknown field"),
            "{reason}"
        );
        let (_, reason) = failure(new_dcr_template(Some(
            json!({"name": "x", "sessionSettings": {secret: 1}}),
        )));
        assert!(!reason.contains(secret), "{reason}");
    }

    #[test]
    fn batches_beyond_the_limit_are_invalid_argument_on_both_paths() {
        let item = json!({"appId": "a", "tenantId": "t", "accessToken": "x"});
        let many = Value::Array(vec![item; super::MAX_BATCH_TOKENS + 1]);
        let (_, reason) = failure(tenant_tokens(Some(many.clone())));
        assert_eq!(code(&reason), "INVALID_ARGUMENT");
        assert!(
            reason.contains("split them into several batches"),
            "{reason}"
        );
        let (_, reason) = failure(tenant_tokens_json(&many.to_string()).unwrap());
        assert_eq!(code(&reason), "INVALID_ARGUMENT");
        let mut at_limit = many;
        at_limit.as_array_mut().unwrap().pop();
        assert!(tenant_tokens_json(&at_limit.to_string()).unwrap().is_ok());
    }

    /// A builder that never reads the environment, for option tests.
    fn built(options: ClientOptions) -> napi::Result<Client> {
        let builder = Client::builder()
            .ignore_env()
            .project_id("P2x")
            .management_key("K2secretValue")
            .base_url("http://127.0.0.1:1");
        apply(builder, options)?
            .build()
            .map_err(|e| crate::errors::descope_error(&e))
    }

    #[test]
    fn timeouts_and_retries_are_checked_by_the_core() {
        for ms in [
            1e30,
            f64::MAX,
            f64::NAN,
            f64::INFINITY,
            -1.0,
            0.0,
            1e-9,
            86_400_001.0,
        ] {
            let (_, reason) = failure(built(ClientOptions {
                timeout_ms: Some(ms),
                ..ClientOptions::default()
            }));
            assert_eq!(code(&reason), "CONFIG", "{ms}: {reason}");
            assert!(!reason.contains("K2secretValue"));
        }
        for n in [11.0, 1e30, f64::INFINITY, -1.0, 1.5, f64::NAN] {
            let (_, reason) = failure(built(ClientOptions {
                max_retries: Some(n),
                ..ClientOptions::default()
            }));
            assert_eq!(code(&reason), "CONFIG", "{n}: {reason}");
        }
        for n in [0.0, -1.0, 1.5, f64::NAN, 4097.0, 1e30, f64::INFINITY] {
            let (_, reason) = failure(built(ClientOptions {
                max_connections: Some(n),
                ..ClientOptions::default()
            }));
            assert_eq!(code(&reason), "CONFIG", "{n}: {reason}");
            assert!(
                reason.contains("maxConnections") || reason.contains("max_connections"),
                "{reason}"
            );
        }
        for n in [1.0, 4096.0] {
            built(ClientOptions {
                max_connections: Some(n),
                ..ClientOptions::default()
            })
            .expect("a connection limit from 1 to 4096 is accepted");
        }
        let client = built(ClientOptions {
            timeout_ms: Some(1500.0),
            max_retries: Some(10.0),
            ..ClientOptions::default()
        })
        .unwrap();
        assert_eq!(client.timeout().as_millis(), 1500);
        assert_eq!(client.max_retries(), 10);
    }
}
