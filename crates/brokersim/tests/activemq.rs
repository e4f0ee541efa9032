//! ActiveMQ Classic master/slave on a shared store, and the client's
//! `failover:` transport: scenario tests that read like the lesson they
//! check, each asserting what a real pair of brokers shows.

mod common;

use brokersim::trace::{Detector, LinkLoss};
use brokersim::view::Role;
use brokersim::{Addr, Event, SimTime, TraceEntry};
use common::*;
use serde_json::{Value, json};

/// Both brokers in order, the inactivity monitor shortened to 1 s.
const URI: &str = "failover:(tcp://b1:61616?wireFormat.maxInactivityDuration=1000,tcp://b2:61616)?randomize=false";

/// A master/slave pair polling the lock every second, one persistent
/// producer and one consumer on the failover transport; `patch` adjusts it.
fn pair(patch: impl FnOnce(&mut Value)) -> Value {
    let mut s = json!({
        "version": 1,
        "seed": 3,
        "duration_ms": 6000,
        "system": "activemq",
        "brokers": 2,
        "settings": { "lockAcquireSleepInterval": 1000 },
        "producers": [{ "rate_per_s": 10, "connect_timeout_ms": 500, "connect": URI }],
        "consumers": [{ "process_ms": 5, "connect_timeout_ms": 500, "connect": URI }],
        "faults": []
    });
    patch(&mut s);
    s
}

fn lock_acquired(trace: &[TraceEntry]) -> Vec<(u64, u16)> {
    trace
        .iter()
        .filter_map(|e| match e.event {
            Event::LockAcquired { broker } => Some((e.at.as_ms(), broker.0 + 1)),
            _ => None,
        })
        .collect()
}

/// Link events of one client: connection attempts, losses, back-off.
fn link_events(trace: &[TraceEntry], client: Addr) -> Vec<&TraceEntry> {
    all(trace, |e| match e {
        Event::Connected { client: x, .. }
        | Event::ConnectFailed { client: x, .. }
        | Event::ConnectionLost { client: x, .. }
        | Event::ReconnectIn { client: x, .. }
        | Event::GaveUp { client: x, .. } => *x == client,
        _ => false,
    })
}

#[test]
fn b1_takes_the_lock_at_boot_and_b2_waits_as_a_slave() {
    let json = pair(|_| {});
    let mut sim = sim(&json);
    sim.run_until(SimTime::from_ms(100));
    let view = sim.view();
    let roles: Vec<_> = view.replicas.iter().map(|r| (r.broker, r.role)).collect();
    assert_eq!(roles, vec![(b(1), Role::Master), (b(2), Role::Slave)]);
    assert_eq!(view.producers[0].connected_to, Some(b(1)));
    assert_eq!(view.consumers[0].connected_to, Some(b(1)));

    let report = sim.run_to_end();
    let trace = sim.trace();
    assert_eq!(lock_acquired(trace), vec![(0, 1)], "{}", story(trace));
    let loaded = first(trace, "StoreLoaded", |e| {
        matches!(e, Event::StoreLoaded { .. })
    });
    assert_eq!(loaded.at, SimTime::ZERO);
    assert_eq!(
        loaded.event,
        Event::StoreLoaded {
            broker: b(1),
            messages: 0
        }
    );
    assert_eq!(report.failovers, 0);
    assert_eq!(report.published, 60);
    assert_eq!(report.confirmed, 60);
    assert_eq!(report.delivered, 60);
    assert_eq!(report.lost, 0);
    assert!(report.violations.is_empty(), "{:?}", report.violations);
}

/// A killed master's host closes the lock file at once ("Shared File
/// System Master Slave": if the master dies and releases the lock, a
/// slave takes over); a crashed host's lock waits for the NFS lease (see
/// tests/kill.rs).
#[test]
fn slave_takes_the_lock_at_its_first_poll_after_the_master_is_killed() {
    // Slaves poll at multiples of lockAcquireSleepInterval from their boot at 0.
    for (interval, crash_at, expected) in [
        (1000, 2500, 3000),
        (1000, 2001, 3000),
        (1000, 2999, 3000),
        (700, 2500, 2800),
        (400, 2500, 2800),
    ] {
        let json = pair(|s| {
            s["settings"]["lockAcquireSleepInterval"] = json!(interval);
            s["faults"] = json!([{ "at_ms": crash_at, "kill": "b1" }]);
        });
        let (report, sim) = run(&json);
        let trace = sim.trace();
        let acquired: Vec<_> = lock_acquired(trace)
            .into_iter()
            .filter(|(at, _)| *at < 6000)
            .collect();
        assert_eq!(
            acquired,
            vec![(0, 1), (expected, 2)],
            "interval {interval}, crash at {crash_at}:\n{}",
            story(trace)
        );
        assert_eq!(report.failovers, 1);
        // No master from the crash to the poll that finds the lock free.
        assert_eq!(report.unavailable_ms, expected - crash_at);
        assert_eq!(report.lost, 0);
    }
}

