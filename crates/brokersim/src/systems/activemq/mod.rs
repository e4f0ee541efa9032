//! ActiveMQ Classic master/slave on a shared store.
//!
//! Every broker points at the same store (KahaDB on a shared file system, or
//! a JDBC database). Whoever holds the store's exclusive lock is the master:
//! it starts its transport connectors and serves clients. The others are
//! slaves: their connectors stay closed (a client connecting is refused) and
//! they try the lock every `lockAcquireSleepInterval` (10 s).
//!
//! - `locker: shared-file-locker` (KahaDB's default): an OS file lock, held
//!   for as long as the master process lives. A killed master's lock is
//!   released at once (its host's kernel closes the file). A master whose
//!   host crashed keeps it on the NFS server: under `nfsvers: 4` until the
//!   dead client's lease expires (`nfsv4leasetime`, 30 s), under
//!   `nfsvers: 3` until that host boots again ("Shared File System Master
//!   Slave", NFSv3 and NFSv4 warnings). A paused master keeps it (its
//!   kernel goes on renewing the lease).
//! - `locker: lease-database-locker`: a lease in a database row that lasts
//!   `lockAcquireSleepInterval` and that the master renews every
//!   `lockKeepAlivePeriod` (`LeaseDatabaseLocker.keepAlive`, called by
//!   `LockableServiceSupport.keepLockAlive`); a slave takes the lock once
//!   the lease has run out. A master that finds at its keep-alive that it
//!   lost the lock shuts down (the zombie master coming back from a pause).
//!   Until that keep-alive it goes on serving: with `lockKeepAlivePeriod`
//!   longer than the lease (the JDBC adapter's 30 s against the locker's
//!   10 s) the lease runs out with no fault at all, and two masters serve
//!   between the slave's takeover and the old master's next keep-alive.
//!
//! Persistent messages are written to the store before the master sends the
//! producer its receipt, so they survive the master; non-persistent ones
//! live in the master's memory and die with it. The store's producer audit
//! drops a resent message it has already stored (duplicate detection).

use std::collections::{BTreeMap, BTreeSet};

mod journal;
pub mod protocol;

pub use protocol::Timer;

use crate::ids::{Addr, BrokerId, Epoch, MsgId};
use crate::ledger::{Layer, SHARED_STORE_BIT, broker_bit};
use crate::out::{Out, TimerKind};
use crate::scenario::config::Config;
use crate::scenario::settings::{ActiveMqSettings, JournalSync, Locker, Nfs};
use crate::systems::queue::{Delivery, QMsg, Queue};
use crate::systems::sessions::Sessions;
use crate::systems::storage::OsSettings;
use crate::systems::system::{Death, Publish, Retained, System};
use crate::systems::timer::SysTimer;
use crate::time::SimTime;
use crate::trace::{Detector, DropWhy, Event};
use crate::view::{ReplicaView, Role};
use crate::wire::Payload;

#[derive(Clone, Debug, Default)]
struct Store {
    /// Lock holder and the number of its process incarnation.
    holder: Option<(BrokerId, u32)>,
    lease_until: SimTime,
    /// The shared-file lock's holder died with its host: the NFS server
    /// keeps the lock until this time (NFSv4's lease), or, when `None`,
    /// until the host boots again (NFSv3).
    orphaned: Option<Option<SimTime>>,
    /// Persistent messages by queue position.
    messages: BTreeMap<u64, QMsg>,
    /// Messages ever stored, for the producer audit.
    audit: BTreeSet<MsgId>,
    next_seq: u64,
    epoch: Epoch,
}

/// A broker: what its host keeps (the journal records its process wrote,
/// through the page cache) and its running process, which a death replaces
/// whole with `Process::default()` (issue 13).
#[derive(Clone, Debug, Default)]
struct Node {
    /// Survives on purpose: the process incarnation, one more on every
    /// boot, which ties the store's lock to the process that took it.
    incarnation: u32,
    /// Durable through the OS: the journal records this host wrote that
    /// are still in its page cache (`journal.rs`).
    journal: journal::HostJournal,
    /// Volatile: everything the process holds in memory.
    process: Process,
}

/// A broker's running process (memory only).
#[derive(Clone, Debug, Default)]
struct Process {
    running: bool,
    /// `Some` while this broker is master: its in-memory queue.
    master: Option<Queue>,
    sessions: Sessions,
}

#[derive(Clone, Debug)]
pub struct ActiveMq {
    cfg: ActiveMqSettings,
    /// The hosts' writeback settings (`systems/storage.rs`).
    os: OsSettings,
    nodes: Vec<Node>,
    store: Store,
    detector: Detector,
    scratch: Vec<Delivery>,
}

