//! The page's state and everything that can happen to it, as yew's
//! function_todomvc example does it: one `enum Action`, one reducer.
//!
//! The simulation itself lives in a shared `Runner` (see `runner.rs`); the
//! reducer drives it and bumps `frame` so the view redraws. Components reach
//! the runner through one `ContextProvider<SimHandle>` whose value never
//! changes, so only their props decide when they redraw.

use std::cell::RefCell;
use std::rc::Rc;

use brokersim::scenario::FaultSpec;
use brokersim::{Scenario, ScenarioError, SimTime};
use yew::prelude::*;

use crate::i18n::{Msg, t};
use crate::runner::Runner;

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
}

impl Notice {
    pub fn from_error(context: &str, e: &ScenarioError) -> Notice {
        Notice::Error(format!("{context}: {e}"))
    }
}

#[derive(Clone)]
pub struct UiState {
    pub runner: Rc<RefCell<Runner>>,
    pub playing: bool,
    pub speed_log: f64,
    /// Bumped on every change: the view redraws when it moves.
    pub frame: u64,
    /// Bumped only when something other than time moved (a click, a load);
    /// the slow panels redraw on it or every few frames.
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
    /// Compare mode's right side: it follows `runner` in time and faults
    /// (`compare::follow`); every action on `runner` moves both.
    pub twin: Option<Rc<RefCell<Runner>>>,
}

pub enum Action {
    /// An animation frame at this wall-clock time (ms).
    Tick(f64),
    TogglePlay,
    /// Play (or pause) whatever the state: a lesson drives the page with it.
    Play(bool),
    /// Nothing changes but the frame: the panels redraw (a lesson's pointers).
    Redraw,
    Step,
    Back,
    Seek(SimTime),
    RunToEnd,
    SetSpeed(f64),
    SetSeed(u64),
    Inject(FaultSpec),
    RemoveFault(usize),
    /// A new scenario (preset, import, configuration, link) from time zero.
    Load(Scenario, Option<Notice>),
    Select(Option<Selected>),
    PartitionStart,
    PartitionToggle(u16),
    PartitionApply,
    Notify(Option<Notice>),
    ShowMessage(Option<u32>),
    /// Compare mode: both sides anew, from time zero.
    LoadPair(Box<crate::compare::Pair>, Option<Notice>),
    /// Compare mode: one side's new settings (`true`: the right side), at
    /// the same moment.
    LoadSide(bool, Scenario),
}

impl UiState {
    pub fn new(runner: Runner, notice: Option<Notice>) -> UiState {
        UiState {
            runner: Rc::new(RefCell::new(runner)),
            playing: false,
            speed_log: 0.0,
            frame: 0,
            last_wall_ms: None,
            selected: None,
            partition: None,
            notice,
            notice_seq: 0,
            message: None,
            twin: None,
        }
    }

    /// Whether animation frames are needed: playing, or catching up.
    pub fn animating(&self) -> bool {
        self.playing
            || self.runner.borrow().busy().is_some()
            || self
                .twin
                .as_ref()
                .is_some_and(|t| t.borrow().busy().is_some())
    }
}

