//! `descope-mgmt tokens upload`: validates every row of a JSON Lines or CSV file, then
//! uploads it in chunks, each all-or-nothing and safe to resend, optionally resuming from a
//! state file.
//!
//! Memory stays bounded whatever the file's size: the validation pass streams the file once
//! (hashing it on the way), the upload pass streams it again and holds one chunk at a time.
//! Standard input (`--file -`) is first copied to an unlinked 0600 temporary file, so both
//! passes (and `--resume`) work on it like on a file.

use std::fs::File;
use std::io::{self, BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use descope_mgmt::bindings::decode_input;
use descope_mgmt::{validate_tenant_tokens, BlockingClient, TenantToken, MAX_BATCH_TOKENS};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::connect::{self, Settings};
use crate::exit::{Failure, USAGE};
use crate::files::{create_private, random_hex, replace_private};
use crate::output::{progress, Output};
use crate::rows::{Format, Hashing, Problem, Rows};

pub const UPLOAD_HELP: &str = "\
Input (--file PATH, or - for stdin):
  JSON Lines (.jsonl, or any name not ending in .csv): one token object per line.
  CSV (.csv): a header line of field names, then one token per record (RFC 4180 quoting).
  Field names are TenantToken's, in camelCase or snake_case: appId, tenantId, refreshToken,
  accessToken, accessTokenExpiry (epoch seconds), accessTokenType, scopes, externalIdentifier,
  idToken, grantedBy. appId may be left out (it is --app-id); when given it must equal it.
  In CSV, an empty cell is an absent field and scopes are space-separated (or a JSON array).
  Standard input is copied to an unlinked 0600 temporary file first, so it is read twice
  like a file.

Every row is validated before anything is sent (the same rules as the libraries); each bad
row is reported as FILE:LINE: FIELD: PROBLEM (never the value), and then nothing is sent
(exit 2). Then the rows are uploaded in chunks of --chunk-size, in order. Each chunk is
all-or-nothing (a rejected chunk stores nothing: exit 9) and safe to resend. The command
exits 0 only when every chunk is committed.

--resume STATE keeps a 0600 JSON state file with the input's SHA-256, the chunk size and the
numbers of the committed chunks (no tokens). A rerun with the same STATE skips the committed
chunks; it refuses (exit 2) if the input, --app-id or --chunk-size changed.

Examples:
  descope-mgmt tokens upload --app-id google-drive --file tokens.jsonl --dry-run
  descope-mgmt tokens upload --app-id google-drive --file tokens.csv --resume upload.state
  export-tokens | descope-mgmt tokens upload --app-id slack --file - --format jsonl --json";

/// `tokens` subcommands.
#[derive(Subcommand, Debug)]
pub enum TokensCommand {
    /// Upload tenant OAuth tokens for an outbound app from JSON Lines or CSV, in chunks.
    #[command(after_long_help = UPLOAD_HELP)]
    Upload(UploadArgs),
}

/// Arguments of `tokens upload`.
#[derive(Args, Debug)]
pub struct UploadArgs {
    /// The outbound application the tokens are for.
    #[arg(long, value_name = "APP")]
    pub app_id: String,
    /// The input: a .jsonl or .csv file, or - for stdin.
    #[arg(long, value_name = "PATH")]
    pub file: String,
    /// The input format (default: from the file name; stdin: by its first character).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Tokens per request (each chunk is all-or-nothing).
    #[arg(long, default_value_t = 1000, value_name = "N", value_parser = parse_chunk_size)]
    pub chunk_size: usize,
    /// A state file to continue an upload that stopped (created if missing).
    #[arg(long, value_name = "STATE")]
    pub resume: Option<PathBuf>,
    /// Validate only; send nothing.
    #[arg(long)]
    pub dry_run: bool,
}

fn parse_chunk_size(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=MAX_BATCH_TOKENS).contains(&n) => Ok(n),
        _ => Err(format!("a whole number from 1 to {MAX_BATCH_TOKENS}")),
    }
}

/// The `--resume` state: where an upload stands. Never holds a token.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct State {
    /// Format version of this file.
    version: u32,
    /// SHA-256 of the input, hex.
    sha256: String,
    app_id: String,
    chunk_size: usize,
    rows: u64,
    chunks: u64,
    /// Committed chunk numbers (0-based), ascending.
    committed: Vec<u64>,
}

/// The input, readable twice.
struct Input {
    file: File,
    /// How errors name it.
    name: String,
    format: Format,
}

