//! Kafka replicated partitions in KRaft mode.
//!
//! - A topic with `partitions` partitions, each replicated
//!   `replication.factor` ways; partition p's replicas are brokers p, p+1, …
//!   (round-robin, as Kafka's default assignment), the first one the leader,
//!   so partition 0 starts led by `b1`.
//! - Followers fetch from the leader (`replica.fetch.wait.max.ms` long
//!   polls). The leader tracks each follower's log end; the high watermark is
//!   the smallest log end in the ISR, and consumers read only below it. A
//!   follower that has not caught up for `replica.lag.time.max.ms` leaves
//!   the ISR; one that catches up joins again. ISR changes go through the
//!   controller (AlterPartition), which refuses a leader with a stale epoch.
//! - Producers: `acks=0` (no answer), `1` (after the leader's append),
//!   `all` (once the high watermark passes the record; refused with
//!   NotEnoughReplicas while the ISR is smaller than
//!   `min.insync.replicas`, and answered NotEnoughReplicasAfterAppend if
//!   the ISR is that small when the high watermark passes the record). The idempotent producer's sequence numbers let
//!   the leader drop a retried duplicate.
//! - The controller quorum watches broker heartbeats
//!   (`broker.heartbeat.interval.ms`, fenced after `broker.session.timeout.ms`),
//!   removes a fenced broker from ISRs (never the last member) and elects a
//!   new leader from the ISR, or, with `unclean.leader.election.enable`,
//!   from any live replica. Each election bumps the leader epoch.
//! - A returning replica learns the current leader and epoch from the
//!   controller; when it fetches, the leader tells it where its log diverges
//!   (KIP-320) and it truncates: a returning old leader loses the suffix that
//!   only it had. That truncation is how acknowledged messages disappear.
//! - Consumer group offsets live with the group coordinator, which here sits
//!   with the controller quorum. A new group's first assignment waits
//!   `group.initial.rebalance.delay.ms` for more members (KIP-134); each
//!   member that joins meanwhile extends the wait by another delay, within
//!   the rebalance timeout (`max.poll.interval.ms`).
//!
//! - The log goes to the page cache, and reaches the disk only through
//!   Kafka's flush settings (default: never) or the OS's writeback
//!   (`durability.rs`, `systems/storage.rs`): a killed broker keeps it, a
//!   broker whose host lost power keeps what reached the disk.

use std::collections::{BTreeMap, BTreeSet};

use crate::ids::{Addr, BrokerId, ClientId, Epoch, MsgId};
use crate::ledger::{Layer, broker_bit};
use crate::out::{Out, TimerKind};
use crate::scenario::config::Config;
use crate::scenario::settings::KafkaSettings;
use crate::systems::storage::{LogFile, OsSettings};
use crate::systems::system::{Death, Retained, System};
use crate::systems::timer::SysTimer;
use crate::time::SimTime;
use crate::trace::{Detector, DropWhy, Event};
use crate::view::{ReplicaView, Role as ViewRole};
use crate::wire::Payload;

/// Kafka's `replica.socket.timeout.ms`.
const REPLICA_SOCKET_TIMEOUT_MS: u64 = 30_000;
/// How many records one fetch response carries at most.
const MAX_FETCH_RECORDS: usize = 500;
/// The consumer's `max.poll.interval.ms`, which the classic protocol uses as
/// the rebalance timeout: it bounds how far joins extend the initial delay.
const REBALANCE_TIMEOUT_MS: u64 = 300_000;

mod clients;
mod controller;
mod durability;
pub mod events;
mod group;
mod mirror;
pub mod protocol;
mod replication;

pub use events::KafkaEvent;
pub use mirror::{OffsetSync, translate_downstream};
pub use protocol::{
    Acks, FetchResult, KafkaMsg, PartitionState, ProduceResult, Record, ReplicaReply, Timer,
};
use protocol::{ProduceBatch, ReplicaFetch};

#[derive(Clone, Debug, PartialEq, Eq)]
struct Follower {
    log_end: u64,
    caught_up_at: SimTime,
}

