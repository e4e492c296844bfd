//! `descope_mgmt_create_dcr_template` (C struct) and `_json`, and the result
//! `descope_mgmt_dcr_template`.

use std::ffi::{c_char, CString};
use std::mem::size_of;
use std::ptr;

use dm::{DcrTemplate, NewDcrTemplate, SessionSettings};

use crate::args::{opt_str_arg, opt_str_array, parse_json_arg, str_arg};
use crate::boundary::{call, call_out, json_out};
use crate::call_meta::descope_mgmt_call_meta;
use crate::client::{client_arg, descope_mgmt_client, DESCOPE_MGMT_UNSET};
use crate::convert::{assert_send_sync, cstring, cstrings, handle, nth_ptr};
use crate::error::{descope_mgmt_error, Failure, FfiResult};
use crate::panic::{free_box, guard};
use crate::status::descope_mgmt_status;

/// A dynamic registration (DCR) template to create, for `descope_mgmt_create_dcr_template`.
///
/// Start with `descope_mgmt_new_dcr_template_init` (sets `struct_size`, every pointer NULL
/// and every flag `DESCOPE_MGMT_UNSET`), then set what you need. NULL strings and unset
/// flags are not sent. Strings are UTF-8 and borrowed for the call only.
///
/// ABI: new fields are only ever appended; `struct_size` tells the library which fields
/// the caller knows.
#[repr(C)]
pub struct descope_mgmt_new_dcr_template {
    /// `sizeof(descope_mgmt_new_dcr_template)`, set by `descope_mgmt_new_dcr_template_init`.
    pub struct_size: usize,
    /// The template's name, unique within the project (required).
    pub name: *const c_char,
    /// Free-text description, or NULL.
    pub description: *const c_char,
    /// The login page for registered clients (absolute http(s) URL), or NULL.
    pub login_page_url: *const c_char,
    /// Skip the consent screen: 1 true, 0 false, negative (`DESCOPE_MGMT_UNSET`) not sent.
    pub skip_consent_screen: i32,
    /// Put all authorization info in the tokens: 1 true, 0 false, negative not sent.
    pub force_add_all_authorization_info: i32,
    /// Tags: `tags_count` strings, or NULL for absent.
    pub tags: *const *const c_char,
    /// The number of strings in `tags`.
    pub tags_count: usize,
    /// Session settings as a JSON object with the wire's camelCase fields (e.g.
    /// `{"enabled":true,"sessionTokenExpiration":10,"sessionTokenExpirationUnit":"minutes"}`),
    /// or NULL for absent.
    pub session_settings_json: *const c_char,
}

const TEMPLATE_V1_SIZE: usize = size_of::<descope_mgmt_new_dcr_template>();

/// Fills `tmpl` with its defaults: `struct_size` set, every pointer NULL, every count 0
/// and every flag `DESCOPE_MGMT_UNSET`.
#[no_mangle]
pub extern "C" fn descope_mgmt_new_dcr_template_init(
    tmpl: *mut descope_mgmt_new_dcr_template,
) -> descope_mgmt_status {
    call(ptr::null_mut(), || {
        if tmpl.is_null() {
            return Err(Failure::null("tmpl"));
        }
        let defaults = descope_mgmt_new_dcr_template {
            struct_size: size_of::<descope_mgmt_new_dcr_template>(),
            name: ptr::null(),
            description: ptr::null(),
            login_page_url: ptr::null(),
            skip_consent_screen: DESCOPE_MGMT_UNSET,
            force_add_all_authorization_info: DESCOPE_MGMT_UNSET,
            tags: ptr::null(),
            tags_count: 0,
            session_settings_json: ptr::null(),
        };
        // SAFETY: not NULL; the caller passes a writable struct.
        unsafe { tmpl.write(defaults) };
        Ok(())
    })
}

fn flag(v: i32) -> Option<bool> {
    (v >= 0).then_some(v != 0)
}

