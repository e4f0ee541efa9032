//! A node's crash and boot at the handler's depth: put volatile state in
//! many places through the handlers, crash the node through `System::crash`,
//! and check that nothing but the durable part (`Node` outside `process`)
//! is left for `System::boot` to start from.

use super::*;
use crate::ids::ClientId;
use crate::scenario::Scenario;
use crate::scenario::config::SystemConfig;

const B1: BrokerId = BrokerId(0);
const B2: BrokerId = BrokerId(1);
const B3: BrokerId = BrokerId(2);
const CONSUMER: Addr = Addr::Consumer(ClientId(0));

/// Three nodes, `ha-mode: all`, `autoheal`: b1 masters the queue in epoch
/// 1, mirrored on b2 and b3.
fn cluster() -> Mirrored {
    let scenario = serde_json::json!({
        "version": 1,
        "seed": 1,
        "duration_ms": 60000,
        "system": "rabbitmq-mirrored",
        "brokers": 3,
        "settings": { "ha-mode": "all", "cluster_partition_handling": "autoheal" },
        "producers": [],
        "consumers": [],
        "faults": []
    });
    let config = Scenario::from_json(&scenario.to_string())
        .and_then(|s| s.validate())
        .unwrap_or_else(|e| panic!("{e}"));
    let SystemConfig::Mirrored(s) = &config.system else {
        panic!("not mirrored")
    };
    let mut m = Mirrored::new(s.clone(), &config);
    m.start(&mut at(0));
    m
}

fn at(ms: u64) -> Out {
    Out {
        now: SimTime::from_ms(ms),
        actions: Vec::new(),
    }
}

fn qmsg(n: u32, persistent: bool) -> QMsg {
    QMsg {
        msg: MsgId(n),
        seq: u64::from(n),
        persistent,
        redelivered: false,
    }
}

/// What a value holds, field by field (a field added later included).
fn shape<T: std::fmt::Debug>(value: &T) -> String {
    format!("{value:?}")
}

#[test]
fn a_crash_leaves_only_the_durable_part_and_boot_starts_from_it() {
    let mut m = cluster();
    let mut out = at(1_000);
    // b2, a mirror, gets a consumer connected to it, two messages from the
    // master (one persistent), and hears from b3 (a tick).
    let connect = Payload::Connect {
        conn: 1,
        heartbeat_interval_ms: 1_000,
        heartbeat_timeout_ms: 3_000,
    };
    m.receive(B2, CONSUMER, connect, &mut out);
    let subscribe = Payload::Subscribe {
        conn: 1,
        prefetch: 10,
        auto_ack: false,
    };
    m.receive(B2, CONSUMER, subscribe, &mut out);
    for q in [qmsg(1, true), qmsg(2, false)] {
        let replicate = PeerMsg::Replicate { epoch: Epoch(1), q };
        m.receive(B2, me(B1), Payload::Mirrored(replicate), &mut out);
    }
    // The node monitor records a partition with b3 (autoheal).
    m.node(B2).process.app.partitioned_from = broker_bit(B3);
    {
        let node = &m.nodes[usize::from(B2.0)];
        assert_eq!(node.process.sessions.count(), 1);
        assert_eq!(node.process.app.local_subs.len(), 1);
        assert_eq!(node.process.app.master, Some((B1, Epoch(1))));
        assert!(matches!(&node.process.role, QueueRole::Mirror(r) if r.msgs.len() == 2));
        assert!(node.process.peers.iter().filter(|p| p.up).count() == 2);
    }

    m.die(B2, Death::Crash, &mut at(2_000));

    let node = &m.nodes[usize::from(B2.0)];
    // Everything the process held is gone, whatever field held it.
    assert_eq!(shape(&node.process), shape(&Process::default()));
    // The disk keeps the persistent message only; what survives on purpose
    // is still there.
    let on_disk: Vec<MsgId> = node.disk.messages.iter().map(|q| q.msg).collect();
    assert_eq!(on_disk, vec![MsgId(1)]);
    assert_eq!(node.incarnation, 1);
    assert_eq!(node.max_epoch, Epoch(1));
    assert_eq!(node.known_incarnations, vec![1, 1, 1]);

    m.boot(B2, &mut at(3_000));

    let node = &m.nodes[usize::from(B2.0)];
    // The new process is built from the durable part alone: its peers are
    // the known incarnations, not yet heard from, and the application starts
    // from nothing, asking its peers where the master is.
    assert_eq!(shape(&node.process), shape(&Process::boot(&[1, 1, 1])));
    assert_eq!(shape(&node.process.app), shape(&App::default()));
    assert!(node.process.running && node.booting);
    assert_eq!(node.incarnation, 2);
    assert_eq!(node.disk.messages.len(), 1);
}

#[test]
fn a_stopped_application_keeps_only_the_node_monitors_partitions() {
    let mut m = cluster();
    let mut out = at(1_000);
    let connect = Payload::Connect {
        conn: 1,
        heartbeat_interval_ms: 1_000,
        heartbeat_timeout_ms: 3_000,
    };
    m.receive(B2, CONSUMER, connect, &mut out);
    m.node(B2).process.app.partitioned_from = broker_bit(B3);
    // b2 sees neither peer any more: pause_minority would pause it; here
    // the pause is called directly, as the node monitor does.
    m.cfg.cluster_partition_handling = PartitionHandling::PauseMinority;
    for p in [B1, B3] {
        m.node(B2).process.peers[usize::from(p.0)].up = false;
    }
    m.check_minority(B2, &mut out);

    let app = &m.nodes[usize::from(B2.0)].process.app;
    let paused = App {
        paused: true,
        partitioned_from: broker_bit(B3),
        ..App::default()
    };
    assert_eq!(shape(app), shape(&paused));
    assert_eq!(m.nodes[usize::from(B2.0)].process.sessions.count(), 0);
}
