//! Kafka replicated partitions in KRaft mode.
//!
//! - A topic with `partitions` partitions, each replicated
//!   `replication.factor` ways; partition p's replicas are brokers p, p+1, …
//!   (round-robin, as Kafka's default assignment), the first one the leader,
//!   so partition 0 starts led by `b1`.
//! - Followers fetch from the leader (`replica.fetch.wait.max.ms` long
//!   polls). The leader tracks each follower's log end; the high watermark is
//!   the smallest log end in the ISR, and consumers read only below it. A
//!   follower that has not caught up for `replica.lag.time.max.ms` leaves
//!   the ISR; one that catches up joins again. ISR changes go through the
//!   controller (AlterPartition), which refuses a leader with a stale epoch.
//! - Producers: `acks=0` (no answer), `1` (after the leader's append),
//!   `all` (once the high watermark passes the record; refused with
//!   NotEnoughReplicas while the ISR is smaller than
//!   `min.insync.replicas`). The idempotent producer's sequence numbers let
//!   the leader drop a retried duplicate.
//! - The controller quorum watches broker heartbeats
//!   (`broker.heartbeat.interval.ms`, fenced after `broker.session.timeout.ms`),
//!   removes a fenced broker from ISRs (never the last member) and elects a
//!   new leader from the ISR, or, with `unclean.leader.election.enable`,
//!   from any live replica. Each election bumps the leader epoch.
//! - A returning replica learns the current leader and epoch from the
//!   controller; when it fetches, the leader tells it where its log diverges
//!   (KIP-320) and it truncates: a returning old leader loses the suffix that
//!   only it had. That truncation is how acknowledged messages disappear.
//! - Consumer group offsets live with the group coordinator, which here sits
//!   with the controller quorum.
//!
//! The log is treated as durable across a crash (Kafka recovers it from the
//! page cache and disk); what a crash loses is the process state.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{SysTimer, System};
use crate::explain::list;
use crate::ids::{Addr, BrokerId, ClientId, Epoch, MsgId};
use crate::ledger::broker_bit;
use crate::out::{Out, TimerKind};
use crate::scenario::config::{Acks, Config};
use crate::scenario::settings::KafkaSettings;
use crate::time::SimTime;
use crate::trace::{Detector, DropWhy, Event};
use crate::view::{ReplicaView, Role as ViewRole};
use crate::wire::Payload;

/// Kafka's `replica.socket.timeout.ms`.
const REPLICA_SOCKET_TIMEOUT_MS: u64 = 30_000;
/// How many records one fetch response carries at most.
const MAX_FETCH_RECORDS: usize = 500;

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
struct ReplicaFetch {
    offset: u64,
    last_epoch: u32,
    corr: u32,
}

/// A producer's record batch as the leader receives it.
#[derive(Clone, Debug)]
struct ProduceBatch {
    corr: u32,
    acks: Acks,
    producer_id: u32,
    base_seq: u32,
    msgs: Vec<MsgId>,
}

/// A partition's leadership as the controller decides it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PartitionState {
    pub partition: u16,
    pub leader: Option<BrokerId>,
    pub epoch: u32,
    /// In-sync replicas, one bit per broker.
    pub isr: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ProduceResult {
    Ok {
        offset: u64,
    },
    /// The idempotent producer's retry of a record already written.
    Duplicate,
    NotLeader,
    NotEnoughReplicas,
    /// The idempotent producer's sequence number skips ahead: an earlier
    /// record has not been written yet (retriable).
    OutOfOrderSequence,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchResult {
    Records {
        records: Box<Vec<(u64, MsgId)>>,
        high_watermark: u64,
    },
    NotLeader,
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
    },
    ControlledShutdown,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplicaReply {
    NotLeader,
    /// The follower's log diverges from the leader's after `end`: truncate to it.
    Diverging {
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
            KafkaMsg::AlterPartition { .. }
            | KafkaMsg::States { .. }
            | KafkaMsg::ControlledShutdown => "membership",
        }
    }

    pub fn is_heartbeat(&self) -> bool {
        matches!(self, KafkaMsg::BrokerHeartbeat { .. })
    }
}

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
    },
    Offline {
        partition: u16,
        isr: Vec<BrokerId>,
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
    },
    DeliveryTimedOut {
        msg: MsgId,
        count: u32,
    },
}

impl KafkaEvent {
    /// A leadership change after the topic's creation.
    pub fn is_failover(&self) -> bool {
        matches!(self, KafkaEvent::LeaderElected { epoch, .. } if *epoch > 1)
    }
}

/// "message #5" or "the batch of 12 messages from #5".
fn batch_of(first: MsgId, count: u32) -> String {
    if count == 1 {
        format!("message {first}")
    } else {
        format!("the batch of {count} messages from {first}")
    }
}

