//! RabbitMQ classic mirrored queues (the "HA" policy), as RabbitMQ 3.x runs
//! them. One queue, `q`, declared on `b1`: its master lives there and its
//! mirrors on the nodes the policy names (`ha-mode` `all`, `exactly` with
//! `ha-params` copies, or `nodes` with a list); without `ha-mode` it is not
//! mirrored at all.
//!
//! - Publishing: the node a client is connected to routes the message to the
//!   master; the master replicates it to every mirror and sends the publisher
//!   confirm only once every mirror has it. Consumers are served by the
//!   master (through the node their connection is on).
//! - A mirror that joins later starts empty and is *unsynchronised* until the
//!   messages it never saw have been consumed, unless `ha-sync-mode:
//!   automatic` copies them over when it joins. A node that restarts throws
//!   its old contents away and joins as a new, empty mirror.
//! - Nodes watch each other through Erlang distribution ticks: a node silent
//!   for `net_ticktime` (60 s; ticks every quarter of it) is declared down.
//!   When the master is declared down the oldest surviving mirror is
//!   promoted, even if unsynchronised under `ha-promote-on-failure: always`
//!   (the default: what only the old master held is lost), only if
//!   synchronised under `when-synced` (otherwise the queue waits for the old
//!   master to come back). A graceful stop follows `ha-promote-on-shutdown`
//!   (default `when-synced`). The new master requeues every message that was
//!   delivered but not yet acknowledged, marked `redelivered`.
//! - Partitions (`cluster_partition_handling`): under `ignore` each side
//!   promotes its own master and accepts writes, and stays that way after the
//!   network heals until an operator restarts the losing side (at the drain),
//!   whose messages are discarded; `pause_minority` pauses the nodes that see
//!   no majority; `autoheal` restarts the losing side (fewer clients, then
//!   fewer nodes) as soon as the partition is noticed.

use std::collections::BTreeMap;

use super::queue::{Delivery, QMsg, Queue};
use super::sessions::Sessions;
use super::{Publish, SysTimer, System};
use crate::ids::{Addr, BrokerId, Epoch, MsgId};
use crate::ledger::broker_bit;
use crate::out::{Out, TimerKind};
use crate::scenario::config::Config;
use crate::scenario::settings::{
    HaMode, MirroredSettings, PartitionHandling, PromoteWhen, SyncMode,
};
use crate::time::SimTime;
use crate::trace::{Detector, DropWhy, Event};
use crate::view::{ReplicaView, Role as ViewRole};
use crate::wire::Payload;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// Send ticks to every peer and check who has gone silent.
    Tick,
    /// A booting node has waited for its peers' answers.
    BootWait,
}

/// A mirror as the master announces it to the others.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member {
    pub broker: BrokerId,
    pub joined_at: SimTime,
    pub synced: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeerMsg {
    /// Erlang distribution tick, carrying what autoheal and pause_minority
    /// need to know of the sender.
    Tick {
        incarnation: u32,
        view: u16,
        clients: u32,
        app_paused: bool,
    },
    Hello {
        incarnation: u32,
    },
    HelloAck {
        incarnation: u32,
        master: Option<(BrokerId, Epoch)>,
    },
    /// The sender declared the receiver (in that incarnation) down and
    /// closed the connection.
    Disconnect {
        incarnation: u32,
    },
    /// Graceful shutdown.
    Leaving,
    BecomeMirror {
        epoch: Epoch,
        sync: Box<Vec<QMsg>>,
    },
    Replicate {
        epoch: Epoch,
        q: QMsg,
    },
    ReplicateAck {
        epoch: Epoch,
        seq: u64,
    },
    MarkDelivered {
        epoch: Epoch,
        msg: MsgId,
    },
    Remove {
        epoch: Epoch,
        msg: MsgId,
    },
    Members {
        epoch: Epoch,
        members: Box<Vec<Member>>,
    },
    JoinRequest,
    NewMaster {
        epoch: Epoch,
    },
    Forward {
        client: Addr,
        conn: u32,
        msg: MsgId,
        persistent: bool,
        confirm: bool,
    },
    ConfirmVia {
        client: Addr,
        conn: u32,
        msg: MsgId,
    },
    NackVia {
        client: Addr,
        conn: u32,
        msg: MsgId,
    },
    SubscribeVia {
        client: Addr,
        conn: u32,
        prefetch: u32,
        auto_ack: bool,
    },
    DeliverVia {
        client: Addr,
        conn: u32,
        msg: MsgId,
        redelivered: bool,
    },
    AckVia {
        client: Addr,
        conn: u32,
        msg: MsgId,
    },
    /// The relay lost the client's connection `conn`.
    ClientGone {
        client: Addr,
        conn: u32,
    },
}

impl PeerMsg {
    pub fn message(&self) -> Option<MsgId> {
        match self {
            PeerMsg::Replicate { q, .. } => Some(q.msg),
            PeerMsg::MarkDelivered { msg, .. }
            | PeerMsg::Remove { msg, .. }
            | PeerMsg::Forward { msg, .. }
            | PeerMsg::ConfirmVia { msg, .. }
            | PeerMsg::NackVia { msg, .. }
            | PeerMsg::DeliverVia { msg, .. }
            | PeerMsg::AckVia { msg, .. } => Some(*msg),
            _ => None,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            PeerMsg::Tick { .. } => "tick",
            PeerMsg::Hello { .. } | PeerMsg::HelloAck { .. } => "hello",
            PeerMsg::Disconnect { .. } | PeerMsg::Leaving => "disconnect",
            PeerMsg::BecomeMirror { .. }
            | PeerMsg::Members { .. }
            | PeerMsg::JoinRequest
            | PeerMsg::NewMaster { .. } => "membership",
            PeerMsg::Replicate { .. } => "replicate",
            PeerMsg::ReplicateAck { .. } => "replicate-ack",
            PeerMsg::MarkDelivered { .. } | PeerMsg::Remove { .. } => "mirror-update",
            PeerMsg::Forward { .. } => "publish",
            PeerMsg::ConfirmVia { .. } => "confirm",
            PeerMsg::NackVia { .. } => "nack",
            PeerMsg::SubscribeVia { .. } => "subscribe",
            PeerMsg::DeliverVia { .. } => "deliver",
            PeerMsg::AckVia { .. } => "ack",
            PeerMsg::ClientGone { .. } => "close",
        }
    }
}

#[derive(Clone, Debug, Default)]
struct Peer {
    up: bool,
    /// This node declared the peer down (so hearing it again, with the same
    /// incarnation, means a partition rather than a restart).
    declared_down: bool,
    /// Under `ignore`: back in contact but still on the other side.
    partitioned: bool,
    last_heard: SimTime,
    incarnation: u32,
    view: u16,
    clients: u32,
    app_paused: bool,
}

#[derive(Clone, Debug)]
struct MirrorInfo {
    joined_at: SimTime,
    first_seq: u64,
    /// Messages older than the mirror still in the queue.
    older_left: u32,
    synced: bool,
}

#[derive(Clone, Debug)]
struct Pending {
    msg: MsgId,
    origin: Origin,
    waiting: u16,
}

/// Who published a message, and through which node the answer goes back.
#[derive(Clone, Copy, Debug)]
struct Origin {
    client: Addr,
    conn: u32,
    via: BrokerId,
}