/// An acks=all produce waiting for the high watermark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Waiter {
    client: Addr,
    corr: u32,
    partition: u16,
    /// The batch's first message and size, for the trace.
    first_msg: MsgId,
    count: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct LeaderState {
    epoch: u32,
    isr: u16,
    followers: BTreeMap<BrokerId, Follower>,
    /// acks=all produces by (last offset, request): two requests may wait
    /// on one offset (a retry of a batch still being replicated).
    waiting: BTreeMap<(u64, u32), Waiter>,
    /// Fetches waiting for data: (who, corr, offset, from a consumer).
    parked: Vec<(Addr, u32, u64)>,
    /// An AlterPartition is in flight.
    altering: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
enum Role {
    /// Not serving (process down, or no leader known).
    #[default]
    Idle,
    Follower {
        leader: BrokerId,
        epoch: u32,
        corr: u32,
    },
    Leader(Box<LeaderState>),
}

/// One broker's copy of one partition as its files hold it: the log, the
/// high watermark and the leader-epoch cache. The role is process state
/// ([`Process::roles`]).
#[derive(Clone, Debug)]
struct Replica {
    log: Vec<Record>,
    /// Where each record of `log` is: page cache or disk (issue 14).
    file: LogFile,
    high_watermark: u64,
    /// (epoch, first offset written in it).
    epoch_starts: Vec<(u32, u64)>,
    /// Idempotent producers: id → last sequence number written.
    sequences: BTreeMap<u32, u32>,
    /// Kafka's recovery point: the log end at its last flush (fsync).
    /// `flush.messages` counts the records above it.
    recovery_point: u64,
}

impl Replica {
    fn new() -> Replica {
        Replica {
            log: Vec::new(),
            high_watermark: 0,
            epoch_starts: Vec::new(),
            sequences: BTreeMap::new(),
            file: LogFile::default(),
            recovery_point: 0,
        }
    }

    fn log_end(&self) -> u64 {
        self.log.len() as u64
    }

    fn last_epoch(&self) -> u32 {
        self.log.last().map_or(0, |r| r.epoch)
    }

    /// The largest epoch this log holds records of at or below `epoch`
    /// (0 for none), as `LeaderEpochFileCache.endOffsetFor` answers.
    fn latest_epoch_at_most(&self, epoch: u32) -> u32 {
        self.epoch_starts
            .iter()
            .map(|(e, _)| *e)
            .filter(|e| *e <= epoch)
            .max()
            .unwrap_or(0)
    }

    /// KIP-101/320: where the log of `epoch` ends here, as the next epoch's
    /// first offset (or the log end for the newest epoch).
    fn end_of_epoch(&self, epoch: u32) -> u64 {
        self.epoch_starts
            .iter()
            .find(|(e, _)| *e > epoch)
            .map_or(self.log_end(), |(_, start)| *start)
    }

    /// Appends `record` to the log: `write(2)`, so it lands in the page
    /// cache (`UnifiedLog.append`); see [`Replica::flush_due`].
    fn append(&mut self, record: Record, now: SimTime) -> u64 {
        // Only the leader of an epoch writes records of it, and a replica
        // takes records only after the leader-epoch divergence check
        // (KIP-101): a log's epochs never go back.
        debug_assert!(
            self.last_epoch() <= record.epoch,
            "epoch {} appended after epoch {}",
            record.epoch,
            self.last_epoch()
        );
        let offset = self.log_end();
        if self
            .epoch_starts
            .last()
            .is_none_or(|(e, _)| *e < record.epoch)
        {
            self.epoch_starts.push((record.epoch, offset));
        }
        if record.producer_id != 0 {
            self.sequences.insert(record.producer_id, record.seq);
        }
        self.log.push(record);
        self.file.write(now);
        offset
    }

    /// Drops everything from `offset` on; returns the dropped records.
    fn truncate(&mut self, offset: u64) -> Vec<Record> {
        let dropped = self.log.split_off(offset.min(self.log_end()) as usize);
        self.file.truncate(self.log_end());
        self.recovery_point = self.recovery_point.min(self.log_end());
        self.epoch_starts.retain(|(_, start)| *start < offset);
        self.high_watermark = self.high_watermark.min(self.log_end());
        self.sequences.clear();
        for r in &self.log {
            if r.producer_id != 0 {
                self.sequences.insert(r.producer_id, r.seq);
            }
        }
        dropped
    }
}

/// A Kafka broker: its log directory (durable, through the OS's page
/// cache: see `systems/storage.rs`) and its running process, which a death
/// replaces whole with `Process::default()`, so no in-memory field can
/// outlive it (issue 13).
#[derive(Clone, Debug)]
struct Broker {
    /// Durable: each partition's log, by partition.
    replicas: Vec<Replica>,
    /// Survives on purpose: the process's incarnation, one more on every
    /// boot, which the controller uses to see a restart (in Kafka, the
    /// broker epoch the controller hands out at registration).
    incarnation: u32,
    /// Volatile: everything the process holds in memory.
    process: Process,
}

/// A broker's running process (memory only); `Process::default()` is the
/// process of a broker that is down.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Process {
    running: bool,
    /// The latest partition states the controller sent: none until it
    /// answers the boot's registration.
    states: Vec<PartitionState>,
    /// Each partition's role here, by partition.
    roles: Vec<Role>,
    /// When each partition's log was last flushed (`UnifiedLog`'s
    /// `lastFlushedTime`, which starts when the log is loaded).
    last_flush: Vec<SimTime>,
    /// Clients that opened a connection to this process: a kill resets them.
    clients: BTreeSet<Addr>,
}

