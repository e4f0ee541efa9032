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

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::queue::{Delivery, QMsg, Queue};
use super::sessions::Sessions;
use super::{SysTimer, System};
use crate::ids::{Addr, BrokerId, Epoch, MsgId};
use crate::ledger::broker_bit;
use crate::out::{Action, Out, TimerKind};
use crate::scenario::config::Config;
use crate::scenario::settings::{PartitionHandling, QuorumSettings};
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
/// Enqueue sequence numbers remembered per channel for deduplication.
const MAX_REMEMBERED_ENQUEUES: usize = 4_096;
/// A channel resends a command unapplied for this long (a packet lost).
const RESEND_MS: u64 = 5_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// aten sends a heartbeat to every other node.
    Heartbeat,
    /// aten's poll, Ra's tick and net_ticktime's check.
    Poll,
    /// The randomised election timeout; stale generations are ignored.
    Election { generation: u32 },
}

/// Which client's command this is, the node whose channel submitted it
/// (the answer goes back through it), and the channel's correlation
/// number for it (rabbit_fifo_client's sequence number).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin {
    pub client: Addr,
    pub conn: u32,
    pub via: BrokerId,
    pub corr: u64,
}

/// A rabbit_fifo command, as it sits in the Raft log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// A new leader's first entry, which commits the earlier terms' entries.
    Noop,
    Enqueue {
        q: QMsg,
        origin: Origin,
        confirm: bool,
    },
    Checkout {
        consumer: Addr,
        conn: u32,
        prefetch: u32,
        auto_ack: bool,
        via: BrokerId,
    },
    /// The consumer (`origin.client` on `origin.conn`) acknowledged `msg`.
    Settle { origin: Origin, msg: MsgId },
    /// The consumer's connection `conn` (every connection when `None`) is
    /// gone: its checked-out messages return to the queue. `origin` is the
    /// channel's node when it reported it, `None` when the leader's
    /// monitor on that node fired.
    Down {
        consumer: Addr,
        conn: Option<u32>,
        origin: Option<Origin>,
    },
}

impl Command {
    fn origin(&self) -> Option<Origin> {
        match *self {
            Command::Enqueue { origin, .. } | Command::Settle { origin, .. } => Some(origin),
            Command::Down { origin, .. } => origin,
            Command::Noop | Command::Checkout { .. } => None,
        }
    }

    fn message(&self) -> Option<MsgId> {
        match *self {
            Command::Enqueue { q, .. } => Some(q.msg),
            Command::Settle { msg, .. } => Some(msg),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub term: u32,
    pub command: Command,
}

/// Trace events of quorum queues (their sentences are in `explain`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum QuorumEvent {
    Declared {
        leader: BrokerId,
        members: Vec<BrokerId>,
    },
    ElectionStarted {
        broker: BrokerId,
        term: u32,
    },
    LeaderElected {
        broker: BrokerId,
        term: u32,
        votes: u32,
        members: u32,
    },
    /// A leader learnt of a higher term.
    SteppedDown {
        broker: BrokerId,
        term: u32,
        uncommitted: u32,
    },
    /// A member discarded the uncommitted suffix that diverged from the leader's log.
    Truncated {
        broker: BrokerId,
        entries: u32,
        messages: u32,
    },
    /// A member restarted with its log from disk.
    Recovered {
        broker: BrokerId,
        entries: u32,
        term: u32,
    },
    /// A restarted or emptied member has the whole committed log again.
    CaughtUp {
        broker: BrokerId,
        index: u64,
    },
    /// The leader hears from too few members to commit anything.
    NoQuorum {
        leader: BrokerId,
        reachable: u32,
        members: u32,
    },
    /// A message returned more often than `delivery-limit` is dropped.
    DeliveryLimit {
        msg: MsgId,
        returns: u32,
        limit: u32,
    },
}

impl QuorumEvent {
    /// A leader elected after the first counts as a failover.
    pub fn is_failover(&self) -> bool {
        matches!(self, QuorumEvent::LeaderElected { .. })
    }
}

/// Messages between the nodes of a quorum queue's cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeerMsg {
    /// aten heartbeat; its sender's incarnation (every packet carries it,
    /// `Payload::Quorum`) shows a restart (the Erlang process monitors of
    /// the old incarnation fire).
    Heartbeat,
    /// Graceful shutdown: the distribution connection closes.
    Leaving,
    RequestVote {
        term: u32,
        last_index: u64,
        last_term: u32,
        pre_vote: bool,
    },
    Vote {
        term: u32,
        granted: bool,
        pre_vote: bool,
    },
    AppendEntries {
        term: u32,
        prev_index: u64,
        prev_term: u32,
        entries: Box<Vec<Entry>>,
        commit: u64,
        /// The leader counts the receiver, repaired after losing its disk,
        /// as a voter again.
        promote: bool,
    },
    /// `index`: the member's last matching entry on success, a hint where
    /// to resume otherwise. `voter`: false while the member, having lost
    /// its disk, must not count towards a majority.
    AppendResult {
        term: u32,
        success: bool,
        index: u64,
        voter: bool,
    },
    /// The leader tells every node (members or not) where the queue is.
    NewLeader { term: u32 },
    /// A channel's command, sent to the leader it knows.
    Submit { command: Command },
    /// The command `corr` of the receiving node's channel was applied.
    Applied { corr: u64 },
    /// Applied, and the publisher waits for its confirm.
    ConfirmVia {
        client: Addr,
        conn: u32,
        msg: MsgId,
        corr: u64,
    },
    SubscribeVia {
        client: Addr,
        conn: u32,
        prefetch: u32,
        auto_ack: bool,
    },
    /// `resend`: a new leader repeats a delivery its predecessor made,
    /// which the channel passes on only if it never did.
    DeliverVia {
        client: Addr,
        conn: u32,
        msg: MsgId,
        redelivered: bool,
        resend: bool,
        /// Auto-ack deliveries are never acknowledged, so never repeated.
        auto_ack: bool,
    },
    /// A node that knows of no leader asks (it restarted, or lost sight of
    /// the leader while no election happened); the leader answers `NewLeader`.
    WhoLeads,
    /// The relaying node passed (or, having done so before, dropped) a delivery.
    Handed { client: Addr, conn: u32, msg: MsgId },
}

impl PeerMsg {
    pub fn message(&self) -> Option<MsgId> {
        match self {
            PeerMsg::AppendEntries { entries, .. } if entries.len() == 1 => {
                entries[0].command.message()
            }
            PeerMsg::Submit { command } => command.message(),
            PeerMsg::ConfirmVia { msg, .. } | PeerMsg::DeliverVia { msg, .. } => Some(*msg),
            _ => None,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            PeerMsg::Heartbeat => "heartbeat",
            PeerMsg::Leaving => "disconnect",
            PeerMsg::RequestVote { pre_vote: true, .. } => "pre-vote",
            PeerMsg::RequestVote { .. } => "request-vote",
            PeerMsg::Vote { .. } => "vote",
            PeerMsg::AppendEntries { .. } => "append-entries",
            PeerMsg::AppendResult { .. } => "append-result",
            PeerMsg::NewLeader { .. } => "membership",
            PeerMsg::Submit {
                command: Command::Enqueue { .. },
            } => "publish",
            PeerMsg::Submit {
                command: Command::Settle { .. },
            } => "ack",
            PeerMsg::Submit { .. } => "close",
            PeerMsg::Applied { .. } => "applied",
            PeerMsg::ConfirmVia { .. } => "confirm",
            PeerMsg::SubscribeVia { .. } => "subscribe",
            PeerMsg::DeliverVia { .. } => "deliver",
            PeerMsg::Handed { .. } => "delivered",
            PeerMsg::WhoLeads => "membership",
        }
    }

    pub fn is_heartbeat(&self) -> bool {
        matches!(self, PeerMsg::Heartbeat)
    }
}

pub fn explain(event: &QuorumEvent) -> String {
    match event {
        QuorumEvent::Declared { leader, members } => format!(
            "quorum queue q declared on {} (x-quorum-initial-group-size {}); {leader} leads term 1",
            list(members),
            members.len()
        ),
        QuorumEvent::ElectionStarted { broker, term } => format!(
            "{broker} stood for election in term {term}: its pre-vote found a majority that had lost the leader"
        ),
        QuorumEvent::LeaderElected {
            broker,
            term,
            votes,
            members,
        } => format!(
            "{broker} elected leader of q in term {term} with {votes} of {members} votes (a majority, and its log as up to date as theirs)"
        ),
        QuorumEvent::SteppedDown {
            broker,
            term,
            uncommitted: 0,
        } => format!("{broker} learnt of term {term} and stepped down as leader"),
        QuorumEvent::SteppedDown {
            broker,
            term,
            uncommitted,
        } => format!(
            "{broker} learnt of term {term} and stepped down as leader; its {uncommitted} uncommitted entries never reached a majority and will be discarded"
        ),
        QuorumEvent::Truncated {
            broker,
            entries,
            messages,
        } => format!(
            "{broker} truncated {entries} uncommitted log entries ({messages} messages) that conflict with the new leader's log: none of them had been confirmed"
        ),
        QuorumEvent::Recovered {
            broker,
            entries,
            term,
        } => format!(
            "{broker} recovered its quorum queue member from disk: {entries} log entries, term {term}"
        ),
        QuorumEvent::CaughtUp { broker, index } => format!(
            "{broker} caught up with the leader's log (index {index}): it holds the committed prefix again"
        ),
        QuorumEvent::NoQuorum {
            leader,
            reachable,
            members,
        } => format!(
            "{leader} still leads but reaches {reachable} of {members} members, not a majority: what it appends cannot commit, so it confirms nothing"
        ),
        QuorumEvent::DeliveryLimit {
            msg,
            returns,
            limit,
        } => format!(
            "message {msg} returned {returns} times, more than delivery-limit {limit}: dropped (dead-lettered if a dead-letter exchange is set)"
        ),
    }
}

