//! Kafka replicated partitions: scenario tests asserting what a real KRaft
//! cluster shows (who leads in which epoch, what a returning leader
//! truncates, what acks and min.insync.replicas promise).

use brokersim::systems::kafka::{KafkaEvent, ProduceResult};
use brokersim::{BrokerId, Event, Report, Scenario, Sim, TraceEntry, presets};
use serde_json::{Value, json};

mod common;
use common::{b, kafka_events};

fn run(patch: impl FnOnce(&mut Value)) -> (Report, Vec<TraceEntry>) {
    common::kafka_cluster(30000, patch)
}

fn elections(trace: &[TraceEntry]) -> Vec<(u64, u16, BrokerId, u32, bool)> {
    kafka_events(trace)
        .into_iter()
        .filter_map(|(at, k)| match k {
            KafkaEvent::LeaderElected {
                partition,
                broker,
                epoch,
                clean,
                ..
            } => Some((at, *partition, *broker, *epoch, *clean)),
            _ => None,
        })
        .collect()
}

fn truncated(trace: &[TraceEntry]) -> u32 {
    kafka_events(trace)
        .into_iter()
        .map(|(_, k)| match k {
            KafkaEvent::Truncated { removed, .. } => *removed,
            _ => 0,
        })
        .sum()
}

#[test]
fn partition_leaders_are_spread_round_robin_and_the_first_is_on_b1() {
    let (_, trace) = run(|s| s["settings"]["partitions"] = json!(4));
    let first: Vec<(u16, BrokerId)> = elections(&trace).iter().map(|e| (e.1, e.2)).collect();
    assert_eq!(first, vec![(0, b(1)), (1, b(2)), (2, b(3)), (3, b(1))]);
}

#[test]
fn the_controller_fences_a_crashed_leader_after_the_session_timeout_and_elects_from_the_isr() {
    let (report, trace) = run(|s| s["faults"] = json!([{ "at_ms": 5000, "crash": "b1" }]));
    let e = elections(&trace);
    assert_eq!(e.len(), 2);
    let (at, partition, broker, epoch, clean) = e[1];
    assert_eq!((partition, broker, epoch, clean), (0, b(2), 2, true));
    // Heartbeats every 2 s, checked every 2 s: fenced 6 to 8 s after the crash.
    assert!((11_000..=13_100).contains(&at), "elected at {at}");
    assert_eq!(report.failovers, 1);
    assert_eq!(report.detection_ms.len(), 1);
    assert!((6_000..=8_100).contains(&report.detection_ms[0]));
    assert_eq!(report.lost, 0);
}

#[test]
fn with_acks_1_a_leader_crash_loses_acknowledged_messages_through_truncation() {
    let (report, trace) = run(|s| {
        s["producers"][0]["acks"] = json!("1");
        s["producers"][0]["rate_per_s"] = json!(200);
        s["settings"]["min.insync.replicas"] = json!(1);
        // flush.messages=1: the crashed leader's log reaches the disk at
        // every append and survives its host's power loss whole, so what
        // this test sees is the replication protocol (a killed process
        // keeps its log too); `tests/power_loss.rs` covers the default.
        s["settings"]["flush.messages"] = json!(1);
        s["faults"] = json!([
            { "at_ms": 1000, "slow_link": { "between": ["b1", "b2"], "latency_ms": 300 } },
            { "at_ms": 1000, "slow_link": { "between": ["b1", "b3"], "latency_ms": 300 } },
            { "at_ms": 8000, "crash": "b1" },
            { "at_ms": 18000, "restart": "b1" }
        ]);
    });
    let removed = truncated(&trace);
    assert!(
        removed > 0,
        "the returning old leader truncated its unreplicated suffix"
    );
    assert_eq!(
        report.lost,
        u64::from(removed),
        "every truncated record had been acknowledged"
    );
    assert!(
        report
            .violations
            .iter()
            .all(|v| v.property == "confirmed_messages_are_not_lost")
    );
}

#[test]
fn with_acks_all_and_min_insync_replicas_2_the_same_crash_loses_nothing() {
    let (report, trace) = run(|s| {
        s["producers"][0]["rate_per_s"] = json!(200);
        s["faults"] = json!([
            { "at_ms": 1000, "slow_link": { "between": ["b1", "b2"], "latency_ms": 300 } },
            { "at_ms": 1000, "slow_link": { "between": ["b1", "b3"], "latency_ms": 300 } },
            { "at_ms": 8000, "crash": "b1" },
            { "at_ms": 18000, "restart": "b1" }
        ]);
    });
    assert_eq!(report.lost, 0);
    assert_eq!(report.delivered, report.confirmed);
    assert_eq!(
        report.duplicated, 0,
        "the idempotent producer's retries are dropped by the leader"
    );
    assert_eq!(elections(&trace).len(), 2);
}

