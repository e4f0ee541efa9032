//! The quorum queue's trace events. Data only: `trace.rs` imports it
//! without importing the behaviour; what each says is in
//! `voice/quorum.rs` and the catalogue.

use serde::Serialize;

use crate::ids::{BrokerId, MsgId};

/// Trace events of quorum queues (their sentences are in `explain`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum QuorumEvent {
    Declared {
        leader: BrokerId,
        members: Vec<BrokerId>,
    },
    ElectionStarted {
        broker: BrokerId,
        term: u32,
    },
    LeaderElected {
        broker: BrokerId,
        term: u32,
        votes: u32,
        members: u32,
    },
    /// A leader learnt of a higher term.
    SteppedDown {
        broker: BrokerId,
        term: u32,
        uncommitted: u32,
    },
    /// A member discarded the uncommitted suffix that diverged from the leader's log.
    Truncated {
        broker: BrokerId,
        entries: u32,
        messages: u32,
    },
    /// A member restarted with its log from disk.
    Recovered {
        broker: BrokerId,
        entries: u32,
        term: u32,
    },
    /// A restarted or emptied member has the whole committed log again.
    CaughtUp {
        broker: BrokerId,
        index: u64,
    },
    /// The leader hears from too few members to commit anything.
    NoQuorum {
        leader: BrokerId,
        reachable: u32,
        members: u32,
    },
    /// A message returned more often than `delivery-limit` is dropped.
    DeliveryLimit {
        msg: MsgId,
        returns: u32,
        limit: u32,
    },
}

impl QuorumEvent {
    /// Calls `f` on every broker id it names (see `Event::brokers_mut`).
    pub fn brokers_mut(&mut self, f: &mut dyn FnMut(&mut BrokerId)) {
        match self {
            QuorumEvent::Declared { leader, members } => {
                f(leader);
                members.iter_mut().for_each(f);
            }
            QuorumEvent::ElectionStarted { broker, .. }
            | QuorumEvent::LeaderElected { broker, .. }
            | QuorumEvent::SteppedDown { broker, .. }
            | QuorumEvent::Truncated { broker, .. }
            | QuorumEvent::Recovered { broker, .. }
            | QuorumEvent::CaughtUp { broker, .. }
            | QuorumEvent::NoQuorum { leader: broker, .. } => f(broker),
            QuorumEvent::DeliveryLimit { .. } => {}
        }
    }

    /// A leader elected after the first counts as a failover.
    pub fn is_failover(&self) -> bool {
        matches!(self, QuorumEvent::LeaderElected { .. })
    }
}
