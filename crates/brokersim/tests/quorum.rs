//! RabbitMQ quorum queues (Raft): scenario tests that read like the lesson
//! they check, each asserting what a real three-node cluster shows.

use brokersim::systems::quorum::QuorumEvent;
use brokersim::{BrokerId, Event, MsgId, Report, Scenario, Sim, SimTime, TraceEntry};
use serde_json::{Value, json};

fn b(n: u16) -> BrokerId {
    BrokerId(n - 1)
}

/// Three nodes, the queue's members on all of them, one producer (to b2)
/// and one consumer (to b3); `patch` adjusts it.
fn cluster(patch: impl FnOnce(&mut Value)) -> Sim {
    let mut scenario = json!({
        "version": 1,
        "seed": 1,
        "duration_ms": 30000,
        "system": "rabbitmq-quorum",
        "brokers": 3,
        "settings": {},
        "producers": [{ "rate_per_s": 20, "connect": ["b2", "b3"], "retries": 3, "confirm_timeout_ms": 3000 }],
        "consumers": [{ "ack": "manual", "prefetch": 10, "process_ms": 5, "connect": ["b3", "b2"] }],
        "faults": []
    });
    patch(&mut scenario);
    let scenario = Scenario::from_json(&scenario.to_string()).unwrap_or_else(|e| panic!("{e}"));
    Sim::new(scenario).unwrap()
}

fn run(patch: impl FnOnce(&mut Value)) -> (Report, Vec<TraceEntry>) {
    let mut sim = cluster(patch);
    let report = sim.run_to_end();
    (report, sim.trace().to_vec())
}

fn story(trace: &[TraceEntry]) -> String {
    trace
        .iter()
        .filter(|e| {
            !matches!(
                e.event,
                Event::Published { .. }
                    | Event::Confirmed { .. }
                    | Event::Delivered { .. }
                    | Event::ConfirmTimedOut { .. }
                    | Event::Nacked { .. }
                    | Event::Unsent { .. }
            )
        })
        .map(|e| {
            format!(
                "{:>10} {}\n",
                e.at,
                brokersim::voice::sentence(e, None, brokersim::Lang::En)
            )
        })
        .collect()
}

fn quorum_events(trace: &[TraceEntry]) -> Vec<(u64, &QuorumEvent)> {
    trace
        .iter()
        .filter_map(|e| match &e.event {
            Event::Quorum(q) => Some((e.at.as_ms(), q)),
            _ => None,
        })
        .collect()
}

/// (time, broker, term) of every election won.
fn elected(trace: &[TraceEntry]) -> Vec<(u64, BrokerId, u32)> {
    quorum_events(trace)
        .into_iter()
        .filter_map(|(at, e)| match e {
            QuorumEvent::LeaderElected { broker, term, .. } => Some((at, *broker, *term)),
            _ => None,
        })
        .collect()
}

fn assert_safe(report: &Report, trace: &[TraceEntry]) {
    assert_eq!(report.lost, 0, "{}", story(trace));
    assert_eq!(report.unexpected, 0);
    assert!(
        report.violations.is_empty(),
        "{:?}\n{}",
        report.violations,
        story(trace)
    );
    let terms: Vec<u32> = elected(trace).iter().map(|e| e.2).collect();
    let mut unique = terms.clone();
    unique.dedup();
    assert_eq!(terms, unique, "one leader per term");
}

#[test]
fn a_new_leader_is_elected_within_the_election_timeout_after_a_crash() {
    let (report, trace) = run(|s| s["faults"] = json!([{ "at_ms": 10000, "crash": "b1" }]));
    let elections = elected(&trace);
    assert_eq!(elections.len(), 1, "{}", story(&trace));
    let (at, broker, term) = elections[0];
    assert!(broker == b(2) || broker == b(3));
    assert_eq!(term, 2, "a higher term than b1's");
    // aten notices within one to two seconds (1 s of silence, polled every
    // second), then Ra's long timeout adds 1 to 2 s, then one vote round trip.
    assert!((12_000..=14_700).contains(&at), "elected at {at}");
    assert_eq!(report.failovers, 1);
    assert_eq!(report.detection_ms.len(), 1);
    assert!((1_000..=2_000).contains(&report.detection_ms[0]));
    assert!(report.confirmed > 500);
    assert_safe(&report, &trace);
}

