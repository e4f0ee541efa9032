//! The output buffer of an actor's step (Stateright's `Out`): brokers,
//! clients and systems never touch time, the network or the random stream;
//! they record what they want done here and the engine carries it out.

use crate::client::timer::ClientTimer;
use crate::ids::{Addr, BrokerId, Epoch, MsgId};
use crate::ledger::Layer;
use crate::systems::timer::SysTimer;
use crate::time::SimTime;
use crate::trace::{DropWhy, Event};
use crate::wire::Payload;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimerKind {
    System(SysTimer),
    Client(ClientTimer),
}

#[derive(Clone, Debug)]
pub enum Action {
    Send {
        from: Addr,
        to: Addr,
        payload: Payload,
    },
    Timer {
        owner: Addr,
        after_us: u64,
        jitter_us: u64,
        kind: TimerKind,
    },
    Trace(Event),
    /// The engine's own form of `Timer` for a site's cluster (see
    /// `engine::sites`): a timer of that site's controller.
    SiteTimer {
        site: u8,
        owner: Addr,
        after_us: u64,
        jitter_us: u64,
        kind: TimerKind,
    },
    CopyAdded {
        msg: MsgId,
        holder: u16,
        layer: Layer,
    },
    /// The copy `holder` keeps of `msg` reached the disk.
    CopyStored {
        msg: MsgId,
        holder: u16,
    },
    CopyDropped {
        msg: MsgId,
        holder: u16,
        why: DropWhy,
    },
    CopyConsumed {
        msg: MsgId,
        holder: u16,
    },
    /// `broker` leads queue (Kafka: partition) `queue` in `epoch` and
    /// accepts writes.
    Leader {
        queue: u16,
        broker: BrokerId,
        epoch: Epoch,
    },
    /// The process of `broker` shuts itself down (ActiveMQ master that lost its lock).
    Halt {
        broker: BrokerId,
    },
}

#[derive(Clone, Debug, Default)]
pub struct Out {
    pub now: SimTime,
    pub actions: Vec<Action>,
}

impl Out {
    pub fn send(&mut self, from: Addr, to: Addr, payload: Payload) {
        self.actions.push(Action::Send { from, to, payload });
    }

    pub fn timer(&mut self, owner: Addr, after_ms: u64, kind: TimerKind) {
        self.actions.push(Action::Timer {
            owner,
            after_us: after_ms.saturating_mul(1_000),
            jitter_us: 0,
            kind,
        });
    }

    pub fn timer_us(&mut self, owner: Addr, after_us: u64, kind: TimerKind) {
        self.actions.push(Action::Timer {
            owner,
            after_us,
            jitter_us: 0,
            kind,
        });
    }

    pub fn trace(&mut self, event: Event) {
        self.actions.push(Action::Trace(event));
    }

    /// `holder` now keeps a copy of `msg`, in `layer` (see [`Layer`]).
    pub fn copy_added(&mut self, msg: MsgId, holder: u16, layer: Layer) {
        self.actions.push(Action::CopyAdded { msg, holder, layer });
    }

    /// The copy `holder` keeps of `msg` is now on disk (fsync or writeback).
    pub fn copy_stored(&mut self, msg: MsgId, holder: u16) {
        self.actions.push(Action::CopyStored { msg, holder });
    }

    pub fn copy_dropped(&mut self, msg: MsgId, holder: u16, why: DropWhy) {
        self.actions.push(Action::CopyDropped { msg, holder, why });
    }

    pub fn copy_consumed(&mut self, msg: MsgId, holder: u16) {
        self.actions.push(Action::CopyConsumed { msg, holder });
    }

    pub fn leader(&mut self, broker: BrokerId, epoch: Epoch) {
        self.actions.push(Action::Leader {
            queue: 0,
            broker,
            epoch,
        });
    }

    /// As `leader`, for one of several queues (Kafka partitions).
    pub fn queue_leader(&mut self, queue: u16, broker: BrokerId, epoch: Epoch) {
        self.actions.push(Action::Leader {
            queue,
            broker,
            epoch,
        });
    }

    pub fn halt(&mut self, broker: BrokerId) {
        self.actions.push(Action::Halt { broker });
    }
}
