//! The `settings` object: the real products' option names, units and
//! defaults (README.md, "Settings"). Each system accepts only its own
//! options; a Kafka option under RabbitMQ is refused with a sentence saying so.

use std::collections::BTreeMap;

use serde_json::Value;

use super::error::ScenarioError;
use super::limits::{MAX_BROKERS, MAX_TIMEOUT_MS};
use super::release::Release;
use crate::ids::BrokerId;
use crate::systems::storage::OsSettings;

/// RabbitMQ classic mirrored queue policy and node settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MirroredSettings {
    /// `None` when no `ha-mode` policy applies: the queue is not mirrored.
    pub ha_mode: Option<HaMode>,
    pub ha_sync_mode: SyncMode,
    pub ha_promote_on_failure: PromoteWhen,
    pub ha_promote_on_shutdown: PromoteWhen,
    pub cluster_partition_handling: PartitionHandling,
    /// Erlang distribution `net_ticktime`, in seconds (default 60).
    pub net_ticktime_s: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HaMode {
    All,
    /// `exactly` with `ha-params` = total number of copies (master included).
    Exactly(u32),
    Nodes(Vec<BrokerId>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncMode {
    Manual,
    Automatic,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromoteWhen {
    Always,
    WhenSynced,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartitionHandling {
    Ignore,
    PauseMinority,
    Autoheal,
}

/// ActiveMQ shared-store master/slave settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActiveMqSettings {
    pub lock_acquire_sleep_interval_ms: u64,
    /// `lockKeepAlivePeriod` of the persistence adapter; 0 disables it
    /// (KahaDB's default; the JDBC adapter's is 30 s).
    pub lock_keep_alive_period_ms: u64,
    pub locker: Locker,
    /// KahaDB's `journalDiskSyncStrategy`: when the journal is fsynced.
    pub journal_disk_sync: JournalSync,
    /// The shared file system under the shared-file-locker (the NFS mount
    /// option `nfsvers`): what becomes of the lock when the master's host
    /// crashes.
    pub nfs: Nfs,
}

/// The NFS server's handling of a lock whose client host died (ActiveMQ's
/// "Shared File System Master Slave" page: NFSv3 never times it out, NFSv4
/// releases it once the client's lease expires, after 30 seconds). A
/// killed process's lock is released at once either way: its host's
/// kernel closes the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nfs {
    /// `nfsvers=4` (the default): the lock goes when the dead host's lease
    /// expires, `nfsv4leasetime` after its last renewal.
    V4 { lease_ms: u64 },
    /// `nfsvers=3`: the lock stays until the dead host boots again and
    /// tells the server (NSM's reboot notification).
    V3,
}

/// KahaDB's `journalDiskSyncStrategy` (`Journal.JournalDiskSyncStrategy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JournalSync {
    /// `always` (the default): every journal write is fsynced before the
    /// broker answers (`DataFileAppender` forces a batch holding a sync
    /// write to disk before it signals the writers).
    Always,
    /// `periodic`: the journal is fsynced every `journalDiskSyncInterval`
    /// ms (default 1000); the broker answers before.
    Periodic { interval_ms: u64 },
    /// `never`: KahaDB never fsyncs; the OS writes back when it will.
    Never,
}
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Locker {
    /// KahaDB's default: an OS file lock, held for as long as the process lives.
    SharedFile,
    /// A lease in a database row, `lockAcquireSleepInterval` long, that the
    /// master renews every `lockKeepAlivePeriod`, or loses.
    LeaseDatabase,
}

/// Kafka topic and broker settings (KRaft mode).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KafkaSettings {
    pub partitions: u16,
    pub replication_factor: u16,
    pub min_insync_replicas: u16,
    pub unclean_leader_election: bool,
    pub replica_lag_time_max_ms: u64,
    pub broker_heartbeat_interval_ms: u64,
    pub broker_session_timeout_ms: u64,
    pub replica_fetch_wait_max_ms: u64,
    /// `group.initial.rebalance.delay.ms`: how long the group coordinator
    /// waits for more members before a new group's first assignment (KIP-134).
    pub group_initial_rebalance_delay_ms: u64,
    /// KIP-966 (`eligible.leader.replicas.version` = 1, the default from
    /// Kafka 4.1): the high watermark advances only while the ISR has
    /// `min.insync.replicas` members, and replicas that left an ISR below
    /// that size stay eligible to lead.
    pub eligible_leader_replicas: bool,
    /// `flush.messages` (topic), else `log.flush.interval.messages`
    /// (broker): fsync once this many records are unflushed. `None` is the
    /// default, `Long.MAX_VALUE`: never.
    pub flush_messages: Option<u64>,
    /// `flush.ms` (topic), else `log.flush.interval.ms` (broker): the log
    /// flusher fsyncs a log whose last flush is this old. `None`: never.
    pub flush_ms: Option<u64>,
    /// `log.flush.scheduler.interval.ms`: how often the log flusher checks
    /// `flush.ms`. `None` is the default, `Long.MAX_VALUE`: it never does.
    pub flush_scheduler_interval_ms: Option<u64>,
}

