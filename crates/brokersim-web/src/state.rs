//! The page's state and everything that can happen to it, as yew's
//! function_todomvc example does it: one `enum Action`, one reducer.
//!
//! The reducer is pure: UI state and an action in, UI state out, with no
//! clock read and no simulation work. The runs themselves live in
//! [`Sims`] (the runner, and compare mode's right side), which only the
//! [`SimHandle`] drives: its commands (step, seek, inject a fault, load …)
//! work the runners, then dispatch [`Action::Ran`] with what the page needs
//! to know ([`SimStatus`], a notice if the command failed). The animation
//! frame passes its wall-clock time in the same way. Components reach the
//! handle through one `ContextProvider<SimHandle>` whose value never
//! changes, so only their props decide when they redraw.

use std::cell::RefCell;
use std::rc::Rc;

use brokersim::scenario::FaultSpec;
use brokersim::{Lang, Scenario, ScenarioError, SimTime};
use yew::prelude::*;

use crate::i18n::{Msg, t};
use crate::runner::{Clock, Runner};

/// Wall-clock budget for simulation work in one animation frame.
pub const FRAME_BUDGET_MS: f64 = 4.0;

/// Catching up after a seek, a replay or "run to end" may take more of a
/// frame than playing does: nothing moves on screen meanwhile, and the page
/// still answers between frames.
pub const CATCH_UP_BUDGET_MS: f64 = 12.0;

/// A seek or a click may take longer than a frame's budget before the rest
/// is left to later frames: long enough that most jumps finish at once.
pub const SEEK_BUDGET_MS: f64 = 40.0;

/// The speed slider is log10 of the speed: -2 (0.01×) to 2 (100×).
pub const SPEED_MIN_LOG: f64 = -2.0;
pub const SPEED_MAX_LOG: f64 = 2.0;

/// The preset shown first, and the fallback for a bad link or file.
pub const DEFAULT_PRESET: &str = "mirrored-master-crash";

#[derive(Clone, Debug, PartialEq)]
pub enum Selected {
    Broker(u16),
    /// `p1`, `c2`: a producer or consumer by name.
    Client(String),
    /// A disaster-recovery site by name.
    Site(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    Error(String),
    Info(String),
    /// A command the run refused: what the page tried, a catalogue entry
    /// said in the page's language when shown (so the reducer and the
    /// simulation handle need no language), and the refusal with the field
    /// it names (`faults[2].kill: …`).
    Refused(Msg, String),
}

impl Notice {
    pub fn from_error(context: Msg, e: &ScenarioError) -> Notice {
        Notice::Refused(context, e.to_string())
    }

    /// What the notice bar shows, in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            Notice::Error(text) | Notice::Info(text) => text.clone(),
            Notice::Refused(context, why) => format!("{}: {why}", t(lang, *context)),
        }
    }
}

/// What the page knows of the runs after the handle's last command.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SimStatus {
    /// The virtual time (compare mode: the left side's).
    pub now: SimTime,
    pub finished: bool,
    /// A seek or replay is still catching up (either side).
    pub busy: bool,
    /// `Runner::generation` of the run and of compare mode's right side
    /// (0 without one): they move when a scenario changes.
    pub generation: u32,
    pub twin_generation: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct UiState {
    /// The runs as the handle last reported them.
    pub sim: SimStatus,
    pub playing: bool,
    pub speed_log: f64,
    /// Bumped whenever what the panels draw may have changed (the handle
    /// ran a command, or a lesson asked for a redraw): components that draw
    /// from the runner take it as a prop.
    pub frame: u64,
    /// The wall-clock time of the last animation frame while playing.
    pub last_wall_ms: Option<f64>,
    pub selected: Option<Selected>,
    /// Partition mode: which brokers the user put in group A.
    pub partition: Option<Vec<bool>>,
    pub notice: Option<Notice>,
    /// Bumped whenever a notice is given (even the same one again): the
    /// notice bar then scrolls into view.
    pub notice_seq: u32,
    /// The message whose life is shown.
    pub message: Option<u32>,
}

