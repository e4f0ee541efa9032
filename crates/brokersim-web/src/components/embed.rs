//! "Copy embed code": the `<iframe>` snippet that shows the current
//! scenario (your actions included), the lesson, the language and the
//! options the page was opened with (`show`, `t`, `speed`, `autoplay`) in a
//! course page, with the embed mode's minimal chrome (`?embed=1`, see
//! `url_options.rs`). It is copied to the clipboard when the browser allows
//! it, and shown in a text box to copy by hand either way.

use yew::prelude::*;

use crate::i18n::{Msg, t, use_lang};
use crate::state::use_sim;
use crate::url_options::UrlOptions;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The page's options: the embedded copy keeps those it honours.
    pub options: UrlOptions,
}

/// The iframe snippet for a page at `base` (the address without query or
/// fragment).
pub fn snippet(base: &str, query: &str, fragment: &str, (width, height): (u32, u32)) -> String {
    format!(
        "<iframe src=\"{base}?{query}#{fragment}\" width=\"{width}\" height=\"{height}\" \
         style=\"border:0;max-width:100%\" loading=\"lazy\" title=\"brokersim\"></iframe>"
    )
}

/// The iframe's size for the simulator page.
pub const PAGE_SIZE: (u32, u32) = (960, 680);

#[cfg(target_arch = "wasm32")]
fn copy_to_clipboard(text: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let clipboard = js_sys::Reflect::get(&window, &"navigator".into())
        .and_then(|n| js_sys::Reflect::get(&n, &"clipboard".into()));
    if let Ok(clipboard) = clipboard
        && let Ok(write) = js_sys::Reflect::get(&clipboard, &"writeText".into())
        && let Ok(write) = wasm_bindgen::JsCast::dyn_into::<js_sys::Function>(write)
    {
        // A refused permission only rejects the promise: the box shows the code.
        let _ = write.call1(&clipboard, &text.into());
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn copy_to_clipboard(_text: &str) {}

#[component]
pub fn EmbedCode(props: &Props) -> Html {
    let lang = use_lang();
    let sim = use_sim();
    let code = use_state(|| None::<String>);
    let make = {
        let code = code.clone();
        let runner = sim.runner.clone();
        let options = props.options.clone();
        Callback::from(move |_: MouseEvent| {
            let href = crate::browser::href();
            let base = href.split(['?', '#']).next().unwrap_or_default().to_owned();
            let query = options.embed_query(lang);
            let text = snippet(
                &base,
                &query,
                &crate::share::encode(runner.borrow().scenario()),
                PAGE_SIZE,
            );
            copy_to_clipboard(&text);
            code.set(Some(text));
        })
    };
    let close = {
        let code = code.clone();
        Callback::from(move |_: MouseEvent| code.set(None))
    };
    html! {
        <>
            <button id="embed-code" onclick={make}>{ t(lang, Msg::EmbedCode) }</button>
            if let Some(text) = (*code).clone() {
                <div class="embed-code" role="dialog" aria-label={t(lang, Msg::EmbedCode)}>
                    <p>{ t(lang, Msg::EmbedHint) }</p>
                    <textarea id="embed-snippet" readonly=true rows="4" value={text} />
                    <button onclick={close}>{ t(lang, Msg::Close) }</button>
                </div>
            }
        </>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_snippet_is_an_iframe_of_the_embed_mode() {
        let s = super::snippet(
            "https://x.edu/sim/index.html",
            "embed=1&lang=zh",
            "s=abc",
            super::PAGE_SIZE,
        );
        assert!(
            s.starts_with("<iframe src=\"https://x.edu/sim/index.html?embed=1&lang=zh#s=abc\"")
        );
        assert!(s.ends_with("</iframe>"));
    }
}