#[test]
fn a_leader_that_shuts_down_is_replaced_within_a_tenth_of_a_second() {
    let (report, trace) = run(|s| s["faults"] = json!([{ "at_ms": 10000, "stop": "b1" }]));
    let elections = elected(&trace);
    assert_eq!(elections.len(), 1, "{}", story(&trace));
    let (at, _, term) = elections[0];
    assert_eq!(term, 2);
    // Ra's process monitor fires at once: the "really short" timeout.
    assert!((10_000..=10_120).contains(&at), "elected at {at}");
    assert_safe(&report, &trace);
}

#[test]
fn no_confirmed_message_is_lost_when_one_member_of_three_fails() {
    let faults = [
        json!([{ "at_ms": 10000, "crash": "b1" }, { "at_ms": 18000, "restart": "b1" }]),
        json!([{ "at_ms": 10000, "crash": "b2" }]),
        json!([{ "at_ms": 10000, "stop": "b1" }]),
        json!([{ "at_ms": 10000, "pause": "b1", "for_ms": 8000 }]),
        json!([{ "at_ms": 10000, "partition": [["b1"], ["b2", "b3"]] }, { "at_ms": 20000, "heal": true }]),
        json!([{ "at_ms": 10000, "lose_disk": "b1" }]),
        json!([{ "at_ms": 10000, "lose_disk": "b2" }]),
    ];
    for fault in faults {
        let (report, trace) = run(|s| s["faults"] = fault.clone());
        assert!(report.confirmed > 400, "{fault}: {report:?}");
        assert!(report.delivered >= report.confirmed, "{fault}");
        assert_safe(&report, &trace);
    }
}

#[test]
fn pause_minority_pauses_the_isolated_node_and_loses_nothing() {
    let (report, trace) = run(|s| {
        s["settings"] =
            json!({ "cluster_partition_handling": "pause_minority", "net_ticktime": 4 });
        s["producers"][0]["connect"] = json!(["b1", "b2"]);
        s["faults"] = json!([
            { "at_ms": 10000, "partition": [["b1"], ["b2", "b3"]] },
            { "at_ms": 22000, "heal": true }
        ]);
    });
    let paused: Vec<_> = trace
        .iter()
        .filter_map(|e| match e.event {
            Event::PausedMinority { broker, .. } => Some((e.at.as_ms(), broker)),
            _ => None,
        })
        .collect();
    assert_eq!(paused.len(), 1, "{}", story(&trace));
    assert_eq!(paused[0].1, b(1));
    assert!((14_000..=15_100).contains(&paused[0].0), "{paused:?}");
    assert!(
        trace
            .iter()
            .any(|e| matches!(e.event, Event::ResumedMajority { broker } if broker == b(1)))
    );
    assert_safe(&report, &trace);
}

#[test]
fn the_isolated_leader_confirms_nothing_and_discards_its_entries_after_the_heal() {
    let mut sim = cluster(|s| {
        s["producers"][0]["connect"] = json!(["b1"]);
        s["faults"] = json!([
            { "at_ms": 10000, "partition": [["b1"], ["b2", "b3"]] },
            { "at_ms": 25000, "heal": true }
        ]);
    });
    let report = sim.run_to_end();
    let trace = sim.trace();
    let confirms_while_isolated = trace
        .iter()
        .filter(|e| matches!(e.event, Event::Confirmed { .. }))
        .filter(|e| (10_050..25_000).contains(&e.at.as_ms()))
        .count();
    assert_eq!(confirms_while_isolated, 0, "{}", story(trace));
    let published_while_isolated = trace
        .iter()
        .filter(|e| matches!(e.event, Event::Published { .. }))
        .filter(|e| (10_050..25_000).contains(&e.at.as_ms()))
        .count();
    assert!(
        published_while_isolated > 200,
        "b1 keeps accepting publishes"
    );
    let events = quorum_events(trace);
    assert!(events.iter().any(|(at, e)| *at < 25_000
        && matches!(e, QuorumEvent::NoQuorum { leader, reachable: 1, members: 3 } if *leader == b(1))));
    // The majority side elects a leader in term 2 while b1 still leads term 1.
    let elections = elected(trace);
    assert_eq!(elections.len(), 1, "{}", story(trace));
    assert!(elections[0].0 < 15_000 && elections[0].2 == 2);
    let stepped: Vec<u32> = events
        .iter()
        .filter_map(|(at, e)| match e {
            QuorumEvent::SteppedDown {
                broker,
                uncommitted,
                ..
            } if *broker == b(1) && *at >= 25_000 => Some(*uncommitted),
            _ => None,
        })
        .collect();
    assert_eq!(stepped.len(), 1, "{}", story(trace));
    assert!(stepped[0] > 200, "uncommitted {}", stepped[0]);
    let truncated: u32 = events
        .iter()
        .filter_map(|(_, e)| match e {
            QuorumEvent::Truncated {
                broker, messages, ..
            } if *broker == b(1) => Some(*messages),
            _ => None,
        })
        .sum();
    assert!(truncated > 200, "truncated {truncated}");
    // Nothing confirmed was lost: what b1 discarded was never confirmed.
    assert_safe(&report, trace);
    assert!(report.indeterminate > 0 || report.duplicated > 0);
}

