//! `brokersim`: the native driver of the simulator. It reads scenarios,
//! runs them with the core library and prints what happened; the core does
//! no I/O, so everything that touches files, the terminal or the clock is
//! here. See `brokersim --help` and README.md, "The command-line runner".

mod args;
mod bench;
mod check;
mod error;
mod input;
mod output;
mod presets;
mod run;
mod summary;
mod validate;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

fn main() -> ExitCode {
    // clap prints its own usage errors and exits with status 2.
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run(args) => run::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Presets(args) => presets::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Check(args) => return check::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}
