//! What each trace event says, in no language: the event's facts become a
//! catalogue key and named arguments. Written once for every language; the
//! match has no wildcard arm, so a new event does not compile until it
//! says something.

use super::catalogue::Key;
use super::phrase::{Arg, Phrase};
use crate::ids::Addr;
use crate::invariants::Violation;
use crate::report::{LossCause, UnconsumedWhy};
use crate::trace::{Detector, DropWhy, Event, LinkLoss, WonBy};

/// The phrase for one event.
pub fn phrase(event: &Event) -> Phrase {
    use Phrase as P;
    match event {
        Event::Crashed(Addr::Broker(b)) => P::new(Key::Crashed).with("broker", *b),
        Event::Crashed(client) => P::new(Key::ClientCrashed).with("client", *client),
        Event::Killed(Addr::Broker(b)) => P::new(Key::Killed).with("broker", *b),
        Event::Killed(client) => P::new(Key::ClientKilled).with("client", *client),
        Event::CrashedWithDisk(b) => P::new(Key::CrashedWithDisk).with("broker", *b),
        Event::Stopped(Addr::Broker(b)) => P::new(Key::Stopped).with("broker", *b),
        Event::Stopped(client) => P::new(Key::ClientStopped).with("client", *client),
        Event::Restarted(who) => P::new(Key::Restarted).with("who", *who),
        Event::Paused { broker, for_ms } => P::new(Key::Paused)
            .with("broker", *broker)
            .with("for", Arg::Secs(*for_ms)),
        Event::Resumed(b) => P::new(Key::Resumed).with("broker", *b),
        Event::DiskLost(b) => P::new(Key::DiskLost).with("broker", *b),
        Event::Partitioned { groups } => P::new(Key::Partitioned).with(
            "groups",
            Arg::Join(
                groups
                    .iter()
                    .map(|g| P::new(Key::PartitionGroup).with("brokers", g))
                    .collect(),
                Key::PartitionGroupSep,
            ),
        ),
        Event::Healed => P::new(Key::Healed),
        Event::LinkSlowed { a, b, latency_ms } => P::new(Key::LinkSlowed)
            .with("a", *a)
            .with("b", *b)
            .with("latency", *latency_ms),
        Event::FaultPhaseEnded => P::new(Key::FaultPhaseEnded),
        Event::FinalRead {
            delivered,
            unconsumed,
            lost,
        } => {
            let held: u64 = unconsumed.iter().map(|(_, n)| n).sum();
            let why = if unconsumed.is_empty() {
                P::new(Key::Nothing)
            } else {
                let reasons = unconsumed
                    .iter()
                    .map(|(why, n)| {
                        P::new(Key::FinalReadReason)
                            .with("count", *n)
                            .with("why", unconsumed_why(*why))
                    })
                    .collect();
                P::new(Key::FinalReadReasons).with("reasons", Arg::Join(reasons, Key::ListSep))
            };
            P::new(Key::FinalRead)
                .with("delivered", *delivered)
                .with("held", held)
                .with("why", why)
                .with("lost", *lost)
        }
        Event::DrainFinished { clean: true } => P::new(Key::DrainClean),
        Event::DrainFinished { clean: false } => P::new(Key::DrainStuck),
        Event::DeclaredDown {
            observer,
            target,
            by: Detector::ConnectionClosed,
            ..
        } => P::new(Key::DeclaredDownClosed)
            .with("observer", *observer)
            .with("target", *target),
        Event::DeclaredDown {
            observer,
            target,
            silent_ms,
            timeout_ms,
            by,
        } => P::new(Key::DeclaredDown)
            .with("observer", *observer)
            .with("target", *target)
            .with("silent", Arg::Secs(*silent_ms))
            .with("detector", detector(*by))
            .with("timeout", Arg::Secs(*timeout_ms)),
        Event::BackInContact { observer, target } => P::new(Key::BackInContact)
            .with("observer", *observer)
            .with("target", *target),
        Event::PeerDisconnected { observer, target } => P::new(Key::PeerDisconnected)
            .with("observer", *observer)
            .with("target", *target),
        Event::Connected { client, broker } => P::new(Key::Connected)
            .with("client", *client)
            .with("broker", *broker),
        Event::ConnectFailed {
            client,
            broker,
            refused,
        } => P::new(if *refused {
            Key::ConnectRefused
        } else {
            Key::ConnectTimedOut
        })
        .with("client", *client)
        .with("broker", *broker),
        Event::ConnectionLost {
            client,
            broker,
            why,
        } => P::new(match why {
            LinkLoss::Silent => Key::ConnectionLost,
            LinkLoss::ClosedByBroker => Key::ConnectionClosedByBroker,
            LinkLoss::Reset => Key::ConnectionReset,
            LinkLoss::ProcessKilled => Key::ConnectionKilled,
        })
        .with("client", *client)
        .with("broker", *broker),
        Event::ReconnectIn {
            client,
            delay_ms,
            attempt,
        } => P::new(Key::ReconnectIn)
            .with("client", *client)
            .with("delay", Arg::Secs(*delay_ms))
            .with("attempt", *attempt),
        Event::GaveUp { client, attempts } => P::new(Key::GaveUp)
            .with("client", *client)
            .with("attempts", *attempts),
        Event::Published {
            msg,
            producer,
            attempt: 1,
        } => P::new(Key::Published)
            .with("producer", *producer)
            .with("msg", *msg),
        Event::Published {
            msg,
            producer,
            attempt,
        } => P::new(Key::Republished)
            .with("producer", *producer)
            .with("msg", *msg)
            .with("attempt", *attempt),
        Event::Confirmed { msg } => P::new(Key::Confirmed).with("msg", *msg),
        Event::Nacked { msg, will_retry } => P::new(Key::Nacked)
            .with("msg", *msg)
            .with("retry", retry(*will_retry)),
        Event::ConfirmTimedOut { msg, will_retry } => P::new(Key::ConfirmTimedOut)
            .with("msg", *msg)
            .with("retry", retry(*will_retry)),
        Event::Unsent { msg, will_retry } => P::new(Key::Unsent)
            .with("msg", *msg)
            .with("retry", retry(*will_retry)),
        Event::Delivered {
            msg,
            consumer,
            redelivered,
        } => P::new(if *redelivered {
            Key::Redelivered
        } else {
            Key::Delivered
        })
        .with("consumer", *consumer)
        .with("msg", *msg),
        Event::LockAcquired { broker } => P::new(Key::LockAcquired).with("broker", *broker),
        Event::LockLeaseExpired { holder } => P::new(Key::LockLeaseExpired).with("holder", *holder),
        Event::NfsLeaseExpired { holder, lease_ms } => P::new(Key::NfsLeaseExpired)
            .with("holder", *holder)
            .with("lease", Arg::Secs(*lease_ms)),
        Event::NfsHostRebooted { holder } => P::new(Key::NfsHostRebooted).with("holder", *holder),
        Event::LockLostShutdown { broker } => P::new(Key::LockLostShutdown).with("broker", *broker),
        Event::StoreLoaded { broker, messages } => P::new(Key::StoreLoaded)
            .with("broker", *broker)
            .with("messages", *messages),
        Event::TransientLost {
            broker,
            messages,
            delivered,
        } => P::new(match (*messages, *delivered) {
            (_, 0) => Key::TransientLost,
            (0, _) => Key::TransientInBuffers,
            _ => Key::TransientLostAndInBuffers,
        })
        .with("broker", *broker)
        .with("messages", *messages)
        .with("delivered", *delivered),
        Event::QueueCreated {
            master,
            mirrors,
            mirrored: true,
        } => P::new(Key::QueueCreatedMirrored)
            .with("master", *master)
            .with("mirrors", mirrors),
        Event::QueueCreated { master, .. } => {
            P::new(Key::QueueCreatedUnmirrored).with("master", *master)
        }
        Event::MirrorJoined {
            broker,
            synced: true,
            ..
        } => P::new(Key::MirrorJoinedSynced).with("broker", *broker),
        Event::MirrorJoined {
            broker, missing, ..
        } => P::new(Key::MirrorJoinedEmpty)
            .with("broker", *broker)
            .with("missing", *missing),
        Event::MirrorSynced { broker } => P::new(Key::MirrorSynced).with("broker", *broker),
        Event::MirrorDropped { master, mirror } => P::new(Key::MirrorDropped)
            .with("master", *master)
            .with("mirror", *mirror),
        Event::Promoted {
            broker,
            epoch,
            synced: true,
            ..
        } => P::new(Key::PromotedSynced)
            .with("broker", *broker)
            .with("epoch", *epoch),
        Event::Promoted {
            broker,
            epoch,
            synced: false,
            lost_with_old_master,
        } => P::new(Key::PromotedUnsynced)
            .with("broker", *broker)
            .with("epoch", *epoch)
            .with("lost", *lost_with_old_master),
        Event::PromotionRefused {
            broker,
            on_shutdown,
        } => P::new(Key::PromotionRefused).with("broker", *broker).with(
            "option",
            Arg::Code(if *on_shutdown {
                "ha-promote-on-shutdown:"
            } else {
                "ha-promote-on-failure:"
            }),
        ),
        Event::MasterRecovered {
            broker,
            epoch,
            messages,
        } => P::new(Key::MasterRecovered)
            .with("broker", *broker)
            .with("epoch", *epoch)
            .with("messages", *messages),
        Event::Requeued { broker, messages } => P::new(Key::Requeued)
            .with("broker", *broker)
            .with("messages", *messages),
        Event::PausedMinority {
            broker,
            reachable,
            cluster,
        } => P::new(Key::PausedMinority)
            .with("broker", *broker)
            .with("reachable", *reachable)
            .with("cluster", *cluster),
        Event::ResumedMajority { broker } => P::new(Key::ResumedMajority).with("broker", *broker),
        Event::PartitionNoticed { broker, other } => P::new(Key::PartitionNoticed)
            .with("broker", *broker)
            .with("other", *other),
        Event::PartitionResolved {
            winners,
            losers,
            automatic,
            won_by,
        } => P::new(Key::PartitionResolved)
            .with(
                "how",
                P::new(if *automatic {
                    Key::AutohealResolved
                } else {
                    Key::OperatorResolved
                }),
            )
            .with("winners", winners)
            .with("why", won_by.map_or(P::new(Key::Nothing), why_won))
            .with("losers", losers),
        Event::Discarded {
            broker,
            messages,
            why,
        } => P::new(Key::Discarded)
            .with("broker", *broker)
            .with("messages", *messages)
            .with("why", drop_why(*why)),
        Event::Quorum(e) => super::quorum::phrase(e),
        Event::Kafka(e) => super::kafka::phrase(e),
        Event::SiteDown { site } => P::new(Key::SiteDown).with("site", Arg::Name(site.clone())),
        Event::SiteUp { site } => P::new(Key::SiteUp).with("site", Arg::Name(site.clone())),
        Event::SiteLost { site } => P::new(Key::SiteLost).with("site", Arg::Name(site.clone())),
        Event::FailedOver { site } => P::new(Key::FailedOver).with("site", Arg::Name(site.clone())),
        Event::Replicated { msg, by } => P::new(Key::Replicated).with("by", *by).with("msg", *msg),
        Event::ReplicationStalled { by, waiting } => P::new(Key::ReplicationStalled)
            .with("by", *by)
            .with("waiting", *waiting),
        Event::OffsetsCheckpointed { by, offsets } => {
            let offsets = if offsets.is_empty() {
                Arg::from(P::new(Key::NoOffsetsYet))
            } else {
                Arg::Join(
                    offsets
                        .iter()
                        .map(|(p, o)| {
                            P::new(Key::OffsetAt)
                                .with("partition", *p)
                                .with("offset", *o)
                        })
                        .collect(),
                    Key::ListSep,
                )
            };
            P::new(Key::OffsetsCheckpointed)
                .with("by", *by)
                .with("offsets", offsets)
        }
        Event::SplitBrain { leaders } => P::new(Key::SplitBrain).with("leaders", leaders),
        Event::Violation(v) => P::new(Key::Violation).with("detail", violation(v)),
    }
}

