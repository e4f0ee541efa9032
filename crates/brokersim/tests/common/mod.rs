//! Helpers shared by the scenario tests: build a scenario from inline JSON,
//! run it, and pick events out of the trace. Each test binary uses a
//! different subset, hence the `dead_code` allowance.

#![allow(dead_code)]

use brokersim::systems::kafka::KafkaEvent;
use brokersim::{Addr, BrokerId, ClientId, Event, Report, Scenario, Sim, TraceEntry};
use serde_json::{Value, json};

/// `b(1)` is broker b1.
pub fn b(n: u16) -> BrokerId {
    BrokerId(n - 1)
}

/// Broker `bn` as a network address.
pub fn broker(n: u16) -> Addr {
    Addr::Broker(b(n))
}

/// Producer `pn`.
pub fn p(n: u16) -> Addr {
    Addr::Producer(ClientId(n - 1))
}

/// Consumer `cn`.
pub fn c(n: u16) -> Addr {
    Addr::Consumer(ClientId(n - 1))
}

/// Parses and validates inline JSON the way a user's file is read.
pub fn scenario(json: &Value) -> Scenario {
    Scenario::from_json(&json.to_string()).unwrap_or_else(|e| panic!("invalid scenario: {e}"))
}

pub fn sim(json: &Value) -> Sim {
    Sim::new(scenario(json)).unwrap_or_else(|e| panic!("invalid scenario: {e}"))
}

/// Runs the fault phase and the drain; returns the report and the finished run.
pub fn run(json: &Value) -> (Report, Sim) {
    let mut sim = sim(json);
    let report = sim.run_to_end();
    (report, sim)
}

/// Every entry whose event matches, in order.
pub fn all(trace: &[TraceEntry], pred: impl Fn(&Event) -> bool) -> Vec<&TraceEntry> {
    trace.iter().filter(|e| pred(&e.event)).collect()
}

/// The times, in ms, of every matching event.
pub fn times(trace: &[TraceEntry], pred: impl Fn(&Event) -> bool) -> Vec<u64> {
    trace
        .iter()
        .filter(|e| pred(&e.event))
        .map(|e| e.at.as_ms())
        .collect()
}

/// The first matching entry, or a panic that shows the story so far.
pub fn first<'a>(
    trace: &'a [TraceEntry],
    what: &str,
    pred: impl Fn(&Event) -> bool,
) -> &'a TraceEntry {
    trace
        .iter()
        .find(|e| pred(&e.event))
        .unwrap_or_else(|| panic!("no {what} in the trace:\n{}", story(trace)))
}

/// The first matching entry at or after `from_ms`.
pub fn first_after<'a>(
    trace: &'a [TraceEntry],
    from_ms: u64,
    what: &str,
    pred: impl Fn(&Event) -> bool,
) -> &'a TraceEntry {
    trace
        .iter()
        .find(|e| e.at.as_ms() >= from_ms && pred(&e.event))
        .unwrap_or_else(|| {
            panic!(
                "no {what} at or after {from_ms} ms in the trace:\n{}",
                story(trace)
            )
        })
}

/// The run as a student reads it (without per-message events), for
/// assertion messages.
pub fn story(trace: &[TraceEntry]) -> String {
    trace
        .iter()
        .filter(|e| !e.event.is_message())
        .map(|e| {
            format!(
                "{:>10} {}\n",
                e.at.to_string(),
                brokersim::voice::sentence(e, None, brokersim::Lang::En)
            )
        })
        .collect()
}

/// Detection of a silent peer: (time, observer, target, silent_ms, timeout_ms).
pub fn declared_down(trace: &[TraceEntry]) -> Vec<(u64, Addr, Addr, u64, u64)> {
    trace
        .iter()
        .filter_map(|e| match e.event {
            Event::DeclaredDown {
                observer,
                target,
                silent_ms,
                timeout_ms,
                ..
            } => Some((e.at.as_ms(), observer, target, silent_ms, timeout_ms)),
            _ => None,
        })
        .collect()
}

/// Three Kafka brokers, one partition replicated three ways with
/// `min.insync.replicas` 2, an `acks=all` producer and a consumer, for
/// `duration_ms`; `patch` adjusts it. Returns the report and the trace.
pub fn kafka_cluster(
    duration_ms: u64,
    patch: impl FnOnce(&mut Value),
) -> (Report, Vec<TraceEntry>) {
    let mut json = json!({
        "version": 1,
        "seed": 1,
        "duration_ms": duration_ms,
        "system": "kafka",
        "brokers": 3,
        "settings": { "replication.factor": 3, "min.insync.replicas": 2, "broker.session.timeout.ms": 6000 },
        "producers": [{ "rate_per_s": 50, "acks": "all", "request_timeout_ms": 3000 }],
        "consumers": [{ "ack": "manual", "auto_offset_reset": "earliest", "process_ms": 2 }],
        "faults": []
    });
    patch(&mut json);
    let (report, sim) = run(&json);
    (report, sim.trace().to_vec())
}

/// Kafka's own events, with their times in ms.
pub fn kafka_events(trace: &[TraceEntry]) -> Vec<(u64, &KafkaEvent)> {
    trace
        .iter()
        .filter_map(|e| match &e.event {
            Event::Kafka(k) => Some((e.at.as_ms(), k)),
            _ => None,
        })
        .collect()
}
