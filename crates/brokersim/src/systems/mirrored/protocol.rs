//! What RabbitMQ nodes say to each other about the queue.

use super::*;

/// A mirror as the master announces it to the others.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member {
    pub broker: BrokerId,
    pub joined_at: SimTime,
    pub synced: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeerMsg {
    /// Erlang distribution tick, carrying what autoheal and pause_minority
    /// need to know of the sender.
    Tick {
        incarnation: u32,
        view: u16,
        clients: u32,
        app_paused: bool,
    },
    Hello {
        incarnation: u32,
    },
    HelloAck {
        incarnation: u32,
        master: Option<(BrokerId, Epoch)>,
    },
    /// The sender declared the receiver (in that incarnation) down and
    /// closed the connection.
    Disconnect {
        incarnation: u32,
    },
    /// Graceful shutdown.
    Leaving,
    BecomeMirror {
        epoch: Epoch,
        sync: Box<Vec<QMsg>>,
    },
    Replicate {
        epoch: Epoch,
        q: QMsg,
    },
    ReplicateAck {
        epoch: Epoch,
        seq: u64,
    },
    MarkDelivered {
        epoch: Epoch,
        msg: MsgId,
    },
    Remove {
        epoch: Epoch,
        msg: MsgId,
    },
    Members {
        epoch: Epoch,
        members: Box<Vec<Member>>,
    },
    JoinRequest,
    NewMaster {
        epoch: Epoch,
    },
    Forward {
        client: Addr,
        conn: u32,
        msg: MsgId,
        persistent: bool,
        confirm: bool,
    },
    ConfirmVia {
        client: Addr,
        conn: u32,
        msg: MsgId,
    },
    NackVia {
        client: Addr,
        conn: u32,
        msg: MsgId,
    },
    SubscribeVia {
        client: Addr,
        conn: u32,
        prefetch: u32,
        auto_ack: bool,
    },
    DeliverVia {
        client: Addr,
        conn: u32,
        msg: MsgId,
        redelivered: bool,
    },
    AckVia {
        client: Addr,
        conn: u32,
        msg: MsgId,
    },
    /// The relay lost the client's connection `conn`.
    ClientGone {
        client: Addr,
        conn: u32,
    },
}

impl PeerMsg {
    pub fn message(&self) -> Option<MsgId> {
        match self {
            PeerMsg::Replicate { q, .. } => Some(q.msg),
            PeerMsg::MarkDelivered { msg, .. }
            | PeerMsg::Remove { msg, .. }
            | PeerMsg::Forward { msg, .. }
            | PeerMsg::ConfirmVia { msg, .. }
            | PeerMsg::NackVia { msg, .. }
            | PeerMsg::DeliverVia { msg, .. }
            | PeerMsg::AckVia { msg, .. } => Some(*msg),
            _ => None,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            PeerMsg::Tick { .. } => "tick",
            PeerMsg::Hello { .. } | PeerMsg::HelloAck { .. } => "hello",
            PeerMsg::Disconnect { .. } | PeerMsg::Leaving => "disconnect",
            PeerMsg::BecomeMirror { .. }
            | PeerMsg::Members { .. }
            | PeerMsg::JoinRequest
            | PeerMsg::NewMaster { .. } => "membership",
            PeerMsg::Replicate { .. } => "replicate",
            PeerMsg::ReplicateAck { .. } => "replicate-ack",
            PeerMsg::MarkDelivered { .. } | PeerMsg::Remove { .. } => "mirror-update",
            PeerMsg::Forward { .. } => "publish",
            PeerMsg::ConfirmVia { .. } => "confirm",
            PeerMsg::NackVia { .. } => "nack",
            PeerMsg::SubscribeVia { .. } => "subscribe",
            PeerMsg::DeliverVia { .. } => "deliver",
            PeerMsg::AckVia { .. } => "ack",
            PeerMsg::ClientGone { .. } => "close",
        }
    }
}