#[test]
fn a_restarted_follower_catches_up_with_the_same_committed_prefix() {
    let mut sim = cluster(|s| {
        s["consumers"][0]["start_ms"] = json!(25000);
        s["faults"] =
            json!([{ "at_ms": 5000, "crash": "b3" }, { "at_ms": 15000, "restart": "b3" }]);
    });
    sim.run_until(SimTime::from_ms(14_000));
    let behind = sim.view().replicas;
    assert_eq!(behind.len(), 2, "b3 is down");
    sim.run_until(SimTime::from_ms(20_000));
    let replicas = sim.view().replicas;
    assert_eq!(replicas.len(), 3);
    assert!(replicas.iter().all(|r| r.synced), "{replicas:?}");
    assert!(replicas.iter().all(|r| r.epoch == 1));
    // Every member applied the same ~400 enqueues (followers learn the
    // latest commit index with the next AppendEntries, so may trail by one).
    let lengths: Vec<u32> = replicas.iter().map(|r| r.length).collect();
    let (min, max) = (lengths.iter().min(), lengths.iter().max());
    assert!(
        min.zip(max).is_some_and(|(a, z)| *a > 350 && z - a <= 1),
        "{lengths:?}"
    );
    let events = quorum_events(sim.trace());
    assert!(events.iter().any(
        |(_, e)| matches!(e, QuorumEvent::Recovered { broker, entries, .. } if *broker == b(3) && *entries > 50)
    ));
    let caught_up = events
        .iter()
        .find(|(_, e)| matches!(e, QuorumEvent::CaughtUp { broker, .. } if *broker == b(3)))
        .unwrap_or_else(|| panic!("{}", story(sim.trace())));
    assert!((15_000..16_000).contains(&caught_up.0));
    let report = sim.run_to_end();
    assert_safe(&report, sim.trace());
}

/// A consumer that never finishes its first message, closed and reopened
/// `returns` times: the message is returned each time. `release` and
/// `delivery-limit` as given (the scenario's defaults when `None`).
fn poison_on(release: Option<&str>, limit: Option<u32>, returns: u64) -> (Report, Vec<TraceEntry>) {
    run(|s| {
        if let Some(release) = release {
            s["release"] = json!(release);
        }
        if let Some(limit) = limit {
            s["settings"] = json!({ "delivery-limit": limit });
        }
        s["duration_ms"] = json!(1_000 * returns + 10_000);
        s["producers"][0]["count"] = json!(3);
        s["consumers"][0]["prefetch"] = json!(1);
        s["consumers"][0]["process_ms"] = json!(2500);
        let faults: Vec<Value> = (1..=returns)
            .flat_map(|i| {
                [
                    json!({ "at_ms": 1000 * i, "stop": "c1" }),
                    json!({ "at_ms": 1000 * i + 200, "restart": "c1" }),
                ]
            })
            .collect();
        s["faults"] = json!(faults);
    })
}

fn poison(limit: Option<u32>) -> (Report, Vec<TraceEntry>) {
    poison_on(Some("3.13"), limit, 3)
}

fn delivery_limit_drops(trace: &[TraceEntry]) -> Vec<(MsgId, u32, u32)> {
    quorum_events(trace)
        .into_iter()
        .filter_map(|(_, e)| match e {
            QuorumEvent::DeliveryLimit {
                msg,
                returns,
                limit,
            } => Some((*msg, *returns, *limit)),
            _ => None,
        })
        .collect()
}