impl Process {
    fn boot(partitions: u16, now: SimTime) -> Process {
        Process {
            running: true,
            states: Vec::new(),
            roles: vec![Role::Idle; usize::from(partitions)],
            last_flush: vec![now; usize::from(partitions)],
            clients: BTreeSet::new(),
        }
    }
}

#[derive(Clone, Debug)]
struct ControllerBroker {
    fenced: bool,
    /// Its last session ended in a controlled shutdown, so when it
    /// registers again it stays in the ELRs it is in (KAFKA-15586: any
    /// other return is an unclean shutdown, which leaves them).
    clean_shutdown: bool,
    last_heartbeat: SimTime,
    /// The process incarnation that registered.
    incarnation: u32,
}

#[derive(Clone, Debug)]
struct Controller {
    brokers: Vec<ControllerBroker>,
    states: Vec<PartitionState>,
    /// Committed consumer offsets, by partition (one consumer group).
    offsets: BTreeMap<u16, u64>,
    group: Group,
}

/// The one consumer group, as its coordinator holds it (classic protocol).
#[derive(Clone, Debug, Default)]
struct Group {
    members: BTreeSet<ClientId>,
    /// 0 until the first rebalance completes.
    generation: u32,
    /// The first rebalance is waiting out the initial delay.
    initial: Option<InitialRebalance>,
}

#[derive(Clone, Copy, Debug)]
struct InitialRebalance {
    first_join: SimTime,
    /// A member joined since the delay was last armed (`newMemberAdded`).
    new_member_added: bool,
}

#[derive(Clone, Debug)]
pub struct Kafka {
    cfg: KafkaSettings,
    /// The hosts' writeback settings (`systems/storage.rs`).
    os: OsSettings,
    min_isr_all: u16,
    brokers: Vec<Broker>,
    controller: Controller,
    heartbeat_interval_ms: u64,
    session_timeout_ms: u64,
}

fn bits(mask: u16) -> impl Iterator<Item = BrokerId> {
    (0..15u16)
        .filter(move |i| mask & (1 << i) != 0)
        .map(BrokerId)
}

fn members(mask: u16) -> Vec<BrokerId> {
    bits(mask).collect()
}

fn kafka(msg: KafkaMsg) -> Payload {
    Payload::Kafka(msg)
}

fn sys(timer: Timer) -> TimerKind {
    TimerKind::System(SysTimer::Kafka(timer))
}

impl Kafka {
    /// True while a running follower's log has a record at an offset where
    /// its partition's leader (the running one of the newest epoch) has
    /// none or another: it has not yet truncated to the leader's log.
    fn divergent_follower(&self) -> bool {
        (0..usize::from(self.cfg.partitions)).any(|p| {
            let running = || self.brokers.iter().filter(|b| b.process.running);
            let leader = running()
                .filter_map(|b| match &b.process.roles[p] {
                    Role::Leader(l) => Some((l.epoch, &b.replicas[p])),
                    _ => None,
                })
                .max_by_key(|(epoch, _)| *epoch)
                .map(|(_, r)| r);
            let Some(leader) = leader else {
                return false;
            };
            running().any(|b| {
                let r = &b.replicas[p];
                matches!(b.process.roles[p], Role::Follower { .. })
                    && r.log.last().is_some_and(|last| {
                        let offset = r.log.len() - 1;
                        leader.log.get(offset).is_none_or(|theirs| {
                            theirs.epoch != last.epoch || theirs.msg != last.msg
                        })
                    })
            })
        })
    }

