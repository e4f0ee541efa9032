//! The world around the brokers: the network (partitions, slow links, packet
//! loss), process faults (crash, graceful stop, pause, lost disk, crashed
//! clients), failure detection, and the drain that ends every run.

mod common;

use brokersim::trace::Detector;
use brokersim::view::BrokerStatus;
use brokersim::{Addr, Event, SimTime, TraceEntry};
use common::*;
use serde_json::{Value, json};

/// Three RabbitMQ nodes, the queue mirrored everywhere, net_ticktime
/// shortened to 2 s (a tick every 0.5 s); p1 publishes through b2 and c1
/// consumes through b3. `patch` adjusts it.
fn cluster(patch: impl FnOnce(&mut Value)) -> Value {
    let mut s = json!({
        "version": 1,
        "seed": 5,
        "duration_ms": 6000,
        "system": "rabbitmq-mirrored",
        "brokers": 3,
        "settings": { "ha-mode": "all", "net_ticktime": 2 },
        "producers": [{ "rate_per_s": 10, "connect": ["b2"], "retries": 3, "confirm_timeout_ms": 1000 }],
        "consumers": [{ "process_ms": 5, "connect": ["b3"] }],
        "faults": []
    });
    patch(&mut s);
    s
}

/// Brokers declaring brokers down: (time, observer, target), in b-numbers.
fn broker_downs(trace: &[TraceEntry]) -> Vec<(u64, u16, u16)> {
    declared_down(trace)
        .into_iter()
        .filter_map(|(at, observer, target, _, _)| match (observer, target) {
            (Addr::Broker(o), Addr::Broker(t)) => Some((at, o.0 + 1, t.0 + 1)),
            _ => None,
        })
        .collect()
}

fn groups_at(json: &Value, ms: u64) -> Vec<u8> {
    let mut sim = sim(json);
    sim.run_until(SimTime::from_ms(ms));
    sim.view().brokers.iter().map(|b| b.group).collect()
}

#[test]
fn a_partition_cuts_only_between_groups_and_clients_still_reach_every_broker() {
    let json = cluster(|s| {
        s["duration_ms"] = json!(8000);
        s["producers"][0]["connect"] = json!(["b1"]);
        s["faults"] = json!([{ "at_ms": 2000, "partition": [["b1"], ["b2", "b3"]] }]);
    });
    let groups = groups_at(&json, 2500);
    assert_ne!(groups[0], groups[1]);
    assert_eq!(groups[1], groups[2]);

    let (report, sim) = run(&json);
    let trace = sim.trace();
    let mut pairs: Vec<(u16, u16)> = broker_downs(trace)
        .iter()
        .filter(|(at, _, _)| *at < 8000)
        .map(|(_, o, t)| (*o, *t))
        .collect();
    pairs.sort();
    // Across the cut both ways; never between b2 and b3.
    assert_eq!(
        pairs,
        vec![(1, 2), (1, 3), (2, 1), (3, 1)],
        "{}",
        story(trace)
    );
    for (at, _, _) in broker_downs(trace).iter().filter(|(at, _, _)| *at < 8000) {
        assert!((4000..=4505).contains(at), "declared at {at}");
    }
    // p1 stays connected to b1, alone on its side, which (under the default
    // `ignore`) keeps its master and confirms without mirrors.
    assert!(
        all(
            trace,
            |e| matches!(e, Event::ConnectionLost { client, .. } if *client == p(1))
        )
        .iter()
        .all(|e| e.at.as_ms() >= 8000)
    );
    let confirmed_alone = all(trace, |e| matches!(e, Event::Confirmed { .. }))
        .iter()
        .filter(|e| (4000..8000).contains(&e.at.as_ms()))
        .count();
    assert!(
        confirmed_alone >= 30,
        "{confirmed_alone} confirms from b1 during the split"
    );
    // c1 on b3 is still served, by the master promoted on its side.
    let promoted = first(trace, "a promotion", |e| {
        matches!(e, Event::Promoted { .. })
    });
    assert!(matches!(promoted.event, Event::Promoted { broker, .. } if broker == b(2)));
    assert_eq!(report.unexpected, 0);
}

