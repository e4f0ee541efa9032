//! The few places the page touches the browser beyond the DOM yew draws:
//! the URL fragment, file downloads, reading an imported file, waiting for
//! a paint (through `gloo-timers`). Natively
//! (for `cargo test` and clippy) they do nothing.

#[cfg(target_arch = "wasm32")]
mod imp {
    use wasm_bindgen::JsCast;

    /// The URL fragment without its `#`.
    pub fn fragment() -> String {
        web_sys::window()
            .and_then(|w| w.location().hash().ok())
            .map(|h| h.trim_start_matches('#').to_owned())
            .unwrap_or_default()
    }

    /// Replaces the fragment without adding a history entry or reloading.
    pub fn set_fragment(fragment: &str) {
        let Some(window) = web_sys::window() else {
            return;
        };
        if let Ok(history) = window.history() {
            let _ = history.replace_state_with_url(
                &wasm_bindgen::JsValue::NULL,
                "",
                Some(&format!("#{fragment}")),
            );
        }
    }

    /// Opens another address (a full page load).
    pub fn navigate(url: &str) {
        if let Some(w) = web_sys::window() {
            let _ = w.location().set_href(url);
        }
    }

    pub fn href() -> String {
        web_sys::window()
            .and_then(|w| w.location().href().ok())
            .unwrap_or_default()
    }

    /// Offers `text` as a file to save.
    pub fn download(name: &str, mime: &str, text: &str) {
        let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type(mime);
        let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
            return;
        };
        let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
            return;
        };
        let anchor = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.create_element("a").ok())
            .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok());
        if let Some(a) = anchor {
            a.set_href(&url);
            a.set_download(name);
            a.click();
        }
        let _ = web_sys::Url::revoke_object_url(&url);
    }

    /// Scrolls the page just enough to show `el` (as `scrollIntoView` with
    /// `block: 'nearest'`), if it is not already on screen. The focus stays
    /// where it is.
    pub fn bring_into_view(el: &web_sys::Element) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let height = window
            .inner_height()
            .ok()
            .and_then(|h| h.as_f64())
            .unwrap_or(0.0);
        let rect = el.get_bounding_client_rect();
        if rect.top() < 0.0 || rect.height() > height {
            el.scroll_into_view_with_bool(true);
        } else if rect.bottom() > height {
            el.scroll_into_view_with_bool(false);
        }
    }

    /// Reads a chosen file as text, then calls `done` with it (or a reason,
    /// in `lang`).
    pub fn read_file(
        lang: crate::i18n::Lang,
        file: web_sys::File,
        done: impl FnOnce(Result<String, String>) + 'static,
    ) {
        wasm_bindgen_futures::spawn_local(async move {
            let text = wasm_bindgen_futures::JsFuture::from(file.text()).await;
            done(match text {
                Ok(v) => v
                    .as_string()
                    .ok_or_else(|| crate::i18n::t(lang, crate::i18n::Msg::NotText).to_owned()),
                Err(_) => Err(crate::i18n::t(lang, crate::i18n::Msg::Unreadable).to_owned()),
            });
        });
    }

    /// Calls `f` once the browser has painted what is on screen now: after
    /// the next animation frame, in a task of its own (a `gloo-timers`
    /// timeout). A 200 ms timeout too, in case frames are not drawn, e.g. in
    /// a hidden tab.
    pub fn after_paint(f: impl FnOnce() + 'static) {
        use gloo_timers::callback::Timeout;
        use std::cell::Cell;
        use std::rc::Rc;
        use wasm_bindgen::closure::Closure;
        let Some(window) = web_sys::window() else {
            return f();
        };
        type Once = Rc<Cell<Option<Box<dyn FnOnce()>>>>;
        let once: Once = Rc::new(Cell::new(Some(Box::new(f))));
        let run = {
            let once = once.clone();
            move || {
                if let Some(f) = once.take() {
                    f();
                }
            }
        };
        let in_a_task = run.clone();
        // Never cancelled: `forget` lets each fire after its handle is gone.
        let frame = Closure::once_into_js(move || {
            Timeout::new(0, in_a_task).forget();
        });
        let _ = window.request_animation_frame(frame.unchecked_ref());
        Timeout::new(200, run).forget();
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    pub fn after_paint(f: impl FnOnce() + 'static) {
        f();
    }
    pub fn fragment() -> String {
        String::new()
    }
    pub fn set_fragment(_fragment: &str) {}
    pub fn navigate(_url: &str) {}
    pub fn href() -> String {
        String::new()
    }
    pub fn download(_name: &str, _mime: &str, _text: &str) {}
    pub fn bring_into_view(_el: &web_sys::Element) {}
    pub fn read_file(
        _lang: crate::i18n::Lang,
        _file: web_sys::File,
        _done: impl FnOnce(Result<String, String>) + 'static,
    ) {
    }
}

pub use imp::*;