    pub fn new(cfg: KafkaSettings, config: &Config) -> Kafka {
        let n = usize::from(config.broker_count);
        let (heartbeat_interval_ms, session_timeout_ms) = match config.heartbeat {
            Some(h) => (h.interval_ms, h.timeout_ms),
            None => (
                cfg.broker_heartbeat_interval_ms,
                cfg.broker_session_timeout_ms,
            ),
        };
        let states: Vec<PartitionState> = (0..cfg.partitions)
            .map(|p| {
                let isr = Self::assignment(p, cfg.replication_factor, n as u16)
                    .fold(0u16, |m, b| m | broker_bit(b));
                PartitionState {
                    partition: p,
                    leader: Some(BrokerId(p % n as u16)),
                    epoch: 1,
                    isr,
                    elr: 0,
                    last_leader: None,
                }
            })
            .collect();
        Kafka {
            min_isr_all: cfg.min_insync_replicas,
            brokers: (0..n)
                .map(|_| Broker {
                    replicas: (0..cfg.partitions).map(|_| Replica::new()).collect(),
                    incarnation: 0,
                    process: Process::default(),
                })
                .collect(),
            controller: Controller {
                brokers: vec![
                    ControllerBroker {
                        fenced: false,
                        clean_shutdown: false,
                        last_heartbeat: SimTime::ZERO,
                        incarnation: 1
                    };
                    n
                ],
                states,
                offsets: BTreeMap::new(),
                group: Group::default(),
            },
            cfg,
            os: config.os,
            heartbeat_interval_ms,
            session_timeout_ms,
        }
    }

    /// Partition p's replicas: brokers p, p+1, … (round-robin), leader first.
    fn assignment(p: u16, rf: u16, n: u16) -> impl Iterator<Item = BrokerId> {
        (0..rf).map(move |k| BrokerId((p + k) % n))
    }

    fn replicas_of(&self, p: u16) -> impl Iterator<Item = BrokerId> + use<> {
        Self::assignment(p, self.cfg.replication_factor, self.brokers.len() as u16)
    }

    fn hosts(&self, b: BrokerId, p: u16) -> bool {
        self.replicas_of(p).any(|r| r == b)
    }

    fn broker(&mut self, b: BrokerId) -> &mut Broker {
        &mut self.brokers[usize::from(b.0)]
    }

    /// Partition `p` on broker `b`: its files and its role.
    fn part(&mut self, b: BrokerId, p: u16) -> (&mut Replica, &mut Role) {
        let broker = &mut self.brokers[usize::from(b.0)];
        (
            &mut broker.replicas[usize::from(p)],
            &mut broker.process.roles[usize::from(p)],
        )
    }
}

fn role_epoch(role: &Role) -> u32 {
    match role {
        Role::Idle => 0,
        Role::Follower { epoch, .. } => *epoch,
        Role::Leader(l) => l.epoch,
    }
}

impl System for Kafka {
    fn start(&mut self, out: &mut Out) {
        out.trace(Event::Kafka(KafkaEvent::TopicCreated {
            partitions: self.cfg.partitions,
            replication_factor: self.cfg.replication_factor,
        }));
        for state in self.controller.states.clone() {
            if let Some(leader) = state.leader {
                let isr = members(state.isr);
                out.trace(Event::Kafka(KafkaEvent::LeaderElected {
                    partition: state.partition,
                    broker: leader,
                    epoch: 1,
                    clean: true,
                    isr,
                    from_elr: false,
                    last_known: false,
                }));
                out.queue_leader(state.partition, leader, Epoch(1));
            }
        }
        for i in 0..self.brokers.len() {
            let b = BrokerId(i as u16);
            self.broker(b).process = Process::boot(self.cfg.partitions, out.now);
            self.broker(b).incarnation = 1;
            self.arm_log_flusher(b, out);
            let states = self.controller.states.clone();
            self.apply_states(b, &states, out);
            out.timer(
                Addr::Broker(b),
                self.heartbeat_interval_ms,
                sys(Timer::Heartbeat),
            );
        }
        out.timer(
            Addr::Controller,
            self.heartbeat_interval_ms,
            sys(Timer::SessionCheck),
        );
    }

