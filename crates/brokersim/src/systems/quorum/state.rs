//! What a node holds: its disk (durable) and its running process
//! (volatile), with the Ra server's state inside the process.

use std::collections::{BTreeMap, BTreeSet};

use super::machine::Machine;
use super::protocol::{Command, Entry};
use crate::ids::{Addr, BrokerId, MsgId};
use crate::systems::queue::Delivery;
use crate::systems::sessions::Sessions;
use crate::time::SimTime;

/// What a member keeps on disk: it survives crashes, not `lose_disk`.
#[derive(Clone, Debug, Default)]
pub(super) struct Disk {
    pub(super) term: u32,
    pub(super) voted_for: Option<BrokerId>,
    pub(super) log: Vec<Entry>,
    /// Ra persists how far it applied, and replays that much on recovery.
    pub(super) applied: u64,
    /// The member lost its data: it waits to be repaired before voting.
    pub(super) wiped: bool,
}

impl Disk {
    pub(super) fn last_index(&self) -> u64 {
        self.log.len() as u64
    }

    pub(super) fn term_at(&self, index: u64) -> u32 {
        if index == 0 {
            return 0;
        }
        self.log
            .get((index - 1) as usize)
            .map(|e| e.term)
            .unwrap_or(0)
    }

    pub(super) fn last_term(&self) -> u32 {
        self.term_at(self.last_index())
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum RaftRole {
    #[default]
    Follower,
    PreCandidate,
    Candidate,
    Leader,
}

/// A running Ra server (memory only).
#[derive(Clone, Debug, Default)]
pub(super) struct Member {
    pub(super) role: RaftRole,
    pub(super) commit: u64,
    pub(super) leader: Option<BrokerId>,
    pub(super) votes: u16,
    pub(super) next_index: Vec<u64>,
    pub(super) match_index: Vec<u64>,
    pub(super) machine: Machine,
    pub(super) election_generation: u32,
    /// Restarted or emptied: traces `CaughtUp` once the leader has repaired it.
    pub(super) catching_up: bool,
    pub(super) no_quorum_reported: bool,
    /// Leader: members that lost their disk and do not count for commits
    /// until promoted, and the index whose commit (without them) promotes
    /// each (Ra adds such a member back through a membership change).
    pub(super) nonvoters: u16,
    pub(super) promote_at: Vec<u64>,
    /// Leader: deliveries sent through another node that has not yet said
    /// it handed them over, with when they were sent. A partition drops
    /// packets that Erlang's distribution (TCP) would have carried, so
    /// the leader sends them again on its tick.
    pub(super) in_flight: BTreeMap<(Addr, u32, MsgId), (SimTime, Delivery)>,
}

#[derive(Clone, Debug, Default)]
pub(super) struct Peer {
    pub(super) last_heard: SimTime,
    /// aten's verdict.
    pub(super) alive: bool,
    /// The Erlang distribution connection (net_ticktime).
    pub(super) connected: bool,
    /// net_ticktime ran out on the connection (not a clean shutdown): if
    /// the same incarnation talks again, there was a partition.
    pub(super) declared_down: bool,
}

/// A channel's command awaiting its `applied` notification.
#[derive(Clone, Copy, Debug)]
pub(super) struct Pending {
    pub(super) sent_at: SimTime,
    /// The leader and term it was last sent to.
    pub(super) sent_to: Option<(BrokerId, u32)>,
    pub(super) command: Command,
}

/// A broker as the quorum system sees it: what survives a crash (the
/// disk, and the few counters kept on purpose) and the running process,
/// which a crash drops whole (`Process::default()`) and a boot rebuilds from
/// the durable part (`start_member` replays the disk's applied log).
// The durability work puts a page cache between `process` and `disk`:
// writes the process made that the OS has not flushed yet, lost on a power
// loss but not on a process crash.
#[derive(Clone, Debug, Default)]
pub(super) struct Node {
    /// Durable: the Raft log, term and vote. Survives crashes, not `lose_disk`.
    pub(super) disk: Disk,
    /// Configuration: whether the broker holds a member of the queue's group.
    pub(super) is_member: bool,
    /// Survives on purpose: the Erlang node's creation, one more on every
    /// boot, which the peers use to see a restart.
    pub(super) incarnation: u32,
    /// Survives on purpose, as today: the channels' last correlation
    /// number. The incarnation already makes numbers unique across
    /// restarts; keeping the counter keeps the numbers (and the traces) as
    /// they were.
    pub(super) next_corr: u64,
    /// Survives on purpose: the last incarnation heard from each peer, so
    /// that a peer which restarted while this node was down is seen as
    /// restarted (its old consumers gone) when it is heard from again.
    pub(super) known_incarnations: Vec<u32>,
    /// Volatile: everything the process holds in memory.
    pub(super) process: Process,
}

/// A node's running process (memory only): a crash loses all of it, and
/// `Process::default()` is the process of a node that is down.
#[derive(Clone, Debug, Default)]
pub(super) struct Process {
    pub(super) running: bool,
    /// `pause_minority` stopped the RabbitMQ application; the node still
    /// talks to its peers.
    pub(super) app_paused: bool,
    pub(super) sessions: Sessions,
    pub(super) peers: Vec<Peer>,
    /// Where this node believes the queue's leader is (relays use it).
    pub(super) leader: Option<(BrokerId, u32)>,
    /// Consumers whose connection is on this node: client → (conn, prefetch, auto_ack).
    pub(super) local_subs: BTreeMap<Addr, (u32, u32, bool)>,
    /// The channels' commands not yet applied, by correlation number, with
    /// when they were last sent.
    pub(super) pending: BTreeMap<u64, Pending>,
    /// Deliveries handed to consumers here and not yet acknowledged.
    pub(super) handed: BTreeSet<(Addr, u32, MsgId)>,
    /// The Ra server, while the RabbitMQ application runs.
    pub(super) member: Option<Box<Member>>,
}

impl Process {
    /// A process just started (the Ra server starts next, from the disk),
    /// giving every peer one detection period before judging it.
    pub(super) fn boot(peers: usize, now: SimTime) -> Process {
        let peer = Peer {
            last_heard: now,
            alive: true,
            connected: true,
            declared_down: false,
        };
        Process {
            running: true,
            peers: vec![peer; peers],
            ..Process::default()
        }
    }
}
