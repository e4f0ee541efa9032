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
    match serde_json::to_value(&entry.event) {
        Ok(serde_json::Value::String(unit)) => unit,
        Ok(serde_json::Value::Object(outer)) => match outer.iter().next() {
            Some((name, serde_json::Value::Object(inner)))
                if matches!(name.as_str(), "Kafka" | "Quorum") =>
            {
                match inner.keys().next() {
                    Some(variant) => format!("{name}.{variant}"),
                    None => name.clone(),
                }
            }
            Some((name, serde_json::Value::String(variant)))
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
                let json = serde_json::to_string(&entry.event).unwrap_or_default();
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
    let json = serde_json::to_value(report).map_err(|e| e.to_string())?;
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

pub struct LessonFile {
    pub name: &'static str,
    pub json: &'static str,
}

impl LessonFile {
    /// The lesson. Lessons are checked by the test suite, so a failure
    /// here is a bug in the repository.
    pub fn lesson(&self) -> Lesson {
        match serde_json::from_str(self.json) {
            Ok(lesson) => lesson,
            Err(e) => panic!("lesson {} is invalid: {e}", self.name),
        }
    }
}

macro_rules! lessons {
    ($($name:literal),* $(,)?) => {
        /// Every lesson, in the order of the lesson index.
        pub const ALL: &[LessonFile] = &[
            $(LessonFile { name: $name, json: include_str!(concat!($name, ".json")) },)*
        ];
    };
}

lessons![
    // The seed's three techniques: redundancy, failover, recovery.
    "mirrored-queues",
    "failover-transport",
    "kafka-replicated-log",
    // What goes wrong, and the settings that prevent it.
    "unsynced-mirror",
    "split-brain",
    "kafka-acks",
    "unclean-election",
    "idempotent-producer",
    "quorum-queues",
    "disaster-recovery",
    // The seed's three applications.
    "ecommerce-orders",
    "social-notifications",
    "iot-telemetry",
];

pub fn get(name: &str) -> Option<&'static LessonFile> {
    ALL.iter().find(|l| l.name == name)
}