fn convert(t: *const descope_mgmt_new_dcr_template) -> FfiResult<NewDcrTemplate> {
    if t.is_null() {
        return Err(Failure::null("tmpl"));
    }
    // SAFETY: not NULL; `struct_size` is the first field of every version. Raw read only.
    let size = unsafe { ptr::addr_of!((*t).struct_size).read() };
    if size < TEMPLATE_V1_SIZE {
        return Err(Failure::invalid(format!(
            "tmpl.struct_size is {size}, expected at least {TEMPLATE_V1_SIZE}: initialise the template with descope_mgmt_new_dcr_template_init"
        )));
    }
    // SAFETY: the caller's struct holds at least every field of this version.
    let t = unsafe { &*t };
    let session_settings = match opt_str_arg(t.session_settings_json, "tmpl.session_settings_json")?
    {
        None => None,
        Some(json) => Some(parse_json_arg::<SessionSettings>(
            json,
            "tmpl.session_settings_json",
        )?),
    };
    Ok(NewDcrTemplate {
        name: opt_str_arg(t.name, "tmpl.name")?
            .unwrap_or_default()
            .to_owned(),
        description: opt_str_arg(t.description, "tmpl.description")?.map(str::to_owned),
        login_page_url: opt_str_arg(t.login_page_url, "tmpl.login_page_url")?.map(str::to_owned),
        session_settings,
        skip_consent_screen: flag(t.skip_consent_screen),
        force_add_all_authorization_info: flag(t.force_add_all_authorization_info),
        tags: opt_str_array(t.tags, t.tags_count, || "tmpl.tags".to_owned())?,
    })
}

/// A created DCR template, as the server returned it. Opaque and immutable; read it with
/// the `descope_mgmt_dcr_template_*` accessors (strings are borrowed: valid until the
/// template is freed) and free it with `descope_mgmt_dcr_template_free`.
pub struct descope_mgmt_dcr_template {
    template: DcrTemplate,
    id: CString,
    version: CString,
    name: CString,
    description: CString,
    login_page_url: CString,
    created_time: CString,
    modified_time: CString,
    tags: Vec<CString>,
    meta: descope_mgmt_call_meta,
}

// Immutable: a template may be read from many threads at once.
const _: () = assert_send_sync::<descope_mgmt_dcr_template>();

impl descope_mgmt_dcr_template {
    fn new(template: DcrTemplate) -> Self {
        descope_mgmt_dcr_template {
            id: cstring(&template.id),
            version: cstring(&template.version),
            name: cstring(&template.name),
            description: cstring(&template.description),
            login_page_url: cstring(&template.login_page_url),
            created_time: cstring(&template.created_time),
            modified_time: cstring(&template.modified_time),
            tags: cstrings(&template.tags),
            meta: descope_mgmt_call_meta::new(&template.meta),
            template,
        }
    }
}

fn create(
    client: *const descope_mgmt_client,
    template: FfiResult<NewDcrTemplate>,
) -> FfiResult<descope_mgmt_dcr_template> {
    let client = client_arg(client)?;
    let template = template?;
    Ok(descope_mgmt_dcr_template::new(
        client.create_dcr_template(&template)?,
    ))
}

/// Creates a DCR template from a C struct (see `descope_mgmt_new_dcr_template`). Validated
/// before sending (all problems in one `INVALID_ARGUMENT` error). Never resent after it may
/// have reached the server (that could create a duplicate): such a failure is
/// `DESCOPE_MGMT_STATUS_OUTCOME_UNKNOWN`. On success `*out` is the created template (free
/// it with `descope_mgmt_dcr_template_free`).
#[no_mangle]
pub extern "C" fn descope_mgmt_create_dcr_template(
    client: *const descope_mgmt_client,
    tmpl: *const descope_mgmt_new_dcr_template,
    out: *mut *mut descope_mgmt_dcr_template,
    err: *mut *mut descope_mgmt_error,
) -> descope_mgmt_status {
    call_out(out, "out", err, || create(client, convert(tmpl)))
}

/// Creates a DCR template from the wire JSON object, e.g.
/// `{"name":"MCP agents","loginPageURL":"https://...","sessionSettings":{...},"tags":["mcp"]}`.
/// Unknown or misspelled fields are an `INVALID_ARGUMENT` error. Otherwise the same as
/// `descope_mgmt_create_dcr_template`.
#[no_mangle]
pub extern "C" fn descope_mgmt_create_dcr_template_json(
    client: *const descope_mgmt_client,
    template_json: *const c_char,
    out: *mut *mut descope_mgmt_dcr_template,
    err: *mut *mut descope_mgmt_error,
) -> descope_mgmt_status {
    call_out(out, "out", err, || {
        let parsed = str_arg(template_json, "template_json")
            .and_then(|json| parse_json_arg::<NewDcrTemplate>(json, "template_json"));
        create(client, parsed)
    })
}

fn tpl_str(
    t: *const descope_mgmt_dcr_template,
    field: fn(&descope_mgmt_dcr_template) -> &CString,
) -> *const c_char {
    guard(ptr::null(), || {
        handle(t).map_or(ptr::null(), |t| field(t).as_ptr())
    })
}

