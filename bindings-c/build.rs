//! Gives the shared library a versioned soname on Linux (`libdescope_mgmt.so.0`: the C ABI
//! major version), so programs linked against it keep loading the same ABI across installs.
//!
//! The linker records the soname as the program's dependency, so the loader then looks for
//! `libdescope_mgmt.so.0`; this script also links that name to the library in cargo's
//! output folder, so programs linked straight against target/<profile>/ still run.

use std::env;
use std::path::PathBuf;

/// The soname: bump with the ABI's major version (the header's layout promises).
const SONAME: &str = "libdescope_mgmt.so.0";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os != "linux" && os != "android" {
        return;
    }
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{SONAME}");
    // OUT_DIR is <target>/[<triple>/]<profile>/build/<crate>-<hash>/out.
    let Some(profile_dir) = env::var_os("OUT_DIR")
        .map(PathBuf::from)
        .and_then(|out| out.ancestors().nth(3).map(PathBuf::from))
    else {
        return;
    };
    let link = profile_dir.join(SONAME);
    if std::fs::symlink_metadata(&link).is_err() {
        #[cfg(unix)]
        let _ = std::os::unix::fs::symlink("libdescope_mgmt.so", &link);
    }
}
