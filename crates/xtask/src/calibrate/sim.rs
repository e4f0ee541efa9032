//! The simulator's side: each experiment's scenario (same topology and
//! settings as the lab, the fault at the same moment and phase), written
//! to `calibration/scenarios/`, and its runs over a few seeds with the
//! `brokersim` CLI (`run FILE --json --seed N --trace FILE`), from which
//! the figure the experiment measures is read.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::experiments::{Experiment, MESSAGES};
use super::report::SimRun;
use crate::cmd::Cmd;

/// Seeds each scenario is run with.
pub const SEEDS: [u64; 5] = [1, 2, 3, 4, 5];

/// When the scenarios inject their fault.
pub const FAULT_AT_MS: u64 = 10_000;

/// The scenario for an experiment. For ActiveMQ `phase_ms` is how long
/// after one of the slave's lock polls the master is killed (the real
/// trial's phase); the simulated slave polls from time 0, so the kill is
/// put `phase_ms` after its poll at 20 s.
pub fn scenario(e: Experiment, phase_ms: Option<u64>) -> Value {
    match e {
        Experiment::RabbitmqKillNodedown => json!({
            "version": 1,
            "title": "Calibration: a RabbitMQ node is SIGKILLed",
            "description": "The lab's cluster: three RabbitMQ nodes, net_ticktime 10 s, no clients. b3's process is killed at 10 s (kill -9, the host lives); b1 and b2 declare it down. Measured: rabbit1 and rabbit2 log `node rabbit3@localhost down: connection_closed`.",
            "seed": 1,
            "duration_ms": 30_000,
            "system": "rabbitmq-mirrored",
            "release": "3.13",
            "brokers": 3,
            "settings": { "net_ticktime": 10 },
            "network": { "latency_ms": { "min": 1, "max": 1 } },
            "faults": [ { "at_ms": FAULT_AT_MS, "kill": "b3" } ]
        }),
        Experiment::RabbitmqStopNodedown => json!({
            "version": 1,
            "title": "Calibration: a RabbitMQ node is frozen (SIGSTOP)",
            "description": "The lab's cluster: three RabbitMQ nodes, net_ticktime 10 s, no clients. b3 is paused at 10 s for 20 s (SIGSTOP: alive but silent, its connections open); b1 and b2 declare it down when the distribution tick times out. Measured: rabbit1 and rabbit2 log `node rabbit3@localhost down: net_tick_timeout`.",
            "seed": 1,
            "duration_ms": 40_000,
            "system": "rabbitmq-mirrored",
            "release": "3.13",
            "brokers": 3,
            "settings": { "net_ticktime": 10 },
            "network": { "latency_ms": { "min": 1, "max": 1 } },
            "faults": [ { "at_ms": FAULT_AT_MS, "pause": "b3", "for_ms": 20_000 } ]
        }),
        Experiment::QuorumLeaderFreeze => {
            let mut s = scenario(Experiment::QuorumLeaderKill, None);
            s["title"] = json!("Calibration: a quorum queue's leader node is frozen for 20 s");
            s["description"] = json!(
                "As quorum-leader-kill, but b1 is paused (SIGSTOP) at 10 s for 20 s instead of killed; the consumer drains through b2 at 20 s, while b1 is still frozen. Measured: when a survivor's Ra member becomes leader, and how many confirmed messages are lost."
            );
            s["faults"] = json!([ { "at_ms": FAULT_AT_MS, "pause": "b1", "for_ms": 20_000 } ]);
            s
        }
        Experiment::QuorumLeaderKill => json!({
            "version": 1,
            "title": "Calibration: a quorum queue's leader node is SIGKILLed",
            "description": "The lab's cluster: three RabbitMQ nodes, net_ticktime 10 s, a quorum queue on all three led by b1. 500 persistent messages published with confirms through b1 before the fault; b1's process is killed at 10 s; a consumer drains the queue through b2 at 20 s. Measured: when a survivor's Ra member becomes leader, and how many confirmed messages are lost.",
            "seed": 1,
            "duration_ms": 40_000,
            "system": "rabbitmq-quorum",
            "release": "3.13",
            "brokers": 3,
            "settings": { "net_ticktime": 10, "x-quorum-initial-group-size": 3 },
            "network": { "latency_ms": { "min": 1, "max": 1 } },
            "producers": [ { "rate_per_s": 1000, "count": MESSAGES, "connect": "b1", "persistent": true, "confirms": true } ],
            "consumers": [ { "start_ms": 20_000, "ack": "manual", "prefetch": 100, "connect": ["b2", "b3"] } ],
            "faults": [ { "at_ms": FAULT_AT_MS, "kill": "b1" } ]
        }),
        Experiment::ActivemqMasterKill => {
            let at = 20_000 + phase_ms.unwrap_or(0);
            json!({
                "version": 1,
                "title": "Calibration: the ActiveMQ master is SIGKILLed",
                "description": format!("The lab's pair: two ActiveMQ brokers on one shared KahaDB, shared-file-locker, lockAcquireSleepInterval 10 s. 500 persistent messages sent to the master b1 before the fault; b1's process is killed {} ms after one of the slave's lock polls, as in the real trial; a consumer drains b2 30 s later. Measured: when b2 is master, and how many messages it delivers.", phase_ms.unwrap_or(0)),
                "seed": 1,
                "duration_ms": at + 40_000,
                "system": "activemq",
                "brokers": 2,
                "settings": { "lockAcquireSleepInterval": 10_000, "locker": "shared-file-locker" },
                "network": { "latency_ms": { "min": 1, "max": 1 } },
                "producers": [ { "rate_per_s": 1000, "count": MESSAGES, "connect": "b1", "persistent": true } ],
                "consumers": [ { "start_ms": at + 30_000, "ack": "manual", "connect": "failover:(tcp://b1:61616,tcp://b2:61616)?randomize=false" } ],
                "faults": [ { "at_ms": at, "kill": "b1" } ]
            })
        }
    }
}

