//! What the address's query string asks of the page (the fragment keeps
//! the scenario, see `share.rs`):
//!
//! | option | meaning |
//! |---|---|
//! | `lang=zh` / `lang=en` | the language (else the browser's) |
//! | `lesson=NAME` | open a guided lesson (`lesson=` alone: the lesson index) |
//! | `preset=NAME` | start from a preset instead of the default |
//! | `embed=1` | minimal chrome for an iframe |
//! | `show=controls,cluster,numbers,charts,log,life,config,share` | the panels shown |
//! | `autoplay=1` | start playing at once |
//! | `t=MS` | start at this virtual time (ms) |
//! | `speed=X` | play at X times real time (0.01 to 100) |
//! | `compare=NAME` | compare mode: a ready-made comparison (`compare.rs`), or the fragment's `#c=` pair |
//!
//! Parsing is plain Rust (tested natively). A value it cannot use is never
//! fatal: the option takes its default (the default scenario, the default
//! panels, time zero, 1×) and `problems` says what was wrong, for the page's
//! notice (`problems_text`) or a script's error (`mount.rs`).

use crate::i18n::{Lang, Msg, t, tf};

/// The panels `show=` names.
pub const PANELS: [&str; 8] = [
    "controls", "cluster", "numbers", "charts", "log", "life", "config", "share",
];

/// The panels an embedded page shows unless `show=` says otherwise.
const EMBED_PANELS: [&str; 4] = ["controls", "cluster", "numbers", "log"];

#[derive(Clone, Debug, PartialEq)]
pub struct UrlOptions {
    pub lang: Option<String>,
    /// `Some("")`: the lesson index.
    pub lesson: Option<String>,
    pub preset: Option<String>,
    pub embed: bool,
    pub show: Vec<String>,
    pub autoplay: bool,
    pub start_ms: Option<u64>,
    /// log10 of the speed.
    pub speed_log: Option<f64>,
    /// Compare mode: a ready-made comparison's name (any value opens it).
    pub compare: Option<String>,
    /// Whether `show=` named at least one panel (else `show` is the default).
    pub show_given: bool,
    /// The options that could not be used, in the address's order.
    pub problems: Vec<UrlProblem>,
}

/// An option the page could not use; it took its default instead.
#[derive(Clone, Debug, PartialEq)]
pub enum UrlProblem {
    /// `lang=` names neither language.
    Lang(String),
    /// `preset=` names no preset.
    Preset(String),
    /// The names in `show=` that are no panel.
    Show(Vec<String>),
    /// `t=` is not a whole number of milliseconds.
    Time(String),
    /// `speed=` is not a number from 0.01 to 100.
    Speed(String),
}

impl UrlProblem {
    /// What is wrong, naming the option and the value, in `lang`.
    pub fn text_in(&self, lang: Lang) -> String {
        match self {
            UrlProblem::Lang(v) => tf(lang, Msg::BadLangOption, &[v]),
            UrlProblem::Preset(v) => {
                let names = brokersim::presets::NAMES.join(", ");
                tf(lang, Msg::BadPresetOption, &[v, &names])
            }
            UrlProblem::Show(bad) => {
                let bad = bad
                    .iter()
                    .map(|b| format!("\"{b}\""))
                    .collect::<Vec<_>>()
                    .join(", ");
                tf(lang, Msg::BadShowOption, &[&bad, &PANELS.join(",")])
            }
            UrlProblem::Time(v) => tf(lang, Msg::BadTimeOption, &[v]),
            UrlProblem::Speed(v) => tf(lang, Msg::BadSpeedOption, &[v]),
        }
    }
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A `speed=` value: a number (an `x` after it allowed) from 0.01 to 100.
fn speed(value: &str) -> Option<f64> {
    value
        .trim()
        .trim_end_matches(['x', '×'])
        .parse::<f64>()
        .ok()
        .filter(|s| (0.01..=100.0).contains(s))
}

fn truthy(v: &str) -> bool {
    !matches!(v, "0" | "false" | "no" | "off")
}

impl UrlOptions {
    /// Reads a query string (with or without its `?`).
    pub fn parse(query: &str) -> UrlOptions {
        let mut o = UrlOptions {
            lang: None,
            lesson: None,
            preset: None,
            embed: false,
            show: Vec::new(),
            autoplay: false,
            start_ms: None,
            speed_log: None,
            compare: None,
            show_given: false,
            problems: Vec::new(),
        };
        let mut show = None;
        for pair in query.trim_start_matches('?').split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = decode(value);
            match key {
                "lang" => {
                    let known = Lang::parse(&value).is_some();
                    if !known {
                        o.problems.push(UrlProblem::Lang(value.clone()));
                    }
                    o.lang = known.then_some(value);
                }
                "lesson" => o.lesson = Some(value),
                "preset" => {
                    let known = brokersim::presets::exists(&value);
                    if !known {
                        o.problems.push(UrlProblem::Preset(value.clone()));
                    }
                    o.preset = known.then_some(value);
                }
                "compare" => o.compare = Some(value),
                "embed" => o.embed = truthy(&value),
                "autoplay" => o.autoplay = truthy(&value),
                "t" => {
                    o.start_ms = value.trim().parse().ok();
                    if o.start_ms.is_none() {
                        o.problems.push(UrlProblem::Time(value));
                    }
                }
                "speed" => {
                    o.speed_log = speed(&value).map(f64::log10);
                    if o.speed_log.is_none() {
                        o.problems.push(UrlProblem::Speed(value));
                    }
                }
                "show" => {
                    let (known, unknown): (Vec<String>, Vec<String>) = value
                        .split(',')
                        .map(|p| p.trim().to_owned())
                        .partition(|p| PANELS.contains(&p.as_str()));
                    if !unknown.is_empty() {
                        o.problems.push(UrlProblem::Show(unknown));
                    }
                    show = Some(known).filter(|k| !k.is_empty());
                }
                _ => {}
            }
        }
        o.show_given = show.is_some();
        o.show = show.unwrap_or_else(|| {
            let all: &[&str] = if o.embed { &EMBED_PANELS } else { &PANELS };
            all.iter().map(|p| (*p).to_owned()).collect()
        });
        o
    }

