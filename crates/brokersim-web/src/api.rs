//! The JavaScript API for course pages that script the simulator (issue 6,
//! point 3): the same module the page loads (`brokersim_web.js`) exports a
//! `Simulator` class driving a `brokersim::Sim`, taking and giving plain JS
//! objects. A bad scenario or fault is a JS `Error` whose message starts
//! with the field path (`producers[0].rate_per_s: …`), never a panic.
//!
//! ```js
//! import init, { Simulator } from './brokersim_web.js';
//! await init({ module_or_path: './brokersim_web_bg.wasm' });
//! await loadLanguage('zh'); // Chinese is fetched, not carried (`i18n::load`)
//! const sim = Simulator.load(scenario, { lang: 'zh' });
//! sim.subscribe((e) => console.log(e.at_ms, e.text));
//! sim.play_until(5000);
//! sim.fault({ crash: 'b1' });   // the host dies: nobody is told
//! sim.fault({ kill: 'b2' });    // the process dies: its connections close at once
//! sim.run_to_end();
//! console.log(sim.report().lost);
//! ```

use brokersim::scenario::FaultSpec;
use brokersim::{Lang, Scenario, Sim, SimTime, TraceEntry};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// A simulation a course page drives.
#[wasm_bindgen]
pub struct Simulator {
    scenario: Scenario,
    sim: Sim,
    lang: Lang,
    subscribers: Vec<js_sys::Function>,
    /// Trace entries already handed to the subscribers.
    notified: usize,
}

pub(crate) fn js_error(message: impl std::fmt::Display) -> JsError {
    JsError::new(&message.to_string())
}

/// A Rust value as a plain JS object (objects, not `Map`s; numbers, not
/// `BigInt`s), converted by `serde-wasm-bindgen` without a JSON round trip.
/// A whole number past 2^53 (a seed can be) is no JS number: such a value
/// goes through its JSON and `JSON.parse` instead, as it always did.
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .or_else(|_| parse_js(&brokersim::json::to_string(value)))
}

fn parse_js(json: &str) -> Result<JsValue, JsError> {
    js_sys::JSON::parse(json).map_err(|_| js_error("the simulator wrote JSON it cannot read"))
}

/// A JS value as JSON text (`JSON.stringify`), so unknown fields and wrong
/// types give the same messages as a scenario file.
fn from_js(value: &JsValue, what: &str) -> Result<String, JsError> {
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|text| text.as_string())
        .ok_or_else(|| js_error(format!("{what}: expected a plain object")))
}

/// A scenario given as a plain JS object, read as a scenario file is
/// (the same messages, with their field paths) and validated.
pub(crate) fn scenario_from_js(value: JsValue) -> Result<Scenario, JsError> {
    Scenario::from_json(&from_js(&value, "scenario")?).map_err(js_error)
}

/// A fault given as in a scenario's `faults`, at `now` unless it names its
/// own `at_ms`.
pub(crate) fn fault_from_js(fault: JsValue, now: SimTime) -> Result<FaultSpec, JsError> {
    let text = from_js(&fault, "fault")?;
    let mut json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| js_error(format!("fault: {e}")))?;
    match json.as_object_mut() {
        Some(map) => {
            map.entry("at_ms").or_insert_with(|| now.as_ms().into());
        }
        None => {
            return Err(js_error(
                "fault: expected an object like {kill: \"b1\"} or {crash: \"b1\"}",
            ));
        }
    }
    // Back to text: the fault is read by the same deserializer as a
    // scenario file's faults.
    serde_json::from_str(&brokersim::json::to_string(&json))
        .map_err(|e| js_error(format!("fault: {e}")))
}

/// One log entry as `subscribe` and `events` give it: `{at_ms, event,
/// text}`, `event` as the CLI's `--trace` JSON writes it.
pub(crate) fn entry_to_js(at: SimTime, event_json: &str, text: &str) -> Result<JsValue, JsError> {
    let at_ms = at.as_us() as f64 / 1000.0;
    parse_js(&format!(
        "{{\"at_ms\":{},\"event\":{event_json},\"text\":{}}}",
        brokersim::json::to_string(&at_ms),
        brokersim::json::to_string(text),
    ))
}

/// Fetches a language's sentences (`lang/<code>.json` beside the module)
/// so that `Simulator.load(…, {lang})` and `set_lang` can speak it; English
/// needs nothing. Rejects with an `Error` naming the file if it fails.
#[wasm_bindgen(js_name = loadLanguage)]
pub async fn load_language(code: String) -> Result<(), JsError> {
    let lang = Lang::parse(&code)
        .ok_or_else(|| js_error(format!("lang: \"{code}\" is neither \"en\" nor \"zh\"")))?;
    crate::i18n::load(lang).await.map_err(js_error)
}

fn parse_lang(code: &str) -> Result<Lang, JsError> {
    let lang = Lang::parse(code)
        .ok_or_else(|| js_error(format!("lang: \"{code}\" is neither \"en\" nor \"zh\"")))?;
    if !crate::i18n::installed(lang) {
        return Err(js_error(format!(
            "lang: the \"{code}\" sentences are not loaded: `await loadLanguage('{code}')` first"
        )));
    }
    Ok(lang)
}

fn lang_option(options: &JsValue) -> Result<Lang, JsError> {
    if options.is_undefined() || options.is_null() {
        return Ok(Lang::En);
    }
    let lang = js_sys::Reflect::get(options, &JsValue::from_str("lang")).unwrap_or_default();
    match lang.as_string() {
        None if lang.is_undefined() => Ok(Lang::En),
        Some(code) => parse_lang(&code),
        None => Err(js_error("lang: expected \"en\" or \"zh\"")),
    }
}

