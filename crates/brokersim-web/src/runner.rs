//! The simulation handle the page drives: the scenario being played (user
//! actions included), the live `Sim`, the checkpoints that make scrubbing
//! cheap, and the per-second series the charts draw.
//!
//! Everything here is plain Rust with an injected clock, so it is tested
//! natively; the page only calls it from the animation frame.

use std::rc::Rc;

use brokersim::scenario::FaultSpec;
use brokersim::trace::TraceEntry;
use brokersim::{Checkpoint, Report, Scenario, ScenarioError, Sim, SimTime};

use crate::series::Series;
use crate::trace_store::TraceStore;

/// At most this many checkpoints; past it every other one is dropped and the
/// spacing doubles, so a long run keeps a bounded, evenly spread set. A
/// checkpoint holds no trace and shares its unchanged ledger chunks with
/// the one before (`brokersim::Checkpoint`), so a few hundred fit: a
/// 10-minute run keeps one every 3 s (about 200), and a jump replays at
/// most that. The cap also bounds the peak just before a thinning: 240
/// keeps a 10-minute run at 1,000 msg/s clear of the 150 MB limit, where
/// 320 came within a megabyte of it.
const MAX_CHECKPOINTS: usize = 240;

/// First checkpoint spacing (virtual time).
const FIRST_CHECKPOINT_SPACING_US: u64 = 1_500_000;

/// The charts sample once per virtual second.
pub const SAMPLE_US: u64 = 1_000_000;

/// The source of wall-clock milliseconds (`performance.now()` on the page).
pub type Clock<'a> = &'a dyn Fn() -> f64;

/// A checkpoint and the trace's length at its moment.
struct Mark {
    checkpoint: Rc<Checkpoint>,
    trace_len: usize,
}

pub struct Runner {
    scenario: Scenario,
    sim: Sim,
    /// Checkpoints at multiples of `spacing_us`, sorted by time.
    checkpoints: Vec<Mark>,
    /// The checkpoint `sim` was last restored from or saved to: the next
    /// checkpoint shares the ledger chunks unchanged since.
    base: Option<Rc<Checkpoint>>,
    spacing_us: u64,
    /// The run's whole trace as far as it is known (a seek back keeps the
    /// entries after the new moment: the replay produces them again).
    trace: TraceStore,
    /// How many of `trace`'s entries `sim` has produced: what the page shows.
    trace_pos: usize,
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
    /// Entries just drained from `sim`, reused between calls.
    fresh: Vec<TraceEntry>,
}

impl Runner {
    pub fn new(scenario: Scenario) -> Result<Runner, ScenarioError> {
        let sim = Sim::new(scenario.clone())?;
        let mut runner = Runner {
            checkpoints: Vec::new(),
            base: None,
            scenario,
            sim,
            spacing_us: FIRST_CHECKPOINT_SPACING_US,
            trace: TraceStore::default(),
            trace_pos: 0,
            pending: None,
            slice_us: 10_000,
            end: None,
            generation: 0,
            series: Series::default(),
            fresh: Vec::new(),
        };
        runner.start();
        Ok(runner)
    }

