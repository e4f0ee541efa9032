//! The run report: the public result of a run (README.md, "Run report"),
//! one JSON object with exactly these fields.

use serde::Serialize;

use crate::invariants::Violation;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Distinct messages the producers tried to publish.
    pub published: u64,
    /// Messages whose publish the broker confirmed.
    pub confirmed: u64,
    /// Messages the producer finally gave up on with an error (nack, no connection).
    pub rejected: u64,
    /// Neither confirmed nor rejected: the producer cannot know.
    pub indeterminate: u64,
    /// Distinct messages a consumer application handled at least once.
    pub delivered: u64,
    /// Deliveries that carried the `redelivered` flag.
    pub redelivered: u64,
    /// Messages handled more than once.
    pub duplicated: u64,
    /// Confirmed messages never delivered, after the drain.
    pub lost: u64,
    /// Deliveries of messages nobody published (always 0 unless a bug).
    pub unexpected: u64,
    /// First deliveries that came after a later message of the same producer.
    pub reordered: u64,
    /// Time no leader could accept a publish.
    pub unavailable_ms: u64,
    /// Leadership changes: promotions, a slave taking the lock.
    pub failovers: u64,
    /// For each detected failure, the time from the failure to its detection.
    pub detection_ms: Vec<u64>,
    /// Cross-site recovery time; `null` without disaster-recovery sites.
    pub rto_ms: Option<u64>,
    /// Confirmed messages that never reached the surviving site; `null` without sites.
    pub rpo_messages: Option<u64>,
    pub violations: Vec<Violation>,
    pub trace_hash: String,
}
