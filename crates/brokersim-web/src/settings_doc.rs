//! The real products' settings the configuration panel offers, with their
//! real names, a one-line explanation and the real default (README.md,
//! "Settings"). The core validates them; this is only what the page says.

pub struct SettingDoc {
    pub name: &'static str,
    pub explain: &'static str,
    pub default: &'static str,
    /// The accepted words, when the setting is a choice.
    pub choices: &'static [&'static str],
}

pub const SYSTEMS: &[(&str, &str)] = &[
    ("rabbitmq-mirrored", "RabbitMQ classic mirrored queues"),
    (
        "activemq",
        "ActiveMQ Classic master/slave on a shared store",
    ),
    ("rabbitmq-quorum", "RabbitMQ quorum queues (Raft)"),
    ("kafka", "Kafka replicated partitions (KRaft)"),
];

const MIRRORED: &[SettingDoc] = &[
    SettingDoc {
        name: "ha-mode",
        explain: "which nodes hold a mirror of the queue; without it the queue is not mirrored",
        default: "none (not mirrored)",
        choices: &["all", "exactly", "nodes"],
    },
    SettingDoc {
        name: "ha-params",
        explain: "exactly: number of copies, master included; nodes: list of broker names",
        default: "—",
        choices: &[],
    },
    SettingDoc {
        name: "ha-sync-mode",
        explain: "manual: new mirrors start empty; automatic: they are copied the queue when they join",
        default: "manual",
        choices: &["manual", "automatic"],
    },
    SettingDoc {
        name: "ha-promote-on-failure",
        explain: "whether an unsynchronised mirror may take over when the master fails",
        default: "always",
        choices: &["always", "when-synced"],
    },
    SettingDoc {
        name: "ha-promote-on-shutdown",
        explain: "the same when the master is stopped gracefully",
        default: "when-synced",
        choices: &["always", "when-synced"],
    },
    SettingDoc {
        name: "cluster_partition_handling",
        explain: "what nodes do when the network splits them",
        default: "ignore",
        choices: &["ignore", "pause_minority", "autoheal"],
    },
    SettingDoc {
        name: "net_ticktime",
        explain: "seconds; nodes tick every quarter of it and declare a silent peer down after it",
        default: "60",
        choices: &[],
    },
];

const ACTIVEMQ: &[SettingDoc] = &[
    SettingDoc {
        name: "lockAcquireSleepInterval",
        explain: "ms between a slave's attempts to take the store lock",
        default: "10000",
        choices: &[],
    },
    SettingDoc {
        name: "locker",
        explain: "an OS file lock held while the master lives, or a lease the master renews",
        default: "shared-file-locker",
        choices: &["shared-file-locker", "lease-database-locker"],
    },
    SettingDoc {
        name: "lockKeepAlivePeriod",
        explain: "ms; how often the master renews its lease (which lasts lockAcquireSleepInterval) or checks its lock; 0 = never",
        default: "0; 30000 with lease-database-locker",
        choices: &[],
    },
];

const KAFKA: &[SettingDoc] = &[
    SettingDoc {
        name: "partitions",
        explain: "partitions of the topic, each with its own leader and followers",
        default: "1",
        choices: &[],
    },
    SettingDoc {
        name: "replication.factor",
        explain: "copies of each partition, leader included",
        default: "1",
        choices: &[],
    },
    SettingDoc {
        name: "min.insync.replicas",
        explain: "with acks=all, a write needs this many in-sync replicas or it is refused",
        default: "1",
        choices: &[],
    },
    SettingDoc {
        name: "unclean.leader.election.enable",
        explain: "whether a replica outside the ISR may become leader (and lose committed data)",
        default: "false",
        choices: &["false", "true"],
    },
    SettingDoc {
        name: "replica.lag.time.max.ms",
        explain: "a follower that has not caught up for this long leaves the ISR",
        default: "30000",
        choices: &[],
    },
    SettingDoc {
        name: "broker.heartbeat.interval.ms",
        explain: "how often a broker heartbeats the KRaft controller",
        default: "2000",
        choices: &[],
    },
    SettingDoc {
        name: "broker.session.timeout.ms",
        explain: "the controller fences a broker silent for this long",
        default: "9000",
        choices: &[],
    },
    SettingDoc {
        name: "replica.fetch.wait.max.ms",
        explain: "how long a follower's fetch waits at the leader for new data",
        default: "500",
        choices: &[],
    },
    SettingDoc {
        name: "group.initial.rebalance.delay.ms",
        explain: "how long the group coordinator waits for more consumers before a new group's first assignment",
        default: "3000",
        choices: &[],
    },
];

const QUORUM: &[SettingDoc] = &[
    SettingDoc {
        name: "x-quorum-initial-group-size",
        explain: "members of the queue's Raft group",
        default: "3",
        choices: &[],
    },
    SettingDoc {
        name: "delivery-limit",
        explain: "redeliveries after which a message is dropped",
        default: "none (RabbitMQ 3.13; 20 since 4.0)",
        choices: &[],
    },
    SettingDoc {
        name: "net_ticktime",
        explain: "seconds; nodes declare a silent peer down after it",
        default: "60",
        choices: &[],
    },
    SettingDoc {
        name: "cluster_partition_handling",
        explain: "what nodes do when the network splits them",
        default: "ignore",
        choices: &["ignore", "pause_minority", "autoheal"],
    },
];

pub fn for_system(system: &str) -> &'static [SettingDoc] {
    match system {
        "rabbitmq-mirrored" => MIRRORED,
        "activemq" => ACTIVEMQ,
        "kafka" => KAFKA,
        "rabbitmq-quorum" => QUORUM,
        _ => &[],
    }
}
