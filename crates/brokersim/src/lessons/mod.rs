//! Guided lessons: a preset plus narrated steps, as data files in this
//! folder (embedded at build time, like the presets). The page plays the
//! preset, pauses where a step says, shows its text and question, and
//! after the student answers plays on and explains what happened.
//!
//! A step pauses right after the `nth` trace event of a `kind` (optionally
//! one that mentions a name, such as `"b1"`), or at a virtual time. Kinds
//! are the event's name as the trace's JSON spells it: `Crashed`,
//! `Promoted`, `Kafka.Truncated`, `Quorum.LeaderElected`, `SiteLost` …
//! The test suite runs every lesson: each pause must be reached, in order,
//! and each `expect` must hold for the report, so a lesson never narrates
//! what the simulator does not do.

use serde::{Deserialize, Serialize};

use crate::lang::Lang;
use crate::report::Report;
use crate::trace::TraceEntry;

/// One text in every language the page speaks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub en: String,
    pub zh: String,
}

impl Text {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Zh => &self.zh,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    pub title: Text,
    /// What the student will learn, in a sentence or two (the lesson index).
    pub summary: Text,
    /// The preset the lesson plays (`brokersim::presets`).
    pub preset: String,
    pub steps: Vec<Step>,
    /// What the report must show at the end, so the narration stays true:
    /// `{"lost": ">0", "duplicated": "0"}` (`=N`, `N`, `>N`, `<N`).
    #[serde(default)]
    pub expect: std::collections::BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub pause: Pause,
    /// What the page says when it pauses here.
    pub say: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<Question>,
    /// Shown once the student answered and the run played on to the next
    /// pause (or the end): what happened, and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explain: Option<Text>,
    /// Event kinds the page points at in the log while this step shows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub point_at: Vec<String>,
    /// A ready-made comparison (the page's `?compare=NAME`) this step
    /// offers to open: the same faults on another configuration or system,
    /// side by side. The web crate's tests check that the name exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compare: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pause {
    /// Pause right after the `nth` (from 1) event of this kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub nth: u32,
    /// Only events whose JSON names this (a broker, client, site).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mentions: Option<String>,
    /// Or: pause at this virtual time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_ms: Option<u64>,
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub prompt: Text,
    pub choices: Vec<Text>,
    /// Index of the right choice.
    pub answer: usize,
}

/// An event's kind as lessons name it: the variant, with the system's
/// variant after a dot (`Kafka.Truncated`).
pub fn kind_of(entry: &TraceEntry) -> String {
    kind_in_json(&crate::json::to_string(&entry.event))
}

/// The kind of an event from its JSON: `"Crashed"` (a unit variant),
/// `{"Promoted":…}`, `{"Kafka":{"Truncated":…}}` or `{"Kafka":"Fenced"}`.
/// Read from the text, so no second (`serde_json::Value`) serializer is
/// compiled into the browser build.
fn kind_in_json(json: &str) -> String {
    // The first JSON string in `text` (no escapes: variant names).
    fn first_string(text: &str) -> Option<(&str, &str)> {
        let start = text.find('"')? + 1;
        let len = text[start..].find('"')?;
        Some((&text[start..start + len], &text[start + len + 1..]))
    }
    let json = json.trim();
    if !json.starts_with('{') {
        return first_string(json)
            .map(|(s, _)| s.to_owned())
            .unwrap_or_default();
    }
    let Some((name, rest)) = first_string(json) else {
        return String::new();
    };
    if matches!(name, "Kafka" | "Quorum") {
        // `:"Variant"` or `:{"Variant":…}`
        let rest = rest.trim_start().trim_start_matches(':').trim_start();
        if (rest.starts_with('"') || rest.starts_with('{'))
            && let Some((variant, _)) = first_string(rest)
        {
            return format!("{name}.{variant}");
        }
    }
    name.to_owned()
}

