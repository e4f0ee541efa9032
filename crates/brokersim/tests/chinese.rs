//! Every sentence the core writes for a trace event exists in Simplified
//! Chinese. The catalogue (`voice/catalogue.rs`) cannot compile a key
//! without both languages, and `voice::phrase` has no wildcard arm; these
//! tests prove that what the Chinese says is Chinese: for every event of
//! every preset's run, and for a sample of every variant, the Chinese
//! sentence differs from the English one, contains Chinese characters, and
//! keeps no English word except the real option names, values and product
//! terms listed in `ALLOWED` (identifiers such as `acks=all`,
//! `ha-promote-on-failure`, `NotEnoughReplicas`, `b1`, `#5` pass as they are).

// The Chinese column is compiled in only with `embedded-zh` (the default).
#![cfg(feature = "embedded-zh")]

use std::collections::BTreeMap;

use brokersim::ids::{Addr, BrokerId, ClientId, Epoch, MsgId};
use brokersim::invariants::{Invariants, Violation};
use brokersim::systems::kafka::{KafkaEvent, ProduceResult};
use brokersim::systems::quorum::QuorumEvent;
use brokersim::trace::{Detector, DropWhy, LinkLoss, WonBy};
use brokersim::voice;
use brokersim::{Event, Lang, Sim, SimTime, presets};

/// Plain lowercase English words a Chinese sentence may keep: option
/// values, product terms that courses leave in English, and names.
const ALLOWED: &[&str] = &[
    // option values: ha-promote-on-failure: always, ha-sync-mode: manual,
    // auto.offset.reset=earliest|latest, unclean.leader.election.enable is false
    "always",
    "manual",
    "earliest",
    "latest",
    "false",
    // RabbitMQ: autoheal, the message flag, Ra's failure detector, nack,
    // Erlang's node-down event
    "autoheal",
    "nodedown",
    "redelivered",
    "aten",
    "nack",
    "ack",
    // terms given beside their Chinese on first use
    "master",
    "mirror",
    "transport",
    "connector",
    "follower",
    "fence",
    "offset",
    "heartbeat",
    "epoch",
    "broker",
    // in the presets' descriptions: option values written with a space
    // (`ha-mode all`, `cluster_partition_handling ignore`, `ack: auto`),
    // the failover URI's `tcp://`, and product terms given beside their
    // Chinese (clean/unclean election, exchange federation, AMQP channel,
    // the inactivity monitor, the failover transport)
    "all",
    "ignore",
    "auto",
    "tcp",
    "clean",
    "unclean",
    "exchange",
    "federation",
    "channel",
    "inactivity",
    "monitor",
    "failover",
    // names: Kafka's controller, the queue `q`, the DR presets' sites
    "controller",
    "primary",
    "dr",
];

/// The first English word a Chinese sentence should not have kept.
fn english_word(sentence: &str) -> Option<String> {
    // Runs of identifier characters: `acks=all`, `b1`, `#5`, `pre-vote`.
    let is_ident = |c: char| c.is_ascii_alphanumeric() || "._-=#+/'".contains(c);
    sentence
        .split(|c: char| !is_ident(c))
        .filter(|run| run.len() >= 2 && run.chars().all(|c| c.is_ascii_lowercase()))
        .find(|run| !ALLOWED.contains(run))
        .map(str::to_string)
}

