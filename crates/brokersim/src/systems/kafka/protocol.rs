//! What travels between Kafka's clients, brokers and controller, and the
//! timers a broker or the controller sets: vocabulary only. It imports
//! nothing from behaviour (only ids and serde), so the shared layer
//! (`wire.rs`, `out.rs`) can name Kafka's messages without reaching into
//! the replication code.

use serde::Serialize;

use crate::ids::{Addr, BrokerId, MsgId};

/// Kafka's producer `acks`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Acks {
    None,
    Leader,
    All,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// A broker's heartbeat to the controller.
    Heartbeat,
    /// The leader checks which followers lag (every half of replica.lag.time.max.ms).
    IsrCheck(u16),
    /// A parked fetch waited replica.fetch.wait.max.ms: answer it empty.
    FetchWait {
        partition: u16,
        from: Addr,
        corr: u32,
    },
    /// A follower's fetch got no answer: send it again.
    RefetchDue { partition: u16, corr: u32 },
    /// The controller checks broker sessions.
    SessionCheck,
    /// The log flusher's periodic check (`LogManager.flushDirtyLogs`,
    /// every `log.flush.scheduler.interval.ms`).
    LogFlusher,
    /// The group coordinator's initial rebalance delay ran out
    /// (`InitialDelayedJoin`): the delay just waited, and how much of the
    /// rebalance timeout is left for extensions.
    InitialRebalance { delay_ms: u64, remaining_ms: u64 },
}

/// One record of a partition's log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Record {
    pub msg: MsgId,
    /// The leader epoch it was written in.
    pub epoch: u32,
    /// Idempotent producer id (0 = not idempotent) and sequence number.
    pub producer_id: u32,
    pub seq: u32,
}

/// A follower's fetch as the leader receives it.
#[derive(Clone, Copy, Debug)]
pub(super) struct ReplicaFetch {
    pub(super) offset: u64,
    pub(super) last_epoch: u32,
    pub(super) corr: u32,
}

/// A producer's record batch as the leader receives it.
#[derive(Clone, Debug)]
pub(super) struct ProduceBatch {
    pub(super) corr: u32,
    pub(super) acks: Acks,
    pub(super) producer_id: u32,
    pub(super) base_seq: u32,
    pub(super) msgs: Vec<MsgId>,
}

