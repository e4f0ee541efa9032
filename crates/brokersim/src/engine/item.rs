//! What the event queue holds: packets in flight, timers, faults and the
//! engine's own wake-ups. A data-only file of its own so that `queue.rs`
//! can store items without importing the engine that handles them.

use crate::ids::{Addr, BrokerId};
use crate::out::TimerKind;
use crate::time::SimTime;
use crate::wire::Payload;

#[derive(Clone, Debug)]
pub(super) enum Item {
    Packet {
        from: Addr,
        to: Addr,
        sent_at: SimTime,
        payload: Payload,
    },
    Timer {
        owner: Addr,
        incarnation: u32,
        kind: TimerKind,
        /// The site whose controller owns the timer (owner `Controller`).
        site: u8,
    },
    Fault(u32),
    /// A replication link may have messages due.
    Replicate(u8),
    /// MirrorMaker 2's offset checkpoint on a link.
    Checkpoint(u8),
    Resume {
        broker: BrokerId,
        incarnation: u32,
    },
    EndFaultPhase,
    DrainCheck,
}
