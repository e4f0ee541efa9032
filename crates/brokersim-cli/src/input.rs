//! Where scenarios come from: a file or a built-in preset. Every failure here
//! is bad input (exit 2) with a message that names the file and, through
//! `ScenarioError`, the field.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use brokersim::Scenario;
use brokersim::scenario::MAX_INPUT_BYTES;

use crate::error::{CliError, CliResult};

/// Reads a scenario file's text. At most one byte more than the core accepts
/// is read, so pointing the CLI at a huge file (or `/dev/zero`) costs nothing.
pub fn read_text(path: &Path) -> CliResult<String> {
    let cannot =
        |e: std::io::Error| CliError::BadInput(format!("cannot read {}: {e}", path.display()));
    let file = File::open(path).map_err(cannot)?;
    let mut bytes = Vec::new();
    file.take(MAX_INPUT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(CliError::BadInput(format!(
            "{}: the scenario is larger than the limit of {MAX_INPUT_BYTES} bytes",
            path.display()
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        CliError::BadInput(format!(
            "cannot read {}: not UTF-8 text (invalid byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Reads, parses and validates a scenario file.
pub fn load_file(path: &Path) -> CliResult<Scenario> {
    let text = read_text(path)?;
    Scenario::from_json(&text).map_err(|e| CliError::BadInput(format!("{}: {e}", path.display())))
}

/// A built-in scenario by name; an unknown name lists the known ones.
pub fn load_preset(name: &str) -> CliResult<Scenario> {
    match brokersim::presets::get(name) {
        Some(preset) => Scenario::from_json(preset.json)
            .map_err(|e| CliError::BadInput(format!("preset {name}: {e}"))),
        None => Err(CliError::BadInput(format!(
            "unknown preset {name:?}; the known presets are: {}",
            brokersim::presets::names().join(", ")
        ))),
    }
}
