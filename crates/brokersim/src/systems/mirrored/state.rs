//! What a mirrored-queue node holds, split the way a crash splits it: what
//! is on its disk (and the few things kept on purpose) survives, while its
//! running Erlang VM is one `Process` value that a crash drops whole and a
//! boot rebuilds from the durable part. A field added to `Process` or `App`
//! is lost on a crash without anyone listing it.

use super::link::Link;
use super::protocol::Member;
use crate::ids::{Addr, BrokerId, Epoch, MsgId};
use crate::systems::queue::{QMsg, Queue};
use crate::systems::sessions::Sessions;
use crate::time::SimTime;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default)]
pub(super) struct Peer {
    pub(super) up: bool,
    /// This node declared the peer down (so hearing it again, with the same
    /// incarnation, means a partition rather than a restart).
    pub(super) declared_down: bool,
    /// Under `ignore`: back in contact but still on the other side.
    pub(super) partitioned: bool,
    pub(super) last_heard: SimTime,
    pub(super) incarnation: u32,
    pub(super) app_paused: bool,
    /// The newest epoch of the queue the peer knew of when it last said hello.
    pub(super) max_epoch: Epoch,
}

#[derive(Clone, Debug)]
pub(super) struct MirrorInfo {
    pub(super) joined_at: SimTime,
    pub(super) first_seq: u64,
    /// Messages older than the mirror still in the queue.
    pub(super) older_left: u32,
    pub(super) synced: bool,
}

#[derive(Clone, Debug)]
pub(super) struct Pending {
    pub(super) msg: MsgId,
    pub(super) origin: Origin,
    pub(super) waiting: u16,
}

/// Who published a message, and through which node the answer goes back.
#[derive(Clone, Copy, Debug)]
pub(super) struct Origin {
    pub(super) client: Addr,
    pub(super) conn: u32,
    pub(super) via: BrokerId,
}

#[derive(Clone, Debug)]
pub(super) struct MasterState {
    pub(super) epoch: Epoch,
    pub(super) queue: Queue,
    pub(super) next_seq: u64,
    pub(super) mirrors: BTreeMap<BrokerId, MirrorInfo>,
    pub(super) pending: BTreeMap<u64, Pending>,
}

#[derive(Clone, Debug)]
pub(super) struct MirrorState {
    pub(super) epoch: Epoch,
    pub(super) master: BrokerId,
    pub(super) msgs: BTreeMap<MsgId, (QMsg, bool)>,
    pub(super) synced: bool,
    pub(super) members: Vec<Member>,
}

#[derive(Clone, Debug, Default)]
pub(super) enum QueueRole {
    #[default]
    None,
    Master(Box<MasterState>),
    Mirror(Box<MirrorState>),
}

#[derive(Clone, Debug, Default)]
pub(super) struct Disk {
    pub(super) messages: Vec<QMsg>,
    pub(super) epoch: Epoch,
    pub(super) was_master: bool,
    /// Peers this node still counted as running when its application
    /// stopped: none means it was the last one, which alone may restart
    /// from its own disk (Mnesia's rule, RabbitMQ's clustering guide).
    pub(super) peers_running: u16,
}

/// A broker as the mirrored system sees it: what survives a crash (the
/// disk, and the few things kept on purpose, each saying why) and the
/// running process, which a crash drops whole (`Process::default()`) and a
/// boot rebuilds from the durable part (`Process::boot`, then the
/// application's start, `boot_app`).
// The durability work puts a page cache between `process` and `disk`:
// writes the process made that the OS has not flushed yet, lost on a power
// loss but not on a process crash.
#[derive(Clone, Debug, Default)]
pub(super) struct Node {
    /// Durable: the message store, written when the queue's process on this
    /// node stops (`shut_role`). Survives crashes, not `lose_disk`.
    pub(super) disk: Disk,
    /// Durable (Mnesia keeps the cluster's metadata on disk): the newest
    /// epoch of the queue this node knows of. `lose_disk` takes the message
    /// store only and leaves this, as it always has.
    pub(super) max_epoch: Epoch,
    /// Survives on purpose: the node's incarnation, one more every time
    /// its RabbitMQ application starts, which the peers use to see a
    /// restart.
    pub(super) incarnation: u32,
    /// Survives on purpose: the last incarnation heard from each peer,
    /// written from the dying process's peers and read by the next boot, so
    /// that a peer heard from again with the same incarnation is a peer this
    /// node lost touch with, and one with a new incarnation has restarted.
    pub(super) known_incarnations: Vec<u32>,
    /// Survives on purpose: the connection with each peer (`link.rs`). Its
    /// number keeps counting across restarts (the new incarnation already
    /// tells connections apart; keeping the count keeps the packets, and
    /// the traces, as they were); `reset_links` clears the rest when the
    /// application starts. `link.rs` owns the type, so it is kept whole.
    pub(super) links: Vec<Link>,
    /// Survives a crash, as it always has: a node that crashed before its
    /// boot decided (`boot_decide`) still counts as booting while it is
    /// down, so the drain does not call the run converged (`quiescent`)
    /// until it has booted and joined or recovered the queue. Every start
    /// of the application sets it again.
    pub(super) booting: bool,
    /// Volatile: everything the Erlang VM holds in memory.
    pub(super) process: Process,
}

/// A node's running Erlang VM (memory only): a crash loses all of it, and
/// `Process::default()` is the process of a node that is down.
#[derive(Clone, Debug, Default)]
pub(super) struct Process {
    pub(super) running: bool,
    /// Client connections open on this node.
    pub(super) sessions: Sessions,
    /// What this node knows of each peer (Erlang distribution).
    pub(super) peers: Vec<Peer>,
    /// The queue's process on this node, if it holds the master or a
    /// mirror. It leaves through `shut_role` (what is persistent goes to
    /// disk) or `discard_all`, never by being dropped, so that every copy
    /// lost is counted: the application's restart does not reset it.
    pub(super) role: QueueRole,
    /// The RabbitMQ application's state, which its every start resets.
    pub(super) app: App,
}

impl Process {
    /// A VM just started: it knows its peers' last incarnations and nothing
    /// else about them (the application starts next, `boot_app`).
    pub(super) fn boot(known_incarnations: &[u32]) -> Process {
        Process {
            running: true,
            peers: known_incarnations
                .iter()
                .map(|&incarnation| Peer {
                    incarnation,
                    ..Peer::default()
                })
                .collect(),
            ..Process::default()
        }
    }
}

/// The RabbitMQ application inside a running VM (memory only): a crash
/// loses it with the process, and every start of the application
/// (`boot_app`: a boot, `pause_minority`'s resumption, a partition loser's
/// restart) starts from `App::default()`.
#[derive(Clone, Debug, Default)]
pub(super) struct App {
    /// `pause_minority` stopped the RabbitMQ application; the node still ticks.
    pub(super) paused: bool,
    /// Where this node believes the queue's master is, and its epoch.
    pub(super) master: Option<(BrokerId, Epoch)>,
    /// Consumers whose connection is on this node: client → (conn, prefetch, auto_ack).
    pub(super) local_subs: BTreeMap<Addr, (u32, u32, bool)>,
    /// Under `autoheal`: the peers this node heard from again after
    /// declaring them down (rabbit_node_monitor's `partitions`, which Mnesia's
    /// `running_partitioned_network` event fills), until autoheal decides.
    pub(super) partitioned_from: u16,
}