#[test]
fn min_insync_replicas_refuses_writes_when_the_isr_is_too_small() {
    let (report, trace) = run(|s| {
        s["producers"][0]["delivery_timeout_ms"] = json!(6000);
        s["faults"] = json!([
            { "at_ms": 3000, "crash": "b2" },
            { "at_ms": 3000, "crash": "b3" },
            { "at_ms": 20000, "restart": "b2" },
            { "at_ms": 20000, "restart": "b3" }
        ]);
    });
    let refusals = kafka_events(&trace)
        .iter()
        .filter(|(_, k)| {
            matches!(
                k,
                KafkaEvent::NotEnoughReplicas {
                    isr: 1,
                    min_isr: 2,
                    ..
                }
            )
        })
        .count();
    assert!(refusals > 0);
    assert!(report.rejected > 100, "rejected {}", report.rejected);
    assert_eq!(report.lost, 0);
}

/// Three replicas, acks=all, unclean election allowed: both followers'
/// links to b1 slow down so they leave the ISR while b1 still waits for
/// them to fetch the last batches; then b1 crashes and a follower that never
/// had those batches is elected uncleanly.
/// On Kafka 3.9: 4.1's eligible leader replicas stop the high watermark
/// below min.insync.replicas instead (tests/kafka_elr.rs).
fn isr_shrinks_to_the_leader_then_it_crashes(
    min_insync_replicas: u16,
) -> (Report, Vec<TraceEntry>) {
    run(|s| {
        s["release"] = json!("3.9");
        s["settings"] = json!({
            "replication.factor": 3, "min.insync.replicas": min_insync_replicas,
            "replica.lag.time.max.ms": 4000, "broker.session.timeout.ms": 6000,
            "unclean.leader.election.enable": true, "flush.messages": 1
        });
        // flush.messages=1: the crashed leader's log reaches the disk at
        // every append and survives its host's power loss whole, so what
        // this test sees is the replication protocol (a killed process
        // keeps its log too); `tests/power_loss.rs` covers the default.
        // The consumer reads only after the failover: what it gets is what the log kept.
        s["consumers"][0]["start_ms"] = json!(26000);
        s["faults"] = json!([
            { "at_ms": 1000, "slow_link": { "between": ["b1", "b2"], "latency_ms": 20000 } },
            { "at_ms": 1000, "slow_link": { "between": ["b1", "b3"], "latency_ms": 20000 } },
            { "at_ms": 10000, "crash": "b1" },
            { "at_ms": 24000, "heal": true },
            { "at_ms": 25000, "restart": "b1" }
        ]);
    })
}

fn after_append_refusals(trace: &[TraceEntry]) -> usize {
    kafka_events(trace)
        .iter()
        .filter(|(_, k)| matches!(k, KafkaEvent::NotEnoughReplicasAfterAppend { .. }))
        .count()
}

#[test]
fn acks_all_waiting_when_the_isr_shrinks_below_min_insync_replicas_is_answered_not_enough_replicas_after_append()
 {
    // kafka.cluster.Partition#checkEnoughReplicasReachOffset (apache/kafka,
    // called by kafka.server.DelayedProduce#tryComplete): once the high
    // watermark passes a waiting acks=all request, it succeeds only if the
    // ISR still has min.insync.replicas members, else the answer is
    // NOT_ENOUGH_REPLICAS_AFTER_APPEND (a RetriableException). The ISR shrunk
    // to b1 alone lets the high watermark jump over the batches only b1
    // holds: they are not acknowledged, so the unclean election loses no
    // acknowledged record.
    let (report, trace) = isr_shrinks_to_the_leader_then_it_crashes(2);
    let after_append = kafka_events(&trace)
        .into_iter()
        .filter_map(|(at, k)| match k {
            KafkaEvent::NotEnoughReplicasAfterAppend { isr, min_isr, .. } => {
                Some((at, *isr, *min_isr))
            }
            _ => None,
        })
        .collect::<Vec<_>>();
    assert!(!after_append.is_empty());
    assert!(
        after_append
            .iter()
            .all(|(at, isr, min_isr)| (5_000..10_000).contains(at) && (*isr, *min_isr) == (1, 2)),
        "{after_append:?}"
    );
    // The producer retries them; the leader then refuses them up front.
    assert!(kafka_events(&trace).iter().any(|(_, k)| matches!(
        k,
        KafkaEvent::ProduceRetry {
            why: ProduceResult::NotEnoughReplicasAfterAppend,
            ..
        }
    )));
    assert!(
        elections(&trace)
            .iter()
            .any(|(_, _, broker, _, clean)| *broker != b(1) && !clean)
    );
    assert!(
        truncated(&trace) > 0,
        "b1 returns and drops what only it had"
    );
    assert_eq!(report.lost, 0);
}

