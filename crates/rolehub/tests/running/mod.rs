//! The real binary as the tests that measure it run it: started on a free port, its resident
//! memory read from `/proc`.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "shared by tests that use parts of it"
)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rolehub_store::scratch::Scratch;

/// The real binary, serving the demo world; killed when dropped.
pub struct Running {
    /// The process.
    pub child: Child,
    /// Where it listens, `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `rolehub serve --demo` on a free port over a database.
pub fn start(db_url: &str) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rolehub"))
        .args(["--db", db_url, "serve", "--demo", "--listen", "127.0.0.1:0"])
        .env("ROLEHUB_LOG", "warn")
        .env_remove("ROLEHUB_DB")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("the server printed where it listens")
            .unwrap();
        if let Some(at) = line.find("http://") {
            let url = &line[at..];
            break url.split_whitespace().next().unwrap().to_string();
        }
    };
    // Keep reading its output so that it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Running { child, base }
}

/// Resident memory of a process, in bytes.
pub fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap();
    kb * 1024
}

/// The databases to measure on: an SQLite file always, PostgreSQL when `ROLEHUB_TEST_POSTGRES`
/// names a server.
pub async fn databases() -> Vec<(&'static str, Scratch)> {
    let mut databases = vec![("sqlite", Scratch::sqlite_file().await.unwrap())];
    if let Ok(url) = std::env::var("ROLEHUB_TEST_POSTGRES") {
        databases.push(("postgres", Scratch::postgres(&url).await.unwrap()));
    }
    databases
}

/// The highest resident memory of `pid` while `work` runs and for `settle` after it (memory must
/// come down, or stay down, once the work is over), with what `work` answered.
pub async fn peak_during<T>(
    pid: u32,
    settle: Duration,
    work: impl std::future::Future<Output = T>,
) -> (u64, T) {
    let peak = Arc::new(AtomicU64::new(0));
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak, sampling) = (Arc::clone(&peak), Arc::clone(&sampling));
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                peak.fetch_max(rss(pid), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let out = work.await;
    tokio::time::sleep(settle).await;
    sampling.store(false, Ordering::Relaxed);
    sampler.await.unwrap();
    (peak.load(Ordering::Relaxed).max(rss(pid)), out)
}
