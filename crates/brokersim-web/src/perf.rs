//! Wall-clock time and the frame statistics the performance test reads.
//!
//! Each animation frame's main-thread time (simulation work plus the
//! redraw) is pushed to `window.__brokersimFrames`, a plain array of
//! milliseconds the browser test turns into a p95.

/// Milliseconds from `performance.now()` (0 when not in a browser).
pub fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        thread_local! {
            // Looked up once: the simulation asks for the time several
            // times per slice of work.
            static PERFORMANCE: Option<web_sys::Performance> =
                web_sys::window().and_then(|w| w.performance());
        }
        PERFORMANCE.with(|p| p.as_ref().map_or(0.0, |p| p.now()))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0.0
    }
}

/// A named `performance.mark`, for the first-render figure.
pub fn mark(name: &str) {
    #[cfg(target_arch = "wasm32")]
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark(name);
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = name;
}

/// Frames kept for the statistics.
#[cfg(target_arch = "wasm32")]
const KEPT: u32 = 2_000;

/// Records how long one frame kept the main thread busy.
pub fn record_frame(ms: f64) {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsValue;
        let Some(window) = web_sys::window() else {
            return;
        };
        let key = JsValue::from_str("__brokersimFrames");
        let frames = match js_sys::Reflect::get(&window, &key) {
            // The very array (the test may replace it), not a copy of it.
            Ok(v) if js_sys::Array::is_array(&v) => wasm_bindgen::JsCast::unchecked_into(v),
            _ => {
                let a = js_sys::Array::new();
                let _ = js_sys::Reflect::set(&window, &key, &a);
                a
            }
        };
        if frames.length() >= KEPT {
            frames.shift();
        }
        frames.push(&JsValue::from_f64(ms));
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = ms;
}
