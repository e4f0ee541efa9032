//! One sentence per trace event, for students: what happened and why, with
//! the real option that decided it. The CLI and the page share this.
//! `explain_in` gives the sentence in any [`Lang`]; the Chinese ones live in
//! `explain_zh.rs` (and `kafka/events_zh.rs`, `quorum/events_zh.rs`).

use crate::ids::{Addr, BrokerId};
pub use crate::lang::Lang;
use crate::trace::{Detector, DropWhy, Event, LinkLoss, WonBy};

/// "b1, b2, b3".
pub(crate) fn list(brokers: &[BrokerId]) -> String {
    brokers
        .iter()
        .map(|b| b.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn detector(by: Detector) -> &'static str {
    match by {
        Detector::NetTicktime => "net_ticktime",
        Detector::AmqpHeartbeat => "AMQP heartbeat",
        Detector::InactivityMonitor => "maxInactivityDuration",
        Detector::Heartbeat => "heartbeat timeout",
        Detector::BrokerSession => "broker.session.timeout.ms",
        Detector::Aten => "aten, Ra's failure detector,",
    }
}

/// Autoheal's reason, as it follows "[b1] kept".
fn why_won(won_by: WonBy) -> String {
    match won_by {
        WonBy::Connections { winners, runner_up } => {
            format!(" because it had the most client connections ({winners} against {runner_up})")
        }
        WonBy::Nodes {
            connections,
            winners,
            runner_up,
        } => format!(
            " because, with {} on each side, it had the most nodes ({winners} against {runner_up})",
            plural_connections(connections)
        ),
        WonBy::NodeNames { connections, nodes } => format!(
            " because, with {} and {nodes} nodes on each side, its node names sort last",
            plural_connections(connections)
        ),
    }
}

fn plural_connections(n: u32) -> String {
    if n == 1 {
        "1 client connection".to_string()
    } else {
        format!("{n} client connections")
    }
}

fn secs(ms: u64) -> String {
    if ms.is_multiple_of(1_000) {
        format!("{} s", ms / 1_000)
    } else {
        format!("{}.{:03} s", ms / 1_000, ms % 1_000)
    }
}

fn why_dropped(why: DropWhy) -> &'static str {
    match why {
        DropWhy::ProcessDied => "they lived only in the memory of a process that died",
        DropWhy::DiskLost => "the disk holding them was lost",
        DropWhy::RejoinedEmpty => {
            "a node rejoining as a mirror starts empty and throws its old contents away"
        }
        DropWhy::PartitionLoser => "the node was on the losing side of the partition and was reset",
        DropWhy::ConsumerDied => "an auto-ack consumer died with them in its buffer",
        DropWhy::Truncated => "a replica truncated its log to match the new leader's",
        DropWhy::DeliveryLimit => {
            "it came back more often than delivery-limit allows and the queue dropped it"
        }
        DropWhy::DeliveryLost => {
            "it was on its way to an auto-ack consumer that never got it (the queue forgets an auto-ack delivery as it sends it)"
        }
    }
}

/// The sentence for one event in `lang`.
pub fn explain_in(event: &Event, lang: Lang) -> String {
    match lang {
        Lang::En => explain(event),
        Lang::Zh => crate::explain_zh::explain(event),
    }
}

/// An invariant violation's detail (`Violation::detail`, written in
/// English by the checks) in `lang`.
pub fn violation_detail_in(detail: &str, lang: Lang) -> String {
    match lang {
        Lang::En => detail.to_string(),
        Lang::Zh => crate::explain_zh::violation_detail(detail),
    }
}

/// An invariant's name (`Violation::property`, an identifier such as
/// `confirmed_messages_are_not_lost`) in `lang`.
pub fn violation_property_in(property: &'static str, lang: Lang) -> &'static str {
    match lang {
        Lang::En => property,
        Lang::Zh => crate::explain_zh::violation_property(property),
    }
}

/// Why confirmed messages were never consumed, in `lang`.
pub fn why_unconsumed_in(why: crate::report::UnconsumedWhy, lang: Lang) -> &'static str {
    match lang {
        Lang::En => why_unconsumed(why),
        Lang::Zh => crate::explain_zh::why_unconsumed(why),
    }
}

