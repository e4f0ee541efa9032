//! The real products' settings the configuration panel offers, with their
//! real names, a one-line explanation and the real default (README.md,
//! "Settings"). The core validates them; this is only what the page says.
//! Explanations are the page's catalogue entries (`i18n.rs`); defaults are
//! values, the same in every language, unless they are words.

use crate::i18n::{Lang, Msg, t};

/// A default as the panel shows it: a value as the product spells it, or
/// words in the page's language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    Value(&'static str),
    Text(Msg),
}

impl Shown {
    pub fn text(self, lang: Lang) -> &'static str {
        match self {
            Shown::Value(value) => value,
            Shown::Text(msg) => t(lang, msg),
        }
    }
}

pub struct SettingDoc {
    pub name: &'static str,
    pub explain: Msg,
    pub default: Shown,
    /// The accepted words, when the setting is a choice.
    pub choices: &'static [&'static str],
}

pub const SYSTEMS: &[(&str, Msg)] = &[
    ("rabbitmq-mirrored", Msg::DocSystemRabbitmqMirrored),
    ("activemq", Msg::DocSystemActivemq),
    ("rabbitmq-quorum", Msg::DocSystemRabbitmqQuorum),
    ("kafka", Msg::DocSystemKafka),
];

/// The release a scenario models, as the page names it: "RabbitMQ 4.2",
/// and for a mirrored queue, that 4.0 removed mirroring (issue 14).
pub fn release_label(
    lang: Lang,
    system: brokersim::SystemKind,
    release: brokersim::scenario::release::Release,
) -> String {
    let product = system.product();
    if system == brokersim::SystemKind::Mirrored {
        crate::i18n::tf(lang, Msg::ReleaseMirroringRemoved, &[&product, &release])
    } else {
        format!("{product} {release}")
    }
}

const MIRRORED: &[SettingDoc] = &[
    SettingDoc {
        name: "ha-mode",
        explain: Msg::DocHaMode,
        default: Shown::Text(Msg::DocHaModeDefault),
        choices: &["all", "exactly", "nodes"],
    },
    SettingDoc {
        name: "ha-params",
        explain: Msg::DocHaParams,
        default: Shown::Value("—"),
        choices: &[],
    },
    SettingDoc {
        name: "ha-sync-mode",
        explain: Msg::DocHaSyncMode,
        default: Shown::Value("manual"),
        choices: &["manual", "automatic"],
    },
    SettingDoc {
        name: "ha-promote-on-failure",
        explain: Msg::DocHaPromoteOnFailure,
        default: Shown::Value("always"),
        choices: &["always", "when-synced"],
    },
    SettingDoc {
        name: "ha-promote-on-shutdown",
        explain: Msg::DocHaPromoteOnShutdown,
        default: Shown::Value("when-synced"),
        choices: &["always", "when-synced"],
    },
    SettingDoc {
        name: "cluster_partition_handling",
        explain: Msg::DocClusterPartitionHandling,
        default: Shown::Value("ignore"),
        choices: &["ignore", "pause_minority", "autoheal"],
    },
    SettingDoc {
        name: "net_ticktime",
        explain: Msg::DocNetTicktime,
        default: Shown::Value("60"),
        choices: &[],
    },
];

const ACTIVEMQ: &[SettingDoc] = &[
    SettingDoc {
        name: "lockAcquireSleepInterval",
        explain: Msg::DocLockacquiresleepinterval,
        default: Shown::Value("10000"),
        choices: &[],
    },
    SettingDoc {
        name: "locker",
        explain: Msg::DocLocker,
        default: Shown::Value("shared-file-locker"),
        choices: &["shared-file-locker", "lease-database-locker"],
    },
    SettingDoc {
        name: "lockKeepAlivePeriod",
        explain: Msg::DocLockkeepaliveperiod,
        default: Shown::Text(Msg::DocLockkeepaliveperiodDefault),
        choices: &[],
    },
    SettingDoc {
        name: "nfsvers",
        explain: Msg::DocNfsvers,
        default: Shown::Value("4"),
        choices: &["4", "3"],
    },
    SettingDoc {
        name: "nfsv4leasetime",
        explain: Msg::DocNfsv4leasetime,
        default: Shown::Value("30"),
        choices: &[],
    },
    SettingDoc {
        name: "journalDiskSyncStrategy",
        explain: Msg::DocJournalDiskSyncStrategy,
        default: Shown::Value("always"),
        choices: &["always", "periodic", "never"],
    },
    SettingDoc {
        name: "journalDiskSyncInterval",
        explain: Msg::DocJournalDiskSyncInterval,
        default: Shown::Value("1000"),
        choices: &[],
    },
];

