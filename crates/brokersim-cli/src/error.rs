//! The CLI's one error type. The exit status is part of the public interface
//! (README.md, "The command-line runner"): 2 for bad input, so scripts can tell a
//! refused scenario from a run that completed and lost messages (status 0).

use std::fmt;
use std::process::ExitCode;

#[derive(Debug)]
pub enum CliError {
    /// The user's input was refused: a file, a scenario, an option value.
    BadInput(String),
    /// Writing our own output failed (a full disk, a closed pipe).
    Output(String),
}

impl CliError {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            CliError::BadInput(_) => ExitCode::from(2),
            CliError::Output(_) => ExitCode::from(1),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::BadInput(message) | CliError::Output(message) => f.write_str(message),
        }
    }
}

pub type CliResult<T = ()> = Result<T, CliError>;