impl Simulator {
    fn entry(&self, entry: &TraceEntry) -> Result<JsValue, JsError> {
        // The event as the CLI's `--trace` JSON writes it.
        let event = brokersim::json::to_string(&entry.event);
        let text = brokersim::voice::sentence(entry, self.sim.names(), self.lang);
        entry_to_js(entry.at, &event, &text)
    }

    /// Calls every subscriber with each trace entry they have not seen.
    fn notify(&mut self) -> Result<(), JsError> {
        let len = self.sim.trace().len();
        self.notified = self.notified.min(len);
        if self.subscribers.is_empty() {
            self.notified = len;
            return Ok(());
        }
        while self.notified < len {
            let entry = self.entry(&self.sim.trace()[self.notified])?;
            self.notified += 1;
            for callback in &self.subscribers {
                callback
                    .call1(&JsValue::NULL, &entry)
                    .map_err(|e| js_error(format!("subscriber threw: {e:?}")))?;
            }
        }
        Ok(())
    }

    /// A fresh run of `scenario` up to `until` (and no further).
    fn rerun(scenario: &Scenario, until: SimTime) -> Result<Sim, JsError> {
        let mut sim = Sim::new(scenario.clone()).map_err(js_error)?;
        if until > SimTime::ZERO {
            sim.run_until(until);
        }
        Ok(sim)
    }
}

#[wasm_bindgen]
impl Simulator {
    /// Validates `scenario` (a plain object in the scenario file's format)
    /// and starts a run at time 0. `options.lang`: `"en"` (default) or
    /// `"zh"`, the language of the events' `text`.
    pub fn load(scenario: JsValue, options: JsValue) -> Result<Simulator, JsError> {
        let lang = lang_option(&options)?;
        let scenario = scenario_from_js(scenario)?;
        let sim = Sim::new(scenario.clone()).map_err(js_error)?;
        Ok(Simulator {
            scenario,
            sim,
            lang,
            subscribers: Vec::new(),
            notified: 0,
        })
    }

    /// The virtual time, in milliseconds.
    pub fn now_ms(&self) -> f64 {
        self.sim.now().as_us() as f64 / 1000.0
    }

    /// True once the run (fault phase and drain) is over.
    pub fn finished(&self) -> bool {
        self.sim.is_finished()
    }

    /// Plays every event up to `ms` (virtual milliseconds).
    pub fn play_until(&mut self, ms: f64) -> Result<(), JsError> {
        let t = SimTime::from_ms(ms.max(0.0) as u64);
        self.sim.run_until(t);
        self.notify()
    }

    /// Plays until the log gains one entry and returns it (`null` at the end).
    pub fn step(&mut self) -> Result<JsValue, JsError> {
        let before = self.sim.trace().len();
        self.sim.step();
        let result = match self.sim.trace().get(before) {
            Some(entry) => self.entry(entry)?,
            None => JsValue::NULL,
        };
        self.notify()?;
        Ok(result)
    }

    /// Plays to the end of the run (fault phase and drain); returns the report.
    pub fn run_to_end(&mut self) -> Result<JsValue, JsError> {
        self.sim.run_to_end();
        self.notify()?;
        self.report()
    }

    /// Moves to `ms`: forwards by playing on, backwards by running again
    /// from the start (the run is deterministic, so it is the same run).
    pub fn seek(&mut self, ms: f64) -> Result<(), JsError> {
        let t = SimTime::from_ms(ms.max(0.0) as u64);
        if t < self.sim.now() {
            self.sim = Simulator::rerun(&self.scenario, t)?;
            // Entries before `t` were seen already, or skipped over.
            self.notified = self.sim.trace().len();
            Ok(())
        } else {
            self.play_until(ms)
        }
    }

    /// Applies a fault given as in a scenario's `faults` (`{crash: "b1"}`,
    /// `{partition: [["b1"], ["b2", "b3"]]}`, …) at the current time (or at
    /// its own `at_ms`): it joins the scenario and the run is played again
    /// to now. A bad fault throws and changes nothing.
    pub fn fault(&mut self, fault: JsValue) -> Result<(), JsError> {
        let spec = fault_from_js(fault, self.sim.now())?;
        let mut scenario = self.scenario.clone();
        scenario.faults.push(spec);
        let sim = Simulator::rerun(&scenario, self.sim.now())?;
        self.scenario = scenario;
        self.sim = sim;
        self.notify()
    }

    /// The report so far (complete once `finished()`), as the CLI's
    /// `run --json` writes it.
    pub fn report(&self) -> Result<JsValue, JsError> {
        to_js(&self.sim.report())
    }

    /// The scenario as it is now (faults added by `fault()` included).
    pub fn scenario(&self) -> Result<JsValue, JsError> {
        to_js(&self.scenario)
    }

    /// The log from entry `from` on: `[{at_ms, event, text}]`.
    pub fn events(&self, from: usize) -> Result<js_sys::Array, JsError> {
        let out = js_sys::Array::new();
        for entry in self.sim.trace().iter().skip(from) {
            out.push(&self.entry(entry)?);
        }
        Ok(out)
    }

    /// How many entries the log has.
    pub fn event_count(&self) -> usize {
        self.sim.trace().len()
    }

    /// Calls `callback({at_ms, event, text})` for each new log entry as the
    /// run advances (from the next one on).
    pub fn subscribe(&mut self, callback: js_sys::Function) {
        if self.subscribers.is_empty() {
            self.notified = self.sim.trace().len();
        }
        self.subscribers.push(callback);
    }

    /// The language of the events' `text`: `"en"` or `"zh"`.
    pub fn set_lang(&mut self, lang: &str) -> Result<(), JsError> {
        self.lang = parse_lang(lang)?;
        Ok(())
    }
}
