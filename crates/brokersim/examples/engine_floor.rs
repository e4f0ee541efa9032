//! The part of the core the browser page cannot do without, built alone to
//! measure its download (`cargo xtask size`): read and validate a scenario,
//! run it, checkpoint it, draw its view, write its trace in both of the
//! page's languages and report. No presets, no lessons, no JSON writer, no
//! user interface: whatever this weighs, the page weighs more.
//!
//! Built for wasm32 as a `cdylib` whose two exports keep all of it alive
//! (the linker drops whatever no export reaches). It is never run: only
//! its size matters.

use brokersim::{Lang, Scenario, Sim, SimTime};

/// A buffer of `len` bytes for the host to write a scenario's JSON into.
#[unsafe(no_mangle)]
pub extern "C" fn engine_floor_buffer(len: usize) -> *mut u8 {
    Box::leak(vec![0u8; len].into_boxed_slice()).as_mut_ptr()
}

/// Runs the scenario in `buffer` to `until_ms`, then to its end; returns a
/// number that depends on everything computed, or 0 for a bad scenario.
///
/// # Safety
/// `buffer` must come from [`engine_floor_buffer`] with the same `len`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn engine_floor_run(buffer: *const u8, len: usize, until_ms: u64) -> u64 {
    // SAFETY: the caller passes a buffer of `len` bytes this module made.
    let bytes = unsafe { std::slice::from_raw_parts(buffer, len) };
    let Ok(json) = std::str::from_utf8(bytes) else {
        return 0;
    };
    match Scenario::from_json(json).map_err(|e| e.to_string()) {
        Ok(scenario) => match Sim::new(scenario) {
            Ok(sim) => digest(sim, until_ms),
            Err(e) => e.to_string().len() as u64,
        },
        Err(e) => e.len() as u64,
    }
}

fn digest(mut sim: Sim, until_ms: u64) -> u64 {
    sim.run_until(SimTime::from_ms(until_ms));
    let checkpoint = sim.save_checkpoint(None);
    let mut sim = checkpoint.restore();
    let view = sim.view();
    let mut n = (view.brokers.len() + view.in_flight.len() + view.replicas.len()) as u64;
    for entry in sim.trace() {
        n += (brokersim::voice::sentence(entry, None, Lang::En).len()
            + brokersim::voice::sentence(entry, None, Lang::Zh).len()) as u64;
    }
    let report = sim.run_to_end();
    n + report.published + report.lost
}