fn list(brokers: &[BrokerId]) -> String {
    brokers
        .iter()
        .map(|b| b.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

// ----- the state machine (rabbit_fifo) -------------------------------------------------

/// What applying one command asks the leader to do.
#[derive(Clone, Debug, Default)]
struct Effects {
    /// The submitting channel is told; a publisher gets its confirm.
    applied: Option<Origin>,
    confirm: Option<MsgId>,
    deliveries: Vec<Delivery>,
    /// Left the queue for good: acknowledged, auto-acked or dropped.
    consumed: Vec<MsgId>,
    returned: u32,
    dropped: Vec<(MsgId, u32)>,
}

impl Effects {
    fn clear(&mut self) {
        self.applied = None;
        self.confirm = None;
        self.deliveries.clear();
        self.consumed.clear();
        self.returned = 0;
        self.dropped.clear();
    }
}

/// The queue as every member computes it from the committed log: the same
/// commands in the same order give the same deliveries on every member.
#[derive(Clone, Debug, Default)]
struct Machine {
    queue: Queue,
    /// Times each message came back from a consumer (rabbit_fifo's delivery count).
    returns: BTreeMap<MsgId, u32>,
    /// The enqueues applied per channel, by sequence number, so that a
    /// command resent to a new leader is not enqueued twice (rabbit_fifo
    /// keeps an enqueuer's sequence for the same purpose). A set rather
    /// than a high-water mark: a resend may arrive after later commands.
    enqueuers: BTreeMap<(BrokerId, Addr, u32), BTreeSet<u64>>,
}

impl Machine {
    fn apply(&mut self, command: Command, limit: Option<u32>, fx: &mut Effects) {
        match command {
            Command::Noop => {}
            Command::Enqueue { q, origin, confirm } => {
                let key = (origin.via, origin.client, origin.conn);
                let seen = self.enqueuers.entry(key).or_default();
                if seen.insert(origin.corr) {
                    self.queue.push(q);
                }
                if seen.len() > MAX_REMEMBERED_ENQUEUES {
                    // Forgetting the oldest risks a duplicate, never a loss.
                    seen.pop_first();
                }
                fx.applied = Some(origin);
                fx.confirm = confirm.then_some(q.msg);
            }
            Command::Checkout {
                consumer,
                conn,
                prefetch,
                auto_ack,
                via,
            } => {
                if !self.queue.has_subscription(consumer, conn) {
                    // A consumer on a new connection has lost its old one.
                    self.give_back(consumer, None, limit, fx);
                    self.queue
                        .subscribe(consumer, conn, prefetch, auto_ack, via);
                }
            }
            Command::Settle { origin, msg } => {
                if self.queue.ack(origin.client, origin.conn, msg).is_some() {
                    self.returns.remove(&msg);
                    fx.consumed.push(msg);
                }
                fx.applied = Some(origin);
            }
            Command::Down {
                consumer,
                conn,
                origin,
            } => {
                self.give_back(consumer, conn, limit, fx);
                fx.applied = origin;
            }
        }
        self.queue.dispatch(&mut fx.deliveries);
        for d in &fx.deliveries {
            if d.auto_ack {
                self.returns.remove(&d.qmsg.msg);
                fx.consumed.push(d.qmsg.msg);
            }
        }
    }

    /// Returns a departed consumer's messages to the head of the queue,
    /// counting the return; past `delivery-limit` a message is dropped.
    fn give_back(
        &mut self,
        consumer: Addr,
        conn: Option<u32>,
        limit: Option<u32>,
        fx: &mut Effects,
    ) {
        let back = self.queue.unacked_of(consumer, conn);
        fx.returned += self.queue.unsubscribe(consumer, conn);
        for msg in back {
            let count = self.returns.entry(msg).or_insert(0);
            *count += 1;
            let count = *count;
            if limit.is_some_and(|l| count > l) && self.queue.remove_ready(msg).is_some() {
                self.returns.remove(&msg);
                fx.dropped.push((msg, count));
            }
        }
    }

    fn holds(&self, msg: MsgId) -> bool {
        self.queue.messages().any(|q| q.msg == msg)
    }
}

// ----- per-node state -----------------------------------------------------------------

/// What a member keeps on disk: it survives crashes, not `lose_disk`.
#[derive(Clone, Debug, Default)]
struct Disk {
    term: u32,
    voted_for: Option<BrokerId>,
    log: Vec<Entry>,
    /// Ra persists how far it applied, and replays that much on recovery.
    applied: u64,
    /// The member lost its data: it waits to be repaired before voting.
    wiped: bool,
}

impl Disk {
    fn last_index(&self) -> u64 {
        self.log.len() as u64
    }

    fn term_at(&self, index: u64) -> u32 {
        if index == 0 {
            return 0;
        }
        self.log
            .get((index - 1) as usize)
            .map(|e| e.term)
            .unwrap_or(0)
    }

    fn last_term(&self) -> u32 {
        self.term_at(self.last_index())
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum RaftRole {
    #[default]
    Follower,
    PreCandidate,
    Candidate,
    Leader,
}

/// A running Ra server (memory only).
#[derive(Clone, Debug, Default)]
struct Member {
    role: RaftRole,
    commit: u64,
    leader: Option<BrokerId>,
    votes: u16,
    next_index: Vec<u64>,
    match_index: Vec<u64>,
    machine: Machine,
    election_generation: u32,
    /// Restarted or emptied: traces `CaughtUp` once the leader has repaired it.
    catching_up: bool,
    no_quorum_reported: bool,
    /// Leader: members that lost their disk and do not count for commits
    /// until promoted, and the index whose commit (without them) promotes
    /// each (Ra adds such a member back through a membership change).
    nonvoters: u16,
    promote_at: Vec<u64>,
    /// Leader: deliveries sent through another node that has not yet said
    /// it handed them over, with when they were sent. A partition drops
    /// packets that Erlang's distribution (TCP) would have carried, so
    /// the leader sends them again on its tick.
    in_flight: BTreeMap<(Addr, u32, MsgId), (SimTime, Delivery)>,
}

#[derive(Clone, Debug, Default)]
struct Peer {
    last_heard: SimTime,
    /// aten's verdict.
    alive: bool,
    /// The Erlang distribution connection (net_ticktime).
    connected: bool,
    /// net_ticktime ran out on the connection (not a clean shutdown): if
    /// the same incarnation talks again, there was a partition.
    declared_down: bool,
    incarnation: u32,
}

/// A channel's command awaiting its `applied` notification.
#[derive(Clone, Copy, Debug)]
struct Pending {
    sent_at: SimTime,
    /// The leader and term it was last sent to.
    sent_to: Option<(BrokerId, u32)>,
    command: Command,
}

#[derive(Clone, Debug, Default)]
struct Node {
    running: bool,
    /// `pause_minority` stopped the RabbitMQ application; the node still
    /// talks to its peers.
    app_paused: bool,
    incarnation: u32,
    sessions: Sessions,
    peers: Vec<Peer>,
    /// Where this node believes the queue's leader is (relays use it).
    leader: Option<(BrokerId, u32)>,
    /// Consumers whose connection is on this node: client → (conn, prefetch, auto_ack).
    local_subs: BTreeMap<Addr, (u32, u32, bool)>,
    /// The channels' commands not yet applied, by correlation number, with
    /// when they were last sent.
    pending: BTreeMap<u64, Pending>,
    next_corr: u64,
    /// Deliveries handed to consumers here and not yet acknowledged.
    handed: BTreeSet<(Addr, u32, MsgId)>,
    is_member: bool,
    member: Option<Box<Member>>,
    disk: Disk,
}

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
        let n = usize::from(config.broker_count);
        let (heartbeat_ms, poll_ms, aten_timeout_ms, net_timeout_ms, detector) =
            match config.heartbeat {
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
        let group = usize::from(cfg.initial_group_size.clamp(1, config.broker_count.max(1)));
        let members: Vec<BrokerId> = (0..group as u16).map(BrokerId).collect();
        let mut nodes = vec![
            Node {
                peers: vec![Peer::default(); n],
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
            client_detector: if config.heartbeat.is_some() {
                Detector::Heartbeat
            } else {
                Detector::AmqpHeartbeat
            },
            overridden: config.heartbeat.is_some(),
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
        self.nodes[idx(b)].member.as_deref()
    }

    fn member_mut(&mut self, b: BrokerId) -> Option<&mut Member> {
        self.nodes[idx(b)].member.as_deref_mut()
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

    /// An election timeout of `after_ms` plus up to `jitter_ms` drawn by the
    /// engine; it replaces any timeout set before.
    fn arm_election(&mut self, b: BrokerId, after_ms: u64, jitter_ms: u64, out: &mut Out) {
        let Some(m) = self.member_mut(b) else {
            return;
        };
        m.election_generation = m.election_generation.wrapping_add(1);
        let generation = m.election_generation;
        out.actions.push(Action::Timer {
            owner: me(b),
            after_us: after_ms.saturating_mul(1_000),
            jitter_us: jitter_ms.saturating_mul(1_000),
            kind: timer(Timer::Election { generation }),
        });
    }

    /// Ra's "long" timeout after aten reports the leader's node down:
    /// longer than a poll, so that a false alarm can be taken back.
    fn arm_election_long(&mut self, b: BrokerId, out: &mut Out) {
        let poll = self.poll_ms;
        self.arm_election(b, poll, BROADCAST_TIME_MS * ELECTION_MULT * 2, out);
    }

    /// Ra's "short" timeout: the leader's process monitor fired.
    fn arm_election_short(&mut self, b: BrokerId, out: &mut Out) {
        self.arm_election(b, BROADCAST_TIME_MS, BROADCAST_TIME_MS * ELECTION_MULT, out);
    }

    // ----- start, boot, crash, stop -------------------------------------------------------

    fn start_all(&mut self, out: &mut Out) {
        let leader = BrokerId(0);
        for b in self.all() {
            let node = self.node(b);
            node.running = true;
            node.incarnation = 1;
            for peer in &mut node.peers {
                *peer = Peer {
                    alive: true,
                    connected: true,
                    incarnation: 1,
                    ..Peer::default()
                };
            }
            node.leader = Some((leader, 1));
            if node.is_member {
                node.disk = Disk {
                    term: 1,
                    voted_for: Some(leader),
                    ..Disk::default()
                };
            }
        }
        for b in self.members.clone() {
            self.start_member(b, out);
            if let Some(m) = self.member_mut(b) {
                m.leader = Some(leader);
                m.catching_up = false;
            }
        }
        let n = self.nodes.len();
        if let Some(m) = self.member_mut(leader) {
            m.role = RaftRole::Leader;
            m.next_index = vec![1; n];
            m.match_index = vec![0; n];
            m.promote_at = vec![0; n];
        }
        out.trace(Event::Quorum(QuorumEvent::Declared {
            leader,
            members: self.members.clone(),
        }));
        out.leader(leader, Epoch(1));
        for b in self.all() {
            out.timer(me(b), self.heartbeat_ms, timer(Timer::Heartbeat));
            out.timer(me(b), self.poll_ms, timer(Timer::Poll));
        }
    }

    /// The Ra server starts: it replays its applied log into the state
    /// machine and waits, as a follower, to hear from a leader.
    fn start_member(&mut self, b: BrokerId, out: &mut Out) {
        let n = self.nodes.len();
        let limit = self.cfg.delivery_limit;
        let node = self.node(b);
        if !node.is_member {
            return;
        }
        let mut machine = Machine::default();
        let mut fx = Effects::default();
        let applied = node.disk.applied.min(node.disk.last_index());
        for entry in &node.disk.log[..applied as usize] {
            fx.clear();
            machine.apply(entry.command, limit, &mut fx);
        }
        node.member = Some(Box::new(Member {
            commit: applied,
            next_index: vec![1; n],
            match_index: vec![0; n],
            machine,
            catching_up: true,
            ..Member::default()
        }));
        if out.now > SimTime::ZERO {
            let (entries, term) = (node.disk.log.len() as u32, node.disk.term);
            out.trace(Event::Quorum(QuorumEvent::Recovered {
                broker: b,
                entries,
                term,
            }));
            self.arm_election_long(b, out);
        }
    }

    /// The Ra server stops; so do the node's channels, with what they
    /// had pending.
    fn stop_member(&mut self, b: BrokerId) {
        let node = self.node(b);
        node.member = None;
        node.leader = None;
        node.pending.clear();
        node.handed.clear();
    }

    // ----- the leader's work --------------------------------------------------------------

    /// The leader appends a command to its log and ships it.
    fn append(&mut self, b: BrokerId, mut command: Command, out: &mut Out) {
        let node = &mut self.nodes[idx(b)];
        let Some(m) = node.member.as_deref_mut() else {
            return;
        };
        if m.role != RaftRole::Leader || node.disk.log.len() >= MAX_LOG {
            return;
        }
        if let Command::Enqueue { q, .. } = &mut command {
            // The message's place in the queue's history.
            q.seq = node.disk.last_index() + 1;
        }
        node.disk.log.push(Entry {
            term: node.disk.term,
            command,
        });
        let last = node.disk.last_index();
        m.match_index[idx(b)] = last;
        if let Command::Enqueue { q, .. } = command {
            out.copy_added(q.msg, broker_bit(b));
        }
        for p in self.members.clone() {
            if p != b && self.member(b).is_some_and(|m| m.next_index[idx(p)] <= last) {
                self.send_append(b, p, out);
            }
        }
        self.advance_commit(b, out);
    }

    /// AppendEntries from the follower's next index (pipelined: the next
    /// index moves on without waiting for the answer).
    fn send_append(&mut self, b: BrokerId, p: BrokerId, out: &mut Out) {
        let node = &mut self.nodes[idx(b)];
        let Some(m) = node.member.as_deref_mut() else {
            return;
        };
        let last = node.disk.last_index();
        let next = m.next_index[idx(p)].clamp(1, last + 1);
        let end = last.min(next + MAX_BATCH as u64 - 1);
        let entries: Vec<Entry> = node.disk.log[(next - 1) as usize..end as usize].to_vec();
        m.next_index[idx(p)] = end + 1;
        let promote_at = m.promote_at.get(idx(p)).copied().unwrap_or(0);
        let promote = m.nonvoters & broker_bit(p) != 0
            && promote_at > 0
            && m.commit >= promote_at
            && end >= promote_at;
        let msg = PeerMsg::AppendEntries {
            term: node.disk.term,
            prev_index: next - 1,
            prev_term: node.disk.term_at(next - 1),
            entries: Box::new(entries),
            commit: m.commit,
            promote,
        };
        self.send(b, p, msg, out);
    }

    /// Commits the highest entry of the current term that a majority holds.
    fn advance_commit(&mut self, b: BrokerId, out: &mut Out) {
        let node = &self.nodes[idx(b)];
        let Some(m) = node.member.as_deref() else {
            return;
        };
        if m.role != RaftRole::Leader {
            return;
        }
        let term = node.disk.term;
        let mut new_commit = m.commit;
        for n in (m.commit + 1..=node.disk.last_index()).rev() {
            if node.disk.term_at(n) != term {
                break;
            }
            let holders = self
                .members
                .iter()
                .filter(|p| m.match_index[idx(**p)] >= n)
                .fold(0u16, |mask, p| mask | broker_bit(*p))
                & !m.nonvoters;
            if self.majority(holders) {
                new_commit = n;
                break;
            }
        }
        if new_commit > m.commit {
            if let Some(m) = self.member_mut(b) {
                m.commit = new_commit;
            }
            self.apply_committed(b, out);
        }
    }

    /// Applies committed entries to the state machine; the leader carries
    /// out their effects.
    fn apply_committed(&mut self, b: BrokerId, out: &mut Out) {
        let limit = self.cfg.delivery_limit;
        let mut fx = std::mem::take(&mut self.fx);
        loop {
            let node = &mut self.nodes[idx(b)];
            let Some(m) = node.member.as_deref_mut() else {
                break;
            };
            let applied = node.disk.applied;
            if applied >= m.commit || applied >= node.disk.last_index() {
                break;
            }
            let entry = node.disk.log[applied as usize];
            node.disk.applied = applied + 1;
            fx.clear();
            m.machine.apply(entry.command, limit, &mut fx);
            let leader = m.role == RaftRole::Leader;
            self.effects(b, leader, &fx, out);
        }
        self.fx = fx;
    }

    fn effects(&mut self, b: BrokerId, leader: bool, fx: &Effects, out: &mut Out) {
        for msg in &fx.consumed {
            out.copy_consumed(*msg, broker_bit(b));
        }
        for (msg, _) in &fx.dropped {
            out.copy_dropped(*msg, broker_bit(b), DropWhy::DeliveryLimit);
        }
        if !leader {
            return;
        }
        if let Some(origin) = fx.applied {
            self.notify(b, origin, fx.confirm, out);
        }
        if fx.returned > 0 {
            out.trace(Event::Requeued {
                broker: b,
                messages: fx.returned,
            });
        }
        for (msg, returns) in &fx.dropped {
            out.trace(Event::Quorum(QuorumEvent::DeliveryLimit {
                msg: *msg,
                returns: *returns,
                limit: self.cfg.delivery_limit.unwrap_or(0),
            }));
        }
        for d in &fx.deliveries {
            self.send_delivery(b, d, false, out);
        }
    }

    /// A delivery, straight to the consumer or through its channel's node.
    fn send_delivery(&mut self, b: BrokerId, d: &Delivery, resend: bool, out: &mut Out) {
        let (client, conn, msg) = (d.consumer, d.conn, d.qmsg.msg);
        let (redelivered, auto_ack) = (d.qmsg.redelivered, d.auto_ack);
        if d.via == b {
            self.hand_over(b, client, conn, msg, (redelivered, resend, auto_ack), out);
        } else {
            let relay = PeerMsg::DeliverVia {
                client,
                conn,
                msg,
                redelivered,
                resend,
                auto_ack,
            };
            self.send(b, d.via, relay, out);
            let now = out.now;
            if let Some(m) = self.member_mut(b)
                && !auto_ack
                && m.in_flight.len() < MAX_PENDING
            {
                m.in_flight.insert((client, conn, msg), (now, *d));
            }
        }
    }

    /// Deliveries the relaying node has not acknowledged within a poll go
    /// again, if still awaiting the consumer's ack.
    fn resend_in_flight(&mut self, b: BrokerId, out: &mut Out) {
        let now = out.now;
        let poll = self.poll_ms;
        let Some(m) = self.member_mut(b) else {
            return;
        };
        let due: Vec<(Addr, u32, MsgId)> = m
            .in_flight
            .iter()
            .filter(|(_, (sent, _))| now.ms_since(*sent) >= poll)
            .map(|(key, _)| *key)
            .collect();
        for key in due {
            let Some(m) = self.member_mut(b) else {
                return;
            };
            let (client, conn, msg) = key;
            let outstanding = m
                .machine
                .queue
                .unacked_of(client, Some(conn))
                .contains(&msg);
            let Some((_, d)) = m.in_flight.remove(&key) else {
                continue;
            };
            if outstanding {
                self.send_delivery(b, &d, true, out);
            }
        }
    }

    /// The channel on `x` passes a delivery to its consumer, once: it
    /// remembers what it handed over until the consumer acknowledges it
    /// (rabbit_fifo_client's delivery sequence does this).
    /// `flags`: (redelivered, resend, auto_ack).
    fn hand_over(
        &mut self,
        x: BrokerId,
        client: Addr,
        conn: u32,
        msg: MsgId,
        flags: (bool, bool, bool),
        out: &mut Out,
    ) {
        let (redelivered, resend, auto_ack) = flags;
        let node = self.node(x);
        if !node.sessions.is_open(client, conn) {
            // A channel already closed has told the queue (`Down`).
            return;
        }
        if !auto_ack && !node.handed.insert((client, conn, msg)) && resend {
            return;
        }
        let deliver = Payload::Deliver {
            conn,
            msg,
            redelivered,
        };
        out.send(me(x), client, deliver);
    }

    /// A new leader, or a leader that lost sight of a node, repeats the
    /// deliveries still awaiting an ack (through `via` only, if given):
    /// those its predecessor sent may have been lost with it.
    fn redeliver(&mut self, b: BrokerId, via: Option<BrokerId>, out: &mut Out) {
        let outstanding = self
            .member(b)
            .map(|m| m.machine.queue.outstanding())
            .unwrap_or_default();
        for d in outstanding {
            if via.is_none_or(|v| v == d.via) {
                self.send_delivery(b, &d, true, out);
            }
        }
    }

    /// Tells the submitting channel its command was applied, and the
    /// publisher its confirm, straight or through the channel's node.
    fn notify(&mut self, b: BrokerId, origin: Origin, confirm: Option<MsgId>, out: &mut Out) {
        let Origin {
            client,
            conn,
            via,
            corr,
        } = origin;
        if via == b {
            self.settled(b, corr, client, conn, confirm, out);
            return;
        }
        let relay = match confirm {
            Some(msg) => PeerMsg::ConfirmVia {
                client,
                conn,
                msg,
                corr,
            },
            None => PeerMsg::Applied { corr },
        };
        self.send(b, via, relay, out);
    }

    /// The channel on `x` forgets the applied command and confirms it.
    fn settled(
        &mut self,
        x: BrokerId,
        corr: u64,
        client: Addr,
        conn: u32,
        confirm: Option<MsgId>,
        out: &mut Out,
    ) {
        let node = self.node(x);
        node.pending.remove(&corr);
        if let Some(msg) = confirm
            && node.sessions.is_open(client, conn)
        {
            out.send(me(x), client, Payload::Confirm { conn, msg });
        }
    }

    /// Consumers whose channel was on `via` (a node now down or restarted):
    /// Ra's monitors fire and their messages return to the queue.
    fn consumers_gone_via(&mut self, b: BrokerId, via: BrokerId, out: &mut Out) {
        if !self.is_leader(b) {
            return;
        }
        // Each connection by name: the applied state this reads may lag the
        // log, where the consumer may already have checked out again.
        let gone: Vec<(Addr, u32)> = self
            .member(b)
            .map(|m| m.machine.queue.subscriptions_via(via))
            .unwrap_or_default();
        for (consumer, conn) in gone {
            let down = Command::Down {
                consumer,
                conn: Some(conn),
                origin: None,
            };
            self.append(b, down, out);
        }
    }

    /// Ra's tick: followers behind are sent what they miss, and everyone
    /// the commit index.
    fn leader_tick(&mut self, b: BrokerId, out: &mut Out) {
        self.resend_in_flight(b, out);
        let last = self.nodes[idx(b)].disk.last_index();
        for p in self.members.clone() {
            if p == b {
                continue;
            }
            if let Some(m) = self.member_mut(b) {
                // Resend from what the follower is known to hold: a
                // pipelined packet may have been lost.
                m.next_index[idx(p)] = (m.match_index[idx(p)] + 1).min(last + 1);
            }
            self.send_append(b, p, out);
        }
        self.report_quorum(b, out);
    }

    /// Says once per episode that the leader cannot reach a majority.
    fn report_quorum(&mut self, b: BrokerId, out: &mut Out) {
        let reachable = self
            .members
            .iter()
            .filter(|p| **p == b || self.nodes[idx(b)].peers[idx(**p)].alive)
            .fold(0u16, |mask, p| mask | broker_bit(*p));
        let has_majority = self.majority(reachable);
        let members = self.members.len() as u32;
        let Some(m) = self.member_mut(b) else {
            return;
        };
        if has_majority {
            m.no_quorum_reported = false;
        } else if !m.no_quorum_reported {
            m.no_quorum_reported = true;
            out.trace(Event::Quorum(QuorumEvent::NoQuorum {
                leader: b,
                reachable: reachable.count_ones(),
                members,
            }));
        }
    }

    // ----- elections ----------------------------------------------------------------------

    fn on_election_timeout(&mut self, b: BrokerId, generation: u32, out: &mut Out) {
        let node = &self.nodes[idx(b)];
        let Some(m) = node.member.as_deref() else {
            return;
        };
        if m.election_generation != generation || m.role == RaftRole::Leader || node.disk.wiped {
            return;
        }
        // A follower whose leader's node is still alive keeps following.
        let leader_alive = m.leader.is_some_and(|l| l != b && node.peers[idx(l)].alive);
        if m.role == RaftRole::Follower && leader_alive {
            return;
        }
        self.start_pre_vote(b, out);
    }

    /// Ra's pre-vote: ask whether a majority would vote, without raising
    /// the term, so that an isolated member cannot disrupt the others.
    fn start_pre_vote(&mut self, b: BrokerId, out: &mut Out) {
        let disk = &self.nodes[idx(b)].disk;
        let (term, last_index, last_term) = (disk.term + 1, disk.last_index(), disk.last_term());
        let Some(m) = self.member_mut(b) else {
            return;
        };
        m.role = RaftRole::PreCandidate;
        m.leader = None;
        m.votes = broker_bit(b);
        let request = PeerMsg::RequestVote {
            term,
            last_index,
            last_term,
            pre_vote: true,
        };
        for p in self.members.clone() {
            if p != b {
                self.send(b, p, request.clone(), out);
            }
        }
        self.arm_election_short(b, out);
        if self.majority(broker_bit(b)) {
            self.start_election(b, out);
        }
    }

    fn start_election(&mut self, b: BrokerId, out: &mut Out) {
        let disk = &mut self.nodes[idx(b)].disk;
        disk.term += 1;
        disk.voted_for = Some(b);
        let (term, last_index, last_term) = (disk.term, disk.last_index(), disk.last_term());
        let Some(m) = self.member_mut(b) else {
            return;
        };
        m.role = RaftRole::Candidate;
        m.votes = broker_bit(b);
        out.trace(Event::Quorum(QuorumEvent::ElectionStarted {
            broker: b,
            term,
        }));
        let request = PeerMsg::RequestVote {
            term,
            last_index,
            last_term,
            pre_vote: false,
        };
        for p in self.members.clone() {
            if p != b {
                self.send(b, p, request.clone(), out);
            }
        }
        self.arm_election_short(b, out);
        if self.majority(broker_bit(b)) {
            self.become_leader(b, out);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn on_request_vote(
        &mut self,
        b: BrokerId,
        candidate: BrokerId,
        term: u32,
        last_index: u64,
        last_term: u32,
        pre_vote: bool,
        out: &mut Out,
    ) {
        if self.member(b).is_none() {
            return;
        }
        if !pre_vote && term > self.nodes[idx(b)].disk.term {
            self.become_follower(b, term, None, out);
        }
        let node = &self.nodes[idx(b)];
        let Some(m) = node.member.as_deref() else {
            return;
        };
        let disk = &node.disk;
        let up_to_date = last_term > disk.last_term()
            || (last_term == disk.last_term() && last_index >= disk.last_index());
        let granted = if pre_vote {
            // Refused while this member still has a live leader (other than
            // the candidate itself, which has evidently lost its leadership).
            let has_leader = match m.leader {
                Some(l) if l == b => m.role == RaftRole::Leader,
                Some(l) => l != candidate && node.peers[idx(l)].alive,
                None => false,
            };
            term > disk.term && up_to_date && !has_leader && !disk.wiped
        } else {
            term == disk.term
                && disk.voted_for.is_none_or(|v| v == candidate)
                && up_to_date
                && !disk.wiped
        };
        let my_term = disk.term;
        if granted && !pre_vote {
            self.node(b).disk.voted_for = Some(candidate);
            self.arm_election_long(b, out);
        }
        let vote = PeerMsg::Vote {
            term: my_term,
            granted,
            pre_vote,
        };
        self.send(b, candidate, vote, out);
    }

    fn on_vote(
        &mut self,
        b: BrokerId,
        voter: BrokerId,
        term: u32,
        granted: bool,
        pre_vote: bool,
        out: &mut Out,
    ) {
        let my_term = self.nodes[idx(b)].disk.term;
        if term > my_term && !granted {
            self.become_follower(b, term, None, out);
            self.arm_election_short(b, out);
            return;
        }
        let Some(m) = self.member_mut(b) else {
            return;
        };
        let expected = if pre_vote {
            RaftRole::PreCandidate
        } else {
            RaftRole::Candidate
        };
        if !granted || m.role != expected || (!pre_vote && term != my_term) {
            return;
        }
        m.votes |= broker_bit(voter);
        let votes = m.votes;
        if !self.majority(votes) {
            return;
        }
        if pre_vote {
            self.start_election(b, out);
        } else {
            self.become_leader(b, out);
        }
    }

    fn become_leader(&mut self, b: BrokerId, out: &mut Out) {
        let n = self.nodes.len();
        let members = self.members.len() as u32;
        let node = &mut self.nodes[idx(b)];
        let term = node.disk.term;
        let last = node.disk.last_index();
        let Some(m) = node.member.as_deref_mut() else {
            return;
        };
        m.role = RaftRole::Leader;
        m.leader = Some(b);
        m.next_index = vec![last + 1; n];
        m.match_index = vec![0; n];
        m.match_index[idx(b)] = last;
        m.nonvoters = 0;
        m.promote_at = vec![0; n];
        m.in_flight.clear();
        m.no_quorum_reported = false;
        let votes = m.votes.count_ones();
        node.leader = Some((b, term));
        out.leader(b, Epoch(term));
        out.trace(Event::Quorum(QuorumEvent::LeaderElected {
            broker: b,
            term,
            votes,
            members,
        }));
        for p in self.all() {
            if p != b {
                self.send(b, p, PeerMsg::NewLeader { term }, out);
            }
        }
        self.append(b, Command::Noop, out);
        // Consumers whose node this leader already counts as down.
        for p in self.all() {
            if p != b && !self.nodes[idx(b)].peers[idx(p)].alive {
                self.consumers_gone_via(b, p, out);
            }
        }
        self.resubscribe(b, out);
        self.resend_pending(b, true, out);
        self.redeliver(b, None, out);
    }

    /// Steps into `term` as a follower (of `leader`, when known).
    fn become_follower(&mut self, b: BrokerId, term: u32, leader: Option<BrokerId>, out: &mut Out) {
        let node = &mut self.nodes[idx(b)];
        if term > node.disk.term {
            node.disk.term = term;
            node.disk.voted_for = None;
        }
        let last = node.disk.last_index();
        let Some(m) = node.member.as_deref_mut() else {
            return;
        };
        if m.role == RaftRole::Leader {
            let uncommitted = last.saturating_sub(m.commit) as u32;
            out.trace(Event::Quorum(QuorumEvent::SteppedDown {
                broker: b,
                term,
                uncommitted,
            }));
        }
        m.role = RaftRole::Follower;
        m.votes = 0;
        m.leader = leader;
        if let Some(l) = leader {
            node.leader = Some((l, term));
        } else if node.leader.is_some_and(|(l, _)| l == b) {
            node.leader = None;
        }
    }

    // ----- following ----------------------------------------------------------------------

    #[allow(clippy::too_many_arguments)]
    fn on_append(
        &mut self,
        b: BrokerId,
        leader: BrokerId,
        term: u32,
        prev_index: u64,
        prev_term: u32,
        entries: Vec<Entry>,
        commit: u64,
        out: &mut Out,
    ) {
        if self.member(b).is_none() {
            return;
        }
        let my_term = self.nodes[idx(b)].disk.term;
        if term < my_term {
            let index = self.nodes[idx(b)].disk.last_index();
            self.answer(b, leader, my_term, false, index, out);
            return;
        }
        let new_leader = self.member(b).is_none_or(|m| m.leader != Some(leader))
            || self.nodes[idx(b)].leader != Some((leader, term));
        if term > my_term || self.member(b).is_some_and(|m| m.role != RaftRole::Follower) {
            self.become_follower(b, term, Some(leader), out);
        }
        {
            let node = self.node(b);
            node.leader = Some((leader, term));
            // A leader of this term exists: no other candidate can win it.
            node.disk.voted_for.get_or_insert(leader);
            if let Some(m) = node.member.as_deref_mut() {
                m.leader = Some(leader);
            }
        }
        if new_leader {
            self.resubscribe(b, out);
            self.resend_pending(b, true, out);
        }
        if let Some(hint) = self.mismatch(b, prev_index, prev_term) {
            self.answer(b, leader, term, false, hint, out);
            return;
        }
        let count = entries.len() as u64;
        if !self.store(b, prev_index, entries, out) {
            let index = self.nodes[idx(b)].disk.applied;
            self.answer(b, leader, term, false, index, out);
            return;
        }
        let matched = prev_index + count;
        self.follow_commit(b, commit.min(matched), out);
        self.check_caught_up(b, commit, out);
        self.answer(b, leader, term, true, matched, out);
    }

    /// Where the log disagrees with the leader's previous entry: the index
    /// to resume from, never below what this member has committed.
    fn mismatch(&self, b: BrokerId, prev_index: u64, prev_term: u32) -> Option<u64> {
        let node = &self.nodes[idx(b)];
        let disk = &node.disk;
        let commit = node.member.as_deref().map(|m| m.commit).unwrap_or(0);
        if prev_index > disk.last_index() {
            return Some(disk.last_index());
        }
        if prev_index == 0 || disk.term_at(prev_index) == prev_term {
            return None;
        }
        // Skip back over the whole conflicting term at once.
        let conflict = disk.term_at(prev_index);
        let mut first = prev_index;
        while first > 1 && disk.term_at(first - 1) == conflict {
            first -= 1;
        }
        Some((first - 1).max(commit).min(prev_index - 1))
    }

    /// Appends the leader's entries after `prev_index`, truncating a
    /// conflicting suffix first; false if that would cut applied entries.
    fn store(&mut self, b: BrokerId, prev_index: u64, entries: Vec<Entry>, out: &mut Out) -> bool {
        for (i, entry) in entries.into_iter().enumerate() {
            let index = prev_index + 1 + i as u64;
            let disk = &self.nodes[idx(b)].disk;
            if index <= disk.last_index() {
                if disk.term_at(index) == entry.term {
                    continue;
                }
                if index <= disk.applied {
                    return false;
                }
                self.truncate(b, index, out);
            }
            let disk = &mut self.nodes[idx(b)].disk;
            if disk.log.len() >= MAX_LOG {
                return false;
            }
            disk.log.push(entry);
            if let Command::Enqueue { q, .. } = entry.command {
                out.copy_added(q.msg, broker_bit(b));
            }
        }
        true
    }

    /// Discards the log from `from` on: entries that never committed.
    fn truncate(&mut self, b: BrokerId, from: u64, out: &mut Out) {
        let removed = self.node(b).disk.log.split_off((from - 1) as usize);
        let mut messages = BTreeSet::new();
        for entry in &removed {
            if let Command::Enqueue { q, .. } = entry.command {
                messages.insert(q.msg);
            }
        }
        let count = messages.len() as u32;
        for msg in messages {
            if !self.still_holds(b, msg) {
                out.copy_dropped(msg, broker_bit(b), DropWhy::Truncated);
            }
        }
        out.trace(Event::Quorum(QuorumEvent::Truncated {
            broker: b,
            entries: removed.len() as u32,
            messages: count,
        }));
    }

    /// Whether the member still has the message (a retried publish may sit
    /// in its log twice).
    fn still_holds(&self, b: BrokerId, msg: MsgId) -> bool {
        let node = &self.nodes[idx(b)];
        let applied = node.disk.applied as usize;
        let in_machine = node.member.as_deref().is_some_and(|m| m.machine.holds(msg));
        in_machine
            || node.disk.log[applied.min(node.disk.log.len())..]
                .iter()
                .any(|e| matches!(e.command, Command::Enqueue { q, .. } if q.msg == msg))
    }

    fn follow_commit(&mut self, b: BrokerId, commit: u64, out: &mut Out) {
        let Some(m) = self.member_mut(b) else {
            return;
        };
        if commit > m.commit {
            m.commit = commit;
            self.apply_committed(b, out);
        }
    }

    fn check_caught_up(&mut self, b: BrokerId, leader_commit: u64, out: &mut Out) {
        let node = &mut self.nodes[idx(b)];
        let last = node.disk.last_index();
        let Some(m) = node.member.as_deref_mut() else {
            return;
        };
        if last < leader_commit {
            return;
        }
        if m.catching_up {
            m.catching_up = false;
            out.trace(Event::Quorum(QuorumEvent::CaughtUp {
                broker: b,
                index: last,
            }));
        }
    }

    fn answer(
        &self,
        b: BrokerId,
        leader: BrokerId,
        term: u32,
        success: bool,
        index: u64,
        out: &mut Out,
    ) {
        let msg = PeerMsg::AppendResult {
            term,
            success,
            index,
            voter: !self.nodes[idx(b)].disk.wiped,
        };
        self.send(b, leader, msg, out);
    }

    /// A member repaired after losing its disk counts again once the
    /// current leader committed an entry of its own without it: a stale
    /// leader, which no majority follows, can never promote it.
    fn promoted(&mut self, x: BrokerId, leader: BrokerId, term: u32) {
        let node = self.node(x);
        let follows = node
            .member
            .as_deref()
            .is_some_and(|m| m.leader == Some(leader));
        if follows && node.disk.term == term {
            node.disk.wiped = false;
        }
    }

    /// The leader notes members that must not count towards a majority;
    /// for each it appends an entry whose commit, without it, promotes it.
    fn track_voter(&mut self, b: BrokerId, p: BrokerId, term: u32, voter: bool, out: &mut Out) {
        if term != self.nodes[idx(b)].disk.term || !self.is_leader(b) {
            return;
        }
        let last = self.nodes[idx(b)].disk.last_index();
        let Some(m) = self.member_mut(b) else {
            return;
        };
        let Some(at) = m.promote_at.get_mut(idx(p)) else {
            return;
        };
        if voter {
            *at = 0;
            m.nonvoters &= !broker_bit(p);
            return;
        }
        m.nonvoters |= broker_bit(p);
        if *at == 0 {
            *at = last + 1;
            self.append(b, Command::Noop, out);
        }
    }

    fn on_append_result(
        &mut self,
        b: BrokerId,
        p: BrokerId,
        term: u32,
        success: bool,
        index: u64,
        out: &mut Out,
    ) {
        let my_term = self.nodes[idx(b)].disk.term;
        if term > my_term {
            self.become_follower(b, term, None, out);
            self.arm_election_long(b, out);
            return;
        }
        if term != my_term || !self.is_leader(b) {
            return;
        }
        let last = self.nodes[idx(b)].disk.last_index();
        let Some(m) = self.member_mut(b) else {
            return;
        };
        let i = idx(p);
        if !success {
            // The member lacks or disagrees with entries we thought it had
            // (it restarted, lost its disk, or diverged): repair from there.
            m.match_index[i] = m.match_index[i].min(index);
            m.next_index[i] = (index + 1).min(last + 1);
            self.send_append(b, p, out);
            return;
        }
        m.match_index[i] = m.match_index[i].max(index.min(last));
        m.next_index[i] = m.next_index[i].max(index + 1).min(last + 1);
        // A batch limit held back the rest of what the member misses.
        let more = m.next_index[i] <= last && m.match_index[i] + 1 == m.next_index[i];
        self.advance_commit(b, out);
        if more {
            self.send_append(b, p, out);
        }
    }

    // ----- clients ------------------------------------------------------------------------

    /// The leader this node would route to, if it is reachable.
    fn route(&self, x: BrokerId) -> Option<BrokerId> {
        let node = &self.nodes[idx(x)];
        node.leader
            .map(|(l, _)| l)
            .filter(|l| *l != x && node.peers[idx(*l)].alive)
    }

    fn on_client(&mut self, x: BrokerId, client: Addr, payload: Payload, out: &mut Out) {
        let listening = !self.nodes[idx(x)].app_paused;
        let Some(conn) = self
            .node(x)
            .sessions
            .admit(x, client, &payload, listening, out)
        else {
            return;
        };
        match payload {
            Payload::Publish { msg, confirm, .. } => {
                self.client_publish(x, client, conn, msg, confirm, out)
            }
            Payload::Subscribe {
                prefetch, auto_ack, ..
            } => {
                self.node(x)
                    .local_subs
                    .insert(client, (conn, prefetch, auto_ack));
                self.subscribe_from(x, client, conn, prefetch, auto_ack, out);
            }
            Payload::Ack { msg, .. } => {
                self.node(x).handed.remove(&(client, conn, msg));
                let origin = self.origin(x, client, conn);
                self.submit(x, Command::Settle { origin, msg }, out);
            }
            Payload::Close { .. } => {
                self.node(x).sessions.close(client, conn);
                self.client_gone(x, client, conn, out);
            }
            _ => {}
        }
    }

    /// A new command of the channel `conn` of `client` on node `x`.
    fn origin(&mut self, x: BrokerId, client: Addr, conn: u32) -> Origin {
        let node = self.node(x);
        node.next_corr += 1;
        // The incarnation keeps numbers unique across restarts of the node.
        let corr = (u64::from(node.incarnation) << 40) | node.next_corr;
        Origin {
            client,
            conn,
            via: x,
            corr,
        }
    }

    /// Quorum queues keep every message on disk, whatever its delivery
    /// mode. The channel waits for the enqueue to be applied (committed)
    /// before it confirms.
    fn client_publish(
        &mut self,
        x: BrokerId,
        client: Addr,
        conn: u32,
        msg: MsgId,
        confirm: bool,
        out: &mut Out,
    ) {
        if self.nodes[idx(x)].pending.len() >= MAX_PENDING {
            // Flow control, bounded: refuse rather than grow without limit.
            if confirm {
                out.send(me(x), client, Payload::Nack { conn, msg });
            }
            return;
        }
        let origin = self.origin(x, client, conn);
        let q = QMsg {
            msg,
            seq: 0,
            persistent: true,
            redelivered: false,
        };
        let command = Command::Enqueue { q, origin, confirm };
        self.submit(x, command, out);
    }

    /// The channel keeps the command until it is applied and sends it to
    /// the leader it knows; without one it waits (rabbit_fifo_client).
    fn submit(&mut self, x: BrokerId, command: Command, out: &mut Out) {
        let Some(origin) = command.origin() else {
            return;
        };
        let pending = Pending {
            sent_at: out.now,
            sent_to: None,
            command,
        };
        self.node(x).pending.insert(origin.corr, pending);
        self.flush(x, out);
    }

    /// The leader (and its term) the channel on `x` would send to now.
    fn target(&self, x: BrokerId) -> Option<(BrokerId, u32)> {
        let node = &self.nodes[idx(x)];
        if self.is_leader(x) {
            return Some((x, node.disk.term));
        }
        let l = self.route(x)?;
        node.leader.filter(|(known, _)| *known == l)
    }

    /// Sends, in their order, the pending commands the current leader has
    /// not been sent: a leader receives a channel's commands in the order
    /// they were made, so that the sequence numbers that deduplicate
    /// enqueues never skip one that is still to come.
    fn flush(&mut self, x: BrokerId, out: &mut Out) {
        let Some(target) = self.target(x) else {
            return;
        };
        let now = out.now;
        let due: Vec<Command> = self
            .node(x)
            .pending
            .values_mut()
            .filter(|p| p.sent_to != Some(target))
            .map(|p| {
                p.sent_to = Some(target);
                p.sent_at = now;
                p.command
            })
            .collect();
        for command in due {
            if target.0 == x {
                self.append(x, command, out);
            } else {
                self.send(x, target.0, PeerMsg::Submit { command }, out);
            }
        }
    }

    /// Resends the channel's unapplied commands: all of them to a new
    /// leader, or, from the oldest waiting longer than `RESEND_MS` on, the
    /// rest in order. An enqueue applied twice is recognised by its
    /// sequence number.
    fn resend_pending(&mut self, x: BrokerId, all: bool, out: &mut Out) {
        let now = out.now;
        let node = self.node(x);
        let from = node
            .pending
            .iter()
            .find(|(_, p)| all || now.ms_since(p.sent_at) >= RESEND_MS)
            .map(|(corr, _)| *corr);
        if let Some(from) = from {
            for (_, p) in node.pending.range_mut(from..) {
                p.sent_to = None;
            }
        }
        self.flush(x, out);
    }

    fn subscribe_from(
        &mut self,
        x: BrokerId,
        client: Addr,
        conn: u32,
        prefetch: u32,
        auto_ack: bool,
        out: &mut Out,
    ) {
        if self.is_leader(x) {
            let checkout = Command::Checkout {
                consumer: client,
                conn,
                prefetch,
                auto_ack,
                via: x,
            };
            self.append(x, checkout, out);
        } else if let Some(l) = self.route(x) {
            let via = PeerMsg::SubscribeVia {
                client,
                conn,
                prefetch,
                auto_ack,
            };
            self.send(x, l, via, out);
        }
    }

    /// Consumers connected here register with a new leader (a checkout it
    /// already has changes nothing).
    fn resubscribe(&mut self, x: BrokerId, out: &mut Out) {
        let subs: Vec<(Addr, (u32, u32, bool))> = self.nodes[idx(x)]
            .local_subs
            .iter()
            .map(|(c, s)| (*c, *s))
            .collect();
        for (client, (conn, prefetch, auto_ack)) in subs {
            self.subscribe_from(x, client, conn, prefetch, auto_ack, out);
        }
    }

    /// The channel closed: its unapplied commands die with it, and the
    /// queue must return what the consumer had not acknowledged.
    fn client_gone(&mut self, x: BrokerId, client: Addr, conn: u32, out: &mut Out) {
        let node = self.node(x);
        if node
            .local_subs
            .get(&client)
            .is_some_and(|(c, _, _)| *c == conn)
        {
            node.local_subs.remove(&client);
        }
        node.handed.retain(|(c, cc, _)| (*c, *cc) != (client, conn));
        node.pending.retain(|_, p| {
            p.command
                .origin()
                .is_none_or(|o| (o.client, o.conn) != (client, conn))
        });
        if !matches!(client, Addr::Consumer(_)) {
            return;
        }
        let origin = self.origin(x, client, conn);
        let down = Command::Down {
            consumer: client,
            conn: Some(conn),
            origin: Some(origin),
        };
        self.submit(x, down, out);
    }

    // ----- peers and failure detection ------------------------------------------------------

    fn on_heartbeat_timer(&mut self, x: BrokerId, out: &mut Out) {
        out.timer(me(x), self.heartbeat_ms, timer(Timer::Heartbeat));
        for p in self.all() {
            if p != x {
                self.send(x, p, PeerMsg::Heartbeat, out);
            }
        }
    }

    fn on_poll(&mut self, x: BrokerId, out: &mut Out) {
        out.timer(me(x), self.poll_ms, timer(Timer::Poll));
        let now = out.now;
        for p in self.all() {
            if p == x {
                continue;
            }
            let peer = &self.nodes[idx(x)].peers[idx(p)];
            let silent_ms = now.ms_since(peer.last_heard);
            let (alive, connected) = (peer.alive, peer.connected);
            if alive && silent_ms >= self.aten_timeout_ms {
                out.trace(Event::DeclaredDown {
                    observer: me(x),
                    target: me(p),
                    silent_ms,
                    timeout_ms: self.aten_timeout_ms,
                    by: self.detector,
                });
                self.node(x).peers[idx(p)].alive = false;
                self.peer_down(x, p, false, out);
            }
            if connected && silent_ms >= self.net_timeout_ms {
                if !self.overridden {
                    out.trace(Event::DeclaredDown {
                        observer: me(x),
                        target: me(p),
                        silent_ms,
                        timeout_ms: self.net_timeout_ms,
                        by: Detector::NetTicktime,
                    });
                }
                let peer = &mut self.node(x).peers[idx(p)];
                peer.connected = false;
                peer.declared_down = true;
                self.check_minority(x, out);
            }
        }
        self.check_resume(x, out);
        if self.is_leader(x) {
            self.leader_tick(x, out);
        } else {
            self.ask_who_leads(x, out);
            self.resend_pending(x, false, out);
        }
    }

    /// The metadata store would tell a node where the queue's leader is;
    /// here a node that knows of none asks the nodes it can reach.
    fn ask_who_leads(&mut self, x: BrokerId, out: &mut Out) {
        let node = &self.nodes[idx(x)];
        if node.leader.is_some() || node.app_paused {
            return;
        }
        for p in self.all() {
            if p != x && self.nodes[idx(x)].peers[idx(p)].alive {
                self.send(x, p, PeerMsg::WhoLeads, out);
            }
        }
    }

    /// Node `p` is down as far as `x` can tell (aten, or a clean shutdown).
    fn peer_down(&mut self, x: BrokerId, p: BrokerId, graceful: bool, out: &mut Out) {
        // The distribution link to `p` is gone with whatever was in it.
        for pending in self.node(x).pending.values_mut() {
            if pending.sent_to.is_some_and(|(to, _)| to == p) {
                pending.sent_to = None;
            }
        }
        if self.nodes[idx(x)].leader.is_some_and(|(l, _)| l == p) {
            self.node(x).leader = None;
        }
        let follows_p = self
            .member(x)
            .is_some_and(|m| m.leader == Some(p) && m.role == RaftRole::Follower);
        if follows_p {
            if let Some(m) = self.member_mut(x) {
                m.leader = None;
            }
            if graceful {
                // The leader's process exited: Ra's "really short" timeout.
                self.arm_election(x, 1, BROADCAST_TIME_MS - 1, out);
            } else {
                self.arm_election_long(x, out);
            }
        }
        self.consumers_gone_via(x, p, out);
    }

    /// Any packet from `p` (of incarnation `sender`) shows it alive; a
    /// heartbeat from a new incarnation shows that it restarted, which the
    /// Erlang monitors on its old processes report.
    fn heard_from(
        &mut self,
        x: BrokerId,
        p: BrokerId,
        sender: u32,
        heartbeat: bool,
        out: &mut Out,
    ) {
        let now = out.now;
        let peer = &mut self.node(x).peers[idx(p)];
        peer.last_heard = now;
        let was_alive = peer.alive;
        peer.alive = true;
        // A partition is a connection net_ticktime had declared down coming
        // back from the same incarnation: a node that shut down cleanly, or
        // restarted, rejoins instead.
        let partitioned = !peer.connected && peer.declared_down && sender == peer.incarnation;
        peer.connected = true;
        peer.declared_down = false;
        let restarted = heartbeat && sender != peer.incarnation && peer.incarnation != 0;
        if heartbeat {
            peer.incarnation = sender;
        }
        if restarted {
            let was_leader = self.nodes[idx(x)].leader.is_some_and(|(l, _)| l == p);
            if was_leader {
                self.node(x).leader = None;
            }
            let follows_p = self.member(x).is_some_and(|m| m.leader == Some(p));
            if follows_p && !self.is_leader(x) {
                if let Some(m) = self.member_mut(x) {
                    m.leader = None;
                }
                self.arm_election_short(x, out);
            }
            self.consumers_gone_via(x, p, out);
        }
        if partitioned && !restarted {
            self.partition_noticed(x, p, out);
        }
        if (restarted || !was_alive) && self.is_leader(x) {
            // rabbit_fifo's nodeup: the consumers on that node, whose
            // messages went back to the queue, are taken back in.
            let term = self.nodes[idx(x)].disk.term;
            self.send(x, p, PeerMsg::NewLeader { term }, out);
            self.redeliver(x, Some(p), out);
        }
    }

    /// `pause_minority`: a node that sees no majority of the cluster stops
    /// its RabbitMQ application (and so its Ra member).
    fn check_minority(&mut self, x: BrokerId, out: &mut Out) {
        if self.cfg.cluster_partition_handling != PartitionHandling::PauseMinority
            || self.nodes[idx(x)].app_paused
        {
            return;
        }
        let (reachable, cluster) = self.reachable(x);
        if reachable * 2 > cluster {
            return;
        }
        out.trace(Event::PausedMinority {
            broker: x,
            reachable,
            cluster,
        });
        self.node(x).sessions.close_all(x, out);
        self.stop_member(x);
        let node = self.node(x);
        node.app_paused = true;
        node.local_subs.clear();
    }

    fn check_resume(&mut self, x: BrokerId, out: &mut Out) {
        if !self.nodes[idx(x)].app_paused {
            return;
        }
        let (reachable, cluster) = self.reachable(x);
        if reachable * 2 > cluster {
            out.trace(Event::ResumedMajority { broker: x });
            self.node(x).app_paused = false;
            self.start_member(x, out);
        }
    }

    fn reachable(&self, x: BrokerId) -> (u32, u32) {
        let node = &self.nodes[idx(x)];
        let reachable = self
            .all()
            .filter(|p| *p == x || node.peers[idx(*p)].connected)
            .count() as u32;
        (reachable, self.nodes.len() as u32)
    }

    /// A peer declared down by net_ticktime talks again without having
    /// restarted: the partition is noticed. `autoheal` restarts the
    /// RabbitMQ application on the smaller side (ties: the side without b1);
    /// the quorum queue's members there recover their logs from disk.
    fn partition_noticed(&mut self, x: BrokerId, p: BrokerId, out: &mut Out) {
        out.trace(Event::PartitionNoticed {
            broker: x,
            other: p,
        });
        if self.cfg.cluster_partition_handling != PartitionHandling::Autoheal {
            return;
        }
        let node = &self.nodes[idx(x)];
        let side: Vec<BrokerId> = self
            .all()
            .filter(|q| *q == x || (*q != p && node.peers[idx(*q)].connected))
            .collect();
        let n = self.nodes.len();
        let loses = side.len() * 2 < n || (side.len() * 2 == n && !side.contains(&BrokerId(0)));
        if !loses {
            return;
        }
        if side.first() == Some(&x) {
            let winners: Vec<BrokerId> = self.all().filter(|q| !side.contains(q)).collect();
            out.trace(Event::PartitionResolved {
                winners,
                losers: side.clone(),
                automatic: true,
                won_by: None,
            });
        }
        self.restart_app(x, out);
    }

    fn restart_app(&mut self, x: BrokerId, out: &mut Out) {
        self.node(x).sessions.close_all(x, out);
        self.stop_member(x);
        let node = self.node(x);
        node.local_subs.clear();
        node.app_paused = false;
        for peer in &mut node.peers {
            peer.connected = true;
            peer.declared_down = false;
        }
        self.start_member(x, out);
    }

    // ----- packets --------------------------------------------------------------------------

    fn on_peer(&mut self, x: BrokerId, p: BrokerId, sender: u32, msg: PeerMsg, out: &mut Out) {
        if matches!(msg, PeerMsg::Leaving) {
            let peer = &mut self.node(x).peers[idx(p)];
            peer.alive = false;
            peer.connected = false;
            peer.declared_down = false;
            peer.last_heard = out.now;
            self.peer_down(x, p, true, out);
            self.check_minority(x, out);
            return;
        }
        self.heard_from(x, p, sender, msg.is_heartbeat(), out);
        if self.nodes[idx(x)].app_paused {
            return;
        }
        match msg {
            PeerMsg::RequestVote {
                term,
                last_index,
                last_term,
                pre_vote,
            } => self.on_request_vote(x, p, term, last_index, last_term, pre_vote, out),
            PeerMsg::Vote {
                term,
                granted,
                pre_vote,
            } => self.on_vote(x, p, term, granted, pre_vote, out),
            PeerMsg::AppendEntries {
                term,
                prev_index,
                prev_term,
                entries,
                commit,
                promote,
            } => {
                self.on_append(x, p, term, prev_index, prev_term, *entries, commit, out);
                if promote {
                    self.promoted(x, p, term);
                }
            }
            PeerMsg::AppendResult {
                term,
                success,
                index,
                voter,
            } => {
                self.track_voter(x, p, term, voter, out);
                self.on_append_result(x, p, term, success, index, out);
            }
            PeerMsg::NewLeader { term } => self.on_new_leader(x, p, term, out),
            _ => self.on_relay(x, p, msg, out),
        }
    }

    /// The leader announces itself after an election, or again to a node
    /// it lost sight of: the node's channels register with it again.
    fn on_new_leader(&mut self, x: BrokerId, p: BrokerId, term: u32, out: &mut Out) {
        if self.nodes[idx(x)].leader.is_some_and(|(_, t)| t > term) {
            return;
        }
        if let Some(m) = self.member(x)
            && (m.leader != Some(p) || self.nodes[idx(x)].disk.term != term)
        {
            // Members learn who leads from its AppendEntries, not from this.
            return;
        }
        self.node(x).leader = Some((p, term));
        self.resubscribe(x, out);
        self.resend_pending(x, true, out);
    }

    fn on_relay(&mut self, x: BrokerId, p: BrokerId, msg: PeerMsg, out: &mut Out) {
        match msg {
            // A member that no longer leads drops it: the channel resends
            // to the leader it learns of.
            PeerMsg::Submit { command } if self.is_leader(x) => self.append(x, command, out),
            PeerMsg::ConfirmVia {
                client,
                conn,
                msg,
                corr,
            } => self.settled(x, corr, client, conn, Some(msg), out),
            PeerMsg::Applied { corr } => {
                self.node(x).pending.remove(&corr);
            }
            PeerMsg::SubscribeVia {
                client,
                conn,
                prefetch,
                auto_ack,
            } => {
                let checkout = Command::Checkout {
                    consumer: client,
                    conn,
                    prefetch,
                    auto_ack,
                    via: p,
                };
                self.append(x, checkout, out);
            }
            PeerMsg::DeliverVia {
                client,
                conn,
                msg,
                redelivered,
                resend,
                auto_ack,
            } => {
                let flags = (redelivered, resend, auto_ack);
                self.hand_over(x, client, conn, msg, flags, out);
                if !auto_ack {
                    self.send(x, p, PeerMsg::Handed { client, conn, msg }, out);
                }
            }
            PeerMsg::WhoLeads if self.is_leader(x) => {
                let term = self.nodes[idx(x)].disk.term;
                self.send(x, p, PeerMsg::NewLeader { term }, out);
                self.redeliver(x, Some(p), out);
            }
            PeerMsg::Handed { client, conn, msg } => {
                if let Some(m) = self.member_mut(x) {
                    m.in_flight.remove(&(client, conn, msg));
                }
            }
            _ => {}
        }
    }

    /// Running members that act as leader (several while a deposed one has
    /// not heard of the new term yet).
    fn leader_nodes(&self) -> Vec<BrokerId> {
        self.all()
            .filter(|b| {
                let node = &self.nodes[idx(*b)];
                node.running && !node.app_paused && self.is_leader(*b)
            })
            .collect()
    }

    /// Whether the leader on `b` reaches a majority of members, as its
    /// failure detector sees them.
    fn reaches_majority(&self, b: BrokerId) -> bool {
        let peers = &self.nodes[idx(b)].peers;
        let reachable = self
            .members
            .iter()
            .filter(|p| **p == b || peers[idx(**p)].alive)
            .fold(0u16, |mask, p| mask | broker_bit(*p));
        self.majority(reachable)
    }

    /// The committed prefix as the most advanced member knows it: (index, term at it).
    fn committed_reference(&self) -> Option<(u64, u32)> {
        self.members
            .iter()
            .filter_map(|b| {
                let node = &self.nodes[idx(*b)];
                let m = node.member.as_deref()?;
                Some((m.commit, node.disk.term_at(m.commit)))
            })
            .max()
    }
}

impl System for Quorum {
    fn start(&mut self, out: &mut Out) {
        self.start_all(out);
    }

    fn boot(&mut self, b: BrokerId, out: &mut Out) {
        let node = self.node(b);
        node.running = true;
        node.app_paused = false;
        node.incarnation += 1;
        node.sessions.forget_all();
        let now = out.now;
        for peer in &mut node.peers {
            // Give every peer one detection period before judging it.
            *peer = Peer {
                last_heard: now,
                alive: true,
                connected: true,
                declared_down: false,
                incarnation: peer.incarnation,
            };
        }
        out.timer(me(b), self.heartbeat_ms, timer(Timer::Heartbeat));
        out.timer(me(b), self.poll_ms, timer(Timer::Poll));
        self.start_member(b, out);
    }

    fn crash(&mut self, b: BrokerId, _out: &mut Out) {
        self.stop_member(b);
        let node = self.node(b);
        node.running = false;
        node.app_paused = false;
        node.sessions.forget_all();
        node.local_subs.clear();
    }

    fn stop(&mut self, b: BrokerId, out: &mut Out) {
        for p in self.all() {
            if p != b {
                self.send(b, p, PeerMsg::Leaving, out);
            }
        }
        self.node(b).sessions.close_all(b, out);
        self.crash(b, out);
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
                if let Some(gone) = self.node(b).sessions.check(b, client, conn, detector, out) {
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
        let Some(m) = node.member.as_deref() else {
            return false;
        };
        let last = node.disk.last_index();
        m.machine.queue.is_empty()
            && m.commit == last
            && self.members.iter().all(|b| {
                let peer = &self.nodes[idx(*b)];
                !peer.running || peer.disk.applied == last
            })
    }

    fn final_read(&self) -> Vec<super::Retained> {
        // The leader's state machine holds what a consumer can still get
        // (settled messages are gone from it); without a leader, what any
        // running member has applied.
        let leaders = self.leader_nodes();
        let readers: Vec<BrokerId> = if leaders.is_empty() {
            self.members.clone()
        } else {
            leaders
        };
        super::Retained::from_queue(
            readers
                .iter()
                .filter_map(|b| self.nodes[idx(*b)].member.as_deref())
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
                if !node.running {
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
                if node.app_paused {
                    return Some(base);
                }
                let m = node.member.as_deref()?;
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
            if !node.running {
                continue;
            }
            for p in self.all() {
                let peer = &node.peers[idx(p)];
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
