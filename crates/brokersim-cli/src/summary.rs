//! The readable summary of a run, for a student at a terminal: what the
//! scenario is, the events that tell the story (faults, detection, failover,
//! lost copies) with their sentences, then the numbers. Per-message events
//! (one per publish, confirm, delivery) would drown the story, so they are
//! only counted; `--trace FILE` has every one of them.

use std::fmt::Write;

use brokersim::invariants::Violation;
use brokersim::{Event, Report, Sim, TraceEntry};

/// Key trace events listed before the rest are only counted.
const MAX_EVENT_LINES: usize = 200;
/// Violations listed before the rest are only counted.
const MAX_VIOLATIONS: usize = 20;
/// Entries of a list-valued report field shown in the table.
const MAX_LIST_ITEMS: usize = 8;

pub fn render(sim: &Sim, report: &Report) -> String {
    // Brokers print by their site's names (`primary-b1`) in runs with sites.
    let _names = sim.naming();
    let mut out = String::new();
    header(&mut out, sim);
    events(&mut out, sim.trace());
    table(&mut out, report);
    violations(&mut out, &report.violations);
    let _ = writeln!(out, "\ntrace_hash  {}", report.trace_hash);
    out
}

fn header(out: &mut String, sim: &Sim) {
    let scenario = sim.scenario();
    let config = sim.config();
    let title = if scenario.title.is_empty() {
        "(untitled scenario)"
    } else {
        &scenario.title
    };
    let _ = writeln!(out, "{title}");
    let _ = writeln!(
        out,
        "  system  {}, {} brokers",
        config.system.name(),
        config.broker_count
    );
    let _ = writeln!(out, "  seed    {}", scenario.seed);
    let _ = writeln!(
        out,
        "  run     faults until {}, then the drain; ended at {} after {} engine events",
        brokersim::SimTime::from_ms(scenario.duration_ms),
        sim.now(),
        sim.events_processed()
    );
}

/// Events that happen once per message, summarised as counts.
#[derive(Default)]
struct MessageEvents {
    published: u64,
    confirmed: u64,
    delivered: u64,
    nacked: u64,
    confirm_timed_out: u64,
    unsent: u64,
}

impl MessageEvents {
    /// Counts `event` if it is a per-message one; false for a key event.
    fn count(&mut self, event: &Event) -> bool {
        let counter = match event {
            Event::Published { .. } => &mut self.published,
            Event::Confirmed { .. } => &mut self.confirmed,
            Event::Delivered { .. } => &mut self.delivered,
            Event::Nacked { .. } => &mut self.nacked,
            Event::ConfirmTimedOut { .. } => &mut self.confirm_timed_out,
            Event::Unsent { .. } => &mut self.unsent,
            _ => return false,
        };
        *counter += 1;
        true
    }
}

fn events(out: &mut String, trace: &[TraceEntry]) {
    let mut counts = MessageEvents::default();
    let key: Vec<&TraceEntry> = trace
        .iter()
        .filter(|entry| !counts.count(&entry.event))
        .collect();
    let shown = &key[..key.len().min(MAX_EVENT_LINES)];
    let width = shown
        .iter()
        .map(|entry| entry.at.to_string().len())
        .max()
        .unwrap_or(0);
    let _ = writeln!(out, "\nKey events");
    for entry in shown {
        let _ = writeln!(out, "  {:>width$}  {}", entry.at.to_string(), entry.text());
    }
    if key.len() > shown.len() {
        let _ = writeln!(
            out,
            "  … {} more events (use --trace FILE)",
            key.len() - shown.len()
        );
    }
    let _ = writeln!(
        out,
        "  (per message, counted only: {} publish attempts, {} confirms, {} deliveries, {} nacks, {} confirm timeouts, {} unsent)",
        counts.published,
        counts.confirmed,
        counts.delivered,
        counts.nacked,
        counts.confirm_timed_out,
        counts.unsent
    );
}

fn list(values: &[u64]) -> String {
    if values.is_empty() {
        return "-".into();
    }
    let mut text = values
        .iter()
        .take(MAX_LIST_ITEMS)
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if values.len() > MAX_LIST_ITEMS {
        let _ = write!(text, ", … ({} in all)", values.len());
    }
    text
}

fn optional(value: Option<u64>) -> String {
    value.map_or_else(|| "-".into(), |v| v.to_string())
}

/// The report's numbers, one per line: field name (as in `--json`), value,
/// and what it means.
fn table(out: &mut String, r: &Report) {
    let rows: [(&str, String, &str); 15] = [
        (
            "published",
            r.published.to_string(),
            "messages the producers tried to publish",
        ),
        (
            "confirmed",
            r.confirmed.to_string(),
            "publishes the broker confirmed",
        ),
        (
            "rejected",
            r.rejected.to_string(),
            "publishes that finally failed with an error",
        ),
        (
            "indeterminate",
            r.indeterminate.to_string(),
            "neither: the producer cannot know",
        ),
        (
            "delivered",
            r.delivered.to_string(),
            "messages a consumer handled at least once",
        ),
        (
            "redelivered",
            r.redelivered.to_string(),
            "deliveries flagged as redelivered",
        ),
        (
            "duplicated",
            r.duplicated.to_string(),
            "messages handled more than once",
        ),
        (
            "lost",
            r.lost.to_string(),
            "confirmed, yet never delivered after the drain",
        ),
        (
            "unexpected",
            r.unexpected.to_string(),
            "delivered but never published",
        ),
        (
            "reordered",
            r.reordered.to_string(),
            "first deliveries out of producer order",
        ),
        (
            "unavailable_ms",
            r.unavailable_ms.to_string(),
            "time no leader could accept a publish",
        ),
        ("failovers", r.failovers.to_string(), "leadership changes"),
        (
            "detection_ms",
            list(&r.detection_ms),
            "failure to detection, per detected failure",
        ),
        (
            "rto_ms",
            optional(r.rto_ms),
            "cross-site recovery time (- without sites)",
        ),
        (
            "rpo_messages",
            optional(r.rpo_messages),
            "confirmed messages the surviving site lacks",
        ),
    ];
    let name_width = rows
        .iter()
        .map(|(name, _, _)| name.len())
        .max()
        .unwrap_or(0);
    // Numbers line up; a longer list just pushes its own meaning right.
    let value_width = rows
        .iter()
        .filter(|(_, value, _)| !value.contains(", "))
        .map(|(_, value, _)| value.chars().count())
        .max()
        .unwrap_or(0);
    let _ = writeln!(out, "\nReport");
    for (name, value, meaning) in &rows {
        let _ = writeln!(
            out,
            "  {name:<name_width$}  {value:>value_width$}  {meaning}"
        );
    }
}

fn violations(out: &mut String, violations: &[Violation]) {
    if violations.is_empty() {
        let _ = writeln!(out, "\nViolations: none");
        return;
    }
    let _ = writeln!(out, "\nViolations ({})", violations.len());
    for v in violations.iter().take(MAX_VIOLATIONS) {
        let at = brokersim::SimTime::from_ms(v.at_ms);
        let _ = writeln!(out, "  {at}  {}: {}", v.property, v.detail);
    }
    if violations.len() > MAX_VIOLATIONS {
        let _ = writeln!(out, "  … and {} more", violations.len() - MAX_VIOLATIONS);
    }
}
