//! The project's command runner, reached as `cargo xtask …` (alias in
//! `.cargo/config.toml`). Every command runs from the workspace root.

mod bench;
mod calibrate;
mod cmd;
mod serve;
mod size;
mod test;
mod web;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::cmd::{Cmd, CmdError};

/// Preset run by `cargo xtask run` when none is given.
const DEFAULT_PRESET: &str = "mirrored-master-crash";

#[derive(Debug, Parser)]
#[command(
    name = "xtask",
    bin_name = "cargo xtask",
    about = "Project command runner: tests, the browser simulator, running presets, benchmarks",
    long_about = None,
)]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Run every check of the project (the one test command; CI runs it too)
    ///
    /// In order, stopping at the first failure: make sure the rustup target
    /// wasm32-unknown-unknown and the rustfmt/clippy components are installed
    /// (installing them if missing), `cargo fmt --all -- --check`,
    /// `cargo clippy --workspace --all-targets -- -D warnings` (and for the
    /// page on wasm32),
    /// `cargo test --workspace`,
    /// `cargo build -p brokersim --target wasm32-unknown-unknown`, the wasm
    /// tests (the golden trace hashes checked in wasm32, in Node, through
    /// wasm-bindgen-test-runner from .tools/wasm-bindgen), then the
    /// browser tests: `cargo xtask dist`, Debian chromium (apt-get, if
    /// /usr/bin/chromium is missing), `npm ci` in tests/browser, and
    /// `node --test tests/browser/*.test.js` against dist/ served on 127.0.0.1.
    Test,

    /// Build the browser simulator and serve it on 127.0.0.1 (port 8080, or a free one)
    ///
    /// Does what `dist` does, then serves dist/ until interrupted and prints
    /// the address to open.
    Serve,

    /// Build the browser simulator into dist/ (a static site, relative paths)
    ///
    /// Installs what is missing (the wasm32 target; wasm-bindgen-cli at the
    /// Cargo.lock version into .tools/wasm-bindgen; wasm-opt from npm's
    /// binaryen via `npm ci` in tests/browser), builds brokersim-web with the
    /// `release-wasm` profile, runs `wasm-bindgen --target web` and
    /// `wasm-opt -Oz`, and copies web/ beside the result.
    Dist,

    /// Run the command-line simulator on a preset scenario
    ///
    /// Runs `cargo run --release --quiet -p brokersim-cli -- run --preset
    /// <PRESET> [EXTRA]...`. Arguments after `--` go to the CLI unchanged,
    /// e.g. `cargo xtask run mirrored-master-crash -- --help`.
    Run {
        /// Name of the preset scenario to run
        #[arg(default_value = DEFAULT_PRESET)]
        preset: String,

        /// Extra arguments passed through to `brokersim-cli run`
        #[arg(last = true, value_name = "EXTRA")]
        extra: Vec<String>,
    },

    /// Run the benchmarks and print their figures beside their goals
    ///
    /// Runs `cargo run --release --quiet -p brokersim-cli -- bench --json`
    /// (engine events/s natively, `check` runs/s on one core), the same
    /// reference scenario in wasm32 in Node (`cargo test --release -p
    /// brokersim --target wasm32-unknown-unknown --test wasm_bench` through
    /// wasm-bindgen-test-runner from .tools/wasm-bindgen, installed if
    /// missing), then `cargo bench -p brokersim --bench engine`, and prints
    /// native and wasm events/s, their ratio and check runs/s per core.
    /// Speed never makes it fail.
    Bench,

    /// Print what the page downloads, what it is made of, and what the core alone weighs
    ///
    /// Runs `dist`, prints each wasm and JS file the page loads gzipped at
    /// level 9 beside issue 4's limit (250 KB) and goal (150 KB), the page's
    /// wasm broken down by the crate each function comes from (a build with
    /// names kept), and the gzip size of brokersim's `engine_floor` example:
    /// the part of the core the page cannot do without, built alone with the
    /// page's profile. A missed limit is reported, never a failure.
    Size,

    /// Measure the real RabbitMQ and ActiveMQ and compare the simulator (the calibration lab)
    ///
    /// Installs Debian's rabbitmq-server and activemq (apt-get, if missing)
    /// and a venv with pika and stomp.py in target/calibrate, starts a
    /// 3-node RabbitMQ cluster and ActiveMQ shared-store pairs there (on
    /// 127.0.0.1 only), kills them with signals, times what follows from
    /// their logs, writes the raw figures to calibration/measured/, the
    /// scenarios to calibration/scenarios/, runs them with the brokersim
    /// CLI and writes docs/calibration.md. Every process it starts is
    /// killed by PID when it ends, fails or is interrupted. Not part of
    /// `test`.
    Calibrate {
        /// One experiment (the --only one, else rabbitmq-kill-nodedown), one trial: under 5 minutes
        #[arg(long)]
        quick: bool,

        /// Trials of each experiment
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=20))]
        trials: u32,

        /// Run only this experiment (the others keep their recorded figures)
        #[arg(long, value_enum, value_name = "EXPERIMENT")]
        only: Option<calibrate::Experiment>,

        /// Start no broker: rerun the simulator on the committed measurements and rewrite docs/calibration.md
        #[arg(long, conflicts_with_all = ["quick", "only", "trials"])]
        report: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let is_test = matches!(cli.command, Task::Test);
    let result = match cli.command {
        Task::Test => test::run_all(),
        Task::Run { preset, extra } => run(&preset, &extra),
        Task::Bench => bench::run(),
        Task::Size => size::run(),
        Task::Serve => web::serve(),
        Task::Dist => web::dist().map(|_| ()),
        Task::Calibrate {
            quick,
            trials,
            only,
            report,
        } => calibrate::run(&calibrate::Options {
            quick,
            trials,
            only,
            report,
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // `test` has already reported which step failed.
            if !is_test {
                eprintln!("error: {err}");
            }
            ExitCode::from(err.exit_code())
        }
    }
}

/// `cargo xtask run`: the CLI on a preset.
fn run(preset: &str, extra: &[String]) -> Result<(), CmdError> {
    Cmd::brokersim_cli()
        .args(["run", "--preset"])
        .arg(preset)
        .args(extra)
        .run()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn calibrate_report_takes_no_measurement_options() {
        let cli = Cli::try_parse_from(["xtask", "calibrate", "--report"]).unwrap();
        assert!(matches!(cli.command, Task::Calibrate { report: true, .. }));
        assert!(Cli::try_parse_from(["xtask", "calibrate", "--report", "--quick"]).is_err());
        let cli =
            Cli::try_parse_from(["xtask", "calibrate", "--only", "quorum-leader-kill"]).unwrap();
        let Task::Calibrate { only, trials, .. } = cli.command else {
            panic!("expected calibrate");
        };
        assert_eq!(only, Some(calibrate::Experiment::QuorumLeaderKill));
        assert_eq!(trials, 3);
    }

    #[test]
    fn run_defaults_and_passes_extra_args_through() {
        let cli = Cli::try_parse_from(["xtask", "run"]).unwrap();
        let Task::Run { preset, extra } = cli.command else {
            panic!("expected run");
        };
        assert_eq!(preset, DEFAULT_PRESET);
        assert!(extra.is_empty());

        let cli = Cli::try_parse_from(["xtask", "run", "other", "--", "--seed", "7"]).unwrap();
        let Task::Run { preset, extra } = cli.command else {
            panic!("expected run");
        };
        assert_eq!(preset, "other");
        assert_eq!(extra, ["--seed", "7"]);
    }
}