/// Which command the simulation handle ran, for what the page does after
/// it (a step pauses, a load clears the selection, …).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Did {
    /// An animation frame at this wall-clock time (ms).
    Tick(f64),
    Step,
    Back,
    Seek,
    RunToEnd,
    SetSeed,
    Inject,
    RemoveFault,
    /// A new scenario (preset, import, configuration, link) from time zero.
    Load,
    /// Compare mode: both sides anew, from time zero.
    LoadPair,
    /// Compare mode: one side's new settings, at the same moment.
    LoadSide,
    /// The partition the user picked was cut.
    Partition,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    TogglePlay,
    /// Play (or pause) whatever the state: a lesson drives the page with it.
    Play(bool),
    /// Nothing changes but the frame: the panels redraw (a lesson's pointers).
    Redraw,
    SetSpeed(f64),
    Select(Option<Selected>),
    /// Partition mode, for a cluster of this many brokers.
    PartitionStart(usize),
    PartitionToggle(u16),
    Notify(Option<Notice>),
    ShowMessage(Option<u32>),
    /// The simulation handle ran a command: the runs' status since, and
    /// the notice to show (a failure's reason, or a load's own notice).
    Ran {
        did: Did,
        status: SimStatus,
        notice: Option<Notice>,
    },
}

impl UiState {
    pub fn new(sim: SimStatus, notice: Option<Notice>) -> UiState {
        UiState {
            sim,
            playing: false,
            speed_log: 0.0,
            frame: 0,
            last_wall_ms: None,
            selected: None,
            partition: None,
            notice,
            notice_seq: 0,
            message: None,
        }
    }

    /// Whether animation frames are needed: playing, or catching up.
    pub fn animating(&self) -> bool {
        self.playing || self.sim.busy
    }
}

/// Where a frame at `wall_ms` plays to, from the virtual time `from`:
/// the wall time since the last frame (at most 100 ms, none on the first
/// frame) times the speed, and at least one microsecond. `None` when not
/// playing.
pub fn play_to(
    playing: bool,
    speed_log: f64,
    last_wall_ms: Option<f64>,
    wall_ms: f64,
    from: SimTime,
) -> Option<SimTime> {
    let dt_ms = last_wall_ms.map_or(0.0, |last| (wall_ms - last).clamp(0.0, 100.0));
    playing.then(|| {
        let us = (dt_ms * 1_000.0 * 10f64.powf(speed_log)).round() as u64;
        SimTime(from.as_us() + us.max(1))
    })
}

impl Reducible for UiState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        let notified = matches!(action, Action::Notify(Some(_)));
        match action {
            Action::TogglePlay => {
                next.playing = !next.playing && !next.sim.finished;
                next.last_wall_ms = None;
            }
            Action::Play(on) => {
                next.playing = on && !next.sim.finished;
                next.last_wall_ms = None;
            }
            Action::Redraw => next.frame += 1,
            Action::SetSpeed(log) => {
                next.speed_log = log.clamp(SPEED_MIN_LOG, SPEED_MAX_LOG);
            }
            Action::Select(selected) => next.selected = selected,
            Action::PartitionStart(brokers) => {
                next.partition = Some(vec![false; brokers]);
                next.selected = None;
            }
            Action::PartitionToggle(b) => {
                if let Some(slot) = next
                    .partition
                    .as_mut()
                    .and_then(|p| p.get_mut(usize::from(b)))
                {
                    *slot = !*slot;
                }
            }
            Action::Notify(notice) => {
                if notice.is_none() {
                    next.partition = None;
                }
                next.notice = notice;
            }
            Action::ShowMessage(id) => next.message = id,
            Action::Ran {
                did,
                status,
                notice,
            } => {
                next.frame += 1;
                next.sim = status;
                match did {
                    Did::Tick(wall_ms) => {
                        next.last_wall_ms = Some(wall_ms);
                        if status.finished && !status.busy {
                            next.playing = false;
                        }
                    }
                    Did::Step | Did::Back | Did::RunToEnd => next.playing = false,
                    Did::Inject => next.selected = None,
                    Did::Load => {
                        next.playing = false;
                        next.selected = None;
                        next.partition = None;
                        next.message = None;
                    }
                    Did::LoadPair => {
                        next.playing = false;
                        next.selected = None;
                        next.partition = None;
                    }
                    Did::Partition => next.partition = None,
                    Did::Seek | Did::SetSeed | Did::RemoveFault | Did::LoadSide => {}
                }
                // A load shows its own notice (or none); other commands
                // only a failure's.
                if matches!(did, Did::Load | Did::LoadPair) || notice.is_some() {
                    next.notice = notice;
                }
            }
        }
        if notified || (next.notice.is_some() && next.notice != self.notice) {
            next.notice_seq = next.notice_seq.wrapping_add(1);
        }
        Rc::new(next)
    }
}

