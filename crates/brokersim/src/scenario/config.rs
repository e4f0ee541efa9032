//! The validated, typed form of a scenario: what the engine runs. Every value
//! here is in range and every name resolved to an id.

use super::failover_uri::FailoverUri;
use super::settings::{ActiveMqSettings, KafkaSettings, MirroredSettings, QuorumSettings};
use crate::ids::{Addr, BrokerId};
use crate::rng::Ratio;
use crate::view::SystemKind;

#[derive(Clone, Debug)]
pub struct Config {
    pub seed: u64,
    pub duration_ms: u64,
    /// Brokers in all sites together.
    pub broker_count: u16,
    /// Every broker's name (`b1` …, or `primary-b1` … with sites).
    pub broker_names: Vec<String>,
    /// The clusters: one unnamed site holding every broker when the
    /// scenario gives `brokers`, else the scenario's `sites` in order.
    pub sites: Vec<Site>,
    pub system: SystemConfig,
    /// The product release modelled (the scenario's `release`, or the
    /// newest the system models).
    pub release: super::release::Release,
    /// Every host's writeback settings (`os.dirty_expire_ms`,
    /// `os.writeback_interval_ms`; see `systems/storage.rs`).
    pub os: crate::systems::storage::OsSettings,
    /// The scenario's `heartbeat`, overriding the system's own detector timing.
    pub heartbeat: Option<Heartbeat>,
    pub latency_min_us: u64,
    pub latency_max_us: u64,
    pub loss: Ratio,
    pub producers: Vec<ProducerConfig>,
    pub consumers: Vec<ConsumerConfig>,
    pub faults: Vec<Fault>,
}

/// One cluster. Its brokers are `base .. base + count` among all brokers;
/// its system sees them as `b1 … b<count>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    pub name: String,
    pub base: u16,
    pub count: u16,
    /// The site this one receives messages from, and how far behind.
    pub replicate_from: Option<u8>,
    pub lag_ms: u64,
    /// MirrorMaker 2's consumer-offset settings for the flow into this site.
    pub mirror: MirrorOffsets,
}

/// MirrorMaker 2's settings for the consumer group's offsets (KIP-545),
/// with their real defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MirrorOffsets {
    /// `sync.group.offsets.enabled`: write the translated offsets into the
    /// target cluster's group (default false: nothing does).
    pub sync_group_offsets: bool,
    /// `emit.checkpoints.interval.seconds` (default 60), in ms.
    pub checkpoint_interval_ms: u64,
    /// `offset.lag.max`: records between offset syncs (default 100).
    pub offset_lag_max: u64,
}

impl Default for MirrorOffsets {
    fn default() -> MirrorOffsets {
        MirrorOffsets {
            sync_group_offsets: false,
            checkpoint_interval_ms: 60_000,
            offset_lag_max: 100,
        }
    }
}

impl Site {
    pub fn contains(&self, b: BrokerId) -> bool {
        (self.base..self.base + self.count).contains(&b.0)
    }

    pub fn brokers(&self) -> impl Iterator<Item = BrokerId> + use<> {
        (self.base..self.base + self.count).map(BrokerId)
    }
}

impl Config {
    /// Whether the scenario has disaster-recovery sites.
    pub fn has_sites(&self) -> bool {
        !self.sites[0].name.is_empty()
    }

    /// The site a broker belongs to.
    pub fn site_of(&self, b: BrokerId) -> u8 {
        self.sites.iter().position(|s| s.contains(b)).unwrap_or(0) as u8
    }