const KAFKA: &[SettingDoc] = &[
    SettingDoc {
        name: "partitions",
        explain: Msg::DocPartitions,
        default: Shown::Value("1"),
        choices: &[],
    },
    SettingDoc {
        name: "replication.factor",
        explain: Msg::DocReplicationFactor,
        default: Shown::Value("1"),
        choices: &[],
    },
    SettingDoc {
        name: "min.insync.replicas",
        explain: Msg::DocMinInsyncReplicas,
        default: Shown::Value("1"),
        choices: &[],
    },
    SettingDoc {
        name: "unclean.leader.election.enable",
        explain: Msg::DocUncleanLeaderElectionEnable,
        default: Shown::Value("false"),
        choices: &["false", "true"],
    },
    SettingDoc {
        name: "replica.lag.time.max.ms",
        explain: Msg::DocReplicaLagTimeMaxMs,
        default: Shown::Value("30000"),
        choices: &[],
    },
    SettingDoc {
        name: "broker.heartbeat.interval.ms",
        explain: Msg::DocBrokerHeartbeatIntervalMs,
        default: Shown::Value("2000"),
        choices: &[],
    },
    SettingDoc {
        name: "broker.session.timeout.ms",
        explain: Msg::DocBrokerSessionTimeoutMs,
        default: Shown::Value("9000"),
        choices: &[],
    },
    SettingDoc {
        name: "replica.fetch.wait.max.ms",
        explain: Msg::DocReplicaFetchWaitMaxMs,
        default: Shown::Value("500"),
        choices: &[],
    },
    SettingDoc {
        name: "group.initial.rebalance.delay.ms",
        explain: Msg::DocGroupInitialRebalanceDelayMs,
        default: Shown::Value("3000"),
        choices: &[],
    },
    SettingDoc {
        name: "eligible.leader.replicas.version",
        explain: Msg::DocEligibleLeaderReplicasVersion,
        default: Shown::Text(Msg::DocEligibleLeaderReplicasVersionDefault),
        choices: &["1", "0"],
    },
    SettingDoc {
        name: "flush.messages",
        explain: Msg::DocFlushMessages,
        default: Shown::Text(Msg::DocNeverFlushed),
        choices: &[],
    },
    SettingDoc {
        name: "flush.ms",
        explain: Msg::DocFlushMs,
        default: Shown::Text(Msg::DocNeverFlushed),
        choices: &[],
    },
    SettingDoc {
        name: "log.flush.scheduler.interval.ms",
        explain: Msg::DocLogFlushSchedulerIntervalMs,
        default: Shown::Text(Msg::DocNeverFlushed),
        choices: &[],
    },
];

/// Every host's OS settings, offered whatever the system.
const OS: &[SettingDoc] = &[
    SettingDoc {
        name: "os.dirty_expire_ms",
        explain: Msg::DocOsDirtyExpireMs,
        default: Shown::Value("30000"),
        choices: &[],
    },
    SettingDoc {
        name: "os.writeback_interval_ms",
        explain: Msg::DocOsWritebackIntervalMs,
        default: Shown::Value("5000"),
        choices: &[],
    },
];

const QUORUM: &[SettingDoc] = &[
    SettingDoc {
        name: "x-quorum-initial-group-size",
        explain: Msg::DocXQuorumInitialGroupSize,
        default: Shown::Value("3"),
        choices: &[],
    },
    SettingDoc {
        name: "delivery-limit",
        explain: Msg::DocDeliveryLimit,
        default: Shown::Text(Msg::DocDeliveryLimitDefault),
        choices: &[],
    },
    SettingDoc {
        name: "net_ticktime",
        explain: Msg::DocNetTicktime2,
        default: Shown::Value("60"),
        choices: &[],
    },
    SettingDoc {
        name: "cluster_partition_handling",
        explain: Msg::DocClusterPartitionHandling2,
        default: Shown::Value("ignore"),
        choices: &["ignore", "pause_minority", "autoheal"],
    },
];

/// The system's own settings, then the hosts' OS settings.
pub fn for_system(system: &str) -> impl Iterator<Item = &'static SettingDoc> {
    let own: &'static [SettingDoc] = match system {
        "rabbitmq-mirrored" => MIRRORED,
        "activemq" => ACTIVEMQ,
        "kafka" => KAFKA,
        "rabbitmq-quorum" => QUORUM,
        _ => &[],
    };
    own.iter().chain(OS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use brokersim::SystemKind;
    use brokersim::scenario::release::Release;

    /// Issue 14: the page says "RabbitMQ 3.13: mirroring was removed in
    /// 4.0" wherever it shows a mirrored queue, in both languages.
    #[test]
    fn a_mirrored_queue_is_labelled_with_the_release_that_removed_mirroring() {
        let r313 = Release::new(3, 13);
        assert_eq!(
            release_label(Lang::En, SystemKind::Mirrored, r313),
            "RabbitMQ 3.13: mirroring was removed in 4.0"
        );
        assert!(release_label(Lang::Zh, SystemKind::Mirrored, r313).contains("4.0 中移除"));
        assert_eq!(
            release_label(Lang::Zh, SystemKind::Quorum, Release::new(4, 2)),
            "RabbitMQ 4.2"
        );
    }
}