/// RabbitMQ quorum queue arguments and node settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuorumSettings {
    /// `x-quorum-initial-group-size`: replicas of the queue (default 3).
    pub initial_group_size: u16,
    /// `delivery-limit`: deliveries before a message is dropped (or
    /// dead-lettered); `None` = unlimited (RabbitMQ 3.13's default).
    pub delivery_limit: Option<u32>,
    /// Erlang distribution `net_ticktime`, in seconds (default 60).
    pub net_ticktime_s: u64,
    pub cluster_partition_handling: PartitionHandling,
}

const MIRRORED_KEYS: &[&str] = &[
    "ha-mode",
    "ha-params",
    "ha-sync-mode",
    "ha-promote-on-failure",
    "ha-promote-on-shutdown",
    "cluster_partition_handling",
    "net_ticktime",
];
const ACTIVEMQ_KEYS: &[&str] = &[
    "lockAcquireSleepInterval",
    "lockKeepAlivePeriod",
    "locker",
    "nfsvers",
    "nfsv4leasetime",
    "journalDiskSyncStrategy",
    "journalDiskSyncInterval",
];
const KAFKA_KEYS: &[&str] = &[
    "partitions",
    "replication.factor",
    "min.insync.replicas",
    "unclean.leader.election.enable",
    "replica.lag.time.max.ms",
    "broker.heartbeat.interval.ms",
    "broker.session.timeout.ms",
    "replica.fetch.wait.max.ms",
    "group.initial.rebalance.delay.ms",
    "eligible.leader.replicas.version",
    "flush.messages",
    "flush.ms",
    "log.flush.interval.messages",
    "log.flush.interval.ms",
    "log.flush.scheduler.interval.ms",
];
const QUORUM_KEYS: &[&str] = &[
    "x-quorum-initial-group-size",
    "delivery-limit",
    "net_ticktime",
    "cluster_partition_handling",
];

/// The hosts' OS settings, which every system takes.
const OS_KEYS: &[&str] = &["os.dirty_expire_ms", "os.writeback_interval_ms"];

type Settings = BTreeMap<String, Value>;

/// Whether `key` is a setting `system` takes (its own, or the hosts' OS
/// settings every system takes). Compare mode uses it to drop the settings
/// that do not apply when a comparison's other side runs another system.
pub fn applies_to(system: &str, key: &str) -> bool {
    let own: &[&str] = match system {
        "rabbitmq-mirrored" => MIRRORED_KEYS,
        "activemq" => ACTIVEMQ_KEYS,
        "rabbitmq-quorum" => QUORUM_KEYS,
        "kafka" => KAFKA_KEYS,
        _ => &[],
    };
    own.contains(&key) || OS_KEYS.contains(&key)
}

