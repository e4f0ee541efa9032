//! What each Kafka event says, in no language.

use super::catalogue::Key;
use super::phrase::{Arg, Phrase};
use crate::ids::{Addr, MsgId};
use crate::systems::kafka::events::KafkaEvent;
use crate::systems::kafka::protocol::ProduceResult;

pub fn phrase(event: &KafkaEvent) -> Phrase {
    use Phrase as P;
    let consumer = |c: &crate::ids::ClientId| Addr::Consumer(*c);
    match event {
        KafkaEvent::TopicCreated {
            partitions,
            replication_factor,
        } => P::new(Key::KafkaTopicCreated)
            .with("partitions", *partitions)
            .with("rf", *replication_factor),
        KafkaEvent::Fenced { broker } => P::new(Key::KafkaFenced).with("broker", *broker),
        KafkaEvent::Unfenced { broker } => P::new(Key::KafkaUnfenced).with("broker", *broker),
        KafkaEvent::LeaderElected {
            partition,
            broker,
            epoch,
            clean,
            isr,
            from_elr,
            last_known,
        } => P::new(match (*from_elr, *last_known, *clean) {
            (true, _, _) => Key::KafkaElrLeaderElected,
            (false, true, _) => Key::KafkaLastKnownLeaderElected,
            (false, false, true) => Key::KafkaLeaderElected,
            (false, false, false) => Key::KafkaUncleanLeaderElected,
        })
        .with("partition", *partition)
        .with("broker", *broker)
        .with("epoch", *epoch)
        .with("isr", isr),
        KafkaEvent::Offline {
            partition,
            isr,
            elr,
        } if elr.is_empty() => P::new(Key::KafkaOffline)
            .with("partition", *partition)
            .with("isr", isr),
        KafkaEvent::Offline {
            partition,
            isr,
            elr,
        } => P::new(Key::KafkaOfflineElr)
            .with("partition", *partition)
            .with("isr", isr)
            .with("elr", elr),
        KafkaEvent::ElrChanged { partition, elr } if elr.is_empty() => {
            P::new(Key::KafkaElrCleared).with("partition", *partition)
        }
        KafkaEvent::ElrChanged { partition, elr } => P::new(Key::KafkaElrChanged)
            .with("partition", *partition)
            .with("elr", elr),
        KafkaEvent::LeftElr { partition, broker } => P::new(Key::KafkaLeftElr)
            .with("partition", *partition)
            .with("broker", *broker),
        KafkaEvent::IsrShrunk {
            partition,
            leader,
            removed,
            isr,
        } => P::new(Key::KafkaIsrShrunk)
            .with("partition", *partition)
            .with("removed", *removed)
            .with("leader", *leader)
            .with("isr", isr),
        KafkaEvent::IsrExpanded {
            partition,
            leader,
            added,
            isr,
        } => P::new(Key::KafkaIsrExpanded)
            .with("partition", *partition)
            .with("added", *added)
            .with("leader", *leader)
            .with("isr", isr),
        KafkaEvent::AlterRefused {
            partition,
            leader,
            stale_epoch,
        } => P::new(Key::KafkaAlterRefused)
            .with("partition", *partition)
            .with("leader", *leader)
            .with("epoch", *stale_epoch),
        KafkaEvent::BecameLeader {
            partition,
            broker,
            epoch,
            log_end,
        } => P::new(Key::KafkaBecameLeader)
            .with("partition", *partition)
            .with("broker", *broker)
            .with("epoch", *epoch)
            .with("records", *log_end),
        KafkaEvent::SteppedDown {
            partition,
            broker,
            leader,
            epoch,
        } => {
            let p = P::new(if leader.is_some() {
                Key::KafkaSteppedDown
            } else {
                Key::KafkaNoLeader
            })
            .with("partition", *partition)
            .with("broker", *broker)
            .with("epoch", *epoch);
            match leader {
                Some(leader) => p.with("leader", *leader),
                None => p,
            }
        }
        KafkaEvent::Truncated {
            partition,
            broker,
            to_offset,
            removed,
        } => P::new(Key::KafkaTruncated)
            .with("partition", *partition)
            .with("broker", *broker)
            .with("offset", *to_offset)
            .with("removed", *removed),
        KafkaEvent::NotEnoughReplicas {
            partition,
            msg,
            isr,
            min_isr,
        } => P::new(Key::KafkaNotEnoughReplicas)
            .with("partition", *partition)
            .with("msg", *msg)
            .with("isr", *isr)
            .with("min_isr", *min_isr),
        KafkaEvent::NotEnoughReplicasAfterAppend {
            partition,
            msg,
            count,
            isr,
            min_isr,
        } => P::new(Key::KafkaNotEnoughReplicasAfterAppend)
            .with("partition", *partition)
            .with("batch", batch(*msg, *count))
            .with("isr", *isr)
            .with("min_isr", *min_isr),
        KafkaEvent::ProduceRetry {
            msg,
            count,
            partition,
            why,
            attempt,
        } => P::new(Key::KafkaProduceRetry)
            .with("batch", batch(*msg, *count))
            .with("partition", *partition)
            .with("why", produce_error(*why))
            .with("attempt", *attempt),
        KafkaEvent::DuplicateDropped {
            partition,
            msg,
            count,
        } => P::new(Key::KafkaDuplicateDropped)
            .with("partition", *partition)
            .with("batch", batch(*msg, *count)),
        KafkaEvent::ConsumerPosition {
            consumer: c,
            partition,
            offset,
            committed,
        } => P::new(if *committed {
            Key::KafkaResumesAtCommitted
        } else {
            Key::KafkaStartsAt
        })
        .with("consumer", consumer(c))
        .with("partition", *partition)
        .with("offset", *offset),
        KafkaEvent::ConsumerReset {
            consumer: c,
            partition,
            offset,
            earliest: false,
            unread: unread @ 1..,
        } => P::new(Key::KafkaStartsAtLatest)
            .with("consumer", consumer(c))
            .with("partition", *partition)
            .with("offset", *offset)
            .with("unread", *unread),
        KafkaEvent::ConsumerReset {
            consumer: c,
            partition,
            offset,
            earliest,
            ..
        } => P::new(Key::KafkaOffsetReset)
            .with("consumer", consumer(c))
            .with("partition", *partition)
            .with(
                "reset",
                Arg::Code(if *earliest { "earliest" } else { "latest" }),
            )
            .with("offset", *offset),
        KafkaEvent::GroupRebalanced {
            generation,
            members,
            waited_ms,
        } => P::new(Key::KafkaGroupRebalanced)
            .with("waited", *waited_ms)
            .with("generation", *generation)
            .with(
                "members",
                Arg::Addrs(members.iter().map(consumer).collect()),
            ),
        KafkaEvent::ConsumerDiverged {
            consumer: c,
            partition,
            offset,
        } => P::new(Key::KafkaConsumerDiverged)
            .with("consumer", consumer(c))
            .with("partition", *partition)
            .with("offset", *offset),
        KafkaEvent::DeliveryTimedOut { msg, count } => {
            P::new(Key::KafkaDeliveryTimedOut).with("batch", batch(*msg, *count))
        }
        KafkaEvent::RetriesExhausted {
            msg,
            count,
            retries,
        } => P::new(Key::KafkaRetriesExhausted)
            .with("batch", batch(*msg, *count))
            .with("retries", *retries),
    }
}

/// "message #5", or "the batch of 12 messages from #5".
fn batch(first: MsgId, count: u32) -> Phrase {
    if count == 1 {
        Phrase::new(Key::KafkaBatchOne).with("msg", first)
    } else {
        Phrase::new(Key::KafkaBatchMany)
            .with("count", count)
            .with("first", first)
    }
}

/// The error a produce request failed with, as Kafka names it.
fn produce_error(why: ProduceResult) -> Arg {
    match why {
        ProduceResult::NotLeader => Arg::Code("NotLeaderOrFollower"),
        ProduceResult::NotEnoughReplicas => Arg::Code("NotEnoughReplicas"),
        ProduceResult::NotEnoughReplicasAfterAppend => Arg::Code("NotEnoughReplicasAfterAppend"),
        ProduceResult::OutOfOrderSequence => Arg::Code("OutOfOrderSequence"),
        ProduceResult::Ok { .. } | ProduceResult::Duplicate => {
            Arg::from(Phrase::new(Key::KafkaRequestTimedOut))
        }
    }
}