#[test]
fn healing_the_partition_lets_the_brokers_hear_each_other_again() {
    let json = cluster(|s| {
        s["duration_ms"] = json!(8000);
        s["faults"] = json!([
            { "at_ms": 2000, "partition": [["b1"], ["b2", "b3"]] },
            { "at_ms": 5000, "heal": true }
        ]);
    });
    assert_eq!(groups_at(&json, 5001), vec![0, 0, 0]);
    let (_, sim) = run(&json);
    let trace = sim.trace();
    // Healed at 5 s; the drain at 8 s finds nothing left to heal.
    assert_eq!(times(trace, |e| matches!(e, Event::Healed)), vec![5000]);
    // The first packets across the old cut arrive within a few ms: each side
    // finds that the other, which it had declared down, was alive all along.
    let noticed: Vec<(u64, u16, u16)> = trace
        .iter()
        .filter_map(|e| match e.event {
            Event::PartitionNoticed { broker, other } => {
                Some((e.at.as_ms(), broker.0 + 1, other.0 + 1))
            }
            _ => None,
        })
        .collect();
    let mut pairs: Vec<(u16, u16)> = noticed.iter().map(|(_, x, y)| (*x, *y)).collect();
    pairs.sort();
    pairs.dedup();
    assert_eq!(
        pairs,
        vec![(1, 2), (1, 3), (2, 1), (3, 1)],
        "{}",
        story(trace)
    );
    assert!(
        noticed.iter().all(|(at, _, _)| (5000..=5010).contains(at)),
        "{noticed:?}"
    );
}

#[test]
fn peers_declare_a_paused_broker_down_and_on_resuming_it_processes_what_piled_up() {
    let json = cluster(|s| {
        s["duration_ms"] = json!(10000);
        s["faults"] = json!([{ "at_ms": 2000, "pause": "b2", "for_ms": 5000 }]);
    });
    let (report, sim) = run(&json);
    let trace = sim.trace();
    let paused = first(trace, "Paused", |e| matches!(e, Event::Paused { .. }));
    assert_eq!(paused.at.as_ms(), 2000);
    assert_eq!(
        paused.event,
        Event::Paused {
            broker: b(2),
            for_ms: 5000
        }
    );
    let downs = broker_downs(trace);
    let of_b2: Vec<_> = downs.iter().filter(|(_, _, t)| *t == 2).collect();
    assert_eq!(
        of_b2.len(),
        2,
        "b1 and b3 declare b2 down:\n{}",
        story(trace)
    );
    for (at, observer, _) in &of_b2 {
        assert!([1, 3].contains(observer));
        // net_ticktime 2 s, checked every 0.5 s.
        assert!((4000..=4505).contains(at), "declared at {at}");
    }
    assert_eq!(report.detection_ms, vec![2000]);
    assert_eq!(
        times(trace, |e| matches!(e, Event::Resumed(x) if *x == b(2))),
        vec![7000]
    );
    // Frozen: b2 does nothing at all between the pause and the resume.
    let by_b2_while_frozen = trace.iter().filter(|e| {
        (2001..7000).contains(&e.at.as_ms())
            && matches!(e.event,
                Event::DeclaredDown { observer, .. } if observer == broker(2))
    });
    assert_eq!(by_b2_while_frozen.count(), 0);
    // On resuming it reads the disconnects its peers sent it at 4 s.
    let disconnected = times(
        trace,
        |e| matches!(e, Event::PeerDisconnected { observer, .. } if *observer == b(2)),
    );
    assert!(!disconnected.is_empty(), "{}", story(trace));
    assert_eq!(disconnected[0], 7000);
    // And its own timers, due every 0.5 s, fire late: no tick leaves b2
    // while it is frozen; the overdue one goes out the moment it wakes.
    let ticks_from_b2 = |until_ms: u64| {
        let mut frozen = common::sim(&json);
        frozen.run_until(SimTime::from_ms(until_ms));
        let mut sent: Vec<u64> = frozen
            .view()
            .in_flight
            .iter()
            .filter(|p| p.from == broker(2) && p.kind == "tick")
            .map(|p| p.sent_at.as_ms())
            .collect();
        sent.sort();
        sent
    };
    assert!(ticks_from_b2(6999).iter().all(|at| *at <= 2000));
    assert!(ticks_from_b2(7000).contains(&7000));
}

