//! A run is a pure function of its scenario and seed: the same inputs give
//! the same trace, bit for bit, however the run is driven (to the end at
//! once, in small steps, or from a checkpoint).

use brokersim::presets::ALL;
use brokersim::{Report, Sim, SimTime, TraceEntry};

fn run(preset: &brokersim::presets::Preset) -> (Report, Vec<TraceEntry>) {
    let mut sim = Sim::new(preset.scenario()).unwrap();
    let report = sim.run_to_end();
    (report, sim.trace().to_vec())
}

#[test]
fn every_preset_run_twice_gives_the_same_trace_hash_and_report() {
    for preset in ALL {
        let (first, first_trace) = run(preset);
        let (second, second_trace) = run(preset);
        assert_eq!(first.trace_hash.len(), 16, "{}", preset.name);
        assert_eq!(first.trace_hash, second.trace_hash, "{}", preset.name);
        assert_eq!(first, second, "{}", preset.name);
        assert_eq!(first_trace, second_trace, "{}", preset.name);
        assert!(first.published > 0, "{} publishes nothing", preset.name);
    }
}

#[test]
fn a_different_seed_gives_a_different_trace_hash() {
    for preset in ALL {
        let scenario = preset.scenario();
        let (same, _) = run(preset);
        let mut other = scenario.clone();
        other.seed = scenario.seed.wrapping_add(1);
        let reseeded = Sim::new(other).unwrap().run_to_end();
        assert_ne!(same.trace_hash, reseeded.trace_hash, "{}", preset.name);
    }
}

#[test]
fn a_checkpoint_cloned_mid_run_finishes_exactly_like_the_original() {
    for preset in ALL {
        let (uninterrupted, uninterrupted_trace) = run(preset);
        let mut sim = Sim::new(preset.scenario()).unwrap();
        let middle = SimTime::from_ms(sim.config().duration_ms / 2);
        sim.run_until(middle);
        let mut checkpoint = sim.clone();
        assert_eq!(checkpoint.now(), middle);
        assert_eq!(checkpoint.trace(), sim.trace());
        let original = sim.run_to_end();
        let resumed = checkpoint.run_to_end();
        assert_eq!(original, resumed, "{}", preset.name);
        assert_eq!(sim.trace(), checkpoint.trace(), "{}", preset.name);
        assert_eq!(original, uninterrupted, "{}", preset.name);
        assert_eq!(sim.trace(), &uninterrupted_trace[..], "{}", preset.name);
    }
}

#[test]
fn rewinding_to_a_checkpoint_replays_the_same_future() {
    let preset = brokersim::presets::get("mirrored-master-crash").unwrap();
    let mut sim = Sim::new(preset.scenario()).unwrap();
    sim.run_until(SimTime::from_ms(9_000));
    let checkpoint = sim.clone();
    sim.run_until(SimTime::from_ms(20_000));
    let first_future = sim.trace().to_vec();
    let mut again = checkpoint.clone();
    again.run_until(SimTime::from_ms(20_000));
    assert_eq!(again.trace(), &first_future[..]);
    assert_eq!(again.report(), sim.report());
    // The checkpoint itself did not move.
    assert_eq!(checkpoint.now(), SimTime::from_ms(9_000));
}

#[test]
fn run_until_in_many_small_steps_equals_one_run_to_end() {
    for preset in ALL {
        let (whole, whole_trace) = run(preset);
        let mut sim = Sim::new(preset.scenario()).unwrap();
        let mut t = SimTime::ZERO;
        let mut steps = 0;
        while !sim.is_finished() {
            // An odd step, so step boundaries fall between and on events.
            t = t.after_us(137_001);
            sim.run_until(t);
            steps += 1;
            assert!(steps < 100_000, "{} never finishes", preset.name);
        }
        assert_eq!(sim.report(), whole, "{}", preset.name);
        assert_eq!(sim.trace(), &whole_trace[..], "{}", preset.name);
    }
}

#[test]
fn stepping_one_trace_entry_at_a_time_equals_one_run_to_end() {
    for name in ["activemq-failover", "partition-pause-minority"] {
        let preset = brokersim::presets::get(name).unwrap();
        let (whole, whole_trace) = run(preset);
        let mut sim = Sim::new(preset.scenario()).unwrap();
        let mut steps = 0;
        loop {
            let before = sim.trace().len();
            let Some(entry) = sim.step().cloned() else {
                break;
            };
            // Each step shows the first entry it added.
            assert_eq!(entry, whole_trace[before], "{name}");
            steps += 1;
        }
        assert!(sim.is_finished());
        assert!(steps > 100);
        assert_eq!(sim.report(), whole, "{name}");
        assert_eq!(sim.trace(), &whole_trace[..], "{name}");
    }
}