pub fn explain(event: &KafkaEvent) -> String {
    match event {
        KafkaEvent::TopicCreated {
            partitions,
            replication_factor,
        } => format!(
            "topic created: {partitions} partition{} with replication.factor {replication_factor}",
            if *partitions == 1 { "" } else { "s" }
        ),
        KafkaEvent::Fenced { broker } => {
            format!(
                "the controller fences {broker}: it is out of every ISR it was not the last member of"
            )
        }
        KafkaEvent::Unfenced { broker } => {
            format!("{broker} heartbeats again: the controller unfences it")
        }
        KafkaEvent::LeaderElected {
            partition,
            broker,
            epoch,
            clean: true,
            isr,
        } => {
            format!(
                "partition {partition}: {broker} elected leader in epoch {epoch} (ISR {})",
                list(isr)
            )
        }
        KafkaEvent::LeaderElected {
            partition,
            broker,
            epoch,
            clean: false,
            ..
        } => format!(
            "partition {partition}: {broker} elected leader in epoch {epoch} although out of sync (unclean.leader.election.enable): what only the old ISR held is lost"
        ),
        KafkaEvent::Offline { partition, isr } => format!(
            "partition {partition} is offline: no member of its ISR ({}) is alive, and unclean.leader.election.enable is false",
            list(isr)
        ),
        KafkaEvent::IsrShrunk {
            partition,
            leader,
            removed,
            isr,
        } => format!(
            "partition {partition}: {removed} fell behind for replica.lag.time.max.ms; {leader} shrinks the ISR to {}",
            list(isr)
        ),
        KafkaEvent::IsrExpanded {
            partition,
            leader,
            added,
            isr,
        } => {
            format!(
                "partition {partition}: {added} caught up; {leader} adds it back, ISR {}",
                list(isr)
            )
        }
        KafkaEvent::AlterRefused {
            partition,
            leader,
            stale_epoch,
        } => format!(
            "partition {partition}: the controller refuses {leader}'s ISR change from stale epoch {stale_epoch}: it is no longer the leader"
        ),
        KafkaEvent::BecameLeader {
            partition,
            broker,
            epoch,
            log_end,
        } => format!(
            "partition {partition}: {broker} learns it leads epoch {epoch} and serves from its log of {log_end} record{}",
            if *log_end == 1 { "" } else { "s" }
        ),
        KafkaEvent::SteppedDown {
            partition,
            broker,
            leader,
            epoch,
        } => match leader {
            Some(leader) => format!(
                "partition {partition}: {broker} learns that {leader} leads epoch {epoch}; it becomes a follower"
            ),
            None => format!(
                "partition {partition}: {broker} learns the partition has no leader (epoch {epoch})"
            ),
        },
        KafkaEvent::Truncated {
            partition,
            broker,
            to_offset,
            removed,
        } => format!(
            "partition {partition}: {broker} truncates its log to offset {to_offset}, dropping {removed} record{} the new leader never had",
            if *removed == 1 { "" } else { "s" }
        ),
        KafkaEvent::NotEnoughReplicas {
            partition,
            msg,
            isr,
            min_isr,
        } => format!(
            "partition {partition}: message {msg} refused with NotEnoughReplicas: ISR has {isr}, min.insync.replicas is {min_isr}"
        ),
        KafkaEvent::ProduceRetry {
            msg,
            count,
            partition,
            why,
            attempt,
        } => format!(
            "{} to partition {partition} failed ({}); the producer retries (attempt {attempt})",
            batch_of(*msg, *count),
            match why {
                ProduceResult::NotLeader => "NotLeaderOrFollower",
                ProduceResult::NotEnoughReplicas => "NotEnoughReplicas",
                ProduceResult::OutOfOrderSequence => "OutOfOrderSequence",
                _ => "request timed out",
            }
        ),
        KafkaEvent::DuplicateDropped {
            partition,
            msg,
            count,
        } => format!(
            "partition {partition}: the leader recognises {} by its producer id and sequence numbers and drops the duplicate",
            batch_of(*msg, *count)
        ),
        KafkaEvent::ConsumerPosition {
            consumer,
            partition,
            offset,
            committed: true,
        } => format!(
            "c{} resumes partition {partition} at its committed offset {offset}: anything handled after that commit comes again",
            u32::from(consumer.0) + 1
        ),
        KafkaEvent::ConsumerPosition {
            consumer,
            partition,
            offset,
            committed: false,
        } => {
            format!(
                "c{} starts partition {partition} at offset {offset}",
                u32::from(consumer.0) + 1
            )
        }
        KafkaEvent::ConsumerReset {
            consumer,
            partition,
            offset,
            earliest,
        } => format!(
            "c{}: no usable offset for partition {partition}; auto.offset.reset={} moves it to {offset}",
            u32::from(consumer.0) + 1,
            if *earliest { "earliest" } else { "latest" }
        ),
        KafkaEvent::DeliveryTimedOut { msg, count } => format!(
            "{} expired: delivery.timeout.ms passed without an answer; the producer gives up",
            batch_of(*msg, *count)
        ),
    }
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
}

#[derive(Clone, Debug)]
struct Follower {
    log_end: u64,
    caught_up_at: SimTime,
}

/// An acks=all produce waiting for the high watermark.
#[derive(Clone, Copy, Debug)]
struct Waiter {
    client: Addr,
    corr: u32,
    partition: u16,
}

#[derive(Clone, Debug)]
struct LeaderState {
    epoch: u32,
    isr: u16,
    followers: BTreeMap<BrokerId, Follower>,
    /// acks=all produces by offset.
    /// acks=all produces by (last offset, request): two requests may wait
    /// on one offset (a retry of a batch still being replicated).
    waiting: BTreeMap<(u64, u32), Waiter>,
    /// Fetches waiting for data: (who, corr, offset, from a consumer).
    parked: Vec<(Addr, u32, u64)>,
    /// An AlterPartition is in flight.
    altering: bool,
}

#[derive(Clone, Debug)]
enum Role {
    /// Not serving (process down, or no leader known).
    Idle,
    Follower {
        leader: BrokerId,
        epoch: u32,
        corr: u32,
    },
    Leader(Box<LeaderState>),
}

/// One broker's copy of one partition. The log, the high watermark and the
/// leader-epoch cache are on disk; the role is process state.
#[derive(Clone, Debug)]
struct Replica {
    log: Vec<Record>,
    high_watermark: u64,
    /// (epoch, first offset written in it).
    epoch_starts: Vec<(u32, u64)>,
    /// Idempotent producers: id → last sequence number written.
    sequences: BTreeMap<u32, u32>,
    role: Role,
}

impl Replica {
    fn new() -> Replica {
        Replica {
            log: Vec::new(),
            high_watermark: 0,
            epoch_starts: Vec::new(),
            sequences: BTreeMap::new(),
            role: Role::Idle,
        }
    }

    fn log_end(&self) -> u64 {
        self.log.len() as u64
    }

    fn last_epoch(&self) -> u32 {
        self.log.last().map_or(0, |r| r.epoch)
    }

    /// KIP-101/320: where the log of `epoch` ends here, as the next epoch's
    /// first offset (or the log end for the newest epoch).
    fn end_of_epoch(&self, epoch: u32) -> u64 {
        self.epoch_starts
            .iter()
            .find(|(e, _)| *e > epoch)
            .map_or(self.log_end(), |(_, start)| *start)
    }

    fn append(&mut self, record: Record) -> u64 {
        let offset = self.log_end();
        if self
            .epoch_starts
            .last()
            .is_none_or(|(e, _)| *e < record.epoch)
        {
            self.epoch_starts.push((record.epoch, offset));
        }
        if record.producer_id != 0 {
            self.sequences.insert(record.producer_id, record.seq);
        }
        self.log.push(record);
        offset
    }

    /// Drops everything from `offset` on; returns the dropped records.
    fn truncate(&mut self, offset: u64) -> Vec<Record> {
        let dropped = self.log.split_off(offset.min(self.log_end()) as usize);
        self.epoch_starts.retain(|(_, start)| *start < offset);
        self.high_watermark = self.high_watermark.min(self.log_end());
        self.sequences.clear();
        for r in &self.log {
            if r.producer_id != 0 {
                self.sequences.insert(r.producer_id, r.seq);
            }
        }
        dropped
    }
}

