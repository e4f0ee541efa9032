//! The golden trace hashes, shared by the native test (`tests/golden.rs`)
//! and the wasm test (`tests/wasm_golden.rs`): both check the same committed
//! files, so a pass on both means native and wasm32 runs give the same
//! traces, bit for bit.
//!
//! - `preset_hashes.json`: every preset's `trace_hash`, run as written.
//! - `seed_hashes.txt`: [`SEED_CASES`] short runs, `preset seed trace_hash`
//!   per line: case `i` is preset `i mod n` with seed `i`, its fault phase
//!   squeezed into [`SHORT_MS`] (faults moved proportionally), and for odd
//!   seeds the fault schedule `brokersim check` draws for that seed instead
//!   of the preset's own, so the comparison reaches crashes, partitions,
//!   pauses, loss and slow links on every system.
//!
//! Regenerate both with `UPDATE_GOLDEN=1 cargo test -p brokersim --test golden`.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::collections::BTreeMap;

use brokersim::presets::{self, Preset};
use brokersim::search::{self, FaultKindChoice};
use brokersim::{Scenario, Sim};

pub const PRESET_HASHES: &str = include_str!("preset_hashes.json");
pub const SEED_HASHES: &str = include_str!("seed_hashes.txt");
pub const PRESET_FILE: &str = "crates/brokersim/tests/golden/preset_hashes.json";
pub const SEED_FILE: &str = "crates/brokersim/tests/golden/seed_hashes.txt";
pub const REGENERATE: &str = "UPDATE_GOLDEN=1 cargo test -p brokersim --test golden";

/// How many (preset, seed) runs the seed file holds.
pub const SEED_CASES: u64 = 1000;
/// The fault phase of a seed case, in virtual ms.
pub const SHORT_MS: u64 = 6_000;

/// A preset run as written: its trace hash.
pub fn preset_hash(preset: &Preset) -> Result<String, String> {
    run(preset.scenario())
}

fn run(scenario: Scenario) -> Result<String, String> {
    Sim::new(scenario)
        .map(|mut sim| sim.run_to_end().trace_hash)
        .map_err(|e| e.to_string())
}

/// Case `i` of the seed file: which preset, which seed.
pub fn case(i: u64) -> (&'static Preset, u64) {
    let all = presets::ALL;
    (&all[(i % all.len() as u64) as usize], i)
}

/// The scenario of a seed case (see the module notes).
pub fn case_scenario(preset: &Preset, seed: u64) -> Scenario {
    let mut scenario = preset.scenario();
    scenario.seed = seed;
    let long = scenario.duration_ms.max(1);
    if long > SHORT_MS {
        scenario.duration_ms = SHORT_MS;
        for fault in &mut scenario.faults {
            fault.at_ms = fault.at_ms * SHORT_MS / long;
            if let Some(for_ms) = &mut fault.for_ms {
                *for_ms = (*for_ms * SHORT_MS / long).max(1);
            }
        }
    }
    if seed % 2 == 1 {
        let drawn = search::with_drawn_faults(&scenario, seed, FaultKindChoice::DEFAULT);
        // Scenarios the search cannot draw for (e.g. sites' broker names)
        // keep their own faults.
        if Sim::new(drawn.clone()).is_ok() {
            return drawn;
        }
    }
    scenario
}

pub fn case_hash(preset: &Preset, seed: u64) -> Result<String, String> {
    run(case_scenario(preset, seed))
}

/// `preset_hashes.json`: preset name -> trace hash.
pub fn parse_preset_hashes(text: &str) -> Result<BTreeMap<String, String>, String> {
    serde_json::from_str(text).map_err(|e| format!("{PRESET_FILE} is not valid: {e}"))
}

pub fn render_preset_hashes(hashes: &BTreeMap<String, String>) -> String {
    serde_json::to_string_pretty(hashes).expect("a map of strings serializes") + "\n"
}

/// One line of `seed_hashes.txt`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedCase {
    pub preset: String,
    pub seed: u64,
    pub hash: String,
}