#[test]
fn with_min_insync_replicas_1_an_isr_of_the_leader_alone_still_acknowledges_and_unclean_election_loses_it()
 {
    // Kafka's default min.insync.replicas=1: the same check passes with the
    // leader alone in the ISR (Partition#checkEnoughReplicasReachOffset),
    // so what only b1 held was acknowledged and is lost.
    let (report, trace) = isr_shrinks_to_the_leader_then_it_crashes(1);
    assert_eq!(after_append_refusals(&trace), 0);
    assert!(report.lost > 0, "lost {}", report.lost);
}

#[test]
fn the_kafka_min_isr_preset_shows_what_its_description_says() {
    // "the 5 batches already written and waiting for the followers are
    // answered NotEnoughReplicasAfterAppend … rejected, not lost".
    let mut sim = Sim::new(presets::get("kafka-min-isr").unwrap().scenario()).unwrap();
    let report = sim.run_to_end();
    assert_eq!(after_append_refusals(sim.trace()), 5);
    assert!(report.rejected > 1000, "rejected {}", report.rejected);
    assert_eq!(report.lost, 0);
}

#[test]
fn a_batch_answered_not_enough_replicas_after_append_was_written_so_giving_it_up_is_no_refusal() {
    // Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND: "Messages are written to the
    // log, but to fewer in-sync replicas than required." With retries=0 the
    // producer reports the failure at once, yet the records stay in b1's log
    // and are read: the run counts them indeterminate, not rejected.
    // Kafka 3.9: from 4.1 the high watermark stops instead (kafka_elr.rs).
    let (report, trace) = run(|s| {
        s["release"] = json!("3.9");
        s["producers"][0]["retries"] = json!(0);
        s["producers"][0]["request_timeout_ms"] = json!(30000);
        s["producers"][0]["delivery_timeout_ms"] = json!(30000);
        s["faults"] = json!([
            { "at_ms": 3000, "crash": "b2" },
            { "at_ms": 3000, "crash": "b3" },
            { "at_ms": 20000, "restart": "b2" },
            { "at_ms": 20000, "restart": "b3" }
        ]);
    });
    let written: u64 = kafka_events(&trace)
        .iter()
        .map(|(_, k)| match k {
            KafkaEvent::NotEnoughReplicasAfterAppend { count, .. } => u64::from(*count),
            _ => 0,
        })
        .sum();
    assert!(written > 0);
    assert_eq!(report.indeterminate, written, "{report:?}");
    assert_eq!(report.delivered, report.confirmed + written);
    assert_eq!(report.lost, 0);
}

fn unclean(enabled: bool) -> (Report, Vec<TraceEntry>) {
    slow_follower_then_leader_crash(
        enabled,
        json!([
            { "at_ms": 1000, "slow_link": { "between": ["b1", "b2"], "latency_ms": 20000 } },
            { "at_ms": 10000, "crash": "b1" },
            { "at_ms": 24000, "heal": true },
            { "at_ms": 25000, "restart": "b1" }
        ]),
    )
}

/// Partition 0 on b1 and b2 only, acks=1, `faults` slowing the follower and
/// crashing the leader.
fn slow_follower_then_leader_crash(enabled: bool, faults: Value) -> (Report, Vec<TraceEntry>) {
    run(|s| {
        s["settings"] = json!({
            "replication.factor": 2, "replica.lag.time.max.ms": 4000,
            "broker.session.timeout.ms": 6000, "unclean.leader.election.enable": enabled,
            "flush.messages": 1
        });
        // flush.messages=1: the crashed leader's log reaches the disk at
        // every append and survives its host's power loss whole, so what
        // this test sees is the replication protocol (a killed process
        // keeps its log too); `tests/power_loss.rs` covers the default.

        s["producers"][0]["acks"] = json!("1");
        // The consumer reads only after the failover: what it gets is what the log kept.
        s["consumers"][0]["start_ms"] = json!(26000);
        s["faults"] = faults;
    })
}

#[test]
fn a_follower_that_falls_behind_leaves_the_isr() {
    let (_, trace) = unclean(false);
    let shrunk: Vec<_> = kafka_events(&trace)
        .into_iter()
        .filter(|(_, k)| matches!(k, KafkaEvent::IsrShrunk { removed, .. } if *removed == b(2)))
        .collect();
    assert_eq!(shrunk.len(), 1);
    assert!(
        (5_000..8_000).contains(&shrunk[0].0),
        "shrunk at {}",
        shrunk[0].0
    );
}