    fn boot(&mut self, b: BrokerId, out: &mut Out) {
        let partitions = self.cfg.partitions;
        let broker = self.broker(b);
        debug_assert_eq!(broker.process, Process::default(), "{b} boots once");
        broker.process = Process::boot(partitions, out.now);
        broker.incarnation += 1;
        let incarnation = broker.incarnation;
        // What the OS wrote back while the process was down (after a kill).
        self.write_back(b, out);
        self.arm_log_flusher(b, out);
        // Register with the controller at once; it answers with the metadata.
        out.send(
            Addr::Broker(b),
            Addr::Controller,
            kafka(KafkaMsg::BrokerHeartbeat { incarnation }),
        );
        out.timer(
            Addr::Broker(b),
            self.heartbeat_interval_ms,
            sys(Timer::Heartbeat),
        );
    }

    /// The process dies; the log stays. After a kill the OS closes its
    /// sockets, so its clients see the disconnect at once, fail what they
    /// had in flight to it and ask for new metadata (NetworkClient's
    /// `processDisconnection`, `handleServerDisconnect`). Nothing else
    /// changes: the KRaft controller does not watch connections, it
    /// fences the broker only once `broker.session.timeout.ms` passes
    /// without a heartbeat (BrokerHeartbeatManager.hasValidSession,
    /// ReplicationControlManager.maybeFenceOneStaleBroker), as after a
    /// crash, so the metadata names the dead leader until then. Its
    /// followers' fetch connections reset as well; they can fetch from
    /// nobody else until the controller names a new leader, so the model
    /// leaves them to their fetch timeout.
    fn die(&mut self, b: BrokerId, death: Death, out: &mut Out) {
        let process = &mut self.broker(b).process;
        let clients = std::mem::take(&mut process.clients);
        if death == Death::Kill && process.running {
            for client in clients {
                out.send(Addr::Broker(b), client, Payload::SocketClosed { conn: 0 });
            }
        }
        self.write_back(b, out);
        self.broker(b).process = Process::default();
        match death {
            // The host lives: the page cache keeps the log's tail and the
            // OS writes it back as usual.
            Death::Kill => {}
            Death::Crash => self.lose_page_cache(b, out),
        }
    }

    fn host_lost(&mut self, b: BrokerId, out: &mut Out) {
        self.lose_page_cache(b, out);
    }

    fn stop(&mut self, b: BrokerId, out: &mut Out) {
        // Controlled shutdown: the controller moves leadership away first.
        out.send(
            Addr::Broker(b),
            Addr::Controller,
            kafka(KafkaMsg::ControlledShutdown),
        );
        self.flush_all(b, out);
        // Its clients learn of the shutdown from their next request, which
        // the host refuses (connections are not closed one by one here).
        self.broker(b).process.running = false;
        self.die(b, Death::Kill, out);
    }

    fn lose_disk(&mut self, b: BrokerId, out: &mut Out) {
        for replica in &mut self.broker(b).replicas {
            for r in replica.log.drain(..) {
                out.copy_dropped(r.msg, broker_bit(b), DropWhy::DiskLost);
            }
            *replica = Replica::new();
        }
    }

    fn receive(&mut self, b: BrokerId, from: Addr, payload: Payload, out: &mut Out) {
        let Payload::Kafka(msg) = payload else { return };
        self.write_back(b, out);
        match (from, msg) {
            (
                Addr::Controller,
                KafkaMsg::States {
                    states,
                    incarnation,
                },
            ) if incarnation == self.brokers[usize::from(b.0)].incarnation => {
                self.apply_states(b, &states, out)
            }
            (
                Addr::Broker(f),
                KafkaMsg::ReplicaFetch {
                    partition,
                    offset,
                    last_epoch,
                    corr,
                },
            ) => {
                self.on_replica_fetch(
                    b,
                    f,
                    partition,
                    ReplicaFetch {
                        offset,
                        last_epoch,
                        corr,
                    },
                    out,
                );
            }
            (
                Addr::Broker(f),
                KafkaMsg::ReplicaFetchResponse {
                    partition,
                    corr,
                    reply,
                },
            ) => {
                self.on_replica_reply(b, f, partition, corr, *reply, out);
            }
            (Addr::Producer(_) | Addr::Consumer(_), msg) => {
                self.broker(b).process.clients.insert(from);
                self.on_client(b, from, msg, out)
            }
            _ => {}
        }
    }

