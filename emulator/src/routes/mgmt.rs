//! The emulated Descope Management API (`/v1/mgmt/*`): license handshake, access-key
//! rotation, tenant OAuth token batch upload and dynamic registration template creation.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::{fallback_not_found, method_not_allowed, parse_object, read_body};
use crate::errors::{
    json_response, ApiError, E_INVALID_ARGUMENTS, E_INVALID_REQUEST, E_KEY_NOT_FOUND,
    E_MISSING_ARGUMENTS,
};
use crate::seed::AccessKey;
use crate::state::{new_secret, new_template_id, AppState};
use crate::time::{now_secs, rfc3339};

/// `GET` — license handshake.
pub const LICENSE_PATH: &str = "/v1/mgmt/license";
/// `POST` — rotate an access key.
pub const ROTATE_PATH: &str = "/v1/mgmt/accesskey/rotate";
/// `POST` — batch upload tenant OAuth tokens.
pub const BATCH_UPLOAD_PATH: &str = "/v1/mgmt/outbound/app/tenant/oauthtoken/batch/upload";
/// `POST` — create a dynamic registration template.
pub const CREATE_TEMPLATE_PATH: &str = "/v1/mgmt/resource/dynamic-registration-template/create";

/// Session-settings units accepted on templates (`""` means unset).
pub const TEMPLATE_UNITS: [&str; 5] = ["", "minutes", "hours", "days", "weeks"];

/// The management API router (unknown paths → 404 `E011006`, wrong method → 405).
pub fn router(app: Arc<AppState>) -> Router {
    Router::new()
        .route(LICENSE_PATH, get(license))
        .route(ROTATE_PATH, post(rotate))
        .route(BATCH_UPLOAD_PATH, post(batch_upload))
        .route(CREATE_TEMPLATE_PATH, post(create_template))
        .fallback(fallback_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(app)
}

/// Checks `Authorization: Bearer <projectId>:<managementKey>` (scheme case-insensitive).
fn check_auth(app: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let expected = app.auth_header.as_bytes();
    let ok = headers.get(header::AUTHORIZATION).is_some_and(|v| {
        let v = v.as_bytes();
        v.len() == expected.len()
            && v[..7].eq_ignore_ascii_case(&expected[..7])
            && v[7..] == expected[7..]
    });
    if ok {
        Ok(())
    } else {
        Err(ApiError::unauthorized())
    }
}

async fn license(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    check_auth(&app, &headers)?;
    let body = serde_json::to_vec(&json!({ "rateLimitTier": app.seed.rate_limit_tier }))
        .unwrap_or_default();
    Ok(json_response(StatusCode::OK, body))
}

#[derive(Serialize)]
struct RotateResponse<'a> {
    key: &'a AccessKey,
    cleartext: &'a str,
}

async fn rotate(State(app): State<Arc<AppState>>, req: Request) -> Result<Response, ApiError> {
    check_auth(&app, req.headers())?;
    let body = read_body(req).await?;
    let obj = parse_object(&body)?;
    let id = match obj.get("id") {
        None | Some(Value::Null) => "",
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err(ApiError::bad_json("field 'id' must be a string")),
    };
    if id.is_empty() {
        return Err(ApiError::missing("access key id"));
    }
    let now = now_secs();
    let mut store = app.store();
    let Some(rec) = store.key_mut(id) else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            E_KEY_NOT_FOUND,
            "Access key not found",
            format!("Access key {id:?} does not exist"),
        ));
    };
    if rec.key.status != "active" {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            E_INVALID_REQUEST,
            "Access key is not active",
            format!(
                "Access key {id:?} has status {:?}; only active keys can be rotated",
                rec.key.status
            ),
        ));
    }
    if rec.key.expire_time != 0 && rec.key.expire_time < now {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            E_INVALID_REQUEST,
            "Access key has expired",
            format!(
                "Access key {id:?} expired at {}; expired keys cannot be rotated",
                rec.key.expire_time
            ),
        ));
    }
    rec.secret = new_secret();
    rec.rotations += 1;
    let body = serde_json::to_vec(&RotateResponse {
        key: &rec.key,
        cleartext: &rec.secret,
    })
    .unwrap_or_default();
    drop(store);
    Ok(json_response(StatusCode::OK, body))
}

const TOKEN_STRING_FIELDS: [&str; 8] = [
    "appId",
    "tenantId",
    "refreshToken",
    "accessToken",
    "accessTokenType",
    "externalIdentifier",
    "idToken",
    "grantedBy",
];