/// The OS's writeback settings (see `systems/storage.rs`), after Linux's
/// `vm.dirty_expire_centisecs` (3000) and `vm.dirty_writeback_centisecs`
/// (500) in the kernel's `Documentation/admin-guide/sysctl/vm.rst`.
pub fn parse_os(settings: &Settings) -> Result<OsSettings, ScenarioError> {
    let default = OsSettings::default();
    Ok(OsSettings {
        dirty_expire_ms: whole_number(
            settings,
            "os.dirty_expire_ms",
            0,
            MAX_TIMEOUT_MS,
            "milliseconds",
        )?
        .unwrap_or(default.dirty_expire_ms),
        writeback_interval_ms: whole_number(
            settings,
            "os.writeback_interval_ms",
            1,
            MAX_TIMEOUT_MS,
            "milliseconds",
        )?
        .unwrap_or(default.writeback_interval_ms),
    })
}

fn field(key: &str) -> String {
    format!("settings.{key}")
}

fn reject_unknown(settings: &Settings, known: &[&str], system: &str) -> Result<(), ScenarioError> {
    for key in settings.keys() {
        if known.contains(&key.as_str()) || OS_KEYS.contains(&key.as_str()) {
            continue;
        }
        let owner = if MIRRORED_KEYS.contains(&key.as_str()) {
            Some("rabbitmq-mirrored")
        } else if ACTIVEMQ_KEYS.contains(&key.as_str()) {
            Some("activemq")
        } else if KAFKA_KEYS.contains(&key.as_str()) {
            Some("kafka")
        } else if QUORUM_KEYS.contains(&key.as_str()) {
            Some("rabbitmq-quorum")
        } else {
            None
        };
        let message = match owner {
            Some(owner) => format!("\"{key}\" is a setting of {owner}, but the system is {system}"),
            None => format!(
                "unknown setting \"{key}\" for {system} (known: {})",
                known.join(", ")
            ),
        };
        return Err(ScenarioError::new(field(key), message));
    }
    Ok(())
}

fn string_choice<'a>(
    settings: &Settings,
    key: &str,
    choices: &[&'a str],
) -> Result<Option<&'a str>, ScenarioError> {
    let Some(value) = settings.get(key) else {
        return Ok(None);
    };
    let text = value.as_str().ok_or_else(|| {
        ScenarioError::new(
            field(key),
            format!("expected one of {}, got {value}", choices.join(", ")),
        )
    })?;
    choices
        .iter()
        .find(|choice| **choice == text)
        .map(|choice| Some(*choice))
        .ok_or_else(|| {
            ScenarioError::new(
                field(key),
                format!("expected one of {}, got \"{text}\"", choices.join(", ")),
            )
        })
}

/// A whole number within `min..=max`; the unit is the option's own.
fn whole_number(
    settings: &Settings,
    key: &str,
    min: u64,
    max: u64,
    unit: &str,
) -> Result<Option<u64>, ScenarioError> {
    let Some(value) = settings.get(key) else {
        return Ok(None);
    };
    let number = value.as_u64().ok_or_else(|| {
        ScenarioError::new(
            field(key),
            format!("expected a whole number of {unit}, got {value}"),
        )
    })?;
    if !(min..=max).contains(&number) {
        return Err(ScenarioError::new(
            field(key),
            format!("must be between {min} and {max} {unit}, got {number}"),
        ));
    }
    Ok(Some(number))
}