/// A violation's facts.
pub fn violation(v: &Violation) -> Phrase {
    use Phrase as P;
    match v {
        Violation::LostInRun {
            count: 1, first, ..
        } => P::new(Key::ViolationLostInRun).with("first", *first),
        Violation::LostInRun { count, first, last } => P::new(Key::ViolationManyLostInRun)
            .with("count", *count)
            .with("first", *first)
            .with("last", *last),
        Violation::ConfirmedLost { msg } => P::new(Key::ViolationConfirmedLost).with("msg", *msg),
        Violation::MoreLost { count } => P::new(Key::ViolationMoreLost).with("count", *count),
        Violation::ConfirmedAndRejected { msg } => {
            P::new(Key::ViolationConfirmedAndRejected).with("msg", *msg)
        }
        Violation::DeliveredUnpublished { msg } => {
            P::new(Key::ViolationDeliveredUnpublished).with("msg", *msg)
        }
        Violation::SplitBrain {
            first,
            second,
            epoch,
        } => P::new(Key::ViolationSplitBrain)
            .with("first", *first)
            .with("second", *second)
            .with("epoch", *epoch),
        Violation::EpochWentBack {
            broker,
            from,
            to,
            partition,
        } => {
            let p = P::new(if partition.is_some() {
                Key::ViolationEpochWentBackIn
            } else {
                Key::ViolationEpochWentBack
            })
            .with("broker", *broker)
            .with("from", *from)
            .with("to", *to);
            match partition {
                Some(partition) => p.with("partition", *partition),
                None => p,
            }
        }
    }
}

