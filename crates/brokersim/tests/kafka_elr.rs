//! Kafka 4.1's Eligible Leader Replicas (KIP-966), on by default on new
//! clusters from 4.1 (Kafka 4.1 docs, Operations, "Eligible Leader
//! Replicas"), against Kafka 3.9 without them. Sources: KIP-966; the
//! controller's `PartitionChangeBuilder` (`maybePopulateTargetElr`,
//! `electAnyLeader`, `tryElection`) and KAFKA-15586 (an unclean shutdown
//! leaves the ELR) in apache/kafka's metadata module.

use brokersim::presets;
use brokersim::systems::kafka::KafkaEvent;
use brokersim::{BrokerId, Event, Report, Scenario, Sim, TraceEntry};
use serde_json::{Value, json};

mod common;
use common::{b, kafka_events};

fn run(patch: impl FnOnce(&mut Value)) -> (Report, Vec<TraceEntry>) {
    common::kafka_cluster(40000, patch)
}

/// (time, leader, elected from the ELR) of every election after the first.
fn failovers(trace: &[TraceEntry]) -> Vec<(u64, BrokerId, bool)> {
    kafka_events(trace)
        .into_iter()
        .filter_map(|(at, k)| match k {
            KafkaEvent::LeaderElected {
                broker,
                epoch,
                from_elr,
                ..
            } if *epoch > 1 => Some((at, *broker, *from_elr)),
            _ => None,
        })
        .collect()
}

/// b3 stops, then b2 (`b2` as given: `stop` is a controlled shutdown,
/// `crash` an unclean one), then the leader b1 crashes and stays down until
/// 35 s; b2 returns at 20 s.
fn all_down_then_b2_returns(b2_death: &str, release: &str) -> (Report, Vec<TraceEntry>) {
    run(|s| {
        s["release"] = json!(release);
        s["faults"] = json!([
            { "at_ms": 3000, "stop": "b3" },
            { "at_ms": 6000, b2_death: "b2" },
            { "at_ms": 9000, "crash": "b1" },
            { "at_ms": 20000, "restart": "b2" },
            { "at_ms": 35000, "restart": "b1" },
            { "at_ms": 36000, "restart": "b3" }
        ]);
    })
}

#[test]
fn kafka_defaults_to_4_1_with_eligible_leader_replicas_and_3_9_has_none() {
    let sim = |release: Option<&str>| {
        let mut s = json!({
            "version": 1, "duration_ms": 5000, "system": "kafka", "brokers": 3,
            "producers": [{ "rate_per_s": 10 }]
        });
        if let Some(r) = release {
            s["release"] = json!(r);
        }
        Sim::new(Scenario::from_json(&s.to_string()).unwrap()).unwrap()
    };
    let elr = |sim: &Sim| match &sim.config().system {
        brokersim::scenario::config::SystemConfig::Kafka(k) => k.eligible_leader_replicas,
        other => panic!("{other:?}"),
    };
    let newest = sim(None);
    assert_eq!(newest.config().release.to_string(), "4.1");
    assert!(elr(&newest));
    assert!(!elr(&sim(Some("3.9"))));
    // The feature can be turned off on 4.1 (`eligible.leader.replicas.version=0`)
    // but does not exist on 3.9.
    let off = json!({
        "version": 1, "duration_ms": 5000, "system": "kafka", "brokers": 3,
        "settings": { "eligible.leader.replicas.version": 0 }
    });
    let off = Sim::new(Scenario::from_json(&off.to_string()).unwrap()).unwrap();
    assert!(!elr(&off));
    let on_3_9 = json!({
        "version": 1, "duration_ms": 5000, "system": "kafka", "release": "3.9", "brokers": 3,
        "settings": { "eligible.leader.replicas.version": 1 }
    });
    let err = Scenario::from_json(&on_3_9.to_string()).unwrap_err();
    assert_eq!(err.path, "settings.eligible.leader.replicas.version");
}

