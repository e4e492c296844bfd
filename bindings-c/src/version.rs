//! The library version, as macros (compile time) and functions (run time).

use std::ffi::c_char;

use crate::panic::guard;

/// The major version of the header (`descope_mgmt_version()` gives the library's).
pub const DESCOPE_MGMT_VERSION_MAJOR: u32 = 0;
/// The minor version of the header.
pub const DESCOPE_MGMT_VERSION_MINOR: u32 = 1;
/// The patch version of the header.
pub const DESCOPE_MGMT_VERSION_PATCH: u32 = 0;
/// The header's version as one comparable number: `MAJOR * 1000000 + MINOR * 1000 + PATCH`.
pub const DESCOPE_MGMT_VERSION_NUMBER: u32 = 1000;

const fn parse_u32(s: &str) -> u32 {
    let bytes = s.as_bytes();
    let mut value = 0u32;
    let mut i = 0;
    while i < bytes.len() {
        assert!(bytes[i].is_ascii_digit(), "version part is not a number");
        value = value * 10 + (bytes[i] - b'0') as u32;
        i += 1;
    }
    value
}

// The header constants above must follow Cargo.toml: bumping the workspace version without
// updating them (and regenerating the header) fails the build.
const _: () = {
    assert!(DESCOPE_MGMT_VERSION_MAJOR == parse_u32(env!("CARGO_PKG_VERSION_MAJOR")));
    assert!(DESCOPE_MGMT_VERSION_MINOR == parse_u32(env!("CARGO_PKG_VERSION_MINOR")));
    assert!(DESCOPE_MGMT_VERSION_PATCH == parse_u32(env!("CARGO_PKG_VERSION_PATCH")));
    assert!(
        DESCOPE_MGMT_VERSION_NUMBER
            == DESCOPE_MGMT_VERSION_MAJOR * 1_000_000
                + DESCOPE_MGMT_VERSION_MINOR * 1_000
                + DESCOPE_MGMT_VERSION_PATCH
    );
};

/// The library's version string, e.g. `"0.1.0"`. Static: never freed.
#[no_mangle]
pub extern "C" fn descope_mgmt_version() -> *const c_char {
    const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
    guard(VERSION.as_ptr().cast(), || VERSION.as_ptr().cast())
}

/// The library's version as `MAJOR * 1000000 + MINOR * 1000 + PATCH`; compare it with
/// `DESCOPE_MGMT_VERSION_NUMBER` to detect a header/library mismatch.
#[no_mangle]
pub extern "C" fn descope_mgmt_version_number() -> u32 {
    guard(DESCOPE_MGMT_VERSION_NUMBER, || DESCOPE_MGMT_VERSION_NUMBER)
}
