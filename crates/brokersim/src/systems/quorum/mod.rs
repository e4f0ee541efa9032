//! RabbitMQ quorum queues (RabbitMQ 3.13), which replicate the queue `q`
//! with Raft through the Ra library. The queue has
//! `x-quorum-initial-group-size` members (default 3) on b1 … bN; b1 leads
//! term 1.
//!
//! - Every operation on the queue is a Raft command appended to the
//!   leader's log: enqueue, a consumer's checkout (subscription), settle
//!   (ack), and the return of a departed consumer's messages. An entry is
//!   committed once a majority of members have it on disk, and only then
//!   applied to the queue's state machine (rabbit_fifo) on each member; the
//!   leader performs the effects: the publisher confirm, deliveries.
//!   A leader cut off from a majority keeps appending publishes but commits,
//!   and so confirms, nothing.
//! - Elections follow Raft with Ra's pre-vote: terms, randomised election
//!   timeouts (drawn by the engine), RequestVote with the "log at least as
//!   up to date" check, AppendEntries with the previous index and term, log
//!   repair and truncation of a deposed leader's uncommitted suffix. A new
//!   leader appends a no-op so that the entries of earlier terms commit.
//! - Failure detection, as Ra does it: followers do not time out on the
//!   leader's AppendEntries; they learn that its node is down from `aten`
//!   (heartbeats every 100 ms, polled every second) and then wait Ra's
//!   "long" election timeout (1 s plus up to 1 s at random); a leader that
//!   shuts down or restarts trips the Erlang process monitor, and the
//!   followers wait only the "really short" (up to 100 ms) or "short"
//!   (100-600 ms) timeout. Erlang distribution (`net_ticktime`) decides
//!   node-down for `cluster_partition_handling`. The scenario's `heartbeat`
//!   replaces the aten and net_ticktime timings.
//! - Clients talk to any node; the channel there (rabbit_fifo_client)
//!   numbers its commands, sends them in order to the leader it knows, keeps
//!   each until the leader reports it applied, and resends what is left to
//!   a new leader; the state machine recognises an enqueue it has already
//!   applied. Without a reachable leader publishes wait (the application's
//!   confirm timeout may fire) rather than fail.
//! - A member's log, term and vote are on disk and survive a crash; a
//!   restarted member replays its applied prefix and the leader repairs the
//!   rest. A member whose disk was lost comes back empty and, like a member
//!   that must be added back to the group, neither votes nor counts towards
//!   a majority until the current leader has repaired it and committed an
//!   entry without it (so a stale leader cannot use it to commit).
//! - Simplifications: no snapshots (the log is bounded instead); a
//!   delivery is repeated by a new leader and deduplicated by the channel
//!   rather than fetched by sequence gap; `autoheal` restarts the smaller
//!   side (ties: the side without b1) without counting clients.
//! - `delivery-limit`: a message returned more often than the limit is
//!   dropped (dead-lettered when a dead-letter target is set; either way it
//!   leaves the queue).

mod clients;
mod elections;
pub mod events;
mod following;
mod leader;
mod lifecycle;
mod machine;
mod membership;
mod packets;
pub mod protocol;
mod state;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

pub use events::QuorumEvent;
use machine::{Effects, Machine};
use membership::PeerLoss;
pub use protocol::{Command, Entry, Origin, PeerMsg, Timer};
use state::{Disk, Member, Node, Pending, Process, RaftRole};

use crate::ids::{Addr, BrokerId, Epoch, MsgId};
use crate::ledger::{Layer, broker_bit};
use crate::out::{Action, Out, TimerKind};
use crate::scenario::config::{Config, Heartbeat};
use crate::scenario::settings::{PartitionHandling, QuorumSettings};
use crate::systems::queue::{Delivery, QMsg};
use crate::systems::system::{Death, Retained, System};
use crate::systems::timer::SysTimer;
use crate::time::SimTime;
use crate::trace::{Detector, DropWhy, Event};
use crate::view::{ReplicaView, Role as ViewRole};
use crate::wire::Payload;