#[test]
fn the_new_master_loads_the_persistent_messages_from_the_shared_store() {
    // The consumer comes late, so the store holds a backlog when b1 dies.
    let json = pair(|s| {
        s["consumers"][0]["start_ms"] = json!(4500);
        s["faults"] = json!([{ "at_ms": 2500, "kill": "b1" }]);
    });
    let (report, sim) = run(&json);
    let trace = sim.trace();
    let confirmed_before_crash = all(trace, |e| matches!(e, Event::Confirmed { .. }))
        .iter()
        .filter(|e| e.at.as_ms() < 2500)
        .count();
    assert_eq!(confirmed_before_crash, 25);
    let loaded = first_after(
        trace,
        1,
        "StoreLoaded on b2",
        |e| matches!(e, Event::StoreLoaded { broker, .. } if *broker == b(2)),
    );
    assert_eq!(loaded.at.as_ms(), 3000);
    assert_eq!(
        loaded.event,
        Event::StoreLoaded {
            broker: b(2),
            messages: 25
        }
    );
    assert_eq!(report.published, 60);
    assert_eq!(report.confirmed, 60);
    assert_eq!(report.delivered, 60);
    assert_eq!(report.lost, 0);
    assert_eq!(report.unexpected, 0);
}

#[test]
fn failover_clients_notice_the_dead_master_through_the_inactivity_monitor_and_reconnect_to_the_new_master()
 {
    // The host crashes: nobody closes the clients' sockets. A 1 s NFSv4
    // lease lets the slave take the lock at its poll at 4 s.
    let json = pair(|s| {
        s["settings"]["nfsv4leasetime"] = json!(1);
        s["faults"] = json!([{ "at_ms": 2500, "crash": "b1" }]);
    });
    let (report, sim) = run(&json);
    let trace = sim.trace();
    let new_master = first(
        trace,
        "b2 taking the lock",
        |e| matches!(e, Event::LockAcquired { broker } if *broker == b(2)),
    )
    .at
    .as_ms();
    assert_eq!(new_master, 4000);
    for client in [p(1), c(1)] {
        let down = first(trace, "the client declaring b1 down", |e| {
            matches!(e, Event::DeclaredDown { observer, target, .. }
                if *observer == client && *target == broker(1))
        });
        let Event::DeclaredDown {
            silent_ms,
            timeout_ms,
            by,
            ..
        } = down.event
        else {
            unreachable!()
        };
        assert_eq!(by, Detector::InactivityMonitor);
        assert_eq!(timeout_ms, 1000, "maxInactivityDuration from the URI");
        assert!(silent_ms >= 1000);
        let at = down.at.as_ms();
        // Checked every maxInactivityDuration / 2: 1 to 1.5 s after the crash.
        assert!(
            (3500..=4005).contains(&at),
            "{client} declared b1 down at {at}"
        );
        let lost = first(
            trace,
            "ConnectionLost",
            |e| matches!(e, Event::ConnectionLost { client: x, .. } if *x == client),
        );
        assert_eq!(lost.at, down.at);
        assert_eq!(
            lost.event,
            Event::ConnectionLost {
                client,
                broker: b(1),
                why: LinkLoss::Silent
            }
        );
        let reconnected = first_after(
            trace,
            at,
            "a reconnection",
            |e| matches!(e, Event::Connected { client: x, .. } if *x == client),
        );
        assert_eq!(
            reconnected.event,
            Event::Connected {
                client,
                broker: b(2)
            }
        );
        assert!(reconnected.at.as_ms() > new_master);
    }
    assert_eq!(report.detection_ms.len(), 1);
    assert!((1000..=1505).contains(&report.detection_ms[0]));
    assert_eq!(report.lost, 0);
    assert_eq!(report.delivered, report.published);
}