#[test]
fn delivery_limit_drops_a_message_returned_too_often() {
    let (report, trace) = poison(Some(2));
    assert_eq!(
        delivery_limit_drops(&trace),
        vec![(MsgId(1), 3, 2)],
        "{}",
        story(&trace)
    );
    // Confirmed, then dropped as poison before any handling finished.
    assert_eq!(report.lost, 1);
    assert_eq!(report.delivered, 2);
    let (unlimited, trace) = poison(None);
    assert!(
        quorum_events(&trace)
            .iter()
            .all(|(_, e)| !matches!(e, QuorumEvent::DeliveryLimit { .. }))
    );
    assert_eq!(unlimited.lost, 0);
    assert_eq!(unlimited.delivered, 3);
    assert!(unlimited.redelivered >= 1);
}

#[test]
fn messages_held_by_a_consumer_whose_node_dies_come_back_marked_redelivered() {
    let (report, trace) = run(|s| {
        s["heartbeat"] = json!({ "interval_ms": 500, "timeout_ms": 1500 });
        s["consumers"][0]["process_ms"] = json!(60);
        s["faults"] = json!([{ "at_ms": 10000, "crash": "b3" }]);
    });
    let redelivered = trace
        .iter()
        .filter(|e| {
            matches!(
                e.event,
                Event::Delivered {
                    redelivered: true,
                    ..
                }
            )
        })
        .count();
    assert!(redelivered >= 5, "{redelivered}\n{}", story(&trace));
    assert!(report.redelivered >= 5);
    assert!(trace.iter().any(|e| matches!(e.event, Event::Requeued { broker, messages } if broker == b(1) && messages >= 5)));
    assert_safe(&report, &trace);
}

#[test]
fn a_smaller_group_leaves_the_other_brokers_as_relays() {
    let (report, trace) = run(|s| {
        s["brokers"] = json!(5);
        s["producers"][0]["connect"] = json!(["b5"]);
        s["consumers"][0]["connect"] = json!(["b4"]);
        s["faults"] = json!([{ "at_ms": 10000, "crash": "b1" }]);
    });
    let declared = trace.iter().find_map(|e| match &e.event {
        Event::Quorum(QuorumEvent::Declared { members, .. }) => Some(members.clone()),
        _ => None,
    });
    assert_eq!(
        declared,
        Some(vec![b(1), b(2), b(3)]),
        "group size min(3, 5)"
    );
    assert!(report.confirmed > 400);
    assert_safe(&report, &trace);
}

#[test]
fn the_same_seed_gives_the_same_trace_hash() {
    let patch = |s: &mut Value| {
        s["faults"] = json!([
            { "at_ms": 8000, "crash": "b1" },
            { "at_ms": 12000, "partition": [["b2"], ["b1", "b3"]] },
            { "at_ms": 16000, "heal": true },
            { "at_ms": 18000, "restart": "b1" }
        ]);
    };
    let (first, _) = run(patch);
    let (second, _) = run(patch);
    assert_eq!(first, second);
    let (reseeded, _) = run(|s| {
        patch(s);
        s["seed"] = json!(2);
    });
    assert_ne!(first.trace_hash, reseeded.trace_hash);
}

/// `settings` changed by `edit` must be refused at `settings.<key>`.
fn refused(settings: Value, key: &str) -> String {
    let scenario = json!({
        "version": 1,
        "duration_ms": 5000,
        "system": "rabbitmq-quorum",
        "brokers": 3,
        "settings": settings,
        "producers": [{ "rate_per_s": 10 }]
    });
    match Scenario::from_json(&scenario.to_string()) {
        Ok(_) => panic!("accepted {settings}"),
        Err(e) => {
            assert_eq!(e.path, format!("settings.{key}"), "{settings}: {e}");
            e.message
        }
    }
}

