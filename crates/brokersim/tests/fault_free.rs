//! Fault-free runs lose nothing. Every system, with its default settings
//! and every kind of consumer (auto and manual ack; Kafka's
//! `auto.offset.reset` earliest and latest, with auto-commit (`ack: auto`)
//! and commitSync after every record (`ack: manual`)), over 200 seeds and
//! no faults at all: nothing is lost, duplicated or unexpected, and every
//! confirmed message is either delivered or unconsumed with a reason.
//!
//! A real broker without faults keeps every confirmed message, so any loss
//! here is the simulator's own bug (the issue "Lost means gone": Kafka's
//! default consumer used to skip whole runs). `SIM_SEEDS=N` runs N seeds.

use std::sync::Mutex;

use brokersim::report::UnconsumedWhy;
use brokersim::{Report, Scenario, Sim};
use serde_json::{Value, json};

const DEFAULT_SEEDS: u64 = 200;

fn seeds() -> u64 {
    std::env::var("SIM_SEEDS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_SEEDS)
}

/// Every system's consumer kinds, each as the consumer's JSON.
fn configurations() -> Vec<(&'static str, Value)> {
    let mut all = Vec::new();
    for system in ["rabbitmq-mirrored", "rabbitmq-quorum", "activemq"] {
        for ack in ["auto", "manual"] {
            all.push((system, json!({ "ack": ack })));
        }
    }
    for ack in ["auto", "manual"] {
        for reset in ["earliest", "latest"] {
            all.push(("kafka", json!({ "ack": ack, "auto_offset_reset": reset })));
        }
    }
    all
}

fn scenario(system: &str, consumer: &Value, seed: u64) -> Scenario {
    let json = json!({
        "version": 1,
        "title": "fault-free",
        "seed": seed,
        "duration_ms": 4000,
        "system": system,
        "brokers": 3,
        "producers": [{ "rate_per_s": 50 }],
        "consumers": [consumer],
    });
    Scenario::from_json(&json.to_string()).expect("a valid scenario")
}

/// What is wrong with a fault-free run's report, if anything.
fn problems(report: &Report) -> Vec<String> {
    let mut found = Vec::new();
    for (name, value) in [
        ("lost", report.lost),
        ("duplicated", report.duplicated),
        ("unexpected", report.unexpected),
    ] {
        if value != 0 {
            found.push(format!("{name} {value}"));
        }
    }
    if report.delivered + report.unconsumed != report.confirmed {
        found.push(format!(
            "delivered {} + unconsumed {} != confirmed {}",
            report.delivered, report.unconsumed, report.confirmed
        ));
    }
    let reasons: u64 = report.unconsumed_reasons.values().sum();
    if reasons != report.unconsumed {
        found.push(format!(
            "{reasons} reasons for {} unconsumed",
            report.unconsumed
        ));
    }
    found
}

#[test]
fn fault_free_runs_lose_nothing_for_any_system_or_consumer() {
    let cases: Vec<(&str, Value, u64)> = configurations()
        .into_iter()
        .flat_map(|(system, consumer)| {
            (0..seeds()).map(move |seed| (system, consumer.clone(), seed))
        })
        .collect();
    let next = Mutex::new(0usize);
    let failures = Mutex::new(Vec::new());
    let unconsumed_latest = Mutex::new(0u64);
    std::thread::scope(|scope| {
        for _ in 0..std::thread::available_parallelism().map_or(1, |n| n.get()) {
            scope.spawn(|| {
                loop {
                    let i = {
                        let mut next = next.lock().unwrap();
                        *next += 1;
                        *next - 1
                    };
                    let Some((system, consumer, seed)) = cases.get(i) else {
                        break;
                    };
                    let mut sim = Sim::new(scenario(system, consumer, *seed)).unwrap();
                    let report = sim.run_to_end();
                    let wrong = problems(&report);
                    if !wrong.is_empty() {
                        failures.lock().unwrap().push(format!(
                            "{system} consumer {consumer} seed {seed}: {}",
                            wrong.join(", ")
                        ));
                    }
                    if consumer["auto_offset_reset"] == "latest" {
                        *unconsumed_latest.lock().unwrap() += report
                            .unconsumed_reasons
                            .get(&UnconsumedWhy::OffsetPastIt)
                            .copied()
                            .unwrap_or(0);
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} fault-free runs went wrong; the first:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
    // Sometimes: a consumer that starts at the log's end leaves the earlier
    // records unconsumed, and says so (the sweep must see it to prove it).
    assert!(
        *unconsumed_latest.lock().unwrap() > 0 || seeds() < 20,
        "no run with auto.offset.reset=latest left a record behind its start"
    );
}
