//! The built-in scenarios, as JSON files in this folder, embedded at build
//! time. Each carries a `description` saying what it shows.

use crate::scenario::Scenario;

pub struct Preset {
    pub name: &'static str,
    pub json: &'static str,
}

impl Preset {
    /// The preset's scenario. Presets are checked by the test suite, so a
    /// failure here is a bug in the repository, not in the user's input.
    pub fn scenario(&self) -> Scenario {
        match Scenario::from_json(self.json) {
            Ok(scenario) => scenario,
            Err(e) => panic!("preset {} is invalid: {e}", self.name),
        }
    }
}

macro_rules! presets {
    ($($name:literal),* $(,)?) => {
        pub const ALL: &[Preset] = &[
            $(Preset { name: $name, json: include_str!(concat!($name, ".json")) },)*
        ];
    };
}

presets![
    "mirrored-master-crash",
    "activemq-failover",
    "mirrored-unsynced-promotion",
    "mirrored-when-synced",
    "partition-ignore",
    "partition-pause-minority",
    "autoack-consumer-crash",
    "ecommerce-orders",
    "iot-telemetry",
    "kafka-seed",
    "kafka-acks1-leader-crash",
    "kafka-acks-all",
    "kafka-unclean-election",
    "kafka-clean-election",
    "kafka-min-isr",
    "kafka-retries-duplicates",
    "kafka-idempotent-producer",
    "social-notifications",
    "quorum-leader-crash",
    "quorum-restarted-follower",
    "quorum-leader-minority",
    "quorum-poison-message",
    "dr-primary-site-lost",
    "dr-quorum-site-outage",
];

pub fn get(name: &str) -> Option<&'static Preset> {
    ALL.iter().find(|p| p.name == name)
}

pub fn names() -> Vec<&'static str> {
    ALL.iter().map(|p| p.name).collect()
}
