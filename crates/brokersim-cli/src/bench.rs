//! `brokersim bench`: the reference benchmark, timed with the wall clock,
//! then the reference `check` search (scenario runs per second on one core).
//! The clock lives here and only here: the core never reads one (docs/ARCHITECTURE.md,
//! "Determinism rules"), so timing is the driver's job.
//! The scenario is built in the CLI so the number stays comparable even if
//! the presets change.

use std::fmt::Write;
use std::time::{Duration, Instant};

use brokersim::search::{self, FaultKindChoice};
use brokersim::{Scenario, Sim};

use crate::args::BenchArgs;
use crate::error::{CliError, CliResult};
use crate::output;

/// The reference fault phase, and when in it the master crashes.
const REFERENCE_MS: u64 = 60_000;
const CRASH_AT_MS: u64 = 20_000;

/// The reference scenario: 5 brokers, a mirrored queue with 3 copies, 1000
/// messages/s, the master crashing a third of the way through.
fn scenario_json(duration_ms: u64) -> String {
    let crash_at = duration_ms / (REFERENCE_MS / CRASH_AT_MS);
    format!(
        r#"{{
  "version": 1,
  "title": "brokersim reference benchmark",
  "seed": 1,
  "duration_ms": {duration_ms},
  "system": "rabbitmq-mirrored",
  "brokers": 5,
  "settings": {{ "ha-mode": "exactly", "ha-params": 3, "net_ticktime": 10 }},
  "producers": [{{ "rate_per_s": 1000, "connect": ["b2"] }}],
  "consumers": [{{ "ack": "manual", "prefetch": 100, "process_ms": 0, "connect": ["b3"] }}],
  "faults": [{{ "at_ms": {crash_at}, "crash": "b1" }}]
}}"#
    )
}