#[test]
fn a_slave_refuses_connections_because_its_transport_connectors_are_not_started() {
    let json = pair(|s| {
        s["producers"][0]["connect"] =
            json!("failover:(tcp://b2:61616,tcp://b1:61616)?randomize=false")
    });
    let (_, sim) = run(&json);
    let trace = sim.trace();
    let events = link_events(trace, p(1));
    assert!(events.len() >= 2, "{}", story(trace));
    assert_eq!(
        events[0].event,
        Event::ConnectFailed {
            client: p(1),
            broker: b(2),
            refused: true
        }
    );
    // Refused at once (one round trip), not after the connect timeout.
    assert!(events[0].at.as_ms() <= 5);
    assert_eq!(
        events[1].event,
        Event::Connected {
            client: p(1),
            broker: b(1)
        }
    );
    assert!(events[1].at.as_ms() <= 10);
}

#[test]
fn randomize_false_tries_the_dead_b1_first_and_waits_out_the_connect_timeout() {
    // A crashed host answers nothing (a 1 s NFSv4 lease frees the lock).
    let json = pair(|s| {
        s["settings"]["nfsv4leasetime"] = json!(1);
        s["faults"] = json!([{ "at_ms": 2500, "crash": "b1" }]);
    });
    let (_, sim) = run(&json);
    let trace = sim.trace();
    for client in [p(1), c(1)] {
        let events = link_events(trace, client);
        let kinds: Vec<_> = events.iter().take(4).map(|e| &e.event).collect();
        assert_eq!(
            kinds,
            vec![
                &Event::Connected {
                    client,
                    broker: b(1)
                },
                &Event::ConnectionLost {
                    client,
                    broker: b(1),
                    why: LinkLoss::Silent
                },
                &Event::ConnectFailed {
                    client,
                    broker: b(1),
                    refused: false
                },
                &Event::Connected {
                    client,
                    broker: b(2)
                },
            ],
            "{}",
            story(trace)
        );
        let lost_at = events[1].at.as_ms();
        // A host that does not answer costs the whole connect_timeout_ms.
        assert_eq!(events[2].at.as_ms(), lost_at + 500);
        assert!(events[3].at.as_ms() <= lost_at + 510);
    }
}

#[test]
fn with_no_broker_reachable_the_reconnect_delay_doubles_from_10_ms_up_to_max_reconnect_delay() {
    let json = pair(|s| {
        s["duration_ms"] = json!(8000);
        s["producers"][0]["connect_timeout_ms"] = json!(100);
        s["producers"][0]["connect"] = json!(format!("{URI}&maxReconnectDelay=500"));
        s["consumers"] = json!([]);
        s["faults"] = json!([{ "at_ms": 1000, "crash": "b1" }, { "at_ms": 1000, "crash": "b2" }]);
    });
    let (_, sim) = run(&json);
    let trace = sim.trace();
    let backoff: Vec<(u64, u64, u32)> = trace
        .iter()
        .filter(|e| e.at.as_ms() < 8000)
        .filter_map(|e| match e.event {
            Event::ReconnectIn {
                client,
                delay_ms,
                attempt,
            } if client == p(1) => Some((e.at.as_ms(), delay_ms, attempt)),
            _ => None,
        })
        .collect();
    let delays: Vec<u64> = backoff.iter().map(|(_, d, _)| *d).collect();
    assert!(delays.len() >= 10, "{}", story(trace));
    assert_eq!(delays[..7], [10, 20, 40, 80, 160, 320, 500]);
    assert!(delays[7..].iter().all(|d| *d == 500), "{delays:?}");
    let attempts: Vec<u32> = backoff.iter().map(|(_, _, a)| *a).collect();
    // Numbered by the attempt each delay leads to: the pass right after the
    // loss was attempt 1, so the first wait leads to attempt 2.
    let expected: Vec<u32> = (2..=attempts.len() as u32 + 1).collect();
    assert_eq!(attempts, expected);
    // Each pass tries b1 then b2, each costing the 100 ms connect timeout.
    for pair in backoff.windows(2) {
        let ((at, delay, _), (next, _, _)) = (pair[0], pair[1]);
        assert!(
            (at + delay + 200..=at + delay + 205).contains(&next),
            "{backoff:?}"
        );
    }
    // Nobody answered during the fault phase; the drain restarts b1 and the client gets in.
    let connected = times(
        trace,
        |e| matches!(e, Event::Connected { client, .. } if *client == p(1)),
    );
    assert_eq!(connected.len(), 2);
    assert!(connected[0] < 1000 && connected[1] >= 8000, "{connected:?}");
}

