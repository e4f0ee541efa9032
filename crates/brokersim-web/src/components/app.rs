//! The page: it owns the state, provides the simulation handle, runs the
//! animation loop and keeps the URL fragment in step with the scenario.

use yew::prelude::*;

use crate::components::charts::Charts;
use crate::components::cluster::Cluster;
use crate::components::config_panel::ConfigPanel;
use crate::components::controls::Controls;
use crate::components::event_log::EventLog;
use crate::components::fault_menu::FaultMenu;
use crate::components::message_life::MessageLife;
use crate::components::notice::NoticeBar;
use crate::components::numbers::Numbers;
use crate::components::share_panel::SharePanel;
use crate::hooks::{frame_started, use_animation_frames, use_keyboard};
use crate::runner::Runner;
use crate::state::{DEFAULT_PRESET, Notice, SimHandle, UiState};
use crate::{browser, perf, share};

/// The default scenario (always valid: the presets are tested).
pub fn default_scenario() -> brokersim::Scenario {
    brokersim::presets::get(DEFAULT_PRESET)
        .unwrap_or(&brokersim::presets::ALL[0])
        .scenario()
}

/// The scenario the URL asks for, or the default with a notice saying why.
fn initial_state() -> UiState {
    let (scenario, notice) = match share::decode(&browser::fragment()) {
        Ok(Some(scenario)) => (scenario, None),
        Ok(None) => (default_scenario(), None),
        Err(e) => (
            default_scenario(),
            Some(Notice::Error(format!(
                "This link could not be opened ({e}). Showing the default scenario instead."
            ))),
        ),
    };
    match Runner::new(scenario) {
        Ok(runner) => UiState::new(runner, notice),
        Err(e) => {
            let runner = Runner::new(default_scenario()).expect("the default preset is valid");
            UiState::new(
                runner,
                Some(Notice::Error(format!(
                    "This link could not be opened ({e}). Showing the default scenario instead."
                ))),
            )
        }
    }
}

#[component]
pub fn App() -> Html {
    let state = use_reducer(initial_state);
    let handle = use_memo((), {
        let runner = state.runner.clone();
        let dispatch = state.dispatcher();
        move |_| SimHandle { runner, dispatch }
    });
    use_animation_frames(state.animating(), state.dispatcher());
    use_keyboard(state.dispatcher());

    let generation = state.runner.borrow().generation();
    use_effect_with(generation, {
        let runner = state.runner.clone();
        move |_| browser::set_fragment(&share::encode(runner.borrow().scenario()))
    });
    use_effect_with((), |_| perf::mark("brokersim-first-render"));
    use_effect(|| {
        if let Some(started) = frame_started() {
            perf::record_frame(perf::now_ms() - started);
        }
    });

    // Panels that do not need every frame redraw ten times a second, each
    // on a different frame, so no one frame pays for all of them.
    let slow = |offset: u64| {
        if state.playing {
            (state.frame + offset) / 6
        } else {
            state.frame
        }
    };
    let title = state.runner.borrow().scenario().title.clone();
    html! {
        <ContextProvider<SimHandle> context={(*handle).clone()}>
            <header class="top">
                <h1>{ "brokersim" }</h1>
                <span class="scenario-title" id="scenario-title">{ title }</span>
            </header>
            <NoticeBar notice={state.notice.clone()} />
            <Controls frame={state.frame} playing={state.playing} speed_log={state.speed_log} />
            <main class="layout">
                <section class="stage" aria-label="cluster">
                    <Cluster frame={state.frame} selected={state.selected.clone()}
                        partition={state.partition.clone()} />
                    <FaultMenu frame={slow(1)} selected={state.selected.clone()}
                        partition={state.partition.clone()} />
                </section>
                <aside class="side">
                    <Numbers frame={slow(2)} />
                    <Charts frame={slow(3)} />
                </aside>
            </main>
            <section class="lower">
                <EventLog frame={slow(4)} />
                <MessageLife frame={slow(5)} message={state.message} />
            </section>
            <section class="lower">
                <ConfigPanel generation={generation} />
                <SharePanel generation={generation} />
            </section>
        </ContextProvider<SimHandle>>
    }
}
