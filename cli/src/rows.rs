//! Reading token rows from JSON Lines or CSV, one at a time (memory does not grow with the
//! file), into JSON objects for the core's input decoder, so the field names (camelCase and
//! snake_case), types and rules are exactly the libraries'.

use std::io::{self, BufRead, Read};

use serde_json::{Map, Value};

/// The input format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON object per line.
    Jsonl,
    /// A header line of field names, then one token per record (RFC 4180 quoting).
    Csv,
}

impl Format {
    /// The format a file name implies: `.csv` is CSV, anything else JSON Lines.
    pub fn for_path(path: &str) -> Format {
        if path.to_ascii_lowercase().ends_with(".csv") {
            Format::Csv
        } else {
            Format::Jsonl
        }
    }
}

/// A problem with one row: where, which field, what (never the value).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub line: u64,
    pub field: String,
    pub problem: String,
}

/// A row's JSON object, or what is wrong with it.
pub type Parsed = Result<Map<String, Value>, Problem>;

/// One row: its first line and its JSON object, or what is wrong with it.
pub struct Row {
    pub line: u64,
    pub value: Parsed,
}

/// A CSV record's first line and its cells, or what is wrong with it.
type Record = (u64, Result<Vec<String>, String>);

/// A streaming reader of rows.
pub struct Rows<R> {
    reader: R,
    format: Format,
    line: u64,
    header: Option<Vec<String>>,
    buf: Vec<u8>,
}

impl<R: BufRead> Rows<R> {
    pub fn new(reader: R, format: Format) -> Self {
        Rows {
            reader,
            format,
            line: 0,
            header: None,
            buf: Vec::new(),
        }
    }

    /// The reader, to finish reading (hashing) what is left.
    pub fn into_inner(self) -> R {
        self.reader
    }

    /// The next row, `None` at the end. Header problems (CSV) come back as rows too.
    pub fn next_row(&mut self) -> io::Result<Option<Row>> {
        match self.format {
            Format::Jsonl => self.next_json(),
            Format::Csv => self.next_csv(),
        }
    }

    fn next_json(&mut self) -> io::Result<Option<Row>> {
        loop {
            self.buf.clear();
            if self.reader.read_until(b'\n', &mut self.buf)? == 0 {
                return Ok(None);
            }
            self.line += 1;
            let line = self.line;
            let mut text = &self.buf[..];
            if line == 1 {
                text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
            }
            if text.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let value = match serde_json::from_slice::<Value>(text) {
                Ok(Value::Object(map)) => Ok(map),
                Ok(other) => Err(row_problem(
                    line,
                    format!("expected a JSON object, got {}", json_kind(&other)),
                )),
                Err(e) => Err(row_problem(
                    line,
                    format!("not valid JSON (column {})", e.column()),
                )),
            };
            self.wipe();
            return Ok(Some(Row { line, value }));
        }
    }

    /// Zeroes the line buffer (it held tokens).
    fn wipe(&mut self) {
        self.buf.iter_mut().for_each(|b| *b = 0);
    }