/// Ra's `broadcast_time` (ms): the unit of its election timeouts.
const BROADCAST_TIME_MS: u64 = 100;
/// Ra's `?DEFAULT_ELECTION_MULT`.
const ELECTION_MULT: u64 = 5;
/// aten's `poll_interval` (ms): how often it decides who is down.
const ATEN_POLL_MS: u64 = 1_000;
/// aten's `heartbeat_interval` (ms).
const ATEN_HEARTBEAT_MS: u64 = 100;
/// Entries per AppendEntries, so that repairing a long log is a stream of
/// bounded packets.
const MAX_BATCH: usize = 128;
/// A bound on the log, so no scenario can exhaust memory (Ra would have
/// taken snapshots long before).
const MAX_LOG: usize = 4_000_000;
/// Commands a node's channels may have waiting for a leader.
const MAX_PENDING: usize = 100_000;
/// A channel resends a command unapplied for this long (a packet lost).
const RESEND_MS: u64 = 5_000;

#[derive(Clone, Debug)]
pub struct Quorum {
    cfg: QuorumSettings,
    nodes: Vec<Node>,
    members: Vec<BrokerId>,
    heartbeat_ms: u64,
    poll_ms: u64,
    aten_timeout_ms: u64,
    net_timeout_ms: u64,
    detector: Detector,
    client_detector: Detector,
    overridden: bool,
    fx: Effects,
}

fn me(b: BrokerId) -> Addr {
    Addr::Broker(b)
}

fn timer(t: Timer) -> TimerKind {
    TimerKind::System(SysTimer::Quorum(t))
}

fn idx(b: BrokerId) -> usize {
    usize::from(b.0)
}

impl Quorum {
    pub fn new(cfg: QuorumSettings, config: &Config) -> Quorum {
        Quorum::build(cfg, config.broker_count, config.heartbeat)
    }

    /// `new` from the two values of the scenario it reads (the unit tests
    /// build a cluster without a whole `Config`).
    fn build(cfg: QuorumSettings, broker_count: u16, heartbeat: Option<Heartbeat>) -> Quorum {
        let n = usize::from(broker_count);
        let (heartbeat_ms, poll_ms, aten_timeout_ms, net_timeout_ms, detector) = match heartbeat {
            Some(h) => (
                h.interval_ms.max(1),
                h.interval_ms.max(1),
                h.timeout_ms.max(1),
                h.timeout_ms.max(1),
                Detector::Heartbeat,
            ),
            // aten's accrual detector, with heartbeats every 100 ms, is
            // past its 0.99 threshold after about a poll interval of
            // silence: modelled as one second without a heartbeat.
            None => (
                ATEN_HEARTBEAT_MS,
                ATEN_POLL_MS,
                ATEN_POLL_MS,
                cfg.net_ticktime_s.saturating_mul(1_000).max(1),
                Detector::Aten,
            ),
        };
        let group = usize::from(cfg.initial_group_size.clamp(1, broker_count.max(1)));
        let members: Vec<BrokerId> = (0..group as u16).map(BrokerId).collect();
        let mut nodes = vec![
            Node {
                known_incarnations: vec![0; n],
                ..Node::default()
            };
            n
        ];
        for b in &members {
            nodes[idx(*b)].is_member = true;
        }
        Quorum {
            cfg,
            nodes,
            members,
            heartbeat_ms,
            poll_ms,
            aten_timeout_ms,
            net_timeout_ms,
            detector,
            client_detector: if heartbeat.is_some() {
                Detector::Heartbeat
            } else {
                Detector::AmqpHeartbeat
            },
            overridden: heartbeat.is_some(),
            fx: Effects::default(),
        }
    }

    fn all(&self) -> impl Iterator<Item = BrokerId> + use<> {
        (0..self.nodes.len() as u16).map(BrokerId)
    }

    fn node(&mut self, b: BrokerId) -> &mut Node {
        &mut self.nodes[idx(b)]
    }

    fn member(&self, b: BrokerId) -> Option<&Member> {
        self.nodes[idx(b)].process.member.as_deref()
    }

    fn member_mut(&mut self, b: BrokerId) -> Option<&mut Member> {
        self.nodes[idx(b)].process.member.as_deref_mut()
    }

