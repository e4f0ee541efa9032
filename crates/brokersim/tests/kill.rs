//! Detection by death kind: the same broker or application lost to `kill`
//! (the process dies, its host lives, its OS closes its sockets) and to
//! `crash` (the host fails: nobody is told). Each test names the product
//! behaviour it checks and where it comes from.

use brokersim::systems::kafka::KafkaEvent;
use brokersim::systems::quorum::QuorumEvent;
use brokersim::trace::{Detector, LinkLoss};
use brokersim::{Addr, BrokerId, ClientId, Event, Report, Scenario, Sim, TraceEntry};
use serde_json::{Value, json};

fn b(n: u16) -> BrokerId {
    BrokerId(n - 1)
}

fn run(scenario: Value) -> (Report, Vec<TraceEntry>) {
    let scenario = Scenario::from_json(&scenario.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let mut sim = Sim::new(scenario).unwrap();
    let report = sim.run_to_end();
    (report, sim.trace().to_vec())
}

/// When a broker first counted `target` as down, and by which detector.
fn first_down(trace: &[TraceEntry], target: BrokerId, after_ms: u64) -> Option<(u64, Detector)> {
    trace.iter().find_map(|e| match e.event {
        Event::DeclaredDown {
            observer: Addr::Broker(_),
            target: Addr::Broker(t),
            by,
            ..
        } if t == target && e.at.as_ms() >= after_ms => Some((e.at.as_ms(), by)),
        _ => None,
    })
}

/// When `client` first lost its connection after `after_ms`, and why.
fn first_loss(trace: &[TraceEntry], client: Addr, after_ms: u64) -> Option<(u64, LinkLoss)> {
    trace.iter().find_map(|e| match e.event {
        Event::ConnectionLost { client: c, why, .. } if c == client && e.at.as_ms() >= after_ms => {
            Some((e.at.as_ms(), why))
        }
        _ => None,
    })
}

fn mirrored(fault: Value) -> Value {
    json!({
        "version": 1, "seed": 3, "duration_ms": 40000,
        "system": "rabbitmq-mirrored", "brokers": 3,
        "settings": { "ha-mode": "all", "ha-sync-mode": "automatic", "net_ticktime": 20 },
        "producers": [{ "rate_per_s": 20, "connect": ["b2", "b3"] }],
        "consumers": [{ "ack": "manual", "prefetch": 10, "process_ms": 5, "connect": ["b1", "b2"] }],
        "faults": [fault]
    })
}

/// A killed RabbitMQ node's peers see `nodedown` as soon as the Erlang
/// distribution connection closes: measured on RabbitMQ 3.10 over loopback
/// at 13, 17 and 23 ms after SIGKILL, with reason `connection_closed`
/// (issue 18's calibration runs; Erlang's net_kernel reports a closed
/// connection as nodedown at once). A node whose host crashed is noticed
/// only once `net_ticktime` passes without a tick (RabbitMQ's "Clustering
/// and Network Partitions" guide, net_ticktime).
#[test]
fn a_killed_rabbitmq_node_is_down_for_its_peers_at_once_a_crashed_one_after_net_ticktime() {
    let (killed, trace) = run(mirrored(json!({ "at_ms": 5000, "kill": "b1" })));
    let (at, by) = first_down(&trace, b(1), 5000).expect("the peers notice");
    assert_eq!(by, Detector::ConnectionClosed);
    assert!(at - 5000 < 100, "nodedown {} ms after the kill", at - 5000);
    assert!(killed.detection_ms.iter().all(|ms| *ms < 100), "{killed:?}");
    // The oldest mirror takes over right after (ha-promote-on-failure).
    let promoted = trace
        .iter()
        .find(|e| matches!(e.event, Event::Promoted { .. }))
        .map(|e| e.at.as_ms())
        .unwrap();
    assert!(promoted - 5000 < 100, "promoted at {promoted}");

    let (crashed, trace) = run(mirrored(json!({ "at_ms": 5000, "crash": "b1" })));
    let (at, by) = first_down(&trace, b(1), 5000).expect("the peers notice");
    assert_eq!(by, Detector::NetTicktime);
    // net_ticktime 20 s: declared down between 15 and 25 s of silence.
    assert!((15_000..=25_000).contains(&(at - 5000)), "{at}");
    assert!(
        crashed.detection_ms.iter().all(|ms| *ms >= 15_000),
        "{crashed:?}"
    );
    assert_eq!((killed.lost, crashed.lost), (0, 0));
}

/// An AMQP client connected to a killed node reads end-of-file on its
/// socket at once and starts its automatic recovery; one connected to a
/// crashed node waits for its heartbeat timeout (RabbitMQ's "Detecting
/// Dead TCP Connections with Heartbeats": 60 s by default).
#[test]
fn an_amqp_client_of_a_killed_node_sees_the_connection_close_at_once() {
    let consumer = Addr::Consumer(ClientId(0));
    let (_, trace) = run(mirrored(json!({ "at_ms": 5000, "kill": "b1" })));
    let (at, why) = first_loss(&trace, consumer, 5000).unwrap();
    assert_eq!(why, LinkLoss::ProcessKilled);
    assert!(at - 5000 < 100, "{at}");

    // Long enough for the heartbeat to run out before the drain restarts b1.
    let mut scenario = mirrored(json!({ "at_ms": 5000, "crash": "b1" }));
    scenario["duration_ms"] = json!(80_000);
    let (_, trace) = run(scenario);
    let (at, why) = first_loss(&trace, consumer, 5000).unwrap();
    assert_eq!(why, LinkLoss::Silent);
    assert!(at - 5000 >= 60_000, "{at}");
}

fn quorum(fault: Value) -> Value {
    json!({
        "version": 1, "seed": 5, "duration_ms": 30000,
        "system": "rabbitmq-quorum", "brokers": 3,
        "producers": [{ "rate_per_s": 20, "connect": ["b2", "b3"], "retries": 3, "confirm_timeout_ms": 3000 }],
        "consumers": [{ "ack": "manual", "prefetch": 10, "process_ms": 5, "connect": ["b3", "b2"] }],
        "faults": [fault]
    })
}

fn elected_after(trace: &[TraceEntry], after_ms: u64) -> Option<u64> {
    trace.iter().find_map(|e| match e.event {
        Event::Quorum(QuorumEvent::LeaderElected { .. }) if e.at.as_ms() > after_ms => {
            Some(e.at.as_ms())
        }
        _ => None,
    })
}

/// A quorum queue's followers learn that a killed leader's node is gone
/// when the distribution connection closes: Ra's monitor on the leader
/// fires with `noconnection` and the follower arms the "short" election
/// timeout, broadcast time plus up to five times it (ra_server_proc,
/// follower `'DOWN'` with `noconnection`; `election_timeout_action(short,
/// …)`): 100–600 ms. After a host crash they wait for aten's verdict, then
/// the "long" timeout (aten's poll plus up to ten broadcast times).
#[test]
fn a_quorum_queue_replaces_a_killed_leader_in_under_a_second_a_crashed_one_later() {
    let (killed, trace) = run(quorum(json!({ "at_ms": 5000, "kill": "b1" })));
    let (at, by) = first_down(&trace, b(1), 5000).unwrap();
    assert_eq!((by, at - 5000 < 100), (Detector::ConnectionClosed, true));
    let elected = elected_after(&trace, 5000).unwrap();
    assert!((5100..=5800).contains(&elected), "elected at {elected}");

    let (crashed, trace) = run(quorum(json!({ "at_ms": 5000, "crash": "b1" })));
    let (_, by) = first_down(&trace, b(1), 5000).unwrap();
    assert_eq!(by, Detector::Aten);
    let elected = elected_after(&trace, 5000).unwrap();
    assert!(elected >= 7000, "elected at {elected}");
    assert_eq!((killed.lost, crashed.lost), (0, 0));
}

fn activemq(settings: Value, fault: Value) -> Value {
    json!({
        "version": 1, "seed": 2, "duration_ms": 60000,
        "system": "activemq", "brokers": 2, "settings": settings,
        "producers": [{ "rate_per_s": 10, "connect": "failover:(tcp://b1:61616,tcp://b2:61616)?randomize=false" }],
        "consumers": [{ "ack": "manual", "connect": "failover:(tcp://b1:61616,tcp://b2:61616)?randomize=false" }],
        "faults": [fault]
    })
}

fn lock_taken(trace: &[TraceEntry], by: BrokerId, after_ms: u64) -> Option<u64> {
    trace.iter().find_map(|e| match e.event {
        Event::LockAcquired { broker } if broker == by && e.at.as_ms() > after_ms => {
            Some(e.at.as_ms())
        }
        _ => None,
    })
}

/// ActiveMQ's shared-file master/slave ("Shared File System Master Slave",
/// ActiveMQ Classic docs): a killed master's host closes the lock file, so
/// the slave takes the lock at its next poll (`lockAcquireSleepInterval`,
/// 10 s), and the clients' failover transport sees the socket close at
/// once. A master whose host crashed keeps the lock on the NFS server: on
/// NFSv4 until the dead client's lease expires ("the lock is released
/// after 30 seconds"), on NFSv3 until that host comes back ("the NFSv3
/// server will not timeout the lock").
#[test]
fn activemq_s_shared_file_lock_goes_at_once_with_a_kill_after_the_nfs_lease_with_a_crash() {
    let (_, trace) = run(activemq(json!({}), json!({ "at_ms": 5000, "kill": "b1" })));
    let taken = lock_taken(&trace, b(2), 0).unwrap();
    assert!((5000..=15_000).contains(&taken), "{taken}");
    let (at, why) = first_loss(&trace, Addr::Producer(ClientId(0)), 5000).unwrap();
    assert_eq!(why, LinkLoss::ProcessKilled);
    assert!(at - 5000 < 100, "{at}");

    let (_, trace) = run(activemq(json!({}), json!({ "at_ms": 5000, "crash": "b1" })));
    let taken = lock_taken(&trace, b(2), 0).unwrap();
    assert!((35_000..=45_000).contains(&taken), "{taken}");
    assert!(trace.iter().any(|e| matches!(
        e.event,
        Event::NfsLeaseExpired { holder, lease_ms: 30_000 } if holder == b(1)
    )));
    // The OpenWire inactivity monitor notices the silence (30 s).
    let (_, why) = first_loss(&trace, Addr::Producer(ClientId(0)), 5000).unwrap();
    assert_eq!(why, LinkLoss::Silent);

    let (_, trace) = run(activemq(
        json!({ "nfsvers": 3 }),
        json!({ "at_ms": 5000, "crash": "b1" }),
    ));
    assert_eq!(lock_taken(&trace, b(2), 0), None, "nobody takes the lock");
    // The drain restarts b1's host, which tells the server it rebooted.
    let rebooted = trace
        .iter()
        .position(|e| matches!(e.event, Event::NfsHostRebooted { holder } if holder == b(1)))
        .expect("the host comes back");
    assert!(trace[rebooted].at.as_ms() >= 60_000);
    assert!(lock_taken(&trace, b(1), 59_999).is_some());
}

/// A shorter NFSv4 lease (`nfsv4leasetime`) frees the lock sooner.
#[test]
fn the_nfsv4_lease_time_sets_when_a_crashed_master_s_lock_is_released() {
    let settings = json!({ "nfsv4leasetime": 12, "lockAcquireSleepInterval": 1000 });
    let (_, trace) = run(activemq(settings, json!({ "at_ms": 5000, "crash": "b1" })));
    let taken = lock_taken(&trace, b(2), 0).unwrap();
    assert!((17_000..=18_000).contains(&taken), "{taken}");
}

fn kafka(fault: Value) -> Value {
    json!({
        "version": 1, "seed": 1, "duration_ms": 30000,
        "system": "kafka", "brokers": 3,
        "settings": { "replication.factor": 3, "min.insync.replicas": 2 },
        "producers": [{ "rate_per_s": 50, "acks": "all" }],
        "consumers": [{ "ack": "manual", "auto_offset_reset": "earliest", "process_ms": 2 }],
        "faults": [fault]
    })
}

/// Kafka: a killed broker's clients see the disconnect at once, fail what
/// they had in flight to it and refresh their metadata
/// (NetworkClient.processDisconnection, handleServerDisconnect); after a
/// crash a request in flight waits for `request.timeout.ms` (30 s). The
/// KRaft controller does not watch connections in either case: it fences
/// the broker once `broker.session.timeout.ms` (9 s) passes without a
/// heartbeat (BrokerHeartbeatManager.hasValidSession,
/// ReplicationControlManager.maybeFenceOneStaleBroker), and only then
/// moves leadership.
#[test]
fn kafka_clients_see_a_kill_at_once_but_the_controller_fences_only_after_the_session_timeout() {
    let first_retry = |trace: &[TraceEntry]| {
        trace.iter().find_map(|e| match &e.event {
            Event::Kafka(KafkaEvent::ProduceRetry { .. }) if e.at.as_ms() >= 5000 => {
                Some(e.at.as_ms())
            }
            _ => None,
        })
    };
    let fenced = |trace: &[TraceEntry]| {
        trace.iter().find_map(|e| match &e.event {
            Event::Kafka(KafkaEvent::Fenced { broker }) if *broker == b(1) => Some(e.at.as_ms()),
            _ => None,
        })
    };
    let (killed, trace) = run(kafka(json!({ "at_ms": 5000, "kill": "b1" })));
    let retry = first_retry(&trace).unwrap();
    assert!(retry - 5000 < 200, "first retry at {retry}");
    let fenced_after_kill = fenced(&trace).unwrap();
    assert!(fenced_after_kill - 5000 >= 7000, "{fenced_after_kill}");

    let (crashed, trace) = run(kafka(json!({ "at_ms": 5000, "crash": "b1" })));
    assert!(first_retry(&trace).unwrap() - 5000 >= 7000);
    let fenced_after_crash = fenced(&trace).unwrap();
    assert_eq!(
        fenced_after_kill, fenced_after_crash,
        "same session timeout"
    );
    assert_eq!((killed.lost, crashed.lost), (0, 0));
}

/// A consumer is its channel (rabbit_fifo keys consumers by channel; the
/// classic queue process requeues a channel's unacknowledged messages when
/// that channel's process goes down). An application that dies and
/// reconnects is a new consumer: what it had not acknowledged returns to
/// the queue only when the broker knows the old connection closed, at once
/// after a kill (its OS closes the socket), after the heartbeat timeout
/// after a crash (AMQP: 60 s; ActiveMQ's inactivity monitor: 30 s).
#[test]
fn a_dead_consumer_s_unacked_messages_return_when_its_old_connection_is_known_closed() {
    for (system, timeout_ms) in [
        ("rabbitmq-quorum", 60_000),
        ("rabbitmq-mirrored", 60_000),
        ("activemq", 30_000),
    ] {
        let redelivered_after = |how: &str| {
            let mut scenario = json!({
                "version": 1, "seed": 4, "duration_ms": 90000,
                "system": system, "brokers": 3,
                "producers": [{ "rate_per_s": 20, "count": 200 }],
                "consumers": [{ "ack": "manual", "prefetch": 10, "process_ms": 200 }],
                "faults": [
                    { "at_ms": 5000, how: "c1" },
                    { "at_ms": 6000, "restart": "c1" }
                ]
            });
            if system == "rabbitmq-mirrored" {
                scenario["settings"] = json!({ "ha-mode": "all" });
            }
            let (report, trace) = run(scenario);
            assert_eq!(report.lost, 0, "{system} {how}: {report:?}");
            trace
                .iter()
                .find_map(|e| match e.event {
                    Event::Delivered {
                        redelivered: true, ..
                    } => Some(e.at.as_ms()),
                    _ => None,
                })
                .unwrap_or_else(|| panic!("{system} {how}: nothing came back"))
        };
        let killed = redelivered_after("kill");
        assert!(
            killed < 8000,
            "{system}: redelivered at {killed} after a kill"
        );
        let crashed = redelivered_after("crash");
        assert!(
            crashed >= 5000 + timeout_ms - 1000,
            "{system}: redelivered at {crashed} after a crash"
        );
    }
}

/// Several faults at one `at_ms` are one correlated failure (a rack losing
/// power): all of them happen before anything else at that instant, so no
/// node reacts to the first before the others are down.
#[test]
fn faults_at_the_same_time_are_applied_together_before_anything_else() {
    let mut scenario = mirrored(json!({ "at_ms": 5000, "crash": "b1" }));
    scenario["faults"] = json!([
        { "at_ms": 5000, "kill": "b1" },
        { "at_ms": 5000, "kill": "b2" },
        { "at_ms": 5000, "crash": "b3" }
    ]);
    let (_, trace) = run(scenario);
    let at_5000: Vec<&Event> = trace
        .iter()
        .filter(|e| e.at.as_ms() == 5000)
        .map(|e| &e.event)
        .collect();
    assert!(
        matches!(
            at_5000.as_slice(),
            [
                Event::Killed(Addr::Broker(BrokerId(0))),
                Event::Killed(Addr::Broker(BrokerId(1))),
                Event::Crashed(Addr::Broker(BrokerId(2))),
                ..
            ]
        ),
        "{at_5000:?}"
    );
}

/// The kill fault's validation names the field, as every fault's does.
#[test]
fn a_kill_of_an_unknown_broker_is_refused_naming_the_field() {
    let mut scenario = mirrored(json!({ "at_ms": 5000, "kill": "b1" }));
    scenario["faults"] = json!([
        { "at_ms": 1000, "crash": "b2" },
        { "at_ms": 2000, "restart": "b2" },
        { "at_ms": 3000, "kill": "b9" }
    ]);
    let err = Scenario::from_json(&scenario.to_string())
        .and_then(|s| s.validate().map(|_| ()))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"faults[2].kill: unknown broker "b9" (brokers are b1..b3)"#
    );
    scenario["faults"] = json!([{ "at_ms": 3000, "kill": "c7" }]);
    let err = Scenario::from_json(&scenario.to_string())
        .and_then(|s| s.validate().map(|_| ()))
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("faults[0].kill: unknown client"),
        "{err}"
    );
}

