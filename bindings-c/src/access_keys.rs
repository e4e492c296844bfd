//! `descope_mgmt_rotate_access_key` and its result, `descope_mgmt_rotated_key`.

use std::ffi::{c_char, CString};
use std::ptr;

use dm::AccessKey;
use zeroize::Zeroizing;

use crate::args::str_arg;
use crate::boundary::{call_out, json_out};
use crate::call_meta::descope_mgmt_call_meta;
use crate::client::{client_arg, descope_mgmt_client};
use crate::convert::{assert_send_sync, cstring, cstrings, handle, nth_ptr};
use crate::error::{descope_mgmt_error, Failure, FfiResult};
use crate::panic::{free_box, guard};
use crate::status::descope_mgmt_status;

/// A rotated access key: the key's metadata and its new secret (the cleartext), which the
/// server shows only once. Opaque and immutable; read it with the
/// `descope_mgmt_rotated_key_*` accessors and free it with `descope_mgmt_rotated_key_free`,
/// which zeroes the cleartext. Strings the accessors return are borrowed: valid until the
/// key is freed.
pub struct descope_mgmt_rotated_key {
    key: AccessKey,
    id: CString,
    name: CString,
    status: CString,
    created_by: CString,
    client_id: CString,
    bound_user_id: CString,
    description: CString,
    role_names: Vec<CString>,
    permitted_ips: Vec<CString>,
    tenants: Vec<Tenant>,
    /// The cleartext with its NUL terminator, zeroed on drop.
    cleartext: Zeroizing<Vec<u8>>,
    meta: descope_mgmt_call_meta,
}

// Immutable: a rotated key may be read from many threads at once.
const _: () = assert_send_sync::<descope_mgmt_rotated_key>();

/// A tenant of the key, as C strings.
struct Tenant {
    tenant_id: CString,
    tenant_name: CString,
    role_names: Vec<CString>,
}

impl descope_mgmt_rotated_key {
    /// Fails with `DECODE` when the new secret holds a NUL byte: a C string cannot carry it,
    /// and a silently altered secret would be worse than none.
    fn new(rotated: dm::RotatedAccessKey) -> FfiResult<Self> {
        let key = rotated.key;
        if rotated.cleartext.expose().as_bytes().contains(&0) {
            return Err(Failure::Core(Box::new(dm::Error::new(
                dm::ErrorCode::Decode,
                "the key was rotated, but its new secret contains a NUL byte and cannot be returned as a C string; rotate it again from a client that accepts such secrets",
            ))));
        }
        let mut cleartext =
            Zeroizing::new(Vec::with_capacity(rotated.cleartext.expose().len() + 1));
        cleartext.extend_from_slice(rotated.cleartext.expose().as_bytes());
        cleartext.push(0);
        Ok(descope_mgmt_rotated_key {
            meta: descope_mgmt_call_meta::new(&rotated.meta),
            id: cstring(&key.id),
            name: cstring(&key.name),
            status: cstring(&key.status),
            created_by: cstring(&key.created_by),
            client_id: cstring(&key.client_id),
            bound_user_id: cstring(&key.bound_user_id),
            description: cstring(&key.description),
            role_names: cstrings(&key.role_names),
            permitted_ips: cstrings(&key.permitted_ips),
            tenants: key
                .key_tenants
                .iter()
                .map(|t| Tenant {
                    tenant_id: cstring(&t.tenant_id),
                    tenant_name: cstring(&t.tenant_name),
                    role_names: cstrings(&t.role_names),
                })
                .collect(),
            cleartext,
            key,
        })
    }
}