#[test]
fn max_reconnect_attempts_2_gives_up_after_two_failed_passes() {
    let json = pair(|s| {
        s["producers"][0]["connect_timeout_ms"] = json!(100);
        s["producers"][0]["connect"] = json!(format!("{URI}&maxReconnectAttempts=2"));
        s["faults"] = json!([{ "at_ms": 1000, "crash": "b1" }, { "at_ms": 1000, "crash": "b2" }]);
    });
    let (_, sim) = run(&json);
    let trace = sim.trace();
    let events = link_events(trace, p(1));
    let gave_up = events
        .iter()
        .position(|e| matches!(e.event, Event::GaveUp { .. }))
        .unwrap_or_else(|| panic!("p1 never gave up:\n{}", story(trace)));
    assert_eq!(
        events[gave_up].event,
        Event::GaveUp {
            client: p(1),
            attempts: 2
        }
    );
    let backoffs: Vec<_> = events[..gave_up]
        .iter()
        .filter_map(|e| match e.event {
            Event::ReconnectIn { delay_ms, .. } => Some(delay_ms),
            _ => None,
        })
        .collect();
    assert_eq!(backoffs, vec![10], "one wait between the two passes");
    let failed = events[..gave_up]
        .iter()
        .filter(|e| matches!(e.event, Event::ConnectFailed { .. }))
        .count();
    assert_eq!(failed, 4, "two passes over two hosts");
    // Dead for good: not even the drain's restarted brokers bring it back.
    assert_eq!(events.len(), gave_up + 1, "{}", story(trace));
}

#[test]
fn a_plain_tcp_client_gives_up_as_soon_as_its_broker_dies() {
    let json = pair(|s| {
        s["heartbeat"] = json!({ "interval_ms": 250, "timeout_ms": 1000 });
        s["producers"] = json!([
            { "rate_per_s": 10, "connect": "b1" },
            { "rate_per_s": 10, "connect_timeout_ms": 500, "connect": URI }
        ]);
        s["settings"]["nfsv4leasetime"] = json!(1);
        s["faults"] = json!([{ "at_ms": 2500, "crash": "b1" }]);
    });
    let (_, sim) = run(&json);
    let trace = sim.trace();
    let events = link_events(trace, p(1));
    let kinds: Vec<_> = events.iter().map(|e| &e.event).collect();
    assert_eq!(
        kinds,
        vec![
            &Event::Connected {
                client: p(1),
                broker: b(1)
            },
            &Event::ConnectionLost {
                client: p(1),
                broker: b(1),
                why: LinkLoss::Silent
            },
            &Event::GaveUp {
                client: p(1),
                attempts: 0
            },
        ],
        "{}",
        story(trace)
    );
    assert_eq!(events[1].at, events[2].at, "no reconnect attempt at all");
    let at = events[1].at.as_ms();
    assert!((3500..=3755).contains(&at), "detected at {at}");
    // The failover client beside it moves to the new master.
    let p2 = link_events(trace, p(2));
    assert!(
        p2.iter().any(|e| e.event
            == Event::Connected {
                client: p(2),
                broker: b(2)
            }),
        "{}",
        story(trace)
    );
}

#[test]

fn a_plain_tcp_client_stays_blocked_in_a_persistent_send_until_its_connection_fails() {
    let json = pair(|s| {
        s["duration_ms"] = json!(20000);
        s["producers"] = json!([{ "rate_per_s": 10, "connect": "b1" }]);
        s["faults"] = json!([{ "at_ms": 1000, "crash": "b1" }]);
    });
    let (_, sim) = run(&json);
    let trace = sim.trace();
    // The send in flight at the crash waits for its receipt: no timeout.
    let timed_out = all(trace, |e| matches!(e, Event::ConfirmTimedOut { .. }));
    assert!(timed_out.is_empty(), "{:?}", timed_out);
    // The application thread is stuck in that send until the transport fails
    // (here: the inactivity monitor's 30 s, or the reset from the restarted b1).
    let lost_at = first(
        trace,
        "p1 losing its connection",
        |e| matches!(e, Event::ConnectionLost { client, .. } if *client == p(1)),
    )
    .at;
    let sent_while_blocked = all(trace, |e| matches!(e, Event::Published { .. }))
        .iter()
        .filter(|e| e.at.as_ms() > 1000 && e.at < lost_at)
        .count();
    assert_eq!(sent_while_blocked, 1, "only the send already in flight");
}

