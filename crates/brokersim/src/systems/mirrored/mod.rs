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
//!   no majority; `autoheal` decides once for the whole cluster as soon as
//!   every node is back in contact with every other: the side with the most
//!   client connections wins (then the most nodes, then node names), and
//!   every other node restarts and discards what it held, whichever epoch
//!   it reached (`rabbit_autoheal:make_decision`).

use std::collections::BTreeMap;

use crate::ids::{Addr, BrokerId, Epoch, MsgId};
use crate::ledger::{Layer, broker_bit};
use crate::out::{Out, TimerKind};
use crate::scenario::config::Config;
use crate::scenario::settings::{
    HaMode, MirroredSettings, PartitionHandling, PromoteWhen, SyncMode,
};
use crate::systems::queue::{Delivery, QMsg, Queue};
use crate::systems::system::{Death, Publish, Retained, System};
use crate::systems::timer::SysTimer;
use crate::time::SimTime;
use crate::trace::{Detector, DropWhy, Event};
use crate::view::{ReplicaView, Role as ViewRole};
use crate::wire::Payload;

mod clients;
mod lifecycle;
mod link;
mod master;
mod membership;
mod peers;
pub mod protocol;

pub use protocol::{Member, PeerMsg, Timer};

mod state;
use state::{
    App, Disk, MasterState, MirrorInfo, MirrorState, Node, Origin, Peer, Pending, Process,
    QueueRole,
};

#[cfg(test)]
mod tests;

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
                    known_incarnations: vec![0; n],
                    links: vec![link::Link::default(); n],
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

    /// What the OS of a killed node closes: every client connection, and
    /// the Erlang distribution connection to every peer it was connected to.
    fn os_closes(&mut self, b: BrokerId, out: &mut Out) {
        self.node(b).process.sessions.os_close_all(b, out);
        let incarnation = self.nodes[usize::from(b.0)].incarnation;
        for p in self.all() {
            if p != b && self.nodes[usize::from(b.0)].process.peers[usize::from(p.0)].up {
                let closed = PeerMsg::ConnectionClosed { incarnation };
                out.send(me(b), me(p), Payload::Mirrored(closed));
            }
        }
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
        let peer = &self.nodes[usize::from(x.0)].process.peers[usize::from(p.0)];
        x == p || (peer.up && !peer.partitioned)
    }

    fn epoch_of(&self, b: BrokerId) -> Option<Epoch> {
        match &self.nodes[usize::from(b.0)].process.role {
            QueueRole::Master(m) => Some(m.epoch),
            _ => None,
        }
    }
}

impl System for Mirrored {
    fn start(&mut self, out: &mut Out) {
        self.start_all(out);
    }

    fn boot(&mut self, b: BrokerId, out: &mut Out) {
        // The engine boots only a crashed or stopped broker: its process is
        // the empty one `crash` left.
        let node = self.node(b);
        node.process = Process::boot(&node.known_incarnations);
        out.timer(me(b), self.tick_interval_ms, tick_timer());
        self.boot_app(b, out);
    }

    /// The process dies with everything it held in memory, and the
    /// queue's process writes what is persistent to disk (`shut_role`)
    /// first, so that every lost copy is counted. The disk (and what
    /// `Node` keeps on purpose) stays for the next boot. Who is told
    /// depends on `death`: after a kill the OS closes the process's
    /// sockets, so clients and peers learn at once; after a host crash
    /// its connections vanish without a word.
    fn die(&mut self, b: BrokerId, death: Death, out: &mut Out) {
        if death == Death::Kill && self.nodes[usize::from(b.0)].process.running {
            self.os_closes(b, out);
        }
        self.shut_role(b, DropWhy::ProcessDied, out);
        let node = self.node(b);
        let dead = std::mem::take(&mut node.process);
        node.known_incarnations = dead.peers.iter().map(|p| p.incarnation).collect();
    }

    fn stop(&mut self, b: BrokerId, out: &mut Out) {
        let incarnation = self.nodes[usize::from(b.0)].incarnation;
        for p in self.all() {
            if p != b && self.nodes[usize::from(b.0)].process.peers[usize::from(p.0)].up {
                self.send(b, p, PeerMsg::Leaving { incarnation }, out);
            }
        }
        self.node(b).process.sessions.close_all(b, out);
        // It said goodbye: the OS has nothing left to close.
        self.node(b).process.running = false;
        self.die(b, Death::Kill, out);
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
                if let Some(gone) = self
                    .node(b)
                    .process
                    .sessions
                    .check(b, client, conn, detector, out)
                {
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
                node.process.running
                    && !node.process.app.paused
                    && matches!(node.process.role, QueueRole::Master(_))
            })
            .map(|b| (0, b))
            .collect()
    }

    fn quiescent(&self) -> bool {
        self.nodes.iter().all(|n| match &n.process.role {
            QueueRole::Master(m) => m.queue.is_empty() && m.pending.is_empty(),
            _ => true,
        }) && self.nodes.iter().all(|n| !n.booting)
    }

    fn final_read(&self) -> Vec<Retained> {
        // Every running master's queue (after a split brain that nobody
        // resolved there may be several); without one, what the nodes
        // still hold as mirrors or on disk.
        let masters: Vec<&MasterState> = self
            .nodes
            .iter()
            .filter(|n| n.process.running)
            .filter_map(|n| match &n.process.role {
                QueueRole::Master(m) => Some(m.as_ref()),
                _ => None,
            })
            .collect();
        let found: Vec<MsgId> = if masters.is_empty() {
            self.nodes
                .iter()
                .filter(|n| n.process.running)
                .flat_map(|n| {
                    let mirrored: Vec<MsgId> = match &n.process.role {
                        QueueRole::Mirror(m) => m.msgs.keys().copied().collect(),
                        _ => Vec::new(),
                    };
                    n.disk.messages.iter().map(|q| q.msg).chain(mirrored)
                })
                .collect()
        } else {
            masters
                .iter()
                .flat_map(|m| m.queue.messages())
                .map(|q| q.msg)
                .collect()
        };
        Retained::from_queue(found)
    }

    fn replicas(&self) -> Vec<ReplicaView> {
        self.all()
            .filter_map(|b| {
                let node = &self.nodes[usize::from(b.0)];
                if !node.process.running {
                    return None;
                }
                if node.process.app.paused {
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
                match &node.process.role {
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
            if !node.process.running {
                continue;
            }
            for p in self.all() {
                let peer = &node.process.peers[usize::from(p.0)];
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

/// Where a node keeps a message: a persistent message in a durable queue
/// is confirmed only once the message store has fsynced it
/// (`rabbit_msg_store` batches its syncs, at most `?SYNC_INTERVAL` = 25 ms
/// apart, and sends the confirms it owes for the synced messages), so the
/// copy that counts is on disk; the 25 ms are not modelled. A transient
/// message lives in the queue process's memory and dies with it.
fn layer_of(persistent: bool) -> Layer {
    if persistent {
        Layer::Disk
    } else {
        Layer::Memory
    }
}
