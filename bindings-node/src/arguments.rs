//! Conversion of JavaScript arguments into the core's types. Each argument is read into
//! JSON by [`read_argument`] (own properties only, arrays lazily and bounded, values JSON
//! cannot carry refused, with paths), then decoded by the core
//! ([`descope_mgmt::bindings::decode_input`]), which owns the models' field names, types, required
//! and unknown fields. Adding a field to a core input model needs no change here.
//!
//! Client options are read here and handed to the core's `ClientOptions`, which owns their
//! names, units and checks: adding a client option needs no change here.
//!
//! Error messages name the argument, item index and field, never a value: a token pasted
//! into the wrong field must not end up in an error.

use descope_mgmt::bindings::{
    check_batch_len, check_chunk_size, decode_input, is_showable_field_name, option_names, Binding,
    ClientOption, ClientOptions, OptionKind, TokenBatch, TokenBatchWriter, TokenChunks,
    TokenChunksWriter, ViewOptions,
};
use descope_mgmt::hooks::HookQueue;
use descope_mgmt::logs::{LogEvent, LogQueue};
use descope_mgmt::{Client, NewDcrTemplate, TenantToken, MAX_BATCH_TOKENS};
use napi::bindgen_prelude::{JsValue, Unknown};
use std::sync::Arc;

use napi::{sys, ValueType};
use serde::de::DeserializeOwned;

use crate::errors::{config, descope_error, type_error};
use crate::js_reader::{read_argument, Reader};

/// Builds a core client from `new Client(options)`: every option the caller set goes to the
/// core's [`ClientOptions`], which names, checks and converts them (milliseconds here). A
/// non-object, an unknown option or a value of the wrong JavaScript type is a `TypeError`;
/// a bad value is a `CONFIG` error from the core.
/// `hook_events` names the hooks `index.js` holds (`request`, `response`, `retry`): their
/// events are queued for it to run them on the JavaScript thread.
pub(crate) fn client(
    options: Option<Unknown<'_>>,
    hook_events: &[String],
) -> napi::Result<(Client, Arc<LogQueue>, Option<Arc<HookQueue>>)> {
    let mut o = ClientOptions::new(Binding::Node);
    let logs = o.log_queue();
    if let Some(value) = options {
        client_options(value, &mut o)?;
    }
    let events: Vec<LogEvent> = [LogEvent::Request, LogEvent::Response, LogEvent::Retry]
        .into_iter()
        .filter(|e| hook_events.iter().any(|h| h == e.as_str()))
        .collect();
    let hooks = (!events.is_empty()).then(|| o.hook_queue(&events));
    let client = o.build().map_err(|e| descope_error(&e))?;
    Ok((client, logs, hooks))
}

/// Reads the options object's own enumerable properties (inherited ones, such as a
/// polluted `Object.prototype.baseUrl`, are ignored), so that numbers arrive as they are
/// (`NaN` included) and the core decides whether they are acceptable.
fn client_options(value: Unknown<'_>, o: &mut ClientOptions) -> napi::Result<()> {
    let shape = "options must be an object such as { projectId, managementKey }";
    let kind = value.get_type()?;
    if kind == ValueType::Null || kind == ValueType::Undefined {
        return Ok(());
    }
    if kind != ValueType::Object {
        return Err(type_error(format!("{shape}, not {}", js_kind(kind))));
    }
    let reader = Reader::new(value.value().env);
    if reader.is_array(value.raw())? {
        return Err(type_error(format!("{shape}, not an array")));
    }
    let entries = reader.own_entries(value.raw())?;
    let mut known = Vec::with_capacity(entries.len());
    for (name, v) in entries {
        let Some(option) = ClientOption::named(&name, Binding::Node) else {
            let shown = if is_showable_field_name(&name) {
                format!("`{name}`")
            } else {
                "(name not shown)".to_owned()
            };
            return Err(type_error(format!(
                "options: unknown option {shown}, expected one of `{}`",
                option_names(Binding::Node).join("`, `")
            )));
        };
        known.push((option, name, v));
    }
    for (option, name, v) in known {
        let set = match option.kind() {
            OptionKind::Text => match string_option(&reader, v, &name)? {
                Some(text) => o.set_text(option, text),
                None => Ok(()),
            },
            OptionKind::Duration | OptionKind::Count => match number_option(&reader, v, &name)? {
                Some(n) => o.set_number(option, n),
                None => Ok(()),
            },
        };
        set.map_err(|e| descope_error(&e))?;
    }
    Ok(())
}

