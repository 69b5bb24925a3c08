//! `rolehub`: parses the command line and dispatches.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Rolehub: administrator roles for multi-tenant organizations, enforced and explained.
#[derive(Parser)]
#[command(name = "rolehub", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Conformance scenarios.
    Scenario {
        #[command(subcommand)]
        command: ScenarioCommand,
    },
}

#[derive(Subcommand)]
enum ScenarioCommand {
    /// Runs scenario files (folders are searched for *.json), each on a fresh store.
    Run {
        /// Database URL: omit (or any sqlite: URL) for in-memory SQLite; a postgres:// URL runs
        /// each scenario in its own schema, dropped afterwards.
        #[arg(long, env = "ROLEHUB_DB")]
        db: Option<String>,
        /// Scenario files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match cli.command {
        Command::Scenario {
            command: ScenarioCommand::Run { db, paths },
        } => {
            let summary = runtime.block_on(rolehub::scenario::run_paths(
                &paths,
                db.as_deref(),
                &mut std::io::stdout(),
            ));
            ExitCode::from(summary.exit_code() as u8)
        }
    }
}