/// What destroyed a lost message's last copy, in `lang`.
pub fn loss_cause_in(cause: crate::report::LossCause, lang: Lang) -> &'static str {
    use crate::report::LossCause::*;
    let drop = |why| match lang {
        Lang::En => why_dropped(why),
        Lang::Zh => crate::explain_zh::why_dropped(why),
    };
    match cause {
        ProcessDied => drop(DropWhy::ProcessDied),
        DiskLost => drop(DropWhy::DiskLost),
        RejoinedEmpty => drop(DropWhy::RejoinedEmpty),
        PartitionLoser => drop(DropWhy::PartitionLoser),
        ConsumerDied => drop(DropWhy::ConsumerDied),
        Truncated => drop(DropWhy::Truncated),
        DeliveryLost => drop(DropWhy::DeliveryLost),
        DeliveryLimit => drop(DropWhy::DeliveryLimit),
        NeverStored => match lang {
            Lang::En => "it was confirmed, but no broker ever stored it",
            Lang::Zh => "它被确认了，但没有任何 broker 存储过它",
        },
        Unreadable => match lang {
            Lang::En => {
                "a broker still holds a copy that no reader can get (beyond the high watermark, or on a replica the queue no longer uses)"
            }
            Lang::Zh => {
                "某个 broker 仍持有一份副本，但没有读取者能读到它（在高水位之后，或在队列已不再使用的副本上）"
            }
        },
    }
}

/// Why the final reader found confirmed messages no consumer handled.
pub(crate) fn why_unconsumed(why: crate::report::UnconsumedWhy) -> &'static str {
    use crate::report::UnconsumedWhy::*;
    match why {
        NoConsumer => "the scenario has no consumer for them",
        ConsumerStopped => "every consumer had stopped",
        OffsetPastIt => "the consumer's offset is past them",
        NotReached => "the consumer had not reached them when the run ended",
    }
}