#[test]
fn unclean_election_makes_the_partition_available_again_and_loses_data() {
    let (report, trace) = unclean(true);
    let e = elections(&trace);
    assert!(
        e.iter()
            .any(|(_, _, broker, _, clean)| *broker == b(2) && !clean)
    );
    assert!(report.lost > 300, "lost {}", report.lost);
    assert!(
        truncated(&trace) > 300,
        "b1 truncates to the unclean leader's log"
    );
}

#[test]
fn a_returning_old_leader_truncates_before_the_run_ends_even_when_its_link_heals_only_in_the_drain()
{
    // As `unclean(true)`, but the slow link lasts to the end of the fault
    // phase: b1's first fetch from b2 is still 20 s on its way when the
    // drain starts. The drain must wait for it rather than end with b1
    // holding records the leader never had.
    let (_, trace) = slow_follower_then_leader_crash(
        true,
        json!([
            { "at_ms": 1000, "slow_link": { "between": ["b1", "b2"], "latency_ms": 20000 } },
            { "at_ms": 10000, "crash": "b1" },
            { "at_ms": 25000, "restart": "b1" }
        ]),
    );
    assert!(
        truncated(&trace) > 300,
        "b1 truncated {}",
        truncated(&trace)
    );
    let truncated_at = kafka_events(&trace)
        .iter()
        .find(|(_, k)| matches!(k, KafkaEvent::Truncated { .. }))
        .map(|(at, _)| *at);
    let drained_at = trace
        .iter()
        .find(|e| matches!(e.event, Event::DrainFinished { .. }))
        .map(|e| e.at.as_ms());
    assert!(truncated_at < drained_at, "{truncated_at:?} {drained_at:?}");
}

#[test]
fn clean_election_only_keeps_the_partition_offline_until_the_isr_returns() {
    let (report, trace) = unclean(false);
    assert!(
        kafka_events(&trace)
            .iter()
            .any(|(_, k)| matches!(k, KafkaEvent::Offline { .. }))
    );
    let e = elections(&trace);
    assert_eq!(
        e.last().map(|e| e.2),
        Some(b(1)),
        "b1 leads again when it returns"
    );
    assert_eq!(report.lost, 0);
    assert!(report.unavailable_ms >= 14_000, "{}", report.unavailable_ms);
}

fn timeouts(idempotent: bool) -> Report {
    run(|s| {
        s["producers"][0] = json!({
            "rate_per_s": 100, "acks": "all", "retries": 5, "request_timeout_ms": 400,
            "delivery_timeout_ms": 20000, "idempotent": idempotent
        });
        s["faults"] = json!([
            { "at_ms": 3000, "slow_link": { "between": ["b1", "b2"], "latency_ms": 300 } },
            { "at_ms": 3000, "slow_link": { "between": ["b1", "b3"], "latency_ms": 300 } },
            { "at_ms": 15000, "heal": true }
        ]);
    })
    .0
}

#[test]
fn retries_without_idempotence_write_duplicates() {
    let report = timeouts(false);
    assert!(report.duplicated > 100, "duplicated {}", report.duplicated);
    assert_eq!(report.lost, 0);
}

#[test]
fn the_idempotent_producer_drops_the_duplicates_of_its_retries() {
    let report = timeouts(true);
    assert_eq!(report.duplicated, 0);
    assert_eq!(report.lost, 0);
    assert_eq!(report.confirmed, report.published);
}

#[test]
fn a_paused_leader_comes_back_as_a_zombie_and_its_acks_1_writes_are_truncated() {
    let (report, trace) = run(|s| {
        s["producers"][0]["acks"] = json!("1");
        s["settings"]["min.insync.replicas"] = json!(1);
        s["faults"] = json!([{ "at_ms": 5000, "pause": "b1", "for_ms": 10000 }]);
    });
    let e = elections(&trace);
    assert_eq!(
        e.last().map(|e| (e.2, e.3)),
        Some((b(2), 2)),
        "b2 leads epoch 2 while b1 is frozen"
    );
    assert!(
        kafka_events(&trace)
            .iter()
            .any(|(_, k)| matches!(k, KafkaEvent::SteppedDown { broker, .. } if *broker == b(1)))
    );
    // What b1 wrote on waking, before it learned of epoch 2, is gone.
    assert!(truncated(&trace) > 0);
    assert!(report.lost > 0);
}

#[test]
fn a_restarted_consumer_resumes_from_its_last_auto_commit_and_handles_messages_twice() {
    let (report, trace) = run(|s| {
        s["consumers"][0] =
            json!({ "ack": "auto", "auto_offset_reset": "earliest", "process_ms": 2 });
        s["faults"] =
            json!([{ "at_ms": 12000, "crash": "c1" }, { "at_ms": 14000, "restart": "c1" }]);
    });
    assert!(kafka_events(&trace).iter().any(|(_, k)| matches!(
        k,
        KafkaEvent::ConsumerPosition {
            committed: true,
            ..
        }
    )));
    assert!(
        report.duplicated > 0 && report.duplicated <= 260,
        "duplicated {}",
        report.duplicated
    );
    assert_eq!(report.lost, 0);
}