pub fn parse_mirrored(
    settings: &Settings,
    broker_names: &[String],
) -> Result<MirroredSettings, ScenarioError> {
    reject_unknown(settings, MIRRORED_KEYS, "rabbitmq-mirrored")?;
    let ha_mode = match string_choice(settings, "ha-mode", &["all", "exactly", "nodes"])? {
        None => {
            if settings.contains_key("ha-params") {
                return Err(ScenarioError::new(
                    field("ha-params"),
                    "ha-params needs ha-mode \"exactly\" or \"nodes\"",
                ));
            }
            None
        }
        Some("all") => {
            if settings.contains_key("ha-params") {
                return Err(ScenarioError::new(
                    field("ha-params"),
                    "ha-mode \"all\" takes no ha-params",
                ));
            }
            Some(HaMode::All)
        }
        Some("exactly") => {
            let count = whole_number(settings, "ha-params", 1, u64::from(MAX_BROKERS), "copies")?
                .ok_or_else(|| {
                ScenarioError::new(
                    field("ha-params"),
                    "ha-mode \"exactly\" needs ha-params: the number of copies, master included",
                )
            })?;
            Some(HaMode::Exactly(count as u32))
        }
        Some(_) => Some(HaMode::Nodes(parse_node_list(settings, broker_names)?)),
    };
    let ha_sync_mode = match string_choice(settings, "ha-sync-mode", &["manual", "automatic"])? {
        Some("automatic") => SyncMode::Automatic,
        _ => SyncMode::Manual,
    };
    let promote = |key| -> Result<Option<PromoteWhen>, ScenarioError> {
        Ok(
            string_choice(settings, key, &["always", "when-synced"])?.map(|choice| {
                if choice == "always" {
                    PromoteWhen::Always
                } else {
                    PromoteWhen::WhenSynced
                }
            }),
        )
    };
    let cluster_partition_handling = match string_choice(
        settings,
        "cluster_partition_handling",
        &["ignore", "pause_minority", "autoheal"],
    )? {
        Some("pause_minority") => PartitionHandling::PauseMinority,
        Some("autoheal") => PartitionHandling::Autoheal,
        _ => PartitionHandling::Ignore,
    };
    Ok(MirroredSettings {
        ha_mode,
        ha_sync_mode,
        ha_promote_on_failure: promote("ha-promote-on-failure")?.unwrap_or(PromoteWhen::Always),
        ha_promote_on_shutdown: promote("ha-promote-on-shutdown")?
            .unwrap_or(PromoteWhen::WhenSynced),
        cluster_partition_handling,
        net_ticktime_s: whole_number(settings, "net_ticktime", 1, 3_600, "seconds")?.unwrap_or(60),
    })
}

fn parse_node_list(
    settings: &Settings,
    broker_names: &[String],
) -> Result<Vec<BrokerId>, ScenarioError> {
    let need = || {
        ScenarioError::new(
            field("ha-params"),
            "ha-mode \"nodes\" needs ha-params: a list of broker names such as [\"b1\", \"b2\"]",
        )
    };
    let list = settings
        .get("ha-params")
        .ok_or_else(need)?
        .as_array()
        .ok_or_else(need)?;
    if list.is_empty() {
        return Err(need());
    }
    let mut nodes = Vec::new();
    for (index, item) in list.iter().enumerate() {
        let path = format!("settings.ha-params[{index}]");
        let name = item.as_str().ok_or_else(|| {
            ScenarioError::new(&path, format!("expected a broker name, got {item}"))
        })?;
        let broker = broker_by_name(broker_names, name, &path)?;
        if nodes.contains(&broker) {
            return Err(ScenarioError::new(path, format!("{name} is listed twice")));
        }
        nodes.push(broker);
    }
    Ok(nodes)
}

