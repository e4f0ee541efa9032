//! What the final read decided, as data: kept with the finished run in
//! `Sim` and read by the results, in a file of its own so the engine's
//! state does not import the final read's logic.

use crate::report::{LossCause, LostMessage, UnconsumedMessage, UnconsumedWhy};

/// What the final read decided, kept with the finished run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub unconsumed: u64,
    pub lost: u64,
    pub unconsumed_reasons: std::collections::BTreeMap<UnconsumedWhy, u64>,
    pub lost_causes: std::collections::BTreeMap<LossCause, u64>,
    pub unconsumed_messages: Vec<UnconsumedMessage>,
    pub lost_messages: Vec<LostMessage>,
    /// The highest-numbered lost message (the lists stop at the first few).
    pub last_lost: Option<u32>,
}
