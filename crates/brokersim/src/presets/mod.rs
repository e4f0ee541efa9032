//! The built-in scenarios, as JSON files in this folder, embedded at build
//! time (feature `embedded-presets`, on by default: the CLI, the tests).
//! Each carries a `description` saying what it shows. The browser build
//! compiles in only their names ([`NAMES`]) and fetches the files that
//! `cargo xtask dist` copies to `dist/presets/` when it needs one.

#[cfg(feature = "embedded-presets")]
use crate::scenario::Scenario;

#[cfg(feature = "embedded-presets")]
pub struct Preset {
    pub name: &'static str,
    pub json: &'static str,
}

#[cfg(feature = "embedded-presets")]
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
        /// Every preset's name, in the order menus list them.
        pub const NAMES: &[&str] = &[$($name),*];

        #[cfg(feature = "embedded-presets")]
        pub const ALL: &[Preset] = &[
            $(Preset { name: $name, json: include_str!(concat!($name, ".json")) },)*
        ];
    };
}

presets![
    "mirrored-master-crash",
    "activemq-failover",
    "mirrored-unsynced-promotion",
    "mirrored-rolling-restart",
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
    "kafka-power-loss",
    "kafka-retries-duplicates",
    "kafka-idempotent-producer",
    "social-notifications",
    "quorum-leader-crash",
    "quorum-restarted-follower",
    "kill-or-crash",
    "quorum-leader-minority",
    "quorum-poison-message",
    "dr-primary-site-lost",
    "dr-quorum-site-outage",
];

#[cfg(feature = "embedded-presets")]
pub fn get(name: &str) -> Option<&'static Preset> {
    ALL.iter().find(|p| p.name == name)
}

pub fn names() -> Vec<&'static str> {
    NAMES.to_vec()
}

/// Whether there is a preset called `name`.
pub fn exists(name: &str) -> bool {
    NAMES.contains(&name)
}
