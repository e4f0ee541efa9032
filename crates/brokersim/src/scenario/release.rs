//! Which release of the product a scenario models (issue 14, the scenario's
//! top-level `release`). Behaviour that changed between releases reads it
//! from `Config::release` instead of being frozen at one year's product.
//!
//! What each release changes, with the source of each change:
//! - RabbitMQ 4.0 removed classic queue mirroring (release notes 4.0.0,
//!   "Classic Queues is Now a Non-Replicated Queue Type"), so
//!   `rabbitmq-mirrored` only exists as 3.13.
//! - RabbitMQ 4.0 gave quorum queues a default `delivery-limit` of 20; -1
//!   restores 3.13's unlimited returns (Quorum Queues guide, 4.2,
//!   "Repeatedly Requeued Deliveries").
//! - Kafka 4.1 turns on Eligible Leader Replicas (KIP-966) by default
//!   (Kafka 4.1 docs, Operations, "Eligible Leader Replicas").
//! - ActiveMQ Classic 5.18 and 6.1 behave alike in everything modelled.

use std::fmt;

use super::error::ScenarioError;

/// A product release, `major.minor`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Release {
    pub major: u8,
    pub minor: u8,
}

impl Release {
    pub const fn new(major: u8, minor: u8) -> Release {
        Release { major, minor }
    }

    /// This release is `major.minor` or newer.
    pub fn at_least(self, major: u8, minor: u8) -> bool {
        self >= Release::new(major, minor)
    }
}

impl serde::Serialize for Release {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl fmt::Display for Release {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The releases each system models, oldest first; the last is the default.
/// A release is listed only once what differs in it is modelled: Kafka 4.1
/// took Eligible Leader Replicas (KIP-966) to join.
pub const RELEASES: &[(&str, &[Release])] = &[
    ("rabbitmq-mirrored", &[Release::new(3, 13)]),
    (
        "rabbitmq-quorum",
        &[Release::new(3, 13), Release::new(4, 2)],
    ),
    ("kafka", &[Release::new(3, 9), Release::new(4, 1)]),
    // Nothing the simulator models differs between ActiveMQ Classic 5.18
    // and 6.1 (6.x moved to Jakarta Messaging and JDK 17).
    ("activemq", &[Release::new(5, 18), Release::new(6, 1)]),
];

/// The releases `system` models (empty for an unknown system).
pub fn releases_of(system: &str) -> &'static [Release] {
    RELEASES
        .iter()
        .find(|(name, _)| *name == system)
        .map_or(&[], |(_, releases)| releases)
}

/// The release a scenario asks for, or its system's newest.
pub fn parse(system: &str, release: Option<&str>) -> Result<Release, ScenarioError> {
    let known = releases_of(system);
    let newest = known.last().copied().unwrap_or(Release::new(0, 0));
    let Some(text) = release else {
        return Ok(newest);
    };
    let asked = parse_number(text).ok_or_else(|| {
        ScenarioError::new(
            "release",
            format!("expected a release such as \"{newest}\", got \"{text}\""),
        )
    })?;
    if known.contains(&asked) {
        return Ok(asked);
    }
    if system == "rabbitmq-mirrored" && asked.at_least(4, 0) {
        return Err(ScenarioError::new(
            "release",
            format!(
                "RabbitMQ {asked} has no mirrored queues: classic queue mirroring was removed \
                 in 4.0. Quorum queues replace them (\"system\": \"rabbitmq-quorum\"), or model \
                 the last release with mirroring, \"3.13\""
            ),
        ));
    }
    let list: Vec<String> = known.iter().map(|r| format!("\"{r}\"")).collect();
    Err(ScenarioError::new(
        "release",
        format!(
            "{system} is modelled as release {} only, got \"{text}\"",
            list.join(" or ")
        ),
    ))
}

fn parse_number(text: &str) -> Option<Release> {
    let (major, minor) = text.split_once('.')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(major) || !digits(minor) {
        return None;
    }
    Some(Release::new(major.parse().ok()?, minor.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_system_defaults_to_the_newest_release_it_models() {
        assert_eq!(parse("rabbitmq-quorum", None), Ok(Release::new(4, 2)));
        assert_eq!(parse("rabbitmq-mirrored", None), Ok(Release::new(3, 13)));
        assert_eq!(parse("kafka", None), Ok(Release::new(4, 1)));
        assert_eq!(parse("activemq", None), Ok(Release::new(6, 1)));
    }

    #[test]
    fn releases_compare_by_number_not_by_text() {
        assert!(Release::new(4, 2).at_least(4, 0));
        assert!(!Release::new(3, 13).at_least(4, 0));
        assert!(Release::new(3, 13) > Release::new(3, 9));
        assert_eq!(Release::new(3, 13).to_string(), "3.13");
    }

    #[test]
    fn a_bad_release_names_the_field_and_what_exists() {
        let err = parse("rabbitmq-quorum", Some("3.12")).unwrap_err();
        assert_eq!(err.path, "release");
        assert!(err.message.contains("\"3.13\" or \"4.2\""), "{err}");
        let err = parse("kafka", Some("four")).unwrap_err();
        assert!(err.message.contains("such as \"4.1\""), "{err}");
        let err = parse("kafka", Some("4.")).unwrap_err();
        assert_eq!(err.path, "release");
    }
}