#[derive(Clone, Debug)]
struct Broker {
    running: bool,
    incarnation: u32,
    /// The latest partition states the controller sent.
    states: Vec<PartitionState>,
    replicas: Vec<Replica>,
}

#[derive(Clone, Debug)]
struct ControllerBroker {
    fenced: bool,
    last_heartbeat: SimTime,
    /// The process incarnation that registered.
    incarnation: u32,
}

#[derive(Clone, Debug)]
struct Controller {
    brokers: Vec<ControllerBroker>,
    states: Vec<PartitionState>,
    /// Committed consumer offsets, by partition (one consumer group).
    offsets: BTreeMap<u16, u64>,
}

#[derive(Clone, Debug)]
pub struct Kafka {
    cfg: KafkaSettings,
    min_isr_all: u16,
    brokers: Vec<Broker>,
    controller: Controller,
    heartbeat_interval_ms: u64,
    session_timeout_ms: u64,
}

fn bits(mask: u16) -> impl Iterator<Item = BrokerId> {
    (0..15u16)
        .filter(move |i| mask & (1 << i) != 0)
        .map(BrokerId)
}

fn members(mask: u16) -> Vec<BrokerId> {
    bits(mask).collect()
}

fn kafka(msg: KafkaMsg) -> Payload {
    Payload::Kafka(msg)
}

fn sys(timer: Timer) -> TimerKind {
    TimerKind::System(SysTimer::Kafka(timer))
}

impl Kafka {
    pub fn new(cfg: KafkaSettings, config: &Config) -> Kafka {
        let n = usize::from(config.broker_count);
        let (heartbeat_interval_ms, session_timeout_ms) = match config.heartbeat {
            Some(h) => (h.interval_ms, h.timeout_ms),
            None => (
                cfg.broker_heartbeat_interval_ms,
                cfg.broker_session_timeout_ms,
            ),
        };
        let states: Vec<PartitionState> = (0..cfg.partitions)
            .map(|p| {
                let isr = Self::assignment(p, cfg.replication_factor, n as u16)
                    .fold(0u16, |m, b| m | broker_bit(b));
                PartitionState {
                    partition: p,
                    leader: Some(BrokerId(p % n as u16)),
                    epoch: 1,
                    isr,
                }
            })
            .collect();
        Kafka {
            min_isr_all: cfg.min_insync_replicas,
            brokers: (0..n)
                .map(|_| Broker {
                    running: false,
                    incarnation: 0,
                    states: states.clone(),
                    replicas: (0..cfg.partitions).map(|_| Replica::new()).collect(),
                })
                .collect(),
            controller: Controller {
                brokers: vec![
                    ControllerBroker {
                        fenced: false,
                        last_heartbeat: SimTime::ZERO,
                        incarnation: 1
                    };
                    n
                ],
                states,
                offsets: BTreeMap::new(),
            },
            cfg,
            heartbeat_interval_ms,
            session_timeout_ms,
        }
    }

    /// Partition p's replicas: brokers p, p+1, … (round-robin), leader first.
    fn assignment(p: u16, rf: u16, n: u16) -> impl Iterator<Item = BrokerId> {
        (0..rf).map(move |k| BrokerId((p + k) % n))
    }

    fn replicas_of(&self, p: u16) -> impl Iterator<Item = BrokerId> + use<> {
        Self::assignment(p, self.cfg.replication_factor, self.brokers.len() as u16)
    }

    fn hosts(&self, b: BrokerId, p: u16) -> bool {
        self.replicas_of(p).any(|r| r == b)
    }

    fn broker(&mut self, b: BrokerId) -> &mut Broker {
        &mut self.brokers[usize::from(b.0)]
    }

    // ----- the controller ---------------------------------------------------------------

    fn controller_send_states(&self, out: &mut Out) {
        let states = Box::new(self.controller.states.clone());
        for (i, cb) in self.controller.brokers.iter().enumerate() {
            if !cb.fenced {
                out.send(
                    Addr::Controller,
                    Addr::Broker(BrokerId(i as u16)),
                    kafka(KafkaMsg::States {
                        states: states.clone(),
                    }),
                );
            }
        }
    }

    /// Elects a leader for partition `p` (the old one is gone or fenced).
    fn elect(&mut self, p: u16, out: &mut Out) {
        let state = self.controller.states[usize::from(p)];
        let alive = |b: &BrokerId| !self.controller.brokers[usize::from(b.0)].fenced;
        let from_isr = self
            .replicas_of(p)
            .filter(alive)
            .find(|b| state.isr & broker_bit(*b) != 0);
        let (leader, clean) = match from_isr {
            Some(b) => (Some(b), true),
            None if self.cfg.unclean_leader_election => (self.replicas_of(p).find(alive), false),
            None => (None, true),
        };
        let new = &mut self.controller.states[usize::from(p)];
        if leader == new.leader {
            return;
        }
        new.leader = leader;
        new.epoch += 1;
        match leader {
            Some(b) => {
                if !clean {
                    new.isr = broker_bit(b);
                }
                let (epoch, isr) = (new.epoch, members(new.isr));
                out.trace(Event::Kafka(KafkaEvent::LeaderElected {
                    partition: p,
                    broker: b,
                    epoch,
                    clean,
                    isr,
                }));
                out.queue_leader(p, b, Epoch(epoch));
            }
            None => {
                let isr = members(new.isr);
                out.trace(Event::Kafka(KafkaEvent::Offline { partition: p, isr }));
            }
        }
    }

    fn fence(&mut self, b: BrokerId, out: &mut Out) {
        self.controller.brokers[usize::from(b.0)].fenced = true;
        out.trace(Event::Kafka(KafkaEvent::Fenced { broker: b }));
        for p in 0..self.cfg.partitions {
            let state = &mut self.controller.states[usize::from(p)];
            // KIP-841: a fenced broker leaves the ISR, unless it is the last member.
            if state.isr & broker_bit(b) != 0 && state.isr != broker_bit(b) {
                state.isr &= !broker_bit(b);
            }
            if self.controller.states[usize::from(p)].leader == Some(b) {
                self.elect(p, out);
            }
        }
        self.controller_send_states(out);
    }

    fn unfence(&mut self, b: BrokerId, out: &mut Out) {
        self.controller.brokers[usize::from(b.0)].fenced = false;
        out.trace(Event::Kafka(KafkaEvent::Unfenced { broker: b }));
        for p in 0..self.cfg.partitions {
            if self.controller.states[usize::from(p)].leader.is_none() && self.hosts(b, p) {
                self.elect(p, out);
            }
        }
        self.controller_send_states(out);
    }

