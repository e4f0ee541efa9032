//! The simulation handle the page drives: the scenario being played (user
//! actions included), the live `Sim`, the checkpoints that make scrubbing
//! cheap, and the per-second series the charts draw.
//!
//! Everything here is plain Rust with an injected clock, so it is tested
//! natively; the page only calls it from the animation frame.

use brokersim::scenario::FaultSpec;
use brokersim::trace::Event;
use brokersim::{Report, Scenario, ScenarioError, Sim, SimTime};

use crate::series::Series;

/// At most this many checkpoints; past it every other one is dropped and the
/// spacing doubles, so a long run keeps a bounded, evenly spread set.
const MAX_CHECKPOINTS: usize = 48;

/// A rough bound on the memory the checkpoints may hold: each clone carries
/// its own trace and ledger, which grow with the run (a 10-minute run at
/// 1,000 msg/s ends with 1.6 million trace entries and 600,000 ledger
/// lines), so late checkpoints of a long run cost the most.
const CHECKPOINT_BUDGET_BYTES: usize = 40 << 20;

/// A simulation larger than this is not cloned at all: wasm memory never
/// shrinks, so even a clone dropped at once would raise the page's peak.
const LARGEST_CHECKPOINT_BYTES: usize = CHECKPOINT_BUDGET_BYTES / 2;

/// First checkpoint spacing (virtual time).
const FIRST_CHECKPOINT_SPACING_US: u64 = 2_000_000;

/// The charts sample once per virtual second.
pub const SAMPLE_US: u64 = 1_000_000;

/// The source of wall-clock milliseconds (`performance.now()` on the page).
pub type Clock<'a> = &'a dyn Fn() -> f64;

pub struct Runner {
    scenario: Scenario,
    sim: Sim,
    /// Clones of `sim` at multiples of `spacing_us`, sorted by time.
    checkpoints: Vec<Sim>,
    spacing_us: u64,
    /// Where the simulation must get to before anything else (after a
    /// seek or a rebuild); reached in bounded chunks, frame by frame.
    pending: Option<SimTime>,
    /// Virtual time one `run_until` call should cover, tuned so a call takes
    /// well under the frame budget whatever the message rate.
    slice_us: u64,
    /// When the run ended, once it has (the end of the drain).
    end: Option<SimTime>,
    /// Bumped whenever the scenario changes: caches keyed on it go stale.
    generation: u32,
    pub series: Series,
}

impl Runner {
    pub fn new(scenario: Scenario) -> Result<Runner, ScenarioError> {
        let sim = Sim::new(scenario.clone())?;
        let series = Series::new(&sim);
        Ok(Runner {
            checkpoints: vec![sim.clone()],
            scenario,
            sim,
            spacing_us: FIRST_CHECKPOINT_SPACING_US,
            pending: None,
            slice_us: 10_000,
            end: None,
            generation: 0,
            series,
        })
    }

    pub fn sim(&self) -> &Sim {
        &self.sim
    }

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    pub fn now(&self) -> SimTime {
        self.sim.now()
    }

    pub fn generation(&self) -> u32 {
        self.generation
    }

    pub fn report(&self) -> Report {
        self.sim.report()
    }

    /// Where the timeline ends: the end of the run once known, else the
    /// fault phase (the drain's length is only known when it finishes).
    pub fn timeline_end(&self) -> SimTime {
        let phase = SimTime::from_ms(self.scenario.duration_ms);
        match self.end {
            Some(end) => end.max(phase),
            None => phase.max(self.sim.now()),
        }
    }

    pub fn is_finished(&self) -> bool {
        self.sim.is_finished()
    }

    /// Whether a seek or replay is still catching up.
    pub fn busy(&self) -> Option<SimTime> {
        self.pending
    }

    #[cfg(test)]
    pub fn checkpoint_count(&self) -> usize {
        self.checkpoints.len()
    }

    /// Replaces the scenario (a user action, a new seed, a new
    /// configuration) and replays to where we were. The old checkpoints
    /// belong to another run, so they go.
    pub fn replace(&mut self, scenario: Scenario, keep_time: bool) -> Result<(), ScenarioError> {
        let sim = Sim::new(scenario.clone())?;
        let was = self.sim.now();
        self.series = Series::new(&sim);
        self.checkpoints = vec![sim.clone()];
        self.spacing_us = FIRST_CHECKPOINT_SPACING_US;
        self.sim = sim;
        self.scenario = scenario;
        self.end = None;
        self.generation = self.generation.wrapping_add(1);
        self.pending = (keep_time && was > SimTime::ZERO).then_some(was);
        Ok(())
    }

