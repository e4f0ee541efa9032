//! The engine benchmark in wasm32: the reference scenario of `brokersim
//! bench` (5 brokers, a mirrored queue with 3 copies, 1,000 msg/s, the
//! master crashing at 20 s, 60 s virtual), best of 10 runs, timed with Node's
//! `performance.now()`. `cargo xtask bench` runs it in release mode and sets
//! its figure beside the native one:
//!
//! ```text
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=.tools/wasm-bindgen/bin/wasm-bindgen-test-runner \
//!   cargo test --release -p brokersim --target wasm32-unknown-unknown --test wasm_bench -- --nocapture
//! ```
//!
//! It prints each run's time, then `wasm_bench events_per_s=… events=… wall_ms=… trace_hash=…`;
//! the trace hash equals the native benchmark's, which shows both ran the
//! same simulation. It is a figure, not a timed test: it never fails on speed.

#![cfg(target_arch = "wasm32")]

use brokersim::{Scenario, Sim};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen_test::{console_log, wasm_bindgen_test};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance)]
    fn now() -> f64;
}

/// The same scenario as `brokersim bench` (crates/brokersim-cli/src/bench.rs).
const REFERENCE: &str = r#"{
  "version": 1,
  "title": "brokersim reference benchmark",
  "seed": 1,
  "duration_ms": 60000,
  "system": "rabbitmq-mirrored",
  "brokers": 5,
  "settings": { "ha-mode": "exactly", "ha-params": 3, "net_ticktime": 10 },
  "producers": [{ "rate_per_s": 1000, "connect": ["b2"] }],
  "consumers": [{ "ack": "manual", "prefetch": 100, "process_ms": 0, "connect": ["b3"] }],
  "faults": [{ "at_ms": 20000, "crash": "b1" }]
}"#;

/// As many runs as `cargo xtask bench` asks of the native benchmark: the
/// first ones also warm V8's optimising tier up.
const RUNS: u32 = 10;

#[wasm_bindgen_test]
fn reference_benchmark() {
    let scenario = Scenario::from_json(REFERENCE).expect("the reference scenario is valid");
    let mut best: Option<(f64, u64, String)> = None;
    for _ in 0..RUNS {
        let start = now();
        let mut sim = Sim::new(scenario.clone()).expect("valid");
        let report = sim.run_to_end();
        let wall_ms = now() - start;
        console_log!("wasm_bench run {wall_ms:.1} ms");
        if best.as_ref().is_none_or(|(b, ..)| wall_ms < *b) {
            best = Some((wall_ms, sim.events_processed(), report.trace_hash));
        }
    }
    let (wall_ms, events, trace_hash) = best.expect("at least one run");
    let events_per_s = events as f64 / (wall_ms.max(1e-3) / 1_000.0);
    console_log!(
        "wasm_bench events_per_s={events_per_s:.0} events={events} wall_ms={wall_ms:.3} runs={RUNS} trace_hash={trace_hash}"
    );
}
