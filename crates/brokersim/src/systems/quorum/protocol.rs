//! The quorum queue's vocabulary: timers, the commands of the Raft log
//! and the messages between nodes. Data only: `wire.rs` and `systems/mod.rs`
//! import it without importing the behaviour.

use crate::ids::{Addr, BrokerId, MsgId};
use crate::systems::queue::QMsg;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// aten sends a heartbeat to every other node.
    Heartbeat,
    /// aten's poll, Ra's tick and net_ticktime's check.
    Poll,
    /// The randomised election timeout; stale generations are ignored.
    Election { generation: u32 },
}

/// Which client's command this is, the node whose channel submitted it
/// (the answer goes back through it), and the channel's correlation
/// number for it (rabbit_fifo_client's sequence number).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin {
    pub client: Addr,
    pub conn: u32,
    pub via: BrokerId,
    pub corr: u64,
}

/// A rabbit_fifo command, as it sits in the Raft log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// A new leader's first entry, which commits the earlier terms' entries.
    Noop,
    Enqueue {
        q: QMsg,
        origin: Origin,
        confirm: bool,
    },
    Checkout {
        consumer: Addr,
        conn: u32,
        prefetch: u32,
        auto_ack: bool,
        via: BrokerId,
    },
    /// The consumer (`origin.client` on `origin.conn`) acknowledged `msg`.
    Settle { origin: Origin, msg: MsgId },
    /// The consumer's connection `conn` (every connection when `None`) is
    /// gone: its checked-out messages return to the queue. `origin` is the
    /// channel's node when it reported it, `None` when the leader's
    /// monitor on that node fired.
    Down {
        consumer: Addr,
        conn: Option<u32>,
        origin: Option<Origin>,
    },
}

impl Command {
    pub(crate) fn origin(&self) -> Option<Origin> {
        match *self {
            Command::Enqueue { origin, .. } | Command::Settle { origin, .. } => Some(origin),
            Command::Down { origin, .. } => origin,
            Command::Noop | Command::Checkout { .. } => None,
        }
    }

    pub(crate) fn message(&self) -> Option<MsgId> {
        match *self {
            Command::Enqueue { q, .. } => Some(q.msg),
            Command::Settle { msg, .. } => Some(msg),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub term: u32,
    pub command: Command,
}

/// Messages between the nodes of a quorum queue's cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeerMsg {
    /// aten heartbeat; its sender's incarnation (every packet carries it,
    /// `Payload::Quorum`) shows a restart (the Erlang process monitors of
    /// the old incarnation fire).
    Heartbeat,
    /// Graceful shutdown: the distribution connection closes.
    Leaving,
    /// Not sent by RabbitMQ: the sender's process was killed and its OS
    /// closed the distribution connection. Erlang reports `nodedown`
    /// (`connection_closed`) and fires every monitor on the sender's
    /// processes with `noconnection`.
    ConnectionClosed,
    RequestVote {
        term: u32,
        last_index: u64,
        last_term: u32,
        pre_vote: bool,
    },
    Vote {
        term: u32,
        granted: bool,
        pre_vote: bool,
    },
    AppendEntries {
        term: u32,
        prev_index: u64,
        prev_term: u32,
        entries: Box<Vec<Entry>>,
        commit: u64,
        /// The leader counts the receiver, repaired after losing its disk,
        /// as a voter again.
        promote: bool,
    },
    /// `index`: the member's last matching entry on success, a hint where
    /// to resume otherwise. `voter`: false while the member, having lost
    /// its disk, must not count towards a majority.
    AppendResult {
        term: u32,
        success: bool,
        index: u64,
        voter: bool,
    },
    /// The leader tells every node (members or not) where the queue is.
    NewLeader { term: u32 },
    /// A channel's command, sent to the leader it knows.
    Submit { command: Command },
    /// The command `corr` of the receiving node's channel was applied.
    Applied { corr: u64 },
    /// Applied, and the publisher waits for its confirm.
    ConfirmVia {
        client: Addr,
        conn: u32,
        msg: MsgId,
        corr: u64,
    },
    SubscribeVia {
        client: Addr,
        conn: u32,
        prefetch: u32,
        auto_ack: bool,
    },
    /// `resend`: a new leader repeats a delivery its predecessor made,
    /// which the channel passes on only if it never did.
    DeliverVia {
        client: Addr,
        conn: u32,
        msg: MsgId,
        redelivered: bool,
        resend: bool,
        /// Auto-ack deliveries are never acknowledged, so never repeated.
        auto_ack: bool,
    },
    /// A node that knows of no leader asks (it restarted, or lost sight of
    /// the leader while no election happened); the leader answers `NewLeader`.
    WhoLeads,
    /// The relaying node passed (or, having done so before, dropped) a delivery.
    Handed { client: Addr, conn: u32, msg: MsgId },
}

impl PeerMsg {
    pub fn message(&self) -> Option<MsgId> {
        match self {
            PeerMsg::AppendEntries { entries, .. } if entries.len() == 1 => {
                entries[0].command.message()
            }
            PeerMsg::Submit { command } => command.message(),
            PeerMsg::ConfirmVia { msg, .. } | PeerMsg::DeliverVia { msg, .. } => Some(*msg),
            _ => None,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            PeerMsg::Heartbeat => "heartbeat",
            PeerMsg::Leaving | PeerMsg::ConnectionClosed => "disconnect",
            PeerMsg::RequestVote { pre_vote: true, .. } => "pre-vote",
            PeerMsg::RequestVote { .. } => "request-vote",
            PeerMsg::Vote { .. } => "vote",
            PeerMsg::AppendEntries { .. } => "append-entries",
            PeerMsg::AppendResult { .. } => "append-result",
            PeerMsg::NewLeader { .. } => "membership",
            PeerMsg::Submit {
                command: Command::Enqueue { .. },
            } => "publish",
            PeerMsg::Submit {
                command: Command::Settle { .. },
            } => "ack",
            PeerMsg::Submit { .. } => "close",
            PeerMsg::Applied { .. } => "applied",
            PeerMsg::ConfirmVia { .. } => "confirm",
            PeerMsg::SubscribeVia { .. } => "subscribe",
            PeerMsg::DeliverVia { .. } => "deliver",
            PeerMsg::Handed { .. } => "delivered",
            PeerMsg::WhoLeads => "membership",
        }
    }

    pub fn is_heartbeat(&self) -> bool {
        matches!(self, PeerMsg::Heartbeat)
    }
}
