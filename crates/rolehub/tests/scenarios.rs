//! The conformance suite: every scenario under `tests/scenarios/`, through the library and through
//! the `rolehub` binary, on SQLite (and on PostgreSQL when `ROLEHUB_TEST_POSTGRES` names a server).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on the first surprise"
)]

use std::path::PathBuf;
use std::process::Command;

use rolehub::scenario::run_paths;
use rolehub_domain::RuleId;

fn scenarios_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/scenarios")
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Rule ids that `scenarios.md` proves outside scenarios (their tests name them elsewhere).
const PROVEN_ELSEWHERE: [RuleId; 3] = [RuleId::Export2, RuleId::Ext11, RuleId::List2];

#[tokio::test]
async fn every_scenario_passes_on_sqlite() {
    let mut out = Vec::new();
    let summary = run_paths(&[scenarios_dir()], None, &mut out).await;
    let text = String::from_utf8_lossy(&out);
    assert_eq!(summary.failed + summary.unreadable, 0, "{text}");
    assert!(
        summary.passed > 50,
        "expected the whole suite, ran {}",
        summary.passed
    );
}

#[tokio::test]
async fn every_scenario_passes_on_postgres() {
    let Ok(url) = std::env::var("ROLEHUB_TEST_POSTGRES") else {
        eprintln!("ROLEHUB_TEST_POSTGRES is not set; the PostgreSQL run is left to .ci/run");
        return;
    };
    let mut out = Vec::new();
    let summary = run_paths(&[scenarios_dir()], Some(&url), &mut out).await;
    let text = String::from_utf8_lossy(&out);
    assert_eq!(summary.failed + summary.unreadable, 0, "{text}");
    assert!(summary.passed > 50);
}

#[test]
fn every_rule_is_named_by_a_scenario() {
    let mut named = String::new();
    for entry in std::fs::read_dir(scenarios_dir()).unwrap() {
        named.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    let missing: Vec<&str> = RuleId::ALL
        .iter()
        .filter(|r| !PROVEN_ELSEWHERE.contains(r))
        .map(|r| r.id())
        .filter(|id| !named.contains(&format!("\"{id}\"")))
        .collect();
    assert!(missing.is_empty(), "rules without a scenario: {missing:?}");
}

#[test]
fn the_binary_runs_the_suite() {
    let output = Command::new(env!("CARGO_BIN_EXE_rolehub"))
        .args(["scenario", "run"])
        .arg(scenarios_dir())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let last = stdout.lines().last().unwrap();
    assert!(last.ends_with(" passed, 0 failed"), "{last}");
}

#[test]
fn a_failing_step_is_reported_and_exits_1() {
    let output = Command::new(env!("CARGO_BIN_EXE_rolehub"))
        .args(["scenario", "run"])
        .arg(fixture("failing.json"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("failing.json: step 1: expected refused, got allowed"),
        "{stdout}"
    );
    assert!(
        stdout.trim_end().ends_with("0 passed, 1 failed"),
        "{stdout}"
    );
}

#[test]
fn an_unknown_field_exits_2_naming_line_and_column() {
    let output = Command::new(env!("CARGO_BIN_EXE_rolehub"))
        .args(["scenario", "run"])
        .arg(fixture("unknown-field.json"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains("unknown-field.json: cannot parse: line 6, column"),
        "{stdout}"
    );
    assert!(stdout.contains("unknown field `expectt`"), "{stdout}");
}