    fn next_csv(&mut self) -> io::Result<Option<Row>> {
        loop {
            let Some((line, record)) = self.read_record()? else {
                return Ok(None);
            };
            let cells = match record {
                Ok(cells) => cells,
                Err(p) => {
                    return Ok(Some(Row {
                        line,
                        value: Err(row_problem(line, p)),
                    }))
                }
            };
            if cells.len() == 1 && cells[0].is_empty() {
                continue; // a blank line
            }
            let Some(header) = &self.header else {
                let names: Vec<String> = cells
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let c = if i == 0 {
                            c.trim_start_matches('\u{feff}')
                        } else {
                            c
                        };
                        c.trim().to_string()
                    })
                    .collect();
                if let Some(p) = check_header(&names, line) {
                    self.header = Some(names);
                    return Ok(Some(Row {
                        line,
                        value: Err(p),
                    }));
                }
                self.header = Some(names);
                continue;
            };
            if cells.len() != header.len() {
                return Ok(Some(Row {
                    line,
                    value: Err(row_problem(
                        line,
                        format!("has {} cells, the header has {}", cells.len(), header.len()),
                    )),
                }));
            }
            let mut map = Map::new();
            for (name, cell) in header.iter().zip(cells) {
                if cell.is_empty() {
                    continue;
                }
                map.insert(name.clone(), cell_value(name, cell));
            }
            return Ok(Some(Row {
                line,
                value: Ok(map),
            }));
        }
    }

    /// One CSV record (RFC 4180: quoted cells may hold commas, quotes as `""` and line
    /// breaks), with the line it starts on.
    fn read_record(&mut self) -> io::Result<Option<Record>> {
        let start = self.line + 1;
        let mut cells: Vec<String> = Vec::new();
        let mut cell: Vec<u8> = Vec::new();
        let mut in_quotes = false;
        let mut quoted = false;
        let mut after_quote = false;
        let mut error: Option<String> = None;
        let mut any = false;
        loop {
            self.buf.clear();
            let n = self.reader.read_until(b'\n', &mut self.buf)?;
            if n == 0 {
                if !any {
                    return Ok(None);
                }
                if in_quotes {
                    error.get_or_insert_with(|| "a quoted cell is never closed".into());
                }
                break;
            }
            any = true;
            self.line += 1;
            let mut ended = false;
            let bytes = std::mem::take(&mut self.buf);
            let mut i = 0;
            while i < bytes.len() {
                let b = bytes[i];
                if in_quotes {
                    if b == b'"' {
                        if bytes.get(i + 1) == Some(&b'"') {
                            cell.push(b'"');
                            i += 1;
                        } else {
                            in_quotes = false;
                            after_quote = true;
                        }
                    } else {
                        cell.push(b);
                    }
                } else {
                    match b {
                        b',' => {
                            cells.push(take_cell(&mut cell, &mut error));
                            quoted = false;
                            after_quote = false;
                        }
                        b'\n' => {
                            ended = true;
                        }
                        b'\r' if matches!(bytes.get(i + 1), Some(b'\n') | None) => {}
                        b'"' if cell.is_empty() && !quoted => {
                            in_quotes = true;
                            quoted = true;
                        }
                        _ if after_quote => {
                            error.get_or_insert_with(|| "text after a closing quote".into());
                        }
                        _ => cell.push(b),
                    }
                }
                i += 1;
            }
            let mut bytes = bytes;
            bytes.iter_mut().for_each(|b| *b = 0);
            self.buf = bytes;
            if ended && !in_quotes {
                break;
            }
        }
        cells.push(take_cell(&mut cell, &mut error));
        Ok(Some((
            start,
            match error {
                Some(e) => Err(e),
                None => Ok(cells),
            },
        )))
    }
}

fn take_cell(cell: &mut Vec<u8>, error: &mut Option<String>) -> String {
    let bytes = std::mem::take(cell);
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let mut bytes = e.into_bytes();
            bytes.iter_mut().for_each(|b| *b = 0);
            error.get_or_insert_with(|| "a cell is not valid UTF-8".into());
            String::new()
        }
    }
}