/// b1 shuts down at 1 s; b2 polls every 3 s, so for 2 s nobody serves.
fn stop_with_send_timeout(timeout: i64) -> Value {
    pair(|s| {
        s["duration_ms"] = json!(5000);
        s["settings"]["lockAcquireSleepInterval"] = json!(3000);
        s["producers"][0]["connect_timeout_ms"] = json!(100);
        s["producers"][0]["connect"] = json!(format!(
            "failover:(tcp://b1:61616,tcp://b2:61616)?randomize=false&timeout={timeout}"
        ));
        s["faults"] = json!([{ "at_ms": 1000, "stop": "b1" }]);
    })
}

#[test]
fn sends_block_while_the_failover_transport_reconnects_when_timeout_is_minus_1() {
    let (report, sim) = run(&stop_with_send_timeout(-1));
    let trace = sim.trace();
    assert!(all(trace, |e| matches!(e, Event::Unsent { .. })).is_empty());
    let lost = first(
        trace,
        "p1 losing b1",
        |e| matches!(e, Event::ConnectionLost { client, .. } if *client == p(1)),
    );
    assert_eq!(
        lost.event,
        Event::ConnectionLost {
            client: p(1),
            broker: b(1),
            why: LinkLoss::ClosedByBroker
        }
    );
    let back = first_after(
        trace,
        1000,
        "p1 reconnecting",
        |e| matches!(e, Event::Connected { client, .. } if *client == p(1)),
    );
    assert!(back.at.as_ms() > 3000, "b2 takes the lock at 3 s");
    // Nothing is published while the application thread is blocked in send().
    let published_between = all(trace, |e| matches!(e, Event::Published { .. }))
        .iter()
        .filter(|e| e.at > lost.at && e.at < back.at)
        .count();
    assert_eq!(published_between, 0);
    assert_eq!(report.published, 50);
    assert_eq!(report.rejected, 0);
    assert_eq!(report.confirmed, 50);
    assert_eq!(report.delivered, 50);
    assert_eq!(report.lost, 0);
}

#[test]
fn with_timeout_500_a_send_without_a_connection_fails_after_half_a_second() {
    let (report, sim) = run(&stop_with_send_timeout(500));
    let trace = sim.trace();
    let lost_at = first(
        trace,
        "p1 losing b1",
        |e| matches!(e, Event::ConnectionLost { client, .. } if *client == p(1)),
    )
    .at
    .as_ms();
    let unsent = all(trace, |e| matches!(e, Event::Unsent { .. }));
    let at: Vec<u64> = unsent.iter().map(|e| e.at.as_ms()).collect();
    // The first send after the close waits 500 ms and fails; the
    // application tries the next message at its next tick.
    assert_eq!(at, vec![1502, 2002, 2502, 3002, 3502], "{}", story(trace));
    assert!(at[0] - lost_at >= 500);
    for e in &unsent {
        let Event::Unsent { msg, will_retry } = e.event else {
            unreachable!()
        };
        assert!(!will_retry, "retries default to 0");
        let life = sim.ledger().get(msg).unwrap();
        assert!(life.rejected_at.is_some());
        assert!(life.confirmed_at.is_none());
        assert_eq!(life.deliveries, 0);
    }
    assert_eq!(report.rejected, 5);
    assert_eq!(report.published, 50);
    assert_eq!(report.delivered, 45);
    assert_eq!(report.lost, 0);
}