/// KIP-966, "strict min ISR": the high watermark advances only while the
/// ISR has min.insync.replicas members, so acks=1 records written while the
/// ISR is the leader alone are acknowledged but no consumer sees them
/// until the ISR is back (KIP-966: "the incoming ack=0/1 messages are not
/// visible to the consumers"). On 3.9 the consumer reads them at once.
#[test]
fn below_min_insync_replicas_the_high_watermark_stops_and_acks_1_records_wait_unread() {
    fn scenario(release: &'static str) -> impl FnOnce(&mut Value) {
        move |s: &mut Value| {
            s["release"] = json!(release);
            s["duration_ms"] = json!(20000);
            s["producers"][0]["acks"] = json!("1");
            s["faults"] = json!([
                { "at_ms": 3000, "crash": "b2" },
                { "at_ms": 3000, "crash": "b3" }
            ]);
        }
    }
    let delivered_between = |trace: &[TraceEntry], from: u64, to: u64| {
        trace
            .iter()
            .filter(|e| (from..to).contains(&e.at.as_ms()))
            .filter(|e| matches!(e.event, Event::Delivered { .. }))
            .count()
    };
    let (report, trace) = run(scenario("4.1"));
    // Once the controller fences b2 and b3 (6 s of silence), the ISR is b1 alone.
    assert!(kafka_events(&trace).iter().any(|(at, k)| matches!(
        k,
        KafkaEvent::ElrChanged { elr, .. } if !elr.is_empty() && (9_000..=11_000).contains(at)
    )));
    assert_eq!(delivered_between(&trace, 11_000, 20_000), 0);
    assert!(
        report.confirmed > 800,
        "acks=1 still acknowledges: {report:?}"
    );
    let (_, on_3_9) = run(scenario("3.9"));
    assert!(delivered_between(&on_3_9, 11_000, 20_000) > 300);
}

/// `PartitionChangeBuilder.electAnyLeader`: with an empty ISR, a live
/// eligible leader replica is elected, and becomes the whole ISR
/// (`tryElection`). b2 left the ISR while it was below min.insync.replicas,
/// so it holds every acknowledged record: the partition is back when b2
/// returns at 20 s, not when the last ISR member b1 does at 35 s as on
/// Kafka 3.9 (KIP-841 keeps the last ISR member, and only it can lead).
#[test]
fn an_eligible_replica_back_from_a_controlled_shutdown_leads_before_the_last_isr_member_returns() {
    let (report, trace) = all_down_then_b2_returns("stop", "4.1");
    let elected: Vec<_> = failovers(&trace)
        .into_iter()
        .filter(|(_, broker, _)| *broker == b(2))
        .collect();
    assert!(
        elected
            .iter()
            .any(|(at, _, from_elr)| *from_elr && (20_000..22_000).contains(at)),
        "{elected:?}"
    );
    assert_eq!(report.lost, 0, "{report:?}");

    let (report, trace) = all_down_then_b2_returns("stop", "3.9");
    let back = failovers(&trace)
        .into_iter()
        .find(|(at, _, _)| *at > 9_000)
        .expect("a leader once b1 returns");
    assert!(back.0 >= 35_000 && back.1 == b(1) && !back.2, "{back:?}");
    assert_eq!(report.lost, 0, "{report:?}");
}

/// KAFKA-15586: a broker that registers after an unclean shutdown may have
/// lost records (what was not yet on its disk), so it leaves every ELR and
/// cannot lead from there. The partition waits for b1, its last known
/// leader (Kafka 4.1 docs: "Select the last known leader if it is
/// unfenced"), as on 3.9.
#[test]
fn an_eligible_replica_back_from_a_crash_leaves_the_elr_and_cannot_lead() {
    let (report, trace) = all_down_then_b2_returns("crash", "4.1");
    assert!(kafka_events(&trace).iter().any(|(at, k)| matches!(
        k,
        KafkaEvent::LeftElr { broker, .. } if *broker == b(2) && (20_000..22_000).contains(at)
    )));
    let back = failovers(&trace)
        .into_iter()
        .find(|(at, _, _)| *at > 9_000)
        .expect("a leader once b1 returns");
    assert!(back.0 >= 35_000 && back.1 == b(1), "{back:?}");
    assert!(kafka_events(&trace).iter().any(|(_, k)| matches!(
        k,
        KafkaEvent::LeaderElected { broker, last_known: true, .. } if *broker == b(1)
    )));
    assert_eq!(report.lost, 0, "{report:?}");
}

/// The kafka-min-isr preset pins 3.9; on 4.1 the same run answers no
/// waiting batch NotEnoughReplicasAfterAppend (the high watermark never
/// passes them) and still loses nothing.
#[test]
fn on_4_1_the_min_isr_run_answers_no_batch_after_append() {
    let mut scenario = presets::get("kafka-min-isr").unwrap().scenario();
    assert_eq!(scenario.release.as_deref(), Some("3.9"));
    scenario.release = None;
    let mut sim = Sim::new(scenario).unwrap();
    let report = sim.run_to_end();
    assert!(
        !kafka_events(sim.trace())
            .iter()
            .any(|(_, k)| matches!(k, KafkaEvent::NotEnoughReplicasAfterAppend { .. }))
    );
    assert_eq!(report.lost, 0);
}