/// Rotates an access key: the server makes a new secret, returns it once, and the previous
/// secret stops working at once; everything else about the key stays.
///
/// `id` is the key id (required). On success `*out` is the rotated key (free it with
/// `descope_mgmt_rotated_key_free`). The call is never resent after it may have reached the
/// server (the original, applied late, could overtake a resend and void its secret): such a failure is
/// `DESCOPE_MGMT_STATUS_OUTCOME_UNKNOWN`.
#[no_mangle]
pub extern "C" fn descope_mgmt_rotate_access_key(
    client: *const descope_mgmt_client,
    id: *const c_char,
    out: *mut *mut descope_mgmt_rotated_key,
    err: *mut *mut descope_mgmt_error,
) -> descope_mgmt_status {
    call_out(out, "out", err, || {
        let client = client_arg(client)?;
        let id = str_arg(id, "id")?;
        descope_mgmt_rotated_key::new(client.rotate_access_key(id)?)
    })
}

fn key_str(
    key: *const descope_mgmt_rotated_key,
    field: fn(&descope_mgmt_rotated_key) -> &CString,
) -> *const c_char {
    guard(ptr::null(), || {
        handle(key).map_or(ptr::null(), |k| field(k).as_ptr())
    })
}

/// The new secret, shown only once: store it now. Borrowed (valid until the key is freed,
/// which zeroes it); NULL when `key` is NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_rotated_key_cleartext(
    key: *const descope_mgmt_rotated_key,
) -> *const c_char {
    guard(ptr::null(), || {
        handle(key).map_or(ptr::null(), |k| k.cleartext.as_ptr().cast())
    })
}

/// How the rotation call went. Borrowed from `key` (valid while it is); NULL when `key` is
/// NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_rotated_key_meta(
    key: *const descope_mgmt_rotated_key,
) -> *const descope_mgmt_call_meta {
    guard(ptr::null(), || {
        handle(key).map_or(ptr::null(), |k| &k.meta as *const _)
    })
}

/// The key id. Borrowed; NULL when `key` is NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_rotated_key_id(
    key: *const descope_mgmt_rotated_key,
) -> *const c_char {
    key_str(key, |k| &k.id)
}

/// The key's name (`""` when the server sent none). Borrowed; NULL when `key` is NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_rotated_key_name(
    key: *const descope_mgmt_rotated_key,
) -> *const c_char {
    key_str(key, |k| &k.name)
}

/// The key's status, e.g. `"active"`. Borrowed; NULL when `key` is NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_rotated_key_status(
    key: *const descope_mgmt_rotated_key,
) -> *const c_char {
    key_str(key, |k| &k.status)
}

/// Who created the key. Borrowed; NULL when `key` is NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_rotated_key_created_by(
    key: *const descope_mgmt_rotated_key,
) -> *const c_char {
    key_str(key, |k| &k.created_by)
}

/// The key's OAuth client id. Borrowed; NULL when `key` is NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_rotated_key_client_id(
    key: *const descope_mgmt_rotated_key,
) -> *const c_char {
    key_str(key, |k| &k.client_id)
}

/// The user the key is bound to (`""` if none). Borrowed; NULL when `key` is NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_rotated_key_bound_user_id(
    key: *const descope_mgmt_rotated_key,
) -> *const c_char {
    key_str(key, |k| &k.bound_user_id)
}

/// The key's description. Borrowed; NULL when `key` is NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_rotated_key_description(
    key: *const descope_mgmt_rotated_key,
) -> *const c_char {
    key_str(key, |k| &k.description)
}

/// Creation time, epoch seconds; 0 when `key` is NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_rotated_key_created_time(
    key: *const descope_mgmt_rotated_key,
) -> i64 {
    guard(0, || handle(key).map_or(0, |k| k.key.created_time))
}

/// Expiry time, epoch seconds; 0 means the key never expires (and when `key` is NULL).
#[no_mangle]
pub extern "C" fn descope_mgmt_rotated_key_expire_time(
    key: *const descope_mgmt_rotated_key,
) -> i64 {
    guard(0, || handle(key).map_or(0, |k| k.key.expire_time))
}

/// Whether the key can be edited; false when `key` is NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_rotated_key_editable(key: *const descope_mgmt_rotated_key) -> bool {
    guard(false, || handle(key).is_some_and(|k| k.key.editable))
}

/// The number of project-level role names; 0 when `key` is NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_rotated_key_role_names_count(
    key: *const descope_mgmt_rotated_key,
) -> usize {
    guard(0, || handle(key).map_or(0, |k| k.role_names.len()))
}

