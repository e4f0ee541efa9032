//! The scenario file: the public, versioned input of a run (README.md,
//! "Scenario format"). This module holds the format as users write it
//! (`Scenario`, serde, unknown fields rejected) and turns it into the typed,
//! validated `Config` the engine runs. Every error names the field path.

pub mod config;
mod error;
pub mod failover_uri;
#[cfg(any(test, not(feature = "field-paths")))]
mod json_path;
mod limits;
pub mod release;
pub mod settings;
mod validate;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Lang;

pub use config::Config;
pub use error::ScenarioError;
pub use limits::*;

/// A scenario as written in JSON (`version: 1`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub version: u32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// What the scenario shows, in a sentence or two (presets carry one).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The title and description in other languages, by language code
    /// (`{"zh": {"title": "…", "description": "…"}}`): the page shows the
    /// one of its language and falls back to `title` and `description`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub translations: BTreeMap<String, ScenarioText>,
    #[serde(default)]
    pub seed: u64,
    /// Length of the fault phase; the drain phase follows it.
    pub duration_ms: u64,
    pub system: String,
    /// The product release modelled (`"3.13"`, `"4.2"` …); by default the
    /// newest the system models (see `release::RELEASES`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brokers: Option<u32>,
    /// Disaster-recovery sites, instead of `brokers`: each site is its own
    /// cluster, brokers named `<site>-b1` …; a site with `replicate_from`
    /// receives the other site's messages asynchronously, `lag_ms` behind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sites: Option<Vec<SiteSpec>>,
    /// The real products' option names and units.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub settings: BTreeMap<String, serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heartbeat: Option<HeartbeatSpec>,
    #[serde(default, skip_serializing_if = "NetworkSpec::is_default")]
    pub network: NetworkSpec,
    #[serde(default)]
    pub producers: Vec<ProducerSpec>,
    #[serde(default)]
    pub consumers: Vec<ConsumerSpec>,
    #[serde(default)]
    pub faults: Vec<FaultSpec>,
}

/// A scenario's title and description in one language.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioText {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

/// One site: `{"name": "dr", "brokers": 3, "replicate_from": "primary", "lag_ms": 2000}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteSpec {
    pub name: String,
    pub brokers: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicate_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lag_ms: Option<u64>,
    /// MirrorMaker 2 (Kafka): write the translated consumer group offsets
    /// into this site (default false).
    #[serde(
        rename = "sync.group.offsets.enabled",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub sync_group_offsets_enabled: Option<bool>,
    /// MirrorMaker 2: seconds between checkpoints (default 60).
    #[serde(
        rename = "emit.checkpoints.interval.seconds",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub emit_checkpoints_interval_seconds: Option<u64>,
    /// MirrorMaker 2: records between offset syncs (default 100).
    #[serde(
        rename = "offset.lag.max",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub offset_lag_max: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeartbeatSpec {
    pub interval_ms: u64,
    pub timeout_ms: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<LatencySpec>,
    /// Packet loss as an integer ratio, e.g. `"1/10"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss: Option<String>,
}