#[derive(Clone, Debug)]
struct MasterState {
    epoch: Epoch,
    queue: Queue,
    next_seq: u64,
    mirrors: BTreeMap<BrokerId, MirrorInfo>,
    pending: BTreeMap<u64, Pending>,
}

#[derive(Clone, Debug)]
struct MirrorState {
    epoch: Epoch,
    master: BrokerId,
    msgs: BTreeMap<MsgId, (QMsg, bool)>,
    synced: bool,
    members: Vec<Member>,
}

#[derive(Clone, Debug, Default)]
enum QueueRole {
    #[default]
    None,
    Master(Box<MasterState>),
    Mirror(Box<MirrorState>),
}

#[derive(Clone, Debug, Default)]
struct Disk {
    messages: Vec<QMsg>,
    epoch: Epoch,
    was_master: bool,
}

#[derive(Clone, Debug, Default)]
struct Node {
    running: bool,
    /// `pause_minority` stopped the RabbitMQ application; the node still ticks.
    app_paused: bool,
    booting: bool,
    incarnation: u32,
    sessions: Sessions,
    peers: Vec<Peer>,
    role: QueueRole,
    master: Option<(BrokerId, Epoch)>,
    max_epoch: Epoch,
    /// Consumers whose connection is on this node: client → (conn, prefetch, auto_ack).
    local_subs: BTreeMap<Addr, (u32, u32, bool)>,
    disk: Disk,
}

#[derive(Clone, Debug)]
pub struct Mirrored {
    cfg: MirroredSettings,
    nodes: Vec<Node>,
    tick_interval_ms: u64,
    tick_timeout_ms: u64,
    detector: Detector,
    client_detector: Detector,
    boot_wait_ms: u64,
    scratch: Vec<Delivery>,
}

fn me(b: BrokerId) -> Addr {
    Addr::Broker(b)
}

fn tick_timer() -> TimerKind {
    TimerKind::System(SysTimer::Mirrored(Timer::Tick))
}

impl Mirrored {
    pub fn new(cfg: MirroredSettings, config: &Config) -> Mirrored {
        let (tick_interval_ms, tick_timeout_ms, detector) = match config.heartbeat {
            Some(h) => (h.interval_ms, h.timeout_ms, Detector::Heartbeat),
            None => (
                (cfg.net_ticktime_s * 1_000 / 4).max(1),
                cfg.net_ticktime_s * 1_000,
                Detector::NetTicktime,
            ),
        };
        let n = usize::from(config.broker_count);
        Mirrored {
            cfg,
            nodes: vec![
                Node {
                    peers: vec![Peer::default(); n],
                    ..Node::default()
                };
                n
            ],
            tick_interval_ms,
            tick_timeout_ms,
            detector,
            client_detector: if config.heartbeat.is_some() {
                Detector::Heartbeat
            } else {
                Detector::AmqpHeartbeat
            },
            boot_wait_ms: 1_000 + 2 * config.latency_max_us / 1_000,
            scratch: Vec::new(),
        }
    }

    fn n(&self) -> usize {
        self.nodes.len()
    }

    fn node(&mut self, b: BrokerId) -> &mut Node {
        &mut self.nodes[usize::from(b.0)]
    }

    fn all(&self) -> impl Iterator<Item = BrokerId> + use<> {
        (0..self.nodes.len() as u16).map(BrokerId)
    }

    /// Whether the policy puts a copy of the queue on `b`, given how many
    /// copies exist already.
    fn policy_wants(&self, b: BrokerId, copies: u32) -> bool {
        match &self.cfg.ha_mode {
            None => false,
            Some(HaMode::All) => true,
            Some(HaMode::Exactly(n)) => copies < *n,
            Some(HaMode::Nodes(list)) => list.contains(&b),
        }
    }

    /// Peers `x` can talk to about the queue: up and on its side.
    fn in_cluster(&self, x: BrokerId, p: BrokerId) -> bool {
        let peer = &self.nodes[usize::from(x.0)].peers[usize::from(p.0)];
        x == p || (peer.up && !peer.partitioned)
    }

    fn view_mask(&self, x: BrokerId) -> u16 {
        self.all()
            .filter(|p| self.in_cluster(x, *p))
            .fold(0, |m, p| m | broker_bit(p))
    }

    fn send(&self, from: BrokerId, to: BrokerId, msg: PeerMsg, out: &mut Out) {
        out.send(me(from), me(to), Payload::Mirrored(msg));
    }

    fn epoch_of(&self, b: BrokerId) -> Option<Epoch> {
        match &self.nodes[usize::from(b.0)].role {
            QueueRole::Master(m) => Some(m.epoch),
            _ => None,
        }
    }

    // ----- start, boot, crash, stop -------------------------------------------------

    fn start_all(&mut self, out: &mut Out) {
        let n = self.n();
        let master = BrokerId(0);
        let mut mirrors = Vec::new();
        for i in 1..n {
            let b = BrokerId(i as u16);
            if self.policy_wants(b, 1 + mirrors.len() as u32) {
                mirrors.push(b);
            }
        }
        for i in 0..n {
            let node = &mut self.nodes[i];
            node.running = true;
            node.incarnation = 1;
            for (j, peer) in node.peers.iter_mut().enumerate() {
                *peer = Peer {
                    up: j != i,
                    incarnation: 1,
                    ..Peer::default()
                };
            }
            node.master = Some((master, Epoch(1)));
            node.max_epoch = Epoch(1);
        }
        let members: Vec<Member> = mirrors
            .iter()
            .map(|b| Member {
                broker: *b,
                joined_at: SimTime::ZERO,
                synced: true,
            })
            .collect();
        for b in &mirrors {
            self.node(*b).role = QueueRole::Mirror(Box::new(MirrorState {
                epoch: Epoch(1),
                master,
                msgs: BTreeMap::new(),
                synced: true,
                members: members.clone(),
            }));
        }
        self.node(master).role = QueueRole::Master(Box::new(MasterState {
            epoch: Epoch(1),
            queue: Queue::default(),
            next_seq: 1,
            mirrors: mirrors
                .iter()
                .map(|b| {
                    (
                        *b,
                        MirrorInfo {
                            joined_at: SimTime::ZERO,
                            first_seq: 1,
                            older_left: 0,
                            synced: true,
                        },
                    )
                })
                .collect(),
            pending: BTreeMap::new(),
        }));
        out.trace(Event::QueueCreated {
            master,
            mirrors: mirrors.clone(),
            mirrored: self.cfg.ha_mode.is_some(),
        });
        out.leader(master, Epoch(1));
        for b in self.all() {
            out.timer(me(b), self.tick_interval_ms, tick_timer());
        }
    }

    /// The node's queue contents go: to disk (what is persistent) or nowhere.
    fn shut_role(&mut self, b: BrokerId, why_transient: DropWhy, out: &mut Out) {
        let node = self.node(b);
        let role = std::mem::take(&mut node.role);
        let (messages, epoch, was_master): (Vec<QMsg>, Epoch, bool) = match role {
            QueueRole::None => return,
            QueueRole::Master(m) => (m.queue.messages().copied().collect(), m.epoch, true),
            QueueRole::Mirror(m) => (m.msgs.values().map(|(q, _)| *q).collect(), m.epoch, false),
        };
        let mut kept = Vec::new();
        for q in messages {
            if q.persistent {
                kept.push(q);
            } else {
                out.copy_dropped(q.msg, broker_bit(b), why_transient);
            }
        }
        kept.sort_by_key(|q| q.seq);
        node.disk = Disk {
            messages: kept,
            epoch,
            was_master,
        };
    }

