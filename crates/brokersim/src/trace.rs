//! The trace: what happened, as typed events (not strings), with their
//! virtual time. `voice::sentence` turns one into the sentence a student
//! reads; the CLI and the page share it. The trace hash folds every event into a stable
//! 64-bit FNV-1a over a platform-independent encoding, so the same scenario
//! and seed give the same hash natively and in wasm.

use serde::Serialize;

use crate::ids::{Addr, BrokerId, Epoch, MsgId};
use crate::time::SimTime;

/// Which failure detector noticed the silence, named as the product names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Detector {
    /// Erlang distribution ticks between RabbitMQ nodes (`net_ticktime`).
    NetTicktime,
    /// AMQP 0-9-1 connection heartbeats.
    AmqpHeartbeat,
    /// ActiveMQ OpenWire inactivity monitor (`maxInactivityDuration`).
    InactivityMonitor,
    /// The scenario's own `heartbeat` setting.
    Heartbeat,
    /// Kafka's controller: `broker.session.timeout.ms` without a heartbeat.
    BrokerSession,
    /// Ra's node failure detector, `aten` (RabbitMQ quorum queues).
    Aten,
    /// No timeout at all: the peer's process was killed and its OS closed
    /// the connection, which Erlang reports as `nodedown` with reason
    /// `connection_closed` (the `kill` fault).
    ConnectionClosed,
}

/// Why a client's connection ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum LinkLoss {
    /// The peer went silent for longer than the detector's timeout.
    Silent,
    /// The broker closed the connection (graceful stop, paused node).
    ClosedByBroker,
    /// The broker's host answered with a TCP reset (the broker restarted).
    Reset,
    /// The broker's process was killed and its OS closed the connection.
    ProcessKilled,
}

/// Why a copy of a message was destroyed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum DropWhy {
    /// Held only in memory by a process that died.
    ProcessDied,
    /// The disk was lost.
    DiskLost,
    /// Written to a file but still in the OS page cache, not on disk, when
    /// the host lost power (issue 14).
    PageCacheLost,
    /// A node rejoining as a mirror throws its old contents away.
    RejoinedEmpty,
    /// The losing side of a partition was reset when it was resolved.
    PartitionLoser,
    /// A consumer with auto-ack died with it in its buffer.
    ConsumerDied,
    /// Kafka: a replica truncated its log to the new leader's.
    Truncated,
    /// An auto-ack delivery that reached no consumer (it crashed, or the
    /// network dropped it): the queue forgot the message as it sent it.
    DeliveryLost,
    /// Returned more often than the queue's `delivery-limit`: dropped (or
    /// dead-lettered, which the simulator does not follow).
    DeliveryLimit,
}