/// A partition's leadership as the controller decides it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PartitionState {
    pub partition: u16,
    pub leader: Option<BrokerId>,
    pub epoch: u32,
    /// In-sync replicas, one bit per broker.
    pub isr: u16,
    /// Eligible leader replicas (KIP-966), one bit per broker: replicas
    /// that left an ISR smaller than `min.insync.replicas`, so they hold
    /// every record up to the high watermark. Always 0 without ELR.
    pub elr: u16,
    /// With ELR: the leader when the ISR last became empty, elected again
    /// if it returns while the ISR and ELR are still empty (Kafka 4.1
    /// docs, "Eligible Leader Replicas": "the last known leader").
    pub last_leader: Option<BrokerId>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ProduceResult {
    Ok {
        offset: u64,
    },
    /// The idempotent producer's retry of a record already written.
    Duplicate,
    NotLeader,
    /// Refused before the append: the ISR is smaller than min.insync.replicas.
    NotEnoughReplicas,
    /// acks=all: the records were appended, but by the time the high
    /// watermark reached them the ISR was smaller than min.insync.replicas
    /// (retriable; the records may survive or not).
    NotEnoughReplicasAfterAppend,
    /// The idempotent producer's sequence number skips ahead: an earlier
    /// record has not been written yet (retriable).
    OutOfOrderSequence,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchResult {
    /// (offset, message, leader epoch it was written in).
    Records {
        records: Box<Vec<(u64, MsgId, u32)>>,
        high_watermark: u64,
    },
    NotLeader,
    /// KIP-320: the log the consumer read from diverged (an unclean or
    /// truncating failover): its epoch ends at `end` here.
    Diverging {
        end: u64,
    },
    /// The position is past the log end (the log was truncated under it).
    OutOfRange {
        log_end: u64,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KafkaMsg {
    // Clients and brokers.
    MetadataRequest,
    Metadata {
        leaders: Box<Vec<Option<BrokerId>>>,
    },
    /// One batch of records for one partition (Kafka's record batch).
    Produce {
        partition: u16,
        corr: u32,
        acks: Acks,
        producer_id: u32,
        base_seq: u32,
        msgs: Box<Vec<MsgId>>,
    },
    ProduceResponse {
        partition: u16,
        corr: u32,
        result: ProduceResult,
    },
    Fetch {
        partition: u16,
        offset: u64,
        corr: u32,
        /// The leader epoch of the last record the consumer read (KIP-320).
        last_epoch: Option<u32>,
    },
    FetchResponse {
        partition: u16,
        corr: u32,
        result: FetchResult,
    },
    ListOffsets {
        partition: u16,
    },
    ListOffsetsResponse {
        partition: u16,
        end: Option<u64>,
    },
    // Consumers and the group coordinator.
    /// A consumer asks to join the group (JoinGroup).
    JoinGroup,
    /// The coordinator's answer once the rebalance completes: JoinGroup and
    /// SyncGroup in one round trip, since every member computes the same
    /// range assignment from its index.
    GroupAssigned {
        generation: u32,
    },
    OffsetFetch {
        partition: u16,
    },
    OffsetFetchResponse {
        partition: u16,
        offset: Option<u64>,
    },
    OffsetCommit {
        partition: u16,
        offset: u64,
    },
    // Brokers and brokers.
    ReplicaFetch {
        partition: u16,
        offset: u64,
        last_epoch: u32,
        corr: u32,
    },
    ReplicaFetchResponse {
        partition: u16,
        corr: u32,
        reply: Box<ReplicaReply>,
    },
    // Brokers and the controller.
    BrokerHeartbeat {
        incarnation: u32,
    },
    AlterPartition {
        partition: u16,
        leader_epoch: u32,
        isr: u16,
    },
    States {
        states: Box<Vec<PartitionState>>,
        /// The broker process the controller has registered: a process
        /// that restarted since never reads what was sent to the old one
        /// (its connections are new).
        incarnation: u32,
    },
    ControlledShutdown,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplicaReply {
    NotLeader,
    /// The follower's log diverges from the leader's (KIP-320's
    /// `divergingEpoch`): `epoch` is the largest epoch the leader knows at
    /// or below the follower's last one, and `end` where it ends on the
    /// leader. The follower truncates to the smaller of `end` and where
    /// that epoch ends in its own log (KIP-279).
    Diverging {
        epoch: u32,
        end: u64,
    },
    Records {
        leader_epoch: u32,
        from: u64,
        records: Vec<Record>,
        high_watermark: u64,
    },
}

impl KafkaMsg {
    pub fn message(&self) -> Option<MsgId> {
        match self {
            KafkaMsg::Produce { msgs, .. } => msgs.first().copied(),
            _ => None,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            KafkaMsg::MetadataRequest | KafkaMsg::Metadata { .. } => "metadata",
            KafkaMsg::Produce { .. } => "publish",
            KafkaMsg::ProduceResponse { .. } => "confirm",
            KafkaMsg::Fetch { .. } | KafkaMsg::FetchResponse { .. } => "deliver",
            KafkaMsg::ListOffsets { .. }
            | KafkaMsg::ListOffsetsResponse { .. }
            | KafkaMsg::OffsetFetch { .. }
            | KafkaMsg::OffsetFetchResponse { .. }
            | KafkaMsg::OffsetCommit { .. } => "offsets",
            KafkaMsg::ReplicaFetch { .. } | KafkaMsg::ReplicaFetchResponse { .. } => "replicate",
            KafkaMsg::BrokerHeartbeat { .. } => "heartbeat",
            KafkaMsg::JoinGroup
            | KafkaMsg::GroupAssigned { .. }
            | KafkaMsg::AlterPartition { .. }
            | KafkaMsg::States { .. }
            | KafkaMsg::ControlledShutdown => "membership",
        }
    }

    pub fn is_heartbeat(&self) -> bool {
        matches!(self, KafkaMsg::BrokerHeartbeat { .. })
    }
}
