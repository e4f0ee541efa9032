//! RabbitMQ quorum queues (Raft): being built.

use serde::Serialize;

use crate::ids::MsgId;

/// Trace events of quorum queues (their sentences are in `explain`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum QuorumEvent {}

/// Messages between quorum queue replicas.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeerMsg {}

impl PeerMsg {
    pub fn message(&self) -> Option<MsgId> {
        match *self {}
    }

    pub fn kind(&self) -> &'static str {
        match *self {}
    }
}

pub fn explain(event: &QuorumEvent) -> String {
    match *event {}
}