pub fn parse_activemq(settings: &Settings) -> Result<ActiveMqSettings, ScenarioError> {
    reject_unknown(settings, ACTIVEMQ_KEYS, "activemq")?;
    let locker = match string_choice(
        settings,
        "locker",
        &["shared-file-locker", "lease-database-locker"],
    )? {
        Some("lease-database-locker") => Locker::LeaseDatabase,
        _ => Locker::SharedFile,
    };
    // The lease locker goes with the JDBC persistence adapter, whose
    // lockKeepAlivePeriod defaults to 30 s (JDBCPersistenceAdapter.
    // DEFAULT_LOCK_KEEP_ALIVE_PERIOD); KahaDB keeps LockableServiceSupport's 0.
    let default_keep_alive_ms = match locker {
        Locker::LeaseDatabase => 30_000,
        Locker::SharedFile => 0,
    };
    let lock_keep_alive_period_ms = whole_number(
        settings,
        "lockKeepAlivePeriod",
        0,
        MAX_TIMEOUT_MS,
        "milliseconds",
    )?
    .unwrap_or(default_keep_alive_ms);
    if locker == Locker::LeaseDatabase && lock_keep_alive_period_ms == 0 {
        return Err(ScenarioError::new(
            field("lockKeepAlivePeriod"),
            "the lease-database-locker needs lockKeepAlivePeriod > 0: without keep-alives the master never renews its lease (which lasts lockAcquireSleepInterval) and never notices that a slave took it",
        ));
    }
    let interval_ms = whole_number(
        settings,
        "journalDiskSyncInterval",
        1,
        MAX_TIMEOUT_MS,
        "milliseconds",
    )?;
    let journal_disk_sync = match string_choice(
        settings,
        "journalDiskSyncStrategy",
        &["always", "periodic", "never"],
    )? {
        Some("periodic") => JournalSync::Periodic {
            interval_ms: interval_ms.unwrap_or(1_000),
        },
        Some("never") => JournalSync::Never,
        _ => JournalSync::Always,
    };
    if interval_ms.is_some() && !matches!(journal_disk_sync, JournalSync::Periodic { .. }) {
        return Err(ScenarioError::new(
            field("journalDiskSyncInterval"),
            "only journalDiskSyncStrategy \"periodic\" syncs at an interval",
        ));
    }
    Ok(ActiveMqSettings {
        journal_disk_sync,
        lock_acquire_sleep_interval_ms: whole_number(
            settings,
            "lockAcquireSleepInterval",
            1,
            MAX_TIMEOUT_MS,
            "milliseconds",
        )?
        .unwrap_or(10_000),
        lock_keep_alive_period_ms,
        locker,
        nfs: parse_nfs(settings, locker)?,
    })
}

/// `nfsvers` (3 or 4, default 4) and, with NFSv4, `nfsv4leasetime` in
/// seconds (default 30, the lease ActiveMQ's documentation gives; Linux's
/// nfsd writes it in /proc/fs/nfsd/nfsv4leasetime).
fn parse_nfs(settings: &Settings, locker: Locker) -> Result<Nfs, ScenarioError> {
    for key in ["nfsvers", "nfsv4leasetime"] {
        if locker == Locker::LeaseDatabase && settings.contains_key(key) {
            return Err(ScenarioError::new(
                field(key),
                "goes with the shared-file-locker: the lease-database-locker keeps its lock in a database, not on NFS",
            ));
        }
    }
    let version = match settings.get("nfsvers") {
        None => 4,
        Some(value) => match value.as_u64() {
            Some(v @ (3 | 4)) => v,
            _ => {
                return Err(ScenarioError::new(
                    field("nfsvers"),
                    format!(
                        "expected 3 or 4 (the NFS version the shared store is mounted with), got {value}"
                    ),
                ));
            }
        },
    };
    let lease_s = whole_number(
        settings,
        "nfsv4leasetime",
        1,
        MAX_TIMEOUT_MS / 1_000,
        "seconds",
    )?;
    if version == 3 {
        if lease_s.is_some() {
            return Err(ScenarioError::new(
                field("nfsv4leasetime"),
                "NFSv3 has no leases (nfsvers is 3): its server keeps a dead host's lock until that host boots again",
            ));
        }
        return Ok(Nfs::V3);
    }
    Ok(Nfs::V4 {
        lease_ms: lease_s.unwrap_or(30) * 1_000,
    })
}