impl Input {
    fn open(args: &UploadArgs) -> Result<Input, Failure> {
        if args.file == "-" {
            let mut file = spool_stdin()
                .map_err(|e| Failure::io("cannot copy stdin to a temporary file", &e))?;
            let format = match args.format {
                Some(f) => f,
                None => sniff(&mut file)
                    .map_err(|e| Failure::io("cannot read the copy of stdin", &e))?,
            };
            return Ok(Input {
                file,
                name: "<stdin>".into(),
                format,
            });
        }
        let file = File::open(&args.file).map_err(|e| {
            let f = Failure::io(format!("cannot open {}", args.file), &e);
            if e.kind() == io::ErrorKind::NotFound {
                Failure::usage(f.message)
            } else {
                f
            }
        })?;
        Ok(Input {
            file,
            name: args.file.clone(),
            format: args.format.unwrap_or_else(|| Format::for_path(&args.file)),
        })
    }

    /// A fresh reader from the start of the input.
    fn rewind(&mut self) -> io::Result<BufReader<File>> {
        self.file.seek(SeekFrom::Start(0))?;
        Ok(BufReader::with_capacity(256 * 1024, self.file.try_clone()?))
    }
}

/// Copies stdin to a 0600 temporary file that is unlinked at once (it lives as long as
/// the handle).
fn spool_stdin() -> io::Result<File> {
    let dir = std::env::temp_dir();
    let path = dir.join(format!("descope-mgmt-stdin-{}.tmp", random_hex(8)));
    let mut file = create_private(&path)?;
    let _ = std::fs::remove_file(&path);
    io::copy(&mut io::stdin().lock(), &mut file)?;
    Ok(file)
}

/// JSON Lines when the first non-blank character is `{`, else CSV.
fn sniff(file: &mut File) -> io::Result<Format> {
    use std::io::Read;
    file.seek(SeekFrom::Start(0))?;
    let mut head = [0u8; 4096];
    let n = file.read(&mut head)?;
    let first = head[..n]
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(&head[..n])
        .iter()
        .find(|b| !b.is_ascii_whitespace());
    Ok(if first == Some(&b'{') {
        Format::Jsonl
    } else {
        Format::Csv
    })
}

/// Splits a core error message into (field, problem) for one row: the core names the path
/// (`token.appId has the wrong type: ...`) or lists problems (`tokens[0]: appId is
/// required`); it never quotes a value.
fn split_core_message(message: &str) -> Vec<(String, String)> {
    let message = message
        .trim_end_matches("; nothing was sent")
        .trim_end_matches(", nothing was sent");
    if let Some((_, list)) = message.split_once("tokens[0]: ") {
        return list
            .split("; tokens[0]: ")
            .map(|p| {
                let p = p.trim_end_matches("; nothing was sent");
                match p.split_once(' ') {
                    Some((first, rest))
                        if first.bytes().any(|b| b.is_ascii_uppercase())
                            || first.ends_with("Id") =>
                    {
                        (first.to_string(), rest.to_string())
                    }
                    _ if p.contains("refreshToken or accessToken") => {
                        ("refreshToken/accessToken".to_string(), p.to_string())
                    }
                    _ => ("token".to_string(), p.to_string()),
                }
            })
            .collect();
    }
    if let Some(rest) = message.strip_prefix("token.") {
        if let Some((field, problem)) = rest.split_once(' ') {
            return vec![(field.to_string(), problem.to_string())];
        }
    }
    if let Some(rest) = message.strip_prefix("token ") {
        return vec![("row".to_string(), rest.to_string())];
    }
    vec![("row".to_string(), message.to_string())]
}

/// Turns one row's object into a token for `app_id`, or its problems.
fn to_token(
    line: u64,
    mut map: Map<String, Value>,
    app_id: &str,
) -> Result<TenantToken, Vec<Problem>> {
    let problem = |field: &str, problem: String| Problem {
        line,
        field: field.to_string(),
        problem,
    };
    let given = ["appId", "app_id"]
        .into_iter()
        .find(|k| map.contains_key(*k));
    match given {
        None => {
            map.insert("appId".into(), Value::String(app_id.to_string()));
        }
        Some(k) => {
            if let Some(v) = map.get(k).and_then(Value::as_str) {
                if v != app_id {
                    return Err(vec![problem(
                        k,
                        "is not the --app-id of this upload (leave the column out or make it equal)"
                            .into(),
                    )]);
                }
            }
        }
    }
    let token: TenantToken = decode_input("token", &Value::Object(map)).map_err(|e| {
        split_core_message(e.message())
            .into_iter()
            .map(|(f, p)| problem(&f, p))
            .collect::<Vec<_>>()
    })?;
    validate_tenant_tokens(std::slice::from_ref(&token)).map_err(|e| {
        split_core_message(e.message())
            .into_iter()
            .map(|(f, p)| problem(&f, p))
            .collect::<Vec<_>>()
    })?;
    Ok(token)
}

