//! Data the page fetches instead of carrying it in its download: the
//! presets (`presets/index.json`, `presets/NAME.json`), the lessons
//! (`lessons/NAME.json`) and the Chinese sentences (`lang/zh.json`), which `cargo xtask dist` writes beside the page's
//! module. Paths are relative to that module (`brokersim_web.js`), not to
//! the page that loaded it, so a course page elsewhere that imports the
//! module and calls `mount()` fetches from the simulator's folder too.
//!
//! Natively (the unit tests) the same files come from what the core
//! compiles in, so the code that reads them is the same.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen::prelude::*;

// A snippet is a module of its own that wasm-bindgen writes to
// `snippets/<crate>-<hash>/inline0.js` beside the glue, two folders below
// it: its `import.meta.url` says where the simulator's files are.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen(
    inline_js = "export function module_base() { return new URL('../../', import.meta.url).href; }"
)]
extern "C" {
    fn module_base() -> String;
}

/// The address of `path` beside the page's module.
#[cfg(target_arch = "wasm32")]
pub fn url(path: &str) -> String {
    format!("{}{path}", module_base())
}

/// The text of `path` (beside the module); the error names the file. The
/// request starts at the call, so several can be on their way at once.
#[cfg(target_arch = "wasm32")]
pub fn fetch_text(path: &str) -> impl std::future::Future<Output = Result<String, String>> + use<> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let path = path.to_owned();
    let request = web_sys::window().map(|w| w.fetch_with_str(&url(&path)));
    async move {
        let why = |e: JsValue| {
            format!(
                "{path}: {}",
                e.as_string().unwrap_or_else(|| format!("{e:?}"))
            )
        };
        let request = request.ok_or_else(|| format!("{path}: no window to fetch it from"))?;
        let response: web_sys::Response = JsFuture::from(request)
            .await
            .map_err(why)?
            .dyn_into()
            .map_err(why)?;
        if !response.ok() {
            return Err(format!("{path}: HTTP {}", response.status()));
        }
        let text = JsFuture::from(response.text().map_err(why)?)
            .await
            .map_err(why)?;
        text.as_string().ok_or_else(|| format!("{path}: not text"))
    }
}

/// Natively: the same files from what the core compiles in.
#[cfg(not(target_arch = "wasm32"))]
pub fn fetch_text(path: &str) -> std::future::Ready<Result<String, String>> {
    std::future::ready(embedded_text(path))
}

#[cfg(not(target_arch = "wasm32"))]
fn embedded_text(path: &str) -> Result<String, String> {
    let missing = || format!("{path}: no such file");
    let name = |folder: &str| {
        path.strip_prefix(folder)
            .and_then(|p| p.strip_suffix(".json"))
            .ok_or_else(missing)
    };
    if path == crate::preset_files::INDEX_PATH {
        return serde_json::to_string(&crate::preset_files::index_of_embedded())
            .map_err(|e| e.to_string());
    }
    if path.starts_with("presets/") {
        return brokersim::presets::get(name("presets/")?)
            .map(|p| p.json.to_owned())
            .ok_or_else(missing);
    }
    if path.starts_with("lessons/") {
        return brokersim::lessons::get(name("lessons/")?)
            .map(|f| f.json.to_owned())
            .ok_or_else(missing);
    }
    if path.starts_with("lang/") {
        let lang = brokersim::Lang::parse(name("lang/")?).ok_or_else(missing)?;
        return serde_json::to_string(&crate::i18n::lang_file(lang)).map_err(|e| e.to_string());
    }
    Err(missing())
}

/// Starts `f` without waiting for it (the page: after this render).
pub fn spawn(f: impl std::future::Future<Output = ()> + 'static) {
    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_futures::spawn_local(f);
    #[cfg(not(target_arch = "wasm32"))]
    drop(f);
}