#[test]
fn a_crash_is_detected_within_one_heartbeat_interval_after_the_timeout() {
    // (heartbeat override, detector, timeout, interval)
    let cases = [
        (None, Detector::NetTicktime, 2000, 500),
        (Some((250, 1000)), Detector::Heartbeat, 1000, 250),
        (Some((100, 600)), Detector::Heartbeat, 600, 100),
    ];
    for (heartbeat, detector, timeout, interval) in cases {
        let json = cluster(|s| {
            if let Some((interval_ms, timeout_ms)) = heartbeat {
                s["heartbeat"] = json!({ "interval_ms": interval_ms, "timeout_ms": timeout_ms });
            }
            s["faults"] = json!([{ "at_ms": 2000, "crash": "b1" }]);
        });
        let (report, sim) = run(&json);
        let trace = sim.trace();
        assert_eq!(report.detection_ms.len(), 1, "{}", story(trace));
        let detection = report.detection_ms[0];
        assert!(
            (timeout..=timeout + interval + 5).contains(&detection),
            "{heartbeat:?}: detected after {detection} ms"
        );
        let first_down = first(
            trace,
            "b1 declared down",
            |e| matches!(e, Event::DeclaredDown { target, .. } if *target == broker(1)),
        );
        let Event::DeclaredDown {
            by,
            timeout_ms,
            silent_ms,
            ..
        } = first_down.event
        else {
            unreachable!()
        };
        assert_eq!(first_down.at.as_ms(), 2000 + detection);
        assert_eq!(by, detector);
        assert_eq!(timeout_ms, timeout);
        assert!(silent_ms >= timeout);
        assert_eq!(report.lost, 0);
    }
}

#[test]
fn a_graceful_stop_is_announced_to_the_peers_at_once_and_not_detected_by_timeout() {
    let json = cluster(|s| s["faults"] = json!([{ "at_ms": 2000, "stop": "b1" }]));
    let (report, sim) = run(&json);
    let trace = sim.trace();
    assert_eq!(
        times(trace, |e| matches!(e, Event::Stopped(x) if *x == broker(1))),
        vec![2000]
    );
    let downs_of_b1: Vec<_> = broker_downs(trace)
        .into_iter()
        .filter(|(_, _, t)| *t == 1)
        .collect();
    assert!(downs_of_b1.is_empty(), "{}", story(trace));
    assert!(report.detection_ms.is_empty());
    // The oldest mirror takes over one network hop later, not after net_ticktime.
    let promoted = first(trace, "a promotion", |e| {
        matches!(e, Event::Promoted { .. })
    });
    assert!(
        matches!(promoted.event, Event::Promoted { broker, synced: true, .. } if broker == b(2))
    );
    assert!((2000..=2005).contains(&promoted.at.as_ms()));
    assert_eq!(report.failovers, 1);
    assert_eq!(report.lost, 0);
}

#[test]
fn losing_its_disk_restarts_a_broker_empty() {
    // An unmirrored queue lives on b1 alone; the consumer comes late.
    let json = json!({
        "version": 1,
        "seed": 5,
        "duration_ms": 6000,
        "system": "rabbitmq-mirrored",
        "brokers": 2,
        "producers": [{ "rate_per_s": 10, "connect": ["b2"] }],
        "consumers": [{ "process_ms": 5, "start_ms": 4000, "connect": ["b2"] }],
        "faults": [{ "at_ms": 2000, "lose_disk": "b1" }]
    });
    let (report, sim) = run(&json);
    let trace = sim.trace();
    let at_2000: Vec<&Event> = trace
        .iter()
        .filter(|e| e.at.as_ms() == 2000 && !e.event.is_message())
        .map(|e| &e.event)
        .collect();
    assert_eq!(
        at_2000,
        vec![
            &Event::DiskLost(b(1)),
            // Not `Crashed`, whose sentence says the disk survives.
            &Event::CrashedWithDisk(b(1)),
            &Event::Discarded {
                broker: b(1),
                messages: 20,
                why: brokersim::trace::DropWhy::DiskLost
            },
            &Event::Restarted(broker(1)),
        ],
        "{}",
        story(trace)
    );
    // No sentence of the wiped broker's story, in either language, claims
    // that what it had written to disk survived.
    for entry in trace.iter().filter(|e| e.at.as_ms() == 2000) {
        for lang in [brokersim::Lang::En, brokersim::Lang::Zh] {
            let text = brokersim::voice::sentence(entry, None, lang);
            assert!(
                !text.contains("disk survives") && !text.contains("已写入磁盘的内容得以保留"),
                "{text}"
            );
        }
    }
    // The 20 confirmed messages had no other copy.
    assert_eq!(report.lost, 20);
    assert!(report.violations.iter().all(|v| v.at_ms == 2000));
    assert_eq!(report.violations.len(), 20);
}

