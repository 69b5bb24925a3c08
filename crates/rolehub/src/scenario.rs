//! The conformance runner: `rolehub scenario run [--db URL] PATH...`.
//!
//! Each scenario runs on a fresh store through the same service layer as every other interface.
//! One line per failing step, then `N passed, N failed`; exit 0 when all passed, 1 when some
//! failed, 2 when a file cannot be read or parsed.

pub mod format;
pub mod run;

use std::io::Write;
use std::path::PathBuf;

/// How a run ended.
#[derive(Debug, PartialEq, Eq)]
pub struct Summary {
    /// Scenarios that passed.
    pub passed: usize,
    /// Scenarios that failed.
    pub failed: usize,
    /// Files that could not be read or parsed.
    pub unreadable: usize,
}

impl Summary {
    /// The process exit code: 0 all passed, 1 some failed, 2 a file was unreadable.
    pub fn exit_code(&self) -> i32 {
        if self.unreadable > 0 {
            2
        } else if self.failed > 0 {
            1
        } else {
            0
        }
    }
}

/// Runs the scenarios under `paths`, printing failures and the closing line to `out`.
pub async fn run_paths(paths: &[PathBuf], db_url: Option<&str>, out: &mut impl Write) -> Summary {
    let mut summary = Summary {
        passed: 0,
        failed: 0,
        unreadable: 0,
    };
    let files = match run::collect(paths) {
        Ok(files) => files,
        Err(e) => {
            let _ = writeln!(out, "{}: {}", e.path.display(), e.message);
            summary.unreadable += 1;
            let _ = writeln!(out, "0 passed, 0 failed");
            return summary;
        }
    };
    for file in files {
        match run::parse(&file) {
            Err(e) => {
                let _ = writeln!(out, "{}: cannot parse: {}", e.path.display(), e.message);
                summary.unreadable += 1;
            }
            Ok(scenario) => {
                let result = run::run_scenario(&file, scenario, db_url).await;
                if result.failures.is_empty() {
                    summary.passed += 1;
                } else {
                    summary.failed += 1;
                    for line in &result.failures {
                        let _ = writeln!(out, "{line}");
                    }
                }
            }
        }
    }
    let _ = writeln!(out, "{} passed, {} failed", summary.passed, summary.failed);
    summary
}
