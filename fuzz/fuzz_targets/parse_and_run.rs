//! Any bytes given as a scenario file, then run: a scenario that parses
//! starts, and a bounded number of steps neither panics nor hangs.
#![no_main]

use libfuzzer_sys::fuzz_target;

/// Engine events per input: enough to pass the first faults, small enough
/// to keep libFuzzer's executions fast.
const MAX_STEPS: u32 = 20_000;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(scenario) = brokersim::Scenario::from_json(text) else {
        return;
    };
    let mut sim = brokersim::Sim::new(scenario).expect("a parsed scenario starts");
    for _ in 0..MAX_STEPS {
        if !sim.step_event() {
            break;
        }
    }
    let report = sim.report();
    assert!(report.confirmed + report.rejected <= report.published);
});