    fn controller_heartbeat(&mut self, b: BrokerId, incarnation: u32, out: &mut Out) {
        // A broker that restarted before its session expired registers anew:
        // its old incarnation is fenced first, so leadership moves away.
        if !self.controller.brokers[usize::from(b.0)].fenced
            && self.controller.brokers[usize::from(b.0)].incarnation != incarnation
        {
            self.fence(b, out);
        }
        let cb = &mut self.controller.brokers[usize::from(b.0)];
        cb.last_heartbeat = out.now;
        cb.incarnation = incarnation;
        if cb.fenced {
            self.unfence(b, out);
        } else {
            // Brokers follow the metadata log; the latest state rides on the answer.
            out.send(
                Addr::Controller,
                Addr::Broker(b),
                kafka(KafkaMsg::States {
                    states: Box::new(self.controller.states.clone()),
                }),
            );
        }
    }

    fn controller_alter(
        &mut self,
        b: BrokerId,
        p: u16,
        leader_epoch: u32,
        isr: u16,
        out: &mut Out,
    ) {
        let Some(state) = self.controller.states.get_mut(usize::from(p)) else {
            return;
        };
        if state.leader != Some(b) || state.epoch != leader_epoch {
            out.trace(Event::Kafka(KafkaEvent::AlterRefused {
                partition: p,
                leader: b,
                stale_epoch: leader_epoch,
            }));
            out.send(
                Addr::Controller,
                Addr::Broker(b),
                kafka(KafkaMsg::States {
                    states: Box::new(self.controller.states.clone()),
                }),
            );
            return;
        }
        // Fenced brokers cannot join an ISR.
        let fenced = self
            .controller
            .brokers
            .iter()
            .enumerate()
            .filter(|(_, c)| c.fenced)
            .fold(0u16, |m, (i, _)| m | (1 << i));
        state.isr = (isr & !fenced) | broker_bit(b);
        self.controller_send_states(out);
    }

    // ----- brokers: metadata ------------------------------------------------------------------

    fn apply_states(&mut self, b: BrokerId, states: &[PartitionState], out: &mut Out) {
        self.broker(b).states = states.to_vec();
        for state in states {
            if !self.hosts(b, state.partition) {
                continue;
            }
            self.apply_state(b, *state, out);
        }
    }

    fn apply_state(&mut self, b: BrokerId, state: PartitionState, out: &mut Out) {
        let p = state.partition;
        let replica = &mut self.broker(b).replicas[usize::from(p)];
        match (&mut replica.role, state.leader) {
            (Role::Leader(l), Some(leader)) if leader == b && l.epoch == state.epoch => {
                // Our own ISR change, confirmed.
                l.isr = state.isr;
                l.altering = false;
                self.advance_high_watermark(b, p, out);
            }
            (Role::Leader(l), Some(leader)) if leader == b && l.epoch > state.epoch => {}
            (
                Role::Follower {
                    leader: f, epoch, ..
                },
                Some(leader),
            ) if *f == leader && *epoch == state.epoch => {}
            (role, _) if role_epoch(role) > state.epoch => {}
            (_, Some(leader)) if leader == b => self.become_leader(b, p, state, out),
            (_, leader) => self.become_follower(b, p, leader, state.epoch, out),
        }
    }

    fn become_leader(&mut self, b: BrokerId, p: u16, state: PartitionState, out: &mut Out) {
        let now = out.now;
        let followers: BTreeMap<BrokerId, Follower> = self
            .replicas_of(p)
            .filter(|f| *f != b)
            .map(|f| {
                (
                    f,
                    Follower {
                        log_end: 0,
                        caught_up_at: now,
                    },
                )
            })
            .collect();
        let replica = &mut self.broker(b).replicas[usize::from(p)];
        if replica
            .epoch_starts
            .last()
            .is_none_or(|(e, _)| *e < state.epoch)
        {
            let end = replica.log_end();
            replica.epoch_starts.push((state.epoch, end));
        }
        replica.role = Role::Leader(Box::new(LeaderState {
            epoch: state.epoch,
            isr: state.isr,
            followers,
            waiting: BTreeMap::new(),
            parked: Vec::new(),
            altering: false,
        }));
        let log_end = self.brokers[usize::from(b.0)].replicas[usize::from(p)].log_end();
        if state.epoch > 1 {
            out.trace(Event::Kafka(KafkaEvent::BecameLeader {
                partition: p,
                broker: b,
                epoch: state.epoch,
                log_end,
            }));
        }
        let half = (self.cfg.replica_lag_time_max_ms / 2).max(1);
        out.timer(Addr::Broker(b), half, sys(Timer::IsrCheck(p)));
    }

    fn become_follower(
        &mut self,
        b: BrokerId,
        p: u16,
        leader: Option<BrokerId>,
        epoch: u32,
        out: &mut Out,
    ) {
        let replica = &mut self.broker(b).replicas[usize::from(p)];
        let was_leader = matches!(replica.role, Role::Leader(_));
        if let Role::Leader(l) = &replica.role {
            // Produces waiting for the high watermark will never see it here.
            let waiting: Vec<Waiter> = l.waiting.values().copied().collect();
            for w in waiting {
                let result = ProduceResult::NotLeader;
                out.send(
                    Addr::Broker(b),
                    w.client,
                    kafka(KafkaMsg::ProduceResponse {
                        partition: w.partition,
                        corr: w.corr,
                        result,
                    }),
                );
            }
        }
        if was_leader {
            out.trace(Event::Kafka(KafkaEvent::SteppedDown {
                partition: p,
                broker: b,
                leader,
                epoch,
            }));
        }
        let replica = &mut self.broker(b).replicas[usize::from(p)];
        match leader {
            Some(leader) => {
                replica.role = Role::Follower {
                    leader,
                    epoch,
                    corr: 0,
                };
                self.fetch_from_leader(b, p, out);
            }
            None => replica.role = Role::Idle,
        }
    }

    // ----- brokers: replication ---------------------------------------------------------------

    fn fetch_from_leader(&mut self, b: BrokerId, p: u16, out: &mut Out) {
        // replica.socket.timeout.ms: a fetch unanswered this long is sent again.
        let timeout = REPLICA_SOCKET_TIMEOUT_MS;
        let replica = &mut self.broker(b).replicas[usize::from(p)];
        let (offset, last_epoch) = (replica.log_end(), replica.last_epoch());
        let Role::Follower { leader, corr, .. } = &mut replica.role else {
            return;
        };
        *corr += 1;
        let (leader, corr) = (*leader, *corr);
        out.send(
            Addr::Broker(b),
            Addr::Broker(leader),
            kafka(KafkaMsg::ReplicaFetch {
                partition: p,
                offset,
                last_epoch,
                corr,
            }),
        );
        out.timer(
            Addr::Broker(b),
            timeout,
            sys(Timer::RefetchDue { partition: p, corr }),
        );
    }

