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
//! Parsing is plain Rust (tested natively); a value it cannot read is
//! ignored, never an error.

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
        };
        let mut show = None;
        for pair in query.trim_start_matches('?').split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = decode(value);
            match key {
                "lang" => o.lang = Some(value),
                "lesson" => o.lesson = Some(value),
                "preset" => o.preset = Some(value),
                "compare" => o.compare = Some(value),
                "embed" => o.embed = truthy(&value),
                "autoplay" => o.autoplay = truthy(&value),
                "t" => o.start_ms = value.trim().parse().ok(),
                "speed" => {
                    o.speed_log = value
                        .trim()
                        .trim_end_matches(['x', '×'])
                        .parse::<f64>()
                        .ok()
                        .filter(|s| *s > 0.0)
                        .map(|s| s.log10().clamp(-2.0, 2.0))
                }
                "show" => {
                    show = Some(
                        value
                            .split(',')
                            .map(|p| p.trim().to_owned())
                            .filter(|p| PANELS.contains(&p.as_str()))
                            .collect::<Vec<_>>(),
                    )
                }
                _ => {}
            }
        }
        o.show = show.unwrap_or_else(|| {
            let all: &[&str] = if o.embed { &EMBED_PANELS } else { &PANELS };
            all.iter().map(|p| (*p).to_owned()).collect()
        });
        o
    }

    pub fn shows(&self, panel: &str) -> bool {
        self.show.iter().any(|p| p == panel)
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
        assert_eq!(decode("a%20b+c%zz"), "a b c%zz");
        assert_eq!(plain.compare, None);
        let compare = UrlOptions::parse("compare=kafka-acks&embed=1");
        assert_eq!(compare.compare.as_deref(), Some("kafka-acks"));
    }
}