/// The property a violation breaks, by its name in each language.
pub fn property(v: &Violation) -> Phrase {
    use crate::invariants::*;
    Phrase::new(match v.property() {
        ONE_LEADER_PER_EPOCH => Key::PropertyOneLeaderPerEpoch,
        EPOCHS_MONOTONIC => Key::PropertyEpochsMonotonic,
        NOTHING_UNEXPECTED => Key::PropertyNothingUnexpected,
        CONFIRMED_XOR_REJECTED => Key::PropertyConfirmedXorRejected,
        _ => Key::PropertyConfirmedSurvive,
    })
}

/// The failure detector by its product's name.
pub fn detector(by: Detector) -> Phrase {
    Phrase::new(match by {
        Detector::NetTicktime => Key::DetectorNetTicktime,
        Detector::AmqpHeartbeat => Key::DetectorAmqpHeartbeat,
        Detector::InactivityMonitor => Key::DetectorInactivityMonitor,
        Detector::Heartbeat => Key::DetectorHeartbeat,
        Detector::BrokerSession => Key::DetectorBrokerSession,
        Detector::Aten => Key::DetectorAten,
        Detector::ConnectionClosed => Key::DetectorConnectionClosed,
    })
}

/// Why copies were destroyed.
pub fn drop_why(why: DropWhy) -> Phrase {
    Phrase::new(match why {
        DropWhy::ProcessDied => Key::DropProcessDied,
        DropWhy::DiskLost => Key::DropDiskLost,
        DropWhy::PageCacheLost => Key::DropPageCacheLost,
        DropWhy::RejoinedEmpty => Key::DropRejoinedEmpty,
        DropWhy::PartitionLoser => Key::DropPartitionLoser,
        DropWhy::ConsumerDied => Key::DropConsumerDied,
        DropWhy::Truncated => Key::DropTruncated,
        DropWhy::DeliveryLimit => Key::DropDeliveryLimit,
        DropWhy::DeliveryLost => Key::DropDeliveryLost,
    })
}

