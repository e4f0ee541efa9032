//! Kafka's trace events: data only. What each says lives in
//! `voice/kafka.rs` and the catalogue; this file imports nothing from
//! behaviour (only ids, the protocol's vocabulary and serde), so `trace.rs`
//! can name `KafkaEvent` without depending on the Kafka system.

use serde::Serialize;

use super::protocol::ProduceResult;
use crate::ids::{BrokerId, ClientId, MsgId};

/// Kafka's trace events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum KafkaEvent {
    TopicCreated {
        partitions: u16,
        replication_factor: u16,
    },
    Fenced {
        broker: BrokerId,
    },
    Unfenced {
        broker: BrokerId,
    },
    LeaderElected {
        partition: u16,
        broker: BrokerId,
        epoch: u32,
        clean: bool,
        isr: Vec<BrokerId>,
        /// Elected from the eligible leader replicas (KIP-966): the ISR was
        /// empty. Absent from the JSON when false.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        from_elr: bool,
        /// Elected as the partition's last known leader (ELR on, ISR and
        /// ELR empty). Absent from the JSON when false.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        last_known: bool,
    },
    Offline {
        partition: u16,
        isr: Vec<BrokerId>,
        /// Eligible leader replicas, none of them alive (KIP-966; absent
        /// from the JSON when empty).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        elr: Vec<BrokerId>,
    },
    /// The controller changed a partition's eligible leader replicas
    /// (KIP-966): replicas that left an ISR below `min.insync.replicas`.
    ElrChanged {
        partition: u16,
        elr: Vec<BrokerId>,
    },
    /// A broker registered again after an unclean shutdown: it may have
    /// lost records, so it leaves the partition's ELR (KAFKA-15586).
    LeftElr {
        partition: u16,
        broker: BrokerId,
    },
    IsrShrunk {
        partition: u16,
        leader: BrokerId,
        removed: BrokerId,
        isr: Vec<BrokerId>,
    },
    IsrExpanded {
        partition: u16,
        leader: BrokerId,
        added: BrokerId,
        isr: Vec<BrokerId>,
    },
    AlterRefused {
        partition: u16,
        leader: BrokerId,
        stale_epoch: u32,
    },
    BecameLeader {
        partition: u16,
        broker: BrokerId,
        epoch: u32,
        log_end: u64,
    },
    SteppedDown {
        partition: u16,
        broker: BrokerId,
        leader: Option<BrokerId>,
        epoch: u32,
    },
    Truncated {
        partition: u16,
        broker: BrokerId,
        to_offset: u64,
        removed: u32,
    },
    NotEnoughReplicas {
        partition: u16,
        msg: MsgId,
        isr: u32,
        min_isr: u16,
    },
    /// acks=all: the high watermark passed the batch while the ISR was
    /// smaller than min.insync.replicas; the leader answers with an error.
    NotEnoughReplicasAfterAppend {
        partition: u16,
        msg: MsgId,
        count: u32,
        isr: u32,
        min_isr: u16,
    },
    ProduceRetry {
        msg: MsgId,
        count: u32,
        partition: u16,
        why: ProduceResult,
        attempt: u16,
    },
    DuplicateDropped {
        partition: u16,
        msg: MsgId,
        count: u32,
    },
    ConsumerPosition {
        consumer: ClientId,
        partition: u16,
        offset: u64,
        committed: bool,
    },
    ConsumerReset {
        consumer: ClientId,
        partition: u16,
        offset: u64,
        earliest: bool,
        /// Records before `offset` the consumer starts without reading
        /// (a first position taken with `latest`).
        unread: u64,
    },
    /// The group coordinator completed the group's first rebalance after
    /// `group.initial.rebalance.delay.ms` (and any extensions).
    GroupRebalanced {
        generation: u32,
        members: Vec<ClientId>,
        waited_ms: u64,
    },
    ConsumerDiverged {
        consumer: ClientId,
        partition: u16,
        offset: u64,
    },
    DeliveryTimedOut {
        msg: MsgId,
        count: u32,
    },
    /// The batch failed once more than `retries` allows: the producer gives up.
    RetriesExhausted {
        msg: MsgId,
        count: u32,
        retries: u32,
    },
}

impl KafkaEvent {
    /// Calls `f` on every broker id it names (see `Event::brokers_mut`).
    pub fn brokers_mut(&mut self, f: &mut dyn FnMut(&mut BrokerId)) {
        match self {
            KafkaEvent::Fenced { broker }
            | KafkaEvent::Unfenced { broker }
            | KafkaEvent::LeftElr { broker, .. }
            | KafkaEvent::AlterRefused { leader: broker, .. }
            | KafkaEvent::BecameLeader { broker, .. }
            | KafkaEvent::Truncated { broker, .. } => f(broker),
            KafkaEvent::LeaderElected { broker, isr, .. } => {
                f(broker);
                isr.iter_mut().for_each(f);
            }
            KafkaEvent::Offline { isr, elr, .. } => isr.iter_mut().chain(elr).for_each(f),
            KafkaEvent::ElrChanged { elr, .. } => elr.iter_mut().for_each(f),
            KafkaEvent::IsrShrunk {
                leader,
                removed: other,
                isr,
                ..
            }
            | KafkaEvent::IsrExpanded {
                leader,
                added: other,
                isr,
                ..
            } => {
                f(leader);
                f(other);
                isr.iter_mut().for_each(f);
            }
            KafkaEvent::SteppedDown { broker, leader, .. } => {
                f(broker);
                leader.iter_mut().for_each(f);
            }
            KafkaEvent::TopicCreated { .. }
            | KafkaEvent::NotEnoughReplicas { .. }
            | KafkaEvent::NotEnoughReplicasAfterAppend { .. }
            | KafkaEvent::ProduceRetry { .. }
            | KafkaEvent::DuplicateDropped { .. }
            | KafkaEvent::ConsumerPosition { .. }
            | KafkaEvent::ConsumerReset { .. }
            | KafkaEvent::GroupRebalanced { .. }
            | KafkaEvent::ConsumerDiverged { .. }
            | KafkaEvent::DeliveryTimedOut { .. }
            | KafkaEvent::RetriesExhausted { .. } => {}
        }
    }

    /// A leadership change after the topic's creation.
    pub fn is_failover(&self) -> bool {
        matches!(self, KafkaEvent::LeaderElected { epoch, .. } if *epoch > 1)
    }
}