    /// Throws away everything the node holds, memory and disk.
    fn discard_all(&mut self, b: BrokerId, why: DropWhy, out: &mut Out) {
        self.shut_role(b, why, out);
        let disk = std::mem::take(&mut self.node(b).disk);
        if !disk.messages.is_empty() {
            out.trace(Event::Discarded {
                broker: b,
                messages: disk.messages.len() as u32,
                why,
            });
        }
        for q in disk.messages {
            out.copy_dropped(q.msg, broker_bit(b), why);
        }
    }

    /// The RabbitMQ application starts on `b` (process boot or app restart).
    fn boot_app(&mut self, b: BrokerId, out: &mut Out) {
        let n = self.n();
        let node = self.node(b);
        node.incarnation += 1;
        node.booting = true;
        node.app_paused = false;
        node.master = None;
        node.local_subs.clear();
        let incarnation = node.incarnation;
        for j in 0..n {
            if j != usize::from(b.0) {
                self.send(b, BrokerId(j as u16), PeerMsg::Hello { incarnation }, out);
            }
        }
        out.timer(
            me(b),
            self.boot_wait_ms,
            TimerKind::System(SysTimer::Mirrored(Timer::BootWait)),
        );
    }

    fn boot_decide(&mut self, b: BrokerId, out: &mut Out) {
        if !self.nodes[usize::from(b.0)].booting {
            return;
        }
        let known_master = self.nodes[usize::from(b.0)]
            .master
            .filter(|(m, _)| *m != b)
            .filter(|(m, _)| self.in_cluster(b, *m));
        if let Some((m, _)) = known_master {
            self.node(b).booting = false;
            self.send(b, m, PeerMsg::JoinRequest, out);
            return;
        }
        let disk = &self.nodes[usize::from(b.0)].disk;
        let home_of_unmirrored = self.cfg.ha_mode.is_none() && b == BrokerId(0);
        if disk.was_master || home_of_unmirrored {
            self.recover_master(b, out);
            return;
        }
        // No master anywhere we can see: ask again later.
        let incarnation = self.nodes[usize::from(b.0)].incarnation;
        for p in self.all() {
            if p != b {
                self.send(b, p, PeerMsg::Hello { incarnation }, out);
            }
        }
        out.timer(
            me(b),
            self.boot_wait_ms,
            TimerKind::System(SysTimer::Mirrored(Timer::BootWait)),
        );
    }

    /// The last master comes back and recovers the queue from its disk.
    fn recover_master(&mut self, b: BrokerId, out: &mut Out) {
        let node = self.node(b);
        node.booting = false;
        let disk = std::mem::take(&mut node.disk);
        let epoch = if node.max_epoch > disk.epoch {
            Epoch(node.max_epoch.0 + 1)
        } else {
            disk.epoch.max(Epoch(1))
        };
        node.max_epoch = epoch;
        node.master = Some((b, epoch));
        let next_seq = disk.messages.iter().map(|q| q.seq + 1).max().unwrap_or(1);
        let count = disk.messages.len() as u32;
        node.role = QueueRole::Master(Box::new(MasterState {
            epoch,
            queue: Queue::from_messages(disk.messages),
            next_seq,
            mirrors: BTreeMap::new(),
            pending: BTreeMap::new(),
        }));
        out.trace(Event::MasterRecovered {
            broker: b,
            epoch,
            messages: count,
        });
        out.leader(b, epoch);
        self.announce_master(b, out);
    }

    /// A new master tells its cluster, takes its local consumers, and adds
    /// the mirrors the policy asks for.
    fn announce_master(&mut self, b: BrokerId, out: &mut Out) {
        let Some(epoch) = self.epoch_of(b) else {
            return;
        };
        for p in self.all() {
            if p != b && self.in_cluster(b, p) {
                self.send(b, p, PeerMsg::NewMaster { epoch }, out);
            }
        }
        let subs: Vec<_> = self.nodes[usize::from(b.0)]
            .local_subs
            .iter()
            .map(|(c, s)| (*c, *s))
            .collect();
        if let QueueRole::Master(m) = &mut self.node(b).role {
            for (client, (conn, prefetch, auto_ack)) in subs {
                m.queue.subscribe(client, conn, prefetch, auto_ack, b);
            }
        }
        for p in self.all() {
            if p != b && self.in_cluster(b, p) {
                self.maybe_add_mirror(b, p, out);
            }
        }
        self.broadcast_members(b, out);
        self.dispatch(b, out);
    }

    fn copies(&self, master: BrokerId) -> u32 {
        match &self.nodes[usize::from(master.0)].role {
            QueueRole::Master(m) => 1 + m.mirrors.len() as u32,
            _ => 0,
        }
    }

    fn maybe_add_mirror(&mut self, master: BrokerId, p: BrokerId, out: &mut Out) {
        let copies = self.copies(master);
        let already = matches!(&self.nodes[usize::from(master.0)].role, QueueRole::Master(m) if m.mirrors.contains_key(&p));
        let peer = &self.nodes[usize::from(master.0)].peers[usize::from(p.0)];
        if already || !self.policy_wants(p, copies) || !peer.up || peer.app_paused {
            return;
        }
        let automatic = self.cfg.ha_sync_mode == SyncMode::Automatic;
        let now = out.now;
        let QueueRole::Master(m) = &mut self.node(master).role else {
            return;
        };
        let missing = m.queue.len();
        let sync: Vec<QMsg> = if automatic {
            m.queue.messages().copied().collect()
        } else {
            Vec::new()
        };
        let synced = automatic || missing == 0;
        m.mirrors.insert(
            p,
            MirrorInfo {
                joined_at: now,
                first_seq: m.next_seq,
                older_left: if synced { 0 } else { missing },
                synced,
            },
        );
        let epoch = m.epoch;
        out.trace(Event::MirrorJoined {
            broker: p,
            synced,
            missing: if automatic { 0 } else { missing },
        });
        self.send(
            master,
            p,
            PeerMsg::BecomeMirror {
                epoch,
                sync: Box::new(sync),
            },
            out,
        );
        self.broadcast_members(master, out);
    }

    fn broadcast_members(&self, master: BrokerId, out: &mut Out) {
        let QueueRole::Master(m) = &self.nodes[usize::from(master.0)].role else {
            return;
        };
        let members: Vec<Member> = m
            .mirrors
            .iter()
            .map(|(b, info)| Member {
                broker: *b,
                joined_at: info.joined_at,
                synced: info.synced,
            })
            .collect();
        for b in m.mirrors.keys() {
            self.send(
                master,
                *b,
                PeerMsg::Members {
                    epoch: m.epoch,
                    members: Box::new(members.clone()),
                },
                out,
            );
        }
    }

    // ----- the master's work ---------------------------------------------------------