impl Reducible for UiState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        next.frame += 1;
        let notified = matches!(action, Action::Notify(Some(_)));
        let twin_budget_ms = if matches!(action, Action::Tick(_)) {
            FRAME_BUDGET_MS
        } else {
            SEEK_BUDGET_MS
        };
        // Compare mode plays both sides from the one that is behind.
        let twin_now = next
            .twin
            .as_ref()
            .map(|t| t.borrow())
            .filter(|t| !t.is_finished())
            .map(|t| t.now());
        {
            let mut runner = next.runner.borrow_mut();
            match action {
                Action::Tick(wall_ms) => {
                    let dt_ms = next
                        .last_wall_ms
                        .map_or(0.0, |last| (wall_ms - last).clamp(0.0, 100.0));
                    next.last_wall_ms = Some(wall_ms);
                    let play_to = next.playing.then(|| {
                        let us = (dt_ms * 1_000.0 * 10f64.powf(next.speed_log)).round() as u64;
                        let from = twin_now.map_or(runner.now(), |t| t.min(runner.now()));
                        SimTime(from.as_us() + us.max(1))
                    });
                    let budget = if runner.busy().is_some() {
                        CATCH_UP_BUDGET_MS
                    } else {
                        FRAME_BUDGET_MS
                    };
                    runner.work(play_to, budget, &crate::perf::now_ms);
                    if runner.is_finished() && runner.busy().is_none() {
                        next.playing = false;
                    }
                }
                Action::TogglePlay => {
                    next.playing = !next.playing && !runner.is_finished();
                    next.last_wall_ms = None;
                }
                Action::Play(on) => {
                    next.playing = on && !runner.is_finished();
                    next.last_wall_ms = None;
                }
                Action::Redraw => {}
                // In compare mode a step or a step back stops at either
                // side's events, not only the left's.
                Action::Step => {
                    next.playing = false;
                    match next.twin.as_ref() {
                        Some(twin) => crate::compare::step_both(
                            &mut runner,
                            &mut twin.borrow_mut(),
                            SEEK_BUDGET_MS,
                            &crate::perf::now_ms,
                        ),
                        None => runner.step(),
                    }
                }
                Action::Back => {
                    next.playing = false;
                    match next.twin.as_ref() {
                        Some(twin) => crate::compare::back_both(
                            &mut runner,
                            &twin.borrow(),
                            SEEK_BUDGET_MS,
                            &crate::perf::now_ms,
                        ),
                        None => {
                            runner.back();
                            runner.work(None, SEEK_BUDGET_MS, &crate::perf::now_ms);
                        }
                    }
                }
                Action::Seek(t) => {
                    runner.seek(t);
                    runner.work(None, SEEK_BUDGET_MS, &crate::perf::now_ms);
                }
                Action::RunToEnd => {
                    next.playing = false;
                    runner.seek(SimTime(u64::MAX / 4));
                    runner.work(None, SEEK_BUDGET_MS, &crate::perf::now_ms);
                }
                Action::SetSpeed(log) => {
                    next.speed_log = log.clamp(SPEED_MIN_LOG, SPEED_MAX_LOG);
                }
                Action::SetSeed(seed) => {
                    let mut scenario = runner.scenario().clone();
                    scenario.seed = seed;
                    if let Err(e) = runner.replace(scenario, true) {
                        next.notice = Some(Notice::from_error("seed", &e));
                    }
                }
                Action::Inject(fault) => {
                    next.selected = None;
                    match runner.inject(fault) {
                        Ok(()) => {
                            runner.work(None, SEEK_BUDGET_MS, &crate::perf::now_ms);
                        }
                        Err(e) => next.notice = Some(Notice::from_error(t(Msg::CannotDo), &e)),
                    }
                }
                Action::RemoveFault(index) => {
                    if let Err(e) = runner.remove_fault(index) {
                        next.notice = Some(Notice::from_error(t(Msg::CannotRemove), &e));
                    }
                }
                Action::Load(scenario, notice) => {
                    next.playing = false;
                    next.selected = None;
                    next.partition = None;
                    next.message = None;
                    match runner.replace(scenario, false) {
                        Ok(()) => next.notice = notice,
                        Err(e) => next.notice = Some(Notice::from_error(t(Msg::CannotLoad), &e)),
                    }
                }
                Action::Select(selected) => {
                    next.selected = selected;
                }
                Action::PartitionStart => {
                    let brokers = runner.sim().view().brokers.len();
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
                Action::PartitionApply => {
                    // A cut with a side empty stays in partition mode, saying why.
                    if let Some(groups) = next.partition.take() {
                        let all = runner.broker_names();
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
                            next.notice = Some(Notice::Error(t(Msg::PartitionNeedsBoth).into()));
                            next.partition = Some(groups);
                        } else {
                            let fault = FaultSpec {
                                partition: Some(vec![a, b]),
                                ..FaultSpec::default()
                            };
                            if let Err(e) = runner.inject(fault) {
                                next.notice = Some(Notice::from_error(t(Msg::CannotPartition), &e));
                            }
                        }
                    }
                }
                Action::Notify(notice) => {
                    if notice.is_none() {
                        next.partition = None;
                    }
                    next.notice = notice;
                }
                Action::ShowMessage(id) => next.message = id,
                Action::LoadPair(pair, notice) => {
                    next.playing = false;
                    next.selected = None;
                    next.partition = None;
                    let pair = *pair;
                    let loaded = runner.replace(pair.left, false).and_then(|()| {
                        next.twin
                            .as_ref()
                            .map_or(Ok(()), |t| t.borrow_mut().replace(pair.right, false))
                    });
                    next.notice = match loaded {
                        Ok(()) => notice,
                        Err(e) => Some(Notice::from_error("cannot load it", &e)),
                    };
                }
                Action::LoadSide(right, scenario) => {
                    let loaded = match next.twin.as_ref().filter(|_| right) {
                        Some(twin) => twin.borrow_mut().replace(scenario, true),
                        None => runner.replace(scenario, true),
                    };
                    if let Err(e) = loaded {
                        next.notice = Some(Notice::from_error("cannot load it", &e));
                    }
                }
            }
            if let Some(twin) = next.twin.as_ref() {
                let followed = crate::compare::follow(
                    &runner,
                    &mut twin.borrow_mut(),
                    twin_budget_ms,
                    &crate::perf::now_ms,
                );
                if let Err(e) = followed {
                    next.notice = Some(Notice::from_error("right side", &e));
                }
            }
        }
        if notified || (next.notice.is_some() && next.notice != self.notice) {
            next.notice_seq = next.notice_seq.wrapping_add(1);
        }
        Rc::new(next)
    }
}

/// What components reach through the context: the runner and a way to send
/// actions. Equal to itself forever, so the context never forces a redraw.
#[derive(Clone)]
pub struct SimHandle {
    pub runner: Rc<RefCell<Runner>>,
    pub dispatch: UseReducerDispatcher<UiState>,
}

impl PartialEq for SimHandle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.runner, &other.runner)
    }
}

/// The simulation handle, from the context the app provides.
#[hook]
pub fn use_sim() -> SimHandle {
    use_context::<SimHandle>().expect("the app provides a SimHandle context")
}