    fn timer(&mut self, b: BrokerId, timer: SysTimer, out: &mut Out) {
        let SysTimer::Kafka(timer) = timer else {
            return;
        };
        self.write_back(b, out);
        match timer {
            Timer::LogFlusher => self.on_log_flusher(b, out),
            Timer::Heartbeat => {
                let incarnation = self.brokers[usize::from(b.0)].incarnation;
                out.send(
                    Addr::Broker(b),
                    Addr::Controller,
                    kafka(KafkaMsg::BrokerHeartbeat { incarnation }),
                );
                out.timer(
                    Addr::Broker(b),
                    self.heartbeat_interval_ms,
                    sys(Timer::Heartbeat),
                );
            }
            Timer::IsrCheck(p) => self.on_isr_check(b, p, out),
            Timer::FetchWait {
                partition,
                from,
                corr,
            } => self.on_parked_timeout(b, partition, from, corr, out),
            Timer::RefetchDue { partition, corr } => {
                if matches!(self.brokers[usize::from(b.0)].process.roles[usize::from(partition)], Role::Follower { corr: c, .. } if c == corr)
                {
                    self.fetch_from_leader(b, partition, out);
                }
            }
            Timer::SessionCheck | Timer::InitialRebalance { .. } => {}
        }
    }

    fn controller_receive(&mut self, from: Addr, payload: Payload, out: &mut Out) {
        let Payload::Kafka(msg) = payload else { return };
        match (from, msg) {
            (Addr::Broker(b), KafkaMsg::BrokerHeartbeat { incarnation }) => {
                self.controller_heartbeat(b, incarnation, out)
            }
            (
                Addr::Broker(b),
                KafkaMsg::AlterPartition {
                    partition,
                    leader_epoch,
                    isr,
                },
            ) => {
                self.controller_alter(b, partition, leader_epoch, isr, out);
            }
            (Addr::Broker(b), KafkaMsg::ControlledShutdown)
                if !self.controller.brokers[usize::from(b.0)].fenced =>
            {
                self.controller.brokers[usize::from(b.0)].clean_shutdown = true;
                self.fence(b, out);
            }
            (client @ Addr::Consumer(_), KafkaMsg::OffsetFetch { partition }) => {
                let offset = self.controller.offsets.get(&partition).copied();
                out.send(
                    Addr::Controller,
                    client,
                    kafka(KafkaMsg::OffsetFetchResponse { partition, offset }),
                );
            }
            (Addr::Consumer(_), KafkaMsg::OffsetCommit { partition, offset }) => {
                self.controller.offsets.insert(partition, offset);
            }
            (Addr::Consumer(c), KafkaMsg::JoinGroup) => self.on_join_group(c, out),
            _ => {}
        }
    }

