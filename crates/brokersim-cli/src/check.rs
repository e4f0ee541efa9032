//! `brokersim check`: the counterexample search of `brokersim::search`,
//! spread over every core. Seeds are tried in rounds; a round's failures
//! are compared by seed, so the counterexample found does not depend on
//! how many cores there are or how threads were scheduled.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Mutex;
use std::thread;

use brokersim::search::{self, FaultKindChoice};
use brokersim::{Report, Scenario};

use crate::args::CheckArgs;
use crate::error::{CliError, CliResult};
use crate::input;

/// Seeds per round: large enough to keep every core busy.
const ROUND: u64 = 256;

/// What the search found.
enum Found {
    Nothing,
    /// A fault schedule that breaks the configuration.
    Counterexample,
    /// The shrunk counterexample fails without its faults too: the
    /// simulator is wrong, not the configuration.
    SimulatorBug,
}

pub fn run(args: &CheckArgs) -> ExitCode {
    match check(args) {
        Ok(Found::Counterexample) => ExitCode::from(1),
        Ok(Found::SimulatorBug) => ExitCode::from(3),
        Ok(Found::Nothing) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}

fn kinds(names: &[String]) -> CliResult<Vec<FaultKindChoice>> {
    if names.is_empty() {
        return Ok(FaultKindChoice::DEFAULT.to_vec());
    }
    names
        .iter()
        .map(|name| {
            FaultKindChoice::parse(name.trim()).ok_or_else(|| {
                CliError::BadInput(format!(
                    "--faults: unknown fault kind \"{name}\" (known: crash, kill, stop, restart, pause, partition, heal, loss, delay, lose_disk, site_down, lose_site)"
                ))
            })
        })
        .collect()
}

fn check(args: &CheckArgs) -> CliResult<Found> {
    let base = input::load_file(&args.file)?;
    let kinds = kinds(&args.faults)?;
    let cores = thread::available_parallelism().map_or(1, |n| n.get() as u64);
    let mut next = 0;
    while next < args.seeds {
        let end = (next + ROUND).min(args.seeds);
        if let Some((seed, scenario, report)) = round(&base, &kinds, next..end, cores) {
            eprintln!(
                "seed {seed} fails ({}); shrinking {} faults…",
                what_failed(&report),
                scenario.faults.len()
            );
            let (small, small_report) = search::shrink(&scenario, report);
            // Replayed without its faults first: a configuration is only
            // blamed for what its faults do.
            if let Some(calm) = search::fails_without_faults(&small) {
                eprintln!(
                    "the simulator is at fault, not the configuration: the same scenario with no faults at all fails too ({}). Please report it with this scenario:",
                    what_failed(&calm)
                );
                write_counterexample(args, &small, seed)?;
                return Ok(Found::SimulatorBug);
            }
            eprintln!(
                "counterexample: {} fault(s), {}",
                small.faults.len(),
                what_failed(&small_report)
            );
            write_counterexample(args, &small, seed)?;
            return Ok(Found::Counterexample);
        }
        next = end;
        eprintln!(
            "checked {next}/{} schedules: no counterexample yet",
            args.seeds
        );
    }
    eprintln!("no counterexample in {} schedules", args.seeds);
    Ok(Found::Nothing)
}

/// Runs one round of seeds on every core; the failure with the lowest seed.
fn round(
    base: &Scenario,
    kinds: &[FaultKindChoice],
    seeds: std::ops::Range<u64>,
    cores: u64,
) -> Option<(u64, Scenario, Report)> {
    let found: Mutex<Vec<(u64, Scenario, Report)>> = Mutex::new(Vec::new());
    thread::scope(|scope| {
        for worker in 0..cores {
            let found = &found;
            let seeds = seeds.clone();
            scope.spawn(move || {
                for seed in seeds.filter(|s| s % cores == worker) {
                    let scenario = search::with_drawn_faults(base, seed, kinds);
                    if let Some(report) = search::run(&scenario)
                        && search::fails(&report)
                    {
                        found
                            .lock()
                            .map(|mut f| f.push((seed, scenario, report)))
                            .ok();
                    }
                }
            });
        }
    });
    found
        .into_inner()
        .ok()?
        .into_iter()
        .min_by_key(|(seed, _, _)| *seed)
}

fn english(v: &brokersim::invariants::Violation) -> String {
    brokersim::voice::say(&brokersim::voice::violation(v), brokersim::Lang::En)
}

fn what_failed(report: &Report) -> String {
    match report.violations.first() {
        Some(v) if report.lost > 0 => format!(
            "{} confirmed message(s) lost; {}",
            report.lost,
            english(&v.violation)
        ),
        Some(v) => format!("{}: {}", v.property, english(&v.violation)),
        None => format!("{} confirmed message(s) lost", report.lost),
    }
}

fn write_counterexample(args: &CheckArgs, scenario: &Scenario, seed: u64) -> CliResult {
    let mut scenario = scenario.clone();
    scenario.title = format!("Counterexample (seed {seed}): {}", scenario.title)
        .trim_end_matches(": ")
        .to_string();
    let text = scenario.to_json_pretty() + "\n";
    match &args.out {
        Some(path) => {
            std::fs::write(path, text)
                .map_err(|e| CliError::Output(format!("cannot write {}: {e}", path.display())))?;
            eprintln!(
                "written to {}: replay it with `brokersim run {}`",
                path.display(),
                path.display()
            );
        }
        None => {
            std::io::stdout()
                .write_all(text.as_bytes())
                .map_err(|e| CliError::Output(format!("cannot write the counterexample: {e}")))?;
        }
    }
    Ok(())
}
