//! Rolehub's access decision, Cedar's `is_authorized` and Casbin's `enforce`, over one request set.
//!
//! Run with `CARGO_TARGET_DIR=target/compare cargo bench --manifest-path bench/compare/Cargo.toml`.
//! Before timing anything, every request is asked of all three and the run stops at the first
//! whose answers differ. Each benchmark answers the whole request set once per iteration; divan
//! prints the time per iteration and the decisions per second (one request = one item), so one
//! decision takes the printed time divided by the number of requests. The engines, their policies,
//! entities and requests are built once, outside the timed loop, as a server would keep them.
//! After divan, a plain `Instant`-timed pass prints the time per decision and the ratios.

use std::time::{Duration, Instant};

use divan::counter::ItemsCount;
use divan::{black_box, Bencher};
use rolehub_compare::{check_equivalence, rolehub, ActionEncoding, Setup};

fn main() {
    let setup = Setup::new();
    if std::env::var_os("COMPARE_DUMP").is_some() {
        dump(&setup);
        return;
    }
    let eq = check_equivalence(&setup);
    println!(
        "equivalence: {} requests, Rolehub, Cedar and Casbin agree on every one ({} allowed, {} refused)",
        eq.requests,
        eq.allowed,
        eq.requests - eq.allowed
    );
    let rules: Vec<String> = eq
        .by_rule
        .iter()
        .map(|((allowed, rule), n)| {
            format!(
                "{} {rule}: {n}",
                if *allowed { "allowed" } else { "refused" }
            )
        })
        .collect();
    println!("  Rolehub's reasons: {}", rules.join(", "));
    println!(
        "cedar: {} policies; casbin: {} policy lines, {} grouping lines",
        setup.cedar.policies.policies().count(),
        setup.casbin.policy_lines,
        setup.casbin.grouping_lines
    );
    println!(
        "each benchmark below answers all {} requests per iteration: divide its times by {} for one decision",
        eq.requests, eq.requests
    );
    divan::main();
    summary(&setup);
}

/// `COMPARE_DUMP=1`: prints what each engine is given (the Cedar schema and policies, the Casbin
/// model and lines) instead of benchmarking.
fn dump(s: &Setup) {
    println!(
        "// ---- Cedar schema\n{}",
        rolehub_compare::cedar_schema_text(&s.world.org)
    );
    println!(
        "// ---- Cedar policies\n{}",
        rolehub_compare::cedar_policies_text(&s.world.org, ActionEncoding::Groups)
    );
    println!(
        "// ---- Cedar policies, listing their actions\n{}",
        rolehub_compare::cedar_policies_text(&s.world.org, ActionEncoding::Lists)
    );
    println!("# ---- Casbin model{}", rolehub_compare::CASBIN_MODEL);
    println!("# ---- Casbin policy and grouping lines");
    for line in rolehub_compare::casbin_policy_lines(&s.world.org) {
        println!("p, {}", line.join(", "));
    }
    for line in rolehub_compare::casbin_grouping_lines(&s.world, rolehub_compare::NOW) {
        println!("g, {}", line.join(", "));
    }
}

fn items(setup: &Setup) -> ItemsCount {
    ItemsCount::new(setup.asks.len())
}

#[divan::bench]
fn rolehub_decide(bencher: Bencher) {
    let s = Setup::new();
    bencher.counter(items(&s)).bench_local(|| run_rolehub(&s));
}

#[divan::bench]
fn cedar_is_authorized(bencher: Bencher) {
    let s = Setup::new();
    bencher.counter(items(&s)).bench_local(|| run_cedar(&s));
}

/// Cedar with the same policies listing their actions (`action in [Action::"users:write", …]`)
/// instead of naming an action group: Cedar checks the list's actions one by one.
#[divan::bench]
fn cedar_is_authorized_action_lists(bencher: Bencher) {
    let s = Setup::new();
    bencher
        .counter(items(&s))
        .bench_local(|| run_cedar_lists(&s));
}

/// Cedar again, building each request (principal, action, resource, context) in the loop, without
/// the schema check: what a server that gets a new request each time pays on top.
#[divan::bench]
fn cedar_request_and_is_authorized(bencher: Bencher) {
    let s = Setup::new();
    bencher
        .counter(items(&s))
        .bench_local(|| run_cedar_building(&s));
}

#[divan::bench]
fn casbin_enforce(bencher: Bencher) {
    let s = Setup::new();
    bencher.counter(items(&s)).bench_local(|| run_casbin(&s));
}

fn run_rolehub(s: &Setup) -> usize {
    let mut allowed = 0;
    for ask in &s.asks {
        allowed += usize::from(rolehub(black_box(&s.world), black_box(ask)));
    }
    allowed
}

fn run_cedar(s: &Setup) -> usize {
    let mut allowed = 0;
    for i in 0..s.asks.len() {
        allowed += usize::from(s.cedar.is_authorized(black_box(i)));
    }
    allowed
}

fn run_cedar_lists(s: &Setup) -> usize {
    let mut allowed = 0;
    for i in 0..s.asks.len() {
        allowed += usize::from(s.cedar.is_authorized_lists(black_box(i)));
    }
    allowed
}

fn run_cedar_building(s: &Setup) -> usize {
    let mut allowed = 0;
    for i in 0..s.asks.len() {
        allowed += usize::from(s.cedar.build_and_authorize(black_box(i)));
    }
    allowed
}

fn run_casbin(s: &Setup) -> usize {
    let mut allowed = 0;
    for i in 0..s.asks.len() {
        allowed += usize::from(s.casbin.enforce(black_box(i)));
    }
    allowed
}

/// The median time of one pass over the request set, over passes for about a second (at least 5).
fn median_pass(mut pass: impl FnMut() -> usize) -> Duration {
    let mut times = Vec::new();
    let start = Instant::now();
    while times.len() < 5 || start.elapsed() < Duration::from_secs(1) {
        let t = Instant::now();
        black_box(pass());
        times.push(t.elapsed());
    }
    times.sort();
    times[times.len() / 2]
}

/// A second, plain measurement after divan's: per decision, and the ratios to Rolehub.
fn summary(s: &Setup) {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let n = s.asks.len() as f64;
    let per = |d: Duration| d.as_secs_f64() * 1e9 / n;
    let rolehub = per(median_pass(|| run_rolehub(s)));
    let cedar = per(median_pass(|| run_cedar(s)));
    let cedar_lists = per(median_pass(|| run_cedar_lists(s)));
    let cedar_building = per(median_pass(|| run_cedar_building(s)));
    let casbin = per(median_pass(|| run_casbin(s)));
    println!();
    println!("per decision (median of passes over the {n} requests, Instant-timed):");
    println!("  rolehub_decide                    {rolehub:>12.1} ns");
    println!(
        "  cedar_is_authorized               {cedar:>12.1} ns  ({:.0}x Rolehub)",
        cedar / rolehub
    );
    println!(
        "  cedar_is_authorized_action_lists  {cedar_lists:>12.1} ns  ({:.0}x Rolehub)",
        cedar_lists / rolehub
    );
    println!(
        "  cedar_request_and_is_authorized   {cedar_building:>12.1} ns  ({:.0}x Rolehub)",
        cedar_building / rolehub
    );
    println!(
        "  casbin_enforce                    {casbin:>12.1} ns  ({:.0}x Rolehub)",
        casbin / rolehub
    );
}