    /// The page's notice for the options it could not use, if any, in `lang`.
    pub fn problems_text(&self, lang: Lang) -> Option<String> {
        (!self.problems.is_empty()).then(|| {
            let each = self
                .problems
                .iter()
                .map(|p| p.text_in(lang))
                .collect::<Vec<_>>()
                .join(t(lang, Msg::ProblemSeparator));
            tf(lang, Msg::UrlProblems, &[&each])
        })
    }

    /// The query of an embedded copy of this page: `embed=1`, the language
    /// it speaks now, the lesson, and the options it was opened with that
    /// an embedded page honours (`show`, `t`, `speed`, `autoplay`). The
    /// scenario travels in the fragment, so `preset` is not needed.
    pub fn embed_query(&self, lang: Lang) -> String {
        let mut query = format!("embed=1&lang={}", lang.code());
        if let Some(l) = self.lesson.as_deref().filter(|l| !l.is_empty()) {
            query.push_str(&format!("&lesson={l}"));
        }
        if self.show_given {
            query.push_str(&format!("&show={}", self.show.join(",")));
        }
        if let Some(ms) = self.start_ms {
            query.push_str(&format!("&t={ms}"));
        }
        if let Some(log) = self.speed_log {
            query.push_str(&format!("&speed={}", speed_text(log)));
        }
        if self.autoplay {
            query.push_str("&autoplay=1");
        }
        query
    }

    pub fn shows(&self, panel: &str) -> bool {
        self.show.iter().any(|p| p == panel)
    }
}

/// A speed (as log10) written back for a link: 2, 0.5, 1.995 (at most
/// four significant digits, no trailing zeros).
pub fn speed_text(log: f64) -> String {
    let speed = 10f64.powf(log);
    let decimals = (3 - speed.log10().floor() as i32).clamp(0, 6) as usize;
    let text = format!("{speed:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// The page's query string and the browser's language.
#[cfg(target_arch = "wasm32")]
pub fn from_page() -> (UrlOptions, Option<String>) {
    let window = web_sys::window();
    let query = window
        .as_ref()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    (UrlOptions::parse(&query), browser_lang())
}

/// The browser's preferred language (`navigator.language`).
#[cfg(target_arch = "wasm32")]
pub fn browser_lang() -> Option<String> {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &"navigator".into()).ok())
        .and_then(|n| js_sys::Reflect::get(&n, &"language".into()).ok())
        .and_then(|l| l.as_string())
}

#[cfg(not(target_arch = "wasm32"))]
pub fn browser_lang() -> Option<String> {
    None
}

#[cfg(not(target_arch = "wasm32"))]
pub fn from_page() -> (UrlOptions, Option<String>) {
    (UrlOptions::parse(""), None)
}