#[test]
fn manual_commits_after_each_message_leave_almost_nothing_to_handle_twice() {
    let (report, _) = run(|s| {
        s["faults"] =
            json!([{ "at_ms": 12000, "crash": "c1" }, { "at_ms": 14000, "restart": "c1" }])
    });
    assert!(report.duplicated <= 1, "duplicated {}", report.duplicated);
}

#[test]
fn auto_offset_reset_latest_skips_what_was_written_before_the_consumer_started() {
    let (report, trace) = run(|s| {
        s["consumers"][0] =
            json!({ "ack": "manual", "auto_offset_reset": "latest", "start_ms": 5000 });
    });
    assert!(kafka_events(&trace).iter().any(|(_, k)| matches!(
        k,
        KafkaEvent::ConsumerReset {
            earliest: false,
            ..
        }
    )));
    // 50 msg/s for the 5 s before it starts and the 3 s the new group
    // waits for members (group.initial.rebalance.delay.ms).
    assert!(
        (400..=460).contains(&(report.published - report.delivered)),
        "{:?}",
        (report.published, report.delivered)
    );
}

/// The scenario of the bug report: 3 brokers, one producer at 100 msg/s
/// for 10 s, one consumer with every default (`auto.offset.reset=latest`).
fn defaults_only(seed: u64, patch: impl FnOnce(&mut Value)) -> (Report, Vec<TraceEntry>) {
    run(|s| {
        s["seed"] = json!(seed);
        s["duration_ms"] = json!(10000);
        s["settings"] = json!({});
        s["producers"] = json!([{ "rate_per_s": 100 }]);
        s["consumers"] = json!([{}]);
        patch(s);
    })
}

/// When the group coordinator completed the first rebalance, and how long it waited.
fn rebalances(trace: &[TraceEntry]) -> Vec<(u64, u64)> {
    kafka_events(trace)
        .into_iter()
        .filter_map(|(at, k)| match k {
            KafkaEvent::GroupRebalanced { waited_ms, .. } => Some((at, *waited_ms)),
            _ => None,
        })
        .collect()
}

/// The positions `auto.offset.reset` gave: (at, offset, earliest, unread).
fn resets(trace: &[TraceEntry]) -> Vec<(u64, u64, bool, u64)> {
    kafka_events(trace)
        .into_iter()
        .filter_map(|(at, k)| match k {
            KafkaEvent::ConsumerReset {
                offset,
                earliest,
                unread,
                ..
            } => Some((at, *offset, *earliest, *unread)),
            _ => None,
        })
        .collect()
}

/// Distinct messages first published before `at`.
fn published_before(trace: &[TraceEntry], at: u64) -> u64 {
    trace
        .iter()
        .filter(|e| e.at.as_ms() < at && matches!(e.event, Event::Published { attempt: 1, .. }))
        .count() as u64
}

#[test]
fn with_latest_a_consumer_starts_at_the_log_end_when_assigned_and_reads_everything_after() {
    // auto.offset.reset docs (consumer configs): "latest: automatically reset
    // the offset to the latest offset" when there is no initial offset; the
    // client resets after the assignment (SubscriptionState INITIALIZING →
    // OffsetFetcher.resetPositionsIfNeeded, ListOffsets LATEST), and the
    // broker answers the high watermark to a read_uncommitted consumer
    // (Partition.fetchOffsetForTimestamp). The position is taken once: the
    // consumer then reads every record after it, whatever the seed. With no
    // initial delay the assignment can come before the consumer knows the
    // partition's leader: it asks again (resetPositionsIfNeeded on each poll).
    for (delay_ms, seed) in [3000, 0]
        .into_iter()
        .flat_map(|d| (0..60).map(move |s| (d, s)))
    {
        let (report, trace) = defaults_only(seed, |s| {
            s["settings"]["group.initial.rebalance.delay.ms"] = json!(delay_ms)
        });
        let run = format!("delay {delay_ms}, seed {seed}");
        let [(assigned_at, _)] = rebalances(&trace)[..] else {
            panic!("{run}: one first rebalance")
        };
        let [(reset_at, start, false, unread)] = resets(&trace)[..] else {
            panic!("{run}: one latest position {:?}", resets(&trace))
        };
        assert!(
            reset_at - assigned_at <= 200,
            "{run}: the position is taken when the assignment completes, at {assigned_at}, not at {reset_at}"
        );
        assert_eq!(unread, start, "{run}");
        assert!(
            (published_before(&trace, assigned_at)..=published_before(&trace, reset_at + 1))
                .contains(&start),
            "{run}: start {start} is what was published before the assignment"
        );
        assert_eq!(report.delivered, report.published - start, "{run}");
        assert_eq!(report.duplicated, 0, "{run}");
        if delay_ms > 0 {
            assert!(start > 0, "{run}");
        }
    }
}