/// The fault's time in a scenario.
fn fault_at_ms(scenario: &Value) -> f64 {
    scenario["faults"][0]["at_ms"]
        .as_f64()
        .expect("a scenario has its fault")
}

/// The figure an experiment measures, from one run's trace (JSON lines,
/// `{"at_ms", "event", "text"}`): the first matching event's time after
/// the fault.
pub fn figure_from_trace(e: Experiment, trace: &str, fault_at_ms: f64) -> Option<f64> {
    trace
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|entry| entry["at_ms"].as_f64().is_some_and(|t| t >= fault_at_ms))
        .find(|entry| is_measured_event(e, &entry["event"]))
        .and_then(|entry| entry["at_ms"].as_f64())
        .map(|t| t - fault_at_ms)
}

fn is_measured_event(e: Experiment, event: &Value) -> bool {
    // The trace's events are externally tagged: `{"DeclaredDown": {…}}`.
    match e {
        // A peer's failure detector (any of them) declares b3 down.
        Experiment::RabbitmqKillNodedown | Experiment::RabbitmqStopNodedown => {
            let down = &event["DeclaredDown"];
            down["target"] == "b3" && down["observer"] != "b3"
        }
        Experiment::QuorumLeaderKill | Experiment::QuorumLeaderFreeze => {
            let elected = &event["Quorum"]["LeaderElected"];
            elected.is_object() && elected["broker"] != "b1"
        }
        // The slave took the lock and loaded the store: it serves as master,
        // the state the real slave's "started" line announces.
        Experiment::ActivemqMasterKill => event["StoreLoaded"]["broker"] == "b2",
    }
}

/// Runs the scenario at `file` over [`SEEDS`].
pub fn run_seeds(
    brokersim: &Path,
    e: Experiment,
    file: &Path,
    work: &Path,
) -> Result<Vec<SimRun>, String> {
    let scenario: Value = serde_json::from_str(
        &std::fs::read_to_string(file).map_err(|err| format!("read {}: {err}", file.display()))?,
    )
    .map_err(|err| format!("{}: {err}", file.display()))?;
    let at = fault_at_ms(&scenario);
    let mut runs = Vec::new();
    for seed in SEEDS {
        let trace_file: PathBuf = work.join(format!("{}-{seed}.trace.jsonl", e.id()));
        let report = Cmd::new(brokersim)
            .arg("run")
            .arg(file)
            .args(["--json", "--seed", &seed.to_string(), "--trace"])
            .arg(&trace_file)
            .null_stdin()
            .read_stdout()
            .map_err(|err| err.to_string())?;
        let report: Value =
            serde_json::from_str(&report).map_err(|err| format!("brokersim's report: {err}"))?;
        let trace =
            std::fs::read_to_string(&trace_file).map_err(|err| format!("read the trace: {err}"))?;
        runs.push(SimRun {
            seed,
            time_ms: figure_from_trace(e, &trace, at),
            confirmed: report["confirmed"].as_u64().unwrap_or(0),
            lost: report["lost"].as_u64().unwrap_or(0),
        });
    }
    Ok(runs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_measured_event_is_the_first_matching_one_after_the_fault() {
        let trace = [
            r#"{"at_ms": 50.0, "event": {"Quorum": {"LeaderElected": {"broker": "b1", "term": 1}}}, "text": ""}"#,
            r#"{"at_ms": 10150.5, "event": {"DeclaredDown": {"observer": "b2", "target": "b1"}}, "text": ""}"#,
            r#"{"at_ms": 11400.0, "event": {"Quorum": {"LeaderElected": {"broker": "b3", "term": 2}}}, "text": ""}"#,
            r#"{"at_ms": 30000.0, "event": {"StoreLoaded": {"broker": "b2", "messages": 500}}, "text": ""}"#,
        ]
        .join("\n");
        assert_eq!(
            figure_from_trace(Experiment::QuorumLeaderKill, &trace, 10_000.0),
            Some(1400.0)
        );
        assert_eq!(
            figure_from_trace(Experiment::RabbitmqKillNodedown, &trace, 10_000.0),
            None
        );
        assert_eq!(
            figure_from_trace(Experiment::ActivemqMasterKill, &trace, 23_120.0),
            Some(6_880.0)
        );
    }

    #[test]
    fn the_activemq_kill_keeps_the_real_phase_after_a_slave_poll() {
        let s = scenario(Experiment::ActivemqMasterKill, Some(3_120));
        assert_eq!(s["faults"][0]["at_ms"], 23_120);
        assert_eq!(s["settings"]["lockAcquireSleepInterval"], 10_000);
        assert_eq!(s["producers"][0]["count"], MESSAGES);
    }

    #[test]
    fn rabbitmq_scenarios_use_the_lab_net_ticktime_and_kill_the_process() {
        for e in [
            Experiment::RabbitmqKillNodedown,
            Experiment::QuorumLeaderKill,
        ] {
            let s = scenario(e, None);
            assert_eq!(s["settings"]["net_ticktime"], 10);
            assert!(s["faults"][0]["kill"].is_string());
            assert_eq!(s["brokers"], 3);
        }
    }
}
