//! The share link: the whole scenario, user actions included, in the URL
//! fragment as `#s=` + base64url(deflate(JSON)). The fragment never reaches
//! a server, and opening the link replays the run exactly (same scenario,
//! same seed). Anything wrong with a link is a `ScenarioError` the page
//! shows, never a panic.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use brokersim::{Scenario, ScenarioError};

/// The fragment key of a shared scenario.
pub const KEY: &str = "s=";

/// Inflated links larger than the scenario limit are refused before parsing.
const MAX_JSON_BYTES: usize = brokersim::scenario::MAX_INPUT_BYTES;

pub fn encode(scenario: &Scenario) -> String {
    let json = brokersim::json::to_string(scenario);
    format!("{KEY}{}", pack(&json))
}

/// base64url(deflate(text)): the link encoding, also used by compare mode.
pub fn pack(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(text.as_bytes(), 9))
}

/// The text [`pack`] packed, or why a link's data cannot be read.
pub fn unpack(data: &str) -> Result<String, ScenarioError> {
    let bad = |what: &str| ScenarioError::new("", format!("the link is damaged: {what}"));
    let packed = URL_SAFE_NO_PAD
        .decode(data.trim_end_matches('='))
        .map_err(|_| bad("it is not base64url"))?;
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, MAX_JSON_BYTES)
        .map_err(|_| bad("it does not inflate (or inflates past 1 MiB)"))?;
    String::from_utf8(json).map_err(|_| bad("it is not UTF-8 text"))
}

/// Reads a fragment (without its `#`). `Ok(None)`: no scenario in it.
pub fn decode(fragment: &str) -> Result<Option<Scenario>, ScenarioError> {
    let Some(data) = fragment.strip_prefix(KEY) else {
        return Ok(None);
    };
    Scenario::from_json(&unpack(data)?).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scenario_round_trips_through_a_link() {
        for preset in brokersim::presets::ALL {
            let scenario = preset.scenario();
            let link = encode(&scenario);
            // Titles and descriptions in two languages are most of a
            // preset's link; still far below what browsers and servers take.
            assert!(link.len() < 2_500, "{}: {} chars", preset.name, link.len());
            assert_eq!(decode(&link).unwrap(), Some(scenario));
        }
    }

    #[test]
    fn a_bad_link_names_its_problem() {
        assert_eq!(decode("").unwrap(), None);
        assert!(decode("s=!!!").unwrap_err().message.contains("base64url"));
        assert!(decode("s=AAAA").unwrap_err().message.contains("inflate"));
        let bad = r#"{"version":1,"duration_ms":1000,"system":"activemq","brokers":2,"faults":[{"at_ms":1,"crash":"b9"}]}"#;
        let packed = miniz_oxide::deflate::compress_to_vec(bad.as_bytes(), 9);
        let err = decode(&format!("s={}", URL_SAFE_NO_PAD.encode(packed))).unwrap_err();
        assert_eq!(err.path, "faults[0].crash");
    }
}