#[test]
fn a_new_group_is_assigned_after_group_initial_rebalance_delay_ms() {
    // KIP-134 and the broker's group.initial.rebalance.delay.ms docs
    // (default 3000): the coordinator waits that long for more consumers to
    // join a new group before the first rebalance (GroupMetadataManager.prepareRebalance).
    let (_, trace) = defaults_only(1, |_| {});
    let [(at, waited_ms)] = rebalances(&trace)[..] else {
        panic!("one first rebalance")
    };
    assert_eq!(waited_ms, 3000);
    assert!(at >= 3000, "assigned at {at}");
    let first_delivery = first_delivery_at(&trace);
    assert!(first_delivery > at, "nothing is read before the assignment");

    let (_, trace) = defaults_only(1, |s| {
        s["settings"]["group.initial.rebalance.delay.ms"] = json!(0)
    });
    let [(at, waited_ms)] = rebalances(&trace)[..] else {
        panic!("one first rebalance")
    };
    assert_eq!(waited_ms, 0);
    assert!(at < 100, "assigned at once: {at}");
}

#[test]
fn a_consumer_joining_during_the_initial_delay_extends_it_once_more() {
    // GroupMetadataManager.tryCompleteInitialRebalanceElseSchedule (and the
    // older InitialDelayedJoin): a member added during the delay sets
    // newMemberAdded, and the coordinator waits another
    // group.initial.rebalance.delay.ms, within the rebalance timeout.
    let (_, trace) = defaults_only(1, |s| {
        s["consumers"] = json!([{}, { "start_ms": 2000 }]);
    });
    let [(at, waited_ms)] = rebalances(&trace)[..] else {
        panic!("one first rebalance")
    };
    assert_eq!(waited_ms, 6000);
    assert!(at >= 6000, "assigned at {at}");
}

#[test]
fn with_earliest_a_new_group_reads_everything() {
    // auto.offset.reset docs: "earliest: automatically reset the offset to
    // the earliest offset".
    for seed in 0..10 {
        let (report, trace) = defaults_only(seed, |s| {
            s["consumers"] = json!([{ "auto_offset_reset": "earliest" }]);
        });
        assert_eq!(resets(&trace).iter().map(|r| r.1).collect::<Vec<_>>(), [0]);
        assert_eq!(report.delivered, report.published, "seed {seed}");
    }
}

fn first_delivery_at(trace: &[TraceEntry]) -> u64 {
    trace
        .iter()
        .find(|e| matches!(e.event, Event::Delivered { .. }))
        .map_or(u64::MAX, |e| e.at.as_ms())
}