/// Which of autoheal's criteria decided between the sides of a partition
/// (`rabbit_autoheal:make_decision` sorts them by client connections, then
/// node count, then node names). `runner_up` is the best losing side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum WonBy {
    /// More client connections.
    Connections { winners: u32, runner_up: u32 },
    /// As many connections, more nodes.
    Nodes {
        connections: u32,
        winners: u32,
        runner_up: u32,
    },
    /// As many connections and nodes: the side whose node names sort last.
    NodeNames { connections: u32, nodes: u32 },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Event {
    // Faults and the world.
    /// The host failed (`crash`): for a broker, power or kernel; for a
    /// client, its machine.
    Crashed(Addr),
    /// The process was killed on a live host (`kill`).
    Killed(Addr),
    /// A broker crashed and its disk went with it (`lose_disk`, a site
    /// lost for good): unlike `Crashed`, nothing it had written survives.
    CrashedWithDisk(BrokerId),
    Stopped(Addr),
    Restarted(Addr),
    Paused {
        broker: BrokerId,
        for_ms: u64,
    },
    Resumed(BrokerId),
    DiskLost(BrokerId),
    Partitioned {
        groups: Vec<Vec<BrokerId>>,
    },
    Healed,
    LinkSlowed {
        a: BrokerId,
        b: BrokerId,
        latency_ms: u64,
    },
    FaultPhaseEnded,
    /// After the drain, the final reader's verdict on the confirmed
    /// messages: delivered, still held but never consumed (by reason), lost.
    FinalRead {
        delivered: u64,
        unconsumed: Vec<(crate::report::UnconsumedWhy, u64)>,
        lost: u64,
    },
    DrainFinished {
        clean: bool,
    },

    // Failure detection.
    DeclaredDown {
        observer: Addr,
        target: Addr,
        silent_ms: u64,
        timeout_ms: u64,
        by: Detector,
    },
    BackInContact {
        observer: BrokerId,
        target: BrokerId,
    },
    /// The peer closed the connection: it had declared this node down.
    PeerDisconnected {
        observer: BrokerId,
        target: BrokerId,
    },

    // Clients.
    Connected {
        client: Addr,
        broker: BrokerId,
    },
    ConnectFailed {
        client: Addr,
        broker: BrokerId,
        refused: bool,
    },
    ConnectionLost {
        client: Addr,
        broker: BrokerId,
        why: LinkLoss,
    },
    ReconnectIn {
        client: Addr,
        delay_ms: u64,
        attempt: u32,
    },
    GaveUp {
        client: Addr,
        attempts: u32,
    },
    Published {
        msg: MsgId,
        producer: Addr,
        attempt: u16,
    },
    Confirmed {
        msg: MsgId,
    },
    Nacked {
        msg: MsgId,
        will_retry: bool,
    },
    ConfirmTimedOut {
        msg: MsgId,
        will_retry: bool,
    },
    Unsent {
        msg: MsgId,
        will_retry: bool,
    },
    Delivered {
        msg: MsgId,
        consumer: Addr,
        redelivered: bool,
    },

    // ActiveMQ shared store.
    LockAcquired {
        broker: BrokerId,
    },
    LockLeaseExpired {
        holder: BrokerId,
    },
    /// The NFSv4 server's lease for a crashed master's host ran out, and
    /// with it the shared-file lock (`nfsv4leasetime`).
    NfsLeaseExpired {
        holder: BrokerId,
        lease_ms: u64,
    },
    /// A master's host that crashed holding the shared-file lock booted
    /// again and told the NFS server, which dropped its old lock.
    NfsHostRebooted {
        holder: BrokerId,
    },
    LockLostShutdown {
        broker: BrokerId,
    },
    StoreLoaded {
        broker: BrokerId,
        messages: u32,
    },
    TransientLost {
        broker: BrokerId,
        /// Not delivered yet: gone for good.
        messages: u32,
        /// Already pushed to a consumer, unacknowledged: they live on only
        /// in its buffer (nothing can redeliver them).
        delivered: u32,
    },

    // RabbitMQ mirrored queue.
    QueueCreated {
        master: BrokerId,
        mirrors: Vec<BrokerId>,
        mirrored: bool,
    },
    MirrorJoined {
        broker: BrokerId,
        synced: bool,
        missing: u32,
    },
    MirrorSynced {
        broker: BrokerId,
    },
    MirrorDropped {
        master: BrokerId,
        mirror: BrokerId,
    },
    Promoted {
        broker: BrokerId,
        epoch: Epoch,
        synced: bool,
        lost_with_old_master: u32,
    },
    PromotionRefused {
        broker: BrokerId,
        on_shutdown: bool,
    },
    MasterRecovered {
        broker: BrokerId,
        epoch: Epoch,
        messages: u32,
    },
    Requeued {
        broker: BrokerId,
        messages: u32,
    },
    PausedMinority {
        broker: BrokerId,
        reachable: u32,
        cluster: u32,
    },
    ResumedMajority {
        broker: BrokerId,
    },
    PartitionNoticed {
        broker: BrokerId,
        other: BrokerId,
    },
    PartitionResolved {
        winners: Vec<BrokerId>,
        losers: Vec<BrokerId>,
        automatic: bool,
        /// Why the winners were kept, where the rule ranks the sides the
        /// way `rabbit_autoheal:make_decision` does.
        won_by: Option<WonBy>,
    },
    Discarded {
        broker: BrokerId,
        messages: u32,
        why: DropWhy,
    },

    /// RabbitMQ quorum queues (Raft).
    Quorum(crate::systems::quorum::events::QuorumEvent),
    /// Kafka partitions, the controller and Kafka clients.
    Kafka(crate::systems::kafka::events::KafkaEvent),

    /// Several brokers lead the queue and accept writes at once.
    // Disaster recovery.
    /// Every broker of the site went down at once.
    SiteDown {
        site: String,
    },
    SiteUp {
        site: String,
    },
    /// The site is destroyed: brokers and disks never return.
    SiteLost {
        site: String,
    },
    /// The applications were repointed to this site.
    FailedOver {
        site: String,
    },
    /// A cross-site replicator had a message confirmed by its target site.
    Replicated {
        msg: MsgId,
        by: Addr,
    },
    /// The source site is down: the replicator holds what it has not sent.
    ReplicationStalled {
        by: Addr,
        waiting: u32,
    },
    /// MirrorMaker 2 wrote the consumer group's offsets, translated, into
    /// the target site (`emit.checkpoints.interval.seconds`): (partition, offset).
    OffsetsCheckpointed {
        by: Addr,
        offsets: Vec<(u16, u64)>,
    },
    SplitBrain {
        leaders: Vec<BrokerId>,
    },

    // Invariants.
    Violation(crate::invariants::Violation),
}