fn boolean(settings: &Settings, key: &str) -> Result<Option<bool>, ScenarioError> {
    let Some(value) = settings.get(key) else {
        return Ok(None);
    };
    value.as_bool().map(Some).ok_or_else(|| {
        ScenarioError::new(field(key), format!("expected true or false, got {value}"))
    })
}

pub fn parse_kafka(
    settings: &Settings,
    brokers: u16,
    release: Release,
) -> Result<KafkaSettings, ScenarioError> {
    reject_unknown(settings, KAFKA_KEYS, "kafka")?;
    let max = u64::from(brokers);
    let replication_factor = whole_number(
        settings,
        "replication.factor",
        1,
        max,
        "replicas (at most the number of brokers)",
    )?
    .unwrap_or(1) as u16;
    let min_insync_replicas =
        whole_number(settings, "min.insync.replicas", 1, max, "replicas")?.unwrap_or(1) as u16;
    let broker_heartbeat_interval_ms = whole_number(
        settings,
        "broker.heartbeat.interval.ms",
        1,
        MAX_TIMEOUT_MS,
        "milliseconds",
    )?
    .unwrap_or(2_000);
    let broker_session_timeout_ms = whole_number(
        settings,
        "broker.session.timeout.ms",
        1,
        MAX_TIMEOUT_MS,
        "milliseconds",
    )?
    .unwrap_or(9_000);
    let flush_scheduler_interval_ms = whole_number(
        settings,
        "log.flush.scheduler.interval.ms",
        1,
        MAX_FLUSH,
        "milliseconds",
    )?;
    if broker_session_timeout_ms < broker_heartbeat_interval_ms {
        return Err(ScenarioError::new(
            field("broker.session.timeout.ms"),
            "must be at least broker.heartbeat.interval.ms",
        ));
    }
    Ok(KafkaSettings {
        partitions: whole_number(settings, "partitions", 1, 64, "partitions")?.unwrap_or(1) as u16,
        replication_factor,
        min_insync_replicas,
        unclean_leader_election: boolean(settings, "unclean.leader.election.enable")?
            .unwrap_or(false),
        replica_lag_time_max_ms: whole_number(
            settings,
            "replica.lag.time.max.ms",
            1,
            MAX_TIMEOUT_MS,
            "milliseconds",
        )?
        .unwrap_or(30_000),
        broker_heartbeat_interval_ms,
        broker_session_timeout_ms,
        replica_fetch_wait_max_ms: whole_number(
            settings,
            "replica.fetch.wait.max.ms",
            1,
            60_000,
            "milliseconds",
        )?
        .unwrap_or(500),
        group_initial_rebalance_delay_ms: whole_number(
            settings,
            "group.initial.rebalance.delay.ms",
            0,
            MAX_TIMEOUT_MS,
            "milliseconds",
        )?
        .unwrap_or(3_000),
        flush_messages: flush_setting(
            settings,
            "flush.messages",
            "log.flush.interval.messages",
            "records",
        )?,
        flush_ms: match flush_setting(
            settings,
            "flush.ms",
            "log.flush.interval.ms",
            "milliseconds",
        )? {
            // `log.flush.interval.ms` unset takes `log.flush.scheduler.interval.ms`.
            None => flush_scheduler_interval_ms,
            given => given,
        },
        flush_scheduler_interval_ms,
        eligible_leader_replicas: eligible_leader_replicas(settings, release)?,
    })
}

/// KIP-966's Eligible Leader Replicas: the feature
/// `eligible.leader.replicas.version` exists from Kafka 4.0 and is 1 (on)
/// by default on new clusters from 4.1 (Kafka 4.1 docs, Operations,
/// "Eligible Leader Replicas").
fn eligible_leader_replicas(settings: &Settings, release: Release) -> Result<bool, ScenarioError> {
    const KEY: &str = "eligible.leader.replicas.version";
    if settings.contains_key(KEY) && !release.at_least(4, 0) {
        return Err(ScenarioError::new(
            field(KEY),
            format!("Kafka {release} has no eligible leader replicas: the feature exists from 4.0"),
        ));
    }
    Ok(whole_number(settings, KEY, 0, 1, "(0: off, 1: on)")?
        .map_or(release.at_least(4, 1), |v| v == 1))
}