#[test]
fn kafka_settings_are_checked_with_their_real_names() {
    let bad = |settings: Value, path: &str| {
        let text = json!({
            "version": 1, "duration_ms": 1000, "system": "kafka", "brokers": 3, "settings": settings
        })
        .to_string();
        let e = Scenario::from_json(&text).unwrap_err();
        assert_eq!(e.path, path, "{e}");
    };
    bad(
        json!({ "replication.factor": 4 }),
        "settings.replication.factor",
    );
    bad(
        json!({ "min.insync.replicas": "2" }),
        "settings.min.insync.replicas",
    );
    bad(
        json!({ "unclean.leader.election.enable": 1 }),
        "settings.unclean.leader.election.enable",
    );
    bad(json!({ "ha-mode": "all" }), "settings.ha-mode");
    bad(json!({ "partitions": 0 }), "settings.partitions");
    bad(
        json!({ "group.initial.rebalance.delay.ms": -1 }),
        "settings.group.initial.rebalance.delay.ms",
    );
    bad(
        json!({ "group.initial.rebalance.delay.ms": "3000" }),
        "settings.group.initial.rebalance.delay.ms",
    );
    bad(
        json!({ "broker.session.timeout.ms": 1000, "broker.heartbeat.interval.ms": 2000 }),
        "settings.broker.session.timeout.ms",
    );
    let producer = |p: Value, path: &str| {
        let text = json!({
            "version": 1, "duration_ms": 1000, "system": "kafka", "brokers": 3, "producers": [p]
        })
        .to_string();
        let e = Scenario::from_json(&text).unwrap_err();
        assert_eq!(e.path, path, "{e}");
        e.message
    };
    producer(json!({ "rate_per_s": 1, "acks": "2" }), "producers[0].acks");
    let m = producer(
        json!({ "rate_per_s": 1, "acks": "1", "idempotent": true }),
        "producers[0].idempotent",
    );
    assert!(m.contains("acks"), "{m}");
    producer(
        json!({ "rate_per_s": 1, "confirms": true }),
        "producers[0].confirms",
    );
    producer(
        json!({ "rate_per_s": 1, "delivery_timeout_ms": 100, "request_timeout_ms": 200 }),
        "producers[0].delivery_timeout_ms",
    );
    producer(
        json!({ "rate_per_s": 1, "max_in_flight": 0 }),
        "producers[0].max_in_flight",
    );
    producer(
        json!({ "rate_per_s": 1, "network_recovery_interval_ms": 10 }),
        "producers[0].network_recovery_interval_ms",
    );
    let consumer = |c: Value, system: &str, path: &str| {
        let text = json!({
            "version": 1, "duration_ms": 1000, "system": system, "brokers": 3, "consumers": [c]
        })
        .to_string();
        let e = Scenario::from_json(&text).unwrap_err();
        assert_eq!(e.path, path, "{e}");
    };
    consumer(
        json!({ "auto_offset_reset": "smallest" }),
        "kafka",
        "consumers[0].auto_offset_reset",
    );
    consumer(
        json!({ "auto_commit_interval_ms": 0 }),
        "kafka",
        "consumers[0].auto_commit_interval_ms",
    );
    consumer(
        json!({ "auto_offset_reset": "earliest" }),
        "rabbitmq-mirrored",
        "consumers[0].auto_offset_reset",
    );
    let text = json!({
        "version": 1, "duration_ms": 1000, "system": "rabbitmq-mirrored", "brokers": 3,
        "producers": [{ "rate_per_s": 1, "acks": "all" }]
    })
    .to_string();
    assert_eq!(
        Scenario::from_json(&text).unwrap_err().path,
        "producers[0].acks"
    );
    let text = json!({
        "version": 1, "duration_ms": 1000, "system": "kafka", "brokers": 3,
        "faults": [{ "at_ms": 1, "partition": [["b1", "controller"], ["b2", "controller"]] }]
    })
    .to_string();
    assert_eq!(
        Scenario::from_json(&text).unwrap_err().path,
        "faults[0].partition[1][1]"
    );
}

#[test]
fn a_consumer_whose_log_diverged_goes_back_to_where_its_epoch_ends() {
    // The consumer keeps up with b1; after the unclean election b2's log
    // diverges under its position, and KIP-320 sends it back.
    let (report, trace) = run(|s| {
        s["settings"] = json!({
            "replication.factor": 2, "replica.lag.time.max.ms": 4000,
            "broker.session.timeout.ms": 6000, "unclean.leader.election.enable": true
        });
        s["producers"][0]["acks"] = json!("1");
        s["faults"] = json!([
            { "at_ms": 1000, "slow_link": { "between": ["b1", "b2"], "latency_ms": 20000 } },
            { "at_ms": 10000, "crash": "b1" }
        ]);
    });
    assert!(
        kafka_events(&trace)
            .iter()
            .any(|(_, k)| matches!(k, KafkaEvent::ConsumerDiverged { .. }))
    );
    assert_eq!(
        report.delivered, report.confirmed,
        "what was written after the election is read too"
    );
}

#[test]
fn a_partition_can_leave_the_controller_with_the_minority() {
    // The controller sits with b1 alone: it fences b2 and b3 and keeps b1 leading.
    let (_, trace) = run(|s| {
        s["faults"] = json!([
            { "at_ms": 2000, "partition": [["b1", "controller"], ["b2", "b3"]] },
            { "at_ms": 20000, "heal": true }
        ]);
    });
    let fenced: Vec<BrokerId> = kafka_events(&trace)
        .iter()
        .filter_map(|(_, k)| match k {
            KafkaEvent::Fenced { broker } => Some(*broker),
            _ => None,
        })
        .collect();
    assert_eq!(fenced, vec![b(2), b(3)]);
    assert_eq!(elections(&trace).len(), 1, "b1 keeps leading");
}

#[test]
fn kafka_runs_are_deterministic() {
    let hash = |seed: u64| {
        run(|s| {
            s["seed"] = json!(seed);
            s["network"] = json!({ "latency_ms": { "min": 1, "max": 9 } });
            s["faults"] = json!([{ "at_ms": 5000, "crash": "b1" }]);
        })
        .0
        .trace_hash
    };
    assert_eq!(hash(3), hash(3));
    assert_ne!(hash(3), hash(4));
}

