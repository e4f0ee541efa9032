//! `brokersim presets`: the built-in scenarios, each with the first sentence
//! of its description so a student can pick one without opening the JSON.

use std::fmt::Write;

use brokersim::Scenario;

use crate::args::PresetsArgs;
use crate::error::{CliError, CliResult};
use crate::output;

/// Total line width the text listing wraps to.
const LINE_WIDTH: usize = 80;
/// Names longer than this get the description on the next line.
const MAX_NAME_COLUMN: usize = 30;

pub fn run(args: &PresetsArgs) -> CliResult {
    let mut presets = Vec::new();
    for preset in brokersim::presets::ALL {
        // A preset that fails to parse is a repository bug; say so rather than panic.
        let scenario = Scenario::from_json(preset.json)
            .map_err(|e| CliError::BadInput(format!("preset {}: {e}", preset.name)))?;
        presets.push((preset.name, scenario));
    }
    let text = if args.json {
        json_listing(&presets)?
    } else {
        listing(&presets)
    };
    output::print(&text)
}

/// `[{"name", "title", "description"}]`, keys in that order (a
/// `serde_json::Value` object would sort them).
fn json_listing(presets: &[(&str, Scenario)]) -> CliResult<String> {
    let quote = |text: &str| output::encoded(serde_json::to_string(text));
    let mut items = Vec::new();
    for (name, scenario) in presets {
        items.push(format!(
            "  {{\n    \"name\": {},\n    \"title\": {},\n    \"description\": {}\n  }}",
            quote(name)?,
            quote(&scenario.title)?,
            quote(&scenario.description)?
        ));
    }
    if items.is_empty() {
        return Ok("[]\n".into());
    }
    Ok(format!("[\n{}\n]\n", items.join(",\n")))
}

fn listing(presets: &[(&str, Scenario)]) -> String {
    let name_width = presets
        .iter()
        .map(|(name, _)| name.len())
        .max()
        .unwrap_or(0);
    let column = if name_width <= MAX_NAME_COLUMN {
        name_width + 2
    } else {
        4
    };
    let mut out = String::new();
    for (name, scenario) in presets {
        let mut lines =
            wrap(first_sentence(&scenario.description), LINE_WIDTH - column).into_iter();
        if column > name.len() {
            let first = lines.next().unwrap_or_default();
            let _ = writeln!(out, "{}", format!("{name:<column$}{first}").trim_end());
        } else {
            let _ = writeln!(out, "{name}");
        }
        for line in lines {
            let _ = writeln!(out, "{:column$}{line}", "");
        }
    }
    out += "\nRun one with: brokersim run --preset NAME\n";
    out
}

/// Up to and including the first period followed by a space (or the end).
fn first_sentence(text: &str) -> &str {
    let text = text.trim();
    match text.find(". ") {
        Some(end) => &text[..=end],
        None => text,
    }
}

/// Greedy word wrap; a word longer than the width gets a line of its own.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_sentence_stops_at_the_first_full_stop() {
        assert_eq!(first_sentence("One (a.b). Two. Three"), "One (a.b).");
        assert_eq!(first_sentence("  Only one.  "), "Only one.");
    }

    #[test]
    fn wrap_keeps_lines_within_the_width() {
        let lines = wrap("aa bb cc dd ee", 5);
        assert_eq!(lines, ["aa bb", "cc dd", "ee"]);
        assert_eq!(wrap("abcdefgh x", 4), ["abcdefgh", "x"]);
    }
}
