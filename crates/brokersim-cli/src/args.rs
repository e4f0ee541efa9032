//! The command line, declared with clap's derive API so that every command
//! and option documents itself in `--help`. Only the shape of the input lives
//! here; what each command does lives in its own module.

use std::path::PathBuf;

use brokersim::Lang;
use clap::{ArgGroup, Parser, Subcommand};

/// Run brokersim scenarios: simulated message-broker high availability and
/// disaster recovery, deterministic for a given scenario and seed.
///
/// Exit status: 0 when the command completed (a run that lost messages has
/// still completed), 2 for bad input (the reason is printed on stderr,
/// naming the field), 1 if the output could not be written.
#[derive(Debug, Parser)]
#[command(name = "brokersim", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Run(RunArgs),
    Validate(ValidateArgs),
    Presets(PresetsArgs),
    Bench(BenchArgs),
    Check(CheckArgs),
}

/// Run a scenario to the end and print what happened and the run report.
#[derive(Debug, clap::Args)]
#[command(group(ArgGroup::new("source").required(true).args(["file", "preset"])))]
pub struct RunArgs {
    /// Scenario file (JSON, `version: 1`).
    pub file: Option<PathBuf>,
    /// Run a built-in scenario instead of a file (see `brokersim presets`).
    #[arg(long, value_name = "NAME")]
    pub preset: Option<String>,
    /// Print only the run report, as one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    /// Use this seed instead of the scenario's own.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Write the full trace to FILE as JSON lines:
    /// `{"at_ms": …, "event": …, "text": "…"}`.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// Language of the events' sentences and the report's explanations
    /// (and of the trace file's `text`): en or zh (简体中文). Option names,
    /// report field names and the JSON report stay as they are.
    #[arg(long, value_name = "LANG", default_value = "en")]
    pub lang: Lang,
    /// After the run, print message N's copies instead of the summary:
    /// where each copy is (broker or shared store, in which role), what is
    /// in flight, what destroyed the last copy that went (the copies
    /// ledger); with --json, as one JSON object.
    #[arg(long, value_name = "N")]
    pub copies: Option<u32>,
}

/// Check a scenario file without running it.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Scenario file (JSON, `version: 1`).
    pub file: PathBuf,
}

/// List the built-in scenarios.
#[derive(Debug, clap::Args)]
pub struct PresetsArgs {
    /// Print `[{"name", "title", "description"}]` instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Time the reference benchmark scenario (5 brokers, mirrored queue, 1000
/// messages/s for 60 s, the master crashes at 20 s; best of 3 runs), then
/// the reference `check` search on one core (3 brokers, 10 s virtual,
/// 20 messages/s, fault schedules drawn as `check` draws them, on each
/// system): scenario runs per second per core.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Print one JSON object (`events_per_s`, `events`, …) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Shorten the fault phase to this many virtual ms (for quick tests).
    #[arg(long, hide = true, value_name = "MS")]
    pub virtual_ms: Option<u64>,
    /// Number of timed runs; the best is reported.
    #[arg(long, hide = true, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub runs: u32,
    /// Fault schedules per system in the `check` benchmark.
    #[arg(long, hide = true, default_value_t = 250, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub check_seeds: u64,
}

/// Search fault schedules for one that loses a confirmed message or breaks
/// an invariant, keeping the file's configuration; shrink it to a minimal
/// schedule and write it as a scenario that `brokersim run` replays.
///
/// Before reporting a counterexample, `check` replays it with no faults
/// (and no packet loss): if it still fails, the simulator is at fault, not
/// the configuration, and it says so.
///
/// Exit status: 1 when a counterexample was found, 0 when none was, 2 for
/// bad input, 3 when the counterexample fails without its faults too.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Scenario file whose configuration is checked (its faults are replaced).
    pub file: PathBuf,
    /// How many fault schedules to try (seeds 0, 1, …).
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub seeds: u64,
    /// Write the shrunk counterexample scenario here (default: stdout).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Fault kinds to draw from, comma-separated: crash (now and then two
    /// or three brokers at once), kill, stop, restart, pause, partition,
    /// heal, loss, delay, lose_disk, site_down, lose_site (default: all but
    /// lose_disk and the site kinds).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub faults: Vec<String>,
}
