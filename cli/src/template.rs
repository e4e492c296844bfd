//! `descope-mgmt template create`: creates a dynamic registration template from a JSON file
//! (the shape of the core's `NewDcrTemplate`, decoded by the core's input decoder) and/or
//! flags for the common fields, and prints the created template.

use std::io::Read;

use clap::{Args, Subcommand};
use descope_mgmt::bindings::decode_input_json;
use descope_mgmt::NewDcrTemplate;
use serde_json::Map;

use crate::connect::{self, Settings};
use crate::exit::Failure;
use crate::output::Output;

pub const CREATE_HELP: &str = "\
The file is one JSON object with the fields of a template, in camelCase or snake_case:
  name (required), description, loginPageURL, sessionSettings {enabled,
  sessionTokenExpiration, sessionTokenExpirationUnit, refreshTokenExpiration,
  refreshTokenExpirationUnit, userTemplateId, keyTemplateId, keySessionTokenExpiration,
  keySessionTokenExpirationUnit}, skipConsentScreen, forceAddAllAuthorizationInfo, tags.
Flags set the common fields, and override the file's. Everything is validated before it is
sent. The created template is printed as JSON on stdout (inside the result object with
--json). A create that ended OUTCOME_UNKNOWN (exit 8) may have created the template: look
for it by name before creating it again (a resend could fail with a conflict).

Examples:
  descope-mgmt template create --file template.json
  descope-mgmt template create --name 'MCP agents' --login-page-url https://auth.example.com/login --tag mcp --json
  descope-mgmt template create --file base.json --name 'MCP agents (staging)'";

/// `template` subcommands.
#[derive(Subcommand, Debug)]
pub enum TemplateCommand {
    /// Create a dynamic registration template and print it.
    #[command(after_long_help = CREATE_HELP)]
    Create(CreateArgs),
}

/// Arguments of `template create`.
#[derive(Args, Debug)]
pub struct CreateArgs {
    /// A JSON file with the template (- for stdin).
    #[arg(long, value_name = "PATH")]
    pub file: Option<String>,
    /// The template's name (unique in the project).
    #[arg(long)]
    pub name: Option<String>,
    /// Free-text description.
    #[arg(long)]
    pub description: Option<String>,
    /// The login page for the registered clients (absolute http(s) URL).
    #[arg(long, value_name = "URL")]
    pub login_page_url: Option<String>,
    /// A tag (repeat for more); replaces the file's tags.
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Skip the consent screen.
    #[arg(long)]
    pub skip_consent_screen: bool,
    /// Put all authorization info (roles, permissions) in the tokens.
    #[arg(long)]
    pub force_add_all_authorization_info: bool,
}

/// The largest template file read (a template is a few hundred bytes).
const MAX_FILE: u64 = 1024 * 1024;

fn read_file(path: &str) -> Result<String, Failure> {
    let mut text = String::new();
    let result = if path == "-" {
        std::io::stdin()
            .lock()
            .take(MAX_FILE + 1)
            .read_to_string(&mut text)
    } else {
        match std::fs::File::open(path) {
            Ok(f) => f.take(MAX_FILE + 1).read_to_string(&mut text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Failure::usage(format!(
                    "--file {path} does not exist; nothing was sent"
                )))
            }
            Err(e) => Err(e),
        }
    };
    result.map_err(|e| Failure::io(format!("cannot read {path}"), &e))?;
    if text.len() as u64 > MAX_FILE {
        return Err(Failure::usage(format!(
            "--file {path} is larger than 1 MiB; nothing was sent"
        )));
    }
    Ok(text)
}

/// The template the file and the flags describe.
fn template(args: &CreateArgs) -> Result<NewDcrTemplate, Failure> {
    let mut t = match &args.file {
        Some(path) => {
            let text = read_file(path)?;
            decode_input_json::<NewDcrTemplate>("template", &text).map_err(|e| {
                let mut f = Failure::from(e);
                f.message = format!("{path}: {}", f.message);
                f
            })?
        }
        None => NewDcrTemplate::default(),
    };
    if args.file.is_none() && args.name.is_none() {
        return Err(Failure::usage(
            "template create needs --file PATH or --name NAME; nothing was sent",
        ));
    }
    if let Some(v) = &args.name {
        t.name = v.clone();
    }
    if let Some(v) = &args.description {
        t.description = Some(v.clone());
    }
    if let Some(v) = &args.login_page_url {
        t.login_page_url = Some(v.clone());
    }
    if !args.tags.is_empty() {
        t.tags = Some(args.tags.clone());
    }
    if args.skip_consent_screen {
        t.skip_consent_screen = Some(true);
    }
    if args.force_add_all_authorization_info {
        t.force_add_all_authorization_info = Some(true);
    }
    Ok(t)
}

/// Runs `template create`.
pub fn run(args: CreateArgs, settings: &Settings, out: &Output) -> Result<(), Failure> {
    let t = template(&args)?;
    t.validate()?;
    let client = connect::client(settings, out)?;
    let created = client.create_dcr_template(&t).map_err(|e| {
        let unknown = e.outcome_unknown();
        let f = Failure::from(e);
        if unknown {
            f.with_hint(format!(
                "the template {:?} may have been created: look for it by name in the console (or search the project's audit log for the external request id) before creating it again; a resend could fail with a conflict",
                t.name
            ))
        } else {
            f
        }
    })?;
    let json = created.to_json();
    if out.json {
        let mut fields = Map::new();
        fields.insert("template".into(), json);
        out.success("template create", fields);
    } else {
        println!(
            "{}",
            serde_json::to_string_pretty(&json).unwrap_or_default()
        );
        out.note(&format!(
            "created template {:?} (id {})",
            created.name, created.id
        ));
    }
    Ok(())
}
