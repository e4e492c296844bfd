//! `descope-emulator [--port N] [--seed FILE]`: runs the Descope Management API emulator on
//! `127.0.0.1`, prints one JSON line describing it on stdout, then serves until SIGTERM or
//! Ctrl-C.

use std::io::Write;
use std::process::ExitCode;

use descope_mgmt_emulator::{Emulator, Seed};

const USAGE: &str = "usage: descope-emulator [--port N] [--seed FILE]

Runs a local Descope Management API emulator on 127.0.0.1 (port 0 = ephemeral, the default).
Prints one JSON line {\"url\",\"projectId\",\"managementKey\",\"accessKeys\",\"outboundApps\",\"templates\"}
on stdout, then serves until SIGTERM or Ctrl-C. --seed replaces the built-in seed with a JSON
file (camelCase; missing fields keep built-in values). See emulator/README.md.";

struct Args {
    port: u16,
    seed: Option<String>,
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut args = Args {
        port: 0,
        seed: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or(format!("{name} needs a value"))
        };
        match flag.as_str() {
            "--port" | "-p" => {
                let v = value("--port")?;
                args.port = v.parse().map_err(|_| format!("invalid port {v:?}"))?;
            }
            "--seed" | "-s" => args.seed = Some(value("--seed")?),
            "--help" | "-h" => return Ok(None),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Some(args))
}

/// Registers SIGTERM/SIGINT handlers now (before the startup line is printed, so a harness
/// that signals right after reading it is handled) and returns a future that resolves on
/// the first of them.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let term = signal(SignalKind::terminate());
        let int = signal(SignalKind::interrupt());
        async move {
            match (term, int) {
                (Ok(mut term), Ok(mut int)) => {
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = int.recv() => {}
                    }
                }
                _ => {
                    eprintln!(
                        "descope-emulator: cannot watch SIGTERM/SIGINT; falling back to Ctrl-C"
                    );
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Some(a)) => a,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("descope-emulator: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let seed = match &args.seed {
        Some(path) => match Seed::from_file(path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("descope-emulator: cannot load seed {path:?}: {e}");
                return ExitCode::from(2);
            }
        },
        None => Seed::default(),
    };
    let handle = match Emulator::start_on_port(seed, args.port).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!(
                "descope-emulator: cannot listen on 127.0.0.1:{}: {e}",
                args.port
            );
            return ExitCode::from(1);
        }
    };
    let signal = shutdown_signal();
    {
        let mut out = std::io::stdout().lock();
        let line = serde_json::to_string(&handle.startup_info()).unwrap_or_default();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
    signal.await;
    drop(handle);
    ExitCode::SUCCESS
}
