//! A client's timers: data only, so that `out.rs` can carry them without
//! importing the clients' behaviour (issue 13, vocabulary below behaviour).

use crate::ids::MsgId;

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
    /// Kafka clients' housekeeping every `retry.backoff.ms`: metadata,
    /// timeouts, retries, fetches, auto-commits.
    KafkaTick,
    /// The application republishes a message after a short pause.
    Retry {
        msg: MsgId,
        attempt: u16,
    },
    ProcessDone,
}
