//! The scenario reader over damaged files (security requirement: no panic on any input, and every
//! refusal a message that says what is wrong): real scenario files with bytes removed, inserted
//! and replaced, and arbitrary text.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on the first surprise"
)]

use proptest::prelude::*;
use rolehub::scenario::run::parse_text;

/// Every scenario file of the repository.
fn scenarios() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/scenarios");
    let mut texts: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    texts.sort();
    texts
}

#[derive(Debug, Clone)]
enum Damage {
    Remove(usize, usize),
    Insert(usize, String),
    Replace(usize, String),
}

fn damage() -> impl Strategy<Value = Damage> {
    let text = prop_oneof![
        Just("\"".to_string()),
        Just("{".to_string()),
        Just("]".to_string()),
        Just(",".to_string()),
        Just("null".to_string()),
        Just("\"full_admin\"".to_string()),
        Just("-1".to_string()),
        Just("1e400".to_string()),
        Just("\"2026-13-45T99:99:99Z\"".to_string()),
        ".{1,6}",
    ];
    prop_oneof![
        (any::<usize>(), 1..40usize).prop_map(|(at, n)| Damage::Remove(at, n)),
        (any::<usize>(), text.clone()).prop_map(|(at, t)| Damage::Insert(at, t)),
        (any::<usize>(), text).prop_map(|(at, t)| Damage::Replace(at, t)),
    ]
}

fn apply(text: &str, damage: &Damage) -> String {
    let chars: Vec<char> = text.chars().collect();
    let at = |i: usize| if chars.is_empty() { 0 } else { i % chars.len() };
    let mut out = chars.clone();
    match damage {
        Damage::Remove(i, n) => {
            let start = at(*i);
            let end = (start + n).min(out.len());
            out.drain(start..end);
        }
        Damage::Insert(i, t) => {
            let start = at(*i);
            out.splice(start..start, t.chars());
        }
        Damage::Replace(i, t) => {
            let start = at(*i);
            let end = (start + t.chars().count()).min(out.len());
            out.splice(start..end, t.chars());
        }
    }
    out.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn damaged_scenarios_are_read_or_refused_with_a_message(
        pick in any::<prop::sample::Index>(),
        damages in prop::collection::vec(damage(), 1..4),
    ) {
        let files = scenarios();
        let mut text = files[pick.index(files.len())].clone();
        for d in &damages {
            text = apply(&text, d);
        }
        if let Err(message) = parse_text(&text) {
            prop_assert!(!message.trim().is_empty());
        }
    }

    #[test]
    fn arbitrary_text_is_refused_with_a_message(text in ".{0,200}") {
        if let Err(message) = parse_text(&text) {
            prop_assert!(!message.trim().is_empty());
        }
    }
}

#[test]
fn every_scenario_file_reads() {
    for text in scenarios() {
        parse_text(&text).unwrap();
    }
}
