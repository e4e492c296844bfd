//! `descope-mgmt`: rotate an access key in CI, upload tenant OAuth tokens from a file,
//! create dynamic registration templates. See cli/README.md.

mod connect;
mod exit;
mod files;
mod output;
mod rotate;
mod rows;
mod template;
mod tokens;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::connect::Settings;
use crate::exit::Failure;
use crate::output::Output;

const ABOUT: &str = "Descope management from the command line: rotate an access key in CI, upload tenant OAuth tokens from a file, create dynamic registration templates.";

const AFTER_HELP: &str = "\
Configuration (never from a command-line argument, which other users can see):
  DESCOPE_PROJECT_ID       the project id (required)
  DESCOPE_MANAGEMENT_KEY   the management key, unless --management-key-file is given
  DESCOPE_BASE_URI         the API base URL (default: derived from the project id)
  GITHUB_ACTIONS, GITHUB_ENV   read by `rotate` (masking, --github-env)

Exit status:
  0 ok                               6 RATE_LIMITED
  1 anything else (API_ERROR,        7 TIMEOUT or CONNECTION (nothing sent: safe to retry)
    SERVER_ERROR, DECODE, I/O)       8 OUTCOME_UNKNOWN (stderr says what to check first)
  2 usage or INVALID_ARGUMENT        9 BATCH_REJECTED (nothing of that chunk was stored)
  3 CONFIG                          10 rotated, but a destination (--pipe-to) failed: the
  4 UNAUTHORIZED or FORBIDDEN          secret is in the rescue file whose path is printed
  5 NOT_FOUND

Examples:
  descope-mgmt rotate K2abc --out-file ./ci-key.secret
  descope-mgmt rotate K2abc --github-env DESCOPE_ACCESS_KEY --json
  descope-mgmt tokens upload --app-id google-drive --file tokens.jsonl --resume upload.state
  descope-mgmt template create --file template.json --json
Run `descope-mgmt help COMMAND` for each command's flags and examples.";

#[derive(Parser, Debug)]
#[command(
    name = "descope-mgmt",
    version,
    about = ABOUT,
    after_long_help = AFTER_HELP,
    after_help = "Run with --help for configuration, exit statuses and examples."
)]
struct Cli {
    /// Print one JSON result object on stdout (never a secret).
    #[arg(long, global = true, display_order = 100)]
    json: bool,
    /// Read the management key from the first line of this file instead of
    /// DESCOPE_MANAGEMENT_KEY.
    #[arg(long, global = true, value_name = "PATH", display_order = 101)]
    management_key_file: Option<PathBuf>,
    /// Time allowed for one attempt of a call, in seconds (default 60).
    #[arg(long, global = true, value_name = "SECONDS", display_order = 102)]
    timeout: Option<f64>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Rotate an access key and hand its new secret to a file, $GITHUB_ENV or a command.
    Rotate(rotate::RotateArgs),
    /// Tenant OAuth tokens of outbound apps.
    #[command(subcommand)]
    Tokens(tokens::TokensCommand),
    /// Dynamic registration templates (for MCP servers).
    #[command(subcommand)]
    Template(template::TemplateCommand),
}

impl Command {
    fn name(&self) -> &'static str {
        match self {
            Command::Rotate(_) => "rotate",
            Command::Tokens(tokens::TokensCommand::Upload(_)) => "tokens upload",
            Command::Template(template::TemplateCommand::Create(_)) => "template create",
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                let status = if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                    exit::USAGE
                } else {
                    exit::OK
                };
                return ExitCode::from(status);
            }
            let _ = e.print();
            if std::env::args().any(|a| a == "--json") {
                let f = Failure::usage(e.kind().to_string());
                // The details went to stderr above; stdout gets the object only.
                print_usage_json(&f);
            }
            return ExitCode::from(exit::USAGE);
        }
    };
    let out = Output { json: cli.json };
    let settings = Settings {
        management_key_file: cli.management_key_file,
        timeout: cli.timeout,
    };
    let name = cli.command.name();
    let result = match cli.command {
        Command::Rotate(args) => rotate::run(args, &settings, &out),
        Command::Tokens(tokens::TokensCommand::Upload(args)) => tokens::run(args, &settings, &out),
        Command::Template(template::TemplateCommand::Create(args)) => {
            template::run(args, &settings, &out)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            out.failure(Some(name), &f);
            ExitCode::from(f.status)
        }
    }
}

fn print_usage_json(f: &Failure) {
    let v = serde_json::json!({
        "ok": false,
        "exitCode": f.status,
        "error": {"code": f.code, "message": f.message},
    });
    println!("{v}");
}