/// The generated template id. Borrowed; NULL when `tmpl` is NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_dcr_template_id(
    tmpl: *const descope_mgmt_dcr_template,
) -> *const c_char {
    tpl_str(tmpl, |t| &t.id)
}

/// The template's version (as text). Borrowed; NULL when `tmpl` is NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_dcr_template_version(
    tmpl: *const descope_mgmt_dcr_template,
) -> *const c_char {
    tpl_str(tmpl, |t| &t.version)
}

/// The template's name. Borrowed; NULL when `tmpl` is NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_dcr_template_name(
    tmpl: *const descope_mgmt_dcr_template,
) -> *const c_char {
    tpl_str(tmpl, |t| &t.name)
}

/// The description (`""` if none). Borrowed; NULL when `tmpl` is NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_dcr_template_description(
    tmpl: *const descope_mgmt_dcr_template,
) -> *const c_char {
    tpl_str(tmpl, |t| &t.description)
}

/// The login page URL (`""` if none). Borrowed; NULL when `tmpl` is NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_dcr_template_login_page_url(
    tmpl: *const descope_mgmt_dcr_template,
) -> *const c_char {
    tpl_str(tmpl, |t| &t.login_page_url)
}

/// Creation time, as the server formats it. Borrowed; NULL when `tmpl` is NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_dcr_template_created_time(
    tmpl: *const descope_mgmt_dcr_template,
) -> *const c_char {
    tpl_str(tmpl, |t| &t.created_time)
}

/// Last modification time, as the server formats it. Borrowed; NULL when `tmpl` is NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_dcr_template_modified_time(
    tmpl: *const descope_mgmt_dcr_template,
) -> *const c_char {
    tpl_str(tmpl, |t| &t.modified_time)
}

/// Whether the consent screen is skipped; false when `tmpl` is NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_dcr_template_skip_consent_screen(
    tmpl: *const descope_mgmt_dcr_template,
) -> bool {
    guard(false, || {
        handle(tmpl).is_some_and(|t| t.template.skip_consent_screen)
    })
}

/// Whether all authorization info goes into the tokens; false when `tmpl` is NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_dcr_template_force_add_all_authorization_info(
    tmpl: *const descope_mgmt_dcr_template,
) -> bool {
    guard(false, || {
        handle(tmpl).is_some_and(|t| t.template.force_add_all_authorization_info)
    })
}

/// How the create call went. Borrowed from `tmpl` (valid while it is); NULL when `tmpl` is
/// NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_dcr_template_meta(
    tmpl: *const descope_mgmt_dcr_template,
) -> *const descope_mgmt_call_meta {
    guard(ptr::null(), || {
        handle(tmpl).map_or(ptr::null(), |t| &t.meta as *const _)
    })
}

/// Whether the template has session settings (read them with
/// `descope_mgmt_dcr_template_to_json`); false when `tmpl` is NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_dcr_template_has_session_settings(
    tmpl: *const descope_mgmt_dcr_template,
) -> bool {
    guard(false, || {
        handle(tmpl).is_some_and(|t| t.template.session_settings.is_some())
    })
}

/// The number of tags; 0 when `tmpl` is NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_dcr_template_tags_count(
    tmpl: *const descope_mgmt_dcr_template,
) -> usize {
    guard(0, || handle(tmpl).map_or(0, |t| t.tags.len()))
}

/// Tag `index` (0-based); NULL when out of range. Borrowed.
#[no_mangle]
pub extern "C" fn descope_mgmt_dcr_template_tag(
    tmpl: *const descope_mgmt_dcr_template,
    index: usize,
) -> *const c_char {
    guard(ptr::null(), || {
        handle(tmpl).map_or(ptr::null(), |t| nth_ptr(&t.tags, index))
    })
}

/// The whole template as wire JSON (camelCase, including session settings and fields this
/// version does not know). On success `*out_json` is a new string to free with
/// `descope_mgmt_string_free`; on failure it is NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_dcr_template_to_json(
    tmpl: *const descope_mgmt_dcr_template,
    out_json: *mut *mut c_char,
    err: *mut *mut descope_mgmt_error,
) -> descope_mgmt_status {
    json_out(tmpl, "tmpl", out_json, err, |t| t.template.to_json())
}

/// Frees a template. NULL is a no-op.
#[no_mangle]
pub extern "C" fn descope_mgmt_dcr_template_free(tmpl: *mut descope_mgmt_dcr_template) {
    free_box(tmpl);
}