#[test]
fn every_quorum_setting_refuses_a_wrong_type_or_an_out_of_range_value() {
    let group = "x-quorum-initial-group-size";
    refused(json!({ group: "3" }), group);
    refused(json!({ group: 0 }), group);
    let m = refused(json!({ group: 4 }), group);
    assert!(m.contains("at most the number of brokers"), "{m}");
    refused(json!({ group: 1.5 }), group);
    refused(json!({ "delivery-limit": -2 }), "delivery-limit");
    refused(json!({ "delivery-limit": "5" }), "delivery-limit");
    refused(json!({ "delivery-limit": 2_000_000 }), "delivery-limit");
    refused(json!({ "net_ticktime": 0 }), "net_ticktime");
    refused(json!({ "net_ticktime": "60" }), "net_ticktime");
    refused(json!({ "net_ticktime": 3601 }), "net_ticktime");
    refused(
        json!({ "cluster_partition_handling": "pause-minority" }),
        "cluster_partition_handling",
    );
    refused(
        json!({ "cluster_partition_handling": 1 }),
        "cluster_partition_handling",
    );
    let m = refused(json!({ "ha-mode": "all" }), "ha-mode");
    assert!(m.contains("rabbitmq-mirrored"), "{m}");
    let m = refused(json!({ "x-quorum-group-size": 3 }), "x-quorum-group-size");
    assert!(m.contains("x-quorum-initial-group-size"), "{m}");
}

fn quorum_settings(sim: &Sim) -> &brokersim::scenario::settings::QuorumSettings {
    match &sim.config().system {
        brokersim::scenario::config::SystemConfig::Quorum(q) => q,
        other => panic!("{other:?}"),
    }
}

/// RabbitMQ 4.2 is the release modelled unless the scenario names another;
/// its quorum queues have a delivery limit of 20 (RabbitMQ 4.0.0 release
/// notes: "Quorum queues now have a default redelivery limit set to 20").
#[test]
fn the_defaults_are_release_4_2_a_group_of_three_and_a_delivery_limit_of_20() {
    let sim = cluster(|s| s["brokers"] = json!(7));
    assert_eq!(sim.config().release.to_string(), "4.2");
    let q = quorum_settings(&sim);
    assert_eq!(q.initial_group_size, 3);
    assert_eq!(q.delivery_limit, Some(20));
    assert_eq!(q.net_ticktime_s, 60);
    assert_eq!(sim.view().replicas.len(), 3);
    let on_3_13 = cluster(|s| s["release"] = json!("3.13"));
    assert_eq!(quorum_settings(&on_3_13).delivery_limit, None);
}

/// Quorum Queues guide (4.2), "Repeatedly Requeued Deliveries": "since
/// RabbitMQ 4.0 a default delivery-limit of 20 is always set after which
/// the message will be dropped or dead lettered … The old unlimited
/// delivery-limit behaviour can be restored by setting … a delivery limit
/// of -1." On 3.13 the same consumer loop goes on forever.
#[test]
fn since_4_0_a_message_returned_more_than_20_times_is_dropped_unless_the_limit_is_minus_1() {
    let (report, trace) = poison_on(None, None, 22);
    assert_eq!(
        delivery_limit_drops(&trace),
        vec![(MsgId(1), 21, 20)],
        "{}",
        story(&trace)
    );
    assert_eq!(report.lost, 1);
    let (on_3_13, trace) = poison_on(Some("3.13"), None, 22);
    assert!(delivery_limit_drops(&trace).is_empty());
    assert_eq!(on_3_13.lost, 0);
    let unlimited = cluster(|s| s["settings"] = json!({ "delivery-limit": -1 }));
    assert_eq!(quorum_settings(&unlimited).delivery_limit, None);
    let scenario = json!({
        "version": 1, "duration_ms": 5000, "system": "rabbitmq-quorum", "release": "3.13",
        "brokers": 3, "settings": { "delivery-limit": -1 }, "producers": [{ "rate_per_s": 10 }]
    });
    let err = Scenario::from_json(&scenario.to_string()).unwrap_err();
    assert_eq!(err.path, "settings.delivery-limit");
    assert!(err.message.contains("3.13 has no -1"), "{err}");
}

/// RabbitMQ 4.0.0 release notes: "classic queue mirroring was completely
/// removed in this version", so a mirrored queue exists only up to 3.13.
#[test]
fn a_mirrored_queue_on_rabbitmq_4_is_refused_with_the_reason() {
    let scenario = json!({
        "version": 1, "duration_ms": 5000, "system": "rabbitmq-mirrored",
        "release": "4.2", "brokers": 3, "producers": [{ "rate_per_s": 10 }]
    });
    let err = Scenario::from_json(&scenario.to_string()).unwrap_err();
    assert_eq!(err.path, "release");
    assert!(err.message.contains("removed in 4.0"), "{err}");
    assert!(err.message.contains("rabbitmq-quorum"), "{err}");
}

