//! Emulator-only endpoints under `/emulator/` (no auth, never journaled, never faulted):
//! health, seed, reset, fault queue, journal and state inspection.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use super::{fallback_not_found, method_not_allowed, parse_object, read_body};
use crate::errors::{json_response, ApiError};
use crate::faults::{Fault, FaultSpec};
use crate::state::AppState;

type Params = Query<HashMap<String, String>>;

/// The `/emulator/*` router.
pub fn router(app: Arc<AppState>) -> Router {
    Router::new()
        .route("/emulator/health", get(health))
        .route("/emulator/seed", get(seed))
        .route("/emulator/reset", post(reset))
        .route(
            "/emulator/faults",
            post(add_faults).get(list_faults).delete(clear_faults),
        )
        .route("/emulator/journal", get(journal).delete(clear_journal))
        .route("/emulator/accesskeys", get(access_keys))
        .route("/emulator/accesskeys/verify", post(verify))
        .route("/emulator/outbound/tokens", get(tokens))
        .route("/emulator/templates", get(templates))
        .fallback(fallback_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(app)
}

fn ok_json(value: Value) -> Response {
    json_response(
        StatusCode::OK,
        serde_json::to_vec(&value).unwrap_or_default(),
    )
}

fn param<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params
        .0
        .get(name)
        .map(String::as_str)
        .filter(|s| !s.is_empty())
}

async fn health() -> Response {
    ok_json(json!({ "ok": true }))
}

async fn seed(State(app): State<Arc<AppState>>) -> Response {
    ok_json(serde_json::to_value(&app.seed).unwrap_or_default())
}

async fn reset(State(app): State<Arc<AppState>>) -> Response {
    app.quiesce().await;
    app.reset();
    ok_json(json!({ "ok": true }))
}

async fn add_faults(State(app): State<Arc<AppState>>, req: Request) -> Result<Response, ApiError> {
    let body = read_body(req).await?;
    let value: Value = serde_json::from_slice(&body).map_err(ApiError::bad_json)?;
    let specs: Vec<FaultSpec> = match value {
        Value::Array(_) => serde_json::from_value(value),
        other => serde_json::from_value(other).map(|s| vec![s]),
    }
    .map_err(ApiError::bad_json)?;
    let faults = specs
        .into_iter()
        .map(Fault::from_spec)
        .collect::<Result<Vec<_>, _>>()
        .map_err(ApiError::invalid)?;
    let queued = app.faults.push(faults);
    Ok(ok_json(json!({ "queued": queued })))
}

async fn list_faults(State(app): State<Arc<AppState>>) -> Response {
    let faults = app.faults.list();
    ok_json(json!({ "queued": faults.len(), "faults": faults }))
}

async fn clear_faults(State(app): State<Arc<AppState>>) -> Response {
    app.faults.clear();
    ok_json(json!({ "queued": 0 }))
}

async fn journal(State(app): State<Arc<AppState>>, params: Params) -> Response {
    let entries = app
        .journal
        .snapshot(param(&params, "method"), param(&params, "path"));
    let requests: Vec<Value> = entries.iter().map(|e| e.to_json()).collect();
    ok_json(json!({ "count": requests.len(), "requests": requests }))
}

async fn clear_journal(State(app): State<Arc<AppState>>) -> Response {
    app.journal.clear();
    ok_json(json!({ "ok": true }))
}

async fn access_keys(State(app): State<Arc<AppState>>) -> Response {
    app.quiesce().await;
    let store = app.store();
    let keys: Vec<Value> = store
        .keys
        .iter()
        .map(|r| {
            let mut v = serde_json::to_value(&r.key).unwrap_or_default();
            if let Value::Object(m) = &mut v {
                m.insert("secret".to_owned(), Value::String(r.secret.clone()));
                m.insert("rotations".to_owned(), Value::from(r.rotations));
            }
            v
        })
        .collect();
    ok_json(json!({ "accessKeys": keys }))
}

async fn verify(State(app): State<Arc<AppState>>, req: Request) -> Result<Response, ApiError> {
    let body = read_body(req).await?;
    let obj = parse_object(&body)?;
    let id = obj.get("id").and_then(Value::as_str).unwrap_or_default();
    let secret = obj
        .get("secret")
        .and_then(Value::as_str)
        .unwrap_or_default();
    app.quiesce().await;
    let valid = !secret.is_empty() && app.store().key(id).is_some_and(|k| k.secret == secret);
    Ok(ok_json(json!({ "valid": valid })))
}

async fn tokens(State(app): State<Arc<AppState>>, params: Params) -> Response {
    app.quiesce().await;
    let tokens = app
        .store()
        .tokens(param(&params, "appId"), param(&params, "tenantId"));
    ok_json(json!({ "tokens": tokens }))
}

async fn templates(State(app): State<Arc<AppState>>, params: Params) -> Response {
    app.quiesce().await;
    let name = param(&params, "name");
    let store = app.store();
    let selected = store.templates.iter().filter(|t| {
        name.map_or(true, |n| {
            t.template.get("name").and_then(Value::as_str) == Some(n)
        })
    });
    let all: Vec<&serde_json::Map<String, Value>> = selected.clone().map(|t| &t.template).collect();
    let created: Vec<&serde_json::Map<String, Value>> = selected
        .filter(|t| t.created)
        .map(|t| &t.template)
        .collect();
    ok_json(json!({ "templates": all, "created": created }))
}