/// A Kafka flush setting: the topic's `topic_key` if given, else the
/// broker's `broker_key`; `None` for the default, `Long.MAX_VALUE` (never).
fn flush_setting(
    settings: &Settings,
    topic_key: &str,
    broker_key: &str,
    unit: &str,
) -> Result<Option<u64>, ScenarioError> {
    let topic = whole_number(settings, topic_key, 1, MAX_FLUSH, unit)?;
    let broker = whole_number(settings, broker_key, 1, MAX_FLUSH, unit)?;
    Ok(topic.or(broker))
}

/// The largest flush setting the format takes: larger ones mean "never"
/// in any run the simulator can make (leave the setting out for that).
const MAX_FLUSH: u64 = 1_000_000_000;

pub fn parse_quorum(
    settings: &Settings,
    brokers: u16,
    release: Release,
) -> Result<QuorumSettings, ScenarioError> {
    reject_unknown(settings, QUORUM_KEYS, "rabbitmq-quorum")?;
    let cluster_partition_handling = match string_choice(
        settings,
        "cluster_partition_handling",
        &["ignore", "pause_minority", "autoheal"],
    )? {
        Some("pause_minority") => PartitionHandling::PauseMinority,
        Some("autoheal") => PartitionHandling::Autoheal,
        _ => PartitionHandling::Ignore,
    };
    let initial_group_size = whole_number(
        settings,
        "x-quorum-initial-group-size",
        1,
        u64::from(brokers),
        "replicas (at most the number of brokers)",
    )?
    .unwrap_or(u64::from(brokers.min(3))) as u16;
    Ok(QuorumSettings {
        initial_group_size,
        delivery_limit: delivery_limit(settings, release)?,
        net_ticktime_s: whole_number(settings, "net_ticktime", 1, 3_600, "seconds")?.unwrap_or(60),
        cluster_partition_handling,
    })
}

/// `delivery-limit`: RabbitMQ 4.0 made 20 the default and -1 the way back
/// to 3.13's unlimited returns (Quorum Queues guide, 4.2, "Repeatedly
/// Requeued Deliveries"); 3.13 has no default and refuses -1.
fn delivery_limit(settings: &Settings, release: Release) -> Result<Option<u32>, ScenarioError> {
    const KEY: &str = "delivery-limit";
    let since_4 = release.at_least(4, 0);
    if since_4 && settings.get(KEY).and_then(Value::as_i64) == Some(-1) {
        return Ok(None);
    }
    let default = since_4.then_some(20);
    let unit = if since_4 {
        "deliveries (or -1: unlimited)"
    } else {
        "deliveries (RabbitMQ 3.13 has no -1: leave it out for unlimited)"
    };
    Ok(whole_number(settings, KEY, 0, 1_000_000, unit)?
        .map(|n| n as u32)
        .or(default))
}

/// The broker named `name` (`b2`, or `primary-b2` with sites), or an error
/// at `path` listing the names there are.
pub(crate) fn broker_by_name(
    names: &[String],
    name: &str,
    path: &str,
) -> Result<BrokerId, ScenarioError> {
    names
        .iter()
        .position(|n| n == name)
        .map(|i| BrokerId(i as u16))
        .ok_or_else(|| {
            ScenarioError::new(
                path,
                format!(
                    "unknown broker \"{name}\" (brokers are {}..{})",
                    names.first().map_or("b1", String::as_str),
                    names.last().map_or("b1", String::as_str)
                ),
            )
        })
}