/// The English sentence for one event.
pub fn explain(event: &Event) -> String {
    match event {
        Event::Crashed(Addr::Broker(b)) => format!(
            "{b} crashed: its process died; what it had written to disk survives, its memory does not"
        ),
        Event::Crashed(client) => format!("{client} crashed"),
        Event::CrashedWithDisk(b) => format!(
            "{b} crashed and its disk went with it: neither what it had written to disk nor its memory survives"
        ),
        Event::Stopped(Addr::Broker(b)) => {
            format!("{b} shut down gracefully, telling its peers and clients")
        }
        Event::Stopped(client) => format!("{client} closed its connection cleanly"),
        Event::Restarted(who) => format!("{who} started"),
        Event::Paused { broker, for_ms } => format!(
            "{broker} froze for {} (a long GC pause): alive but silent",
            secs(*for_ms)
        ),
        Event::Resumed(b) => {
            format!("{b} resumed as if nothing had happened, and reads what piled up meanwhile")
        }
        Event::DiskLost(b) => format!("{b} lost its disk: it will restart empty"),
        Event::Partitioned { groups } => format!(
            "the network split into {}",
            groups
                .iter()
                .map(|g| format!("[{}]", list(g)))
                .collect::<Vec<_>>()
                .join(" | ")
        ),
        Event::Healed => "the network healed: every broker can reach every other again".into(),
        Event::LinkSlowed { a, b, latency_ms } => {
            format!("the link between {a} and {b} slowed by {latency_ms} ms")
        }
        Event::FaultPhaseEnded => {
            "faults over: healing everything, restarting every broker and draining the queue".into()
        }
        Event::FinalRead {
            delivered,
            unconsumed,
            lost,
        } => {
            let held: u64 = unconsumed.iter().map(|(_, n)| n).sum();
            let why = unconsumed
                .iter()
                .map(|(why, n)| format!("{n} because {}", why_unconsumed(*why)))
                .collect::<Vec<_>>()
                .join(", ");
            let why = if why.is_empty() {
                String::new()
            } else {
                format!(" ({why})")
            };
            format!(
                "the final read (a reader that is not one of the applications reads every queue from its start): of the confirmed messages, {delivered} were delivered, {held} are still held but were never consumed{why}, {lost} are lost (no copy survives)"
            )
        }
        Event::DrainFinished { clean: true } => {
            "drained: every queue is empty and every client idle".into()
        }
        Event::DrainFinished { clean: false } => {
            "the drain ended with messages still in a queue (nothing more was happening)".into()
        }
        Event::DeclaredDown {
            observer,
            target,
            silent_ms,
            timeout_ms,
            by,
        } => format!(
            "{observer}: {target} silent for {} ({} {}): declared down",
            secs(*silent_ms),
            detector(*by),
            secs(*timeout_ms)
        ),
        Event::BackInContact { observer, target } => {
            format!("{observer} hears from {target} again")
        }
        Event::PeerDisconnected { observer, target } => {
            format!(
                "{target} closed its connection to {observer} (it had declared {observer} down): {observer} now counts {target} as down"
            )
        }
        Event::Connected { client, broker } => format!("{client} connected to {broker}"),
        Event::ConnectFailed {
            client,
            broker,
            refused: true,
        } => format!(
            "{client} could not connect to {broker}: connection refused (nothing listening)"
        ),
        Event::ConnectFailed {
            client,
            broker,
            refused: false,
        } => {
            format!("{client} gave up connecting to {broker}: no answer before the connect timeout")
        }
        Event::ConnectionLost {
            client,
            broker,
            why,
        } => match why {
            LinkLoss::Silent => format!("{client} lost its connection to {broker}"),
            LinkLoss::ClosedByBroker => format!("{broker} closed the connection of {client}"),
            LinkLoss::Reset => format!(
                "{client}'s connection to {broker} was reset: {broker} restarted and no longer knows it"
            ),
        },
        Event::ReconnectIn {
            client,
            delay_ms,
            attempt,
        } => format!(
            "{client} will try to reconnect in {} (attempt {attempt})",
            secs(*delay_ms)
        ),
        Event::GaveUp { client, attempts } => {
            format!("{client} gave up reconnecting after {attempts} failed attempts")
        }
        Event::Published {
            msg,
            producer,
            attempt: 1,
        } => format!("{producer} published message {msg}"),
        Event::Published {
            msg,
            producer,
            attempt,
        } => format!(
            "{producer} published message {msg} again (attempt {attempt}): a possible duplicate"
        ),
        Event::Confirmed { msg } => format!("message {msg} confirmed to its producer"),
        Event::Nacked { msg, will_retry } => {
            format!("message {msg} refused by the broker{}", retry(*will_retry))
        }
        Event::ConfirmTimedOut { msg, will_retry } => format!(
            "no confirm for message {msg} in time: its fate is unknown{}",
            retry(*will_retry)
        ),
        Event::Unsent { msg, will_retry } => format!(
            "message {msg} could not be sent: no connection{}",
            retry(*will_retry)
        ),
        Event::Delivered {
            msg,
            consumer,
            redelivered: false,
        } => format!("{consumer} handled message {msg}"),
        Event::Delivered {
            msg,
            consumer,
            redelivered: true,
        } => format!("{consumer} handled message {msg} (marked redelivered)"),
        Event::LockAcquired { broker } => format!(
            "{broker} acquired the shared store's lock: it is now the master and opens its transport connectors"
        ),
        Event::LockLeaseExpired { holder } => {
            format!(
                "the lock lease of {holder} ran out (it lasts lockAcquireSleepInterval) before its keep-alive renewed it (every lockKeepAlivePeriod)"
            )
        }
        Event::LockLostShutdown { broker } => format!(
            "{broker} found at its keep-alive that it no longer holds the lock: a master without the lock shuts down"
        ),
        Event::StoreLoaded { broker, messages } => {
            format!(
                "{broker} loaded {} from the shared store",
                persistent(*messages)
            )
        }
        Event::TransientLost {
            broker,
            messages,
            delivered,
        } => {
            let lost = format!("{} died with {broker}'s memory", non_persistent(*messages));
            match (*messages, *delivered) {
                (_, 0) => lost,
                (0, _) => format!(
                    "{broker}'s memory held {} already pushed to consumers: they live on only in the consumers' buffers, nothing can redeliver them",
                    non_persistent(*delivered)
                ),
                _ => format!(
                    "{lost}; {delivered} more, already pushed to consumers, live on only in their buffers"
                ),
            }
        }
        Event::QueueCreated {
            master,
            mirrors,
            mirrored: true,
        } => format!(
            "queue q declared with its master on {master} and mirrors on {}",
            list(mirrors)
        ),
        Event::QueueCreated { master, .. } => format!(
            "queue q declared on {master}, not mirrored (no ha-mode policy): it lives on {master} alone"
        ),
        Event::MirrorJoined {
            broker,
            synced: true,
            ..
        } => format!("{broker} joined as a synchronised mirror"),
        Event::MirrorJoined {
            broker, missing, ..
        } => format!(
            "{broker} joined as a new mirror, empty: it lacks the {} already queued and is unsynchronised until they are consumed (ha-sync-mode: manual)",
            plural(*missing)
        ),
        Event::MirrorSynced { broker } => format!(
            "mirror on {broker} is now synchronised: the messages it never saw have all been consumed"
        ),
        Event::MirrorDropped { master, mirror } => format!(
            "{master} dropped {mirror} from the queue's mirrors; confirms no longer wait for it"
        ),
        Event::Promoted {
            broker,
            epoch,
            synced: true,
            ..
        } => format!("mirror on {broker} promoted to master (epoch {epoch}); it had every message"),
        Event::Promoted {
            broker,
            epoch,
            synced: false,
            lost_with_old_master,
        } => format!(
            "mirror on {broker} promoted to master (epoch {epoch}) although unsynchronised (ha-promote-on-failure: always): {} that only the old master held are lost",
            plural(*lost_with_old_master)
        ),
        Event::PromotionRefused {
            broker,
            on_shutdown,
        } => format!(
            "{broker} will not promote an unsynchronised mirror ({} when-synced): the queue is unavailable until its master returns",
            if *on_shutdown {
                "ha-promote-on-shutdown:"
            } else {
                "ha-promote-on-failure:"
            }
        ),
        Event::MasterRecovered {
            broker,
            epoch,
            messages,
        } => format!(
            "{broker} came back as master (epoch {epoch}) and recovered {} from its disk",
            persistent(*messages)
        ),
        Event::Requeued { broker, messages } => format!(
            "{broker} requeued {} delivered but not acknowledged, marked redelivered: consumers will see them again",
            plural(*messages)
        ),
        Event::PausedMinority {
            broker,
            reachable,
            cluster,
        } => format!(
            "{broker} sees only {reachable} of {cluster} nodes, a minority: it pauses itself (pause_minority)"
        ),
        Event::ResumedMajority { broker } => format!("{broker} sees a majority again and resumes"),
        Event::PartitionNoticed { broker, other } => format!(
            "{broker} hears from {other} again, which it had declared down: there was a partition"
        ),
        Event::PartitionResolved {
            winners,
            losers,
            automatic,
            won_by,
        } => format!(
            "{}: [{}] kept{}, [{}] restarted; the losing side's messages are discarded",
            if *automatic {
                "autoheal resolved the partition"
            } else {
                "the operator resolved the split brain by restarting the losing side"
            },
            list(winners),
            won_by.map(why_won).unwrap_or_default(),
            list(losers)
        ),
        Event::Discarded {
            broker,
            messages,
            why,
        } => format!(
            "{broker} discarded {}: {}",
            plural(*messages),
            why_dropped(*why)
        ),
        Event::Quorum(e) => crate::systems::quorum::events_en::explain(e),
        Event::Kafka(e) => crate::systems::kafka::explain(e),
        Event::SiteDown { site } => format!(
            "site {site} went down: every broker there stopped at once, and nobody was told"
        ),
        Event::SiteUp { site } => format!("site {site} is back: its brokers start again"),
        Event::SiteLost { site } => {
            format!("site {site} is lost for good: its brokers and their disks will never return")
        }
        Event::FailedOver { site } => {
            format!("failover: the applications are restarted against site {site}")
        }
        Event::Replicated { msg, by } => format!("{by} copied {msg} to its site"),
        Event::ReplicationStalled { by, waiting } => format!(
            "{by} cannot reach its source site: {} not yet copied wait there until it returns",
            plural(*waiting)
        ),
        Event::OffsetsCheckpointed { by, offsets } => {
            let parts: Vec<String> = offsets
                .iter()
                .map(|(p, o)| format!("partition {p} at offset {o}"))
                .collect();
            format!(
                "{by} checkpoints the consumer group's offsets into its site: {}",
                if parts.is_empty() {
                    "none committed yet".to_string()
                } else {
                    parts.join(", ")
                }
            )
        }
        Event::SplitBrain { leaders } => format!(
            "split brain: {} each lead the queue and accept writes; one side's work will be thrown away",
            list(leaders)
        ),
        Event::Violation { detail, .. } => format!("VIOLATION: {detail}"),
    }
}

/// "1 message", "2 messages".
fn plural(count: u32) -> String {
    if count == 1 {
        "1 message".into()
    } else {
        format!("{count} messages")
    }
}

fn persistent(count: u32) -> String {
    if count == 1 {
        "1 persistent message".into()
    } else {
        format!("{count} persistent messages")
    }
}

fn non_persistent(count: u32) -> String {
    if count == 1 {
        "1 non-persistent message".into()
    } else {
        format!("{count} non-persistent messages")
    }
}

fn retry(will_retry: bool) -> &'static str {
    if will_retry {
        "; the producer will retry"
    } else {
        ""
    }
}