fn row_problem(line: u64, problem: String) -> Problem {
    Problem {
        line,
        field: "row".into(),
        problem,
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A CSV cell as the JSON value the core expects: the expiry as an integer when it is one,
/// scopes as a list (space-separated, as OAuth writes them, or a JSON array), else text.
fn cell_value(name: &str, cell: String) -> Value {
    match name {
        "accessTokenExpiry" | "access_token_expiry" => match cell.trim().parse::<i64>() {
            Ok(n) => Value::from(n),
            Err(_) => Value::String(cell),
        },
        "scopes" => {
            if cell.trim_start().starts_with('[') {
                serde_json::from_str(&cell).unwrap_or(Value::String(cell))
            } else {
                Value::Array(
                    cell.split_whitespace()
                        .map(|s| Value::String(s.to_string()))
                        .collect(),
                )
            }
        }
        _ => Value::String(cell),
    }
}

/// Checks CSV column names against the token model, through the core's decoder (the same
/// names it accepts anywhere): the first unknown column, if any.
fn check_header(names: &[String], line: u64) -> Option<Problem> {
    for (i, name) in names.iter().enumerate() {
        let mut probe = Map::new();
        probe.insert(name.clone(), Value::Null);
        let Err(e) = descope_mgmt::bindings::decode_input::<descope_mgmt::TenantToken>(
            "token",
            &Value::Object(probe),
        ) else {
            continue;
        };
        if e.message().contains("is not a known field") {
            let shown = if descope_mgmt::bindings::is_showable_field_name(name) {
                name.clone()
            } else {
                format!("column {}", i + 1)
            };
            let known = e
                .message()
                .split_once("(known fields: ")
                .and_then(|(_, rest)| rest.split_once(')'))
                .map(|(k, _)| format!(" (known fields: {k})"))
                .unwrap_or_default();
            return Some(Problem {
                line,
                field: shown,
                problem: format!("is not a known column{known}"),
            });
        }
    }
    None
}

/// A reader that hashes (SHA-256) what passes through it.
pub struct Hashing<R> {
    inner: R,
    ctx: ring::digest::Context,
}

impl<R: Read> Hashing<R> {
    pub fn new(inner: R) -> Self {
        Hashing {
            inner,
            ctx: ring::digest::Context::new(&ring::digest::SHA256),
        }
    }

    /// The hex digest of everything read so far.
    pub fn hex(self) -> String {
        self.ctx
            .finish()
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.ctx.update(&buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(text: &str) -> Vec<(u64, Parsed)> {
        let mut rows = Rows::new(text.as_bytes(), Format::Csv);
        let mut out = Vec::new();
        while let Some(r) = rows.next_row().unwrap() {
            out.push((r.line, r.value));
        }
        out
    }

    #[test]
    fn csv_quoting_line_breaks_and_types() {
        let rows = csv("tenant_id,accessToken,scopes,accessTokenExpiry\r\nT1,\"a,\"\"b\"\"\nc\",x y,5\n\nT2,tok,,\n");
        assert_eq!(rows.len(), 2);
        let (line, first) = &rows[0];
        assert_eq!(*line, 2);
        let first = first.as_ref().unwrap();
        assert_eq!(first["tenant_id"], "T1");
        assert_eq!(first["accessToken"], "a,\"b\"\nc");
        assert_eq!(first["scopes"], serde_json::json!(["x", "y"]));
        assert_eq!(first["accessTokenExpiry"], 5);
        let (line, second) = &rows[1];
        assert_eq!(*line, 5);
        let second = second.as_ref().unwrap();
        assert!(!second.contains_key("scopes") && !second.contains_key("accessTokenExpiry"));
    }

    #[test]
    fn csv_problems_name_the_line() {
        let rows = csv("tenantId,accessToken\nT1\nT2,\"open\n");
        assert_eq!(rows[0].1.as_ref().unwrap_err().line, 2);
        assert!(rows[0].1.as_ref().unwrap_err().problem.contains("1 cells"));
        assert_eq!(rows[1].1.as_ref().unwrap_err().line, 3);
        let rows = csv("tenantId,refreshTokn\nT1,x\n");
        let p = rows[0].1.as_ref().unwrap_err();
        assert_eq!((p.line, p.field.as_str()), (1, "refreshTokn"));
        assert!(p.problem.contains("not a known column"), "{}", p.problem);
    }

    #[test]
    fn json_lines_skip_blanks_and_report_bad_lines() {
        let text = "{\"tenantId\":\"T1\"}\n\n[1]\n{bad\n";
        let mut rows = Rows::new(text.as_bytes(), Format::Jsonl);
        let a = rows.next_row().unwrap().unwrap();
        assert_eq!(a.line, 1);
        let b = rows.next_row().unwrap().unwrap();
        assert_eq!(b.line, 3);
        assert!(b.value.unwrap_err().problem.contains("a list"));
        let c = rows.next_row().unwrap().unwrap();
        assert_eq!(c.line, 4);
        assert!(c.value.unwrap_err().problem.contains("not valid JSON"));
        assert!(rows.next_row().unwrap().is_none());
    }

    #[test]
    fn hashing_is_sha256() {
        let mut h = Hashing::new(&b"abc"[..]);
        std::io::copy(&mut h, &mut std::io::sink()).unwrap();
        assert_eq!(
            h.hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