#[test]
fn persistent_messages_survive_a_master_crash_while_non_persistent_ones_die_with_its_memory() {
    let json = pair(|s| {
        s["producers"] = json!([
            { "rate_per_s": 10, "connect_timeout_ms": 500, "connect": URI },
            { "rate_per_s": 10, "persistent": false, "connect_timeout_ms": 500, "connect": URI }
        ]);
        // Nobody consumes before the crash: both kinds pile up on b1.
        s["consumers"][0]["start_ms"] = json!(4500);
        s["settings"]["nfsv4leasetime"] = json!(1);
        s["faults"] = json!([{ "at_ms": 2500, "crash": "b1" }]);
    });
    let (report, sim) = run(&json);
    let trace = sim.trace();
    let gone = first(trace, "TransientLost", |e| {
        matches!(e, Event::TransientLost { .. })
    });
    assert_eq!(gone.at.as_ms(), 2500);
    assert_eq!(
        gone.event,
        Event::TransientLost {
            broker: b(1),
            messages: 25,
            delivered: 0,
        }
    );
    let loaded = first(
        trace,
        "b2 loading the store",
        |e| matches!(e, Event::StoreLoaded { broker, .. } if *broker == b(2)),
    );
    assert_eq!(
        loaded.event,
        Event::StoreLoaded {
            broker: b(2),
            messages: 25
        },
        "only p1's persistent messages were in the store"
    );
    let ledger = sim.ledger().all();
    let p1: Vec<_> = ledger.iter().filter(|m| m.producer == 0).collect();
    assert!(
        p1.iter()
            .all(|m| m.confirmed_at.is_some() && m.deliveries >= 1),
        "every persistent message is confirmed and delivered"
    );
    let died: Vec<_> = ledger
        .iter()
        .filter(|m| m.producer == 1 && m.published_at.as_ms() < 2500)
        .collect();
    assert_eq!(died.len(), 25);
    assert!(died.iter().all(|m| m.deliveries == 0), "never delivered");
    assert!(
        died.iter().all(|m| m.confirmed_at.is_none()),
        "never confirmed"
    );
    assert!(
        died.iter()
            .all(|m| m.unrecoverable_at == Some(SimTime::from_ms(2500)))
    );
    // Not `lost`: nobody ever confirmed them to their producer.
    assert_eq!(report.lost, 0);
    assert_eq!(report.confirmed, p1.len() as u64);
    assert!(report.delivered <= report.published - 25);
}

/// A pair on the lease-database-locker: the lease lasts
/// `lockAcquireSleepInterval` and the master renews it every
/// `lockKeepAlivePeriod` (`null` leaves the JDBC adapter's default).
fn lease_pair(lease_ms: Value, keep_alive_ms: Value) -> Value {
    pair(|s| {
        s["settings"] = json!({ "locker": "lease-database-locker" });
        if !lease_ms.is_null() {
            s["settings"]["lockAcquireSleepInterval"] = lease_ms;
        }
        if !keep_alive_ms.is_null() {
            s["settings"]["lockKeepAlivePeriod"] = keep_alive_ms;
        }
        s["producers"][0]["connect_timeout_ms"] = json!(100);
        s["consumers"][0]["connect_timeout_ms"] = json!(100);
    })
}

#[test]
fn a_master_paused_past_its_lease_loses_the_lock_and_shuts_down_at_its_next_keep_alive() {
    // org.apache.activemq.store.jdbc.LeaseDatabaseLocker: the lease lasts
    // lockAcquireSleepInterval; LockableServiceSupport.keepLockAlive renews
    // it every lockKeepAlivePeriod and stops a broker that lost it.
    let mut json = lease_pair(json!(1000), json!(500));
    json["faults"] = json!([{ "at_ms": 1200, "pause": "b1", "for_ms": 3000 }]);
    let (report, sim) = run(&json);
    let trace = sim.trace();
    // Lease renewed at 1 s, valid until 2 s; b2's poll at 2 s finds it still
    // valid (TIME < now is strict), the one at 3 s finds it expired.
    let expired = first(trace, "LockLeaseExpired", |e| {
        matches!(e, Event::LockLeaseExpired { .. })
    });
    assert_eq!(expired.at.as_ms(), 3000);
    assert_eq!(expired.event, Event::LockLeaseExpired { holder: b(1) });
    assert_eq!(
        lock_acquired(trace)
            .into_iter()
            .filter(|(at, _)| *at < 6000)
            .collect::<Vec<_>>(),
        vec![(0, 1), (3000, 2)]
    );
    let resumed = first(trace, "Resumed", |e| matches!(e, Event::Resumed(_)));
    assert_eq!(resumed.at.as_ms(), 4200);
    // Its keep-alive timer, due at 1.5 s, fires late, on resuming: the lock is gone.
    let shutdown = first(trace, "LockLostShutdown", |e| {
        matches!(e, Event::LockLostShutdown { .. })
    });
    assert_eq!(shutdown.at.as_ms(), 4200);
    assert_eq!(shutdown.event, Event::LockLostShutdown { broker: b(1) });
    let stopped = first(
        trace,
        "b1 stopping",
        |e| matches!(e, Event::Stopped(x) if *x == broker(1)),
    );
    assert_eq!(stopped.at.as_ms(), 4200);
    assert_eq!(report.failovers, 1);
    assert_eq!(report.lost, 0);
}