/// `nfsvers` and `nfsv4leasetime` are checked and name themselves.
#[test]
fn nfs_settings_are_validated() {
    for (settings, expected) in [
        (json!({ "nfsvers": 2 }), "settings.nfsvers: expected 3 or 4"),
        (
            json!({ "nfsvers": 3, "nfsv4leasetime": 30 }),
            "settings.nfsv4leasetime: NFSv3 has no leases",
        ),
        (
            json!({ "nfsv4leasetime": 0 }),
            "settings.nfsv4leasetime: must be between 1",
        ),
        (
            json!({ "locker": "lease-database-locker", "nfsvers": 4 }),
            "settings.nfsvers: goes with the shared-file-locker",
        ),
    ] {
        let scenario = activemq(settings, json!({ "at_ms": 5000, "crash": "b1" }));
        let err = Scenario::from_json(&scenario.to_string())
            .and_then(|s| s.validate().map(|_| ()))
            .unwrap_err();
        assert!(err.to_string().starts_with(expected), "{err}");
    }
}

/// Regression (found by the property sweep): once a new checkout no longer
/// returned the old channel's messages, a consumer whose channel lived on
/// a node that was killed (b1, the leader) kept its unacknowledged messages
/// forever, and the drain never converged. A node now answers a delivery
/// for a channel it no longer has with that consumer's `Down`, as
/// rabbit_fifo learns from the monitor a new leader sets on each consumer.
#[test]
fn a_consumer_whose_channel_died_with_its_node_does_not_keep_its_messages_forever() {
    let (report, trace) = run(json!({
        "version": 1, "seed": 0, "duration_ms": 20000,
        "system": "rabbitmq-quorum", "brokers": 3,
        "settings": { "cluster_partition_handling": "pause_minority", "net_ticktime": 3 },
        "producers": [{ "rate_per_s": 20, "retries": 3, "confirm_timeout_ms": 3000 }],
        "consumers": [{ "ack": "manual", "prefetch": 10, "process_ms": 5 }],
        "faults": [
            { "at_ms": 3358, "kill": "b1" },
            { "at_ms": 8924, "partition": [["b1", "b2"], ["b3"]] }
        ]
    }));
    assert!(
        trace
            .iter()
            .any(|e| e.event == Event::DrainFinished { clean: true }),
        "the drain converges"
    );
    assert_eq!(report.lost, 0);
    assert_eq!(report.delivered, report.confirmed);
}
