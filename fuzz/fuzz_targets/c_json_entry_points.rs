//! The C binding's JSON entry points, called through its Rust sources (fuzz/c-rlib), with
//! the client pointed at a loopback server.
//!
//! Input layout: byte 0 picks the entry point (0: `descope_mgmt_batch_upload_tenant_tokens_json`,
//! 1: `descope_mgmt_create_dcr_template_json`, 2: `descope_mgmt_client_new` with the rest as
//! `project_id\0management_key`, then a rotate), byte 1 what the server answers (0: success,
//! 1: a Descope error echoing the request, 2: per-item failures echoing it, 3: a 500 HTML
//! page echoing it); the rest is the JSON (a C string: cut at the first NUL). Every
//! returned object is read through every accessor and freed, so AddressSanitizer and the
//! leak checker see the whole C surface.
//!
//! Oracle (a failed assertion is a libFuzzer crash):
//! - no crash, no leak, never `DESCOPE_MGMT_STATUS_PANIC`;
//! - a typed status that agrees with the out-parameters and the error object (its status,
//!   its code string, a message);
//! - the status follows the core's own reading of the input: bytes that are not UTF-8 are
//!   `INVALID_UTF8`, JSON the core's input decoder or validation refuses is
//!   `INVALID_ARGUMENT`, valid input is never refused locally and, when the server answers
//!   success, is `OK`;
//! - no management key and no token value in any error text; an `INVALID_ARGUMENT` or
//!   `INVALID_UTF8` error quotes no input value at all (only field names and paths);
//! - a client that `descope_mgmt_client_new` accepted rotates when the server answers, and
//!   the rotated secret is the one the server sent.
#![no_main]

use std::ffi::{c_char, CStr, CString};
use std::ptr;
use std::sync::Arc;

