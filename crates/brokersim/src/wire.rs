//! What travels on the network: the client protocol every system shares
//! (connect, publish, confirm, deliver, ack, heartbeats) and each system's
//! own peer-to-peer messages. Every connection has a number (`conn`) chosen
//! by the client, so that a broker which restarted recognises a stranger.

use crate::ids::MsgId;
use crate::systems::mirrored::protocol::PeerMsg;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Payload {
    // Client to broker.
    Connect {
        conn: u32,
        heartbeat_interval_ms: u32,
        heartbeat_timeout_ms: u32,
    },
    Publish {
        conn: u32,
        msg: MsgId,
        persistent: bool,
        confirm: bool,
    },
    Subscribe {
        conn: u32,
        prefetch: u32,
        auto_ack: bool,
    },
    Ack {
        conn: u32,
        msg: MsgId,
    },
    ClientHeartbeat {
        conn: u32,
    },
    Close {
        conn: u32,
    },

    // Broker (or its host) to client.
    ConnectOk {
        conn: u32,
    },
    /// Nothing listens on that port (stopped broker, ActiveMQ slave).
    ConnectRefused {
        conn: u32,
    },
    /// TCP reset: the connection is unknown to the host (the broker restarted).
    Reset {
        conn: u32,
    },
    Confirm {
        conn: u32,
        msg: MsgId,
    },
    Nack {
        conn: u32,
        msg: MsgId,
    },
    Deliver {
        conn: u32,
        msg: MsgId,
        redelivered: bool,
    },
    BrokerHeartbeat {
        conn: u32,
    },
    Closed {
        conn: u32,
    },

    // Either way.
    /// The process at the other end died and its OS, still running, closed
    /// the connection (a TCP FIN, or a RST where data was unread): the
    /// `kill` fault. The peer learns it at once; after a host `crash`
    /// nothing is sent and only a timeout tells.
    SocketClosed {
        conn: u32,
    },

    // Broker to broker.
    Mirrored(PeerMsg),
    /// A quorum-queue node's message, stamped with the sender's
    /// incarnation (Erlang's distribution handshake carries the node's
    /// "creation", so a peer always knows whether it talks to a restarted node).
    Quorum {
        incarnation: u32,
        msg: crate::systems::quorum::protocol::PeerMsg,
    },
    /// Kafka: every request and response (clients, brokers, controller).
    Kafka(crate::systems::kafka::protocol::KafkaMsg),
}

impl Payload {
    /// Heartbeats are drawn as pulses rather than messages.
    pub fn is_heartbeat(&self) -> bool {
        if let Payload::Kafka(msg) = self {
            return msg.is_heartbeat();
        }
        if let Payload::Quorum { msg, .. } = self {
            return msg.is_heartbeat();
        }
        matches!(
            self,
            Payload::ClientHeartbeat { .. }
                | Payload::BrokerHeartbeat { .. }
                | Payload::Mirrored(PeerMsg::Tick { .. })
        )
    }

    /// The message this packet carries, if any (for drawing and for a
    /// message's life).
    pub fn message(&self) -> Option<MsgId> {
        match self {
            Payload::Publish { msg, .. }
            | Payload::Ack { msg, .. }
            | Payload::Confirm { msg, .. }
            | Payload::Nack { msg, .. }
            | Payload::Deliver { msg, .. } => Some(*msg),
            Payload::Mirrored(peer) => peer.message(),
            Payload::Quorum { msg, .. } => msg.message(),
            Payload::Kafka(msg) => msg.message(),
            _ => None,
        }
    }
}