impl Pause {
    /// The index of the trace entry after which this pause falls, among
    /// `trace[from..]` (indices are into the whole trace); `None` if the
    /// trace does not reach it (yet).
    pub fn find(&self, trace: &[TraceEntry], from: usize) -> Option<usize> {
        let from = from.min(trace.len());
        if let Some(at_ms) = self.at_ms {
            // The last entry at or before the time, once the run passed it.
            let passed = trace[from..].iter().position(|e| e.at.as_ms() > at_ms)?;
            return Some((from + passed).saturating_sub(1).max(from));
        }
        let kind = self.after.as_deref()?;
        let mut seen = 0;
        for (i, entry) in trace.iter().enumerate().skip(from) {
            if kind_of(entry) != kind {
                continue;
            }
            if let Some(name) = &self.mentions {
                let json = crate::json::to_string(&entry.event);
                if !json.contains(&format!("\"{name}\"")) {
                    continue;
                }
            }
            seen += 1;
            if seen == self.nth {
                return Some(i);
            }
        }
        None
    }
}

/// Whether `report` shows what `expect` says (field → `=N`, `N`, `>N`, `<N`).
pub fn check_expectations(
    expect: &std::collections::BTreeMap<String, String>,
    report: &Report,
) -> Result<(), String> {
    // Read back from its text: one serializer for everything (`json`).
    let json: serde_json::Value =
        serde_json::from_str(&crate::json::to_string(report)).map_err(|e| e.to_string())?;
    for (field, rule) in expect {
        let value = json
            .get(field)
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| format!("the report has no number {field}"))?;
        let rule = rule.trim();
        let (op, number) = match rule.chars().next() {
            Some(op @ ('>' | '<' | '=')) => (op, &rule[1..]),
            _ => ('=', rule),
        };
        let number: u64 = number
            .trim()
            .parse()
            .map_err(|_| format!("{field}: cannot read \"{rule}\""))?;
        let holds = match op {
            '>' => value > number,
            '<' => value < number,
            _ => value == number,
        };
        if !holds {
            return Err(format!("{field} is {value}, the lesson expects {rule}"));
        }
    }
    Ok(())
}

/// Every lesson's name and the preset it plays, in the order of the lesson
/// index. The preset is also in the lesson's file; it is here too so a page
/// can start a lesson's run before the file itself has arrived (the browser
/// build fetches lessons instead of embedding them). The test suite checks
/// that the two agree.
pub const INDEX: &[(&str, &str)] = &[
    // The seed's three techniques: redundancy, failover, recovery.
    ("mirrored-queues", "mirrored-master-crash"),
    ("failover-transport", "activemq-failover"),
    ("kafka-replicated-log", "kafka-seed"),
    // What goes wrong, and the settings that prevent it.
    ("unsynced-mirror", "mirrored-unsynced-promotion"),
    ("split-brain", "partition-ignore"),
    ("kafka-acks", "kafka-acks1-leader-crash"),
    ("unclean-election", "kafka-unclean-election"),
    ("idempotent-producer", "kafka-retries-duplicates"),
    ("quorum-queues", "quorum-leader-minority"),
    ("why-mirroring-was-removed", "quorum-restarted-follower"),
    ("acks-all-is-not-durability", "kafka-power-loss"),
    ("kill-or-crash", "kill-or-crash"),
    ("disaster-recovery", "dr-primary-site-lost"),
    // The seed's three applications.
    ("ecommerce-orders", "ecommerce-orders"),
    ("social-notifications", "social-notifications"),
    ("iot-telemetry", "iot-telemetry"),
];

/// The preset lesson `name` plays, if there is such a lesson.
pub fn preset_of(name: &str) -> Option<&'static str> {
    INDEX
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, preset)| *preset)
}

/// Reads a lesson file's text (`lessons/NAME.json`).
pub fn parse(json: &str) -> Result<Lesson, String> {
    serde_json::from_str(json).map_err(|e| e.to_string())
}