use descope_mgmt::bindings::decode_input_json;
use descope_mgmt::{validate_tenant_tokens, NewDcrTemplate, TenantToken};
use descope_mgmt_c::*;
use descope_mgmt_fuzz::{
    answer, distinctive, object_keys, string_values, Canned, MGMT_KEY, PROJECT_ID,
};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// What the loopback server answers.
fn responder(mode: u8) -> descope_mgmt_fuzz::Responder {
    Arc::new(move |path: &str, body: &[u8]| {
        let echoed = String::from_utf8_lossy(body).into_owned();
        match mode % 4 {
            0 if path.ends_with("/batch/upload") => {
                answer(200, "application/json", br#"{"failures":[]}"#)
            }
            0 if path.ends_with("/create") => {
                let mut tmpl = serde_json::from_slice::<Value>(body).unwrap_or(Value::Null);
                if let Some(o) = tmpl.as_object_mut() {
                    o.insert("id".into(), "DRT2fz".into());
                    o.insert("version".into(), 1.into());
                }
                let out = serde_json::json!({ "template": tmpl }).to_string();
                answer(200, "application/json", out.as_bytes())
            }
            0 => {
                let out = serde_json::json!({
                    "key": {"id": "K2fz", "roleNames": ["a"], "keyTenants": [{"tenantId": "T", "roleNames": ["b"]}]},
                    "cleartext": "fuzz-rotated-secret"
                });
                answer(200, "application/json", out.to_string().as_bytes())
            }
            1 => {
                let out = serde_json::json!({
                    "errorCode": "E011001", "errorDescription": echoed, "errorMessage": echoed,
                });
                answer(400, "application/json", out.to_string().as_bytes())
            }
            2 => {
                let out = serde_json::json!({
                    "failures": [{"appId": "a", "tenantId": "t", "errorCode": "E1", "reason": echoed}]
                });
                answer(200, "application/json", out.to_string().as_bytes())
            }
            _ => answer(
                500,
                "text/html",
                format!("<html><pre>{echoed}</pre></html>").as_bytes(),
            ),
        }
    })
}

/// The distinctive string values of the input that must never show in an error:
/// `(token values, every value)`. A value that also occurs in a key (error paths name
/// keys) or, for tokens, in a non-secret value (a server may echo those) is left out.
fn input_values(json: &str) -> (Vec<String>, Vec<String>) {
    let Ok(v) = serde_json::from_str::<Value>(json) else {
        return (Vec::new(), Vec::new());
    };
    fn tokens(v: &Value, secret_field: bool, secrets: &mut Vec<String>, plain: &mut Vec<String>) {
        match v {
            Value::String(s) if secret_field => secrets.push(s.clone()),
            Value::String(s) => plain.push(s.clone()),
            Value::Array(a) => a.iter().for_each(|x| tokens(x, false, secrets, plain)),
            Value::Object(o) => {
                for (k, x) in o {
                    let secret = matches!(
                        k.as_str(),
                        "refreshToken"
                            | "accessToken"
                            | "idToken"
                            | "refresh_token"
                            | "access_token"
                            | "id_token"
                    );
                    tokens(x, secret, secrets, plain);
                }
            }
            _ => {}
        }
    }
    let mut secrets = Vec::new();
    let mut plain = Vec::new();
    tokens(&v, false, &mut secrets, &mut plain);
    let mut keys = Vec::new();
    object_keys(&v, &mut keys);
    let mut all = Vec::new();
    string_values(&v, &mut all);
    let url = Canned::get().url();
    let shown = |s: &str| url.contains(s) || keys.iter().any(|k| k.contains(s));
    secrets
        .retain(|s| distinctive(s) && !shown(s) && !plain.iter().any(|o| o.contains(s.as_str())));
    all.retain(|s| distinctive(s) && !shown(s));
    (secrets, all)
}

fn text(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: a string borrowed from a live library object.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// The status's stable code string.
fn status_name(status: descope_mgmt_status) -> String {
    format!("{status:?}")
        .chars()
        .flat_map(|c| {
            let sep = c.is_ascii_uppercase().then_some('_');
            sep.into_iter()
                .chain(std::iter::once(c.to_ascii_uppercase()))
        })
        .skip(1)
        .collect()
}

/// Checks that `err` describes `status`, reads every accessor, checks the texts for
/// secrets and frees it.
fn check_error(status: descope_mgmt_status, err: *mut descope_mgmt_error, secrets: &[String]) {
    assert_eq!(
        status == descope_mgmt_status::Ok,
        err.is_null(),
        "err and status disagree"
    );
    if err.is_null() {
        return;
    }
    assert_eq!(
        descope_mgmt_error_status(err),
        status,
        "the error's status is not the call's"
    );
    assert_eq!(
        text(descope_mgmt_error_code(err)),
        status_name(status),
        "the error's code string"
    );
    assert!(
        !text(descope_mgmt_error_message(err)).is_empty(),
        "an error without a message"
    );
    let mut texts = vec![
        text(descope_mgmt_error_code(err)),
        text(descope_mgmt_error_message(err)),
        text(descope_mgmt_error_descope_code(err)),
        text(descope_mgmt_error_description(err)),
        text(descope_mgmt_error_server_message(err)),
    ];
    let _ = descope_mgmt_error_status(err);
    let _ = descope_mgmt_error_http_status(err);
    let _ = descope_mgmt_error_retry_after_ms(err);
    let n = descope_mgmt_error_failures_count(err);
    for i in 0..=n {
        texts.push(text(descope_mgmt_error_failure_app_id(err, i)));
        texts.push(text(descope_mgmt_error_failure_tenant_id(err, i)));
        texts.push(text(descope_mgmt_error_failure_error_code(err, i)));
        texts.push(text(descope_mgmt_error_failure_reason(err, i)));
    }
    descope_mgmt_error_free(err);
    // Texts: 0 code, 1 message, 2 descope code, 3 description, 4 server message, then the
    // failures' fields.
    for (j, t) in texts.iter().enumerate() {
        assert!(
            !t.contains(MGMT_KEY),
            "the management key is in text #{j} of a {status:?} error"
        );
        for (i, s) in secrets.iter().enumerate() {
            assert!(
                !t.contains(s.as_str()),
                "input value #{i} is quoted in text #{j} of a {status:?} error"
            );
        }
    }
}

fn read_template(t: *mut descope_mgmt_dcr_template) {
    for f in [
        descope_mgmt_dcr_template_id,
        descope_mgmt_dcr_template_version,
        descope_mgmt_dcr_template_name,
        descope_mgmt_dcr_template_description,
        descope_mgmt_dcr_template_login_page_url,
        descope_mgmt_dcr_template_created_time,
        descope_mgmt_dcr_template_modified_time,
    ] {
        let _ = text(f(t));
    }
    let _ = descope_mgmt_dcr_template_skip_consent_screen(t);
    let _ = descope_mgmt_dcr_template_force_add_all_authorization_info(t);
    let _ = descope_mgmt_dcr_template_has_session_settings(t);
    let n = descope_mgmt_dcr_template_tags_count(t);
    for i in 0..=n {
        let _ = text(descope_mgmt_dcr_template_tag(t, i));
    }
    let mut json = ptr::null_mut();
    let mut err = ptr::null_mut();
    let status = descope_mgmt_dcr_template_to_json(t, &mut json, &mut err);
    assert_eq!(
        status,
        descope_mgmt_status::Ok,
        "to_json of a created template failed"
    );
    assert!(!json.is_null(), "to_json of a created template is NULL");
    check_error(status, err, &[]);
    descope_mgmt_string_free(json);
    descope_mgmt_dcr_template_free(t);
}

fn read_rotated(k: *mut descope_mgmt_rotated_key) {
    assert_eq!(
        text(descope_mgmt_rotated_key_cleartext(k)),
        "fuzz-rotated-secret"
    );
    for f in [
        descope_mgmt_rotated_key_id,
        descope_mgmt_rotated_key_name,
        descope_mgmt_rotated_key_status,
        descope_mgmt_rotated_key_created_by,
        descope_mgmt_rotated_key_client_id,
        descope_mgmt_rotated_key_bound_user_id,
        descope_mgmt_rotated_key_description,
    ] {
        let _ = text(f(k));
    }
    let _ = descope_mgmt_rotated_key_created_time(k);
    let _ = descope_mgmt_rotated_key_expire_time(k);
    let _ = descope_mgmt_rotated_key_editable(k);
    for i in 0..=descope_mgmt_rotated_key_role_names_count(k) {
        let _ = text(descope_mgmt_rotated_key_role_name(k, i));
    }
    for i in 0..=descope_mgmt_rotated_key_permitted_ips_count(k) {
        let _ = text(descope_mgmt_rotated_key_permitted_ip(k, i));
    }
    for i in 0..=descope_mgmt_rotated_key_tenants_count(k) {
        let _ = text(descope_mgmt_rotated_key_tenant_id(k, i));
        let _ = text(descope_mgmt_rotated_key_tenant_name(k, i));
        for j in 0..=descope_mgmt_rotated_key_tenant_role_names_count(k, i) {
            let _ = text(descope_mgmt_rotated_key_tenant_role_name(k, i, j));
        }
    }
    let mut json = ptr::null_mut();
    let mut err = ptr::null_mut();
    let status = descope_mgmt_rotated_key_to_json(k, &mut json, &mut err);
    assert_eq!(
        status,
        descope_mgmt_status::Ok,
        "to_json of a rotated key failed"
    );
    assert!(
        !text(json).contains("fuzz-rotated-secret"),
        "a rotated key's JSON shows its secret"
    );
    check_error(status, err, &[]);
    descope_mgmt_string_free(json);
    descope_mgmt_rotated_key_free(k);
}

/// A client for the loopback server; `None` (and the error checked) when refused.
fn new_client(
    project_id: &[u8],
    key: &[u8],
    secrets: &[String],
) -> Option<*mut descope_mgmt_client> {
    let project_id = CString::new(project_id).ok()?;
    let key = CString::new(key).ok()?;
    let url = CString::new(Canned::get().url()).unwrap();
    // SAFETY: a zeroed plain-data struct, fully initialised by options_init next.
    let mut options: descope_mgmt_options = unsafe { std::mem::zeroed() };
    assert_eq!(
        descope_mgmt_options_init(&mut options),
        descope_mgmt_status::Ok
    );
    options.project_id = project_id.as_ptr();
    options.management_key = key.as_ptr();
    options.base_url = url.as_ptr();
    options.timeout_ms = 5000;
    options.max_retries = 0;
    let mut client = ptr::null_mut();
    let mut err = ptr::null_mut();
    let status = descope_mgmt_client_new(&options, &mut client, &mut err);
    assert_ne!(status, descope_mgmt_status::Panic, "client_new panicked");
    assert_eq!(
        status == descope_mgmt_status::Ok,
        !client.is_null(),
        "client and status disagree"
    );
    check_error(status, err, secrets);
    (status == descope_mgmt_status::Ok).then_some(client)
}

/// The client of the JSON entry points, made once (every answer closes its connection, so
/// nothing carries over between inputs).
fn shared_client() -> *mut descope_mgmt_client {
    static CLIENT: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CLIENT.get_or_init(|| {
        new_client(PROJECT_ID.as_bytes(), MGMT_KEY.as_bytes(), &[]).expect("client") as usize
    }) as *mut descope_mgmt_client
}

/// Whether the core's own input decoder and validation accept `json` for `entry`.
fn core_accepts(entry: u8, json: &str) -> bool {
    if entry == 0 {
        decode_input_json::<Vec<TenantToken>>("tokens_json", json)
            .and_then(|t| validate_tenant_tokens(&t))
            .is_ok()
    } else {
        decode_input_json::<NewDcrTemplate>("template_json", json)
            .and_then(|t| t.validate())
            .is_ok()
    }
}

/// Statuses of errors found before anything was sent.
fn is_local(status: descope_mgmt_status) -> bool {
    matches!(
        status,
        descope_mgmt_status::InvalidArgument
            | descope_mgmt_status::InvalidUtf8
            | descope_mgmt_status::NullArgument
    )
}

fn json_entry_point(entry: u8, mode: u8, c_input: &[u8]) {
    let client = shared_client();
    let arg = CString::new(c_input).unwrap();
    let mut err = ptr::null_mut();
    let status = if entry == 0 {
        descope_mgmt_batch_upload_tenant_tokens_json(client, arg.as_ptr(), &mut err)
    } else {
        let mut out = ptr::null_mut();
        let s = descope_mgmt_create_dcr_template_json(client, arg.as_ptr(), &mut out, &mut err);
        assert_eq!(
            s == descope_mgmt_status::Ok,
            !out.is_null(),
            "out and status disagree"
        );
        if !out.is_null() {
            read_template(out);
        }
        s
    };
    assert_ne!(
        status,
        descope_mgmt_status::Panic,
        "a JSON entry point panicked"
    );
    let secrets = match std::str::from_utf8(c_input) {
        Err(_) => {
            assert_eq!(status, descope_mgmt_status::InvalidUtf8, "non-UTF-8 input");
            Vec::new()
        }
        Ok(json) => {
            let (tokens, all) = input_values(json);
            if !core_accepts(entry, json) {
                assert_eq!(
                    status,
                    descope_mgmt_status::InvalidArgument,
                    "input the core refuses"
                );
            } else {
                assert!(!is_local(status), "valid input refused: {status:?}");
                if mode.is_multiple_of(4) {
                    assert_eq!(
                        status,
                        descope_mgmt_status::Ok,
                        "valid input, success answer"
                    );
                }
            }
            if is_local(status) {
                all
            } else {
                tokens
            }
        }
    };
    check_error(status, err, &secrets);
}

fn client_and_rotate(mode: u8, rest: &[u8]) {
    let (pid, key) = match rest.iter().position(|&b| b == 0) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &b""[..]),
    };
    let key = &key[..key.iter().position(|&b| b == 0).unwrap_or(key.len())];
    let mut secrets = Vec::new();
    if let Ok(k) = std::str::from_utf8(key) {
        // The key is secret unless the project id (shown in errors) contains it.
        if distinctive(k) && !String::from_utf8_lossy(pid).contains(k) && !"K2fz".contains(k) {
            secrets.push(k.to_string());
        }
    }
    let Some(client) = new_client(pid, key, &secrets) else {
        return;
    };
    let id = CString::new("K2fz").unwrap();
    let mut out = ptr::null_mut();
    let mut err = ptr::null_mut();
    let status = descope_mgmt_rotate_access_key(client, id.as_ptr(), &mut out, &mut err);
    assert_ne!(status, descope_mgmt_status::Panic, "rotate panicked");
    assert_eq!(
        status == descope_mgmt_status::Ok,
        !out.is_null(),
        "out and status disagree"
    );
    if mode.is_multiple_of(4) {
        assert_eq!(
            status,
            descope_mgmt_status::Ok,
            "an accepted client could not rotate"
        );
    }
    if !out.is_null() {
        read_rotated(out);
    }
    check_error(status, err, &secrets);
    descope_mgmt_client_free(client);
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let entry = data[0] % 3;
    let mode = data[1];
    Canned::get().respond_with(responder(mode));
    let rest = &data[2..];
    if entry == 2 {
        client_and_rotate(mode, rest);
    } else {
        let c_input = &rest[..rest.iter().position(|&b| b == 0).unwrap_or(rest.len())];
        json_entry_point(entry, mode, c_input);
    }
});
