//! `brokersim run`: load a scenario, apply `--seed`, run it to the end, then
//! print the readable summary or the JSON report and optionally write the
//! full trace. The trace file is created before the run so that a bad path
//! is refused at once instead of after a long simulation.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use brokersim::{Lang, Sim};

use crate::args::RunArgs;
use crate::error::{CliError, CliResult};
use crate::{input, output, summary};

pub fn run(args: &RunArgs) -> CliResult {
    let mut scenario = match (&args.file, &args.preset) {
        (Some(path), _) => input::load_file(path)?,
        (None, Some(name)) => input::load_preset(name)?,
        // clap's ArgGroup requires exactly one of them.
        (None, None) => {
            return Err(CliError::BadInput(
                "give a scenario FILE or --preset NAME".into(),
            ));
        }
    };
    if let Some(seed) = args.seed {
        scenario.seed = seed;
    }
    let trace_file = match &args.trace {
        Some(path) => Some((path.as_path(), create(path)?)),
        None => None,
    };
    let mut sim = Sim::new(scenario).map_err(|e| CliError::BadInput(e.to_string()))?;
    let report = sim.run_to_end();
    if let Some((path, file)) = trace_file {
        write_trace(path, file, &sim, args.lang)?;
    }
    if let Some(n) = args.copies {
        let Some(copies) = sim.copies(brokersim::MsgId(n)) else {
            return Err(CliError::BadInput(format!(
                "--copies: message #{n} was never published ({} were)",
                report.published
            )));
        };
        let text = if args.json {
            output::json_line(serde_json::to_string_pretty(&copies))?
        } else {
            summary::copies(&sim, &copies, args.lang)
        };
        return output::print(&text);
    }
    let text = if args.json {
        output::json_line(serde_json::to_string_pretty(&report))?
    } else {
        summary::render(&sim, &report, args.lang)
    };
    output::print(&text)
}

fn create(path: &Path) -> CliResult<File> {
    File::create(path)
        .map_err(|e| CliError::BadInput(format!("cannot write {}: {e}", path.display())))
}

/// Writes the trace as JSON lines: `{"at_ms":…,"event":…,"text":"…"}`, one
/// object per event, streamed so a long trace never exists twice in memory.
/// The `text` is in `--lang`.
fn write_trace(path: &Path, file: File, sim: &Sim, lang: Lang) -> CliResult {
    let failed =
        |e: std::io::Error| CliError::Output(format!("cannot write {}: {e}", path.display()));
    let mut out = BufWriter::new(file);
    for entry in sim.trace() {
        write!(out, "{{\"at_ms\":{},\"event\":", entry.at.as_ms()).map_err(failed)?;
        // The event's ids are the engine's (`b4`); the text names them by
        // site (`dr-b1`).
        serde_json::to_writer(&mut out, &entry.event).map_err(|e| failed(e.into()))?;
        out.write_all(b",\"text\":").map_err(failed)?;
        let text = brokersim::voice::sentence(entry, sim.names(), lang);
        serde_json::to_writer(&mut out, &text).map_err(|e| failed(e.into()))?;
        out.write_all(b"}\n").map_err(failed)?;
    }
    out.flush().map_err(failed)
}