/// Sets (or with `None` removes) one query option in the address without
/// reloading, keeping the others and the fragment.
#[cfg(target_arch = "wasm32")]
pub fn set_query(key: &str, value: Option<&str>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let location = window.location();
    let query = location.search().unwrap_or_default();
    let mut pairs: Vec<String> = query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty() && p.split('=').next() != Some(key))
        .map(str::to_owned)
        .collect();
    if let Some(v) = value {
        pairs.push(format!("{key}={v}"));
    }
    let path = location.pathname().unwrap_or_default();
    let hash = location.hash().unwrap_or_default();
    let url = if pairs.is_empty() {
        format!("{path}{hash}")
    } else {
        format!("{path}?{}{hash}", pairs.join("&"))
    };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub fn set_query(_key: &str, _value: Option<&str>) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_option_and_ignores_what_it_cannot_read() {
        let o = UrlOptions::parse(
            "?embed=1&lang=zh&lesson=kafka-acks&show=cluster,log,bogus&autoplay=1&t=5000&speed=0.5",
        );
        assert!(o.embed && o.autoplay);
        assert_eq!(o.lang.as_deref(), Some("zh"));
        assert_eq!(o.lesson.as_deref(), Some("kafka-acks"));
        assert_eq!(o.show, vec!["cluster", "log"]);
        assert_eq!(o.start_ms, Some(5000));
        assert!((o.speed_log.unwrap() - 0.5f64.log10()).abs() < 1e-9);
        let plain = UrlOptions::parse("");
        assert!(!plain.embed && plain.shows("config") && plain.shows("share"));
        let embed = UrlOptions::parse("embed=1&t=abc&speed=-3");
        assert!(embed.shows("cluster") && !embed.shows("config"));
        assert_eq!((embed.start_ms, embed.speed_log), (None, None));
        assert_eq!(
            embed.problems,
            vec![
                UrlProblem::Time("abc".into()),
                UrlProblem::Speed("-3".into())
            ]
        );
        assert_eq!(decode("a%20b+c%zz"), "a b c%zz");
        assert_eq!(plain.compare, None);
        let compare = UrlOptions::parse("compare=kafka-acks&embed=1");
        assert_eq!(compare.compare.as_deref(), Some("kafka-acks"));
    }

    #[test]
    fn an_option_it_cannot_use_is_named_with_its_value_and_takes_its_default() {
        let o = UrlOptions::parse("?preset=nope&show=bogus&t=-5&speed=abc&lang=fr");
        assert_eq!(o.preset, None);
        assert_eq!(o.lang, None);
        assert_eq!(o.show, UrlOptions::parse("").show, "the default panels");
        assert!(!o.show_given);
        assert_eq!((o.start_ms, o.speed_log), (None, None));
        let text = o.problems_text(Lang::En).unwrap();
        for part in [
            "preset: no preset named \"nope\" (the presets: mirrored-master-crash,",
            "show: no panel named \"bogus\" (the panels: controls,cluster,numbers,charts,log,life,config,share)",
            "t: \"-5\" is not a time",
            "speed: \"abc\" is not a speed from 0.01 to 100",
            "lang: \"fr\" is neither",
        ] {
            assert!(text.contains(part), "{part} in {text}");
        }
        // Out of range is refused too, not clamped; a good option says nothing.
        assert_eq!(
            UrlOptions::parse("speed=500").problems,
            vec![UrlProblem::Speed("500".into())]
        );
        assert_eq!(
            UrlOptions::parse("t=abc").problems,
            vec![UrlProblem::Time("abc".into())]
        );
        let good = UrlOptions::parse("preset=kafka-seed&lang=zh&speed=2&t=0&show=cluster");
        assert!(good.problems.is_empty());
        assert_eq!(good.problems_text(Lang::En), None);
        assert_eq!(good.preset.as_deref(), Some("kafka-seed"));
        // Some panels known, some not: the known ones are shown.
        let some = UrlOptions::parse("show=cluster,log,nope");
        assert_eq!(some.show, vec!["cluster", "log"]);
        assert_eq!(some.problems, vec![UrlProblem::Show(vec!["nope".into()])]);
    }

    #[test]
    fn the_embed_query_keeps_the_options_the_page_honours() {
        let o = UrlOptions::parse("?preset=kafka-seed&lang=zh&speed=2");
        assert_eq!(o.embed_query(Lang::Zh), "embed=1&lang=zh&speed=2");
        let all = UrlOptions::parse(
            "lesson=split-brain&show=cluster,log&t=5000&speed=0.5x&autoplay=1&embed=1&lang=zh",
        );
        assert_eq!(
            all.embed_query(Lang::En),
            "embed=1&lang=en&lesson=split-brain&show=cluster,log&t=5000&speed=0.5&autoplay=1"
        );
        assert_eq!(
            UrlOptions::parse("").embed_query(Lang::En),
            "embed=1&lang=en"
        );
        for (speed, text) in [(2.0, "2"), (0.01, "0.01"), (100.0, "100"), (0.1, "0.1")] {
            assert_eq!(speed_text(f64::log10(speed)), text);
        }
        assert_eq!(speed_text(0.3), "1.995");
    }
}