    /// Adds a fault at the current virtual time (rounded down to the
    /// millisecond) after those already scheduled for that moment, then
    /// replays. Earlier faults stay; later ones stay too: an action in the
    /// past forks the future without erasing what the scenario planned.
    pub fn inject(&mut self, mut fault: FaultSpec) -> Result<(), ScenarioError> {
        let at_ms = self.sim.now().as_ms();
        if at_ms > self.scenario.duration_ms {
            return Err(ScenarioError::new(
                "faults",
                format!(
                    "the fault phase ended at {}; actions can only be taken before it (rewind first)",
                    SimTime::from_ms(self.scenario.duration_ms)
                ),
            ));
        }
        fault.at_ms = at_ms;
        let mut scenario = self.scenario.clone();
        let index = scenario.faults.partition_point(|f| f.at_ms <= at_ms);
        scenario.faults.insert(index, fault);
        self.replace(scenario, true)
    }

    /// Removes one scheduled fault (from the configuration panel) and replays.
    pub fn remove_fault(&mut self, index: usize) -> Result<(), ScenarioError> {
        let mut scenario = self.scenario.clone();
        if index < scenario.faults.len() {
            scenario.faults.remove(index);
        }
        self.replace(scenario, true)
    }

    /// Moves the timeline to `t`: from the nearest checkpoint at or before
    /// it when going back, from where we are when going forward. The work
    /// itself happens in [`Runner::work`].
    pub fn seek(&mut self, t: SimTime) {
        if t < self.sim.now() {
            let at = self.checkpoints.partition_point(|c| c.now() <= t);
            // The first checkpoint is time zero, so `at` is at least 1.
            self.sim = self.checkpoints[at.saturating_sub(1)].clone();
        } else if let Some(later) = self
            .checkpoints
            .iter()
            .rev()
            .find(|c| c.now() <= t && c.now() > self.sim.now())
        {
            self.sim = later.clone();
        }
        self.pending = Some(t);
    }

    /// One step: on to the next event a student can see.
    pub fn step(&mut self) {
        if self.pending.is_some() {
            return;
        }
        self.sim.step();
        self.after_advance();
    }

    /// One step back: to the moment of the previous event.
    pub fn back(&mut self) {
        let now = self.sim.now();
        let trace = self.sim.trace();
        let before = trace.partition_point(|e| e.at < now);
        let t = before.checked_sub(1).map_or(SimTime::ZERO, |i| trace[i].at);
        self.seek(t);
    }

    /// Runs toward the pending target, or else toward `play_to`, for at most
    /// `budget_ms` of wall time. Returns whether the pending work is done.
    pub fn work(&mut self, play_to: Option<SimTime>, budget_ms: f64, clock: Clock) -> bool {
        let started = clock();
        let Some(to) = self.pending.or(play_to) else {
            return true;
        };
        loop {
            if self.sim.now() >= to || self.sim.is_finished() {
                if self.pending.is_some() {
                    self.pending = None;
                }
                return true;
            }
            let now = self.sim.now().as_us();
            let boundary = (now / SAMPLE_US + 1) * SAMPLE_US;
            let slice_end = SimTime(to.as_us().min(now + self.slice_us).min(boundary));
            let before = clock();
            self.sim.run_until(slice_end);
            let took = clock() - before;
            self.tune_slice(took);
            self.after_advance();
            if clock() - started >= budget_ms {
                return false;
            }
        }
    }

    /// Keeps one `run_until` call around a quarter of a millisecond.
    fn tune_slice(&mut self, took_ms: f64) {
        if took_ms < 0.1 {
            self.slice_us = (self.slice_us * 2).min(SAMPLE_US);
        } else if took_ms > 0.5 {
            self.slice_us = (self.slice_us / 2).max(50);
        }
    }

    /// Books what just happened: the series, the checkpoint due at this
    /// exact moment, the end of the run.
    fn after_advance(&mut self) {
        self.series.absorb(&self.sim);
        let now = self.sim.now().as_us();
        if self.sim.is_finished() {
            self.end = Some(self.sim.now());
        }
        if now.is_multiple_of(self.spacing_us) {
            let size = approx_bytes(&self.sim);
            if size > LARGEST_CHECKPOINT_BYTES {
                return;
            }
            self.make_room(size);
            if !now.is_multiple_of(self.spacing_us) {
                return;
            }
            let at = self.checkpoints.partition_point(|c| c.now().as_us() < now);
            let exists = self
                .checkpoints
                .get(at)
                .is_some_and(|c| c.now().as_us() == now);
            if !exists {
                self.checkpoints.insert(at, self.sim.clone());
            }
        }
    }