fn str_field<'a>(item: &'a Map<String, Value>, name: &str) -> &'a str {
    item.get(name).and_then(Value::as_str).unwrap_or("")
}

/// The per-item problem of a token item, if any: (errorCode, reason).
fn token_item_problem(app: &AppState, item: &Map<String, Value>) -> Option<(&'static str, String)> {
    let app_id = str_field(item, "appId");
    if app_id.is_empty() {
        return Some((E_MISSING_ARGUMENTS, "Missing appId".to_owned()));
    }
    if !app.seed.outbound_apps.iter().any(|a| a == app_id) {
        return Some((
            E_INVALID_ARGUMENTS,
            format!("Outbound application {app_id:?} not found"),
        ));
    }
    if str_field(item, "tenantId").is_empty() {
        return Some((E_MISSING_ARGUMENTS, "Missing tenantId".to_owned()));
    }
    if str_field(item, "accessToken").is_empty() && str_field(item, "refreshToken").is_empty() {
        return Some((
            E_MISSING_ARGUMENTS,
            "Either accessToken or refreshToken is required".to_owned(),
        ));
    }
    match item.get("accessTokenExpiry") {
        None | Some(Value::Null) => {}
        Some(Value::Number(n)) => match n.as_i64() {
            Some(v) if (0..=i64::from(i32::MAX)).contains(&v) => {}
            _ => {
                return Some((
                    E_INVALID_ARGUMENTS,
                    format!("accessTokenExpiry {n} must be an integer number of epoch seconds in 0..=2147483647"),
                ))
            }
        },
        Some(other) => {
            return Some((E_INVALID_ARGUMENTS, format!("accessTokenExpiry {other} must be an integer")));
        }
    }
    None
}

async fn batch_upload(
    State(app): State<Arc<AppState>>,
    req: Request,
) -> Result<Response, ApiError> {
    check_auth(&app, req.headers())?;
    let body = read_body(req).await?;
    let mut obj = parse_object(&body)?;
    let tokens = match obj.remove("tokens") {
        None | Some(Value::Null) => return Err(ApiError::missing("tokens")),
        Some(Value::Array(a)) if a.is_empty() => return Err(ApiError::missing("tokens")),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(ApiError::bad_json("field 'tokens' must be an array")),
    };
    // Request-level type checks (a real protobuf JSON decoder rejects these outright).
    for (i, item) in tokens.iter().enumerate() {
        let Value::Object(item) = item else {
            return Err(ApiError::bad_json(format!("tokens[{i}] must be an object")));
        };
        for f in TOKEN_STRING_FIELDS {
            if !matches!(
                item.get(f),
                None | Some(Value::Null) | Some(Value::String(_))
            ) {
                return Err(ApiError::bad_json(format!(
                    "tokens[{i}].{f} must be a string"
                )));
            }
        }
        match item.get("scopes") {
            None | Some(Value::Null) => {}
            Some(Value::Array(a)) if a.iter().all(Value::is_string) => {}
            Some(_) => {
                return Err(ApiError::bad_json(format!(
                    "tokens[{i}].scopes must be an array of strings"
                )))
            }
        }
    }
    let mut failures = Vec::new();
    for item in &tokens {
        let Value::Object(item) = item else { continue };
        if let Some((code, reason)) = token_item_problem(&app, item) {
            failures.push(json!({
                "appId": str_field(item, "appId"),
                "tenantId": str_field(item, "tenantId"),
                "errorCode": code,
                "reason": reason,
            }));
        }
    }
    if failures.is_empty() {
        let mut store = app.store();
        for item in tokens {
            let Value::Object(map) = &item else { continue };
            let key = (
                str_field(map, "appId").to_owned(),
                str_field(map, "tenantId").to_owned(),
            );
            store.upsert_token(key.0, key.1, item);
        }
    }
    let body = serde_json::to_vec(&json!({ "failures": failures })).unwrap_or_default();
    Ok(json_response(StatusCode::OK, body))
}

/// Whether `url` is an absolute `http://` or `https://` URL with a non-empty host.
pub fn is_absolute_http_url(url: &str) -> bool {
    let lower = url
        .get(..8)
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let rest = if lower.starts_with("https://") {
        &url[8..]
    } else if lower.starts_with("http://") {
        &url[7..]
    } else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    !host.is_empty() && !host.starts_with(':') && !url.chars().any(char::is_whitespace)
}