/// The runs the page plays: the runner, and in compare mode the right
/// side, which follows it in time and faults (`compare::follow`). Every
/// command works the runners and returns the [`Action::Ran`] that tells
/// the reducer what happened; nothing here touches the UI state.
pub struct Sims {
    main: Rc<RefCell<Runner>>,
    twin: Option<Rc<RefCell<Runner>>>,
}

impl Sims {
    pub fn new(main: Runner, twin: Option<Runner>) -> Sims {
        Sims {
            main: Rc::new(RefCell::new(main)),
            twin: twin.map(|t| Rc::new(RefCell::new(t))),
        }
    }

    pub fn status(&self) -> SimStatus {
        let main = self.main.borrow();
        let twin = self.twin.as_ref().map(|t| t.borrow());
        SimStatus {
            now: main.now(),
            finished: main.is_finished(),
            busy: main.busy().is_some() || twin.as_ref().is_some_and(|t| t.busy().is_some()),
            generation: main.generation(),
            twin_generation: twin.as_ref().map_or(0, |t| t.generation()),
        }
    }

    /// After a command: the right side follows the left, then the status.
    fn ran(&self, did: Did, mut notice: Option<Notice>, clock: Clock) -> Action {
        if let Some(twin) = self.twin.as_ref() {
            let budget = if matches!(did, Did::Tick(_)) {
                FRAME_BUDGET_MS
            } else {
                SEEK_BUDGET_MS
            };
            let followed =
                crate::compare::follow(&self.main.borrow(), &mut twin.borrow_mut(), budget, clock);
            if let Err(e) = followed {
                notice = Some(Notice::from_error(Msg::RightSide, &e));
            }
        }
        Action::Ran {
            did,
            status: self.status(),
            notice,
        }
    }

    /// An animation frame at `wall_ms`: plays on (compare mode: from the
    /// side that is behind) or catches up, within the frame's budget.
    pub fn tick(
        &self,
        wall_ms: f64,
        playing: bool,
        speed_log: f64,
        last_wall_ms: Option<f64>,
        clock: Clock,
    ) -> Action {
        {
            let twin_now = self
                .twin
                .as_ref()
                .map(|t| t.borrow())
                .filter(|t| !t.is_finished())
                .map(|t| t.now());
            let mut runner = self.main.borrow_mut();
            let from = twin_now.map_or(runner.now(), |t| t.min(runner.now()));
            let to = play_to(playing, speed_log, last_wall_ms, wall_ms, from);
            let budget = if runner.busy().is_some() {
                CATCH_UP_BUDGET_MS
            } else {
                FRAME_BUDGET_MS
            };
            runner.work(to, budget, clock);
        }
        self.ran(Did::Tick(wall_ms), None, clock)
    }