#[test]
fn a_mirror_that_loses_its_disk_rejoins_as_an_empty_mirror_and_nothing_is_lost() {
    let json = cluster(|s| {
        s["consumers"][0]["start_ms"] = json!(4000);
        s["faults"] = json!([{ "at_ms": 2000, "lose_disk": "b3" }]);
    });
    let (report, sim) = run(&json);
    let trace = sim.trace();
    let order: Vec<&Event> = trace
        .iter()
        .filter(|e| e.at.as_ms() == 2000 && !e.event.is_message())
        .map(|e| &e.event)
        .collect();
    assert_eq!(
        order.first(),
        Some(&&Event::DiskLost(b(3))),
        "{}",
        story(trace)
    );
    assert!(order.contains(&&Event::Restarted(broker(3))));
    let joined = first_after(
        trace,
        2000,
        "b3 rejoining",
        |e| matches!(e, Event::MirrorJoined { broker, .. } if *broker == b(3)),
    );
    // It rejoins without the 20 messages the others hold.
    assert!(joined.at.as_ms() <= 2010);
    assert!(
        matches!(
            joined.event,
            Event::MirrorJoined {
                synced: false,
                missing: 20,
                ..
            }
        ),
        "{:?}",
        joined.event
    );
    assert_eq!(report.lost, 0);
    assert_eq!(report.delivered, report.published);
}

#[test]

fn a_broker_restarted_before_its_peers_noticed_the_crash_recovers_its_queue_from_disk() {
    let json = json!({
        "version": 1,
        "seed": 5,
        "duration_ms": 6000,
        "system": "rabbitmq-mirrored",
        "brokers": 2,
        "producers": [{ "rate_per_s": 10, "connect": ["b2"], "retries": 3, "confirm_timeout_ms": 1000 }],
        "consumers": [{ "process_ms": 5, "start_ms": 4000, "connect": ["b2"] }],
        "faults": [{ "at_ms": 2000, "crash": "b1" }, { "at_ms": 2500, "restart": "b1" }]
    });
    let (report, sim) = run(&json);
    let trace = sim.trace();
    let recovered = first(trace, "MasterRecovered", |e| {
        matches!(e, Event::MasterRecovered { .. })
    });
    assert!(
        matches!(recovered.event, Event::MasterRecovered { broker, messages: 20, .. } if broker == b(1)),
        "{:?}",
        recovered.event
    );
    assert!(recovered.at.as_ms() < 4000);
    assert_eq!(report.lost, 0, "the disk was intact");
}