#[test]
fn a_keep_alive_period_longer_than_the_lease_lets_the_slave_take_it_with_no_fault_at_all() {
    // org.apache.activemq.store.jdbc.LeaseDatabaseLocker writes
    // now + lockAcquireSleepInterval as the lease's end, on taking it and at
    // each keepAlive; LockableServiceSupport.keepLockAlive runs every
    // lockKeepAlivePeriod and stops the broker when keepAlive finds another
    // holder. LeaseDatabaseLocker.doStart warns that a keep-alive period
    // longer than lockAcquireSleepInterval "will allow the lease to expire".
    let json = lease_pair(json!(1000), json!(2500));
    let mut sim = sim(&json);
    // The lease taken at 0 ends at 1 s; b2's poll at 1 s finds it still
    // valid, the one at 2 s takes it. b1 does not look until 2.5 s.
    sim.run_until(SimTime::from_ms(2200));
    let roles: Vec<_> = sim
        .view()
        .replicas
        .iter()
        .map(|r| (r.broker, r.role))
        .collect();
    assert_eq!(
        roles,
        vec![(b(1), Role::Master), (b(2), Role::Master)],
        "two masters until b1's keep-alive"
    );
    let report = sim.run_to_end();
    let trace = sim.trace();
    let expired = first(trace, "LockLeaseExpired", |e| {
        matches!(e, Event::LockLeaseExpired { .. })
    });
    assert_eq!(expired.at.as_ms(), 2000);
    assert_eq!(expired.event, Event::LockLeaseExpired { holder: b(1) });
    assert_eq!(
        lock_acquired(trace)
            .into_iter()
            .filter(|(at, _)| *at < 6000)
            .collect::<Vec<_>>(),
        vec![(0, 1), (2000, 2)],
        "{}",
        story(trace)
    );
    let shutdown = first(trace, "LockLostShutdown", |e| {
        matches!(e, Event::LockLostShutdown { .. })
    });
    assert_eq!(shutdown.at.as_ms(), 2500);
    assert_eq!(shutdown.event, Event::LockLostShutdown { broker: b(1) });
    let split = first(trace, "SplitBrain", |e| {
        matches!(e, Event::SplitBrain { .. })
    });
    assert_eq!(split.at.as_ms(), 2000);
    // The drain restarts b1, which takes b2's lease the same way: the
    // misconfiguration makes the lock change hands at every expiry.
    assert_eq!(report.failovers, 2);
    assert_eq!(report.lost, 0);
}

#[test]
fn the_jdbc_adapters_default_keep_alive_of_30_s_outlives_the_lockers_default_10_s_lease() {
    // JDBCPersistenceAdapter.DEFAULT_LOCK_KEEP_ALIVE_PERIOD = 30 s,
    // AbstractLocker.DEFAULT_LOCK_ACQUIRE_SLEEP_INTERVAL = 10 s: naming the
    // lease-database-locker and nothing else is the trap above, slowed down.
    let mut json = lease_pair(Value::Null, Value::Null);
    json["duration_ms"] = json!(32_000);
    let (_, sim) = run(&json);
    let trace = sim.trace();
    assert_eq!(
        lock_acquired(trace)
            .into_iter()
            .filter(|(at, _)| *at < 32_000)
            .collect::<Vec<_>>(),
        vec![(0, 1), (20_000, 2)],
        "{}",
        story(trace)
    );
    let shutdown = first(trace, "LockLostShutdown", |e| {
        matches!(e, Event::LockLostShutdown { .. })
    });
    assert_eq!(shutdown.at.as_ms(), 30_000);
}

#[test]
fn a_keep_alive_period_shorter_than_the_lease_keeps_the_master_in_place() {
    // LeaseDatabaseLocker.keepAlive pushes the lease's end to
    // now + lockAcquireSleepInterval before the slaves' next poll.
    let json = lease_pair(json!(1000), json!(500));
    let (report, sim) = run(&json);
    let trace = sim.trace();
    assert!(
        all(trace, |e| matches!(
            e,
            Event::LockLeaseExpired { .. } | Event::LockLostShutdown { .. }
        ))
        .is_empty(),
        "{}",
        story(trace)
    );
    assert_eq!(
        lock_acquired(trace)
            .into_iter()
            .filter(|(at, _)| *at < 6000)
            .collect::<Vec<_>>(),
        vec![(0, 1)]
    );
    assert_eq!(report.failovers, 0);
    assert_eq!(report.lost, 0);
}