    /// A follower's fetch at the leader.
    fn on_replica_fetch(
        &mut self,
        b: BrokerId,
        from: BrokerId,
        p: u16,
        fetch: ReplicaFetch,
        out: &mut Out,
    ) {
        let ReplicaFetch {
            offset,
            last_epoch,
            corr,
        } = fetch;
        let now = out.now;
        let replica = &mut self.broker(b).replicas[usize::from(p)];
        let end_of_theirs = replica.end_of_epoch(last_epoch);
        let log_end = replica.log_end();
        let Role::Leader(l) = &mut replica.role else {
            let reply = Box::new(ReplicaReply::NotLeader);
            out.send(
                Addr::Broker(b),
                Addr::Broker(from),
                kafka(KafkaMsg::ReplicaFetchResponse {
                    partition: p,
                    corr,
                    reply,
                }),
            );
            return;
        };
        if offset > end_of_theirs {
            let reply = Box::new(ReplicaReply::Diverging { end: end_of_theirs });
            out.send(
                Addr::Broker(b),
                Addr::Broker(from),
                kafka(KafkaMsg::ReplicaFetchResponse {
                    partition: p,
                    corr,
                    reply,
                }),
            );
            return;
        }
        if let Some(f) = l.followers.get_mut(&from) {
            f.log_end = offset;
            if offset >= log_end {
                f.caught_up_at = now;
            }
        }
        let rejoin = offset >= log_end && l.isr & broker_bit(from) == 0 && !l.altering;
        if rejoin {
            l.altering = true;
            let (epoch, isr) = (l.epoch, l.isr | broker_bit(from));
            out.trace(Event::Kafka(KafkaEvent::IsrExpanded {
                partition: p,
                leader: b,
                added: from,
                isr: members(isr),
            }));
            out.send(
                Addr::Broker(b),
                Addr::Controller,
                kafka(KafkaMsg::AlterPartition {
                    partition: p,
                    leader_epoch: epoch,
                    isr,
                }),
            );
        }
        self.advance_high_watermark(b, p, out);
        if offset < log_end {
            self.answer_replica_fetch(b, from, p, offset, corr, out);
        } else {
            self.park(b, p, Addr::Broker(from), corr, offset, out);
        }
    }

    fn answer_replica_fetch(
        &self,
        b: BrokerId,
        to: BrokerId,
        p: u16,
        offset: u64,
        corr: u32,
        out: &mut Out,
    ) {
        let replica = &self.brokers[usize::from(b.0)].replicas[usize::from(p)];
        let Role::Leader(l) = &replica.role else {
            return;
        };
        let end = (offset as usize + MAX_FETCH_RECORDS).min(replica.log.len());
        let records = replica.log[offset as usize..end].to_vec();
        let reply = Box::new(ReplicaReply::Records {
            leader_epoch: l.epoch,
            from: offset,
            records,
            high_watermark: replica.high_watermark,
        });
        out.send(
            Addr::Broker(b),
            Addr::Broker(to),
            kafka(KafkaMsg::ReplicaFetchResponse {
                partition: p,
                corr,
                reply,
            }),
        );
    }

    fn park(&mut self, b: BrokerId, p: u16, who: Addr, corr: u32, offset: u64, out: &mut Out) {
        let wait = self.cfg.replica_fetch_wait_max_ms;
        if let Role::Leader(l) = &mut self.broker(b).replicas[usize::from(p)].role {
            l.parked.retain(|(w, _, _)| *w != who);
            l.parked.push((who, corr, offset));
            out.timer(
                Addr::Broker(b),
                wait,
                sys(Timer::FetchWait {
                    partition: p,
                    from: who,
                    corr,
                }),
            );
        }
    }

    /// New data or a new high watermark: answer the parked fetches that can be.
    fn wake_parked(&mut self, b: BrokerId, p: u16, out: &mut Out) {
        let replica = &mut self.broker(b).replicas[usize::from(p)];
        let (log_end, hw) = (replica.log_end(), replica.high_watermark);
        let Role::Leader(l) = &mut replica.role else {
            return;
        };
        let ready: Vec<(Addr, u32, u64)> = l
            .parked
            .iter()
            .filter(|(who, _, offset)| match who {
                Addr::Broker(_) => *offset < log_end,
                _ => *offset < hw,
            })
            .copied()
            .collect();
        l.parked.retain(|entry| !ready.contains(entry));
        for (who, corr, offset) in ready {
            match who {
                Addr::Broker(f) => self.answer_replica_fetch(b, f, p, offset, corr, out),
                client => self.answer_consumer_fetch(b, client, p, offset, corr, out),
            }
        }
    }

    fn on_parked_timeout(&mut self, b: BrokerId, p: u16, who: Addr, corr: u32, out: &mut Out) {
        let replica = &mut self.broker(b).replicas[usize::from(p)];
        let Role::Leader(l) = &mut replica.role else {
            return;
        };
        let Some(pos) = l
            .parked
            .iter()
            .position(|(w, c, _)| *w == who && *c == corr)
        else {
            return;
        };
        let (_, _, offset) = l.parked.remove(pos);
        match who {
            Addr::Broker(f) => self.answer_replica_fetch(b, f, p, offset, corr, out),
            client => self.answer_consumer_fetch(b, client, p, offset, corr, out),
        }
    }

    /// A follower's fetch answer.
    fn on_replica_reply(
        &mut self,
        b: BrokerId,
        from: BrokerId,
        p: u16,
        corr: u32,
        reply: ReplicaReply,
        out: &mut Out,
    ) {
        let replica = &mut self.broker(b).replicas[usize::from(p)];
        match &replica.role {
            Role::Follower {
                leader, corr: c, ..
            } if *leader == from && *c == corr => {}
            _ => return,
        }
        match reply {
            ReplicaReply::NotLeader => {} // wait for the controller's news; RefetchDue retries
            ReplicaReply::Diverging { end } => {
                let dropped = replica.truncate(end);
                if !dropped.is_empty() {
                    out.trace(Event::Kafka(KafkaEvent::Truncated {
                        partition: p,
                        broker: b,
                        to_offset: end,
                        removed: dropped.len() as u32,
                    }));
                }
                for r in dropped {
                    out.copy_dropped(r.msg, broker_bit(b), DropWhy::Truncated);
                }
                self.fetch_from_leader(b, p, out);
            }
            ReplicaReply::Records {
                leader_epoch,
                from: start,
                records,
                high_watermark,
            } => {
                if start == replica.log_end() {
                    for r in records {
                        replica.append(r);
                        out.copy_added(r.msg, broker_bit(b));
                    }
                }
                replica.high_watermark = high_watermark.min(replica.log_end());
                if let Role::Follower { epoch, .. } = &mut replica.role {
                    *epoch = (*epoch).max(leader_epoch);
                }
                self.fetch_from_leader(b, p, out);
            }
        }
    }