    /// Books the new simulation's first moment and its first checkpoint.
    fn start(&mut self) {
        self.sim.reserve_for_run();
        self.absorb();
        self.save_checkpoint(0);
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

    /// The run's trace; entries `0..trace_len()` are those up to now.
    pub fn trace(&self) -> &TraceStore {
        &self.trace
    }

    /// Every broker's name as the sentences and the scenario's faults name
    /// it: `b1` …, or `primary-b1` … in a run with sites.
    pub fn broker_names(&self) -> Vec<String> {
        (0..self.sim.config().broker_count)
            .map(|i| self.sim.broker_name(brokersim::BrokerId(i)))
            .collect()
    }

    pub fn trace_len(&self) -> usize {
        self.trace_pos
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
    /// and trace belong to another run, so they go.
    pub fn replace(&mut self, scenario: Scenario, keep_time: bool) -> Result<(), ScenarioError> {
        let sim = Sim::new(scenario.clone())?;
        let was = self.sim.now();
        self.checkpoints.clear();
        self.base = None;
        self.trace = TraceStore::default();
        self.trace_pos = 0;
        self.series = Series::default();
        self.spacing_us = FIRST_CHECKPOINT_SPACING_US;
        self.sim = sim;
        self.scenario = scenario;
        self.end = None;
        self.generation = self.generation.wrapping_add(1);
        self.start();
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
    /// it when going back, from where we are (or a later checkpoint) when
    /// going forward. The rest happens in [`Runner::work`].
    pub fn seek(&mut self, t: SimTime) {
        let now = self.sim.now();
        let from = if t < now {
            // The first checkpoint is time zero, so `at` is at least 1.
            let at = self
                .checkpoints
                .partition_point(|m| m.checkpoint.now() <= t);
            Some(at.saturating_sub(1))
        } else {
            self.checkpoints
                .iter()
                .rposition(|m| m.checkpoint.now() <= t && m.checkpoint.now() > now)
        };
        if let Some(mark) = from.and_then(|i| self.checkpoints.get(i)) {
            let checkpoint = mark.checkpoint.clone();
            self.trace_pos = mark.trace_len;
            checkpoint.restore_into(&mut self.sim);
            self.base = Some(checkpoint);
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
        self.seek(self.previous_event_at());
    }

    /// The moment of the last event before now (the start if none).
    pub fn previous_event_at(&self) -> SimTime {
        let now = self.sim.now();
        let before = self.trace.first_at_or_after(self.trace_pos, now);
        before
            .checked_sub(1)
            .and_then(|i| self.trace.at(i))
            .unwrap_or(SimTime::ZERO)
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

    /// Moves the entries the simulation just recorded into the trace (only
    /// counting those not already known from before a seek back).
    fn absorb(&mut self) {
        let mut fresh = std::mem::take(&mut self.fresh);
        fresh.extend(self.sim.drain_trace());
        for entry in fresh.drain(..) {
            if self.trace_pos < self.trace.len() {
                self.trace_pos += 1;
                continue;
            }
            self.series.count(self.trace_pos, &entry, &self.sim);
            self.trace.push(entry);
            self.trace_pos += 1;
        }
        self.fresh = fresh;
        self.series.sample(&self.sim);
    }

    /// Books what just happened: the trace, the series, the checkpoint due
    /// at this exact moment, the end of the run.
    fn after_advance(&mut self) {
        self.absorb();
        let now = self.sim.now().as_us();
        if self.sim.is_finished() {
            self.end = Some(self.sim.now());
        }
        if now.is_multiple_of(self.spacing_us) {
            self.make_room();
            if now.is_multiple_of(self.spacing_us) {
                self.save_checkpoint(now);
            }
        }
    }

    /// A checkpoint of this moment, replacing one taken at the same moment
    /// (an identical state: same scenario, same seed) so that the next one
    /// shares the most with it.
    fn save_checkpoint(&mut self, now: u64) {
        let checkpoint = Rc::new(self.sim.save_checkpoint(self.base.as_deref()));
        self.base = Some(checkpoint.clone());
        let mark = Mark {
            checkpoint,
            trace_len: self.trace_pos,
        };
        let at = self
            .checkpoints
            .partition_point(|m| m.checkpoint.now().as_us() < now);
        match self.checkpoints.get_mut(at) {
            Some(m) if m.checkpoint.now().as_us() == now => *m = mark,
            _ => self.checkpoints.insert(at, mark),
        }
    }

    /// Halves the checkpoints (doubling their spacing) until one more fits.
    fn make_room(&mut self) {
        while self.checkpoints.len() >= MAX_CHECKPOINTS {
            self.spacing_us *= 2;
            let spacing = self.spacing_us;
            self.checkpoints
                .retain(|m| m.checkpoint.now().as_us().is_multiple_of(spacing));
        }
    }

    /// The trace up to now as JSON lines, in the CLI's `--trace` format.
    pub fn trace_jsonl(&self) -> String {
        let mut out = String::new();
        for entry in self.trace.iter(0..self.trace_pos) {
            let event = entry.event_json();
            let text =
                brokersim::json::to_string(&entry.text_in(brokersim::Lang::En, self.sim.names()));
            out.push_str(&format!(
                "{{\"at_ms\":{},\"event\":{event},\"text\":{text}}}\n",
                entry.at().as_ms()
            ));
        }
        out
    }
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
        let trace_at_20s = runner.trace_len();
        let report = runner.report();
        run_to(&mut runner, SimTime::from_ms(5_500));
        assert!(runner.trace_len() < trace_at_20s);
        run_to(&mut runner, SimTime::from_ms(20_000));
        assert_eq!(runner.trace_len(), trace_at_20s);
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