/// What destroyed a lost message's last copy.
pub fn loss_cause(cause: LossCause) -> Phrase {
    match cause {
        LossCause::ProcessDied => drop_why(DropWhy::ProcessDied),
        LossCause::DiskLost => drop_why(DropWhy::DiskLost),
        LossCause::PageCacheLost => drop_why(DropWhy::PageCacheLost),
        LossCause::RejoinedEmpty => drop_why(DropWhy::RejoinedEmpty),
        LossCause::PartitionLoser => drop_why(DropWhy::PartitionLoser),
        LossCause::ConsumerDied => drop_why(DropWhy::ConsumerDied),
        LossCause::Truncated => drop_why(DropWhy::Truncated),
        LossCause::DeliveryLost => drop_why(DropWhy::DeliveryLost),
        LossCause::DeliveryLimit => drop_why(DropWhy::DeliveryLimit),
        LossCause::NeverStored => Phrase::new(Key::LossNeverStored),
        LossCause::Unreadable => Phrase::new(Key::LossUnreadable),
    }
}

/// Why the final read found confirmed messages nobody consumed.
pub fn unconsumed_why(why: UnconsumedWhy) -> Phrase {
    Phrase::new(match why {
        UnconsumedWhy::NoConsumer => Key::UnconsumedNoConsumer,
        UnconsumedWhy::ConsumerStopped => Key::UnconsumedConsumerStopped,
        UnconsumedWhy::OffsetPastIt => Key::UnconsumedOffsetPastIt,
        UnconsumedWhy::NotReached => Key::UnconsumedNotReached,
    })
}

fn retry(will_retry: bool) -> Phrase {
    Phrase::new(if will_retry {
        Key::RetryYes
    } else {
        Key::Nothing
    })
}

/// Autoheal's reason, as it follows "[b1] kept".
fn why_won(won_by: WonBy) -> Phrase {
    match won_by {
        WonBy::Connections { winners, runner_up } => Phrase::new(Key::WonByConnections)
            .with("winners", winners)
            .with("runner_up", runner_up),
        WonBy::Nodes {
            connections,
            winners,
            runner_up,
        } => Phrase::new(Key::WonByNodes)
            .with("connections", connections)
            .with("winners", winners)
            .with("runner_up", runner_up),
        WonBy::NodeNames { connections, nodes } => Phrase::new(Key::WonByNodeNames)
            .with("connections", connections)
            .with("nodes", nodes),
    }
}