    fn is_leader(&self, b: BrokerId) -> bool {
        self.member(b).is_some_and(|m| m.role == RaftRole::Leader)
    }

    fn majority(&self, votes: u16) -> bool {
        let count = self
            .members
            .iter()
            .filter(|b| votes & broker_bit(**b) != 0)
            .count();
        count * 2 > self.members.len()
    }

    fn send(&self, from: BrokerId, to: BrokerId, msg: PeerMsg, out: &mut Out) {
        let incarnation = self.nodes[idx(from)].incarnation;
        out.send(me(from), me(to), Payload::Quorum { incarnation, msg });
    }
}

impl System for Quorum {
    fn start(&mut self, out: &mut Out) {
        self.start_all(out);
    }

    fn boot(&mut self, b: BrokerId, out: &mut Out) {
        // The engine boots only a crashed or stopped broker: its process is
        // the empty one `crash` left.
        let n = self.nodes.len();
        let now = out.now;
        let node = self.node(b);
        node.incarnation += 1;
        node.process = Process::boot(n, now);
        out.timer(me(b), self.heartbeat_ms, timer(Timer::Heartbeat));
        out.timer(me(b), self.poll_ms, timer(Timer::Poll));
        self.start_member(b, out);
    }

    /// The process dies with everything it held in memory, its Ra server
    /// and channels with it. The disk (and what `Node` keeps on purpose)
    /// stays for the next boot. After a kill the OS closes its sockets:
    /// clients see their connections end, peers see the distribution
    /// connection close. After a host crash nothing is said.
    fn die(&mut self, b: BrokerId, death: Death, out: &mut Out) {
        if death == Death::Kill && self.nodes[idx(b)].process.running {
            self.node(b).process.sessions.os_close_all(b, out);
            for p in self.all() {
                if p != b && self.nodes[idx(b)].process.peers[idx(p)].connected {
                    self.send(b, p, PeerMsg::ConnectionClosed, out);
                }
            }
        }
        self.node(b).process = Process::default();
    }

    fn stop(&mut self, b: BrokerId, out: &mut Out) {
        for p in self.all() {
            if p != b {
                self.send(b, p, PeerMsg::Leaving, out);
            }
        }
        self.node(b).process.sessions.close_all(b, out);
        // It said goodbye: the OS has nothing left to close.
        self.node(b).process.running = false;
        self.die(b, Death::Kill, out);
    }

    fn lose_disk(&mut self, b: BrokerId, out: &mut Out) {
        let limit = self.cfg.delivery_limit;
        let disk = std::mem::take(&mut self.node(b).disk);
        // What this member held: the applied queue plus unapplied enqueues.
        let mut machine = Machine::default();
        let mut fx = Effects::default();
        let applied = disk.applied.min(disk.last_index()) as usize;
        for entry in &disk.log[..applied] {
            fx.clear();
            machine.apply(entry.command, limit, &mut fx);
        }
        let mut held: BTreeSet<MsgId> = machine.queue.messages().map(|q| q.msg).collect();
        for entry in &disk.log[applied..] {
            if let Command::Enqueue { q, .. } = entry.command {
                held.insert(q.msg);
            }
        }
        if !held.is_empty() {
            out.trace(Event::Discarded {
                broker: b,
                messages: held.len() as u32,
                why: DropWhy::DiskLost,
            });
        }
        for msg in held {
            out.copy_dropped(msg, broker_bit(b), DropWhy::DiskLost);
        }
        self.node(b).disk = Disk {
            wiped: self.nodes[idx(b)].is_member,
            ..Disk::default()
        };
    }

    fn receive(&mut self, b: BrokerId, from: Addr, payload: Payload, out: &mut Out) {
        match (from, payload) {
            (Addr::Broker(p), Payload::Quorum { incarnation, msg }) => {
                self.on_peer(b, p, incarnation, msg, out)
            }
            (Addr::Broker(_), _) => {}
            (client, payload) => self.on_client(b, client, payload, out),
        }
    }