    fn advance_high_watermark(&mut self, b: BrokerId, p: u16, out: &mut Out) {
        let replica = &mut self.broker(b).replicas[usize::from(p)];
        let log_end = replica.log_end();
        let Role::Leader(l) = &mut replica.role else {
            return;
        };
        let hw = bits(l.isr)
            .map(|m| {
                if m == b {
                    log_end
                } else {
                    l.followers.get(&m).map_or(0, |f| f.log_end)
                }
            })
            .min()
            .unwrap_or(log_end);
        if hw <= replica.high_watermark {
            return;
        }
        replica.high_watermark = hw;
        let done: Vec<(u64, u32)> = l.waiting.range(..(hw, 0)).map(|(key, _)| *key).collect();
        let answers: Vec<(u64, Waiter)> = done
            .iter()
            .filter_map(|key| l.waiting.remove(key).map(|w| (key.0, w)))
            .collect();
        for (offset, w) in answers {
            let result = ProduceResult::Ok { offset };
            out.send(
                Addr::Broker(b),
                w.client,
                kafka(KafkaMsg::ProduceResponse {
                    partition: w.partition,
                    corr: w.corr,
                    result,
                }),
            );
        }
        self.wake_parked(b, p, out);
    }

    fn on_isr_check(&mut self, b: BrokerId, p: u16, out: &mut Out) {
        let now = out.now;
        let lag_max = self.cfg.replica_lag_time_max_ms;
        let replica = &mut self.broker(b).replicas[usize::from(p)];
        let Role::Leader(l) = &mut replica.role else {
            return;
        };
        out.timer(
            Addr::Broker(b),
            (lag_max / 2).max(1),
            sys(Timer::IsrCheck(p)),
        );
        if l.altering {
            return;
        }
        let laggards: Vec<BrokerId> = l
            .followers
            .iter()
            .filter(|(f, st)| {
                l.isr & broker_bit(**f) != 0 && now.ms_since(st.caught_up_at) > lag_max
            })
            .map(|(f, _)| *f)
            .collect();
        if laggards.is_empty() {
            return;
        }
        let isr = laggards.iter().fold(l.isr, |m, f| m & !broker_bit(*f));
        l.altering = true;
        let epoch = l.epoch;
        for removed in &laggards {
            out.trace(Event::Kafka(KafkaEvent::IsrShrunk {
                partition: p,
                leader: b,
                removed: *removed,
                isr: members(isr),
            }));
        }
        out.send(
            Addr::Broker(b),
            Addr::Controller,
            kafka(KafkaMsg::AlterPartition {
                partition: p,
                leader_epoch: epoch,
                isr,
            }),
        );
    }

    // ----- brokers: clients -------------------------------------------------------------------

    /// A record batch from a producer at (what it thinks is) the leader.
    fn on_produce(
        &mut self,
        b: BrokerId,
        client: Addr,
        p: u16,
        batch: ProduceBatch,
        out: &mut Out,
    ) {
        let min_isr = self.min_isr_all;
        let corr = batch.corr;
        let respond = |out: &mut Out, result| {
            out.send(
                Addr::Broker(b),
                client,
                kafka(KafkaMsg::ProduceResponse {
                    partition: p,
                    corr,
                    result,
                }),
            );
        };
        let Some(replica) = self.broker(b).replicas.get_mut(usize::from(p)) else {
            return;
        };
        let Role::Leader(l) = &replica.role else {
            respond(out, ProduceResult::NotLeader);
            return;
        };
        let isr_size = l.isr.count_ones();
        if batch.acks == Acks::All && isr_size < u32::from(min_isr) {
            let msg = batch.msgs.first().copied().unwrap_or(MsgId(0));
            out.trace(Event::Kafka(KafkaEvent::NotEnoughReplicas {
                partition: p,
                msg,
                isr: isr_size,
                min_isr,
            }));
            respond(out, ProduceResult::NotEnoughReplicas);
            return;
        }
        // The idempotent producer's batches arrive in sequence: one already
        // written is a duplicate, one that skips ahead waits for its turn.
        let mut skip = 0usize;
        if batch.producer_id != 0
            && let Some(&last) = replica.sequences.get(&batch.producer_id)
        {
            let count = batch.msgs.len() as u32;
            if batch.base_seq + count.saturating_sub(1) <= last {
                let msg = batch.msgs.first().copied().unwrap_or(MsgId(0));
                out.trace(Event::Kafka(KafkaEvent::DuplicateDropped {
                    partition: p,
                    msg,
                    count,
                }));
                // Answered like the original: with acks=all only once the
                // original records are below the high watermark.
                let last_seq = batch.base_seq + count.saturating_sub(1);
                let original = replica
                    .log
                    .iter()
                    .rposition(|r| r.producer_id == batch.producer_id && r.seq == last_seq)
                    .map_or(0, |o| o as u64);
                if batch.acks == Acks::All && original >= replica.high_watermark {
                    if let Role::Leader(l) = &mut replica.role {
                        l.waiting.insert(
                            (original, corr),
                            Waiter {
                                client,
                                corr,
                                partition: p,
                            },
                        );
                    }
                } else {
                    respond(out, ProduceResult::Duplicate);
                }
                return;
            }
            if batch.base_seq > last + 1 {
                respond(out, ProduceResult::OutOfOrderSequence);
                return;
            }
            skip = (last + 1 - batch.base_seq) as usize;
        }
        let epoch = l.epoch;
        let mut last_offset = replica.log_end();
        for (i, msg) in batch.msgs.iter().enumerate().skip(skip) {
            let record = Record {
                msg: *msg,
                epoch,
                producer_id: batch.producer_id,
                seq: batch.base_seq + i as u32,
            };
            last_offset = replica.append(record);
            out.copy_added(*msg, broker_bit(b));
        }
        match batch.acks {
            Acks::None => {}
            Acks::Leader => respond(
                out,
                ProduceResult::Ok {
                    offset: last_offset,
                },
            ),
            Acks::All => {
                if let Role::Leader(l) = &mut replica.role {
                    l.waiting.insert(
                        (last_offset, corr),
                        Waiter {
                            client,
                            corr,
                            partition: p,
                        },
                    );
                }
            }
        }
        self.advance_high_watermark(b, p, out);
        self.wake_parked(b, p, out);
    }

