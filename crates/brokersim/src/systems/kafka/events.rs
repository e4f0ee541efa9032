//! Kafka's trace events and the sentences that explain them.

use super::*;

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

/// "c1, c2".
pub(super) fn consumers(members: &[ClientId]) -> String {
    members
        .iter()
        .map(|c| Addr::Consumer(*c).to_string())
        .collect::<Vec<_>>()
        .join(", ")
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
        KafkaEvent::NotEnoughReplicasAfterAppend {
            partition,
            msg,
            count,
            isr,
            min_isr,
        } => format!(
            "partition {partition}: {} is written and below the high watermark, but the ISR has {isr}, fewer than min.insync.replicas {min_isr}: answered NotEnoughReplicasAfterAppend, not acknowledged",
            batch_of(*msg, *count)
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
                ProduceResult::NotEnoughReplicasAfterAppend => "NotEnoughReplicasAfterAppend",
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
            earliest: false,
            unread: unread @ 1..,
        } => format!(
            "c{} starts partition {partition} at offset {offset} (auto.offset.reset=latest): {unread} earlier record{} stay{} unconsumed",
            u32::from(consumer.0) + 1,
            if *unread == 1 { "" } else { "s" },
            if *unread == 1 { "s" } else { "" }
        ),
        KafkaEvent::ConsumerReset {
            consumer,
            partition,
            offset,
            earliest,
            ..
        } => format!(
            "c{}: no usable offset for partition {partition}; auto.offset.reset={} moves it to {offset}",
            u32::from(consumer.0) + 1,
            if *earliest { "earliest" } else { "latest" }
        ),
        KafkaEvent::GroupRebalanced {
            generation,
            members,
            waited_ms,
        } => format!(
            "the group coordinator completes the group's first rebalance after waiting {waited_ms} ms for members (group.initial.rebalance.delay.ms, KIP-134): generation {generation} assigns the partitions to {}",
            consumers(members)
        ),
        KafkaEvent::ConsumerDiverged {
            consumer,
            partition,
            offset,
        } => format!(
            "c{}: the log of partition {partition} diverged under its position (the leader changed with truncation); it goes back to offset {offset} (KIP-320)",
            u32::from(consumer.0) + 1
        ),
        KafkaEvent::DeliveryTimedOut { msg, count } => format!(
            "{} expired: delivery.timeout.ms passed without an answer; the producer gives up",
            batch_of(*msg, *count)
        ),
        KafkaEvent::RetriesExhausted {
            msg,
            count,
            retries,
        } => format!(
            "{} failed and retries={retries} allows no more attempts; the producer gives up",
            batch_of(*msg, *count)
        ),
    }
}