#[test]
fn a_20_s_slow_link_makes_b2_declare_b1_down_although_nothing_crashed() {
    let json = cluster(|s| {
        s["duration_ms"] = json!(10000);
        s["settings"]["net_ticktime"] = json!(5);
        s["producers"][0]["connect"] = json!(["b3"]);
        s["faults"] = json!([{ "at_ms": 1000, "slow_link": { "between": ["b1", "b2"], "latency_ms": 20000 } }]);
    });
    let (report, sim) = run(&json);
    let trace = sim.trace();
    assert_eq!(
        first(trace, "LinkSlowed", |e| matches!(
            e,
            Event::LinkSlowed { .. }
        ))
        .event,
        Event::LinkSlowed {
            a: b(1),
            b: b(2),
            latency_ms: 20000
        }
    );
    assert!(all(trace, |e| matches!(e, Event::Crashed(_))).is_empty());
    let downs: Vec<_> = broker_downs(trace)
        .into_iter()
        .filter(|(at, _, _)| *at < 10000)
        .collect();
    let pairs: Vec<(u16, u16)> = downs.iter().map(|(_, o, t)| (*o, *t)).collect();
    assert!(pairs.contains(&(2, 1)), "{}", story(trace));
    assert!(pairs.contains(&(1, 2)));
    assert!(
        pairs.iter().all(|(o, t)| *o != 3 && *t != 3),
        "b3's links are fine: {pairs:?}"
    );
    for (at, _, _) in &downs {
        // net_ticktime 5 s, a tick every 1.25 s.
        assert!((6000..=7255).contains(at), "declared at {at}");
    }
    assert!(report.detection_ms.is_empty(), "nothing failed");
}

#[test]
fn packet_loss_delays_packets_but_never_drops_them() {
    let lossy = cluster(|s| {
        s["settings"] = json!({ "ha-mode": "all" });
        s["network"] = json!({ "loss": "1/4" });
        s["producers"] = json!([{ "rate_per_s": 20, "connect": ["b2"] }]);
    });
    let (report, sim) = run(&lossy);
    assert_eq!(report.published, 120);
    assert_eq!(report.confirmed, 120);
    assert_eq!(report.delivered, 120);
    assert_eq!(report.duplicated, 0);
    assert_eq!(report.lost, 0);
    assert!(report.violations.is_empty(), "{:?}", report.violations);
    let slowest = |ledger: &brokersim::ledger::Ledger| {
        ledger
            .all()
            .iter()
            .map(|m| m.first_delivered_at.unwrap().as_ms() - m.published_at.as_ms())
            .max()
            .unwrap()
    };
    // A lost packet waits for TCP's retransmission timeout (200 ms, doubling).
    let lossy_slowest = slowest(sim.ledger());
    assert!(lossy_slowest >= 200, "slowest delivery {lossy_slowest} ms");
    let mut clean = lossy.clone();
    clean["network"] = json!({});
    let (clean_report, clean_sim) = run(&clean);
    assert_eq!(clean_report.delivered, 120);
    assert!(slowest(clean_sim.ledger()) < 50);
}

#[test]
fn the_drain_restarts_crashed_brokers_and_heals_partitions_and_a_safe_cluster_loses_nothing() {
    let json = cluster(|s| {
        s["producers"][0]["connect"] = json!(["b2"]);
        s["consumers"][0]["connect"] = json!(["b2"]);
        s["faults"] = json!([
            { "at_ms": 2000, "crash": "b3" },
            { "at_ms": 3000, "partition": [["b1", "b2"], ["b3"]] }
        ]);
    });
    let mut sim = sim(&json);
    sim.run_until(SimTime::from_ms(5999));
    let view = sim.view();
    assert_eq!(view.brokers[2].status, BrokerStatus::Crashed);
    assert!(!view.draining);
    let report = sim.run_to_end();
    let trace = sim.trace();
    let drain: Vec<(u64, &Event)> = trace
        .iter()
        .filter(|e| e.at.as_ms() == 6000 && !e.event.is_message())
        .map(|e| (e.at.as_ms(), &e.event))
        .collect();
    assert_eq!(
        drain[0],
        (6000, &Event::FaultPhaseEnded),
        "{}",
        story(trace)
    );
    assert!(drain.contains(&(6000, &Event::Healed)));
    assert!(drain.contains(&(6000, &Event::Restarted(broker(3)))));
    let finished = first(trace, "DrainFinished", |e| {
        matches!(e, Event::DrainFinished { .. })
    });
    assert_eq!(finished.event, Event::DrainFinished { clean: true });
    assert!(finished.at.as_ms() > 6000);
    // The drain's end, then the final reader's verdict, close the trace.
    let [.., before_last, last] = trace else {
        panic!("a short trace")
    };
    assert_eq!(before_last.event, Event::DrainFinished { clean: true });
    assert!(matches!(last.event, Event::FinalRead { lost: 0, .. }));
    let view = sim.view();
    assert!(view.finished);
    assert!(
        view.brokers
            .iter()
            .all(|b| b.status == BrokerStatus::Up && b.group == 0)
    );
    assert_eq!(report.lost, 0);
    assert_eq!(report.delivered, report.published);
    assert!(report.violations.is_empty(), "{:?}", report.violations);
}

