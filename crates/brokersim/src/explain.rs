//! Transitional: the list helper the Kafka and quorum renderers still use
//! until their events speak through `voice`'s catalogue like the rest.

use crate::ids::BrokerId;

/// "b1, b2, b3".
pub(crate) fn list(brokers: &[BrokerId]) -> String {
    brokers
        .iter()
        .map(|b| b.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
