//! `descope-mgmt rotate KEY_ID`: rotates an access key and writes the new secret only where
//! it is told to, never to stderr or into `--json`.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use clap::{Args, ValueEnum};
use descope_mgmt::{validate_access_key_id, BlockingClient, Error, RotatedAccessKey};
use serde_json::{Map, Value};

use crate::connect::{self, Settings};
use crate::exit::{Failure, DELIVERY_FAILED};
use crate::files::{create_private, random_hex, Replace};
use crate::output::Output;

pub const ROTATE_HELP: &str = "\
Where the secret goes (at least one; checked before anything is sent):
  --out-file PATH        a new file, created with O_EXCL and mode 0600 (--force replaces an
                         existing one atomically: a 0600 temporary file, then a rename)
  --github-env NAME      appended to the file named by $GITHUB_ENV as NAME<<DELIMITER ...
                         DELIMITER (a random delimiter); ::add-mask:: is printed first
  --pipe-to CMD          CMD runs through `sh -c` with the secret on its stdin (no newline),
                         never in its arguments or environment; its stdout goes to stderr
  --stdout               printed on stdout, only together with --yes-print-secret
If a destination fails after the key was rotated, the secret is written to a 0600 rescue
file (in --rescue-dir, default the current directory) whose path is printed, and the exit
status is 10. With GITHUB_ACTIONS=true, ::add-mask:: is printed before anything else.

Why --on-unknown rotate-again waits --settle SECONDS first:
  A rotate that ended OUTCOME_UNKNOWN (exit 8: the connection dropped or timed out after the
  request was sent) may still be applied late by the server: Descope's edge gives up after
  about 100 s while the origin keeps working. Rotating again at once could be overtaken by
  that late original, which would leave you holding a secret that no longer works. So
  `fail` (the default) stops with exit 8 and tells you what to check (the external request
  id to search in the project's audit log), and `rotate-again` waits out the settle window
  (default 120 s) and then rotates once more, so the job ends with a secret that works.

Examples:
  descope-mgmt rotate K2abc --out-file ./ci-key.secret
  descope-mgmt rotate K2abc --github-env DESCOPE_ACCESS_KEY --on-unknown rotate-again
  descope-mgmt rotate K2abc --pipe-to 'gh secret set DESCOPE_ACCESS_KEY' --json
  descope-mgmt --management-key-file ~/.descope-key rotate K2abc --stdout --yes-print-secret";

/// What to do when the rotate ended `OUTCOME_UNKNOWN`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OnUnknown {
    /// Stop with exit status 8 and say what to check before retrying.
    Fail,
    /// Wait --settle seconds, then rotate once more.
    RotateAgain,
}

/// Arguments of `rotate`.
#[derive(Args, Debug)]
#[command(after_long_help = ROTATE_HELP)]
pub struct RotateArgs {
    /// The id of the access key to rotate.
    #[arg(value_name = "KEY_ID")]
    pub key_id: String,
    /// Write the secret to a new file (O_EXCL, mode 0600).
    #[arg(long, value_name = "PATH")]
    pub out_file: Option<PathBuf>,
    /// With --out-file: replace an existing file atomically.
    #[arg(long, requires = "out_file")]
    pub force: bool,
    /// Append NAME=<secret> to $GITHUB_ENV (heredoc form), after ::add-mask::.
    #[arg(long, value_name = "NAME")]
    pub github_env: Option<String>,
    /// Print the secret on stdout (needs --yes-print-secret).
    #[arg(long, requires = "yes_print_secret")]
    pub stdout: bool,
    /// Confirms --stdout.
    #[arg(long, requires = "stdout")]
    pub yes_print_secret: bool,
    /// Run CMD with `sh -c`, the secret on its stdin.
    #[arg(long, value_name = "CMD")]
    pub pipe_to: Option<String>,
    /// After OUTCOME_UNKNOWN: fail (exit 8) or rotate-again after --settle.
    #[arg(long, value_enum, default_value = "fail", value_name = "ACTION")]
    pub on_unknown: OnUnknown,
    /// Seconds to wait before rotate-again.
    #[arg(long, default_value_t = 120, value_name = "SECONDS")]
    pub settle: u64,
    /// Directory of the rescue file written when a destination fails.
    #[arg(long, value_name = "DIR")]
    pub rescue_dir: Option<PathBuf>,
}