    fn dispatch(&mut self, b: BrokerId, out: &mut Out) {
        let mut deliveries = std::mem::take(&mut self.scratch);
        let QueueRole::Master(m) = &mut self.node(b).role else {
            self.scratch = deliveries;
            return;
        };
        m.queue.dispatch(&mut deliveries);
        let epoch = m.epoch;
        let mirrors: Vec<BrokerId> = m.mirrors.keys().copied().collect();
        for d in deliveries.drain(..) {
            let msg = d.qmsg.msg;
            if d.via == b {
                out.send(
                    me(b),
                    d.consumer,
                    Payload::Deliver {
                        conn: d.conn,
                        msg,
                        redelivered: d.qmsg.redelivered,
                    },
                );
            } else {
                let relay = PeerMsg::DeliverVia {
                    client: d.consumer,
                    conn: d.conn,
                    msg,
                    redelivered: d.qmsg.redelivered,
                };
                self.send(b, d.via, relay, out);
            }
            if d.auto_ack {
                self.removed(b, d.qmsg, out);
            } else {
                for p in &mirrors {
                    self.send(b, *p, PeerMsg::MarkDelivered { epoch, msg }, out);
                }
            }
        }
        self.scratch = deliveries;
    }

    /// A message left the queue for good (acknowledged, or auto-acked).
    fn removed(&mut self, b: BrokerId, q: QMsg, out: &mut Out) {
        out.copy_consumed(q.msg, broker_bit(b));
        let QueueRole::Master(m) = &mut self.node(b).role else {
            return;
        };
        let epoch = m.epoch;
        let mut newly_synced = Vec::new();
        for (p, info) in m.mirrors.iter_mut() {
            if !info.synced && q.seq < info.first_seq {
                info.older_left = info.older_left.saturating_sub(1);
                if info.older_left == 0 {
                    info.synced = true;
                    newly_synced.push(*p);
                }
            }
        }
        let mirrors: Vec<BrokerId> = m.mirrors.keys().copied().collect();
        for p in mirrors {
            self.send(b, p, PeerMsg::Remove { epoch, msg: q.msg }, out);
        }
        for p in &newly_synced {
            out.trace(Event::MirrorSynced { broker: *p });
        }
        if !newly_synced.is_empty() {
            self.broadcast_members(b, out);
        }
    }

    fn master_publish(&mut self, b: BrokerId, origin: Origin, publish: Publish, out: &mut Out) {
        let QueueRole::Master(m) = &mut self.node(b).role else {
            self.reply(b, origin, publish.msg, false, out);
            return;
        };
        let seq = m.next_seq;
        m.next_seq += 1;
        let q = QMsg {
            msg: publish.msg,
            seq,
            persistent: publish.persistent,
            redelivered: false,
        };
        m.queue.push(q);
        let epoch = m.epoch;
        let waiting = m.mirrors.keys().fold(0u16, |mask, p| mask | broker_bit(*p));
        let mirrors: Vec<BrokerId> = m.mirrors.keys().copied().collect();
        if publish.confirm && waiting != 0 {
            let pending = Pending {
                msg: publish.msg,
                origin,
                waiting,
            };
            m.pending.insert(seq, pending);
        }
        out.copy_added(publish.msg, broker_bit(b));
        for p in mirrors {
            self.send(b, p, PeerMsg::Replicate { epoch, q }, out);
        }
        if publish.confirm && waiting == 0 {
            self.reply(b, origin, publish.msg, true, out);
        }
        self.dispatch(b, out);
    }

    /// A confirm or nack, straight to the client or through its node.
    fn reply(&self, b: BrokerId, origin: Origin, msg: MsgId, ok: bool, out: &mut Out) {
        let Origin { client, conn, via } = origin;
        if via == b {
            let payload = if ok {
                Payload::Confirm { conn, msg }
            } else {
                Payload::Nack { conn, msg }
            };
            out.send(me(b), client, payload);
        } else {
            let relay = if ok {
                PeerMsg::ConfirmVia { client, conn, msg }
            } else {
                PeerMsg::NackVia { client, conn, msg }
            };
            self.send(b, via, relay, out);
        }
    }

    /// Confirms pending publishes no longer waiting for anyone.
    fn release_pending(&mut self, b: BrokerId, out: &mut Out) {
        let QueueRole::Master(m) = &mut self.node(b).role else {
            return;
        };
        let done: Vec<u64> = m
            .pending
            .iter()
            .filter(|(_, p)| p.waiting == 0)
            .map(|(s, _)| *s)
            .collect();
        let released: Vec<Pending> = done.iter().filter_map(|s| m.pending.remove(s)).collect();
        for p in released {
            self.reply(b, p.origin, p.msg, true, out);
        }
    }

    fn master_ack(&mut self, b: BrokerId, client: Addr, conn: u32, msg: MsgId, out: &mut Out) {
        let QueueRole::Master(m) = &mut self.node(b).role else {
            return;
        };
        if let Some(q) = m.queue.ack(client, conn, msg) {
            self.removed(b, q, out);
            self.dispatch(b, out);
        }
    }

    /// The consumer's connection ended (`conn`, or whichever it had when
    /// `None`): its unacknowledged messages go back to the queue.
    fn client_gone_at_master(
        &mut self,
        b: BrokerId,
        client: Addr,
        conn: Option<u32>,
        out: &mut Out,
    ) {
        if let QueueRole::Master(m) = &mut self.node(b).role {
            m.queue.unsubscribe(client, conn);
        }
        self.dispatch(b, out);
    }

    fn drop_mirror(&mut self, master: BrokerId, p: BrokerId, out: &mut Out) {
        let QueueRole::Master(m) = &mut self.node(master).role else {
            return;
        };
        if m.mirrors.remove(&p).is_none() {
            return;
        }
        for pending in m.pending.values_mut() {
            pending.waiting &= !broker_bit(p);
        }
        out.trace(Event::MirrorDropped { master, mirror: p });
        self.release_pending(master, out);
        self.broadcast_members(master, out);
        // `exactly` keeps its number of copies: put one on another node.
        if matches!(self.cfg.ha_mode, Some(HaMode::Exactly(_))) {
            for q in self.all() {
                if q != master && q != p && self.in_cluster(master, q) {
                    self.maybe_add_mirror(master, q, out);
                }
            }
        }
    }

    // ----- membership ------------------------------------------------------------------

    fn node_down(&mut self, x: BrokerId, p: BrokerId, graceful: bool, out: &mut Out) {
        {
            let peer = &mut self.node(x).peers[usize::from(p.0)];
            if !peer.up {
                return;
            }
            peer.up = false;
            peer.declared_down = !graceful;
        }
        if !graceful {
            let incarnation = self.nodes[usize::from(x.0)].peers[usize::from(p.0)].incarnation;
            self.send(x, p, PeerMsg::Disconnect { incarnation }, out);
        }
        // pause_minority acts on the same nodedown, before the queue reacts:
        // a node that finds itself in a minority stops without confirming
        // anything more.
        self.check_minority(x, out);
        let node = &self.nodes[usize::from(x.0)];
        if node.app_paused {
            return;
        }
        let is_master = matches!(node.role, QueueRole::Master(_));
        if is_master {
            self.drop_mirror(x, p, out);
            let via_p: Vec<Addr> = match &self.nodes[usize::from(x.0)].role {
                QueueRole::Master(m) => m.queue.consumers_via(p),
                _ => Vec::new(),
            };
            for client in via_p {
                self.client_gone_at_master(x, client, None, out);
            }
        }
        if let QueueRole::Mirror(mirror) = &mut self.node(x).role {
            mirror.members.retain(|m| m.broker != p);
        }
        if self.nodes[usize::from(x.0)]
            .master
            .is_some_and(|(m, _)| m == p)
        {
            self.node(x).master = None;
            self.elect(x, graceful, out);
        }
    }

