//! Writing to stdout without `println!`, which panics when the reader has
//! gone away (`brokersim run … | head`). Commands build their text first and
//! hand it over in one piece.

use std::io::{ErrorKind, Write};

use crate::error::{CliError, CliResult};

/// Writes `text` to stdout. A closed pipe is not an error: the reader has
/// seen all it wanted.
pub fn print(text: &str) -> CliResult {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::Output(format!("cannot write to stdout: {e}"))),
    }
}

/// Finishes a `serde_json::to_string…(…)` call: turns its (for our plain
/// data, impossible) error into an output error.
pub fn encoded(result: serde_json::Result<String>) -> CliResult<String> {
    result.map_err(|e| CliError::Output(format!("cannot encode JSON: {e}")))
}

/// Like [`encoded`], with the final newline a JSON document on stdout ends with.
pub fn json_line(result: serde_json::Result<String>) -> CliResult<String> {
    encoded(result).map(|text| text + "\n")
}
