//! The client: the same `DESCOPE_PROJECT_ID` / `DESCOPE_MANAGEMENT_KEY` / `DESCOPE_BASE_URI`
//! variables as the libraries (the core's builder reads them), or the management key from
//! `--management-key-file`. Never from an argument: argv is visible to other users.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use descope_mgmt::{BlockingClient, Client, Secret};

use crate::exit::{Failure, CONFIG};
use crate::output::Output;

/// Settings shared by every command.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// `--management-key-file`.
    pub management_key_file: Option<std::path::PathBuf>,
    /// `--timeout` in seconds.
    pub timeout: Option<f64>,
}

/// Reads the management key from a file: its first line, surrounding whitespace removed.
fn read_key_file(path: &Path, out: &Output) -> Result<Secret, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::new(
            CONFIG,
            "CONFIG",
            format!(
                "cannot read the management key file {}: {e}",
                path.display()
            ),
        )
    })?;
    let text = Secret::new(text);
    let key = text.expose().lines().next().unwrap_or("").trim();
    if let Ok(meta) = std::fs::metadata(path) {
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            out.note(&format!(
                "warning: the management key file {} can be read by other users (mode {mode:03o}); run chmod 600 on it",
                path.display()
            ));
        }
    }
    Ok(Secret::new(key))
}

/// Builds the client; nothing is sent. Errors are `CONFIG` (exit 3).
pub fn client(settings: &Settings, out: &Output) -> Result<BlockingClient, Failure> {
    let mut builder = Client::builder();
    if let Some(path) = &settings.management_key_file {
        builder = builder.management_key(read_key_file(path, out)?);
    }
    if let Some(t) = settings.timeout {
        if !(t.is_finite() && t > 0.0) {
            return Err(Failure::usage(
                "--timeout must be a number of seconds above 0",
            ));
        }
        builder = builder.timeout(Duration::from_secs_f64(t.min(86_400.0)));
    }
    Ok(BlockingClient::new(builder.build()?))
}