    /// The master is gone: the oldest surviving (synchronised, if the policy
    /// says so) mirror takes over.
    fn elect(&mut self, x: BrokerId, graceful: bool, out: &mut Out) {
        let QueueRole::Mirror(mirror) = &self.nodes[usize::from(x.0)].role else {
            return;
        };
        let rule = if graceful {
            self.cfg.ha_promote_on_shutdown
        } else {
            self.cfg.ha_promote_on_failure
        };
        let alive: Vec<Member> = mirror
            .members
            .iter()
            .filter(|m| self.in_cluster(x, m.broker))
            .copied()
            .collect();
        let oldest_alive = alive
            .iter()
            .min_by_key(|m| (m.joined_at, m.broker))
            .map(|m| m.broker);
        let chosen = alive
            .iter()
            .filter(|m| rule == PromoteWhen::Always || m.synced)
            .min_by_key(|m| (m.joined_at, m.broker))
            .map(|m| m.broker);
        match chosen {
            Some(c) if c == x => self.promote(x, out),
            Some(_) => {}
            None if oldest_alive == Some(x) || alive.is_empty() => {
                out.trace(Event::PromotionRefused {
                    broker: x,
                    on_shutdown: graceful,
                });
            }
            None => {}
        }
    }

    fn promote(&mut self, x: BrokerId, out: &mut Out) {
        let QueueRole::Mirror(mirror) = std::mem::take(&mut self.node(x).role) else {
            return;
        };
        let old_master = mirror.master;
        let lost = self.held_only_by(old_master, &mirror.msgs);
        let epoch = Epoch(self.nodes[usize::from(x.0)].max_epoch.0.max(mirror.epoch.0) + 1);
        let mut messages: Vec<QMsg> = mirror
            .msgs
            .values()
            .map(|(q, delivered)| QMsg {
                redelivered: q.redelivered || *delivered,
                ..*q
            })
            .collect();
        messages.sort_by_key(|q| q.seq);
        let requeued = mirror
            .msgs
            .values()
            .filter(|(_, delivered)| *delivered)
            .count() as u32;
        let next_seq = messages.iter().map(|q| q.seq + 1).max().unwrap_or(1);
        let mirrors: BTreeMap<BrokerId, MirrorInfo> = mirror
            .members
            .iter()
            .filter(|m| m.broker != x && self.in_cluster(x, m.broker))
            .map(|m| {
                let info = MirrorInfo {
                    joined_at: m.joined_at,
                    first_seq: 0,
                    older_left: 0,
                    synced: m.synced,
                };
                (m.broker, info)
            })
            .collect();
        let node = self.node(x);
        node.max_epoch = epoch;
        node.master = Some((x, epoch));
        node.role = QueueRole::Master(Box::new(MasterState {
            epoch,
            queue: Queue::from_messages(messages),
            next_seq,
            mirrors,
            pending: BTreeMap::new(),
        }));
        out.trace(Event::Promoted {
            broker: x,
            epoch,
            synced: mirror.synced,
            lost_with_old_master: lost,
        });
        out.leader(x, epoch);
        if requeued > 0 {
            out.trace(Event::Requeued {
                broker: x,
                messages: requeued,
            });
        }
        self.announce_master(x, out);
    }

    /// For the trace only (it decides nothing): how many messages the old
    /// master holds, in memory or on disk, that the new master lacks.
    fn held_only_by(&self, old: BrokerId, have: &BTreeMap<MsgId, (QMsg, bool)>) -> u32 {
        let node = &self.nodes[usize::from(old.0)];
        let count = |it: &mut dyn Iterator<Item = &QMsg>| {
            it.filter(|q| !have.contains_key(&q.msg)).count() as u32
        };
        match &node.role {
            QueueRole::Master(m) => count(&mut m.queue.messages()),
            _ => count(&mut node.disk.messages.iter()),
        }
    }

    fn check_minority(&mut self, x: BrokerId, out: &mut Out) {
        if self.cfg.cluster_partition_handling != PartitionHandling::PauseMinority
            || self.nodes[usize::from(x.0)].app_paused
        {
            return;
        }
        let reachable = self.all().filter(|p| self.in_cluster(x, *p)).count() as u32;
        let cluster = self.n() as u32;
        if reachable * 2 > cluster {
            return;
        }
        out.trace(Event::PausedMinority {
            broker: x,
            reachable,
            cluster,
        });
        self.node(x).sessions.close_all(x, out);
        self.shut_role(x, DropWhy::ProcessDied, out);
        let node = self.node(x);
        node.app_paused = true;
        node.master = None;
        node.local_subs.clear();
    }

    fn nodeup(&mut self, x: BrokerId, p: BrokerId, incarnation: u32, out: &mut Out) {
        let (was_up, old_incarnation, declared_down) = {
            let peer = &self.nodes[usize::from(x.0)].peers[usize::from(p.0)];
            (peer.up, peer.incarnation, peer.declared_down)
        };
        if was_up && old_incarnation == incarnation {
            return;
        }
        if was_up && old_incarnation != incarnation {
            // It restarted before we noticed it was gone.
            self.node_down(x, p, false, out);
        }
        let restarted = old_incarnation != incarnation;
        {
            let peer = &mut self.node(x).peers[usize::from(p.0)];
            peer.up = true;
            peer.incarnation = incarnation;
            peer.declared_down = false;
            peer.partitioned = false;
        }
        if !restarted && declared_down {
            self.partition_noticed(x, p, out);
        }
        if self.nodes[usize::from(x.0)].app_paused {
            return;
        }
        if matches!(self.nodes[usize::from(x.0)].role, QueueRole::Master(_))
            && self.in_cluster(x, p)
        {
            self.maybe_add_mirror(x, p, out);
        }
    }

    fn partition_noticed(&mut self, x: BrokerId, p: BrokerId, out: &mut Out) {
        out.trace(Event::PartitionNoticed {
            broker: x,
            other: p,
        });
        match self.cfg.cluster_partition_handling {
            PartitionHandling::Ignore => self.node(x).peers[usize::from(p.0)].partitioned = true,
            PartitionHandling::PauseMinority => {}
            PartitionHandling::Autoheal => {
                let ours = self.view_mask(x);
                let theirs = self.nodes[usize::from(x.0)].peers[usize::from(p.0)].view & !ours;
                if theirs == 0 {
                    return;
                }
                let (winners, losers) = self.pick_winner(x, ours, theirs);
                if losers & broker_bit(x) != 0 {
                    let loser_list = self.mask_list(losers);
                    if loser_list.first() == Some(&x) {
                        out.trace(Event::PartitionResolved {
                            winners: self.mask_list(winners),
                            losers: loser_list,
                            automatic: true,
                        });
                    }
                    self.restart_app(x, out);
                }
            }
        }
    }

    fn mask_list(&self, mask: u16) -> Vec<BrokerId> {
        self.all().filter(|b| mask & broker_bit(*b) != 0).collect()
    }

    /// Autoheal's rule: the side with more client connections wins, then
    /// the one with more nodes, then the one with the lowest-numbered node.
    fn pick_winner(&self, x: BrokerId, a: u16, b: u16) -> (u16, u16) {
        let clients = |mask: u16| -> u32 {
            self.all()
                .filter(|n| mask & broker_bit(*n) != 0)
                .map(|n| {
                    if n == x {
                        self.nodes[usize::from(x.0)].sessions.count()
                    } else {
                        self.nodes[usize::from(x.0)].peers[usize::from(n.0)].clients
                    }
                })
                .sum()
        };
        let key = |mask: u16| {
            (
                clients(mask),
                mask.count_ones(),
                std::cmp::Reverse(mask.trailing_zeros()),
            )
        };
        if key(a) >= key(b) { (a, b) } else { (b, a) }
    }