    /// On to the next event (compare mode: either side's).
    pub fn step(&self, clock: Clock) -> Action {
        {
            let mut runner = self.main.borrow_mut();
            match self.twin.as_ref() {
                Some(twin) => crate::compare::step_both(
                    &mut runner,
                    &mut twin.borrow_mut(),
                    SEEK_BUDGET_MS,
                    clock,
                ),
                None => runner.step(),
            }
        }
        self.ran(Did::Step, None, clock)
    }

    /// Back to the previous event (compare mode: either side's).
    pub fn back(&self, clock: Clock) -> Action {
        {
            let mut runner = self.main.borrow_mut();
            match self.twin.as_ref() {
                Some(twin) => {
                    crate::compare::back_both(&mut runner, &twin.borrow(), SEEK_BUDGET_MS, clock)
                }
                None => {
                    runner.back();
                    runner.work(None, SEEK_BUDGET_MS, clock);
                }
            }
        }
        self.ran(Did::Back, None, clock)
    }

    pub fn seek(&self, t: SimTime, clock: Clock) -> Action {
        {
            let mut runner = self.main.borrow_mut();
            runner.seek(t);
            runner.work(None, SEEK_BUDGET_MS, clock);
        }
        self.ran(Did::Seek, None, clock)
    }

    pub fn run_to_end(&self, clock: Clock) -> Action {
        {
            let mut runner = self.main.borrow_mut();
            runner.seek(SimTime(u64::MAX / 4));
            runner.work(None, SEEK_BUDGET_MS, clock);
        }
        self.ran(Did::RunToEnd, None, clock)
    }

    pub fn set_seed(&self, seed: u64, clock: Clock) -> Action {
        let notice = {
            let mut runner = self.main.borrow_mut();
            let mut scenario = runner.scenario().clone();
            scenario.seed = seed;
            runner
                .replace(scenario, true)
                .err()
                .map(|e| Notice::from_error(Msg::CannotSetSeed, &e))
        };
        self.ran(Did::SetSeed, notice, clock)
    }

    /// A fault at the current moment (a click in the fault menu).
    pub fn inject(&self, fault: FaultSpec, clock: Clock) -> Action {
        let notice = {
            let mut runner = self.main.borrow_mut();
            match runner.inject(fault) {
                Ok(()) => {
                    runner.work(None, SEEK_BUDGET_MS, clock);
                    None
                }
                Err(e) => Some(Notice::from_error(Msg::CannotDo, &e)),
            }
        };
        self.ran(Did::Inject, notice, clock)
    }

    pub fn remove_fault(&self, index: usize, clock: Clock) -> Action {
        let notice = self
            .main
            .borrow_mut()
            .remove_fault(index)
            .err()
            .map(|e| Notice::from_error(Msg::CannotRemove, &e));
        self.ran(Did::RemoveFault, notice, clock)
    }

    /// A new scenario from time zero; `notice` is shown if it loads.
    pub fn load(&self, scenario: Scenario, notice: Option<Notice>, clock: Clock) -> Action {
        let notice = match self.main.borrow_mut().replace(scenario, false) {
            Ok(()) => notice,
            Err(e) => Some(Notice::from_error(Msg::CannotLoad, &e)),
        };
        self.ran(Did::Load, notice, clock)
    }

    /// Compare mode: both sides anew.
    pub fn load_pair(
        &self,
        pair: crate::compare::Pair,
        notice: Option<Notice>,
        clock: Clock,
    ) -> Action {
        let loaded = self
            .main
            .borrow_mut()
            .replace(pair.left, false)
            .and_then(|()| {
                self.twin
                    .as_ref()
                    .map_or(Ok(()), |t| t.borrow_mut().replace(pair.right, false))
            });
        let notice = match loaded {
            Ok(()) => notice,
            Err(e) => Some(Notice::from_error(Msg::CannotLoad, &e)),
        };
        self.ran(Did::LoadPair, notice, clock)
    }

