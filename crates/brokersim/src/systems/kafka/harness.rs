//! A small Kafka system for the handler-depth unit tests in `replication.rs`
//! and `controller.rs` (openraft's style): build a cluster, call one
//! handler with an `Out`, and read back the messages, timers and trace
//! events it recorded. Test-only; nothing here runs in a simulation.

use super::*;
use crate::ids::ClientId;
use crate::out::Action;
use crate::scenario::Scenario;
use crate::scenario::config::SystemConfig;

/// The producer every test's requests come from.
pub(super) const PRODUCER: Addr = Addr::Producer(ClientId(0));

pub(super) fn b(n: u16) -> BrokerId {
    BrokerId(n - 1)
}

/// A started cluster of three brokers and one partition replicated three
/// ways, led by `b1` in epoch 1 with ISR {b1, b2, b3}, with the Kafka
/// `settings` given on top (e.g. `min.insync.replicas`). The start's own
/// actions are dropped.
pub(super) fn cluster(settings: serde_json::Value) -> Kafka {
    cluster_on("4.1", settings)
}

/// [`cluster`] modelling Kafka `release` ("3.9" has no eligible leader replicas).
pub(super) fn cluster_on(release: &str, settings: serde_json::Value) -> Kafka {
    let mut all = serde_json::json!({ "replication.factor": 3, "replica.lag.time.max.ms": 10000 });
    for (k, v) in settings.as_object().expect("an object").iter() {
        all[k] = v.clone();
    }
    let scenario = serde_json::json!({
        "version": 1,
        "seed": 1,
        "duration_ms": 60000,
        "system": "kafka",
        "release": release,
        "brokers": 3,
        "settings": all,
        "producers": [],
        "consumers": [],
        "faults": []
    });
    let config = Scenario::from_json(&scenario.to_string())
        .and_then(|s| s.validate())
        .unwrap_or_else(|e| panic!("{e}"));
    let SystemConfig::Kafka(s) = &config.system else {
        panic!("not kafka")
    };
    let mut k = Kafka::new(s.clone(), &config);
    k.start(&mut at(0));
    k
}

/// An empty `Out` at `ms`.
pub(super) fn at(ms: u64) -> Out {
    Out {
        now: SimTime::from_ms(ms),
        actions: Vec::new(),
    }
}

impl Kafka {
    pub(super) fn replica(&self, broker: BrokerId) -> &Replica {
        &self.brokers[usize::from(broker.0)].replicas[0]
    }

    pub(super) fn leader_state(&self, broker: BrokerId) -> &LeaderState {
        match &self.brokers[usize::from(broker.0)].process.roles[0] {
            Role::Leader(l) => l,
            other => panic!("{broker} is not leader: {other:?}"),
        }
    }

    /// `from` sends `msg` to broker `to`.
    pub(super) fn deliver(&mut self, to: BrokerId, from: Addr, msg: KafkaMsg, out: &mut Out) {
        self.receive(to, from, Payload::Kafka(msg), out);
    }

    /// A follower's fetch of partition 0 at the leader, from a follower
    /// whose log is the leader's first `offset` records (its last epoch is
    /// that of the leader's record at `offset - 1`).
    pub(super) fn follower_fetch(
        &mut self,
        leader: BrokerId,
        follower: BrokerId,
        offset: u64,
        out: &mut Out,
    ) {
        let last_epoch = match offset.checked_sub(1) {
            Some(last) => self.replica(leader).log[last as usize].epoch,
            None => 0,
        };
        let msg = KafkaMsg::ReplicaFetch {
            partition: 0,
            offset,
            last_epoch,
            corr: 7,
        };
        self.deliver(leader, Addr::Broker(follower), msg, out);
    }

    /// A batch of `msgs` for partition 0 from the producer, request `corr`.
    pub(super) fn produce(
        &mut self,
        leader: BrokerId,
        acks: Acks,
        corr: u32,
        msgs: &[u32],
        out: &mut Out,
    ) {
        let msg = KafkaMsg::Produce {
            partition: 0,
            corr,
            acks,
            producer_id: 0,
            base_seq: 0,
            msgs: Box::new(msgs.iter().map(|m| MsgId(*m)).collect()),
        };
        self.deliver(leader, PRODUCER, msg, out);
    }

    /// The controller pushes partition 0's state to broker `to`.
    pub(super) fn push_state(&mut self, to: BrokerId, state: PartitionState, out: &mut Out) {
        let states = Box::new(vec![state]);
        let incarnation = self.brokers[usize::from(to.0)].incarnation;
        self.deliver(
            to,
            Addr::Controller,
            KafkaMsg::States {
                states,
                incarnation,
            },
            out,
        );
    }
}

/// Partition 0's state: `leader` in `epoch` with `isr`.
pub(super) fn state(leader: Option<BrokerId>, epoch: u32, isr: &[BrokerId]) -> PartitionState {
    PartitionState {
        partition: 0,
        leader,
        epoch,
        isr: isr.iter().fold(0, |m, b| m | broker_bit(*b)),
        elr: 0,
        last_leader: None,
    }
}

/// Every packet the step sent: (from, to, message).
pub(super) fn sent(out: &Out) -> Vec<(Addr, Addr, &KafkaMsg)> {
    out.actions
        .iter()
        .filter_map(|a| match a {
            Action::Send {
                from,
                to,
                payload: Payload::Kafka(msg),
            } => Some((*from, *to, msg)),
            _ => None,
        })
        .collect()
}

/// The producer's answers the step sent: (corr, result).
pub(super) fn produce_answers(out: &Out) -> Vec<(u32, ProduceResult)> {
    sent(out)
        .into_iter()
        .filter_map(|(_, to, msg)| match (to, msg) {
            (PRODUCER, KafkaMsg::ProduceResponse { corr, result, .. }) => Some((*corr, *result)),
            _ => None,
        })
        .collect()
}

/// The AlterPartition requests the step sent: (leader, epoch, ISR).
pub(super) fn alters(out: &Out) -> Vec<(Addr, u32, Vec<BrokerId>)> {
    sent(out)
        .into_iter()
        .filter_map(|(from, to, msg)| match (to, msg) {
            (
                Addr::Controller,
                KafkaMsg::AlterPartition {
                    leader_epoch, isr, ..
                },
            ) => Some((from, *leader_epoch, members(*isr))),
            _ => None,
        })
        .collect()
}

/// The Kafka trace events the step recorded.
pub(super) fn events(out: &Out) -> Vec<&KafkaEvent> {
    out.actions
        .iter()
        .filter_map(|a| match a {
            Action::Trace(Event::Kafka(e)) => Some(e),
            _ => None,
        })
        .collect()
}