    fn controller_timer(&mut self, timer: SysTimer, out: &mut Out) {
        match timer {
            SysTimer::Kafka(Timer::SessionCheck) => {}
            SysTimer::Kafka(Timer::InitialRebalance {
                delay_ms,
                remaining_ms,
            }) => return self.on_initial_rebalance_due(delay_ms, remaining_ms, out),
            _ => return,
        }
        out.timer(
            Addr::Controller,
            self.heartbeat_interval_ms,
            sys(Timer::SessionCheck),
        );
        let now = out.now;
        let expired: Vec<(BrokerId, u64)> = self
            .controller
            .brokers
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.fenced && now.ms_since(c.last_heartbeat) >= self.session_timeout_ms)
            .map(|(i, c)| (BrokerId(i as u16), now.ms_since(c.last_heartbeat)))
            .collect();
        for (b, silent_ms) in expired {
            out.trace(Event::DeclaredDown {
                observer: Addr::Controller,
                target: Addr::Broker(b),
                silent_ms,
                timeout_ms: self.session_timeout_ms,
                by: Detector::BrokerSession,
            });
            self.fence(b, out);
        }
    }

    fn drain(&mut self, _out: &mut Out) {}

    fn leaders(&self) -> Vec<(u16, BrokerId)> {
        let mut out = Vec::new();
        for (i, broker) in self.brokers.iter().enumerate() {
            for (p, role) in broker.process.roles.iter().enumerate() {
                if matches!(role, Role::Leader(_)) {
                    out.push((p as u16, BrokerId(i as u16)));
                }
            }
        }
        out
    }

    fn queues(&self) -> u16 {
        self.cfg.partitions
    }

    fn quiescent(&self) -> bool {
        // Every ISR member has every record the leader has…
        let settled = self.brokers.iter().all(|b| {
            b.replicas
                .iter()
                .zip(&b.process.roles)
                .all(|(r, role)| match role {
                    Role::Leader(l) => {
                        r.high_watermark == r.log_end() && l.waiting.is_empty() && !l.altering
                    }
                    _ => true,
                })
        });
        // …and no running follower still holds records its leader does not
        // (a returning old leader truncates on its next fetch: the run must
        // not end before it has).
        settled && !self.divergent_follower()
    }

    fn committed_offset(&self, partition: u16) -> Option<u64> {
        self.controller.offsets.get(&partition).copied()
    }

    fn final_read(&self) -> Vec<Retained> {
        // A consumer reads a partition from its leader, from the start of
        // the log up to the high watermark. A partition without a leader
        // is read from whatever its running replicas hold on disk.
        let mut found = Vec::new();
        for state in &self.controller.states {
            let p = state.partition;
            let running = |b: &BrokerId| self.brokers[usize::from(b.0)].process.running;
            let readers: Vec<(BrokerId, bool)> = match state.leader.filter(running) {
                Some(leader) => vec![(leader, true)],
                None => self
                    .replicas_of(p)
                    .filter(running)
                    .map(|b| (b, false))
                    .collect(),
            };
            let mut read = Vec::new();
            for (b, up_to_hw) in readers {
                let replica = &self.brokers[usize::from(b.0)].replicas[usize::from(p)];
                let end = if up_to_hw {
                    replica.high_watermark.min(replica.log.len() as u64)
                } else {
                    replica.log.len() as u64
                };
                read.extend(
                    replica.log[..end as usize]
                        .iter()
                        .enumerate()
                        .map(|(offset, r)| Retained {
                            msg: r.msg,
                            queue: p,
                            offset: Some(offset as u64),
                        }),
                );
            }
            // A retried batch may stand at two offsets: the first one read
            // is enough to know the message survives.
            read.sort_by_key(|r| (r.msg, r.offset));
            read.dedup_by_key(|r| r.msg);
            found.extend(read);
        }
        found
    }

    fn replicas(&self) -> Vec<ReplicaView> {
        let mut views = Vec::new();
        for (i, broker) in self.brokers.iter().enumerate() {
            let b = BrokerId(i as u16);
            if !broker.process.running {
                continue;
            }
            for (p, (r, role)) in broker
                .replicas
                .iter()
                .zip(&broker.process.roles)
                .enumerate()
            {
                let p = p as u16;
                if !self.hosts(b, p) {
                    continue;
                }
                let state = broker.process.states.get(usize::from(p));
                let in_isr = state.is_some_and(|s| s.isr & broker_bit(b) != 0);
                let (role, epoch) = match role {
                    Role::Leader(l) => (ViewRole::Master, l.epoch),
                    Role::Follower { epoch, .. } => (ViewRole::Mirror, *epoch),
                    Role::Idle => (ViewRole::Slave, 0),
                };
                views.push(ReplicaView {
                    broker: b,
                    role,
                    epoch,
                    length: r.log.len() as u32,
                    synced: in_isr,
                    partition: p,
                    high_watermark: Some(r.high_watermark),
                });
            }
        }
        views
    }

    fn longest_timeout_ms(&self) -> u64 {
        self.session_timeout_ms + self.cfg.replica_lag_time_max_ms
    }
}

#[cfg(test)]
mod harness;
