//! What a front end draws at one moment: brokers and their status, each
//! broker's replica of the queue, clients and their connections, and the
//! packets in flight with their send and arrival times (so a drawing can
//! interpolate their position).

use serde::Serialize;

use crate::ids::{Addr, BrokerId, MsgId};
use crate::time::SimTime;

/// Which system a run models. Serialized (the JSON view, the JS API) as the
/// scenario's `system` string: `rabbitmq-mirrored`, `activemq`, …
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SystemKind {
    #[serde(rename = "rabbitmq-mirrored")]
    Mirrored,
    #[serde(rename = "activemq")]
    ActiveMq,
    #[serde(rename = "rabbitmq-quorum")]
    Quorum,
    #[serde(rename = "kafka")]
    Kafka,
}

impl SystemKind {
    pub const ALL: [SystemKind; 4] = [
        SystemKind::Mirrored,
        SystemKind::ActiveMq,
        SystemKind::Quorum,
        SystemKind::Kafka,
    ];

    /// The system a scenario's `system` names, if it names one.
    pub fn from_name(name: &str) -> Option<SystemKind> {
        SystemKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The product whose release `release` names.
    pub fn product(self) -> &'static str {
        match self {
            SystemKind::Mirrored | SystemKind::Quorum => "RabbitMQ",
            SystemKind::ActiveMq => "ActiveMQ Classic",
            SystemKind::Kafka => "Kafka",
        }
    }

    /// The system's name as in scenarios.
    pub fn name(self) -> &'static str {
        match self {
            SystemKind::Mirrored => "rabbitmq-mirrored",
            SystemKind::ActiveMq => "activemq",
            SystemKind::Quorum => "rabbitmq-quorum",
            SystemKind::Kafka => "kafka",
        }
    }
}

impl std::fmt::Display for SystemKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BrokerStatus {
    Up,
    /// The host failed (the `crash` fault): nothing answers.
    Crashed,
    /// The process was killed on a live host (the `kill` fault): the OS
    /// refuses connections, as for a stopped broker.
    Killed,
    Stopped,
    Paused,
}

impl BrokerStatus {
    /// No process runs (crashed, killed or stopped).
    pub fn is_down(self) -> bool {
        matches!(
            self,
            BrokerStatus::Crashed | BrokerStatus::Killed | BrokerStatus::Stopped
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// RabbitMQ queue master / ActiveMQ master holding the store lock.
    Master,
    Mirror,
    /// ActiveMQ slave polling for the lock.
    Slave,
    /// RabbitMQ node paused by `pause_minority`.
    PausedMinority,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReplicaView {
    pub broker: BrokerId,
    pub role: Role,
    pub epoch: u32,
    /// Messages held (ready and unacknowledged; Kafka: the log's length).
    pub length: u32,
    /// Synchronised mirror / in the ISR / caught up with the commit index.
    pub synced: bool,
    /// Kafka's partition (0 for the other designs' single queue).
    pub partition: u16,
    /// Kafka: the replica's high watermark.
    pub high_watermark: Option<u64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct BrokerView {
    pub name: String,
    /// Its site's name (empty without sites).
    pub site: String,
    pub status: BrokerStatus,
    /// Partition group (all equal when the network is whole).
    pub group: u8,
}

/// A producer's or consumer's connection, as the cluster view labels it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientState {
    /// The application's process is down.
    Crashed,
    /// Not connected and not trying (before its first connection).
    Idle,
    Connecting,
    Connected,
    /// Between two connection attempts (the reconnect back-off).
    WaitingToReconnect,
    /// Out of reconnect attempts.
    GaveUp,
    /// A Kafka client asking for the partition's new leader.
    RefreshingMetadata,
    /// A Kafka consumer polling its partitions.
    Fetching,
}

#[derive(Clone, Debug, Serialize)]
pub struct ClientView {
    pub name: String,
    /// Broker the client is connected to, if any.
    pub connected_to: Option<BrokerId>,
    pub state: ClientState,
    /// Producers: sent but unconfirmed; consumers: received but unhandled.
    pub outstanding: u32,
    /// Producers: messages the application is waiting to send.
    pub backlog: u32,
    /// While waiting to reconnect: when the next attempt starts.
    pub reconnect_at: Option<SimTime>,
    /// How long the client has not heard from its broker, and after how
    /// long it gives up on it (the heartbeat or inactivity timeout).
    pub silent_ms: u64,
    pub timeout_ms: u64,
}

/// One failure detector's view of one peer: how close to "declared down".
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Suspicion {
    pub observer: BrokerId,
    pub target: BrokerId,
    pub silent_ms: u64,
    pub timeout_ms: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct PacketView {
    pub from: Addr,
    pub to: Addr,
    pub sent_at: SimTime,
    pub arrives_at: SimTime,
    pub message: Option<MsgId>,
    pub heartbeat: bool,
    pub kind: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct View {
    pub now: SimTime,
    pub draining: bool,
    pub finished: bool,
    pub brokers: Vec<BrokerView>,
    pub replicas: Vec<ReplicaView>,
    pub producers: Vec<ClientView>,
    pub consumers: Vec<ClientView>,
    pub in_flight: Vec<PacketView>,
    /// Broker-to-broker failure detectors (RabbitMQ's net_ticktime).
    pub suspicions: Vec<Suspicion>,
    /// The system (serialized as its name in scenarios, `rabbitmq-mirrored`, …).
    pub system: SystemKind,
    /// The product release modelled (serialized as `"4.2"`).
    pub release: crate::scenario::release::Release,
    /// Disaster-recovery sites (empty without sites).
    pub sites: Vec<SiteView>,
    /// For each holder, how many messages it keeps a copy of (the copies
    /// ledger's count, which `Sim::copies` details message by message).
    pub held: Vec<HeldView>,
}

/// One copy of a message (see `Sim::copies`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CopyView {
    pub holder: crate::ledger::Holder,
    /// The holder's name: `b2`, `dr-b1`, `shared_store`.
    pub name: String,
    /// The holder's replica role now, where it has one for the queue.
    pub role: Option<Role>,
    /// Where the copy is on its host: `memory`, `page_cache` or `disk`.
    pub layer: crate::ledger::Layer,
}

/// Where a message's copies are now, and what destroyed the last one gone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MessageCopies {
    pub msg: MsgId,
    /// Copies on brokers and in shared stores.
    pub stored: Vec<CopyView>,
    /// Packets carrying it right now: (from, to).
    pub in_flight: Vec<(Addr, Addr)>,
    /// The last copy destroyed, and why; `None` if none was.
    pub last_drop: Option<(crate::report::LossCause, Option<String>)>,
    /// When its last copy vanished before anyone consumed it.
    pub unrecoverable_at: Option<SimTime>,
}

/// How many messages a holder keeps a copy of.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HeldView {
    pub holder: crate::ledger::Holder,
    pub messages: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct SiteView {
    pub name: String,
    /// `up`, `down` (an outage) or `lost` (destroyed).
    pub status: &'static str,
    /// The applications are pointed at this site.
    pub active: bool,
    pub replicate_from: Option<String>,
    pub lag_ms: u64,
    /// Messages the replicator has picked up at the source and not yet
    /// handed on (they are lost if the source site is lost).
    pub waiting: u32,
}
