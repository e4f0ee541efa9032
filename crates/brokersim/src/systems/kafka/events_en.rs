//! The English sentences for Kafka's trace events, split from `events.rs`
//! so the event enum stays data and all of Kafka's rendering sits in this
//! file and its twin `events_zh.rs`.

use super::events::KafkaEvent;
use super::protocol::ProduceResult;
use crate::ids::{Addr, BrokerId, ClientId, MsgId};

/// "b1, b2, b3" (the same as `explain::list`, kept here so the Kafka
/// system does not import the explanations).
pub(super) fn list(brokers: &[BrokerId]) -> String {
    brokers
        .iter()
        .map(|b| b.to_string())
        .collect::<Vec<_>>()
        .join(", ")
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