    /// Halves the checkpoints (doubling their spacing) until one more of
    /// `size` bytes fits.
    fn make_room(&mut self, size: usize) {
        while self.checkpoints.len() >= MAX_CHECKPOINTS
            || (self.checkpoints.len() > 1
                && self.checkpoint_bytes() + size > CHECKPOINT_BUDGET_BYTES)
        {
            self.spacing_us *= 2;
            let spacing = self.spacing_us;
            self.checkpoints
                .retain(|c| c.now().as_us().is_multiple_of(spacing));
        }
    }

    fn checkpoint_bytes(&self) -> usize {
        self.checkpoints.iter().map(approx_bytes).sum()
    }

    /// The trace as JSON lines, in the CLI's `--trace` format.
    pub fn trace_jsonl(&self) -> String {
        let mut out = String::new();
        for entry in self.sim.trace() {
            let event = serde_json::to_string(&entry.event).unwrap_or_default();
            let text = serde_json::to_string(&brokersim::explain::explain(&entry.event))
                .unwrap_or_default();
            out.push_str(&format!(
                "{{\"at_ms\":{},\"event\":{event},\"text\":{text}}}\n",
                entry.at.as_ms()
            ));
        }
        out
    }
}

/// What a clone of `sim` roughly costs: its trace and ledger dominate.
fn approx_bytes(sim: &Sim) -> usize {
    std::mem::size_of_val(sim.trace()) + std::mem::size_of_val(sim.ledger().all()) + 64 * 1024
}

/// Whether the event is one of the per-message ones, which the log hides
/// unless asked (there are thousands of them).
pub fn is_message_event(event: &Event) -> bool {
    matches!(
        event,
        Event::Published { .. }
            | Event::Confirmed { .. }
            | Event::Nacked { .. }
            | Event::ConfirmTimedOut { .. }
            | Event::Unsent { .. }
            | Event::Delivered { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn preset() -> Scenario {
        brokersim::presets::get("mirrored-master-crash")
            .unwrap()
            .scenario()
    }

    fn no_clock() -> f64 {
        0.0
    }

    fn run_to(runner: &mut Runner, t: SimTime) {
        runner.seek(t);
        while !runner.work(None, 1e9, &no_clock) {}
    }

    #[test]
    fn seeking_back_replays_the_same_moment() {
        let mut runner = Runner::new(preset()).unwrap();
        run_to(&mut runner, SimTime::from_ms(20_000));
        let trace_at_20s = runner.sim().trace().len();
        let report = runner.report();
        run_to(&mut runner, SimTime::from_ms(5_500));
        assert!(runner.sim().trace().len() < trace_at_20s);
        run_to(&mut runner, SimTime::from_ms(20_000));
        assert_eq!(runner.sim().trace().len(), trace_at_20s);
        assert_eq!(runner.report(), report);
        assert!(runner.checkpoint_count() > 5);
    }

    #[test]
    fn an_injected_fault_replays_like_a_scenario_that_had_it() {
        let mut runner = Runner::new(preset()).unwrap();
        run_to(&mut runner, SimTime::from_ms(3_000));
        runner
            .inject(FaultSpec {
                crash: Some("b2".into()),
                ..FaultSpec::default()
            })
            .unwrap();
        while !runner.work(None, 1e9, &no_clock) {}
        assert_eq!(runner.now(), SimTime::from_ms(3_000));
        assert_eq!(runner.scenario().faults[0].at_ms, 3_000);
        run_to(&mut runner, SimTime::from_ms(u64::MAX / 2_000));
        let mut direct = Sim::new(runner.scenario().clone()).unwrap();
        assert_eq!(direct.run_to_end(), runner.report());
    }

    #[test]
    fn faults_after_the_fault_phase_are_refused_with_a_reason() {
        let mut runner = Runner::new(preset()).unwrap();
        run_to(&mut runner, SimTime::from_ms(45_000));
        let err = runner
            .inject(FaultSpec {
                crash: Some("b2".into()),
                ..FaultSpec::default()
            })
            .unwrap_err();
        assert!(err.message.contains("fault phase"), "{err}");
    }
}