    /// This configuration as one site's cluster sees it.
    pub fn for_site(&self, site: u8) -> Config {
        let s = &self.sites[usize::from(site)];
        Config {
            broker_count: s.count,
            broker_names: (1..=s.count).map(|i| format!("b{i}")).collect(),
            ..self.clone()
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Heartbeat {
    pub interval_ms: u64,
    pub timeout_ms: u64,
}

#[derive(Clone, Debug)]
pub enum SystemConfig {
    ActiveMq(ActiveMqSettings),
    Mirrored(MirroredSettings),
    Quorum(QuorumSettings),
    Kafka(KafkaSettings),
}

impl SystemConfig {
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }

    /// Which system this is, without its settings.
    pub fn kind(&self) -> SystemKind {
        match self {
            SystemConfig::ActiveMq(_) => SystemKind::ActiveMq,
            SystemConfig::Mirrored(_) => SystemKind::Mirrored,
            SystemConfig::Quorum(_) => SystemKind::Quorum,
            SystemConfig::Kafka(_) => SystemKind::Kafka,
        }
    }

    /// Both RabbitMQ designs speak AMQP 0-9-1 to their clients.
    pub fn is_rabbitmq(&self) -> bool {
        matches!(self, SystemConfig::Mirrored(_) | SystemConfig::Quorum(_))
    }
}

/// How a client finds a broker and what it does when the connection dies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnectPolicy {
    /// A plain connection to one broker (ActiveMQ `tcp://`): no reconnect.
    Single(BrokerId),
    /// RabbitMQ client automatic recovery over an address list: after a
    /// connection dies, wait `recovery_interval_ms`, then try the list in order.
    Recovery {
        brokers: Vec<BrokerId>,
        recovery_interval_ms: u64,
    },
    /// ActiveMQ's failover transport.
    Failover {
        brokers: Vec<BrokerId>,
        uri: FailoverUri,
    },
}

impl ConnectPolicy {
    pub fn brokers(&self) -> &[BrokerId] {
        match self {
            ConnectPolicy::Single(b) => std::slice::from_ref(b),
            ConnectPolicy::Recovery { brokers, .. } | ConnectPolicy::Failover { brokers, .. } => {
                brokers
            }
        }
    }
}

#[derive(Clone, Debug)]
pub struct ClientConnection {
    pub policy: ConnectPolicy,
    /// How long a connection attempt to a host that does not answer waits.
    pub connect_timeout_ms: u64,
    /// Heartbeat (AMQP) or inactivity monitor (OpenWire) timing.
    pub heartbeat: Heartbeat,
}

/// Kafka's producer `acks`: wire vocabulary, defined with Kafka's protocol.
pub use crate::systems::kafka::protocol::Acks;

#[derive(Clone, Debug)]
pub struct KafkaProducerConfig {
    pub acks: Acks,
    pub idempotent: bool,
    pub delivery_timeout_ms: u64,
    pub request_timeout_ms: u64,
    pub max_in_flight: u32,
}

#[derive(Clone, Debug)]
pub struct KafkaConsumerConfig {
    /// `auto.offset.reset=earliest` (else `latest`).
    pub reset_earliest: bool,
    /// `enable.auto.commit` (`ack: auto`), committing every interval.
    pub auto_commit: bool,
    pub auto_commit_interval_ms: u64,
}

#[derive(Clone, Debug)]
pub struct ProducerConfig {
    pub rate_per_s: u32,
    pub count: Option<u32>,
    pub start_ms: u64,
    pub persistent: bool,
    pub confirms: bool,
    pub retries: u32,
    pub confirm_timeout_ms: u64,
    pub connection: ClientConnection,
    /// Set for Kafka producers.
    pub kafka: Option<KafkaProducerConfig>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AckMode {
    Auto,
    Manual,
}

#[derive(Clone, Debug)]
pub struct ConsumerConfig {
    pub ack: AckMode,
    /// 0 = unlimited (RabbitMQ's default).
    pub prefetch: u32,
    pub process_ms: u64,
    pub start_ms: u64,
    pub connection: ClientConnection,
    /// Set for Kafka consumers.
    pub kafka: Option<KafkaConsumerConfig>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub at_ms: u64,
    pub kind: FaultKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// The host fails (power, kernel panic) and the process with it:
    /// nobody is told, peers and clients notice only through their
    /// timeouts. For a client: its machine dies.
    Crash(Addr),
    /// The process dies and its host lives (SIGKILL, the OOM killer): the
    /// OS closes its sockets, so peers and clients see their connections
    /// reset at once, and releases the locks it held.
    Kill(Addr),
    /// Graceful shutdown: connections closed, peers told.
    Stop(Addr),
    Restart(Addr),
    Pause {
        broker: BrokerId,
        for_ms: u64,
    },
    LoseDisk(BrokerId),
    /// Groups of brokers cut from each other; `controller_group` is the
    /// group Kafka's controller quorum sits in (by default the largest).
    Partition {
        groups: Vec<Vec<BrokerId>>,
        controller_group: Option<u8>,
    },
    Heal,
    SlowLink {
        a: BrokerId,
        b: BrokerId,
        latency_ms: u64,
    },
    /// Every broker of the site goes down at once (a power or network
    /// outage of the data centre); `SiteUp` brings them back.
    SiteDown(u8),
    SiteUp(u8),
    /// The site is destroyed: its brokers and their disks never return.
    LoseSite(u8),
    /// The applications are repointed to this site.
    FailoverSite(u8),
}
