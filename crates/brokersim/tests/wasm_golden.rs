//! The golden trace hashes of `tests/golden.rs`, checked in wasm32: every
//! preset and the 1,000 short (preset, seed) runs of `tests/golden/` must
//! give the committed hashes here too, so native and wasm traces agree run
//! for run. Runs in Node through wasm-bindgen-test-runner:
//!
//! ```text
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=.tools/wasm-bindgen/bin/wasm-bindgen-test-runner \
//!   cargo test -p brokersim --target wasm32-unknown-unknown --test wasm_golden
//! ```
//!
//! (`cargo xtask test` installs the runner and runs this as its "wasm tests"
//! step.)

#![cfg(target_arch = "wasm32")]

#[path = "golden/cases.rs"]
mod cases;

use std::collections::BTreeMap;

use brokersim::presets;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn every_preset_gives_its_golden_trace_hash_in_wasm() {
    let actual: BTreeMap<String, Result<String, String>> = presets::ALL
        .iter()
        .map(|p| (p.name.to_owned(), cases::preset_hash(p)))
        .collect();
    let expected =
        cases::parse_preset_hashes(cases::PRESET_HASHES).unwrap_or_else(|e| panic!("{e}"));
    let diff = cases::differences(&expected, &actual, usize::MAX);
    assert!(
        diff.is_empty(),
        "{}",
        cases::failure(
            "in wasm32, presets whose trace hash differs from the golden file",
            &diff
        )
    );
}

#[wasm_bindgen_test]
fn a_thousand_seeds_give_their_golden_trace_hashes_in_wasm() {
    let expected: BTreeMap<String, String> = cases::parse_seed_hashes(cases::SEED_HASHES)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|c| (format!("{} seed {}", c.preset, c.seed), c.hash))
        .collect();
    let actual: BTreeMap<String, Result<String, String>> = (0..cases::SEED_CASES)
        .map(|i| {
            let (preset, seed) = cases::case(i);
            (
                format!("{} seed {seed}", preset.name),
                cases::case_hash(preset, seed),
            )
        })
        .collect();
    let diff = cases::differences(&expected, &actual, 20);
    assert!(
        diff.is_empty(),
        "{}",
        cases::failure(
            "in wasm32, seed runs whose trace hash differs from the golden file",
            &diff
        )
    );
}