    /// The losing side of a partition restarts its RabbitMQ application:
    /// clients are disconnected, queue contents thrown away, and the node
    /// rejoins the winners as an empty mirror.
    fn restart_app(&mut self, x: BrokerId, out: &mut Out) {
        self.node(x).sessions.close_all(x, out);
        self.discard_all(x, DropWhy::PartitionLoser, out);
        for peer in &mut self.node(x).peers {
            peer.partitioned = false;
            peer.declared_down = false;
        }
        self.boot_app(x, out);
    }

    // ----- packets ------------------------------------------------------------------------

    fn on_peer(&mut self, x: BrokerId, p: BrokerId, msg: PeerMsg, out: &mut Out) {
        let now = out.now;
        self.node(x).peers[usize::from(p.0)].last_heard = now;
        match msg {
            PeerMsg::Tick {
                incarnation,
                view,
                clients,
                app_paused,
            } => {
                {
                    let peer = &mut self.node(x).peers[usize::from(p.0)];
                    peer.view = view;
                    peer.clients = clients;
                    peer.app_paused = app_paused;
                }
                self.nodeup(x, p, incarnation, out);
                return;
            }
            PeerMsg::Hello { incarnation } => {
                // Answer first: the newcomer must count this node in before
                // it receives anything about the queue from it.
                let node = &self.nodes[usize::from(x.0)];
                let reply = PeerMsg::HelloAck {
                    incarnation: node.incarnation,
                    master: if node.app_paused { None } else { node.master },
                };
                self.send(x, p, reply, out);
                self.nodeup(x, p, incarnation, out);
                return;
            }
            PeerMsg::HelloAck {
                incarnation,
                master,
            } => {
                self.nodeup(x, p, incarnation, out);
                let node = self.node(x);
                // A peer that has not noticed our crash yet names us as
                // master: that is stale news about ourselves.
                if let Some((m, e)) = master
                    && m != x
                    && node.booting
                    && node.master.is_none_or(|(_, known)| e > known)
                {
                    node.master = Some((m, e));
                    node.max_epoch = node.max_epoch.max(e);
                }
                return;
            }
            PeerMsg::Disconnect { incarnation } => {
                // Only the incarnation the sender declared down is affected.
                let node = &self.nodes[usize::from(x.0)];
                if node.incarnation == incarnation && node.peers[usize::from(p.0)].up {
                    out.trace(Event::PeerDisconnected {
                        observer: x,
                        target: p,
                    });
                    self.node_down(x, p, false, out);
                }
                return;
            }
            PeerMsg::Leaving => {
                self.node_down(x, p, true, out);
                return;
            }
            _ => {}
        }
        // Queue traffic only flows between nodes that count each other in.
        if !self.in_cluster(x, p) || self.nodes[usize::from(x.0)].app_paused {
            return;
        }
        match msg {
            PeerMsg::BecomeMirror { epoch, sync } => self.become_mirror(x, p, epoch, *sync, out),
            PeerMsg::Replicate { epoch, q } => {
                if let QueueRole::Mirror(m) = &mut self.node(x).role
                    && m.master == p
                    && m.epoch == epoch
                {
                    m.msgs.insert(q.msg, (q, false));
                    out.copy_added(q.msg, broker_bit(x));
                    self.send(x, p, PeerMsg::ReplicateAck { epoch, seq: q.seq }, out);
                }
            }
            PeerMsg::ReplicateAck { epoch, seq } => {
                if let QueueRole::Master(m) = &mut self.node(x).role
                    && m.epoch == epoch
                    && let Some(pending) = m.pending.get_mut(&seq)
                {
                    pending.waiting &= !broker_bit(p);
                    if pending.waiting == 0 {
                        self.release_pending(x, out);
                    }
                }
            }
            PeerMsg::MarkDelivered { epoch, msg } => {
                if let QueueRole::Mirror(m) = &mut self.node(x).role
                    && m.epoch == epoch
                    && let Some(entry) = m.msgs.get_mut(&msg)
                {
                    entry.1 = true;
                }
            }
            PeerMsg::Remove { epoch, msg } => {
                if let QueueRole::Mirror(m) = &mut self.node(x).role
                    && m.epoch == epoch
                    && m.msgs.remove(&msg).is_some()
                {
                    out.copy_consumed(msg, broker_bit(x));
                }
            }
            PeerMsg::Members { epoch, members } => {
                if let QueueRole::Mirror(m) = &mut self.node(x).role
                    && m.epoch == epoch
                    && m.master == p
                {
                    if let Some(mine) = members.iter().find(|mm| mm.broker == x) {
                        m.synced = mine.synced;
                    }
                    m.members = *members;
                }
            }
            PeerMsg::JoinRequest => {
                if let QueueRole::Master(m) = &mut self.node(x).role {
                    // A node asking to join holds nothing we can count on.
                    m.mirrors.remove(&p);
                    self.maybe_add_mirror(x, p, out);
                }
            }
            PeerMsg::NewMaster { epoch } => self.new_master(x, p, epoch, out),
            PeerMsg::Forward {
                client,
                conn,
                msg,
                persistent,
                confirm,
            } => {
                let origin = Origin {
                    client,
                    conn,
                    via: p,
                };
                self.master_publish(
                    x,
                    origin,
                    Publish {
                        msg,
                        persistent,
                        confirm,
                    },
                    out,
                );
            }
            PeerMsg::ConfirmVia { client, conn, msg } => {
                self.relay(x, client, conn, Payload::Confirm { conn, msg }, out)
            }
            PeerMsg::NackVia { client, conn, msg } => {
                self.relay(x, client, conn, Payload::Nack { conn, msg }, out)
            }
            PeerMsg::SubscribeVia {
                client,
                conn,
                prefetch,
                auto_ack,
            } => {
                if let QueueRole::Master(m) = &mut self.node(x).role {
                    m.queue.subscribe(client, conn, prefetch, auto_ack, p);
                }
                self.dispatch(x, out);
            }
            PeerMsg::DeliverVia {
                client,
                conn,
                msg,
                redelivered,
            } => {
                if self.nodes[usize::from(x.0)].sessions.is_open(client, conn) {
                    out.send(
                        me(x),
                        client,
                        Payload::Deliver {
                            conn,
                            msg,
                            redelivered,
                        },
                    );
                } else {
                    self.send(x, p, PeerMsg::ClientGone { client, conn }, out);
                }
            }
            PeerMsg::AckVia { client, conn, msg } => self.master_ack(x, client, conn, msg, out),
            PeerMsg::ClientGone { client, conn } => {
                self.client_gone_at_master(x, client, Some(conn), out)
            }
            _ => {}
        }
    }

    fn relay(&self, x: BrokerId, client: Addr, conn: u32, payload: Payload, out: &mut Out) {
        if self.nodes[usize::from(x.0)].sessions.is_open(client, conn) {
            out.send(me(x), client, payload);
        }
    }