/// What kind of thing an event is: the one definition the engine (which
/// events can change who may accept writes), the page's log filters and
/// the tests share.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// One message's progress: published, confirmed, refused, delivered,
    /// copied to another site.
    Message,
    /// Something done to the world: a crash, a pause, a partition, the
    /// fault phase's end and the drain.
    Fault,
    /// A failure detector's verdict, or contact regained.
    Detection,
    /// Who leads, who replicates, what the brokers keep or throw away.
    Leadership,
    /// A client's connection, its retries and its position.
    Client,
    /// A whole site, its replication and its failover.
    Site,
    /// A broken invariant.
    Violation,
}

impl Event {
    /// Calls `f` on every broker id the event names (an `Addr::Broker`
    /// included). The engine uses it to turn a site's own ids into the
    /// engine's (`engine::sites`), as it does for every other action, so a
    /// recorded event means the same thing without any naming context. No
    /// wildcard arm: a new event must say which brokers it names.
    pub fn brokers_mut(&mut self, f: &mut dyn FnMut(&mut BrokerId)) {
        let mut addr = |a: &mut Addr| {
            if let Addr::Broker(b) = a {
                f(b);
            }
        };
        match self {
            Event::Crashed(a) | Event::Killed(a) | Event::Stopped(a) | Event::Restarted(a) => {
                addr(a)
            }
            Event::DeclaredDown {
                observer, target, ..
            } => {
                addr(observer);
                addr(target);
            }
            Event::ReconnectIn { client, .. } | Event::GaveUp { client, .. } => addr(client),
            Event::Published { producer: a, .. }
            | Event::Delivered { consumer: a, .. }
            | Event::Replicated { by: a, .. }
            | Event::ReplicationStalled { by: a, .. }
            | Event::OffsetsCheckpointed { by: a, .. } => addr(a),
            Event::Connected { client, broker }
            | Event::ConnectFailed { client, broker, .. }
            | Event::ConnectionLost { client, broker, .. } => {
                addr(client);
                f(broker);
            }
            Event::CrashedWithDisk(b)
            | Event::Resumed(b)
            | Event::DiskLost(b)
            | Event::Paused { broker: b, .. }
            | Event::LockAcquired { broker: b }
            | Event::LockLeaseExpired { holder: b }
            | Event::NfsLeaseExpired { holder: b, .. }
            | Event::NfsHostRebooted { holder: b }
            | Event::LockLostShutdown { broker: b }
            | Event::StoreLoaded { broker: b, .. }
            | Event::TransientLost { broker: b, .. }
            | Event::MirrorJoined { broker: b, .. }
            | Event::MirrorSynced { broker: b }
            | Event::Promoted { broker: b, .. }
            | Event::PromotionRefused { broker: b, .. }
            | Event::MasterRecovered { broker: b, .. }
            | Event::Requeued { broker: b, .. }
            | Event::PausedMinority { broker: b, .. }
            | Event::ResumedMajority { broker: b }
            | Event::Discarded { broker: b, .. } => f(b),
            Event::LinkSlowed { a, b, .. }
            | Event::BackInContact {
                observer: a,
                target: b,
            }
            | Event::PeerDisconnected {
                observer: a,
                target: b,
            }
            | Event::MirrorDropped {
                master: a,
                mirror: b,
            }
            | Event::PartitionNoticed {
                broker: a,
                other: b,
            } => {
                f(a);
                f(b);
            }
            Event::Partitioned { groups } => groups.iter_mut().flatten().for_each(f),
            Event::QueueCreated {
                master, mirrors, ..
            } => {
                f(master);
                mirrors.iter_mut().for_each(f);
            }
            Event::PartitionResolved {
                winners, losers, ..
            } => winners.iter_mut().chain(losers).for_each(f),
            Event::SplitBrain { leaders } => leaders.iter_mut().for_each(f),
            Event::Violation(v) => v.brokers_mut(f),
            Event::Quorum(e) => e.brokers_mut(f),
            Event::Kafka(e) => e.brokers_mut(f),
            Event::Healed
            | Event::FaultPhaseEnded
            | Event::FinalRead { .. }
            | Event::DrainFinished { .. }
            | Event::Confirmed { .. }
            | Event::Nacked { .. }
            | Event::ConfirmTimedOut { .. }
            | Event::Unsent { .. }
            | Event::SiteDown { .. }
            | Event::SiteUp { .. }
            | Event::SiteLost { .. }
            | Event::FailedOver { .. } => {}
        }
    }