/// What the validation pass found.
struct Checked {
    rows: u64,
    bad_rows: u64,
    sha256: String,
    /// The first problems, for --json.
    shown: Vec<Problem>,
}

const JSON_PROBLEMS: usize = 100;

fn validate(input: &mut Input, app_id: &str) -> Result<Checked, Failure> {
    let reader = input
        .rewind()
        .map_err(|e| Failure::io(format!("cannot read {}", input.name), &e))?;
    let mut hashing = Hashing::new(reader);
    let mut rows_read = 0u64;
    let mut bad_rows = 0u64;
    let mut shown = Vec::new();
    {
        let mut rows = Rows::new(BufReader::new(&mut hashing), input.format);
        loop {
            let row = rows
                .next_row()
                .map_err(|e| Failure::io(format!("cannot read {}", input.name), &e))?;
            let Some(row) = row else { break };
            let problems = match row.value {
                Ok(map) => {
                    rows_read += 1;
                    match to_token(row.line, map, app_id) {
                        Ok(_) => continue,
                        Err(p) => p,
                    }
                }
                Err(p) => {
                    if p.field == "row" {
                        rows_read += 1;
                    }
                    vec![p]
                }
            };
            bad_rows += 1;
            for p in problems {
                eprintln!("{}:{}: {}: {}", input.name, p.line, p.field, p.problem);
                if shown.len() < JSON_PROBLEMS {
                    shown.push(p);
                }
            }
        }
    }
    // Read whatever the row reader left (nothing, normally) so the hash covers the file.
    io::copy(&mut hashing, &mut io::sink())
        .map_err(|e| Failure::io(format!("cannot read {}", input.name), &e))?;
    Ok(Checked {
        rows: rows_read,
        bad_rows,
        sha256: hashing.hex(),
        shown,
    })
}

fn load_or_create_state(path: &Path, fresh: &State) -> Result<State, Failure> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let state: State = serde_json::from_slice(&bytes).map_err(|_| {
                Failure::usage(format!(
                    "--resume {} is not a state file of this command; nothing was sent",
                    path.display()
                ))
            })?;
            let differs = if state.sha256 != fresh.sha256 {
                Some("the input file changed (its SHA-256 differs)")
            } else if state.chunk_size != fresh.chunk_size {
                Some("--chunk-size differs")
            } else if state.app_id != fresh.app_id {
                Some("--app-id differs")
            } else {
                None
            };
            if let Some(why) = differs {
                return Err(Failure::usage(format!(
                    "--resume {} was written for another upload: {why}; nothing was sent",
                    path.display()
                ))
                .with_hint(
                    "use a new state file for a new input, or the original input and flags",
                ));
            }
            Ok(state)
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let mut file = create_private(path)
                .map_err(|e| Failure::io(format!("cannot create {}", path.display()), &e))?;
            serde_json::to_writer(&mut file, fresh)
                .map_err(|e| Failure::io(format!("cannot write {}", path.display()), &e.into()))?;
            Ok(fresh.clone())
        }
        Err(e) => Err(Failure::io(format!("cannot read {}", path.display()), &e)),
    }
}

