//! Drives the simulation from `requestAnimationFrame` while it is playing
//! or catching up, and stops asking for frames when it is not, so an idle
//! page costs nothing.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use yew::prelude::*;

#[cfg(target_arch = "wasm32")]
use crate::state::Action;
use crate::state::UiState;

thread_local! {
    /// When the current frame's work began, for the frame statistics.
    static FRAME_START: Cell<Option<f64>> = const { Cell::new(None) };
}

/// Takes the start time of the frame being drawn, if a frame is being drawn.
pub fn frame_started() -> Option<f64> {
    FRAME_START.with(Cell::take)
}

#[hook]
pub fn use_animation_frames(active: bool, dispatch: UseReducerDispatcher<UiState>) {
    use_effect_with(active, move |active| {
        let stop = Rc::new(Cell::new(false));
        if *active {
            start(dispatch, stop.clone());
        }
        move || stop.set(true)
    });
}

#[cfg(target_arch = "wasm32")]
fn start(dispatch: UseReducerDispatcher<UiState>, stop: Rc<Cell<bool>>) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;

    type Slot = Rc<RefCell<Option<Closure<dyn FnMut(f64)>>>>;
    let slot: Slot = Rc::default();
    let again = slot.clone();
    let request = |slot: &Slot| {
        if let (Some(window), Some(f)) = (web_sys::window(), slot.borrow().as_ref()) {
            let _ = window.request_animation_frame(f.as_ref().unchecked_ref());
        }
    };
    *slot.borrow_mut() = Some(Closure::new(move |wall_ms: f64| {
        if stop.get() {
            // Drop the closure once this call has returned (it is running now).
            let slot = again.clone();
            wasm_bindgen_futures::spawn_local(async move {
                slot.borrow_mut().take();
            });
            return;
        }
        FRAME_START.with(|s| s.set(Some(crate::perf::now_ms())));
        dispatch.dispatch(Action::Tick(wall_ms));
        request(&again);
    }));
    request(&slot);
}

#[cfg(not(target_arch = "wasm32"))]
fn start(_dispatch: UseReducerDispatcher<UiState>, _stop: Rc<Cell<bool>>) {
    let _unused: Option<RefCell<()>> = None;
}
