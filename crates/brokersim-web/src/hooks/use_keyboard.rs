//! Keyboard shortcuts: space plays or pauses, → steps to the next event,
//! ← goes back one. Keys typed into a field, or space on a focused button
//! (which presses it), are left alone; so are keys outside `within` when it
//! is given (a page mounted into a course page must not take its space bar).

use yew::prelude::*;

#[cfg(target_arch = "wasm32")]
use crate::state::Action;
use crate::state::UiState;

#[hook]
pub fn use_keyboard(dispatch: UseReducerDispatcher<UiState>, within: Option<NodeRef>) {
    use_effect_with((), move |_| {
        let listener = listen(dispatch, within);
        move || {
            let _listener = listener;
        }
    });
}

#[cfg(target_arch = "wasm32")]
fn listen(
    dispatch: UseReducerDispatcher<UiState>,
    within: Option<NodeRef>,
) -> Option<gloo_events::EventListener> {
    use wasm_bindgen::JsCast;
    let document = web_sys::window()?.document()?;
    // Not passive (gloo's default): the space bar must not also scroll.
    Some(gloo_events::EventListener::new_with_options(
        &document,
        "keydown",
        gloo_events::EventListenerOptions::enable_prevent_default(),
        move |event| {
            let Some(event) = event.dyn_ref::<web_sys::KeyboardEvent>() else {
                return;
            };
            if event.ctrl_key() || event.meta_key() || event.alt_key() {
                return;
            }
            let target = event
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
            if let Some(within) = within.as_ref().and_then(NodeRef::get)
                && !target
                    .as_ref()
                    .is_some_and(|t| within.contains(Some(t.as_ref())))
            {
                return;
            }
            let tag = target
                .map(|e| e.tag_name().to_ascii_lowercase())
                .unwrap_or_default();
            if matches!(tag.as_str(), "input" | "textarea" | "select") {
                return;
            }
            let action = match event.key().as_str() {
                " " if tag != "button" => Action::TogglePlay,
                "ArrowRight" => Action::Step,
                "ArrowLeft" => Action::Back,
                _ => return,
            };
            event.prevent_default();
            dispatch.dispatch(action);
        },
    ))
}

#[cfg(not(target_arch = "wasm32"))]
fn listen(_dispatch: UseReducerDispatcher<UiState>, _within: Option<NodeRef>) -> Option<()> {
    None
}