/// A view of `client` from `client.withOptions({ timeoutMs, maxRetries, maxRetryWaitMs,
/// externalRequestId })`, checked by the core like the constructor's options.
pub(crate) fn view(client: &Client, options: Option<Unknown<'_>>) -> napi::Result<Client> {
    let mut o = ViewOptions::new(Binding::Node);
    let id_name = ViewOptions::external_request_id_name(Binding::Node);
    if let Some(value) = options {
        let kind = value.get_type()?;
        if kind != ValueType::Null && kind != ValueType::Undefined {
            let reader = Reader::new(value.value().env);
            if kind != ValueType::Object || reader.is_array(value.raw())? {
                return Err(type_error(format!(
                    "withOptions takes an object such as {{ timeoutMs, {id_name} }}, not {}",
                    js_kind(kind)
                )));
            }
            for (name, v) in reader.own_entries(value.raw())? {
                if name == id_name {
                    if let Some(id) = string_option(&reader, v, &name)? {
                        o.set_external_request_id(id);
                    }
                    continue;
                }
                if ViewOptions::TRACE_CONTEXT.contains(&name.as_str()) {
                    if let Some(value) = string_option(&reader, v, &name)? {
                        o.set_trace_context(&name, value);
                    }
                    continue;
                }
                let option = ClientOption::named(&name, Binding::Node)
                    .filter(|op| ViewOptions::OPTIONS.contains(op));
                let Some(option) = option else {
                    let mut names: Vec<&str> = ViewOptions::OPTIONS
                        .iter()
                        .map(|op| op.name(Binding::Node))
                        .collect();
                    names.push(id_name);
                    names.extend(ViewOptions::TRACE_CONTEXT);
                    let shown = if is_showable_field_name(&name) {
                        format!("`{name}`")
                    } else {
                        "(name not shown)".to_owned()
                    };
                    return Err(type_error(format!(
                        "withOptions: unknown option {shown}, expected one of `{}`",
                        names.join("`, `")
                    )));
                };
                if let Some(n) = number_option(&reader, v, &name)? {
                    o.set_number(option, n).map_err(|e| descope_error(&e))?;
                }
            }
        }
    }
    o.apply(client).map_err(|e| descope_error(&e))
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

/// Decodes argument `root` with the core's input decoder; a wrong type is a `TypeError`.
fn decode<T: DeserializeOwned>(root: &str, argument: Option<Unknown<'_>>) -> napi::Result<T> {
    let value = read_argument(argument, root)?;
    decode_input(root, &value).map_err(|e| descope_error(&e))
}

/// The `tokens` argument of `batchUploadTenantTokens`, checked and written as a request
/// body. An array longer than the core's [`MAX_BATCH_TOKENS`] is refused before any item is
/// read.
pub(crate) fn tenant_tokens_js(tokens: Option<Unknown<'_>>) -> napi::Result<TokenBatch> {
    if let Some(array) = &tokens {
        let reader = Reader::new(array.value().env);
        let raw = array.raw();
        if reader.type_of(raw)? == sys::ValueType::napi_object && reader.is_list(raw)? {
            // Before any item is read: a length of `1e9` must not be read item by item.
            check_batch_len(reader.array_length(raw)? as usize).map_err(|e| descope_error(&e))?;
        }
    }
    let tokens: Vec<TenantToken> = decode("tokens", tokens)?;
    TokenBatch::from_tokens(&tokens).map_err(|e| descope_error(&e))
}

/// `JSON.stringify(tokens)` (see `Client::batch_upload_tenant_tokens_json`) written
/// straight into a request body (checked as it is written, with no model in between), or
/// `None` when that path gives up (an invalid item, a lone surrogate that V8 wrote as an
/// escape serde refuses): the caller then reads the array itself, whose errors are the
/// ones to report.
pub(crate) fn tenant_tokens_json(json: &str) -> Option<napi::Result<TokenBatch>> {
    // About 270 bytes a token: the body is sized from the first tokens anyway.
    let mut batch = TokenBatchWriter::new(json.len() / 256 + 1);
    batch
        .push_json_list(json)
        .then(|| batch.finish().map_err(|e| descope_error(&e)))
}

/// Whether `JSON.stringify(tokens)` wrote the tokens' own data: false when a `toJSON`
/// method is reachable from the array (added to `Array.prototype` or `Object.prototype`;
/// `index.js` sends only arrays of plain objects, whose prototypes are those two or null,
/// down the JSON path) or when an element is not the array's own (a hole that
/// `JSON.stringify` filled from `Array.prototype[i]`), or when the array is longer than a
/// batch may be (then [`tenant_tokens_js`] refuses it before reading it).
pub(crate) fn json_is_faithful(tokens: &Unknown<'_>) -> napi::Result<bool> {
    json_is_faithful_up_to(tokens, MAX_BATCH_TOKENS)
}

/// [`json_is_faithful`] for an array of at most `max` items.
fn json_is_faithful_up_to(tokens: &Unknown<'_>, max: usize) -> napi::Result<bool> {
    let reader = Reader::new(tokens.value().env);
    let array = tokens.raw();
    if !reader.is_array(array)? || reader.has_property(array, "toJSON")? {
        return Ok(false);
    }
    let len = reader.array_length(array)?;
    if len as usize > max {
        return Ok(false);
    }
    for i in 0..len {
        if !reader.owns_element(array, i)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The `chunkSize` option of `uploadTenantTokens`: an integer from 1 to
/// [`MAX_BATCH_TOKENS`] (`INVALID_ARGUMENT` otherwise).
fn chunk_size(n: f64) -> napi::Result<usize> {
    let size = if n.fract() == 0.0 && (1.0..=MAX_BATCH_TOKENS as f64).contains(&n) {
        n as usize
    } else {
        0
    };
    check_chunk_size(size).map_err(|_| {
        crate::errors::invalid_argument(format!(
            "chunkSize is {n}: it must be an integer from 1 to {MAX_BATCH_TOKENS} tokens per request; nothing was sent"
        ))
    })?;
    Ok(size)
}

/// The tokens of `uploadTenantTokens` (an array `index.js` collected from any iterable),
/// checked and written as chunks of `chunk_size` before anything is sent: from `json`
/// (`JSON.stringify(tokens)`, when `index.js` found plain JSON data) straight into the
/// bodies, else (or when that path gives up) read from the array itself, whose errors name
/// `tokens[i]`.
pub(crate) fn tenant_token_chunks(
    json: Option<&str>,
    tokens: Unknown<'_>,
    chunk_size_option: f64,
) -> napi::Result<TokenChunks> {
    let size = chunk_size(chunk_size_option)?;
    if let Some(json) = json {
        if json_is_faithful_up_to(&tokens, usize::MAX)? {
            let mut w = TokenChunksWriter::new(size).map_err(|e| descope_error(&e))?;
            if w.push_json_list(json) {
                return w.finish().map_err(|e| descope_error(&e));
            }
        }
    }
    let tokens: Vec<TenantToken> = decode("tokens", Some(tokens))?;
    TokenChunks::from_tokens(&tokens, size).map_err(|e| descope_error(&e))
}

/// The `template` argument of `createDcrTemplate`.
pub(crate) fn new_dcr_template_js(template: Option<Unknown<'_>>) -> napi::Result<NewDcrTemplate> {
    decode("template", template)
}

/// The `id` argument of `rotateAccessKey`: a string (the core checks its value).
pub(crate) fn access_key_id_js(id: Option<Unknown<'_>>) -> napi::Result<String> {
    decode("id", id)
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
    use descope_mgmt::bindings::{option_names, Binding};

    /// The body of `export interface <name> { ... }` in the hand-written d.ts header.
    fn dts_interface(name: &str) -> &'static str {
        let dts = include_str!("../types-header.d.ts");
        let start = dts
            .find(&format!("export interface {name} {{"))
            .unwrap_or_else(|| panic!("interface {name} is missing"));
        let body = &dts[start..];
        &body[..body.find("\n}").unwrap()]
    }

    /// The field names an interface body declares (`name?: type` lines).
    fn dts_fields(body: &str) -> Vec<String> {
        body.lines()
            .filter_map(|l| {
                let l = l.trim();
                let name = l.split(['?', ':']).next()?;
                (l.contains(':')
                    && !l.starts_with("/")
                    && !l.starts_with('*')
                    && !l.starts_with("export"))
                .then(|| name.to_owned())
            })
            .collect()
    }

    /// The wire names of a core input model's fields, as its decoder lists them for an
    /// unknown field (snake_case aliases left out).
    fn core_fields<T: serde::de::DeserializeOwned + std::fmt::Debug>() -> Vec<String> {
        let e =
            descope_mgmt::bindings::decode_input::<T>("x", &serde_json::json!({"zzUnknown": 1}))
                .unwrap_err();
        let list = e.message().split("known fields: ").nth(1).unwrap();
        list[..list.find(')').unwrap()]
            .split(", ")
            .filter(|f| !f.contains('_'))
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn dts_input_interfaces_list_exactly_the_core_models_fields() {
        let mut dts = dts_fields(dts_interface("TenantToken"));
        let mut core = core_fields::<descope_mgmt::TenantToken>();
        dts.sort();
        core.sort();
        assert_eq!(dts, core, "TenantToken in types-header.d.ts");
        let mut dts = dts_fields(dts_interface("NewDcrTemplate"));
        let mut core = core_fields::<descope_mgmt::NewDcrTemplate>();
        dts.sort();
        core.sort();
        assert_eq!(dts, core, "NewDcrTemplate in types-header.d.ts");
        let mut dts = dts_fields(dts_interface("SessionSettings"));
        let mut core = core_fields::<descope_mgmt::SessionSettings>();
        dts.sort();
        core.sort();
        assert_eq!(dts, core, "SessionSettings in types-header.d.ts");
        let units: Vec<String> = descope_mgmt::EXPIRATION_UNITS
            .iter()
            .map(|u| format!("'{u}'"))
            .collect();
        let union = format!("{} | ''", units.join(" | "));
        assert_eq!(
            dts_interface("SessionSettings").matches(&union).count(),
            3,
            "the unit fields are {union}"
        );
    }

    #[test]
    fn the_dts_client_options_are_the_cores() {
        // The core's options, then `logger` and the hooks, which `index.js` keeps for itself.
        let mut names: Vec<String> = option_names(Binding::Node)
            .iter()
            .map(|n| n.to_string())
            .collect();
        names.extend(["logger", "onRequest", "onResponse", "onRetry"].map(String::from));
        assert_eq!(dts_fields(dts_interface("ClientOptions")), names);
    }

    #[test]
    fn defaults_in_the_dts_are_the_cores() {
        use descope_mgmt::config::{
            DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_RETRIES,
            DEFAULT_MAX_RETRY_WAIT, DEFAULT_TIMEOUT, MAX_CONNECTIONS,
        };
        let options = dts_interface("ClientOptions");
        for doc in [
            format!("(default {})", DEFAULT_TIMEOUT.as_millis()),
            format!(
                "(default {}, kept below",
                DEFAULT_CONNECT_TIMEOUT.as_millis()
            ),
            format!(
                "(default {}; 0 never waits)",
                DEFAULT_MAX_RETRY_WAIT.as_millis()
            ),
            format!("(default {DEFAULT_MAX_RETRIES})"),
            format!("(default {DEFAULT_MAX_CONNECTIONS}, at most {MAX_CONNECTIONS})"),
        ] {
            assert!(options.contains(&doc), "ClientOptions should say {doc}");
        }
        let limit = descope_mgmt::MAX_BATCH_TOKENS;
        let shown = format!("at most {},{:03} per", limit / 1000, limit % 1000);
        assert!(
            include_str!("../index.d.ts").contains(&shown),
            "batchUploadTenantTokens should say {shown}"
        );
    }

    #[test]
    fn the_json_path_decodes_like_the_core_or_gives_way() {
        use serde_json::json;
        let ok = [
            json!([{"appId": "a", "tenantId": "t", "accessToken": "x", "accessTokenExpiry": 5_000_000_000_u64, "scopes": ["s"]}]),
            json!([{"app_id": "a", "tenant_id": "t", "refresh_token": "x"}, {"appId": "b", "tenantId": "u", "accessToken": "y"}]),
        ];
        // The core checks that both paths write the same bytes; here, that the binding
        // takes the JSON path for what decodes, with the core's checks applied.
        for tokens in ok {
            let via_json = super::tenant_tokens_json(&tokens.to_string()).unwrap();
            let via_core: Vec<descope_mgmt::TenantToken> =
                descope_mgmt::bindings::decode_input("tokens", &tokens).unwrap();
            match (via_json, super::TokenBatch::from_tokens(&via_core)) {
                (Ok(a), Ok(b)) => assert_eq!(a.len(), b.len()),
                (Err(a), Err(b)) => assert!(a.reason.contains(b.message()), "{}", a.reason),
                (a, b) => panic!("{tokens}: {:?} vs {:?}", a.is_ok(), b.is_ok()),
            }
        }
        for bad in [
            r#"[{"appId": "a", "tenantId": "t", "accessTokenExpiry": 1.5}]"#,
            r#"[{"appId": "a", "token": "x"}]"#,
            r#"[{"appId": "\ud800", "tenantId": "t"}]"#,
            r#"{"appId": "a"}"#,
        ] {
            assert!(super::tenant_tokens_json(bad).is_none(), "{bad}");
        }
    }
}
