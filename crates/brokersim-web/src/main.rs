//! brokersim in the browser: a Yew app that drives the very same
//! deterministic `brokersim::Sim` as the CLI, compiled to wasm32.
//! `cargo xtask serve` builds and serves it.

// Natively (clippy, unit tests) nothing renders the app, so the page's code
// would all count as unused.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

mod api;
mod boot;
mod browser;
mod classify;
mod compare;
mod components;
mod files;
mod hooks;
mod i18n;
mod lesson_files;
mod mount;
mod perf;
mod preset_files;
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
    #[cfg(target_arch = "wasm32")]
    start();
    #[cfg(not(target_arch = "wasm32"))]
    dump_data_file();
}

/// Renders the page once what it opens with has arrived (`boot.rs`: the
/// default preset, the preset index, the named preset, the Chinese texts),
/// while `index.html` still says "Loading the simulator…". If the default
/// preset cannot be fetched, the page says so, naming the file.
#[cfg(target_arch = "wasm32")]
fn start() {
    // The page renders into #app; another page that imports the module only
    // for the JavaScript API (`api.rs`, e.g. `api.html`) has no #app and
    // gets nothing rendered into it.
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app"))
    else {
        return;
    };
    let (options, browser_lang) = url_options::from_page();
    let lang = i18n::initial_lang(options.lang.as_deref(), browser_lang.as_deref());
    files::spawn(async move {
        let shared = share::decode(&browser::fragment()).ok().flatten();
        match boot::prepare(&options, lang, shared.as_ref()).await {
            Ok(()) if options.compare.is_some() => {
                yew::Renderer::<components::compare_page::ComparePage>::with_root(root).render();
            }
            Ok(()) => {
                yew::Renderer::<components::app::App>::with_root(root).render();
            }
            Err(e) => {
                root.set_text_content(Some(&i18n::tf(lang, i18n::Msg::BootFailed, &[&e])));
                root.set_class_name("fatal");
            }
        }
    });
}

/// Natively the binary prints the data files the page fetches, from what
/// it compiles in, so `cargo xtask dist` writes them and none is a
/// hand-kept copy: `brokersim-web lang zh` prints `lang/zh.json` (both
/// catalogues' Chinese columns), `brokersim-web presets-index` prints
/// `presets/index.json`.
#[cfg(not(target_arch = "wasm32"))]
fn dump_data_file() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let json = match args.as_slice() {
        ["lang", code] => {
            i18n::Lang::parse(code).map(|l| serde_json::to_string(&i18n::lang_file(l)))
        }
        ["presets-index"] => Some(serde_json::to_string(&preset_files::index_of_embedded())),
        _ => None,
    };
    match json {
        Some(Ok(json)) => println!("{json}"),
        _ => {
            eprintln!("usage: brokersim-web lang en|zh | brokersim-web presets-index");
            std::process::exit(2);
        }
    }
}
