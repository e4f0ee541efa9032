//! What RabbitMQ nodes say to each other about the queue, and the timers a
//! node sets: data only, importing nothing from the behaviour, so that
//! `wire.rs` and `systems/timer.rs` can name them without importing the
//! system (issue 13, vocabulary below behaviour).

use crate::ids::{Addr, BrokerId, Epoch, MsgId};
use crate::systems::queue::QMsg;
use crate::time::SimTime;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// Send ticks to every peer and check who has gone silent.
    Tick,
    /// A booting node has waited for its peers' answers.
    BootWait,
}

/// Which connection a packet travels on: the sender's incarnation and
/// connection number, and the receiver's incarnation it was opened to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct ConnId {
    pub from_incarnation: u32,
    pub number: u32,
    pub to_incarnation: u32,
}

/// How far a node has received on its peer's connection to it: `upto` is
/// the last packet received in order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkAck {
    pub conn: ConnId,
    pub upto: u64,
}

/// A mirror as the master announces it to the others.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member {
    pub broker: BrokerId,
    pub joined_at: SimTime,
    pub synced: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeerMsg {
    /// Erlang distribution tick, carrying what pause_minority needs to know
    /// of the sender.
    Tick {
        incarnation: u32,
        app_paused: bool,
        /// How far the sender has the receiver's connection to it.
        ack: LinkAck,
        /// How far the sender has sent on its connection to the receiver.
        sent: LinkAck,
    },
    /// Queue traffic on the connection (`link.rs`): numbered, acknowledged,
    /// resent after a cut; `ack` acknowledges the other direction.
    Seq {
        conn: ConnId,
        seq: u64,
        ack: LinkAck,
        msg: Box<PeerMsg>,
    },
    /// The receiver of `conn` misses its packets from `from` on.
    Resend {
        conn: ConnId,
        from: u64,
    },
    Hello {
        incarnation: u32,
    },
    HelloAck {
        incarnation: u32,
        master: Option<(BrokerId, Epoch)>,
        /// The RabbitMQ application runs on the sender (not paused), so
        /// its cluster metadata (Mnesia) can be synced from it.
        running: bool,
        /// The newest epoch of the queue the sender knows of.
        max_epoch: Epoch,
    },
    /// The sender declared the receiver (in that incarnation) down and
    /// closed the connection.
    Disconnect {
        incarnation: u32,
    },
    /// Graceful shutdown of the sender's process of this incarnation. It
    /// travels on the old process's connection, so it can arrive after the
    /// restarted process's hello: the receiver ignores it then.
    Leaving {
        incarnation: u32,
    },
    /// Not sent by RabbitMQ: the sender's process (of that incarnation)
    /// was killed and its OS closed the distribution connection, which
    /// Erlang reports to the receiver as `nodedown` (`connection_closed`).
    ConnectionClosed {
        incarnation: u32,
    },
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
    /// Queue traffic, which travels numbered on the connection; ticks and
    /// handshakes go as they are.
    pub fn on_connection(&self) -> bool {
        !matches!(
            self,
            PeerMsg::Tick { .. }
                | PeerMsg::Hello { .. }
                | PeerMsg::HelloAck { .. }
                | PeerMsg::Disconnect { .. }
                | PeerMsg::Leaving { .. }
                | PeerMsg::ConnectionClosed { .. }
                | PeerMsg::Seq { .. }
                | PeerMsg::Resend { .. }
        )
    }

    pub fn message(&self) -> Option<MsgId> {
        match self {
            PeerMsg::Seq { msg, .. } => msg.message(),
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
            PeerMsg::Seq { msg, .. } => msg.kind(),
            PeerMsg::Resend { .. } => "resend",
            PeerMsg::Tick { .. } => "tick",
            PeerMsg::Hello { .. } | PeerMsg::HelloAck { .. } => "hello",
            PeerMsg::Disconnect { .. }
            | PeerMsg::Leaving { .. }
            | PeerMsg::ConnectionClosed { .. } => "disconnect",
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
