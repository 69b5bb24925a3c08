//! `rolehub`: parses the command line and dispatches.

use std::process::ExitCode;

use clap::Parser;
use rolehub::cli::{run, Cli};

/// mimalloc instead of the system's allocator: a server's work is many small, short-lived
/// allocations on a few threads (a page of people, a file's rows), which glibc's per-thread arenas
/// kept as resident memory long after they were freed (`docs/performance.md`, "Bulk").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "error: cannot start the runtime: {e}");
            return ExitCode::from(5);
        }
    };
    ExitCode::from(runtime.block_on(run(cli)) as u8)
}