    fn on_consumer_fetch(
        &mut self,
        b: BrokerId,
        client: Addr,
        p: u16,
        offset: u64,
        corr: u32,
        out: &mut Out,
    ) {
        let Some(replica) = self.brokers[usize::from(b.0)].replicas.get(usize::from(p)) else {
            return;
        };
        if !matches!(replica.role, Role::Leader(_)) {
            out.send(
                Addr::Broker(b),
                client,
                kafka(KafkaMsg::FetchResponse {
                    partition: p,
                    corr,
                    result: FetchResult::NotLeader,
                }),
            );
            return;
        }
        if offset > replica.log_end() {
            let result = FetchResult::OutOfRange {
                log_end: replica.high_watermark,
            };
            out.send(
                Addr::Broker(b),
                client,
                kafka(KafkaMsg::FetchResponse {
                    partition: p,
                    corr,
                    result,
                }),
            );
            return;
        }
        if offset < replica.high_watermark {
            self.answer_consumer_fetch(b, client, p, offset, corr, out);
        } else {
            self.park(b, p, client, corr, offset, out);
        }
    }

    /// Consumers read only committed data: below the high watermark.
    fn answer_consumer_fetch(
        &self,
        b: BrokerId,
        client: Addr,
        p: u16,
        offset: u64,
        corr: u32,
        out: &mut Out,
    ) {
        let replica = &self.brokers[usize::from(b.0)].replicas[usize::from(p)];
        let hw = replica.high_watermark;
        let end = (offset + MAX_FETCH_RECORDS as u64).min(hw).max(offset);
        let records: Vec<(u64, MsgId)> = (offset..end)
            .map(|o| (o, replica.log[o as usize].msg))
            .collect();
        let result = FetchResult::Records {
            records: Box::new(records),
            high_watermark: hw,
        };
        out.send(
            Addr::Broker(b),
            client,
            kafka(KafkaMsg::FetchResponse {
                partition: p,
                corr,
                result,
            }),
        );
    }

    fn on_client(&mut self, b: BrokerId, client: Addr, msg: KafkaMsg, out: &mut Out) {
        match msg {
            KafkaMsg::MetadataRequest => {
                let leaders: Vec<Option<BrokerId>> = self.brokers[usize::from(b.0)]
                    .states
                    .iter()
                    .map(|s| s.leader)
                    .collect();
                out.send(
                    Addr::Broker(b),
                    client,
                    kafka(KafkaMsg::Metadata {
                        leaders: Box::new(leaders),
                    }),
                );
            }
            KafkaMsg::Produce {
                partition,
                corr,
                acks,
                producer_id,
                base_seq,
                msgs,
            } => {
                let batch = ProduceBatch {
                    corr,
                    acks,
                    producer_id,
                    base_seq,
                    msgs: *msgs,
                };
                self.on_produce(b, client, partition, batch, out);
            }
            KafkaMsg::Fetch {
                partition,
                offset,
                corr,
            } => self.on_consumer_fetch(b, client, partition, offset, corr, out),
            KafkaMsg::ListOffsets { partition } => {
                let replica = self.brokers[usize::from(b.0)]
                    .replicas
                    .get(usize::from(partition));
                let end = replica
                    .filter(|r| matches!(r.role, Role::Leader(_)))
                    .map(|r| r.high_watermark);
                out.send(
                    Addr::Broker(b),
                    client,
                    kafka(KafkaMsg::ListOffsetsResponse { partition, end }),
                );
            }
            _ => {}
        }
    }
}

fn role_epoch(role: &Role) -> u32 {
    match role {
        Role::Idle => 0,
        Role::Follower { epoch, .. } => *epoch,
        Role::Leader(l) => l.epoch,
    }
}

impl System for Kafka {
    fn start(&mut self, out: &mut Out) {
        out.trace(Event::Kafka(KafkaEvent::TopicCreated {
            partitions: self.cfg.partitions,
            replication_factor: self.cfg.replication_factor,
        }));
        for state in self.controller.states.clone() {
            if let Some(leader) = state.leader {
                let isr = members(state.isr);
                out.trace(Event::Kafka(KafkaEvent::LeaderElected {
                    partition: state.partition,
                    broker: leader,
                    epoch: 1,
                    clean: true,
                    isr,
                }));
                out.queue_leader(state.partition, leader, Epoch(1));
            }
        }
        for i in 0..self.brokers.len() {
            let b = BrokerId(i as u16);
            self.broker(b).running = true;
            self.broker(b).incarnation = 1;
            let states = self.controller.states.clone();
            self.apply_states(b, &states, out);
            out.timer(
                Addr::Broker(b),
                self.heartbeat_interval_ms,
                sys(Timer::Heartbeat),
            );
        }
        out.timer(
            Addr::Controller,
            self.heartbeat_interval_ms,
            sys(Timer::SessionCheck),
        );
    }

    fn boot(&mut self, b: BrokerId, out: &mut Out) {
        let broker = self.broker(b);
        broker.running = true;
        broker.incarnation += 1;
        for r in &mut broker.replicas {
            r.role = Role::Idle;
        }
        let incarnation = broker.incarnation;
        // Register with the controller at once; it answers with the metadata.
        out.send(
            Addr::Broker(b),
            Addr::Controller,
            kafka(KafkaMsg::BrokerHeartbeat { incarnation }),
        );
        out.timer(
            Addr::Broker(b),
            self.heartbeat_interval_ms,
            sys(Timer::Heartbeat),
        );
    }

    fn crash(&mut self, b: BrokerId, _out: &mut Out) {
        let broker = self.broker(b);
        broker.running = false;
        for r in &mut broker.replicas {
            r.role = Role::Idle;
        }
    }

    fn stop(&mut self, b: BrokerId, out: &mut Out) {
        // Controlled shutdown: the controller moves leadership away first.
        out.send(
            Addr::Broker(b),
            Addr::Controller,
            kafka(KafkaMsg::ControlledShutdown),
        );
        self.crash(b, out);
    }

    fn lose_disk(&mut self, b: BrokerId, out: &mut Out) {
        for replica in &mut self.broker(b).replicas {
            for r in replica.log.drain(..) {
                out.copy_dropped(r.msg, broker_bit(b), DropWhy::DiskLost);
            }
            *replica = Replica::new();
        }
    }