    fn become_mirror(
        &mut self,
        x: BrokerId,
        master: BrokerId,
        epoch: Epoch,
        sync: Vec<QMsg>,
        out: &mut Out,
    ) {
        if epoch < self.nodes[usize::from(x.0)].max_epoch {
            return;
        }
        // A joining mirror starts from nothing: whatever it held is discarded.
        self.discard_all(x, DropWhy::RejoinedEmpty, out);
        let mut msgs = BTreeMap::new();
        for q in sync {
            out.copy_added(q.msg, broker_bit(x));
            msgs.insert(q.msg, (q, false));
        }
        let node = self.node(x);
        node.booting = false;
        node.max_epoch = epoch;
        node.master = Some((master, epoch));
        node.role = QueueRole::Mirror(Box::new(MirrorState {
            epoch,
            master,
            msgs,
            synced: false,
            members: Vec::new(),
        }));
        self.resubscribe(x, master, out);
    }

    /// Consumers connected to `x` follow the queue to its master.
    fn resubscribe(&self, x: BrokerId, master: BrokerId, out: &mut Out) {
        for (client, (conn, prefetch, auto_ack)) in &self.nodes[usize::from(x.0)].local_subs {
            let msg = PeerMsg::SubscribeVia {
                client: *client,
                conn: *conn,
                prefetch: *prefetch,
                auto_ack: *auto_ack,
            };
            self.send(x, master, msg, out);
        }
    }

    fn new_master(&mut self, x: BrokerId, p: BrokerId, epoch: Epoch, out: &mut Out) {
        let node = &self.nodes[usize::from(x.0)];
        if epoch < node.max_epoch || node.master == Some((p, epoch)) {
            return;
        }
        if let QueueRole::Master(m) = &node.role
            && m.epoch < epoch
        {
            // A stale master learns it was replaced: it steps down and rejoins.
            self.discard_all(x, DropWhy::RejoinedEmpty, out);
        }
        let node = self.node(x);
        node.max_epoch = epoch;
        node.master = Some((p, epoch));
        node.booting = false;
        let keeps_content = matches!(&node.role, QueueRole::Mirror(_));
        if let QueueRole::Mirror(m) = &mut node.role {
            m.master = p;
            m.epoch = epoch;
        }
        if !keeps_content {
            self.send(x, p, PeerMsg::JoinRequest, out);
        }
        self.resubscribe(x, p, out);
    }

    // ----- clients ---------------------------------------------------------------------------

    fn on_client(&mut self, x: BrokerId, client: Addr, payload: Payload, out: &mut Out) {
        if let Payload::Connect {
            conn,
            heartbeat_interval_ms,
            heartbeat_timeout_ms,
        } = payload
        {
            if self.nodes[usize::from(x.0)].app_paused {
                // The RabbitMQ application is stopped: its listener is closed.
                out.send(me(x), client, Payload::ConnectRefused { conn });
            } else {
                self.node(x).sessions.open(
                    x,
                    client,
                    conn,
                    heartbeat_interval_ms,
                    heartbeat_timeout_ms,
                    out,
                );
            }
            return;
        }
        let conn = match payload {
            Payload::Publish { conn, .. }
            | Payload::Subscribe { conn, .. }
            | Payload::Ack { conn, .. }
            | Payload::ClientHeartbeat { conn }
            | Payload::Close { conn } => conn,
            _ => return,
        };
        let now = out.now;
        if !self.node(x).sessions.heard(client, conn, now) {
            out.send(me(x), client, Payload::Reset { conn });
            return;
        }
        let is_master = matches!(self.nodes[usize::from(x.0)].role, QueueRole::Master(_));
        let master = self.nodes[usize::from(x.0)]
            .master
            .map(|(m, _)| m)
            .filter(|m| self.in_cluster(x, *m));
        match payload {
            Payload::Publish {
                msg,
                persistent,
                confirm,
                ..
            } => {
                if is_master {
                    let origin = Origin {
                        client,
                        conn,
                        via: x,
                    };
                    self.master_publish(
                        x,
                        origin,
                        Publish {
                            msg,
                            persistent,
                            confirm,
                        },
                        out,
                    );
                } else if let Some(m) = master {
                    self.send(
                        x,
                        m,
                        PeerMsg::Forward {
                            client,
                            conn,
                            msg,
                            persistent,
                            confirm,
                        },
                        out,
                    );
                } else if confirm {
                    // No master anywhere this node can see: the queue is unavailable.
                    out.send(me(x), client, Payload::Nack { conn, msg });
                }
            }
            Payload::Subscribe {
                prefetch, auto_ack, ..
            } => {
                self.node(x)
                    .local_subs
                    .insert(client, (conn, prefetch, auto_ack));
                if is_master {
                    if let QueueRole::Master(m) = &mut self.node(x).role {
                        m.queue.subscribe(client, conn, prefetch, auto_ack, x);
                    }
                    self.dispatch(x, out);
                } else if let Some(m) = master {
                    self.send(
                        x,
                        m,
                        PeerMsg::SubscribeVia {
                            client,
                            conn,
                            prefetch,
                            auto_ack,
                        },
                        out,
                    );
                }
            }
            Payload::Ack { msg, .. } => {
                if is_master {
                    self.master_ack(x, client, conn, msg, out);
                } else if let Some(m) = master {
                    self.send(x, m, PeerMsg::AckVia { client, conn, msg }, out);
                }
            }
            Payload::Close { .. } => {
                self.node(x).sessions.close(client, conn);
                self.client_gone(x, client, conn, out);
            }
            _ => {}
        }
    }

    /// The connection `conn` of `client` on node `x` ended (a newer
    /// connection of the same client is left alone).
    fn client_gone(&mut self, x: BrokerId, client: Addr, conn: u32, out: &mut Out) {
        if self.nodes[usize::from(x.0)]
            .local_subs
            .get(&client)
            .is_some_and(|(c, _, _)| *c == conn)
        {
            self.node(x).local_subs.remove(&client);
        }
        // Tell the master even if a newer connection replaced this one here:
        // what was delivered on the old one is still awaiting its ack there.
        if !matches!(client, Addr::Consumer(_)) {
            return;
        }
        if matches!(self.nodes[usize::from(x.0)].role, QueueRole::Master(_)) {
            self.client_gone_at_master(x, client, Some(conn), out);
        } else if let Some((m, _)) = self.nodes[usize::from(x.0)].master {
            self.send(x, m, PeerMsg::ClientGone { client, conn }, out);
        }
    }

    fn on_tick(&mut self, x: BrokerId, out: &mut Out) {
        out.timer(me(x), self.tick_interval_ms, tick_timer());
        let node = &self.nodes[usize::from(x.0)];
        let tick = PeerMsg::Tick {
            incarnation: node.incarnation,
            view: self.view_mask(x),
            clients: node.sessions.count(),
            app_paused: node.app_paused,
        };
        for p in self.all() {
            if p != x {
                self.send(x, p, tick.clone(), out);
            }
        }
        let now = out.now;
        let timeout = self.tick_timeout_ms;
        let silent: Vec<(BrokerId, u64)> = self
            .all()
            .filter(|p| *p != x)
            .filter_map(|p| {
                let peer = &self.nodes[usize::from(x.0)].peers[usize::from(p.0)];
                let silent_ms = now.ms_since(peer.last_heard);
                (peer.up && silent_ms >= timeout).then_some((p, silent_ms))
            })
            .collect();
        for (p, silent_ms) in silent {
            if !self.nodes[usize::from(x.0)].peers[usize::from(p.0)].up {
                continue;
            }
            out.trace(Event::DeclaredDown {
                observer: me(x),
                target: me(p),
                silent_ms,
                timeout_ms: timeout,
                by: self.detector,
            });
            self.node_down(x, p, false, out);
        }
        // A paused minority node resumes once it sees a majority again.
        if self.nodes[usize::from(x.0)].app_paused {
            let reachable = self.all().filter(|p| self.in_cluster(x, *p)).count() as u32;
            if reachable * 2 > self.n() as u32 {
                out.trace(Event::ResumedMajority { broker: x });
                self.boot_app(x, out);
            }
        }
    }

