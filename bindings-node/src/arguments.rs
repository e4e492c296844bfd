//! Conversion of JavaScript arguments (already read into `serde_json::Value`s) into the
//! core's types. The core's serde models define the accepted shape (wire camelCase,
//! unknown fields rejected); validation of the values themselves stays in the core.

use std::time::Duration;

use descope_mgmt::{Client, ClientBuilder, NewDcrTemplate, TenantToken};
use serde::Deserialize;
use serde_json::Value;

use crate::errors::{config, invalid_argument, type_error};

/// The options of `new Client(options)`. Unset values fall back to the environment in the
/// core (`DESCOPE_PROJECT_ID`, `DESCOPE_MANAGEMENT_KEY`, `DESCOPE_BASE_URI`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClientOptions {
    project_id: Option<String>,
    management_key: Option<String>,
    base_url: Option<String>,
    timeout_ms: Option<f64>,
    max_retries: Option<f64>,
}

/// Builds a core client from `new Client(options)`. A non-object, an unknown option or a
/// value of the wrong type is a `TypeError`; a bad value is a `CONFIG` error.
pub(crate) fn client(options: Option<Value>) -> napi::Result<Client> {
    let options = match options {
        None | Some(Value::Null) => None,
        Some(value @ Value::Object(_)) => Some(
            ClientOptions::deserialize(value)
                .map_err(|e| type_error(format!("options: {}", redact(&e.to_string()))))?,
        ),
        Some(other) => {
            return Err(type_error(format!(
                "options must be an object such as {{ projectId, managementKey }}, not {}",
                kind(&other)
            )))
        }
    };
    let mut builder = Client::builder().binding("node");
    if let Some(o) = options {
        builder = apply(builder, o)?;
    }
    builder
        .build()
        .map_err(|e| crate::errors::descope_error(&e))
}

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
        if !(ms.is_finite() && ms > 0.0) {
            return Err(config(
                "timeoutMs must be a positive number of milliseconds",
            ));
        }
        builder = builder.timeout(Duration::from_secs_f64(ms / 1000.0));
    }
    if let Some(n) = o.max_retries {
        if !(n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= f64::from(u32::MAX)) {
            return Err(config("maxRetries must be a whole number >= 0"));
        }
        builder = builder.max_retries(n as u32);
    }
    Ok(builder)
}

/// Converts the argument of `batchUploadTenantTokens`. Not an array, or an item that is
/// not an object, is a `TypeError`; an item with an unknown field or a field of the wrong
/// type is `INVALID_ARGUMENT`, naming the item's index.
pub(crate) fn tenant_tokens(tokens: Option<Value>) -> napi::Result<Vec<TenantToken>> {
    let Some(Value::Array(mut items)) = tokens else {
        return Err(type_error(format!(
            "tokens must be an array of {{ appId, tenantId, refreshToken | accessToken }} objects, not {}",
            kind_of(tokens.as_ref())
        )));
    };
    items.iter_mut().for_each(whole_numbers_as_integers);
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            if !item.is_object() {
                return Err(type_error(format!(
                    "tokens[{i}] must be an object, not {}",
                    kind(&item)
                )));
            }
            TenantToken::deserialize(item).map_err(|e| {
                invalid_argument(format!(
                    "tokens[{i}]: {}; nothing was sent",
                    redact(&e.to_string())
                ))
            })
        })
        .collect()
}

/// Converts the argument of `createDcrTemplate`. Not an object is a `TypeError`; an
/// unknown field or a field of the wrong type is `INVALID_ARGUMENT`.
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
    NewDcrTemplate::deserialize(template).map_err(|e| {
        invalid_argument(format!(
            "template: {}; nothing was sent",
            redact(&e.to_string())
        ))
    })
}

/// Converts the argument of `rotateAccessKey`; anything but a string is a `TypeError`.
pub(crate) fn access_key_id(id: Option<Value>) -> napi::Result<String> {
    match id {
        Some(Value::String(id)) => Ok(id),
        other => Err(type_error(format!(
            "id must be the access key id as a string, not {}",
            kind_of(other.as_ref())
        ))),
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
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Removes string values that serde quotes in its messages (`invalid type: string "…"`),
/// since a misplaced token could be one of them. Field names are kept.
fn redact(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(start) = rest.find("string \"") {
        let after = &rest[start + "string \"".len()..];
        // serde escapes inner quotes with Debug formatting, so the first `", ` or the last
        // quote closes the literal.
        let end = after.find("\", ").or_else(|| after.rfind('"'));
        match end {
            Some(end) => {
                out.push_str(&rest[..start]);
                out.push_str("a string");
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::{
        access_key_id, new_dcr_template, redact, tenant_tokens, whole_numbers_as_integers,
    };
    use serde_json::json;

    #[test]
    fn redacts_quoted_strings_only() {
        assert_eq!(
            redact("invalid type: string \"rt-secret\", expected a sequence"),
            "invalid type: a string, expected a sequence"
        );
        assert_eq!(
            redact("unknown field `refresh_token`, expected one of `appId`"),
            "unknown field `refresh_token`, expected one of `appId`"
        );
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
        assert_eq!(access_key_id(Some(json!("K2x"))).unwrap(), "K2x");
        for bad in [None, Some(json!(5)), Some(json!(null))] {
            assert_eq!(
                access_key_id(bad).unwrap_err().status,
                napi::Status::InvalidArg
            );
        }
        assert_eq!(
            tenant_tokens(Some(json!({}))).unwrap_err().status,
            napi::Status::InvalidArg
        );
        assert_eq!(
            tenant_tokens(Some(json!([1]))).unwrap_err().status,
            napi::Status::InvalidArg
        );
        let typo = tenant_tokens(Some(json!([{"appId": "a", "tenantId": "t", "token": "x"}])))
            .unwrap_err();
        assert_eq!(typo.status, napi::Status::GenericFailure);
        assert!(typo.reason.contains("INVALID_ARGUMENT") && typo.reason.contains("tokens[0]"));
        assert_eq!(
            new_dcr_template(Some(json!([]))).unwrap_err().status,
            napi::Status::InvalidArg
        );
        let t = new_dcr_template(Some(
            json!({"name": "x", "loginPageURL": "https://a.example"}),
        ))
        .unwrap();
        assert_eq!(t.login_page_url.as_deref(), Some("https://a.example"));
    }
}