#[test]
fn a_crashed_consumer_stops_handling_and_after_a_restart_gets_its_unacked_messages_again() {
    let json = cluster(|s| {
        // Slower than the producer, so a prefetch window is always in flight.
        s["consumers"] = json!([{ "process_ms": 150, "prefetch": 5, "connect": ["b3"] }]);
        s["faults"] = json!([{ "at_ms": 2000, "crash": "c1" }, { "at_ms": 3000, "restart": "c1" }]);
    });
    let (report, sim) = run(&json);
    let trace = sim.trace();
    assert_eq!(
        times(trace, |e| matches!(e, Event::Crashed(x) if *x == c(1))),
        vec![2000]
    );
    assert_eq!(
        times(trace, |e| matches!(e, Event::Restarted(x) if *x == c(1))),
        vec![3000]
    );
    let handled = times(
        trace,
        |e| matches!(e, Event::Delivered { consumer, .. } if *consumer == c(1)),
    );
    assert!(
        handled.iter().all(|at| !(2000..3000).contains(at)),
        "nothing handled while dead"
    );
    let back = first_after(
        trace,
        3000,
        "c1 reconnecting",
        |e| matches!(e, Event::Connected { client, .. } if *client == c(1)),
    );
    assert!(back.at.as_ms() <= 3010);
    // The old connection holds 5 unacknowledged messages until b3's AMQP
    // heartbeat (60 s) declares it dead; then they come back, redelivered.
    let gone = first(trace, "b3 declaring the old c1 connection dead", |e| {
        matches!(e, Event::DeclaredDown { observer, target, .. }
            if *observer == broker(3) && *target == c(1))
    });
    let Event::DeclaredDown { by, timeout_ms, .. } = gone.event else {
        unreachable!()
    };
    assert_eq!(by, Detector::AmqpHeartbeat);
    assert_eq!(timeout_ms, 60_000);
    let redelivered = all(trace, |e| {
        matches!(
            e,
            Event::Delivered {
                redelivered: true,
                ..
            }
        )
    });
    assert_eq!(redelivered.len(), 5, "{}", story(trace));
    assert!(redelivered.iter().all(|e| e.at > gone.at));
    assert_eq!(report.redelivered, 5);
    assert_eq!(report.delivered, report.published);
    assert_eq!(report.lost, 0);
}

#[test]
fn a_crashed_producer_publishes_nothing_until_it_restarts_and_reconnects() {
    let json = cluster(|s| {
        s["faults"] = json!([{ "at_ms": 2000, "crash": "p1" }, { "at_ms": 3000, "restart": "p1" }]);
    });
    let (report, sim) = run(&json);
    let trace = sim.trace();
    assert_eq!(
        times(trace, |e| matches!(e, Event::Crashed(x) if *x == p(1))),
        vec![2000]
    );
    assert_eq!(
        times(trace, |e| matches!(e, Event::Restarted(x) if *x == p(1))),
        vec![3000]
    );
    let back = first_after(
        trace,
        3000,
        "p1 reconnecting",
        |e| matches!(e, Event::Connected { client, .. } if *client == p(1)),
    );
    let published = times(trace, |e| matches!(e, Event::Published { .. }));
    assert!(
        published
            .iter()
            .all(|at| *at < 2000 || *at >= back.at.as_ms())
    );
    assert_eq!(published.iter().filter(|at| **at >= 3000).count(), 30);
    assert_eq!(report.published, 50, "one second of publishing missed");
    assert_eq!(report.confirmed, 50);
    assert_eq!(report.delivered, 50);
    assert_eq!(report.lost, 0);
}