impl ActiveMq {
    pub fn new(cfg: ActiveMqSettings, config: &Config) -> ActiveMq {
        ActiveMq {
            cfg,
            os: config.os,
            nodes: vec![Node::default(); usize::from(config.broker_count)],
            store: Store::default(),
            detector: if config.heartbeat.is_some() {
                Detector::Heartbeat
            } else {
                Detector::InactivityMonitor
            },
            scratch: Vec::new(),
        }
    }

    fn node(&mut self, b: BrokerId) -> &mut Node {
        &mut self.nodes[usize::from(b.0)]
    }

    /// Whether the lock can be taken now, and if a lease ran out to free
    /// it, the event that says so.
    fn lock_is_free(&self, now: SimTime) -> Option<Option<Event>> {
        match self.store.holder {
            None => Some(None),
            Some((holder, _))
                if self.cfg.locker == Locker::LeaseDatabase && self.store.lease_until < now =>
            {
                Some(Some(Event::LockLeaseExpired { holder }))
            }
            Some((holder, _)) => match (self.store.orphaned, self.cfg.nfs) {
                (Some(Some(until)), Nfs::V4 { lease_ms }) if until <= now => {
                    Some(Some(Event::NfsLeaseExpired { holder, lease_ms }))
                }
                _ => None,
            },
        }
    }

    fn try_lock(&mut self, b: BrokerId, out: &mut Out) {
        match self.lock_is_free(out.now) {
            None => out.timer(
                Addr::Broker(b),
                self.cfg.lock_acquire_sleep_interval_ms,
                TimerKind::System(SysTimer::ActiveMq(Timer::LockPoll)),
            ),
            Some(expired) => {
                if let Some(event) = expired {
                    out.trace(event);
                }
                self.become_master(b, out);
            }
        }
    }

    fn become_master(&mut self, b: BrokerId, out: &mut Out) {
        let incarnation = self.node(b).incarnation;
        self.store.holder = Some((b, incarnation));
        self.store.orphaned = None;
        self.renew_lease(out.now);
        self.store.epoch = Epoch(self.store.epoch.0 + 1);
        out.trace(Event::LockAcquired { broker: b });
        out.leader(b, self.store.epoch);
        let queue = Queue::from_messages(self.store.messages.values().map(|q| QMsg {
            redelivered: false,
            ..*q
        }));
        out.trace(Event::StoreLoaded {
            broker: b,
            messages: queue.len(),
        });
        self.node(b).process.master = Some(queue);
        self.arm_journal_sync(b, out);
        if self.cfg.lock_keep_alive_period_ms > 0 {
            out.timer(
                Addr::Broker(b),
                self.cfg.lock_keep_alive_period_ms,
                TimerKind::System(SysTimer::ActiveMq(Timer::KeepAlive)),
            );
        }
    }

    /// `LeaseDatabaseLocker` writes `now + lockAcquireSleepInterval` as the
    /// lease's end, both when it takes the lease and at every keep-alive:
    /// the lease lasts the slaves' polling interval, not the keep-alive's.
    fn renew_lease(&mut self, now: SimTime) {
        self.store.lease_until = now.after_ms(self.cfg.lock_acquire_sleep_interval_ms);
    }

    fn holds_lock(&self, b: BrokerId) -> bool {
        self.store.holder == Some((b, self.nodes[usize::from(b.0)].incarnation))
    }

    /// The master's process ends: memory-only messages die with it.
    fn lose_master_memory(&mut self, b: BrokerId, out: &mut Out) {
        let Some(queue) = self.node(b).process.master.take() else {
            return;
        };
        let transient: Vec<MsgId> = queue
            .messages()
            .filter(|q| !q.persistent)
            .map(|q| q.msg)
            .collect();
        if !transient.is_empty() {
            let ready = queue.ready().filter(|q| !q.persistent).count() as u32;
            out.trace(Event::TransientLost {
                broker: b,
                messages: ready,
                delivered: transient.len() as u32 - ready,
            });
        }
        for msg in transient {
            out.copy_dropped(msg, broker_bit(b), DropWhy::ProcessDied);
        }
    }

    fn release_lock_of(&mut self, b: BrokerId) {
        if self.holds_lock(b) {
            self.store.holder = None;
            self.store.orphaned = None;
        }
    }

    /// The master's host crashed holding the shared-file lock: nobody
    /// closes the file, and the NFS server keeps the lock for the dead
    /// client (see `Nfs`).
    fn orphan_lock_of(&mut self, b: BrokerId, now: SimTime) {
        if self.holds_lock(b) {
            self.store.orphaned = Some(match self.cfg.nfs {
                Nfs::V4 { lease_ms } => Some(now.after_ms(lease_ms)),
                Nfs::V3 => None,
            });
        }
    }