/// The out file, opened before the rotate so that a refusal costs nothing.
enum OutFile {
    /// Created with O_EXCL; removed again unless written.
    New {
        path: PathBuf,
        file: Option<File>,
    },
    Replace(Option<Replace>, PathBuf),
}

impl OutFile {
    fn open(path: &Path, force: bool) -> Result<OutFile, Failure> {
        if force {
            return Replace::begin(path)
                .map(|r| OutFile::Replace(Some(r), path.to_path_buf()))
                .map_err(|e| {
                    Failure::io(
                        format!("cannot create a temporary file next to {}", path.display()),
                        &e,
                    )
                    .with_hint("nothing was sent")
                });
        }
        match create_private(path) {
            Ok(file) => Ok(OutFile::New {
                path: path.to_path_buf(),
                file: Some(file),
            }),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(Failure::usage(format!(
                "--out-file {} already exists; nothing was sent",
                path.display()
            ))
            .with_hint("pass --force to replace it atomically, or choose another path")),
            Err(e) => Err(Failure::io(format!("cannot create {}", path.display()), &e)
                .with_hint("nothing was sent")),
        }
    }

    fn write(&mut self, secret: &str) -> io::Result<()> {
        match self {
            OutFile::New { file, .. } => {
                let mut f = file.take().expect("written twice");
                f.write_all(secret.as_bytes())?;
                f.sync_all()
            }
            OutFile::Replace(r, _) => r.take().expect("written twice").commit(secret.as_bytes()),
        }
    }

    fn path(&self) -> &Path {
        match self {
            OutFile::New { path, .. } | OutFile::Replace(_, path) => path,
        }
    }
}