fn has_chinese(sentence: &str) -> bool {
    sentence
        .chars()
        .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Why the Chinese sentence for `english` is not acceptable, if it is not.
fn fault(english: &str, chinese: &str) -> Option<String> {
    if chinese == english {
        return Some("the same as the English".into());
    }
    if !has_chinese(chinese) {
        return Some("no Chinese characters".into());
    }
    if let Some(word) = english_word(chinese) {
        return Some(format!("keeps the English word {word:?}"));
    }
    None
}

/// The variant's name, as the trace's JSON names it (`"Kafka":{"Fenced"…`).
fn kind(event: &Event) -> String {
    let json = serde_json::to_value(event).unwrap();
    match json {
        serde_json::Value::String(name) => name,
        serde_json::Value::Object(map) => {
            let (name, inner) = map.into_iter().next().unwrap();
            match inner {
                serde_json::Value::Object(inner) if name == "Kafka" || name == "Quorum" => {
                    format!("{name}::{}", inner.keys().next().unwrap())
                }
                serde_json::Value::String(inner) if name == "Kafka" || name == "Quorum" => {
                    format!("{name}::{inner}")
                }
                _ => name,
            }
        }
        _ => unreachable!(),
    }
}

#[test]
fn every_preset_trace_reads_in_chinese() {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut faults = Vec::new();
    for preset in presets::ALL {
        let mut sim = Sim::new(preset.scenario()).unwrap();
        sim.run_to_end();
        for entry in sim.trace() {
            // Brokers print by their site's names in the DR presets.
            let english = voice::sentence(entry, sim.names(), Lang::En);
            let chinese = voice::sentence(entry, sim.names(), Lang::Zh);
            *seen.entry(kind(&entry.event)).or_default() += 1;
            if let Some(why) = fault(&english, &chinese) {
                faults.push(format!(
                    "{} at {}: {why}\n  en: {english}\n  zh: {chinese}",
                    preset.name, entry.at
                ));
            }
        }
    }
    assert!(
        faults.is_empty(),
        "{} sentences not in Chinese:\n{}",
        faults.len(),
        faults[..faults.len().min(20)].join("\n")
    );
    // The presets tell a story in many kinds of events, not a few.
    assert!(
        seen.len() >= 40,
        "only {} kinds of events: {seen:?}",
        seen.len()
    );
}

/// One event of every variant and of every branch a sentence takes (the
/// presets do not reach all of them).
fn samples() -> Vec<Event> {
    let b = BrokerId;
    let p1 = Addr::Producer(ClientId(0));
    let c1 = Addr::Consumer(ClientId(0));
    let mut events = vec![
        Event::Crashed(Addr::Broker(b(0))),
        Event::Crashed(c1),
        Event::Killed(Addr::Broker(b(1))),
        Event::Killed(c1),
        Event::CrashedWithDisk(b(2)),
        Event::Stopped(Addr::Broker(b(1))),
        Event::Stopped(p1),
        Event::Restarted(Addr::Broker(b(0))),
        Event::Paused {
            broker: b(0),
            for_ms: 12_500,
        },
        Event::Resumed(b(0)),
        Event::DiskLost(b(2)),
        Event::Partitioned {
            groups: vec![vec![b(0)], vec![b(1), b(2)]],
        },
        Event::Healed,
        Event::LinkSlowed {
            a: b(0),
            b: b(1),
            latency_ms: 200,
        },
        Event::FaultPhaseEnded,
        Event::DrainFinished { clean: true },
        Event::DrainFinished { clean: false },
        Event::BackInContact {
            observer: b(0),
            target: b(1),
        },
        Event::PeerDisconnected {
            observer: b(0),
            target: b(1),
        },
        Event::Connected {
            client: p1,
            broker: b(0),
        },
        Event::ConnectFailed {
            client: p1,
            broker: b(0),
            refused: true,
        },
        Event::ConnectFailed {
            client: p1,
            broker: b(0),
            refused: false,
        },
        Event::ReconnectIn {
            client: c1,
            delay_ms: 10,
            attempt: 3,
        },
        Event::GaveUp {
            client: c1,
            attempts: 5,
        },
        Event::Published {
            msg: MsgId(5),
            producer: p1,
            attempt: 1,
        },
        Event::Published {
            msg: MsgId(5),
            producer: p1,
            attempt: 2,
        },
        Event::Confirmed { msg: MsgId(5) },
        Event::Delivered {
            msg: MsgId(5),
            consumer: c1,
            redelivered: false,
        },
        Event::Delivered {
            msg: MsgId(5),
            consumer: c1,
            redelivered: true,
        },
        Event::LockAcquired { broker: b(1) },
        Event::LockLeaseExpired { holder: b(0) },
        Event::NfsLeaseExpired {
            holder: b(0),
            lease_ms: 30_000,
        },
        Event::NfsHostRebooted { holder: b(0) },
        Event::LockLostShutdown { broker: b(0) },
        Event::StoreLoaded {
            broker: b(1),
            messages: 40,
        },
        Event::TransientLost {
            broker: b(0),
            messages: 1,
            delivered: 0,
        },
        Event::TransientLost {
            broker: b(0),
            messages: 1,
            delivered: 2,
        },
        Event::QueueCreated {
            master: b(0),
            mirrors: vec![b(1), b(2)],
            mirrored: true,
        },
        Event::QueueCreated {
            master: b(0),
            mirrors: vec![],
            mirrored: false,
        },
        Event::MirrorJoined {
            broker: b(2),
            synced: true,
            missing: 0,
        },
        Event::MirrorJoined {
            broker: b(2),
            synced: false,
            missing: 212,
        },
        Event::MirrorSynced { broker: b(2) },
        Event::MirrorDropped {
            master: b(0),
            mirror: b(2),
        },
        Event::Promoted {
            broker: b(1),
            epoch: Epoch(2),
            synced: true,
            lost_with_old_master: 0,
        },
        Event::Promoted {
            broker: b(1),
            epoch: Epoch(2),
            synced: false,
            lost_with_old_master: 212,
        },
        Event::PromotionRefused {
            broker: b(1),
            on_shutdown: true,
        },
        Event::PromotionRefused {
            broker: b(1),
            on_shutdown: false,
        },
        Event::MasterRecovered {
            broker: b(0),
            epoch: Epoch(3),
            messages: 9,
        },
        Event::Requeued {
            broker: b(1),
            messages: 3,
        },
        Event::PausedMinority {
            broker: b(0),
            reachable: 1,
            cluster: 3,
        },
        Event::ResumedMajority { broker: b(0) },
        Event::PartitionNoticed {
            broker: b(0),
            other: b(1),
        },
        Event::PartitionResolved {
            winners: vec![b(1), b(2)],
            losers: vec![b(0)],
            automatic: true,
            won_by: Some(WonBy::Connections {
                winners: 3,
                runner_up: 1,
            }),
        },
        Event::PartitionResolved {
            winners: vec![b(1), b(2)],
            losers: vec![b(0)],
            automatic: true,
            won_by: Some(WonBy::Nodes {
                connections: 1,
                winners: 2,
                runner_up: 1,
            }),
        },
        Event::PartitionResolved {
            winners: vec![b(1)],
            losers: vec![b(0)],
            automatic: true,
            won_by: Some(WonBy::NodeNames {
                connections: 0,
                nodes: 1,
            }),
        },
        Event::PartitionResolved {
            winners: vec![b(1), b(2)],
            losers: vec![b(0)],
            automatic: false,
            won_by: None,
        },
        Event::SiteDown {
            site: "primary".into(),
        },
        Event::SiteUp {
            site: "primary".into(),
        },
        Event::SiteLost {
            site: "primary".into(),
        },
        Event::FailedOver { site: "dr".into() },
        Event::Replicated {
            msg: MsgId(7),
            by: Addr::Producer(ClientId(1)),
        },
        Event::ReplicationStalled {
            by: Addr::Producer(ClientId(1)),
            waiting: 30,
        },
        Event::OffsetsCheckpointed {
            by: Addr::Producer(ClientId(1)),
            offsets: vec![],
        },
        Event::OffsetsCheckpointed {
            by: Addr::Producer(ClientId(1)),
            offsets: vec![(0, 120), (1, 98)],
        },
        Event::SplitBrain {
            leaders: vec![b(0), b(1)],
        },
        Event::Violation(Violation::LostInRun {
            count: 3,
            first: MsgId(4),
            last: MsgId(9),
        }),
    ];
    for by in [
        Detector::NetTicktime,
        Detector::AmqpHeartbeat,
        Detector::InactivityMonitor,
        Detector::Heartbeat,
        Detector::BrokerSession,
        Detector::Aten,
        Detector::ConnectionClosed,
    ] {
        events.push(Event::DeclaredDown {
            observer: Addr::Broker(b(1)),
            target: Addr::Broker(b(0)),
            silent_ms: 61_500,
            timeout_ms: 60_000,
            by,
        });
    }
    for why in [
        LinkLoss::Silent,
        LinkLoss::ClosedByBroker,
        LinkLoss::Reset,
        LinkLoss::ProcessKilled,
    ] {
        events.push(Event::ConnectionLost {
            client: p1,
            broker: b(0),
            why,
        });
    }
    for will_retry in [false, true] {
        let msg = MsgId(8);
        events.push(Event::Nacked { msg, will_retry });
        events.push(Event::ConfirmTimedOut { msg, will_retry });
        events.push(Event::Unsent { msg, will_retry });
    }
    for why in [
        DropWhy::ProcessDied,
        DropWhy::DiskLost,
        DropWhy::PageCacheLost,
        DropWhy::RejoinedEmpty,
        DropWhy::PartitionLoser,
        DropWhy::ConsumerDied,
        DropWhy::Truncated,
    ] {
        events.push(Event::Discarded {
            broker: b(0),
            messages: 4,
            why,
        });
    }
    events.extend(quorum_samples().into_iter().map(Event::Quorum));
    events.extend(kafka_samples().into_iter().map(Event::Kafka));
    events
}

fn quorum_samples() -> Vec<QuorumEvent> {
    let b = BrokerId;
    vec![
        QuorumEvent::Declared {
            leader: b(0),
            members: vec![b(0), b(1), b(2)],
        },
        QuorumEvent::ElectionStarted {
            broker: b(1),
            term: 2,
        },
        QuorumEvent::LeaderElected {
            broker: b(1),
            term: 2,
            votes: 2,
            members: 3,
        },
        QuorumEvent::SteppedDown {
            broker: b(0),
            term: 2,
            uncommitted: 0,
        },
        QuorumEvent::SteppedDown {
            broker: b(0),
            term: 2,
            uncommitted: 17,
        },
        QuorumEvent::Truncated {
            broker: b(0),
            entries: 17,
            messages: 15,
        },
        QuorumEvent::Recovered {
            broker: b(0),
            entries: 300,
            term: 2,
        },
        QuorumEvent::CaughtUp {
            broker: b(0),
            index: 320,
        },
        QuorumEvent::NoQuorum {
            leader: b(0),
            reachable: 1,
            members: 3,
        },
        QuorumEvent::DeliveryLimit {
            msg: MsgId(3),
            returns: 5,
            limit: 4,
        },
    ]
}

fn kafka_samples() -> Vec<KafkaEvent> {
    let b = BrokerId;
    let c = ClientId(0);
    let mut events = vec![
        KafkaEvent::TopicCreated {
            partitions: 1,
            replication_factor: 3,
        },
        KafkaEvent::TopicCreated {
            partitions: 3,
            replication_factor: 3,
        },
        KafkaEvent::Fenced { broker: b(0) },
        KafkaEvent::Unfenced { broker: b(0) },
        KafkaEvent::LeaderElected {
            partition: 0,
            broker: b(1),
            epoch: 2,
            clean: true,
            isr: vec![b(1), b(2)],
            from_elr: false,
            last_known: false,
        },
        KafkaEvent::LeaderElected {
            partition: 0,
            broker: b(2),
            epoch: 3,
            clean: false,
            isr: vec![b(2)],
            from_elr: false,
            last_known: false,
        },
        KafkaEvent::LeaderElected {
            partition: 0,
            broker: b(1),
            epoch: 4,
            clean: true,
            isr: vec![b(1)],
            from_elr: true,
            last_known: false,
        },
        KafkaEvent::LeaderElected {
            partition: 0,
            broker: b(0),
            epoch: 5,
            clean: false,
            isr: vec![b(0)],
            from_elr: false,
            last_known: true,
        },
        KafkaEvent::Offline {
            partition: 0,
            isr: vec![b(0)],
            elr: vec![],
        },
        KafkaEvent::Offline {
            partition: 0,
            isr: vec![],
            elr: vec![b(1)],
        },
        KafkaEvent::ElrChanged {
            partition: 0,
            elr: vec![b(1), b(2)],
        },
        KafkaEvent::ElrChanged {
            partition: 0,
            elr: vec![],
        },
        KafkaEvent::LeftElr {
            partition: 0,
            broker: b(1),
        },
        KafkaEvent::IsrShrunk {
            partition: 0,
            leader: b(0),
            removed: b(2),
            isr: vec![b(0), b(1)],
        },
        KafkaEvent::IsrExpanded {
            partition: 0,
            leader: b(0),
            added: b(2),
            isr: vec![b(0), b(1), b(2)],
        },
        KafkaEvent::AlterRefused {
            partition: 0,
            leader: b(0),
            stale_epoch: 1,
        },
        KafkaEvent::BecameLeader {
            partition: 0,
            broker: b(1),
            epoch: 2,
            log_end: 1,
        },
        KafkaEvent::SteppedDown {
            partition: 0,
            broker: b(0),
            leader: Some(b(1)),
            epoch: 2,
        },
        KafkaEvent::SteppedDown {
            partition: 0,
            broker: b(0),
            leader: None,
            epoch: 2,
        },
        KafkaEvent::Truncated {
            partition: 0,
            broker: b(0),
            to_offset: 100,
            removed: 12,
        },
        KafkaEvent::NotEnoughReplicas {
            partition: 0,
            msg: MsgId(9),
            isr: 1,
            min_isr: 2,
        },
        KafkaEvent::NotEnoughReplicasAfterAppend {
            partition: 0,
            msg: MsgId(9),
            count: 3,
            isr: 1,
            min_isr: 2,
        },
        KafkaEvent::DuplicateDropped {
            partition: 0,
            msg: MsgId(9),
            count: 1,
        },
        KafkaEvent::DuplicateDropped {
            partition: 0,
            msg: MsgId(9),
            count: 12,
        },
        KafkaEvent::ConsumerPosition {
            consumer: c,
            partition: 0,
            offset: 40,
            committed: true,
        },
        KafkaEvent::ConsumerPosition {
            consumer: c,
            partition: 0,
            offset: 0,
            committed: false,
        },
        KafkaEvent::ConsumerReset {
            consumer: c,
            partition: 0,
            offset: 0,
            earliest: true,
            unread: 0,
        },
        KafkaEvent::ConsumerReset {
            consumer: c,
            partition: 0,
            offset: 88,
            earliest: false,
            unread: 0,
        },
        KafkaEvent::ConsumerReset {
            consumer: c,
            partition: 0,
            offset: 137,
            earliest: false,
            unread: 137,
        },
        KafkaEvent::GroupRebalanced {
            generation: 1,
            members: vec![c, ClientId(1)],
            waited_ms: 3000,
        },
        KafkaEvent::ConsumerDiverged {
            consumer: c,
            partition: 0,
            offset: 90,
        },
        KafkaEvent::DeliveryTimedOut {
            msg: MsgId(9),
            count: 3,
        },
        KafkaEvent::RetriesExhausted {
            msg: MsgId(9),
            count: 3,
            retries: 0,
        },
    ];
    for why in [
        ProduceResult::Ok { offset: 1 },
        ProduceResult::Duplicate,
        ProduceResult::NotLeader,
        ProduceResult::NotEnoughReplicas,
        ProduceResult::NotEnoughReplicasAfterAppend,
        ProduceResult::OutOfOrderSequence,
    ] {
        events.push(KafkaEvent::ProduceRetry {
            msg: MsgId(9),
            count: 2,
            partition: 1,
            why,
            attempt: 2,
        });
    }
    events
}

fn say(event: &Event, lang: Lang) -> String {
    voice::event_sentence(event, voice::Naming::default(), lang)
}

#[test]
fn every_variant_and_branch_reads_in_chinese() {
    let faults: Vec<String> = samples()
        .iter()
        .filter_map(|event| {
            let english = say(event, Lang::En);
            let chinese = say(event, Lang::Zh);
            fault(&english, &chinese).map(|why| format!("{why}\n  en: {english}\n  zh: {chinese}"))
        })
        .collect();
    assert!(faults.is_empty(), "{}", faults.join("\n"));
}

#[test]
fn the_same_event_reads_the_same_in_both_languages_where_it_names_things() {
    // Names, ids, numbers and option names stay exactly as in English.
    let event = Event::Promoted {
        broker: BrokerId(1),
        epoch: Epoch(2),
        synced: false,
        lost_with_old_master: 212,
    };
    let chinese = say(&event, Lang::Zh);
    for kept in ["b2", "2", "212", "ha-promote-on-failure: always"] {
        assert!(chinese.contains(kept), "{chinese}");
    }
    let event = Event::Kafka(KafkaEvent::NotEnoughReplicas {
        partition: 0,
        msg: MsgId(9),
        isr: 1,
        min_isr: 2,
    });
    let chinese = say(&event, Lang::Zh);
    for kept in ["#9", "NotEnoughReplicas", "min.insync.replicas"] {
        assert!(chinese.contains(kept), "{chinese}");
    }
}

#[test]
fn every_violation_reads_in_chinese() {
    // The violations the checks really find, and a sample of the others.
    let mut invariants = Invariants::default();
    let at = SimTime::from_ms(1);
    assert!(invariants.leader(at, 0, BrokerId(0), Epoch(2)).is_none());
    let split = invariants.leader(at, 0, BrokerId(1), Epoch(2)).unwrap();
    assert!(invariants.leader(at, 1, BrokerId(2), Epoch(3)).is_none());
    let backwards = invariants.leader(at, 1, BrokerId(2), Epoch(1)).unwrap();
    assert!(invariants.leader(at, 0, BrokerId(2), Epoch(5)).is_none());
    let backwards_q0 = invariants.leader(at, 0, BrokerId(2), Epoch(4)).unwrap();
    let others = [
        Violation::LostInRun {
            count: 1,
            first: MsgId(4),
            last: MsgId(4),
        },
        Violation::ConfirmedLost { msg: MsgId(4) },
        Violation::MoreLost { count: 12 },
        Violation::ConfirmedAndRejected { msg: MsgId(4) },
        Violation::DeliveredUnpublished { msg: MsgId(4) },
    ];
    for violation in [split, backwards, backwards_q0].into_iter().chain(others) {
        let english = voice::say(&voice::violation(&violation), Lang::En);
        let chinese = voice::say(&voice::violation(&violation), Lang::Zh);
        assert!(fault(&english, &chinese).is_none(), "{english} → {chinese}");
        let name = voice::say(&voice::property(&violation), Lang::Zh);
        assert!(has_chinese(&name), "{name}");
    }
}

#[test]
fn every_preset_has_a_chinese_title_and_description() {
    for preset in presets::ALL {
        let scenario = preset.scenario();
        for (english, chinese) in [
            (scenario.title_in(Lang::En), scenario.title_in(Lang::Zh)),
            (
                scenario.description_in(Lang::En),
                scenario.description_in(Lang::Zh),
            ),
        ] {
            assert!(!english.is_empty(), "{}", preset.name);
            assert_ne!(english, chinese, "{} has no Chinese text", preset.name);
            assert!(has_chinese(chinese), "{}: {chinese}", preset.name);
            if let Some(word) = english_word(chinese) {
                panic!("{}: English word {word:?} in {chinese}", preset.name);
            }
        }
    }
}
