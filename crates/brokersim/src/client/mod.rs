//! Producers and consumers: the applications that use the brokers, with the
//! client library's connection handling (`link`): RabbitMQ's automatic
//! recovery over an address list, ActiveMQ's failover transport with its
//! exponential back-off, or a plain connection that gives up.

mod consumer;
mod link;
mod producer;

pub use consumer::Consumer;
pub use link::{Link, LinkState};
pub use producer::Producer;

use crate::ids::MsgId;
use crate::ledger::Ledger;
use crate::out::Out;

/// A client's timers. Each carries what it was set for (a connection
/// number, a message and attempt) so that a stale one is recognised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientTimer {
    Start,
    ConnectTimeout(u32),
    Heartbeat(u32),
    Reconnect(u32),
    PublishTick,
    /// The oldest confirm deadline may have passed (one timer for all of
    /// them keeps the event queue small at high rates).
    ConfirmDeadline,
    SendTimeout {
        msg: MsgId,
    },
    /// The application republishes a message after a short pause.
    Retry {
        msg: MsgId,
        attempt: u16,
    },
    ProcessDone,
}

/// What a client's step may touch besides itself.
pub struct ClientCtx<'a> {
    pub out: &'a mut Out,
    pub ledger: &'a mut Ledger,
    /// Producers publish new messages only during the fault phase.
    pub publishing_open: bool,
}