    fn timer(&mut self, b: BrokerId, timer: SysTimer, out: &mut Out) {
        match timer {
            SysTimer::Session { client, conn } => {
                let detector = self.client_detector;
                if let Some(gone) = self
                    .node(b)
                    .process
                    .sessions
                    .check(b, client, conn, detector, out)
                {
                    self.client_gone(b, gone, conn, out);
                }
            }
            SysTimer::Quorum(Timer::Heartbeat) => self.on_heartbeat_timer(b, out),
            SysTimer::Quorum(Timer::Poll) => self.on_poll(b, out),
            SysTimer::Quorum(Timer::Election { generation }) => {
                self.on_election_timeout(b, generation, out)
            }
            _ => {}
        }
    }

    fn drain(&mut self, _out: &mut Out) {
        // Raft needs no operator: the healed cluster converges by itself.
    }

    /// A leader cut off from a majority still takes publishes but can
    /// commit none: it does not count as accepting writes.
    fn leaders(&self) -> Vec<(u16, BrokerId)> {
        self.leader_nodes()
            .into_iter()
            .filter(|b| self.reaches_majority(*b))
            .map(|b| (0, b))
            .collect()
    }

    fn quiescent(&self) -> bool {
        let leaders = self.leader_nodes();
        let [leader] = leaders.as_slice() else {
            return false;
        };
        let node = &self.nodes[idx(*leader)];
        let Some(m) = node.process.member.as_deref() else {
            return false;
        };
        let last = node.disk.last_index();
        m.machine.queue.is_empty()
            && m.commit == last
            && self.members.iter().all(|b| {
                let peer = &self.nodes[idx(*b)];
                !peer.process.running || peer.disk.applied == last
            })
    }

    fn final_read(&self) -> Vec<Retained> {
        // The leader's state machine holds what a consumer can still get
        // (settled messages are gone from it); without a leader, what any
        // running member has applied.
        let leaders = self.leader_nodes();
        let readers: Vec<BrokerId> = if leaders.is_empty() {
            self.members.clone()
        } else {
            leaders
        };
        Retained::from_queue(
            readers
                .iter()
                .filter_map(|b| self.nodes[idx(*b)].process.member.as_deref())
                .flat_map(|m| m.machine.queue.messages())
                .map(|q| q.msg),
        )
    }

    fn replicas(&self) -> Vec<ReplicaView> {
        let reference = self.committed_reference();
        self.members
            .iter()
            .filter_map(|b| {
                let node = &self.nodes[idx(*b)];
                if !node.process.running {
                    return None;
                }
                let base = ReplicaView {
                    broker: *b,
                    role: ViewRole::PausedMinority,
                    epoch: node.disk.term,
                    length: 0,
                    synced: false,
                    partition: 0,
                    high_watermark: None,
                };
                if node.process.app_paused {
                    return Some(base);
                }
                let m = node.process.member.as_deref()?;
                let synced = reference.is_none_or(|(index, term)| {
                    node.disk.last_index() >= index && node.disk.term_at(index) == term
                });
                Some(ReplicaView {
                    role: if m.role == RaftRole::Leader {
                        ViewRole::Master
                    } else {
                        ViewRole::Mirror
                    },
                    length: m.machine.queue.len(),
                    synced,
                    ..base
                })
            })
            .collect()
    }

    fn longest_timeout_ms(&self) -> u64 {
        self.net_timeout_ms
            .max(self.aten_timeout_ms)
            .saturating_add(self.poll_ms)
            .saturating_add(BROADCAST_TIME_MS * ELECTION_MULT * 2)
    }

    fn suspicions(&self, now: SimTime) -> Vec<crate::view::Suspicion> {
        let mut out = Vec::new();
        for x in self.all() {
            let node = &self.nodes[idx(x)];
            if !node.process.running {
                continue;
            }
            for p in self.all() {
                let peer = &node.process.peers[idx(p)];
                if p != x && peer.alive {
                    out.push(crate::view::Suspicion {
                        observer: x,
                        target: p,
                        silent_ms: now.ms_since(peer.last_heard),
                        timeout_ms: self.aten_timeout_ms,
                    });
                }
            }
        }
        out
    }
}