    /// Compare mode: one side's new settings (`right`: the right side).
    pub fn load_side(&self, right: bool, scenario: Scenario, clock: Clock) -> Action {
        let loaded = match self.twin.as_ref().filter(|_| right) {
            Some(twin) => twin.borrow_mut().replace(scenario, true),
            None => self.main.borrow_mut().replace(scenario, true),
        };
        let notice = loaded
            .err()
            .map(|e| Notice::from_error(Msg::CannotLoad, &e));
        self.ran(Did::LoadSide, notice, clock)
    }

    /// Cuts the network between the brokers marked `true` and the others.
    /// A cut with a side empty is refused (partition mode stays on).
    pub fn partition(&self, lang: Lang, groups: &[bool], clock: Clock) -> Action {
        let all = self.main.borrow().broker_names();
        let names = |keep: bool| -> Vec<String> {
            groups
                .iter()
                .zip(&all)
                .filter(|(a, _)| **a == keep)
                .map(|(_, name)| name.clone())
                .collect()
        };
        let (a, b) = (names(true), names(false));
        if a.is_empty() || b.is_empty() {
            return Action::Notify(Some(Notice::Error(t(lang, Msg::PartitionNeedsBoth).into())));
        }
        let fault = FaultSpec {
            partition: Some(vec![a, b]),
            ..FaultSpec::default()
        };
        let notice = self
            .main
            .borrow_mut()
            .inject(fault)
            .err()
            .map(|e| Notice::from_error(Msg::CannotPartition, &e));
        self.ran(Did::Partition, notice, clock)
    }
}

/// What components reach through the context: the run they show (for
/// reading) and the commands that drive the runs. Equal to itself forever,
/// so the context never forces a redraw.
#[derive(Clone)]
pub struct SimHandle {
    /// The run this part of the page shows: the runner, or in compare
    /// mode's right half the right side's.
    pub runner: Rc<RefCell<Runner>>,
    sims: Rc<Sims>,
    dispatch: UseReducerDispatcher<UiState>,
}

impl PartialEq for SimHandle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.runner, &other.runner)
    }
}

impl SimHandle {
    pub fn new(sims: Rc<Sims>, dispatch: UseReducerDispatcher<UiState>) -> SimHandle {
        SimHandle {
            runner: sims.main.clone(),
            sims,
            dispatch,
        }
    }

    /// The same handle showing compare mode's right side.
    pub fn right_side(&self) -> SimHandle {
        SimHandle {
            runner: self.sims.twin.clone().unwrap_or(self.sims.main.clone()),
            ..self.clone()
        }
    }

    /// A UI action (no simulation work).
    pub fn send(&self, action: Action) {
        self.dispatch.dispatch(action);
    }

    pub fn tick(&self, wall_ms: f64, playing: bool, speed_log: f64, last_wall_ms: Option<f64>) {
        let clock = &crate::perf::now_ms;
        self.send(
            self.sims
                .tick(wall_ms, playing, speed_log, last_wall_ms, clock),
        );
    }

    pub fn step(&self) {
        self.send(self.sims.step(&crate::perf::now_ms));
    }

    pub fn back(&self) {
        self.send(self.sims.back(&crate::perf::now_ms));
    }

    pub fn seek(&self, t: SimTime) {
        self.send(self.sims.seek(t, &crate::perf::now_ms));
    }

    pub fn run_to_end(&self) {
        self.send(self.sims.run_to_end(&crate::perf::now_ms));
    }

    pub fn set_seed(&self, seed: u64) {
        self.send(self.sims.set_seed(seed, &crate::perf::now_ms));
    }

    pub fn inject(&self, fault: FaultSpec) {
        self.send(self.sims.inject(fault, &crate::perf::now_ms));
    }

    pub fn remove_fault(&self, index: usize) {
        self.send(self.sims.remove_fault(index, &crate::perf::now_ms));
    }