impl NetworkSpec {
    fn is_default(&self) -> bool {
        self == &NetworkSpec::default()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatencySpec {
    pub min: u64,
    pub max: u64,
}

/// Where a client connects: one broker, a list, or (ActiveMQ) a failover URI.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ConnectSpec {
    One(String),
    Many(Vec<String>),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProducerSpec {
    pub rate_per_s: u32,
    /// Stop after this many messages (default: publish until `duration_ms`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_ms: Option<u64>,
    /// Persistent (delivery mode 2 / JMS PERSISTENT); default true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistent: Option<bool>,
    /// RabbitMQ publisher confirms; default true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirms: Option<bool>,
    /// Times the application republishes a message whose confirm timed out,
    /// was refused or was cut off by a lost connection; default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    /// How long to wait for a confirm before counting the attempt failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm_timeout_ms: Option<u64>,
    /// Kafka's `acks`: accepted only for the Kafka system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acks: Option<String>,
    /// Kafka's `enable.idempotence`: accepted only for the Kafka system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotent: Option<bool>,
    /// Kafka's `delivery.timeout.ms` (default 120000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_timeout_ms: Option<u64>,
    /// Kafka's `request.timeout.ms` (default 30000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_timeout_ms: Option<u64>,
    /// Kafka's `max.in.flight.requests.per.connection` (default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_in_flight: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect: Option<ConnectSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_timeout_ms: Option<u64>,
    /// RabbitMQ client automatic recovery delay (Java client default 5000 ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_recovery_interval_ms: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumerSpec {
    /// `auto` or `manual` (default `manual`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ack: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefetch: Option<u32>,
    /// Time the application spends on each message (default 1 ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect: Option<ConnectSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_timeout_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_recovery_interval_ms: Option<u64>,
    /// Kafka's `auto.offset.reset`: `earliest` or `latest` (default `latest`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_offset_reset: Option<String>,
    /// Kafka's `auto.commit.interval.ms` (default 5000), with `ack: auto`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_commit_interval_ms: Option<u64>,
}

/// One fault: `{"at_ms": 5000, "crash": "b1"}`. Exactly one kind per entry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    pub at_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kill: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lose_disk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<Vec<Vec<String>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heal: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slow_link: Option<SlowLinkSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_down: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_up: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lose_site: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failover_site: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlowLinkSpec {
    pub between: Vec<String>,
    pub latency_ms: u64,
}

/// Refuses a scenario whose `version` is a number other than 1. Anything
/// else (no version, not a number, not JSON) is left to the full parse,
/// which names it.
fn check_version(text: &str) -> Result<(), ScenarioError> {
    #[derive(Deserialize)]
    struct VersionOnly {
        version: Option<u64>,
    }
    match serde_json::from_str::<VersionOnly>(text) {
        Ok(VersionOnly {
            version: Some(version),
        }) if version != 1 => Err(ScenarioError::new(
            "version",
            format!("this simulator reads scenario version 1, got {version}"),
        )),
        _ => Ok(()),
    }
}

impl Scenario {
    /// Parses and validates a scenario file's text.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        if text.len() > MAX_INPUT_BYTES {
            return Err(ScenarioError::new(
                "",
                format!(
                    "the scenario is {} bytes; the limit is {} bytes",
                    text.len(),
                    MAX_INPUT_BYTES
                ),
            ));
        }
        // serde would also read a struct from a JSON array, by position.
        if !text.trim_start().starts_with('{') {
            return Err(ScenarioError::new(
                "",
                "a scenario is a JSON object: {\"version\": 1, …}",
            ));
        }
        // A file of another version is refused for that, before anything
        // it lacks or adds is (its other fields may well differ).
        check_version(text)?;
        let mut deserializer = serde_json::Deserializer::from_str(text);
        #[cfg(feature = "field-paths")]
        let scenario: Scenario = serde_path_to_error::deserialize(&mut deserializer)
            .map_err(ScenarioError::from_serde)?;
        #[cfg(not(feature = "field-paths"))]
        let scenario: Scenario =
            serde::Deserialize::deserialize(&mut deserializer).map_err(|e| {
                ScenarioError::new(
                    json_path::path_at(text, e.line(), e.column()),
                    e.to_string(),
                )
            })?;
        deserializer.end().map_err(|e| {
            ScenarioError::new("", format!("trailing text after the scenario: {e}"))
        })?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// Checks every field and builds the typed configuration the engine runs.
    pub fn validate(&self) -> Result<Config, ScenarioError> {
        validate::validate(self)
    }

    /// The title in `lang`, or the untranslated one.
    pub fn title_in(&self, lang: Lang) -> &str {
        self.text_in(lang, |t| &t.title).unwrap_or(&self.title)
    }

    /// The description in `lang`, or the untranslated one.
    pub fn description_in(&self, lang: Lang) -> &str {
        self.text_in(lang, |t| &t.description)
            .unwrap_or(&self.description)
    }

    fn text_in(&self, lang: Lang, field: fn(&ScenarioText) -> &String) -> Option<&str> {
        let text = field(self.translations.get(lang.code())?);
        (!text.is_empty()).then_some(text.as_str())
    }

    pub fn to_json_pretty(&self) -> String {
        crate::json::pretty(&crate::json::to_string(self))
    }
}