    fn receive(&mut self, b: BrokerId, from: Addr, payload: Payload, out: &mut Out) {
        let Payload::Kafka(msg) = payload else { return };
        match (from, msg) {
            (Addr::Controller, KafkaMsg::States { states }) => self.apply_states(b, &states, out),
            (
                Addr::Broker(f),
                KafkaMsg::ReplicaFetch {
                    partition,
                    offset,
                    last_epoch,
                    corr,
                },
            ) => {
                self.on_replica_fetch(
                    b,
                    f,
                    partition,
                    ReplicaFetch {
                        offset,
                        last_epoch,
                        corr,
                    },
                    out,
                );
            }
            (
                Addr::Broker(f),
                KafkaMsg::ReplicaFetchResponse {
                    partition,
                    corr,
                    reply,
                },
            ) => {
                self.on_replica_reply(b, f, partition, corr, *reply, out);
            }
            (Addr::Producer(_) | Addr::Consumer(_), msg) => self.on_client(b, from, msg, out),
            _ => {}
        }
    }

    fn timer(&mut self, b: BrokerId, timer: SysTimer, out: &mut Out) {
        let SysTimer::Kafka(timer) = timer else {
            return;
        };
        match timer {
            Timer::Heartbeat => {
                let incarnation = self.brokers[usize::from(b.0)].incarnation;
                out.send(
                    Addr::Broker(b),
                    Addr::Controller,
                    kafka(KafkaMsg::BrokerHeartbeat { incarnation }),
                );
                out.timer(
                    Addr::Broker(b),
                    self.heartbeat_interval_ms,
                    sys(Timer::Heartbeat),
                );
            }
            Timer::IsrCheck(p) => self.on_isr_check(b, p, out),
            Timer::FetchWait {
                partition,
                from,
                corr,
            } => self.on_parked_timeout(b, partition, from, corr, out),
            Timer::RefetchDue { partition, corr } => {
                if matches!(self.brokers[usize::from(b.0)].replicas[usize::from(partition)].role, Role::Follower { corr: c, .. } if c == corr)
                {
                    self.fetch_from_leader(b, partition, out);
                }
            }
            Timer::SessionCheck => {}
        }
    }

    fn controller_receive(&mut self, from: Addr, payload: Payload, out: &mut Out) {
        let Payload::Kafka(msg) = payload else { return };
        match (from, msg) {
            (Addr::Broker(b), KafkaMsg::BrokerHeartbeat { incarnation }) => {
                self.controller_heartbeat(b, incarnation, out)
            }
            (
                Addr::Broker(b),
                KafkaMsg::AlterPartition {
                    partition,
                    leader_epoch,
                    isr,
                },
            ) => {
                self.controller_alter(b, partition, leader_epoch, isr, out);
            }
            (Addr::Broker(b), KafkaMsg::ControlledShutdown)
                if !self.controller.brokers[usize::from(b.0)].fenced =>
            {
                self.fence(b, out);
            }
            (client @ Addr::Consumer(_), KafkaMsg::OffsetFetch { partition }) => {
                let offset = self.controller.offsets.get(&partition).copied();
                out.send(
                    Addr::Controller,
                    client,
                    kafka(KafkaMsg::OffsetFetchResponse { partition, offset }),
                );
            }
            (Addr::Consumer(_), KafkaMsg::OffsetCommit { partition, offset }) => {
                self.controller.offsets.insert(partition, offset);
            }
            _ => {}
        }
    }

    fn controller_timer(&mut self, timer: SysTimer, out: &mut Out) {
        if timer != SysTimer::Kafka(Timer::SessionCheck) {
            return;
        }
        out.timer(
            Addr::Controller,
            self.heartbeat_interval_ms,
            sys(Timer::SessionCheck),
        );
        let now = out.now;
        let expired: Vec<(BrokerId, u64)> = self
            .controller
            .brokers
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.fenced && now.ms_since(c.last_heartbeat) >= self.session_timeout_ms)
            .map(|(i, c)| (BrokerId(i as u16), now.ms_since(c.last_heartbeat)))
            .collect();
        for (b, silent_ms) in expired {
            out.trace(Event::DeclaredDown {
                observer: Addr::Controller,
                target: Addr::Broker(b),
                silent_ms,
                timeout_ms: self.session_timeout_ms,
                by: Detector::BrokerSession,
            });
            self.fence(b, out);
        }
    }

    fn drain(&mut self, _out: &mut Out) {}

    fn leaders(&self) -> Vec<(u16, BrokerId)> {
        let mut out = Vec::new();
        for (i, broker) in self.brokers.iter().enumerate() {
            if !broker.running {
                continue;
            }
            for (p, r) in broker.replicas.iter().enumerate() {
                if matches!(r.role, Role::Leader(_)) {
                    out.push((p as u16, BrokerId(i as u16)));
                }
            }
        }
        out
    }

    fn queues(&self) -> u16 {
        self.cfg.partitions
    }

    fn quiescent(&self) -> bool {
        // Every ISR member has every record the leader has.
        self.brokers.iter().all(|b| {
            b.replicas.iter().all(|r| match &r.role {
                Role::Leader(l) => {
                    r.high_watermark == r.log_end() && l.waiting.is_empty() && !l.altering
                }
                _ => true,
            })
        })
    }

    fn replicas(&self) -> Vec<ReplicaView> {
        let mut views = Vec::new();
        for (i, broker) in self.brokers.iter().enumerate() {
            let b = BrokerId(i as u16);
            if !broker.running {
                continue;
            }
            for (p, r) in broker.replicas.iter().enumerate() {
                let p = p as u16;
                if !self.hosts(b, p) {
                    continue;
                }
                let state = broker.states.get(usize::from(p));
                let in_isr = state.is_some_and(|s| s.isr & broker_bit(b) != 0);
                let (role, epoch) = match &r.role {
                    Role::Leader(l) => (ViewRole::Master, l.epoch),
                    Role::Follower { epoch, .. } => (ViewRole::Mirror, *epoch),
                    Role::Idle => (ViewRole::Slave, 0),
                };
                views.push(ReplicaView {
                    broker: b,
                    role,
                    epoch,
                    length: r.log.len() as u32,
                    synced: in_isr,
                    partition: p,
                    high_watermark: Some(r.high_watermark),
                });
            }
        }
        views
    }

    fn longest_timeout_ms(&self) -> u64 {
        self.session_timeout_ms + self.cfg.replica_lag_time_max_ms
    }
}