fn check_template(obj: &Map<String, Value>) -> Result<(), ApiError> {
    let name = match obj.get("name") {
        None | Some(Value::Null) => "",
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err(ApiError::bad_json("field 'name' must be a string")),
    };
    if name.is_empty() {
        return Err(ApiError::missing("template name"));
    }
    for f in ["description", "loginPageURL"] {
        if !matches!(
            obj.get(f),
            None | Some(Value::Null) | Some(Value::String(_))
        ) {
            return Err(ApiError::bad_json(format!("field '{f}' must be a string")));
        }
    }
    for f in ["skipConsentScreen", "forceAddAllAuthorizationInfo"] {
        if !matches!(obj.get(f), None | Some(Value::Null) | Some(Value::Bool(_))) {
            return Err(ApiError::bad_json(format!("field '{f}' must be a boolean")));
        }
    }
    match obj.get("tags") {
        None | Some(Value::Null) => {}
        Some(Value::Array(a)) if a.iter().all(Value::is_string) => {}
        Some(_) => {
            return Err(ApiError::bad_json(
                "field 'tags' must be an array of strings",
            ))
        }
    }
    let url = obj
        .get("loginPageURL")
        .and_then(Value::as_str)
        .unwrap_or("");
    if !url.is_empty() && !is_absolute_http_url(url) {
        return Err(ApiError::invalid(format!(
            "loginPageURL {url:?} must be an absolute http(s) URL"
        )));
    }
    match obj.get("sessionSettings") {
        None | Some(Value::Null) => {}
        Some(Value::Object(s)) => check_session_settings(s)?,
        Some(_) => {
            return Err(ApiError::bad_json(
                "field 'sessionSettings' must be an object",
            ))
        }
    }
    Ok(())
}

fn check_session_settings(s: &Map<String, Value>) -> Result<(), ApiError> {
    if !matches!(
        s.get("enabled"),
        None | Some(Value::Null) | Some(Value::Bool(_))
    ) {
        return Err(ApiError::bad_json(
            "sessionSettings.enabled must be a boolean",
        ));
    }
    for f in ["userTemplateId", "keyTemplateId"] {
        if !matches!(s.get(f), None | Some(Value::Null) | Some(Value::String(_))) {
            return Err(ApiError::bad_json(format!(
                "sessionSettings.{f} must be a string"
            )));
        }
    }
    for prefix in ["refreshToken", "sessionToken", "keySessionToken"] {
        let amount = format!("{prefix}Expiration");
        match s.get(&amount) {
            None | Some(Value::Null) => {}
            Some(Value::Number(n)) => match n.as_i64() {
                Some(v) if v < 0 => {
                    return Err(ApiError::invalid(format!(
                        "sessionSettings.{amount} must not be negative"
                    )));
                }
                Some(v) if v <= i64::from(i32::MAX) => {}
                _ => {
                    return Err(ApiError::bad_json(format!(
                        "sessionSettings.{amount} must be an int32"
                    )))
                }
            },
            Some(_) => {
                return Err(ApiError::bad_json(format!(
                    "sessionSettings.{amount} must be an integer"
                )))
            }
        }
        let unit = format!("{prefix}ExpirationUnit");
        match s.get(&unit) {
            None | Some(Value::Null) => {}
            Some(Value::String(u)) if TEMPLATE_UNITS.contains(&u.as_str()) => {}
            Some(Value::String(u)) => {
                return Err(ApiError::invalid(format!(
                    "sessionSettings.{unit} {u:?} must be one of minutes, hours, days, weeks"
                )));
            }
            Some(_) => {
                return Err(ApiError::bad_json(format!(
                    "sessionSettings.{unit} must be a string"
                )))
            }
        }
    }
    Ok(())
}

async fn create_template(
    State(app): State<Arc<AppState>>,
    req: Request,
) -> Result<Response, ApiError> {
    check_auth(&app, req.headers())?;
    let body = read_body(req).await?;
    let mut obj = parse_object(&body)?;
    check_template(&obj)?;
    let now = Value::String(rfc3339(now_secs()));
    obj.insert("id".to_owned(), Value::String(new_template_id()));
    obj.insert("version".to_owned(), Value::String("1".to_owned()));
    obj.insert("createdTime".to_owned(), now.clone());
    obj.insert("modifiedTime".to_owned(), now);
    let mut store = app.store();
    let name = obj.get("name").and_then(Value::as_str).unwrap_or_default();
    if store.has_template(name) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            E_INVALID_ARGUMENTS,
            "Template name already exists",
            format!("A dynamic registration template named {name:?} already exists in the project"),
        ));
    }
    let body = serde_json::to_vec(&json!({ "template": &obj })).unwrap_or_default();
    store.add_template(obj);
    drop(store);
    Ok(json_response(StatusCode::OK, body))
}