/// Runs `tokens upload`.
pub fn run(args: UploadArgs, settings: &Settings, out: &Output) -> Result<(), Failure> {
    let client = if args.dry_run {
        None
    } else {
        Some(connect::client(settings, out)?)
    };
    if args.app_id.trim().is_empty() {
        return Err(Failure::usage("--app-id is empty; nothing was sent"));
    }
    let mut input = Input::open(&args)?;
    let checked = validate(&mut input, &args.app_id)?;
    let chunks = checked.rows.div_ceil(args.chunk_size as u64);
    let mut fields = Map::new();
    fields.insert("file".into(), input.name.clone().into());
    fields.insert("rows".into(), checked.rows.into());
    fields.insert("chunks".into(), chunks.into());
    fields.insert("chunkSize".into(), args.chunk_size.into());
    fields.insert("sha256".into(), checked.sha256.clone().into());
    if checked.bad_rows > 0 {
        let mut f = Failure::new(
            USAGE,
            "INVALID_ARGUMENT",
            format!(
                "{} of {} row(s) in {} are not valid (listed above as FILE:LINE: FIELD: PROBLEM); nothing was sent",
                checked.bad_rows, checked.rows, input.name
            ),
        );
        f.extra.extend(fields);
        let problems: Vec<Value> = checked
            .shown
            .iter()
            .map(|p| serde_json::json!({"line": p.line, "field": p.field, "problem": p.problem}))
            .collect();
        return Err(f
            .with("badRows", checked.bad_rows)
            .with("problems", problems));
    }
    if checked.rows == 0 {
        return Err(Failure::new(
            USAGE,
            "INVALID_ARGUMENT",
            format!("{} has no tokens; nothing was sent", input.name),
        ));
    }
    let Some(client) = client else {
        if !out.json {
            out.note(&format!(
                "{}: {} valid row(s), {chunks} chunk(s) of up to {}; nothing was sent (--dry-run)",
                input.name, checked.rows, args.chunk_size
            ));
        }
        fields.insert("dryRun".into(), true.into());
        out.success("tokens upload", fields);
        return Ok(());
    };
    let fresh = State {
        version: 1,
        sha256: checked.sha256.clone(),
        app_id: args.app_id.clone(),
        chunk_size: args.chunk_size,
        rows: checked.rows,
        chunks,
        committed: Vec::new(),
    };
    let mut state = match &args.resume {
        Some(path) => load_or_create_state(path, &fresh)?,
        None => fresh,
    };
    let result = upload(&mut input, &args, &client, &mut state, out);
    let skipped = result.skipped;
    fields.insert(
        "committedChunks".into(),
        (state.committed.len() as u64).into(),
    );
    fields.insert("uploadedChunks".into(), result.uploaded.into());
    fields.insert("skippedChunks".into(), skipped.into());
    if let Some(path) = &args.resume {
        fields.insert("state".into(), path.display().to_string().into());
    }
    match result.failure {
        None => {
            if !out.json {
                out.note(&format!(
                    "uploaded {} row(s) in {chunks} chunk(s) ({} sent now, {skipped} committed before)",
                    checked.rows, result.uploaded
                ));
            }
            fields.insert("dryRun".into(), false.into());
            out.success("tokens upload", fields);
            Ok(())
        }
        Some(mut f) => {
            f.extra.extend(fields);
            Err(f)
        }
    }
}

struct Uploaded {
    uploaded: u64,
    skipped: u64,
    failure: Option<Failure>,
}

