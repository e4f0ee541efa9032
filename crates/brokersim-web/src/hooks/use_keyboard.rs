//! Keyboard shortcuts: space plays or pauses, → steps to the next event,
//! ← goes back one. Keys typed into a field, or space on a focused button
//! (which presses it), are left alone, except on the time controls' own
//! buttons: after clicking Step, space still plays rather than stepping
//! again. Keys outside `within` when it is given are left alone too (a
//! page mounted into a course page must not take its space bar).

use yew::prelude::*;

#[cfg(target_arch = "wasm32")]
use crate::state::Action;
use crate::state::SimHandle;

#[hook]
pub fn use_keyboard(sim: SimHandle, within: Option<NodeRef>) {
    use_effect_with((), move |_| {
        let listeners = listen(sim, within);
        move || {
            let _listeners = listeners;
        }
    });
}

/// A space bar on this element is the play/pause key, not a press: a button
/// of the time controls (`controls.rs`).
#[cfg(target_arch = "wasm32")]
fn control_button(target: Option<&web_sys::Element>) -> bool {
    target.is_some_and(|t| {
        t.tag_name().eq_ignore_ascii_case("button")
            && t.closest(".controls").ok().flatten().is_some()
    })
}

/// A key event's target element, if the event is the page's to handle:
/// `Some(None)` when it has no element target, `None` when `within` is
/// given and the target lies outside it (a host page's own keys).
#[cfg(target_arch = "wasm32")]
fn our_target(
    event: &web_sys::KeyboardEvent,
    within: &Option<NodeRef>,
) -> Option<Option<web_sys::Element>> {
    use wasm_bindgen::JsCast;
    let target = event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
    match within.as_ref().and_then(NodeRef::get) {
        Some(page)
            if !target
                .as_ref()
                .is_some_and(|t| page.contains(Some(t.as_ref()))) =>
        {
            None
        }
        _ => Some(target),
    }
}

#[cfg(target_arch = "wasm32")]
fn listen(sim: SimHandle, within: Option<NodeRef>) -> Option<[gloo_events::EventListener; 2]> {
    use wasm_bindgen::JsCast;
    let document = web_sys::window()?.document()?;
    // A button is pressed by a space bar's keyup (Firefox) or by its
    // keydown's default (Chromium): on the time controls, neither.
    let page = within.clone();
    let keyup = gloo_events::EventListener::new_with_options(
        &document,
        "keyup",
        gloo_events::EventListenerOptions::enable_prevent_default(),
        move |event| {
            let Some(event) = event.dyn_ref::<web_sys::KeyboardEvent>() else {
                return;
            };
            let Some(target) = our_target(event, &page) else {
                return;
            };
            if event.key() == " " && control_button(target.as_ref()) {
                event.prevent_default();
            }
        },
    );
    // Not passive (gloo's default): the space bar must not also scroll.
    let keydown = gloo_events::EventListener::new_with_options(
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
            let Some(target) = our_target(event, &within) else {
                return;
            };
            let tag = target
                .as_ref()
                .map(|e| e.tag_name().to_ascii_lowercase())
                .unwrap_or_default();
            if matches!(tag.as_str(), "input" | "textarea" | "select") {
                return;
            }
            let key = event.key();
            let play = key == " " && (tag != "button" || control_button(target.as_ref()));
            if !(play || key == "ArrowRight" || key == "ArrowLeft") {
                return;
            }
            event.prevent_default();
            match key.as_str() {
                "ArrowRight" => sim.step(),
                "ArrowLeft" => sim.back(),
                _ => sim.send(Action::TogglePlay),
            }
        },
    );
    Some([keydown, keyup])
}

#[cfg(not(target_arch = "wasm32"))]
fn listen(_sim: SimHandle, _within: Option<NodeRef>) -> Option<()> {
    None
}