#[test]
fn with_the_shared_file_locker_a_paused_master_keeps_the_lock() {
    let json = pair(|s| {
        s["settings"] = json!({ "lockAcquireSleepInterval": 500, "locker": "shared-file-locker" });
        s["producers"][0]["connect_timeout_ms"] = json!(100);
        s["consumers"][0]["connect_timeout_ms"] = json!(100);
        s["faults"] = json!([{ "at_ms": 1200, "pause": "b1", "for_ms": 3000 }]);
    });
    let (report, sim) = run(&json);
    let trace = sim.trace();
    assert_eq!(lock_acquired(trace), vec![(0, 1)], "{}", story(trace));
    assert!(
        all(trace, |e| matches!(
            e,
            Event::LockLeaseExpired { .. } | Event::LockLostShutdown { .. }
        ))
        .is_empty()
    );
    // The clients gave up on the frozen b1, were refused by the slave b2,
    // and got back in when b1 woke up.
    let refused = all(
        trace,
        |e| matches!(e, Event::ConnectFailed { broker, refused: true, .. } if *broker == b(2)),
    );
    assert!(!refused.is_empty());
    for client in [p(1), c(1)] {
        let back = first_after(
            trace,
            4200,
            "a reconnection after the pause",
            |e| matches!(e, Event::Connected { client: x, .. } if *x == client),
        );
        assert_eq!(
            back.event,
            Event::Connected {
                client,
                broker: b(1)
            }
        );
    }
    assert_eq!(report.failovers, 0);
    assert_eq!(report.unavailable_ms, 3000, "frozen master: nobody serves");
    assert_eq!(report.lost, 0);
}

#[test]
fn a_restarted_old_master_comes_back_as_a_slave() {
    let json = pair(|s| {
        // Killed: the lock goes at once and b2 takes it before b1 returns.
        s["faults"] = json!([{ "at_ms": 1500, "kill": "b1" }, { "at_ms": 4000, "restart": "b1" }]);
    });
    let (report, sim) = run(&json);
    let trace = sim.trace();
    assert_eq!(
        times(
            trace,
            |e| matches!(e, Event::Restarted(x) if *x == broker(1))
        ),
        vec![4000]
    );
    assert_eq!(
        lock_acquired(trace),
        vec![(0, 1), (2000, 2)],
        "{}",
        story(trace)
    );
    assert_eq!(report.failovers, 1);
    assert_eq!(report.lost, 0);
}

#[test]
fn the_brokers_inactivity_monitor_detects_a_crashed_consumer_and_redelivers_its_unacked_messages() {
    let json = pair(|s| {
        s["duration_ms"] = json!(4000);
        s["producers"] = json!([{ "rate_per_s": 20, "count": 20, "connect": URI }]);
        s["consumers"] = json!([
            { "process_ms": 100, "prefetch": 5, "connect": URI },
            { "process_ms": 100, "prefetch": 5, "start_ms": 1500,
              "connect": "failover:(tcp://b1:61616,tcp://b2:61616)?randomize=false" }
        ]);
        s["faults"] = json!([{ "at_ms": 500, "crash": "c1" }]);
    });
    let (report, sim) = run(&json);
    let trace = sim.trace();
    let handled_by_c1 = all(
        trace,
        |e| matches!(e, Event::Delivered { consumer, .. } if *consumer == c(1)),
    )
    .iter()
    .filter(|e| e.at.as_ms() < 4000)
    .count();
    assert_eq!(handled_by_c1, 4, "c1 handled #1..#4 before it crashed");
    let down = first(
        trace,
        "b1 declaring c1 gone",
        |e| matches!(e, Event::DeclaredDown { target, .. } if *target == c(1)),
    );
    let Event::DeclaredDown {
        observer,
        timeout_ms,
        by,
        ..
    } = down.event
    else {
        unreachable!()
    };
    assert_eq!(observer, broker(1));
    assert_eq!(by, Detector::InactivityMonitor);
    assert_eq!(timeout_ms, 1000);
    let at = down.at.as_ms();
    assert!((1500..=2005).contains(&at), "declared at {at}");
    let redelivered: Vec<_> = all(trace, |e| {
        matches!(
            e,
            Event::Delivered {
                redelivered: true,
                ..
            }
        )
    });
    assert_eq!(
        redelivered.len(),
        5,
        "the prefetch window c1 never acknowledged"
    );
    assert!(redelivered.iter().all(|e| e.at > down.at));
    assert!(redelivered.iter().all(|e| matches!(e.event,
        Event::Delivered { consumer, .. } if consumer == c(2))));
    assert_eq!(report.redelivered, 5);
    assert_eq!(report.delivered, 20);
    assert_eq!(report.duplicated, 0);
    assert_eq!(report.lost, 0);
}