    /// What kind of thing this event is. No wildcard arm: a new event
    /// must say what it is.
    pub fn category(&self) -> Category {
        use Category::*;
        match self {
            Event::Published { .. }
            | Event::Confirmed { .. }
            | Event::Nacked { .. }
            | Event::ConfirmTimedOut { .. }
            | Event::Unsent { .. }
            | Event::Delivered { .. }
            | Event::Replicated { .. } => Message,
            Event::Crashed(_)
            | Event::Killed(_)
            | Event::CrashedWithDisk(_)
            | Event::Stopped(_)
            | Event::Restarted(_)
            | Event::Paused { .. }
            | Event::Resumed(_)
            | Event::DiskLost(_)
            | Event::Partitioned { .. }
            | Event::Healed
            | Event::LinkSlowed { .. }
            | Event::FaultPhaseEnded
            | Event::FinalRead { .. }
            | Event::DrainFinished { .. } => Fault,
            Event::DeclaredDown { .. }
            | Event::BackInContact { .. }
            | Event::PeerDisconnected { .. }
            | Event::PartitionNoticed { .. } => Detection,
            Event::Connected { .. }
            | Event::ConnectFailed { .. }
            | Event::ConnectionLost { .. }
            | Event::ReconnectIn { .. }
            | Event::GaveUp { .. } => Client,
            Event::LockAcquired { .. }
            | Event::LockLeaseExpired { .. }
            | Event::NfsLeaseExpired { .. }
            | Event::NfsHostRebooted { .. }
            | Event::LockLostShutdown { .. }
            | Event::StoreLoaded { .. }
            | Event::TransientLost { .. }
            | Event::QueueCreated { .. }
            | Event::MirrorJoined { .. }
            | Event::MirrorSynced { .. }
            | Event::MirrorDropped { .. }
            | Event::Promoted { .. }
            | Event::PromotionRefused { .. }
            | Event::MasterRecovered { .. }
            | Event::Requeued { .. }
            | Event::PausedMinority { .. }
            | Event::ResumedMajority { .. }
            | Event::PartitionResolved { .. }
            | Event::Discarded { .. }
            | Event::SplitBrain { .. } => Leadership,
            Event::Quorum(e) => quorum_category(e),
            Event::Kafka(e) => kafka_category(e),
            Event::SiteDown { .. }
            | Event::SiteUp { .. }
            | Event::SiteLost { .. }
            | Event::FailedOver { .. }
            | Event::ReplicationStalled { .. }
            | Event::OffsetsCheckpointed { .. } => Site,
            Event::Violation(_) => Violation,
        }
    }

    /// One message's progress (see [`Category::Message`]).
    pub fn is_message(&self) -> bool {
        self.category() == Category::Message
    }
}