/// Regression (found by the copies-ledger cross-check): a follower whose
/// last leader epoch the new leader never had kept that epoch's first
/// record, because it truncated to where the leader's next epoch starts.
/// KIP-279 ("Fix log divergence between leader and follower after fast
/// leader fail over"): the leader answers the largest epoch it knows at or
/// below the follower's (`LeaderEpochFileCache.endOffsetFor`), and the
/// follower truncates to the smaller of the leader's end offset and its own
/// end of that epoch.
#[test]
fn a_follower_truncates_the_whole_epoch_its_new_leader_never_had() {
    let scenario = json!({"version": 1, "seed": 1, "duration_ms": 20000, "system": "kafka", "brokers": 4,
        "settings": {"broker.session.timeout.ms": 6000, "min.insync.replicas": 1, "partitions": 2,
            "replica.lag.time.max.ms": 7882, "replication.factor": 3, "unclean.leader.election.enable": false,
            // b2's crash must leave its log whole (see `with_acks_1_…`).
            "flush.messages": 1},
        "network": {"loss": "1/17"},
        "producers": [{"rate_per_s": 40, "acks": "1", "request_timeout_ms": 3000}],
        "consumers": [{"ack": "manual", "process_ms": 2, "auto_offset_reset": "earliest"}],
        "faults": [{"at_ms": 342, "restart": "b1"}, {"at_ms": 549, "heal": true},
            {"at_ms": 5237, "slow_link": {"between": ["b1", "b3"], "latency_ms": 2748}},
            {"at_ms": 7556, "partition": [["b1", "b3"], ["b2", "b4"]]}, {"at_ms": 9290, "crash": "b2"},
            {"at_ms": 14077, "partition": [["b2", "b3"], ["b1", "b4"]]}, {"at_ms": 15190, "stop": "b2"},
            {"at_ms": 15945, "restart": "c1"}]});
    let mut sim = Sim::new(Scenario::from_json(&scenario.to_string()).unwrap()).unwrap();
    let report = sim.run_to_end();
    // b1 led epoch 3 from offset 143 in the minority; b3 led epoch 4 from
    // 144 without it. b1 must drop offset 143 too.
    let b1_truncations: Vec<u64> = sim
        .trace()
        .iter()
        .filter_map(|e| match &e.event {
            Event::Kafka(KafkaEvent::Truncated {
                partition: 0,
                broker,
                to_offset,
                ..
            }) if *broker == b(1) => Some(*to_offset),
            _ => None,
        })
        .collect();
    assert!(b1_truncations.contains(&143), "{b1_truncations:?}");
    // No copy survives that no reader can get: every replica agrees.
    assert!(
        report
            .lost_messages
            .iter()
            .all(|m| m.cause == brokersim::report::LossCause::Truncated),
        "{:?}",
        report.lost_messages
    );
}

/// Regression (found by the copies-ledger cross-check): b3, paused, wakes
/// to lead epoch 2 for a moment and appends a record at offset 17; the new
/// leader b1 never had epoch 2 and its epoch 3 starts at 92, beyond b3's
/// log end, so the old check saw no divergence and b3 kept a record the
/// leader does not have. Kafka's `Partition.fetchRecords` also calls it
/// diverging when the leader's largest epoch at or below the follower's
/// last fetched epoch is an older one (KIP-320); b3 truncates to 17.
#[test]
fn a_follower_whose_last_epoch_the_leader_never_had_truncates_even_below_the_leaders_epoch_start() {
    let scenario = json!({"version": 1, "seed": 0, "duration_ms": 20000, "system": "kafka", "brokers": 3,
        "settings": {"broker.session.timeout.ms": 6000, "min.insync.replicas": 1, "partitions": 2,
            "replica.lag.time.max.ms": 5780, "replication.factor": 3, "unclean.leader.election.enable": false},
        "producers": [{"rate_per_s": 40, "acks": "1", "request_timeout_ms": 3000}],
        "consumers": [{"ack": "manual", "process_ms": 2, "auto_offset_reset": "earliest"}],
        "faults": [{"at_ms": 824, "pause": "b3", "for_ms": 5406}, {"at_ms": 4581, "restart": "b2"}]});
    let mut sim = Sim::new(Scenario::from_json(&scenario.to_string()).unwrap()).unwrap();
    let report = sim.run_to_end();
    let b3_truncated = sim.trace().iter().any(|e| {
        matches!(
            &e.event,
            Event::Kafka(KafkaEvent::Truncated { partition: 1, broker, to_offset: 17, .. })
                if *broker == b(3)
        )
    });
    assert!(b3_truncated, "b3 kept its epoch-2 record");
    assert!(
        report
            .lost_messages
            .iter()
            .all(|m| m.cause != brokersim::report::LossCause::Unreadable),
        "{:?}",
        report.lost_messages
    );
}
