//! `mount(elementId, options)`: the whole simulator page rendered into an
//! element of a course page that scripts it (issue 6, point 3), with its
//! options and scenario given by the call instead of the address.
//!
//! ```js
//! import init, { mount } from './brokersim_web.js';
//! await init({ module_or_path: './brokersim_web_bg.wasm' });
//! const page = await mount('sim', { scenario: { version: 1, … }, lang: 'zh', show: ['controls', 'cluster'] });
//! page.subscribe((e) => console.log(e.at_ms, e.text));
//! page.play();
//! page.fault({ crash: 'b1' });   // or { kill: 'b1' }
//! ```
//!
//! The options are the page's URL options (`url_options.rs`) as a JS object;
//! a mounted page leaves the host page's address alone. The returned
//! `MountedSimulator` drives what the student sees: the same actions as the
//! page's buttons, dispatched into its state.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use brokersim::scenario::FaultSpec;
use brokersim::{Lang, SimTime};
use wasm_bindgen::prelude::*;

use crate::api::{entry_to_js, js_error, scenario_from_js, to_js};
use crate::components::app::{App, AppProps, Mounted};
use crate::state::{Action, SimHandle};
use crate::url_options::UrlOptions;

/// The options `mount` reads besides `scenario`, as the URL names them.
const OPTIONS: [&str; 8] = [
    "lang", "lesson", "preset", "embed", "show", "autoplay", "t", "speed",
];

/// Renders the simulator page into the element with this id and resolves,
/// once it has rendered, to the `MountedSimulator` driving it. `options`
/// (optional): `scenario` (a plain object in the scenario file's format)
/// and the URL options `lang`, `lesson`, `preset`, `embed`, `show` (an
/// array or a comma-separated string), `autoplay`, `t`, `speed`. A bad
/// option rejects with an `Error` naming it, and nothing is rendered.
#[wasm_bindgen]
pub async fn mount(element_id: String, options: JsValue) -> Result<MountedSimulator, JsError> {
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(&element_id))
        .ok_or_else(|| js_error(format!("no element with id \"{element_id}\"")))?;
    let (options, scenario) = read_options(&options)?;
    // What the page opens with is fetched before it draws, as on the
    // simulator's own page (`boot.rs`).
    let lang = crate::i18n::initial_lang(
        options.lang.as_deref(),
        crate::url_options::browser_lang().as_deref(),
    );
    crate::boot::prepare(&options, lang, scenario.as_ref())
        .await
        .map_err(js_error)?;
    let bridge = Rc::new(Bridge::default());
    let rendered = js_sys::Promise::new(&mut |resolve, _| {
        *bridge.on_attach.borrow_mut() = Some(resolve);
    });
    let mounted = Mounted {
        options,
        scenario,
        bridge: bridge.clone(),
    };
    yew::Renderer::<App>::with_root_and_props(
        root,
        AppProps {
            mounted: Some(Rc::new(mounted)),
        },
    )
    .render();
    wasm_bindgen_futures::JsFuture::from(rendered)
        .await
        .map_err(|e| js_error(format!("the page did not render: {e:?}")))?;
    Ok(MountedSimulator { bridge })
}

/// What joins a mounted page to its `MountedSimulator`: the page's
/// simulation handle once it exists, and the script's subscribers.
#[derive(Default)]
pub struct Bridge {
    handle: RefCell<Option<SimHandle>>,
    on_attach: RefCell<Option<js_sys::Function>>,
    subscribers: RefCell<Vec<js_sys::Function>>,
    /// Trace entries already handed to the subscribers.
    notified: Cell<usize>,
    /// The page's language, as of its last render.
    lang: Cell<Lang>,
}

impl Bridge {
    /// Called by the page on its first render.
    pub fn attach(&self, handle: SimHandle) {
        *self.handle.borrow_mut() = Some(handle);
        if let Some(resolve) = self.on_attach.borrow_mut().take() {
            let _ = resolve.call0(&JsValue::NULL);
        }
    }

    /// Called by the page after each render: every subscriber gets the
    /// trace entries the page has reached since. After a jump back they
    /// hear again from there.
    pub fn notify(&self, lang: Lang) {
        self.lang.set(lang);
        let Some(handle) = self.handle.borrow().clone() else {
            return;
        };
        let subscribers = self.subscribers.borrow().clone();
        let runner = handle.runner.borrow();
        let len = runner.trace_len();
        let from = self.notified.get().min(len);
        self.notified.set(len);
        if subscribers.is_empty() {
            return;
        }
        for entry in runner.trace().iter(from..len) {
            let text = entry.text_in(lang, runner.sim().names());
            let Ok(value) = entry_to_js(entry.at(), &entry.event_json(), &text) else {
                continue;
            };
            for callback in &subscribers {
                // A subscriber that throws must not stop the page.
                if let Err(e) = callback.call1(&JsValue::NULL, &value) {
                    web_sys::console::error_2(&"brokersim: a subscriber threw".into(), &e);
                }
            }
        }
    }
}

/// The page a script mounted, driven as the student would drive it.
#[wasm_bindgen]
pub struct MountedSimulator {
    bridge: Rc<Bridge>,
}

impl MountedSimulator {
    fn handle(&self) -> SimHandle {
        // `mount` resolves only once the page has attached its handle.
        self.bridge
            .handle
            .borrow()
            .clone()
            .expect("a MountedSimulator exists only for a rendered page")
    }
}