/// The reference `check` search: 3 brokers, 10 s virtual, 20 messages/s, one
/// producer and one consumer, on each system in a safe configuration; the
/// fault schedules are the ones `brokersim check` draws for seeds 0, 1, ….
const CHECK_REFERENCE: &[(&str, &str)] = &[
    (
        "rabbitmq-mirrored",
        r#""settings": { "ha-mode": "all", "ha-promote-on-failure": "when-synced", "cluster_partition_handling": "pause_minority" }"#,
    ),
    ("rabbitmq-quorum", r#""settings": {}"#),
    (
        "activemq",
        r#""settings": {}, "producers": [{ "rate_per_s": 20, "connect": "failover:(tcp://b1:61616,tcp://b2:61616,tcp://b3:61616)" }], "consumers": [{ "connect": "failover:(tcp://b1:61616,tcp://b2:61616,tcp://b3:61616)" }]"#,
    ),
    (
        "kafka",
        r#""settings": { "replication.factor": 3, "min.insync.replicas": 2 }, "producers": [{ "rate_per_s": 20, "acks": "all" }]"#,
    ),
];

fn check_scenario(system: &str, extra: &str) -> CliResult<Scenario> {
    let mut json = format!(
        r#"{{"version": 1, "title": "brokersim reference check", "seed": 1, "duration_ms": 10000,
  "system": "{system}", "brokers": 3, {extra}"#
    );
    if !extra.contains("\"producers\"") {
        json.push_str(r#", "producers": [{ "rate_per_s": 20 }]"#);
    }
    if !extra.contains("\"consumers\"") {
        json.push_str(r#", "consumers": [{}]"#);
    }
    json.push('}');
    Scenario::from_json(&json)
        .map_err(|e| CliError::BadInput(format!("reference check scenario ({system}): {e}")))
}

/// Scenario runs per second of the reference search on one thread, per
/// system and over all of them.
struct CheckMeasure {
    per_system: Vec<(&'static str, f64)>,
    runs: u64,
    runs_per_s: f64,
}

fn measure_check(seeds: u64) -> CliResult<CheckMeasure> {
    let mut per_system = Vec::new();
    let mut total_wall = Duration::ZERO;
    let mut runs = 0;
    for (system, extra) in CHECK_REFERENCE {
        let base = check_scenario(system, extra)?;
        let start = Instant::now();
        for seed in 0..seeds {
            let scenario = search::with_drawn_faults(&base, seed, FaultKindChoice::DEFAULT);
            // Whatever the outcome: the search's cost is the run.
            let _ = search::run(&scenario);
        }
        let wall = start.elapsed();
        total_wall += wall;
        runs += seeds;
        per_system.push((*system, seeds as f64 / wall.as_secs_f64().max(1e-9)));
    }
    Ok(CheckMeasure {
        per_system,
        runs,
        runs_per_s: runs as f64 / total_wall.as_secs_f64().max(1e-9),
    })
}

/// What one timed run measured.
struct Measure {
    wall: Duration,
    events: u64,
    virtual_ms: u64,
    published: u64,
    trace_hash: String,
}

fn measure(scenario: &Scenario) -> CliResult<Measure> {
    let start = Instant::now();
    let mut sim = Sim::new(scenario.clone()).map_err(|e| CliError::BadInput(e.to_string()))?;
    let report = sim.run_to_end();
    let wall = start.elapsed();
    Ok(Measure {
        wall,
        events: sim.events_processed(),
        virtual_ms: sim.now().as_ms(),
        published: report.published,
        trace_hash: report.trace_hash,
    })
}

pub fn run(args: &BenchArgs) -> CliResult {
    let duration_ms = args.virtual_ms.unwrap_or(REFERENCE_MS);
    let scenario = Scenario::from_json(&scenario_json(duration_ms))
        .map_err(|e| CliError::BadInput(format!("--virtual-ms {duration_ms}: {e}")))?;
    let mut best: Option<Measure> = None;
    for _ in 0..args.runs {
        let m = measure(&scenario)?;
        if best.as_ref().is_none_or(|b| m.wall < b.wall) {
            best = Some(m);
        }
    }
    let Some(best) = best else {
        return Err(CliError::BadInput("--runs must be at least 1".into()));
    };
    // Guard against a zero reading on a coarse clock.
    let wall_s = best.wall.as_secs_f64().max(1e-9);
    let events_per_s = best.events as f64 / wall_s;
    let wall_ms = wall_s * 1_000.0;
    let virtual_s = best.virtual_ms as f64 / 1_000.0;
    let check = measure_check(args.check_seeds)?;
    let text = if args.json {
        let value = serde_json::json!({
            "events_per_s": events_per_s.round(),
            "events": best.events,
            "virtual_s": virtual_s,
            "wall_ms": (wall_ms * 1_000.0).round() / 1_000.0,
            "published": best.published,
            "runs": args.runs,
            "trace_hash": best.trace_hash,
            "check_runs_per_s_per_core": check.runs_per_s.round(),
            "check_runs": check.runs,
            "check_runs_per_s_by_system": check
                .per_system
                .iter()
                .map(|(system, rate)| (system.to_string(), serde_json::json!(rate.round())))
                .collect::<serde_json::Map<_, _>>(),
        });
        output::json_line(serde_json::to_string_pretty(&value))?
    } else {
        let mut out = String::new();
        let _ = writeln!(out, "brokersim bench: best of {} runs", args.runs);
        let _ = writeln!(out, "  events_per_s  {events_per_s:.0}");
        let _ = writeln!(out, "  events        {}", best.events);
        let _ = writeln!(out, "  virtual_s     {virtual_s:.3}");
        let _ = writeln!(out, "  wall_ms       {wall_ms:.3}");
        let _ = writeln!(out, "  published     {}", best.published);
        let _ = writeln!(out, "  trace_hash    {}", best.trace_hash);
        let _ = writeln!(
            out,
            "check reference search (3 brokers, 10 s virtual, 20 msg/s), one core, {} runs",
            check.runs
        );
        let _ = writeln!(out, "  runs_per_s_per_core  {:.0}", check.runs_per_s);
        for (system, rate) in &check.per_system {
            let _ = writeln!(out, "    {system:<19} {rate:.0}");
        }
        out
    };
    output::print(&text)
}
