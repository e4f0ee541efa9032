//! `brokersim validate`: parse and check a scenario without running it, for
//! authors editing a file and for scripts that gate on it (exit 0 or 2).

use crate::args::ValidateArgs;
use crate::error::{CliError, CliResult};
use crate::{input, output};

pub fn run(args: &ValidateArgs) -> CliResult {
    let scenario = input::load_file(&args.file)?;
    let config = scenario
        .validate()
        .map_err(|e| CliError::BadInput(format!("{}: {e}", args.file.display())))?;
    let title = if scenario.title.is_empty() {
        "(untitled scenario)"
    } else {
        &scenario.title
    };
    output::print(&format!(
        "ok: {title} ({}, {} brokers)\n",
        config.system.name(),
        config.broker_count
    ))
}
