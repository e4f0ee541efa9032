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
    pub(super) incarnation: u32,
}

/// A channel's command awaiting its `applied` notification.
#[derive(Clone, Copy, Debug)]
pub(super) struct Pending {
    pub(super) sent_at: SimTime,
    /// The leader and term it was last sent to.
    pub(super) sent_to: Option<(BrokerId, u32)>,
    pub(super) command: Command,
}

#[derive(Clone, Debug, Default)]
pub(super) struct Node {
    pub(super) running: bool,
    /// `pause_minority` stopped the RabbitMQ application; the node still
    /// talks to its peers.
    pub(super) app_paused: bool,
    pub(super) incarnation: u32,
    pub(super) sessions: Sessions,
    pub(super) peers: Vec<Peer>,
    /// Where this node believes the queue's leader is (relays use it).
    pub(super) leader: Option<(BrokerId, u32)>,
    /// Consumers whose connection is on this node: client → (conn, prefetch, auto_ack).
    pub(super) local_subs: BTreeMap<Addr, (u32, u32, bool)>,
    /// The channels' commands not yet applied, by correlation number, with
    /// when they were last sent.
    pub(super) pending: BTreeMap<u64, Pending>,
    pub(super) next_corr: u64,
    /// Deliveries handed to consumers here and not yet acknowledged.
    pub(super) handed: BTreeSet<(Addr, u32, MsgId)>,
    pub(super) is_member: bool,
    pub(super) member: Option<Box<Member>>,
    pub(super) disk: Disk,
}
