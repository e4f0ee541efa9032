//! Kafka replicated partitions (KRaft): being built.

use serde::Serialize;

use crate::ids::MsgId;

/// Trace events of Kafka (their sentences are in `explain`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum KafkaEvent {}

/// Kafka requests and responses: clients, brokers and the controller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KafkaMsg {}

impl KafkaMsg {
    pub fn message(&self) -> Option<MsgId> {
        match *self {}
    }

    pub fn kind(&self) -> &'static str {
        match *self {}
    }
}

pub fn explain(event: &KafkaEvent) -> String {
    match *event {}
}