impl Drop for OutFile {
    fn drop(&mut self) {
        // A file created for a rotate that never delivered is removed again.
        if let OutFile::New {
            path,
            file: Some(_),
        } = self
        {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Checks a `--github-env` name: a shell-style variable name GitHub lets a step set.
fn check_env_name(name: &str) -> Result<(), Failure> {
    let ok = name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !ok {
        return Err(Failure::usage(
            "--github-env NAME must be letters, digits and '_', not starting with a digit; nothing was sent",
        ));
    }
    let upper = name.to_ascii_uppercase();
    if upper.starts_with("GITHUB_") || upper.starts_with("RUNNER_") {
        return Err(Failure::usage(
            "--github-env NAME may not start with GITHUB_ or RUNNER_ (GitHub refuses to set those); nothing was sent",
        ));
    }
    Ok(())
}

fn open_github_env() -> Result<File, Failure> {
    let path = std::env::var_os("GITHUB_ENV")
        .filter(|p| !p.is_empty())
        .ok_or_else(|| {
            Failure::usage(
                "--github-env needs $GITHUB_ENV (set by GitHub Actions in every step); nothing was sent",
            )
        })?;
    OpenOptions::new().append(true).open(&path).map_err(|e| {
        Failure::io(
            format!("cannot open $GITHUB_ENV ({})", Path::new(&path).display()),
            &e,
        )
        .with_hint("nothing was sent")
    })
}

/// The `$GITHUB_ENV` entry: `NAME<<DELIM\nSECRET\nDELIM\n`, with a random delimiter that
/// the secret does not contain.
pub fn github_env_entry(name: &str, secret: &str) -> String {
    loop {
        let delim = format!("ghadelimiter_{}", random_hex(16));
        if !secret.contains(&delim) {
            return format!("{name}<<{delim}\n{secret}\n{delim}\n");
        }
    }
}

fn print_mask(secret: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "::add-mask::{secret}")?;
    out.flush()
}

/// Runs `cmd` with `sh -c`, the secret on its stdin; its stdout goes to our stderr so that
/// `--json` stays one object.
fn pipe_to(cmd: &str, secret: &str) -> Result<(), String> {
    let stdout = io::stderr()
        .as_fd()
        .try_clone_to_owned()
        .map(Stdio::from)
        .unwrap_or_else(|_| Stdio::null());
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::piped())
        .stdout(stdout)
        .spawn()
        .map_err(|e| format!("--pipe-to could not start sh: {e}"))?;
    let written = {
        let mut stdin = child.stdin.take().expect("stdin is piped");
        stdin.write_all(secret.as_bytes())
        // Dropped here: CMD sees end of input.
    };
    let status = child
        .wait()
        .map_err(|e| format!("--pipe-to command could not be waited for: {e}"))?;
    if !status.success() {
        return Err(format!("the --pipe-to command failed ({status})"));
    }
    written.map_err(|e| format!("the --pipe-to command did not read the secret ({e})"))
}

/// Writes the secret to a new 0600 rescue file and returns its path.
fn write_rescue(dir: &Path, key_id: &str, secret: &str) -> io::Result<PathBuf> {
    let safe: String = key_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(40)
        .collect();
    let path = dir.join(format!(
        "descope-mgmt-rescue-{safe}-{}.secret",
        random_hex(6)
    ));
    let mut f = create_private(&path)?;
    f.write_all(secret.as_bytes())?;
    f.sync_all()?;
    Ok(std::path::absolute(&path).unwrap_or(path))
}

fn unknown_failure(e: Error, rotations: u32) -> Failure {
    let again = if rotations > 1 {
        "The second rotate (after the settle window) also ended OUTCOME_UNKNOWN. "
    } else {
        ""
    };
    Failure::from(e).with_hint(format!(
        "{again}The key may have been rotated, and then its previous secret no longer works. Before \
         retrying, search the project's audit log for the external request id above (or try the \
         previous secret). Do not rerun at once: a late original could overtake the new rotate and \
         leave you a secret that no longer works. `--on-unknown rotate-again --settle 120` waits \
         that window out and rotates once more."
    ))
}

fn rotate_once(client: &BlockingClient, id: &str) -> Result<RotatedAccessKey, Error> {
    client.rotate_access_key(id)
}

/// Runs `rotate`.
pub fn run(args: RotateArgs, settings: &Settings, out: &Output) -> Result<(), Failure> {
    if args.out_file.is_none()
        && args.github_env.is_none()
        && args.pipe_to.is_none()
        && !args.stdout
    {
        return Err(Failure::usage(
            "rotate needs somewhere to put the new secret: --out-file PATH, --github-env NAME, \
             --pipe-to CMD, or --stdout --yes-print-secret; nothing was sent",
        ));
    }
    if args.stdout && out.json {
        return Err(Failure::usage(
            "--stdout cannot be combined with --json (the secret never goes into --json output); nothing was sent",
        ));
    }
    validate_access_key_id(&args.key_id)?;
    if let Some(name) = &args.github_env {
        check_env_name(name)?;
    }
    let client = connect::client(settings, out)?;
    let mut out_file = match &args.out_file {
        Some(p) => Some(OutFile::open(p, args.force)?),
        None => None,
    };
    let mut github_env = match &args.github_env {
        Some(_) => Some(open_github_env()?),
        None => None,
    };
    let rescue_dir = args
        .rescue_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("."));
    if !rescue_dir.is_dir() {
        return Err(Failure::usage(format!(
            "--rescue-dir {} is not a directory; nothing was sent",
            rescue_dir.display()
        )));
    }

    let mut rotations = 1;
    let rotated = match rotate_once(&client, &args.key_id) {
        Ok(r) => r,
        Err(e) if e.outcome_unknown() && args.on_unknown == OnUnknown::RotateAgain => {
            out.note(&format!(
                "the rotate ended OUTCOME_UNKNOWN: {}",
                e.message()
            ));
            out.note(&format!(
                "waiting {} s (--settle) so that a late original cannot overtake the next rotate, then rotating again",
                args.settle
            ));
            std::thread::sleep(Duration::from_secs(args.settle));
            rotations = 2;
            rotate_once(&client, &args.key_id).map_err(|e| {
                if e.outcome_unknown() {
                    unknown_failure(e, rotations)
                } else {
                    Failure::from(e)
                }
            })?
        }
        Err(e) if e.outcome_unknown() => return Err(unknown_failure(e, rotations)),
        Err(e) => return Err(Failure::from(e)),
    };
    let secret = rotated.cleartext.expose();
    let key_json = rotated.key.to_json();