/// A small deterministic generator for fault schedules (the test's own,
/// so that the schedule is a pure function of the seed).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// Crashes, stops, restarts, pauses and partitions of any nodes, in any
/// number: Raft may become unavailable but never loses what it confirmed.
fn random_faults(seed: u64, lose_disks: bool) -> Value {
    let mut rng = Lcg(seed);
    let mut faults = Vec::new();
    let mut lost_disk = false;
    let mut at = 2_000;
    while at < 26_000 {
        let node = format!("b{}", 1 + rng.below(3));
        let fault = match rng.below(if lose_disks && !lost_disk { 7 } else { 6 }) {
            0 => json!({ "at_ms": at, "crash": node }),
            1 => json!({ "at_ms": at, "stop": node }),
            2 => json!({ "at_ms": at, "restart": node }),
            3 => json!({ "at_ms": at, "pause": node, "for_ms": 500 + rng.below(6_000) }),
            // The named node alone on one side, the others on the other.
            4 => {
                let alone = rng.below(3) + 1;
                let others: Vec<String> = (1..=3)
                    .filter(|n| *n != alone)
                    .map(|n| format!("b{n}"))
                    .collect();
                json!({ "at_ms": at, "partition": [[format!("b{alone}")], others] })
            }
            5 => json!({ "at_ms": at, "heal": true }),
            // One disk only: a second before the first member is repaired
            // would destroy a majority's copies, which no quorum survives.
            _ => {
                lost_disk = true;
                json!({ "at_ms": at, "lose_disk": node })
            }
        };
        faults.push(fault);
        at += 500 + rng.below(3_000);
    }
    Value::Array(faults)
}

#[test]
fn random_fault_schedules_never_lose_a_confirmed_message_nor_elect_two_leaders_in_a_term() {
    // QUORUM_SWEEP=200 cargo test --test quorum random_fault -- --nocapture
    let count: u64 = std::env::var("QUORUM_SWEEP")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6);
    for seed in 0..count {
        let faults = random_faults(seed, seed % 2 == 1);
        let handling = ["ignore", "pause_minority", "autoheal"][(seed % 3) as usize];
        let (report, trace) = run(|s| {
            s["seed"] = json!(seed);
            s["settings"] = json!({ "cluster_partition_handling": handling, "net_ticktime": 2 });
            s["faults"] = faults.clone();
        });
        assert!(
            report.lost == 0 && report.violations.is_empty(),
            "seed {seed} ({handling}): {faults}\n{report:?}\n{}",
            story(&trace)
        );
    }
}

#[test]
fn a_member_that_lost_its_disk_cannot_vote_until_a_leader_repairs_it() {
    // b3 comes back empty just as the leader b1 crashes: b2 alone with an
    // empty member is no majority, so nobody is elected until b1 returns.
    let (report, trace) = run(|s| {
        s["faults"] = json!([
            { "at_ms": 10000, "crash": "b1" },
            { "at_ms": 10000, "lose_disk": "b3" },
            { "at_ms": 20000, "restart": "b1" }
        ]);
    });
    let elections = elected(&trace);
    assert!(!elections.is_empty(), "{}", story(&trace));
    assert!(
        elections.iter().all(|(at, _, _)| *at >= 20_000),
        "{elections:?}\n{}",
        story(&trace)
    );
    assert!(
        elections.iter().all(|(_, broker, _)| *broker != b(3)),
        "an emptied member never leads first"
    );
    assert!(quorum_events(&trace).iter().any(|(at, e)| *at >= 20_000
        && matches!(e, QuorumEvent::CaughtUp { broker, .. } if *broker == b(3))));
    assert!(report.unavailable_ms >= 9_000);
    assert_safe(&report, &trace);
}