    pub fn load(&self, scenario: Scenario, notice: Option<Notice>) {
        self.send(self.sims.load(scenario, notice, &crate::perf::now_ms));
    }

    pub fn load_pair(&self, pair: crate::compare::Pair, notice: Option<Notice>) {
        self.send(self.sims.load_pair(pair, notice, &crate::perf::now_ms));
    }

    pub fn load_side(&self, right: bool, scenario: Scenario) {
        self.send(self.sims.load_side(right, scenario, &crate::perf::now_ms));
    }

    pub fn partition(&self, lang: Lang, groups: &[bool]) {
        self.send(self.sims.partition(lang, groups, &crate::perf::now_ms));
    }
}

/// The simulation handle, from the context the app provides.
#[hook]
pub fn use_sim() -> SimHandle {
    use_context::<SimHandle>().expect("the app provides a SimHandle context")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> Rc<UiState> {
        Rc::new(UiState::new(SimStatus::default(), None))
    }

    fn ran(did: Did, status: SimStatus, notice: Option<Notice>) -> Action {
        Action::Ran {
            did,
            status,
            notice,
        }
    }

    fn at(ms: u64) -> SimStatus {
        SimStatus {
            now: SimTime::from_ms(ms),
            ..SimStatus::default()
        }
    }

    fn no_clock() -> f64 {
        0.0
    }

    #[test]
    fn a_step_pauses_and_the_panels_redraw_at_the_new_moment() {
        let playing = state().reduce(Action::TogglePlay);
        assert!(playing.playing);
        assert_eq!(playing.frame, 0, "play alone draws nothing new");
        let stepped = playing.reduce(ran(Did::Step, at(5), None));
        assert!(!stepped.playing);
        assert_eq!(stepped.sim.now, SimTime::from_ms(5));
        assert_eq!(stepped.frame, 1);
    }

    #[test]
    fn frames_keep_their_wall_time_and_playing_stops_at_the_end() {
        let s = state().reduce(Action::Play(true));
        let s = s.reduce(ran(Did::Tick(100.0), at(1), None));
        assert_eq!((s.last_wall_ms, s.playing), (Some(100.0), true));
        let busy_end = SimStatus {
            finished: true,
            busy: true,
            ..at(9)
        };
        let s = s.reduce(ran(Did::Tick(116.0), busy_end, None));
        assert!(s.playing, "still catching up");
        let end = SimStatus {
            finished: true,
            ..at(9)
        };
        let s = s.reduce(ran(Did::Tick(132.0), end, None));
        assert!(!s.playing);
        assert!(!s.animating());
        // A finished run does not play again; playing forgets the wall time.
        let s = s.reduce(Action::TogglePlay);
        assert_eq!((s.playing, s.last_wall_ms), (false, None));
    }

    #[test]
    fn a_load_clears_what_belonged_to_the_old_run_and_shows_its_notice() {
        let s = state()
            .reduce(Action::Select(Some(Selected::Broker(1))))
            .reduce(Action::ShowMessage(Some(7)))
            .reduce(Action::PartitionStart(3));
        assert_eq!(s.partition, Some(vec![false; 3]));
        assert_eq!(s.selected, None, "partition mode closes the menu");
        let loaded = Notice::Info("loaded x.json".into());
        let s = s.reduce(ran(Did::Load, at(0), Some(loaded.clone())));
        assert_eq!((s.partition.clone(), s.message), (None, None));
        assert_eq!(s.notice, Some(loaded));
        assert_eq!(s.notice_seq, 1);
        // A load without a notice clears the old one.
        let s = s.reduce(ran(Did::Load, at(0), None));
        assert_eq!(s.notice, None);
    }

    #[test]
    fn a_failed_command_says_why_and_the_same_notice_again_scrolls_again() {
        let why = Notice::Error("cannot do it: faults: …".into());
        let s = state().reduce(Action::Select(Some(Selected::Client("p1".into()))));
        let s = s.reduce(ran(Did::Inject, at(3), Some(why.clone())));
        assert_eq!(
            (s.selected.clone(), s.notice.clone()),
            (None, Some(why.clone()))
        );
        assert_eq!(s.notice_seq, 1);
        // A command that succeeds leaves the notice alone.
        let s = s.reduce(ran(Did::Seek, at(1), None));
        assert_eq!((s.notice.clone(), s.notice_seq), (Some(why.clone()), 1));
        let s = s.reduce(Action::Notify(Some(why)));
        assert_eq!(s.notice_seq, 2);
    }

    #[test]
    fn partition_mode_toggles_brokers_and_ends_with_the_cut_or_a_dismissal() {
        let s = state()
            .reduce(Action::PartitionStart(3))
            .reduce(Action::PartitionToggle(1))
            .reduce(Action::PartitionToggle(7));
        assert_eq!(s.partition, Some(vec![false, true, false]));
        assert_eq!(s.reduce(ran(Did::Partition, at(2), None)).partition, None);
        let s = state().reduce(Action::PartitionStart(2));
        assert_eq!(s.reduce(Action::Notify(None)).partition, None);
    }

    #[test]
    fn the_speed_is_kept_within_the_slider() {
        assert_eq!(
            state().reduce(Action::SetSpeed(9.0)).speed_log,
            SPEED_MAX_LOG
        );
        assert_eq!(
            state().reduce(Action::SetSpeed(-9.0)).speed_log,
            SPEED_MIN_LOG
        );
    }

    #[test]
    fn a_frame_plays_its_wall_time_times_the_speed() {
        let from = SimTime::from_ms(1_000);
        assert_eq!(play_to(false, 0.0, Some(0.0), 16.0, from), None);
        // The first frame after play moves a microsecond.
        assert_eq!(
            play_to(true, 0.0, None, 16.0, from),
            Some(SimTime(1_000_001))
        );
        assert_eq!(
            play_to(true, 1.0, Some(100.0), 116.0, from),
            Some(SimTime::from_ms(1_160))
        );
        // A long gap (a hidden tab) counts as 100 ms at most.
        assert_eq!(
            play_to(true, 0.0, Some(0.0), 5_000.0, from),
            Some(SimTime::from_ms(1_100))
        );
    }

    #[test]
    fn the_runs_move_only_through_sims_commands() {
        let preset = brokersim::presets::get(DEFAULT_PRESET).unwrap().scenario();
        let sims = Sims::new(Runner::new(preset).unwrap(), None);
        let s = state();
        let s = s.reduce(sims.step(&no_clock));
        assert!(s.sim.now > SimTime::ZERO);
        assert_eq!(s.sim, sims.status());
        let s = s.reduce(sims.run_to_end(&no_clock));
        assert!(s.sim.busy || s.sim.finished);
        let late = FaultSpec {
            crash: Some("b2".into()),
            ..FaultSpec::default()
        };
        let before = sims.status().generation;
        let s = s.reduce(sims.inject(late, &no_clock));
        let Some(notice @ Notice::Refused(..)) = &s.notice else {
            panic!("a fault after the fault phase is refused: {:?}", s.notice)
        };
        let why = notice.text(Lang::En);
        assert!(why.starts_with("cannot do that"), "{why}");
        // The same notice on a Chinese page says what failed in Chinese
        // (the catalogue, not an English literal) and keeps the field.
        let zh = notice.text(Lang::Zh);
        assert!(zh.starts_with("无法执行: faults:"), "{zh}");
        assert_eq!(sims.status().generation, before, "the run is unchanged");
        // A cut with one side empty is refused before touching the run.
        assert_eq!(
            sims.partition(Lang::En, &[true, true, true], &no_clock),
            Action::Notify(Some(Notice::Error(
                t(Lang::En, Msg::PartitionNeedsBoth).into()
            )))
        );
    }
}
