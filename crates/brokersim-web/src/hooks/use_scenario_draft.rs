//! The scenario a settings panel edits before it is applied: a copy of the
//! running scenario, taken again whenever the run is replaced (a preset, an
//! applied edit, a link), so the panel never shows a stale draft.

use brokersim::Scenario;
use yew::prelude::*;

use crate::i18n::Msg;
use crate::state::{Notice, use_sim};

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

/// The draft read back as a scenario file is, so an edit is checked just
/// like an imported file: the valid scenario, or the notice saying what is
/// wrong and where.
pub fn checked_draft(draft: &Scenario) -> Result<Scenario, Notice> {
    Scenario::from_json(&brokersim::json::to_string(draft))
        .map_err(|e| Notice::from_error(Msg::NotValid, &e))
}
