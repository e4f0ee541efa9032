//! Drives the simulation from `requestAnimationFrame` while it is playing
//! or catching up, and stops asking for frames when it is not, so an idle
//! page costs nothing. Each frame hands its wall-clock time to the
//! simulation handle (`SimHandle::tick`), which plays the runs on and
//! dispatches what happened to the reducer.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use yew::prelude::*;

use crate::state::{SimHandle, UiState};

thread_local! {
    /// When the current frame's work began, for the frame statistics.
    static FRAME_START: Cell<Option<f64>> = const { Cell::new(None) };
}

/// Takes the start time of the frame being drawn, if a frame is being drawn.
pub fn frame_started() -> Option<f64> {
    FRAME_START.with(Cell::take)
}

/// What a frame needs of the UI state: playing, the speed, the last
/// frame's wall time. Updated on every render, read by the next frame.
type Playback = Rc<RefCell<(bool, f64, Option<f64>)>>;

#[hook]
pub fn use_animation_frames(state: &UiState, sim: &SimHandle) {
    let playback: Playback = use_mut_ref(Default::default);
    *playback.borrow_mut() = (state.playing, state.speed_log, state.last_wall_ms);
    let sim = sim.clone();
    use_effect_with(state.animating(), move |active| {
        let stop = Rc::new(Cell::new(false));
        if *active {
            start(sim, playback, stop.clone());
        }
        move || stop.set(true)
    });
}

#[cfg(target_arch = "wasm32")]
fn start(sim: SimHandle, playback: Playback, stop: Rc<Cell<bool>>) {
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
        let (playing, speed_log, last_wall_ms) = *playback.borrow();
        sim.tick(wall_ms, playing, speed_log, last_wall_ms);
        request(&again);
    }));
    request(&slot);
}

#[cfg(not(target_arch = "wasm32"))]
fn start(_sim: SimHandle, _playback: Playback, _stop: Rc<Cell<bool>>) {}