    /// A host that crashed holding the lock boots again: it tells the NFS
    /// server it rebooted (NSM under NFSv3, a new client id under NFSv4),
    /// and the server drops the locks its previous life held.
    fn host_returned(&mut self, b: BrokerId, out: &mut Out) {
        if self.store.orphaned.is_some()
            && let Some((holder, _)) = self.store.holder
            && holder == b
        {
            self.store.holder = None;
            self.store.orphaned = None;
            out.trace(Event::NfsHostRebooted { holder: b });
        }
    }

    fn dispatch(&mut self, b: BrokerId, out: &mut Out) {
        let mut deliveries = std::mem::take(&mut self.scratch);
        if let Some(queue) = self.node(b).process.master.as_mut() {
            queue.dispatch(&mut deliveries);
        }
        for d in deliveries.drain(..) {
            out.send(
                Addr::Broker(b),
                d.consumer,
                Payload::Deliver {
                    conn: d.conn,
                    msg: d.qmsg.msg,
                    redelivered: d.qmsg.redelivered,
                },
            );
        }
        self.scratch = deliveries;
    }

    fn publish(&mut self, b: BrokerId, client: Addr, conn: u32, publish: Publish, out: &mut Out) {
        let Publish {
            msg,
            persistent,
            confirm,
        } = publish;
        if persistent && self.store.audit.contains(&msg) {
            // The producer audit recognises a resend of a stored message.
            if confirm {
                out.send(Addr::Broker(b), client, Payload::Confirm { conn, msg });
            }
            return;
        }
        let seq = self.store.next_seq;
        self.store.next_seq += 1;
        let q = QMsg {
            msg,
            seq,
            persistent,
            redelivered: false,
        };
        if persistent {
            // Written to the shared store: even a zombie master's write lands
            // there, where the master that loaded the store earlier never looks.
            self.store_add(b, q, out);
        } else {
            // A non-persistent message lives in the broker's memory only.
            out.copy_added(msg, broker_bit(b), Layer::Memory);
        }
        if let Some(queue) = self.node(b).process.master.as_mut() {
            queue.push(q);
        }
        if confirm {
            out.send(Addr::Broker(b), client, Payload::Confirm { conn, msg });
        }
        self.dispatch(b, out);
    }

    fn ack(&mut self, b: BrokerId, client: Addr, conn: u32, msg: MsgId, out: &mut Out) {
        let Some(queue) = self.node(b).process.master.as_mut() else {
            return;
        };
        let Some(q) = queue.ack(client, conn, msg) else {
            return;
        };
        if q.persistent {
            self.store_remove(b, q, out);
        } else {
            out.copy_consumed(msg, broker_bit(b));
        }
        self.dispatch(b, out);
    }

    fn consumer_gone(&mut self, b: BrokerId, client: Addr, conn: u32, out: &mut Out) {
        if let Some(queue) = self.node(b).process.master.as_mut() {
            queue.unsubscribe(client, Some(conn));
        }
        self.dispatch(b, out);
    }
}

impl System for ActiveMq {
    fn boot(&mut self, b: BrokerId, out: &mut Out) {
        self.host_returned(b, out);
        let node = self.node(b);
        node.incarnation += 1;
        node.process = Process {
            running: true,
            ..Process::default()
        };
        // What the OS wrote back while the process was down (after a kill).
        self.journal_write_back(b, out);
        self.try_lock(b, out);
    }

    fn die(&mut self, b: BrokerId, death: Death, out: &mut Out) {
        if death == Death::Kill {
            // The OS closes the sockets: OpenWire clients see the reset
            // and their failover transport moves on at once.
            self.node(b).process.sessions.os_close_all(b, out);
        }
        self.journal_write_back(b, out);
        self.lose_master_memory(b, out);
        if self.cfg.locker == Locker::SharedFile {
            match death {
                // The kernel closes a killed process's files, and with them
                // its lock.
                Death::Kill => self.release_lock_of(b),
                Death::Crash => self.orphan_lock_of(b, out.now),
            }
        }
        // A database lease just runs out, however its holder died.
        self.node(b).process = Process::default();
        match death {
            // The host lives: its page cache is written back as usual.
            Death::Kill => {}
            Death::Crash => self.journal_lose_page_cache(b, out),
        }
    }

    fn host_lost(&mut self, b: BrokerId, out: &mut Out) {
        // The dead process released its file lock already (the kernel
        // closed its files, or it shut down): only the journal's dirty
        // pages are left to lose.
        self.journal_lose_page_cache(b, out);
    }

    fn stop(&mut self, b: BrokerId, out: &mut Out) {
        self.node(b).process.sessions.close_all(b, out);
        self.journal_write_back(b, out);
        self.lose_master_memory(b, out);
        self.release_lock_of(b);
        self.node(b).process = Process::default();
    }

