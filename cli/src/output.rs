//! What the command prints: notes on stderr, one JSON result object on stdout with `--json`,
//! and a progress bar on stderr only when stderr is a terminal.

use std::io::{IsTerminal, Write};

use serde_json::{Map, Value};

use crate::exit::Failure;

/// Where results go. Secrets never pass through here.
#[derive(Clone, Copy, Debug)]
pub struct Output {
    /// `--json`: one result object on stdout.
    pub json: bool,
}

impl Output {
    /// A note for the person at the terminal (stderr), never a secret.
    pub fn note(&self, text: &str) {
        eprintln!("descope-mgmt: {text}");
    }

    /// Prints the success object (`{"ok":true,"command":..., ...}`) with `--json`.
    pub fn success(&self, command: &str, fields: Map<String, Value>) {
        if !self.json {
            return;
        }
        let mut obj = Map::new();
        obj.insert("ok".into(), Value::Bool(true));
        obj.insert("command".into(), command.into());
        obj.insert("exitCode".into(), 0.into());
        obj.extend(fields);
        print_json(&Value::Object(obj));
    }

    /// Reports a failure: the message (and hint) on stderr; with `--json`, also the
    /// failure object on stdout.
    pub fn failure(&self, command: Option<&str>, f: &Failure) {
        eprintln!("descope-mgmt: error: {}: {}", f.code, f.message);
        if let Some(hint) = &f.hint {
            eprintln!("descope-mgmt: {hint}");
        }
        if !self.json {
            return;
        }
        let mut error = Map::new();
        error.insert("code".into(), f.code.into());
        error.insert("message".into(), f.message.clone().into());
        if let Some(hint) = &f.hint {
            error.insert("hint".into(), hint.clone().into());
        }
        let mut obj = Map::new();
        obj.insert("ok".into(), Value::Bool(false));
        if let Some(c) = command {
            obj.insert("command".into(), c.into());
        }
        obj.insert("exitCode".into(), f.status.into());
        obj.insert("error".into(), Value::Object(error));
        obj.extend(f.extra.as_ref().clone());
        print_json(&Value::Object(obj));
    }
}

fn print_json(v: &Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{v}");
    let _ = out.flush();
}

/// A progress bar on stderr when it is a terminal; hidden otherwise (CI logs, pipes).
pub fn progress(len: u64, unit: &str) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    let template = format!("{{bar:30}} {{pos}}/{{len}} {unit} {{msg}} ({{per_sec}}, ETA {{eta}})");
    if let Ok(style) = indicatif::ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar
}
