//! The properties every run is checked against as it goes (README.md, "Run
//! report"). A broken property is data: a typed violation with its time
//! and its facts, said to the student through `voice` and asserted in
//! tests.
//! Under configurations that are unsafe on purpose, the violations are the
//! lesson rather than a bug in the simulator.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::ids::{BrokerId, Epoch, MsgId};
use crate::time::SimTime;

/// A broken property, with the facts that show it. Typed, so that every
/// reader (the report, the trace's sentence in any language, the page's
/// badges, the tests) takes the facts from fields, never from prose.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Violation {
    /// The trace's one line for the whole run's losses: `count` confirmed
    /// messages, `first` … `last`, have no copy left.
    LostInRun {
        count: u64,
        first: MsgId,
        last: MsgId,
    },
    /// One confirmed message has no copy left (the report lists each).
    ConfirmedLost {
        msg: MsgId,
    },
    /// The report's summing-up line for the losses past the ones it lists.
    MoreLost {
        count: u64,
    },
    ConfirmedAndRejected {
        msg: MsgId,
    },
    DeliveredUnpublished {
        msg: MsgId,
    },
    /// Two brokers led the same queue (Kafka: partition) in one epoch.
    SplitBrain {
        first: BrokerId,
        second: BrokerId,
        epoch: Epoch,
    },
    /// A broker led in an epoch older than one it had led before.
    EpochWentBack {
        broker: BrokerId,
        from: Epoch,
        to: Epoch,
        /// The Kafka partition, when it is not the first.
        partition: Option<u16>,
    },
}

impl Violation {
    /// Calls `f` on every broker id it names (see `Event::brokers_mut`).
    pub fn brokers_mut(&mut self, f: &mut dyn FnMut(&mut BrokerId)) {
        match self {
            Violation::SplitBrain { first, second, .. } => {
                f(first);
                f(second);
            }
            Violation::EpochWentBack { broker, .. } => f(broker),
            Violation::LostInRun { .. }
            | Violation::ConfirmedLost { .. }
            | Violation::MoreLost { .. }
            | Violation::ConfirmedAndRejected { .. }
            | Violation::DeliveredUnpublished { .. } => {}
        }
    }

    /// The property it breaks, by its stable name.
    pub fn property(&self) -> &'static str {
        match self {
            Violation::LostInRun { .. }
            | Violation::ConfirmedLost { .. }
            | Violation::MoreLost { .. } => CONFIRMED_SURVIVE,
            Violation::ConfirmedAndRejected { .. } => CONFIRMED_XOR_REJECTED,
            Violation::DeliveredUnpublished { .. } => NOTHING_UNEXPECTED,
            Violation::SplitBrain { .. } => ONE_LEADER_PER_EPOCH,
            Violation::EpochWentBack { .. } => EPOCHS_MONOTONIC,
        }
    }

    /// Whether it is about message `msg` (a range of lost messages counts
    /// its ends).
    pub fn is_about(&self, msg: MsgId) -> bool {
        match self {
            Violation::LostInRun { first, last, .. } => *first == msg || *last == msg,
            Violation::ConfirmedLost { msg: m }
            | Violation::ConfirmedAndRejected { msg: m }
            | Violation::DeliveredUnpublished { msg: m } => *m == msg,
            Violation::MoreLost { .. }
            | Violation::SplitBrain { .. }
            | Violation::EpochWentBack { .. } => false,
        }
    }

    /// How many violations this one stands for: the summing-up line counts
    /// for the messages it sums up.
    pub fn count(&self) -> u64 {
        match self {
            Violation::MoreLost { count } => *count,
            _ => 1,
        }
    }
}

/// A violation and when it was found: one line of the report's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Found {
    pub at_ms: u64,
    /// The property's stable name (also `violation.property()`).
    pub property: &'static str,
    #[serde(flatten)]
    pub violation: Violation,
}

impl Found {
    pub fn new(at_ms: u64, violation: Violation) -> Found {
        Found {
            at_ms,
            property: violation.property(),
            violation,
        }
    }

    pub fn count(&self) -> u64 {
        self.violation.count()
    }
}

pub const ONE_LEADER_PER_EPOCH: &str = "at_most_one_leader_per_epoch";
pub const EPOCHS_MONOTONIC: &str = "epochs_never_go_backwards";
pub const CONFIRMED_SURVIVE: &str = "confirmed_messages_are_not_lost";
pub const NOTHING_UNEXPECTED: &str = "nothing_delivered_that_was_never_published";
pub const CONFIRMED_XOR_REJECTED: &str = "no_publish_both_confirmed_and_rejected";

#[derive(Clone, Debug, Default)]
pub struct Invariants {
    /// Per queue (Kafka: partition), who led each epoch.
    leader_of_epoch: BTreeMap<(u16, Epoch), BrokerId>,
    last_epoch: BTreeMap<(u16, BrokerId), Epoch>,
    pub violations: Vec<Found>,
}

impl Invariants {
    /// `broker` starts leading in `epoch`; returns a violation if the
    /// property breaks.
    pub fn leader(
        &mut self,
        at: SimTime,
        queue: u16,
        broker: BrokerId,
        epoch: Epoch,
    ) -> Option<Violation> {
        let mut found = None;
        match self.leader_of_epoch.get(&(queue, epoch)) {
            Some(other) if *other != broker => {
                found = Some(Violation::SplitBrain {
                    first: *other,
                    second: broker,
                    epoch,
                });
            }
            Some(_) => {}
            None => {
                self.leader_of_epoch.insert((queue, epoch), broker);
            }
        }
        if let Some(last) = self.last_epoch.get(&(queue, broker))
            && *last > epoch
            && found.is_none()
        {
            found = Some(Violation::EpochWentBack {
                broker,
                from: *last,
                to: epoch,
                partition: (queue != 0).then_some(queue),
            });
        }
        let entry = self.last_epoch.entry((queue, broker)).or_insert(epoch);
        *entry = (*entry).max(epoch);
        if let Some(v) = &found {
            self.violations.push(Found::new(at.as_ms(), v.clone()));
        }
        found
    }

    pub fn add(&mut self, at_ms: u64, v: Violation) {
        self.violations.push(Found::new(at_ms, v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_leaders_in_one_epoch_is_a_violation() {
        let mut inv = Invariants::default();
        assert!(
            inv.leader(SimTime::ZERO, 0, BrokerId(0), Epoch(1))
                .is_none()
        );
        let v = inv
            .leader(SimTime::from_ms(5), 0, BrokerId(2), Epoch(1))
            .unwrap();
        assert_eq!(v.property(), ONE_LEADER_PER_EPOCH);
        assert_eq!(
            v,
            Violation::SplitBrain {
                first: BrokerId(0),
                second: BrokerId(2),
                epoch: Epoch(1)
            }
        );
    }

    #[test]
    fn going_back_an_epoch_is_a_violation() {
        let mut inv = Invariants::default();
        inv.leader(SimTime::ZERO, 0, BrokerId(0), Epoch(3));
        let v = inv.leader(SimTime::ZERO, 0, BrokerId(0), Epoch(3));
        assert!(v.is_none());
        inv.leader_of_epoch.clear();
        let v = inv.leader(SimTime::ZERO, 0, BrokerId(0), Epoch(2)).unwrap();
        assert_eq!(v.property(), EPOCHS_MONOTONIC);
    }
}
