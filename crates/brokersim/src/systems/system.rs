//! What every system implements, and the data the trait speaks in. It
//! sits apart from `mod.rs`, which builds every system, so that a system
//! implements the trait without importing its siblings (issue 13).

use crate::ids::{Addr, BrokerId, MsgId};
use crate::out::Out;
use crate::systems::timer::SysTimer;
use crate::view::ReplicaView;
use crate::wire::Payload;

/// A publish as the broker receives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Publish {
    pub msg: MsgId,
    pub persistent: bool,
    /// The producer waits for a confirm (RabbitMQ) or receipt (ActiveMQ).
    pub confirm: bool,
}

/// A message the final reader found (see [`System::final_read`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retained {
    pub msg: MsgId,
    /// The queue (Kafka: partition) it was read from.
    pub queue: u16,
    /// Kafka: its offset in the partition; queues have none.
    pub offset: Option<u64>,
}

impl Retained {
    /// What a reader finds in a queue without offsets (every queue but
    /// Kafka's): each message once, in id order.
    pub fn from_queue(msgs: impl IntoIterator<Item = MsgId>) -> Vec<Retained> {
        let mut msgs: Vec<MsgId> = msgs.into_iter().collect();
        msgs.sort();
        msgs.dedup();
        msgs.into_iter()
            .map(|msg| Retained {
                msg,
                queue: 0,
                offset: None,
            })
            .collect()
    }
}

/// How a broker's process ended (issue 14). The two differ in what the
/// host keeps and in who notices at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Death {
    /// The process dies and its host lives (SIGKILL, the OOM killer, an
    /// Erlang VM that aborts): the OS closes its sockets, so peers and
    /// clients see the connections reset, releases its locks, and keeps the
    /// page cache, which it writes back to disk as usual. A graceful stop
    /// ends the same way once the process has said goodbye.
    Kill,
    /// The host dies (power, kernel panic): nobody is told, and whatever
    /// had not reached the disk is gone.
    Crash,
}

/// What every simulated design implements.
pub trait System {
    /// The process on `b` starts (at time 0 or on a restart); its disk is as
    /// it was left.
    fn boot(&mut self, b: BrokerId, out: &mut Out);
    /// The process on `b` dies abruptly; `death` says whether its host
    /// died with it (see [`Death`]). Memory is gone either way.
    fn die(&mut self, b: BrokerId, death: Death, out: &mut Out);
    /// The host of `b`, whose process is already dead (killed or stopped,
    /// its host alive), loses power: what only its page cache held is gone.
    /// Systems that model no page cache have nothing to do.
    fn host_lost(&mut self, _b: BrokerId, _out: &mut Out) {}
    /// Graceful shutdown: tell peers and clients, then stop.
    fn stop(&mut self, b: BrokerId, out: &mut Out);
    /// The disk of `b` is wiped (the process is already down).
    fn lose_disk(&mut self, b: BrokerId, out: &mut Out);
    fn receive(&mut self, b: BrokerId, from: Addr, payload: Payload, out: &mut Out);
    fn timer(&mut self, b: BrokerId, timer: SysTimer, out: &mut Out);
    /// The drain phase starts: an operator resolves what the design leaves
    /// to operators (RabbitMQ's `ignore` partitions).
    fn drain(&mut self, out: &mut Out);
    /// Called once at time 0, after every broker's process is up.
    fn start(&mut self, out: &mut Out);
    /// Brokers whose process acts as a queue's leader right now, by queue
    /// (several for one queue during a split brain). The engine knows
    /// which of them are paused.
    fn leaders(&self) -> Vec<(u16, BrokerId)>;
    /// How many queues (Kafka: partitions) the design runs; `leaders`
    /// names each by its number.
    fn queues(&self) -> u16 {
        1
    }
    /// Nothing left in any queue and nothing awaiting replication.
    fn quiescent(&self) -> bool;
    fn replicas(&self) -> Vec<ReplicaView>;
    /// A packet for Kafka's controller quorum (other systems have none).
    fn controller_receive(&mut self, _from: Addr, _payload: Payload, _out: &mut Out) {}
    fn controller_timer(&mut self, _timer: SysTimer, _out: &mut Out) {}
    /// What the broker-to-broker failure detectors think right now.
    fn suspicions(&self, _now: crate::time::SimTime) -> Vec<crate::view::Suspicion> {
        Vec::new()
    }
    /// The longest timeout this design waits on, to size the drain's quiet window.
    fn longest_timeout_ms(&self) -> u64;
    /// After the drain, what a reader that is not one of the scenario's
    /// applications finds by reading every queue (partition) from the start
    /// of what it retains, as Jepsen's total-queue checker does: the
    /// leader's contents where the queue has one, otherwise what the
    /// replicas still hold on disk (an operator could recover it). Reading
    /// changes nothing the applications saw.
    fn final_read(&self) -> Vec<Retained>;
    /// Kafka: the consumer group's committed offset on a partition.
    fn committed_offset(&self, _queue: u16) -> Option<u64> {
        None
    }
}
