//! brokersim in the browser: a Yew app that drives the very same
//! deterministic `brokersim::Sim` as the CLI, compiled to wasm32.
//! `cargo xtask serve` builds and serves it.

// Natively (clippy, unit tests) nothing renders the app, so the page's code
// would all count as unused.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

mod api;
mod browser;
mod classify;
mod compare;
mod components;
mod hooks;
mod i18n;
mod lesson_files;
mod mount;
mod perf;
mod runner;
mod series;
mod settings_doc;
mod share;
mod state;
mod trace_store;
mod url_options;

fn main() {
    console_error_panic_hook::set_once();
    perf::mark("brokersim-start");
    // The page renders into #app; another page that imports the module only
    // for the JavaScript API (`api.rs`, e.g. `api.html`) has no #app and
    // gets nothing rendered into it.
    #[cfg(target_arch = "wasm32")]
    {
        let root = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("app"));
        let compare = url_options::from_page().0.compare.is_some();
        match root {
            Some(root) if compare => {
                yew::Renderer::<components::compare_page::ComparePage>::with_root(root).render();
            }
            Some(root) => {
                yew::Renderer::<components::app::App>::with_root(root).render();
            }
            None => {}
        }
    }
}