    fn lose_disk(&mut self, _b: BrokerId, _out: &mut Out) {
        // The brokers keep nothing of their own: the store is shared.
    }

    fn receive(&mut self, b: BrokerId, from: Addr, payload: Payload, out: &mut Out) {
        self.journal_write_back(b, out);
        let is_master = self.node(b).process.master.is_some();
        // A slave's transport connector is not started: nothing listens.
        let Some(conn) = self
            .node(b)
            .process
            .sessions
            .admit(b, from, &payload, is_master, out)
        else {
            return;
        };
        match payload {
            Payload::Publish {
                msg,
                persistent,
                confirm,
                ..
            } => self.publish(
                b,
                from,
                conn,
                Publish {
                    msg,
                    persistent,
                    confirm,
                },
                out,
            ),
            Payload::Subscribe {
                prefetch, auto_ack, ..
            } => {
                if let Some(queue) = self.node(b).process.master.as_mut() {
                    queue.subscribe(from, conn, prefetch, auto_ack, b);
                }
                self.dispatch(b, out);
            }
            Payload::Ack { msg, .. } => self.ack(b, from, conn, msg, out),
            Payload::Close { .. } | Payload::SocketClosed { .. } => {
                self.node(b).process.sessions.close(from, conn);
                self.consumer_gone(b, from, conn, out);
            }
            _ => {}
        }
    }

    fn timer(&mut self, b: BrokerId, timer: SysTimer, out: &mut Out) {
        self.journal_write_back(b, out);
        match timer {
            SysTimer::ActiveMq(Timer::JournalSync) => self.on_journal_sync(b, out),
            SysTimer::Session { client, conn } => {
                let detector = self.detector;
                if let Some(gone) = self
                    .node(b)
                    .process
                    .sessions
                    .check(b, client, conn, detector, out)
                {
                    self.consumer_gone(b, gone, conn, out);
                }
            }
            SysTimer::ActiveMq(Timer::LockPoll) => {
                if self.node(b).process.master.is_none() {
                    self.try_lock(b, out);
                }
            }
            SysTimer::ActiveMq(Timer::KeepAlive) => {
                if self.node(b).process.master.is_none() {
                    return;
                }
                if self.holds_lock(b) {
                    self.renew_lease(out.now);
                    out.timer(
                        Addr::Broker(b),
                        self.cfg.lock_keep_alive_period_ms,
                        TimerKind::System(SysTimer::ActiveMq(Timer::KeepAlive)),
                    );
                } else {
                    out.trace(Event::LockLostShutdown { broker: b });
                    out.halt(b);
                }
            }
            SysTimer::Mirrored(_) | SysTimer::Kafka(_) | SysTimer::Quorum(_) => {}
        }
    }

    fn drain(&mut self, _out: &mut Out) {}

    fn start(&mut self, out: &mut Out) {
        for b in 0..self.nodes.len() {
            self.boot(BrokerId(b as u16), out);
        }
    }

    fn leaders(&self) -> Vec<(u16, BrokerId)> {
        (0..self.nodes.len())
            .filter(|i| self.nodes[*i].process.running && self.nodes[*i].process.master.is_some())
            .map(|i| (0, BrokerId(i as u16)))
            .collect()
    }

    fn quiescent(&self) -> bool {
        self.store.messages.is_empty()
            && self
                .nodes
                .iter()
                .all(|n| n.process.master.as_ref().is_none_or(Queue::is_empty))
    }

    fn final_read(&self) -> Vec<Retained> {
        // The master's queue holds the persistent messages it loaded from
        // the shared store and the non-persistent ones in its memory;
        // without a master, the store alone survives.
        let masters: Vec<&Queue> = self
            .nodes
            .iter()
            .filter(|n| n.process.running)
            .filter_map(|n| n.process.master.as_ref())
            .collect();
        Retained::from_queue(if masters.is_empty() {
            self.store
                .messages
                .values()
                .map(|q| q.msg)
                .collect::<Vec<_>>()
        } else {
            masters
                .iter()
                .flat_map(|q| q.messages())
                .map(|q| q.msg)
                .collect()
        })
    }

    fn replicas(&self) -> Vec<ReplicaView> {
        self.nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.process.running)
            .map(|(i, n)| ReplicaView {
                broker: BrokerId(i as u16),
                role: if n.process.master.is_some() {
                    Role::Master
                } else {
                    Role::Slave
                },
                epoch: self.store.epoch.0,
                length: n
                    .process
                    .master
                    .as_ref()
                    .map_or(self.store.messages.len() as u32, Queue::len),
                synced: true,
                partition: 0,
                high_watermark: None,
            })
            .collect()
    }

    fn longest_timeout_ms(&self) -> u64 {
        self.cfg
            .lock_acquire_sleep_interval_ms
            .max(self.cfg.lock_keep_alive_period_ms)
    }
}
