//! The properties every run is checked against as it goes (DESIGN.md, "The
//! ledger and the invariants"). A broken property is data: a violation with
//! its time and a sentence, shown to the student and asserted in tests.
//! Under configurations that are unsafe on purpose, the violations are the
//! lesson rather than a bug in the simulator.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::ids::{BrokerId, Epoch};
use crate::time::SimTime;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub at_ms: u64,
    pub property: &'static str,
    pub detail: String,
}

/// How the report sums up the confirmed losses past the ones it lists one
/// by one (engine/drain.rs).
const MORE_LOST: (&str, &str) = ("… and ", " more confirmed messages lost");

impl Violation {
    /// The line that stands for `n` more confirmed messages lost.
    pub fn more_lost(at_ms: u64, n: usize) -> Violation {
        Violation {
            at_ms,
            property: CONFIRMED_SURVIVE,
            detail: format!("{}{n}{}", MORE_LOST.0, MORE_LOST.1),
        }
    }

    /// How many violations this one stands for: the summing-up line of
    /// [`Violation::more_lost`] counts for the messages it sums up.
    pub fn count(&self) -> u64 {
        (self.property == CONFIRMED_SURVIVE)
            .then(|| {
                self.detail
                    .strip_prefix(MORE_LOST.0)?
                    .strip_suffix(MORE_LOST.1)?
                    .parse::<u64>()
                    .ok()
            })
            .flatten()
            .unwrap_or(1)
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
    pub violations: Vec<Violation>,
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
        let of_queue = if queue == 0 {
            String::new()
        } else {
            format!(" (partition {queue})")
        };
        match self.leader_of_epoch.get(&(queue, epoch)) {
            Some(other) if *other != broker => {
                found = Some(Violation {
                    at_ms: at.as_ms(),
                    property: ONE_LEADER_PER_EPOCH,
                    detail: format!(
                        "{other} and {broker} both lead the queue in epoch {epoch}: split brain"
                    ),
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
            found = Some(Violation {
                at_ms: at.as_ms(),
                property: EPOCHS_MONOTONIC,
                detail: format!("{broker} went from epoch {last} back to epoch {epoch}{of_queue}"),
            });
        }
        let entry = self.last_epoch.entry((queue, broker)).or_insert(epoch);
        *entry = (*entry).max(epoch);
        if let Some(v) = &found {
            self.violations.push(v.clone());
        }
        found
    }

    pub fn add(&mut self, v: Violation) {
        self.violations.push(v);
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
        assert_eq!(v.property, ONE_LEADER_PER_EPOCH);
        assert!(v.detail.contains("b1 and b3"));
    }

    #[test]
    fn going_back_an_epoch_is_a_violation() {
        let mut inv = Invariants::default();
        inv.leader(SimTime::ZERO, 0, BrokerId(0), Epoch(3));
        let v = inv.leader(SimTime::ZERO, 0, BrokerId(0), Epoch(3));
        assert!(v.is_none());
        inv.leader_of_epoch.clear();
        let v = inv.leader(SimTime::ZERO, 0, BrokerId(0), Epoch(2)).unwrap();
        assert_eq!(v.property, EPOCHS_MONOTONIC);
    }
}