#[wasm_bindgen]
impl MountedSimulator {
    /// Plays at the page's speed.
    pub fn play(&self) {
        self.handle().send(Action::Play(true));
    }

    pub fn pause(&self) {
        self.handle().send(Action::Play(false));
    }

    /// Moves to the next event.
    pub fn step(&self) {
        self.handle().step();
    }

    /// Jumps to this virtual time (ms), back or forward.
    pub fn seek(&self, ms: f64) -> Result<(), JsError> {
        if !(ms.is_finite() && ms >= 0.0) {
            return Err(js_error("seek: expected a time in ms, 0 or more"));
        }
        self.handle().seek(SimTime::from_ms(ms as u64));
        Ok(())
    }

    /// Applies a fault (`{crash: 'b1'}`, as in the scenario's `faults`
    /// without `at_ms`) at the page's current time, as a click would.
    pub fn fault(&self, fault: JsValue) -> Result<(), JsError> {
        let handle = self.handle();
        let fault = {
            let runner = handle.runner.borrow();
            checked_fault(runner.scenario(), runner.now(), fault)?
        };
        handle.inject(fault);
        Ok(())
    }

    /// Replaces the scenario (a plain object), from time 0.
    pub fn load(&self, scenario: JsValue) -> Result<(), JsError> {
        let scenario = scenario_from_js(scenario)?;
        let handle = self.handle();
        handle.load(scenario, None);
        Ok(())
    }

    /// Calls `callback({at_ms, event, text})` for each trace entry as the
    /// page reaches it (`text` in the page's language).
    pub fn subscribe(&self, callback: js_sys::Function) {
        self.bridge.subscribers.borrow_mut().push(callback);
    }

    /// The page's virtual time, in ms.
    pub fn now_ms(&self) -> f64 {
        self.handle().runner.borrow().now().as_us() as f64 / 1000.0
    }

    pub fn finished(&self) -> bool {
        self.handle().runner.borrow().is_finished()
    }

    /// The report so far, as `brokersim run --json` prints it.
    pub fn report(&self) -> Result<JsValue, JsError> {
        let handle = self.handle();
        let runner = handle.runner.borrow();
        to_js(&runner.report())
    }

    /// The scenario, the faults applied so far included.
    pub fn scenario(&self) -> Result<JsValue, JsError> {
        to_js(self.handle().runner.borrow().scenario())
    }
}

/// `fault` with the time it will have, checked against the scenario as
/// the page would append it, so a bad one throws instead of showing a
/// notice.
fn checked_fault(
    scenario: &brokersim::Scenario,
    now: SimTime,
    fault: JsValue,
) -> Result<FaultSpec, JsError> {
    let fault = crate::api::fault_from_js(fault, now)?;
    let mut with_it = scenario.clone();
    with_it.faults.push(fault.clone());
    with_it.validate().map_err(js_error)?;
    Ok(fault)
}

fn read_options(options: &JsValue) -> Result<(UrlOptions, Option<brokersim::Scenario>), JsError> {
    let mut scenario = None;
    let mut query = Vec::new();
    if !(options.is_undefined() || options.is_null()) {
        if !options.is_object() {
            return Err(js_error("options: expected an object"));
        }
        let entries = js_sys::Object::entries(&js_sys::Object::from(options.clone()));
        for entry in entries.iter() {
            let entry = js_sys::Array::from(&entry);
            let key = entry.get(0).as_string().unwrap_or_default();
            let value = entry.get(1);
            if key == "scenario" {
                scenario = Some(scenario_from_js(value)?);
            } else if OPTIONS.contains(&key.as_str()) {
                let text = option_text(&value).ok_or_else(|| {
                    js_error(format!("{key}: expected a string, number or boolean"))
                })?;
                query.push(format!(
                    "{key}={}",
                    String::from(js_sys::encode_uri_component(&text))
                ));
            } else {
                return Err(js_error(format!(
                    "{key}: unknown option; expected scenario, {}",
                    OPTIONS.join(", ")
                )));
            }
        }
    }
    let options = UrlOptions::parse(&query.join("&"));
    check(&options)?;
    Ok((options, scenario))
}

/// A JS option value as the URL would write it.
fn option_text(value: &JsValue) -> Option<String> {
    if let Some(b) = value.as_bool() {
        return Some(if b { "1" } else { "0" }.to_owned());
    }
    if let Some(n) = value.as_f64() {
        return Some(n.to_string());
    }
    if js_sys::Array::is_array(value) {
        let parts: Option<Vec<String>> = js_sys::Array::from(value)
            .iter()
            .map(|v| v.as_string())
            .collect();
        return parts.map(|p| p.join(","));
    }
    value.as_string()
}

/// The page falls back to a default for an option it cannot use (and
/// says so); a script is told, and nothing is rendered.
fn check(options: &UrlOptions) -> Result<(), JsError> {
    if let Some(problem) = options.problems.first() {
        return Err(js_error(problem.text_in(Lang::En)));
    }
    if let Some(name) = options.lesson.as_deref().filter(|l| !l.is_empty())
        && brokersim::lessons::preset_of(name).is_none()
    {
        return Err(js_error(format!("lesson: no lesson named \"{name}\"")));
    }
    Ok(())
}