pub fn parse_seed_hashes(text: &str) -> Result<Vec<SeedCase>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|(n, line)| {
            let bad = || format!("{SEED_FILE}:{}: expected `preset seed hash`", n + 1);
            let mut words = line.split_whitespace();
            let (Some(preset), Some(seed), Some(hash), None) =
                (words.next(), words.next(), words.next(), words.next())
            else {
                return Err(bad());
            };
            Ok(SeedCase {
                preset: preset.to_owned(),
                seed: seed.parse().map_err(|_| bad())?,
                hash: hash.to_owned(),
            })
        })
        .collect()
}

pub fn render_seed_hashes(cases: &[SeedCase]) -> String {
    let mut out = format!(
        "# brokersim golden trace hashes of {} short runs: preset seed trace_hash\n\
         # (tests/golden/cases.rs says how each run is built).\n\
         # Regenerate: {REGENERATE}\n",
        cases.len()
    );
    for c in cases {
        out.push_str(&format!("{} {} {}\n", c.preset, c.seed, c.hash));
    }
    out
}

/// Compares expected hashes with the computed ones; one line per
/// difference (at most `limit` shown, then a count).
pub fn differences(
    expected: &BTreeMap<String, String>,
    actual: &BTreeMap<String, Result<String, String>>,
    limit: usize,
) -> Vec<String> {
    let mut lines = Vec::new();
    for (name, got) in actual {
        match (expected.get(name), got) {
            (_, Err(e)) => lines.push(format!("{name}: does not run: {e}")),
            (None, Ok(got)) => {
                lines.push(format!("{name}: missing from the golden file (now {got})"))
            }
            (Some(want), Ok(got)) if want != got => {
                lines.push(format!("{name}: changed, golden {want}, now {got}"))
            }
            _ => {}
        }
    }
    for name in expected.keys().filter(|n| !actual.contains_key(*n)) {
        lines.push(format!("{name}: in the golden file but no longer exists"));
    }
    if lines.len() > limit {
        let more = lines.len() - limit;
        lines.truncate(limit);
        lines.push(format!("… and {more} more"));
    }
    lines
}

/// The message of a failed golden check.
pub fn failure(what: &str, lines: &[String]) -> String {
    format!(
        "{what}:\n  {}\n\nIf the change of behaviour is intended (the core changed, a preset \
         was added or edited), regenerate the golden files with\n  {REGENERATE}\n\
         and commit {PRESET_FILE} and {SEED_FILE} with the change.",
        lines.join("\n  ")
    )
}

/// Every preset's trace hash, or why it does not run, by preset name.
pub fn all_preset_hashes() -> BTreeMap<String, Result<String, String>> {
    presets::ALL
        .iter()
        .map(|p| (p.name.to_owned(), preset_hash(p)))
        .collect()
}

/// Fails with the list of presets whose hash differs from the golden file;
/// `platform` says where they were computed ("" natively, "in wasm32, ").
pub fn assert_presets_match(actual: &BTreeMap<String, Result<String, String>>, platform: &str) {
    let expected = parse_preset_hashes(PRESET_HASHES).unwrap_or_else(|e| panic!("{e}"));
    let diff = differences(&expected, actual, usize::MAX);
    assert!(
        diff.is_empty(),
        "{}",
        failure(
            &format!("{platform}presets whose trace hash differs from the golden file"),
            &diff
        )
    );
}

/// Fails with (at most 20 of) the seed runs whose hash differs from the
/// golden file; `actual` holds (preset, seed, hash) in any order.
pub fn assert_seeds_match(
    actual: impl IntoIterator<Item = (String, u64, Result<String, String>)>,
    platform: &str,
) {
    let expected: BTreeMap<String, String> = parse_seed_hashes(SEED_HASHES)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|c| (format!("{} seed {}", c.preset, c.seed), c.hash))
        .collect();
    let actual: BTreeMap<String, Result<String, String>> = actual
        .into_iter()
        .map(|(preset, seed, hash)| (format!("{preset} seed {seed}"), hash))
        .collect();
    let diff = differences(&expected, &actual, 20);
    assert!(
        diff.is_empty(),
        "{}",
        failure(
            &format!("{platform}seed runs whose trace hash differs from the golden file"),
            &diff
        )
    );
}
