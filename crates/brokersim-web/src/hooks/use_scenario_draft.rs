//! The scenario a settings panel edits before it is applied: a copy of the
//! running scenario, taken again whenever the run is replaced (a preset, an
//! applied edit, a link), so the panel never shows a stale draft.

use brokersim::Scenario;
use yew::prelude::*;

use crate::state::use_sim;

/// `generation` is the runner's (`Runner::generation`): it moves whenever
/// the scenario it runs changes.
#[hook]
pub fn use_scenario_draft(generation: u32) -> UseStateHandle<Scenario> {
    let sim = use_sim();
    let draft = use_state(|| sim.runner.borrow().scenario().clone());
    {
        let draft = draft.clone();
        let runner = sim.runner.clone();
        use_effect_with(generation, move |_| {
            draft.set(runner.borrow().scenario().clone());
        });
    }
    draft
}