/// Project-level role name `index` (0-based); NULL when out of range. Borrowed.
#[no_mangle]
pub extern "C" fn descope_mgmt_rotated_key_role_name(
    key: *const descope_mgmt_rotated_key,
    index: usize,
) -> *const c_char {
    guard(ptr::null(), || {
        handle(key).map_or(ptr::null(), |k| nth_ptr(&k.role_names, index))
    })
}

/// The number of permitted IPs / CIDRs; 0 when `key` is NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_rotated_key_permitted_ips_count(
    key: *const descope_mgmt_rotated_key,
) -> usize {
    guard(0, || handle(key).map_or(0, |k| k.permitted_ips.len()))
}

/// Permitted IP / CIDR `index`; NULL when out of range. Borrowed.
#[no_mangle]
pub extern "C" fn descope_mgmt_rotated_key_permitted_ip(
    key: *const descope_mgmt_rotated_key,
    index: usize,
) -> *const c_char {
    guard(ptr::null(), || {
        handle(key).map_or(ptr::null(), |k| nth_ptr(&k.permitted_ips, index))
    })
}

/// The number of tenants the key belongs to; 0 when `key` is NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_rotated_key_tenants_count(
    key: *const descope_mgmt_rotated_key,
) -> usize {
    guard(0, || handle(key).map_or(0, |k| k.tenants.len()))
}

fn tenant<'a>(key: *const descope_mgmt_rotated_key, index: usize) -> Option<&'a Tenant> {
    handle(key).and_then(|k| k.tenants.get(index))
}

/// The id of tenant `index`; NULL when out of range. Borrowed.
#[no_mangle]
pub extern "C" fn descope_mgmt_rotated_key_tenant_id(
    key: *const descope_mgmt_rotated_key,
    index: usize,
) -> *const c_char {
    guard(ptr::null(), || {
        tenant(key, index).map_or(ptr::null(), |t| t.tenant_id.as_ptr())
    })
}

/// The name of tenant `index`; NULL when out of range. Borrowed.
#[no_mangle]
pub extern "C" fn descope_mgmt_rotated_key_tenant_name(
    key: *const descope_mgmt_rotated_key,
    index: usize,
) -> *const c_char {
    guard(ptr::null(), || {
        tenant(key, index).map_or(ptr::null(), |t| t.tenant_name.as_ptr())
    })
}

/// The number of role names the key has in tenant `index`; 0 when out of range.
#[no_mangle]
pub extern "C" fn descope_mgmt_rotated_key_tenant_role_names_count(
    key: *const descope_mgmt_rotated_key,
    index: usize,
) -> usize {
    guard(0, || tenant(key, index).map_or(0, |t| t.role_names.len()))
}

/// Role name `role_index` of tenant `index`; NULL when either is out of range. Borrowed.
#[no_mangle]
pub extern "C" fn descope_mgmt_rotated_key_tenant_role_name(
    key: *const descope_mgmt_rotated_key,
    index: usize,
    role_index: usize,
) -> *const c_char {
    guard(ptr::null(), || {
        tenant(key, index).map_or(ptr::null(), |t| nth_ptr(&t.role_names, role_index))
    })
}

/// The whole key as wire JSON (camelCase, including custom claims, custom attributes and
/// fields this version does not know), WITHOUT the cleartext. On success `*out_json` is a
/// new string to free with `descope_mgmt_string_free`; on failure it is NULL.
#[no_mangle]
pub extern "C" fn descope_mgmt_rotated_key_to_json(
    key: *const descope_mgmt_rotated_key,
    out_json: *mut *mut c_char,
    err: *mut *mut descope_mgmt_error,
) -> descope_mgmt_status {
    json_out(key, "key", out_json, err, |k| k.key.to_json())
}

/// Frees a rotated key, zeroing its cleartext. NULL is a no-op.
#[no_mangle]
pub extern "C" fn descope_mgmt_rotated_key_free(key: *mut descope_mgmt_rotated_key) {
    free_box(key);
}