/// A lesson file embedded in the crate (feature `embedded-lessons`, on by
/// default; the browser build fetches the same files instead).
#[cfg(feature = "embedded-lessons")]
pub struct LessonFile {
    pub name: &'static str,
    pub json: &'static str,
}

#[cfg(feature = "embedded-lessons")]
impl LessonFile {
    /// The lesson. Lessons are checked by the test suite, so a failure
    /// here is a bug in the repository.
    pub fn lesson(&self) -> Lesson {
        match parse(self.json) {
            Ok(lesson) => lesson,
            Err(e) => panic!("lesson {} is invalid: {e}", self.name),
        }
    }
}

#[cfg(feature = "embedded-lessons")]
macro_rules! lessons {
    ($($name:literal),* $(,)?) => {
        /// Every lesson, in the order of the lesson index.
        pub const ALL: &[LessonFile] = &[
            $(LessonFile { name: $name, json: include_str!(concat!($name, ".json")) },)*
        ];
    };
}

#[cfg(feature = "embedded-lessons")]
lessons![
    "mirrored-queues",
    "failover-transport",
    "kafka-replicated-log",
    "unsynced-mirror",
    "split-brain",
    "kafka-acks",
    "unclean-election",
    "idempotent-producer",
    "quorum-queues",
    "why-mirroring-was-removed",
    "acks-all-is-not-durability",
    "kill-or-crash",
    "disaster-recovery",
    "ecommerce-orders",
    "social-notifications",
    "iot-telemetry",
];

#[cfg(feature = "embedded-lessons")]
pub fn get(name: &str) -> Option<&'static LessonFile> {
    ALL.iter().find(|l| l.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "embedded-lessons")]
    #[test]
    fn the_index_lists_every_lesson_with_its_preset() {
        let files: Vec<(&str, String)> = ALL.iter().map(|f| (f.name, f.lesson().preset)).collect();
        let index: Vec<(&str, String)> = INDEX.iter().map(|(n, p)| (*n, (*p).to_owned())).collect();
        assert_eq!(files, index);
        // And every file in the folder is a lesson.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lessons");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| {
                e.ok()?
                    .file_name()
                    .to_str()?
                    .strip_suffix(".json")
                    .map(str::to_owned)
            })
            .collect();
        on_disk.sort();
        let mut listed: Vec<String> = INDEX.iter().map(|(n, _)| (*n).to_owned()).collect();
        listed.sort();
        assert_eq!(on_disk, listed);
    }

    /// The kind as read through `serde_json::Value` (the former way).
    fn kind_via_value(entry: &TraceEntry) -> String {
        use serde_json::Value;
        match serde_json::to_value(&entry.event).unwrap() {
            Value::String(unit) => unit,
            Value::Object(outer) => match outer.iter().next() {
                Some((name, Value::Object(inner)))
                    if matches!(name.as_str(), "Kafka" | "Quorum") =>
                {
                    format!("{name}.{}", inner.keys().next().unwrap())
                }
                Some((name, Value::String(variant)))
                    if matches!(name.as_str(), "Kafka" | "Quorum") =>
                {
                    format!("{name}.{variant}")
                }
                Some((name, _)) => name.clone(),
                None => String::new(),
            },
            _ => String::new(),
        }
    }

    #[test]
    fn kinds_read_from_the_text_match_the_json_values() {
        let mut kinds = std::collections::BTreeSet::new();
        for preset in crate::presets::ALL {
            let mut sim = crate::Sim::new(preset.scenario()).unwrap();
            sim.run_to_end();
            for entry in sim.trace() {
                let kind = kind_of(entry);
                assert_eq!(kind, kind_via_value(entry));
                kinds.insert(kind);
            }
        }
        assert!(kinds.iter().any(|k| k.starts_with("Kafka.")));
        assert!(kinds.iter().any(|k| k.starts_with("Quorum.")));
    }
}