    // Mask first: nothing may be printed before it under GitHub Actions.
    let mut masked = false;
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        masked = print_mask(secret).is_ok();
    }
    let mut delivered = Map::new();
    let mut problems: Vec<String> = Vec::new();
    if let Some(f) = out_file.as_mut() {
        match f.write(secret) {
            Ok(()) => {
                delivered.insert("outFile".into(), f.path().display().to_string().into());
            }
            Err(e) => problems.push(format!("--out-file {}: {e}", f.path().display())),
        }
    }
    if let (Some(name), Some(file)) = (&args.github_env, github_env.as_mut()) {
        let result = (if masked { Ok(()) } else { print_mask(secret) })
            .and_then(|()| {
                masked = true;
                file.write_all(github_env_entry(name, secret).as_bytes())
            })
            .and_then(|()| file.sync_all());
        match result {
            Ok(()) => {
                delivered.insert("githubEnv".into(), name.clone().into());
            }
            Err(e) => problems.push(format!("--github-env: {e}")),
        }
    }
    if args.stdout {
        let mut stdout = io::stdout().lock();
        match writeln!(stdout, "{secret}").and_then(|()| stdout.flush()) {
            Ok(()) => {
                delivered.insert("stdout".into(), true.into());
            }
            Err(e) => problems.push(format!("--stdout: {e}")),
        }
    }
    if let Some(cmd) = &args.pipe_to {
        match pipe_to(cmd, secret) {
            Ok(()) => {
                delivered.insert("pipeTo".into(), true.into());
            }
            Err(p) => problems.push(p),
        }
    }

    let mut fields = Map::new();
    fields.insert("keyId".into(), args.key_id.clone().into());
    fields.insert("key".into(), key_json);
    fields.insert("rotations".into(), rotations.into());
    fields.insert("delivered".into(), Value::Object(delivered));

    if problems.is_empty() {
        if !out.json {
            out.note(&format!(
                "rotated access key {}; the previous secret no longer works",
                args.key_id
            ));
        }
        out.success("rotate", fields);
        return Ok(());
    }
    let what = problems.join("; ");
    let failure = match write_rescue(&rescue_dir, &args.key_id, secret) {
        Ok(path) => Failure::new(
            DELIVERY_FAILED,
            "DELIVERY_FAILED",
            format!(
                "access key {} was rotated (its previous secret no longer works), but {what}",
                args.key_id
            ),
        )
        .with_hint(format!(
            "the new secret is in the rescue file {} (mode 0600): store it where it belongs, then delete the file",
            path.display()
        ))
        .with("rescueFile", path.display().to_string()),
        Err(e) => Failure::new(
            DELIVERY_FAILED,
            "DELIVERY_FAILED",
            format!(
                "access key {} was rotated (its previous secret no longer works), but {what}; \
                 the rescue file could not be written either ({e})",
                args.key_id
            ),
        )
        .with_hint("the new secret is lost: rotate the key again once the destination works"),
    };
    let mut failure = failure;
    failure.extra.extend(fields);
    Err(failure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_entries_use_a_fresh_delimiter_the_secret_lacks() {
        let a = github_env_entry("KEY", "s3cret");
        let b = github_env_entry("KEY", "s3cret");
        assert_ne!(a, b);
        let mut lines = a.lines();
        let head = lines.next().unwrap();
        let delim = head.strip_prefix("KEY<<").unwrap();
        assert!(delim.starts_with("ghadelimiter_") && delim.len() > 20);
        assert_eq!(lines.next(), Some("s3cret"));
        assert_eq!(lines.next(), Some(delim));
        assert_eq!(lines.next(), None);
        assert!(a.ends_with('\n'));
    }

    #[test]
    fn env_names_are_checked() {
        assert!(check_env_name("DESCOPE_KEY").is_ok());
        assert!(check_env_name("_x1").is_ok());
        for bad in ["", "1A", "A-B", "A B", "GITHUB_TOKEN", "runner_x", "A\nB"] {
            assert!(check_env_name(bad).is_err(), "{bad:?}");
        }
    }
}