    /// The operator's fix for a split brain left by `ignore`: keep the side
    /// autoheal would keep, restart the nodes of the other side.
    fn resolve_split_brain(&mut self, out: &mut Out) {
        let masters: Vec<BrokerId> = self
            .all()
            .filter(|b| {
                let node = &self.nodes[usize::from(b.0)];
                node.running && !node.app_paused && matches!(node.role, QueueRole::Master(_))
            })
            .collect();
        if masters.len() < 2 {
            for b in self.all() {
                for peer in &mut self.node(b).peers {
                    peer.partitioned = false;
                }
            }
            return;
        }
        // Each node belongs to the side of the master it follows.
        let side_of = |s: &Self, m: BrokerId| -> u16 {
            s.all()
                .filter(|b| {
                    s.nodes[usize::from(b.0)]
                        .master
                        .is_some_and(|(mm, _)| mm == m)
                        || *b == m
                })
                .fold(0, |mask, b| mask | broker_bit(b))
        };
        let clients = |s: &Self, mask: u16| -> u32 {
            s.all()
                .filter(|b| mask & broker_bit(*b) != 0)
                .map(|b| s.nodes[usize::from(b.0)].sessions.count())
                .sum()
        };
        let winner = masters
            .iter()
            .copied()
            .max_by_key(|m| {
                let mask = side_of(self, *m);
                (
                    clients(self, mask),
                    mask.count_ones(),
                    std::cmp::Reverse(m.0),
                )
            })
            .unwrap_or(masters[0]);
        let winners = side_of(self, winner);
        let losers: Vec<BrokerId> = self
            .all()
            .filter(|b| winners & broker_bit(*b) == 0)
            .collect();
        out.trace(Event::PartitionResolved {
            winners: self.mask_list(winners),
            losers: losers.clone(),
            automatic: false,
        });
        for b in self.all() {
            for peer in &mut self.node(b).peers {
                peer.partitioned = false;
            }
        }
        for b in losers {
            if self.nodes[usize::from(b.0)].running {
                self.restart_app(b, out);
            }
        }
    }
}

impl System for Mirrored {
    fn start(&mut self, out: &mut Out) {
        self.start_all(out);
    }

    fn boot(&mut self, b: BrokerId, out: &mut Out) {
        let node = self.node(b);
        node.running = true;
        node.sessions.forget_all();
        for peer in &mut node.peers {
            *peer = Peer {
                incarnation: peer.incarnation,
                ..Peer::default()
            };
        }
        out.timer(me(b), self.tick_interval_ms, tick_timer());
        self.boot_app(b, out);
    }

    fn crash(&mut self, b: BrokerId, out: &mut Out) {
        self.shut_role(b, DropWhy::ProcessDied, out);
        let node = self.node(b);
        node.running = false;
        node.app_paused = false;
        node.sessions.forget_all();
        node.local_subs.clear();
        node.master = None;
    }

    fn stop(&mut self, b: BrokerId, out: &mut Out) {
        for p in self.all() {
            if p != b && self.nodes[usize::from(b.0)].peers[usize::from(p.0)].up {
                self.send(b, p, PeerMsg::Leaving, out);
            }
        }
        self.node(b).sessions.close_all(b, out);
        self.crash(b, out);
    }

    fn lose_disk(&mut self, b: BrokerId, out: &mut Out) {
        let disk = std::mem::take(&mut self.node(b).disk);
        if !disk.messages.is_empty() {
            out.trace(Event::Discarded {
                broker: b,
                messages: disk.messages.len() as u32,
                why: DropWhy::DiskLost,
            });
        }
        for q in disk.messages {
            out.copy_dropped(q.msg, broker_bit(b), DropWhy::DiskLost);
        }
    }

    fn receive(&mut self, b: BrokerId, from: Addr, payload: Payload, out: &mut Out) {
        match (from, payload) {
            (Addr::Broker(p), Payload::Mirrored(msg)) => self.on_peer(b, p, msg, out),
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
            SysTimer::Mirrored(Timer::Tick) => self.on_tick(b, out),
            SysTimer::Mirrored(Timer::BootWait) => self.boot_decide(b, out),
            SysTimer::ActiveMq(_) | SysTimer::Kafka(_) | SysTimer::Quorum(_) => {}
        }
    }

    fn drain(&mut self, out: &mut Out) {
        self.resolve_split_brain(out);
    }

    fn leaders(&self) -> Vec<(u16, BrokerId)> {
        self.all()
            .filter(|b| {
                let node = &self.nodes[usize::from(b.0)];
                node.running && !node.app_paused && matches!(node.role, QueueRole::Master(_))
            })
            .map(|b| (0, b))
            .collect()
    }

    fn quiescent(&self) -> bool {
        self.nodes.iter().all(|n| match &n.role {
            QueueRole::Master(m) => m.queue.is_empty() && m.pending.is_empty(),
            _ => true,
        }) && self.nodes.iter().all(|n| !n.booting)
    }

    fn replicas(&self) -> Vec<ReplicaView> {
        self.all()
            .filter_map(|b| {
                let node = &self.nodes[usize::from(b.0)];
                if !node.running {
                    return None;
                }
                if node.app_paused {
                    return Some(ReplicaView {
                        broker: b,
                        role: ViewRole::PausedMinority,
                        epoch: 0,
                        length: 0,
                        synced: false,
                        partition: 0,
                        high_watermark: None,
                    });
                }
                match &node.role {
                    QueueRole::None => None,
                    QueueRole::Master(m) => Some(ReplicaView {
                        broker: b,
                        role: ViewRole::Master,
                        epoch: m.epoch.0,
                        length: m.queue.len(),
                        synced: true,
                        partition: 0,
                        high_watermark: None,
                    }),
                    QueueRole::Mirror(m) => Some(ReplicaView {
                        broker: b,
                        role: ViewRole::Mirror,
                        epoch: m.epoch.0,
                        length: m.msgs.len() as u32,
                        synced: m.synced,
                        partition: 0,
                        high_watermark: None,
                    }),
                }
            })
            .collect()
    }

    fn longest_timeout_ms(&self) -> u64 {
        self.tick_timeout_ms + self.tick_interval_ms + self.boot_wait_ms
    }

    fn suspicions(&self, now: SimTime) -> Vec<crate::view::Suspicion> {
        let mut out = Vec::new();
        for x in self.all() {
            let node = &self.nodes[usize::from(x.0)];
            if !node.running {
                continue;
            }
            for p in self.all() {
                let peer = &node.peers[usize::from(p.0)];
                if p != x && peer.up {
                    out.push(crate::view::Suspicion {
                        observer: x,
                        target: p,
                        silent_ms: now.ms_since(peer.last_heard),
                        timeout_ms: self.tick_timeout_ms,
                    });
                }
            }
        }
        out
    }
}