fn quorum_category(event: &crate::systems::quorum::events::QuorumEvent) -> Category {
    use crate::systems::quorum::events::QuorumEvent as Q;
    match event {
        Q::Declared { .. }
        | Q::ElectionStarted { .. }
        | Q::LeaderElected { .. }
        | Q::SteppedDown { .. }
        | Q::Truncated { .. }
        | Q::Recovered { .. }
        | Q::CaughtUp { .. }
        | Q::NoQuorum { .. }
        | Q::DeliveryLimit { .. } => Category::Leadership,
    }
}

fn kafka_category(event: &crate::systems::kafka::events::KafkaEvent) -> Category {
    use crate::systems::kafka::events::KafkaEvent as K;
    match event {
        K::Fenced { .. } | K::Unfenced { .. } => Category::Detection,
        K::TopicCreated { .. }
        | K::LeaderElected { .. }
        | K::Offline { .. }
        | K::ElrChanged { .. }
        | K::LeftElr { .. }
        | K::IsrShrunk { .. }
        | K::IsrExpanded { .. }
        | K::AlterRefused { .. }
        | K::BecameLeader { .. }
        | K::SteppedDown { .. }
        | K::Truncated { .. }
        | K::NotEnoughReplicas { .. }
        | K::NotEnoughReplicasAfterAppend { .. }
        | K::DuplicateDropped { .. } => Category::Leadership,
        K::ProduceRetry { .. }
        | K::ConsumerPosition { .. }
        | K::ConsumerReset { .. }
        | K::GroupRebalanced { .. }
        | K::ConsumerDiverged { .. }
        | K::DeliveryTimedOut { .. }
        | K::RetriesExhausted { .. } => Category::Client,
    }
}

/// One recorded event and when it happened. Its broker ids are the
/// engine's (a site's cluster's own ids are shifted when it records, see
/// `engine::sites`), so the entry means the same thing wherever it goes:
/// its JSON names brokers `b1` … `bN` across all sites, in site order (the
/// order of `View::brokers`), and only the sentences, rendered through an
/// explicit `voice::Naming`, use the sites' names (`dr-b1`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TraceEntry {
    pub at: SimTime,
    pub event: Event,
}

/// The recorded events and their running hash.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    entries: Vec<TraceEntry>,
    hash: StableHash,
}

impl Trace {
    pub fn record(&mut self, at: SimTime, event: Event) {
        self.hash.write_u64(at.0);
        hash_event(&mut self.hash, &event);
        self.entries.push(TraceEntry { at, event });
    }

    pub fn entries(&self) -> &[TraceEntry] {
        &self.entries
    }

    pub fn hash_hex(&self) -> String {
        format!("{:016x}", self.hash.0)
    }
}

/// FNV-1a, 64-bit: tiny, fast, and defined over bytes, so its value does not
/// depend on the platform (unlike `std`'s `Hash`, which feeds `usize` and
/// enum discriminants in native widths).
#[derive(Clone, Copy, Debug)]
pub struct StableHash(pub u64);

impl Default for StableHash {
    fn default() -> Self {
        StableHash(0xcbf2_9ce4_8422_2325)
    }
}

impl StableHash {
    pub fn write_bytes(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    pub fn write_u64(&mut self, value: u64) {
        self.write_bytes(&value.to_le_bytes());
    }
}

/// Feeds an event to the hash through its JSON form: serde's output for these
/// plain types is the same on every platform, and it cannot drift from the
/// event's fields as they change. Only the text is hashed, never stored.
fn hash_event(hash: &mut StableHash, event: &Event) {
    struct HashWriter<'a>(&'a mut StableHash);
    impl std::io::Write for HashWriter<'_> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.write_bytes(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    // Writing plain data into an infallible writer cannot fail.
    let _ = crate::json::write(&mut HashWriter(hash), event);
}

impl Trace {
    /// Moves the entries recorded so far out of the trace; the running hash
    /// stays. A long run's driver keeps them once, elsewhere, instead of in
    /// every checkpoint (see `engine/checkpoint.rs`).
    pub fn drain_entries(&mut self) -> std::vec::Drain<'_, TraceEntry> {
        self.entries.drain(..)
    }
}