/// The preset `name` with `faults` appended.
fn preset_with(name: &str, faults: Value) -> (Report, Vec<TraceEntry>) {
    let preset = brokersim::presets::get(name).unwrap();
    let mut scenario: Value = serde_json::from_str(preset.json).unwrap();
    for fault in faults.as_array().unwrap() {
        scenario["faults"]
            .as_array_mut()
            .unwrap()
            .push(fault.clone());
    }
    let scenario = Scenario::from_json(&scenario.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let mut sim = Sim::new(scenario).unwrap();
    let report = sim.run_to_end();
    (report, sim.trace().to_vec())
}

fn partitions_noticed(trace: &[TraceEntry]) -> Vec<String> {
    trace
        .iter()
        .filter(|e| matches!(e.event, Event::PartitionNoticed { .. }))
        .map(|e| {
            format!(
                "{} {}",
                e.at,
                brokersim::voice::sentence(e, None, brokersim::Lang::En)
            )
        })
        .collect()
}

#[test]
fn a_node_stopped_and_restarted_rejoins_without_a_partition() {
    // A graceful stop announces itself; the restarted node is a new
    // incarnation. Neither follower nor leader saw a partition.
    for node in ["b2", "b1"] {
        let (report, trace) = preset_with(
            "quorum-leader-crash",
            json!([{ "at_ms": 3000, "stop": node }, { "at_ms": 8000, "restart": node }]),
        );
        let noticed = partitions_noticed(&trace);
        assert!(noticed.is_empty(), "{node}: {noticed:?}\n{}", story(&trace));
        assert_safe(&report, &trace);
    }
}

#[test]
fn a_crashed_node_declared_down_by_net_ticktime_restarts_without_a_partition() {
    for node in ["b2", "b1"] {
        let (report, trace) = run(|s| {
            s["settings"] = json!({ "net_ticktime": 2 });
            s["faults"] = json!([
                { "at_ms": 5000, "crash": node },
                { "at_ms": 15000, "restart": node }
            ]);
        });
        assert!(
            trace
                .iter()
                .any(|e| matches!(e.event, Event::DeclaredDown { .. })),
            "{}",
            story(&trace)
        );
        let noticed = partitions_noticed(&trace);
        assert!(noticed.is_empty(), "{node}: {noticed:?}\n{}", story(&trace));
        assert_safe(&report, &trace);
    }
}

#[test]
fn a_real_partition_is_noticed_when_it_heals() {
    // b1 keeps running behind the partition: when it heals, the nodes that
    // had declared each other down hear from the same incarnation again.
    let (_, trace) = run(|s| {
        s["settings"] = json!({ "net_ticktime": 2 });
        s["faults"] = json!([
            { "at_ms": 5000, "partition": [["b1"], ["b2", "b3"]] },
            { "at_ms": 15000, "heal": true }
        ]);
    });
    let noticed = partitions_noticed(&trace);
    assert!(
        noticed.iter().any(|n| n.contains("b1 hears from b2 again")),
        "{noticed:?}\n{}",
        story(&trace)
    );
    assert!(noticed.iter().all(|n| n.starts_with("15.")), "{noticed:?}");
}

/// RabbitMQ 4.0.0 release notes ("classic queue mirroring was completely
/// removed … Quorum queues and streams are two mature replicated data
/// types") and the Quorum Queues guide, "Data Safety": a confirmed message
/// is not lost while a majority of the queue's members survive. The faults
/// that lose 160 confirmed messages of a mirrored queue (a restarted,
/// unsynchronised mirror promoted) lose none on a quorum queue.
#[test]
fn the_faults_that_lose_a_mirrored_queues_messages_lose_none_on_a_quorum_queue() {
    let run_preset = |name: &str| {
        let mut sim = Sim::new(brokersim::presets::get(name).unwrap().scenario()).unwrap();
        let report = sim.run_to_end();
        (report, sim.trace().to_vec())
    };
    let (mirrored, _) = run_preset("mirrored-unsynced-promotion");
    let (quorum, trace) = run_preset("quorum-restarted-follower");
    assert_eq!(mirrored.lost, 160);
    assert_eq!(quorum.lost, 0, "{}", story(&trace));
    assert_eq!(quorum.confirmed, mirrored.confirmed);
    let events = quorum_events(&trace);
    assert!(events.iter().any(
        |(_, e)| matches!(e, QuorumEvent::Recovered { broker, entries, .. } if *broker == b(2) && *entries == 160)
    ));
    assert!(events.iter().any(
        |(at, e)| matches!(e, QuorumEvent::LeaderElected { term: 2, .. } if (20_000..25_000).contains(at))
    ));
}