fn upload(
    input: &mut Input,
    args: &UploadArgs,
    client: &BlockingClient,
    state: &mut State,
    out: &Output,
) -> Uploaded {
    let mut done = Uploaded {
        uploaded: 0,
        skipped: 0,
        failure: None,
    };
    let reader = match input.rewind() {
        Ok(r) => r,
        Err(e) => {
            done.failure = Some(Failure::io(format!("cannot read {}", input.name), &e));
            return done;
        }
    };
    // Hashed again, so that a file changed between the two passes is noticed.
    let mut rows = Rows::new(BufReader::new(Hashing::new(reader)), input.format);
    let bar = progress(state.rows, "rows");
    let mut chunk: Vec<TenantToken> = Vec::with_capacity(args.chunk_size);
    let mut first_line = 0u64;
    let mut index = 0u64;
    loop {
        let row = match rows.next_row() {
            Ok(r) => r,
            Err(e) => {
                done.failure = Some(Failure::io(format!("cannot read {}", input.name), &e));
                break;
            }
        };
        let at_end = row.is_none();
        if let Some(row) = row {
            let skip = state.committed.binary_search(&index).is_ok();
            if chunk.is_empty() {
                first_line = row.line;
            }
            // Rows were validated by the first pass; a row that fails now means the file
            // changed in between.
            let token = match row.value {
                Ok(_) if skip => Ok(None),
                Ok(map) => to_token(row.line, map, &args.app_id).map(Some),
                Err(p) => Err(vec![p]),
            };
            match token {
                Ok(Some(t)) => chunk.push(t),
                Ok(None) => chunk.push(TenantToken::default()),
                Err(_) => {
                    done.failure = Some(Failure::new(
                        USAGE,
                        "INVALID_ARGUMENT",
                        format!(
                            "{}:{}: the row changed while uploading (the file was modified); stopped before chunk {index}",
                            input.name, row.line
                        ),
                    ));
                    break;
                }
            }
            if chunk.len() < args.chunk_size {
                continue;
            }
        }
        if chunk.is_empty() {
            break;
        }
        let n = chunk.len() as u64;
        if state.committed.binary_search(&index).is_ok() {
            done.skipped += 1;
        } else {
            bar.set_message(format!("chunk {}/{}", index + 1, state.chunks));
            if let Err(e) = client.batch_upload_tenant_tokens(&chunk) {
                let hint = match &args.resume {
                    Some(p) => format!(
                        "chunk {index} (from line {first_line}) stored nothing; rerun the same command with --resume {} to continue from it (committed chunks are skipped; resending a chunk is safe)",
                        p.display()
                    ),
                    None if index == 0 => format!(
                        "chunk 0 (from line {first_line}) stored nothing and no chunk was committed"
                    ),
                    None => format!(
                        "chunk {index} (from line {first_line}) stored nothing; the chunks before it are committed. Resending them is safe; next time, --resume STATE skips committed chunks"
                    ),
                };
                let f = Failure::from(e)
                    .with_hint(hint)
                    .with("failedChunk", index)
                    .with("failedChunkFirstLine", first_line);
                done.failure = Some(f);
                break;
            }
            done.uploaded += 1;
            if let Err(pos) = state.committed.binary_search(&index) {
                state.committed.insert(pos, index);
            }
            if let Some(path) = &args.resume {
                let json = serde_json::to_vec(&*state).unwrap_or_default();
                if let Err(e) = replace_private(path, &json) {
                    done.failure = Some(
                        Failure::io(format!("cannot update {}", path.display()), &e)
                            .with_hint(format!("chunk {index} was committed; the state file does not say so, so a rerun resends it (which is safe)")),
                    );
                    break;
                }
            }
        }
        bar.inc(n);
        chunk.clear();
        index += 1;
        if at_end {
            break;
        }
    }
    bar.finish_and_clear();
    if done.failure.is_none() {
        let mut hashing = rows.into_inner().into_inner();
        let read = io::copy(&mut hashing, &mut io::sink());
        if read.is_err() || hashing.hex() != state.sha256 {
            done.failure = Some(Failure::new(
                crate::exit::OTHER,
                "IO",
                format!(
                    "{} changed while it was uploaded (its SHA-256 differs from the validation pass)",
                    input.name
                ),
            ).with_hint("every chunk sent was valid and committed, but they may not match the file as it is now: upload it again (safe: tokens are stored per app and tenant)"));
        }
    }
    if done.failure.is_none() && !out.json && done.skipped > 0 {
        out.note(&format!(
            "skipped {} chunk(s) committed by an earlier run",
            done.skipped
        ));
    }
    done
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_messages_split_into_field_and_problem() {
        assert_eq!(
            split_core_message("token.accessTokenExpiry has the wrong type: expected an integer, got a string; nothing was sent"),
            vec![("accessTokenExpiry".to_string(), "has the wrong type: expected an integer, got a string".to_string())]
        );
        let many = split_core_message("2 problem(s) in the token list, nothing was sent: tokens[0]: tenantId is required; tokens[0]: set refreshToken or accessToken (or both)");
        assert_eq!(many[0], ("tenantId".into(), "is required".into()));
        assert_eq!(many[1].0, "refreshToken/accessToken");
    }

    #[test]
    fn rows_get_the_app_id_and_must_agree_with_it() {
        let map = |v: Value| v.as_object().unwrap().clone();
        let t = to_token(
            1,
            map(serde_json::json!({"tenant_id": "T", "access_token": "x"})),
            "app",
        )
        .unwrap();
        assert_eq!(t.app_id, "app");
        let e = to_token(
            2,
            map(serde_json::json!({"appId": "other", "tenantId": "T", "accessToken": "x"})),
            "app",
        )
        .unwrap_err();
        assert_eq!(e[0].field, "appId");
        let e = to_token(3, map(serde_json::json!({"tenantId": "T"})), "app").unwrap_err();
        assert_eq!(e[0].field, "refreshToken/accessToken");
        let e = to_token(
            4,
            map(serde_json::json!({"tenantId": "T", "accessToken": "sekrit", "expiry": 1})),
            "app",
        )
        .unwrap_err();
        assert_eq!(e[0].field, "expiry");
        assert!(!e[0].problem.contains("sekrit"));
    }
}
