//! `rolehub gen`: a large synthetic world for benchmarks, written by the operator's bulk
//! generator (orgs `gen-0001` … with users `u0000001@gen-0001.example` …).

use std::io::Write;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use rolehub_store::clock::system_now;
use rolehub_store::Service;

use super::exit::Failure;

/// Generates the orgs, users and administrators `args` asks for and prints a summary.
pub async fn generate(
    service: &Service,
    args: &super::GenArgs,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let (orgs, users_per_org) = (args.orgs, args.users_per_org);
    let started = Instant::now();
    let bar = ProgressBar::new((orgs * users_per_org) as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{bar:40}] {human_pos}/{human_len} users, {per_sec}, {eta} left",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let progress = |n: u64| bar.inc(n);
    service
        .operator("gen")
        .generate(
            orgs,
            users_per_org,
            args.admins_per_org,
            system_now(),
            &progress,
        )
        .await?;
    bar.finish_and_clear();
    let elapsed = started.elapsed();
    let total = orgs * users_per_org;
    writeln!(
        out,
        "generated {orgs} orgs and {total} users in {:.1} s ({:.0} users/s)",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64().max(0.001)
    )?;
    Ok(())
}
