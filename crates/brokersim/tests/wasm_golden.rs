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

use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn every_preset_gives_its_golden_trace_hash_in_wasm() {
    cases::assert_presets_match(&cases::all_preset_hashes(), "in wasm32, ");
}

#[wasm_bindgen_test]
fn a_thousand_seeds_give_their_golden_trace_hashes_in_wasm() {
    let actual = (0..cases::SEED_CASES).map(|i| {
        let (preset, seed) = cases::case(i);
        (preset.name.to_owned(), seed, cases::case_hash(preset, seed))
    });
    cases::assert_seeds_match(actual, "in wasm32, ");
}
