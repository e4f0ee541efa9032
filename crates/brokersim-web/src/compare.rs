//! Compare mode's plain logic (tested natively): two configurations of the
//! same run side by side. The left side is a scenario; the right side is
//! the same scenario with other settings (the real option names of
//! `settings`, and the producers' and consumers' options such as `acks`),
//! or on another system (a mirrored queue and a quorum queue, Kafka and a
//! quorum queue). Both sides always share what makes them *the same run*:
//! the brokers or sites, the seed, the fault phase's length and the fault
//! schedule, the user's own actions included.
//!
//! - [`READY_MADE`]: the comparisons the README lists, each a preset and a
//!   patch for its right side (`?compare=NAME`).
//! - [`apply_patch`]: `{"system": ..., "release": ..., "settings": {...},
//!   "producers": {...}, "consumers": {...}}` onto a scenario, validated
//!   like any scenario. A new system drops the settings and client options
//!   it does not take ([`CLIENT_ONLY`], `settings::applies_to`).
//! - [`differences`]: what differs between the two sides, as the one-line
//!   header above each cluster names it (`acks=1` | `acks=all`, or
//!   `rabbitmq-mirrored 3.13` | `rabbitmq-quorum 4.2`, which the page
//!   words as "RabbitMQ mirrored 3.13").
//! - [`report_rows`]: the two reports row by row, with the rows that differ.
//! - [`Pair`]: both sides in a link (`#c=`, share.rs's encoding), checked.
//! - [`follow`]: the right side's `Runner` kept at the left's time and faults.
//! - [`step_both`], [`back_both`]: one step to the next (or back to the
//!   previous) event of either side.

use std::collections::BTreeMap;

use brokersim::{Report, Scenario, ScenarioError, SimTime};
use serde_json::{Map, Value};

use crate::i18n::Msg;
use crate::runner::{Clock, Runner};
use crate::share;

/// The fragment key of a shared comparison.
pub const KEY: &str = "c=";

/// A ready-made comparison: a preset on the left, the same preset with
/// `patch` on the right.
pub struct ReadyMade {
    pub name: &'static str,
    pub preset: &'static str,
    pub patch: &'static str,
    pub title: Msg,
}

pub const READY_MADE: &[ReadyMade] = &[
    ReadyMade {
        name: "kafka-acks",
        preset: "kafka-acks1-leader-crash",
        patch: r#"{"producers": {"acks": "all"}}"#,
        title: Msg::CompareAcks,
    },
    ReadyMade {
        name: "kafka-flush",
        preset: "kafka-power-loss",
        patch: r#"{"settings": {"flush.messages": 1}}"#,
        title: Msg::CompareFlush,
    },
    ReadyMade {
        name: "promote-on-failure",
        preset: "mirrored-unsynced-promotion",
        patch: r#"{"settings": {"ha-promote-on-failure": "when-synced"}}"#,
        title: Msg::ComparePromote,
    },
    ReadyMade {
        name: "mirrored-vs-quorum",
        preset: "mirrored-rolling-restart",
        patch: r#"{"system": "rabbitmq-quorum"}"#,
        title: Msg::CompareMirroredQuorum,
    },
    ReadyMade {
        name: "kafka-vs-quorum-power-loss",
        preset: "kafka-power-loss",
        patch: r#"{"system": "rabbitmq-quorum"}"#,
        title: Msg::CompareKafkaQuorum,
    },
    ReadyMade {
        name: "partition-handling",
        preset: "partition-ignore",
        patch: r#"{"settings": {"cluster_partition_handling": "pause_minority"}}"#,
        title: Msg::ComparePartition,
    },
];

pub fn ready_made(name: &str) -> Option<&'static ReadyMade> {
    READY_MADE.iter().find(|r| r.name == name)
}

/// The names of the ready-made comparisons, for messages: `a, b, c`.
pub fn ready_made_names() -> String {
    READY_MADE
        .iter()
        .map(|r| r.name)
        .collect::<Vec<_>>()
        .join(", ")
}

impl ReadyMade {
    /// Its two sides (the presets and patches are tested), once its preset
    /// has arrived (`load_pair`).
    pub fn pair(&self) -> Result<Pair, ScenarioError> {
        let left = crate::preset_files::cached(self.preset)
            .ok_or_else(|| ScenarioError::new("compare", format!("no preset {}", self.preset)))?;
        let patch: Value = serde_json::from_str(self.patch)
            .map_err(|e| ScenarioError::new("compare", e.to_string()))?;
        let right = apply_patch(&left, &patch)?;
        Pair::new(left, right)
    }

    /// Its two sides, its preset fetched first if it has not arrived.
    pub async fn load_pair(&self) -> Result<Pair, String> {
        crate::preset_files::load(self.preset.to_owned()).await?;
        self.pair().map_err(|e| e.to_string())
    }
}

/// Merges `changes` (an object) into `target` (an object); `null` removes.
fn merge(target: &mut Value, changes: &Value, path: &str) -> Result<(), ScenarioError> {
    let Some(changes) = changes.as_object() else {
        return Err(ScenarioError::new(
            path,
            "expected an object of option names",
        ));
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Some(target) = target.as_object_mut() else {
        return Ok(());
    };
    for (key, value) in changes {
        if value.is_null() {
            target.remove(key);
        } else {
            target.insert(key.clone(), value.clone());
        }
    }
    Ok(())
}

/// The client options that only some systems take: the core refuses each
/// of them on the other systems, naming the field (`validate.rs`; the test
/// `the_client_options_dropped_are_exactly_those_the_core_refuses` keeps
/// this list and the core in step). A side moved to another system loses
/// the ones its new system does not take; its product's defaults apply.
pub const CLIENT_ONLY: &[(&str, &str, &[&str])] = &[
    ("producers", "acks", &["kafka"]),
    ("producers", "idempotent", &["kafka"]),
    ("producers", "delivery_timeout_ms", &["kafka"]),
    ("producers", "request_timeout_ms", &["kafka"]),
    ("producers", "max_in_flight", &["kafka"]),
    (
        "producers",
        "confirms",
        &["rabbitmq-mirrored", "rabbitmq-quorum"],
    ),
    (
        "producers",
        "confirm_timeout_ms",
        &["rabbitmq-mirrored", "rabbitmq-quorum", "activemq"],
    ),
    (
        "producers",
        "network_recovery_interval_ms",
        &["rabbitmq-mirrored", "rabbitmq-quorum"],
    ),
    (
        "consumers",
        "network_recovery_interval_ms",
        &["rabbitmq-mirrored", "rabbitmq-quorum"],
    ),
    ("consumers", "auto_offset_reset", &["kafka"]),
    ("consumers", "auto_commit_interval_ms", &["kafka"]),
];

/// Whether the client option `name` of `section` is one `system` takes.
fn client_option_applies(section: &str, name: &str, system: &str) -> bool {
    CLIENT_ONLY
        .iter()
        .find(|(s, n, _)| *s == section && *n == name)
        .is_none_or(|(_, _, systems)| systems.contains(&system))
}

/// Moves the scenario (as JSON) to `system`: its release goes (a release
/// is a system's own; the new system's newest applies unless the patch
/// names one), and so do the settings and client options the new system
/// does not take. What remains the core validates, naming any field the
/// new system still refuses (an ActiveMQ failover URI in `connect`, say).
fn change_system(json: &mut Value, system: &Value) -> Result<(), ScenarioError> {
    let Some(system) = system.as_str() else {
        return Err(ScenarioError::new(
            "patch.system",
            "expected a system name such as \"rabbitmq-quorum\"",
        ));
    };
    if json["system"] == system {
        return Ok(());
    }
    json["system"] = Value::String(system.to_owned());
    if let Some(top) = json.as_object_mut() {
        top.remove("release");
    }
    if let Some(settings) = json["settings"].as_object_mut() {
        settings.retain(|key, _| brokersim::scenario::settings::applies_to(system, key));
    }
    for section in ["producers", "consumers"] {
        if let Some(clients) = json[section].as_array_mut() {
            for client in clients.iter_mut().filter_map(Value::as_object_mut) {
                client.retain(|name, _| client_option_applies(section, name, system));
            }
        }
    }
    Ok(())
}

/// The scenario with `patch` applied: `system` first (see
/// [`change_system`]), then `release`, `settings` merged into the settings,
/// `producers` and `consumers` merged into every producer and consumer.
/// Anything else cannot differ between the sides of a comparison.
pub fn apply_patch(scenario: &Scenario, patch: &Value) -> Result<Scenario, ScenarioError> {
    let Some(sections) = patch.as_object() else {
        return Err(ScenarioError::new("patch", "expected an object"));
    };
    let mut json = to_value(scenario);
    if let Some(system) = sections.get("system") {
        change_system(&mut json, system)?;
    }
    for (section, changes) in sections {
        let path = format!("patch.{section}");
        match section.as_str() {
            "system" => {}
            "release" => match changes {
                Value::String(_) => json["release"] = changes.clone(),
                Value::Null => {
                    if let Some(top) = json.as_object_mut() {
                        top.remove("release");
                    }
                }
                _ => {
                    return Err(ScenarioError::new(
                        path,
                        "expected a release such as \"4.2\"",
                    ));
                }
            },
            "settings" => merge(&mut json["settings"], changes, &path)?,
            "producers" | "consumers" => {
                if let Some(clients) = json[section.as_str()].as_array_mut() {
                    for client in clients {
                        merge(client, changes, &path)?;
                    }
                }
            }
            _ => {
                return Err(ScenarioError::new(
                    path,
                    "only system, release, settings, producers and consumers can differ between the sides",
                ));
            }
        }
    }
    Scenario::from_json(&json.to_string())
}

/// One option that differs between the sides: its name and each side's
/// value (`None`: not set, the default applies).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    pub name: String,
    pub left: Option<String>,
    pub right: Option<String>,
}

fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A client list's options as `name → value` per client, from serde so a
/// field the core adds later is compared too.
fn client_options<T: serde::Serialize>(clients: &[T]) -> Vec<BTreeMap<String, String>> {
    clients
        .iter()
        .map(|c| match to_value(c) {
            Value::Object(map) => map
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), shown(v)))
                .collect(),
            _ => BTreeMap::new(),
        })
        .collect()
}

/// Differences among clients: `acks` when every client on each side agrees
/// (a patch sets all of them alike), else `p1.acks`, `p2.acks` ….
fn client_differences(
    prefix: char,
    left: &[BTreeMap<String, String>],
    right: &[BTreeMap<String, String>],
    out: &mut Vec<Difference>,
) {
    let mut names: Vec<&String> = left.iter().chain(right).flat_map(|c| c.keys()).collect();
    names.sort();
    names.dedup();
    for name in names {
        let l: Vec<Option<&String>> = left.iter().map(|c| c.get(name)).collect();
        let r: Vec<Option<&String>> = right.iter().map(|c| c.get(name)).collect();
        if l == r {
            continue;
        }
        let uniform = |v: &[Option<&String>]| v.windows(2).all(|w| w[0] == w[1]);
        if left.len() == right.len() && uniform(&l) && uniform(&r) {
            out.push(Difference {
                name: name.clone(),
                left: l.first().copied().flatten().cloned(),
                right: r.first().copied().flatten().cloned(),
            });
            continue;
        }
        for i in 0..l.len().max(r.len()) {
            let (a, b) = (l.get(i).copied().flatten(), r.get(i).copied().flatten());
            if a != b {
                out.push(Difference {
                    name: format!("{prefix}{}.{name}", i + 1),
                    left: a.cloned(),
                    right: b.cloned(),
                });
            }
        }
    }
}

/// A scenario's system and the release it models: `rabbitmq-quorum 4.2`
/// (the release the core runs: the scenario's own, or the system's newest).
pub fn system_release(scenario: &Scenario) -> String {
    use brokersim::scenario::release;
    match release::parse(&scenario.system, scenario.release.as_deref()) {
        Ok(r) => format!("{} {r}", scenario.system),
        Err(_) => scenario.system.clone(),
    }
}

/// What differs between two scenarios' configurations (not their title,
/// seed, length or faults, which a comparison shares). Sides on different
/// systems differ first in `system` (with the release); their settings and
/// client options are compared only where both systems take them.
pub fn differences(left: &Scenario, right: &Scenario) -> Vec<Difference> {
    let mut out = Vec::new();
    let (ls, rs) = (left.system.as_str(), right.system.as_str());
    let mut top = |name: &str, l: Option<String>, r: Option<String>| {
        if l != r {
            out.push(Difference {
                name: name.to_owned(),
                left: l,
                right: r,
            });
        }
    };
    top(
        "system",
        Some(system_release(left)),
        Some(system_release(right)),
    );
    top("brokers", json(&left.brokers), json(&right.brokers));
    top("sites", json(&left.sites), json(&right.sites));
    top("heartbeat", json(&left.heartbeat), json(&right.heartbeat));
    top("network", json(&left.network), json(&right.network));
    let shared = |key: &str| {
        use brokersim::scenario::settings::applies_to;
        ls == rs || (applies_to(ls, key) && applies_to(rs, key))
    };
    let mut names: Vec<&String> = left.settings.keys().chain(right.settings.keys()).collect();
    names.sort();
    names.dedup();
    names.retain(|name| shared(name));
    for name in names {
        let (l, r) = (left.settings.get(name), right.settings.get(name));
        if l != r {
            out.push(Difference {
                name: name.clone(),
                left: l.map(shown),
                right: r.map(shown),
            });
        }
    }
    // Options one of the systems does not take are not differences: the
    // other side never had them.
    let both = |section: &'static str, clients: Vec<BTreeMap<String, String>>| {
        clients
            .into_iter()
            .map(|mut c| {
                c.retain(|name, _| {
                    client_option_applies(section, name, ls)
                        && client_option_applies(section, name, rs)
                });
                c
            })
            .collect::<Vec<_>>()
    };
    let (lp, rp) = (
        both("producers", client_options(&left.producers)),
        both("producers", client_options(&right.producers)),
    );
    client_differences('p', &lp, &rp, &mut out);
    let (lc, rc) = (
        both("consumers", client_options(&left.consumers)),
        both("consumers", client_options(&right.consumers)),
    );
    client_differences('c', &lc, &rc, &mut out);
    out
}

/// A value as JSON through text: `serde_json::to_value` would compile the
/// scenario's whole serializer a second time into the download; the one
/// text serializer (`brokersim::json`) and the `Value` parser are there
/// anyway.
pub fn to_value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::from_str(&brokersim::json::to_string(v)).unwrap_or(Value::Null)
}

/// A value as the header shows it (`None` for absent/null).
fn json<T: serde::Serialize>(v: &T) -> Option<String> {
    match to_value(v) {
        Value::Null => None,
        v => Some(shown(&v)),
    }
}

/// One row of the side-by-side report: the report's own field name, its
/// label, each side's raw value (what `brokersim run --json` prints) and
/// whether they differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportRow {
    pub key: &'static str,
    pub label: Msg,
    pub left: String,
    pub right: String,
    /// A larger value is worse (lost, duplicated, unavailable …).
    pub worse_when_more: bool,
}

impl ReportRow {
    pub fn differs(&self) -> bool {
        self.left != self.right
    }
}

/// The two reports as rows (RTO and RPO only for runs with sites).
pub fn report_rows(left: &Report, right: &Report, sites: bool) -> Vec<ReportRow> {
    let list = |v: &[u64]| v.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
    let opt = |v: Option<u64>| v.map_or_else(String::new, |v| v.to_string());
    let mut rows = Vec::new();
    let mut row = |key, label, l: String, r: String, worse_when_more| {
        rows.push(ReportRow {
            key,
            label,
            left: l,
            right: r,
            worse_when_more,
        });
    };
    let n = |v: u64| v.to_string();
    row(
        "published",
        Msg::Published,
        n(left.published),
        n(right.published),
        false,
    );
    row(
        "confirmed",
        Msg::Confirmed,
        n(left.confirmed),
        n(right.confirmed),
        false,
    );
    row(
        "rejected",
        Msg::Rejected,
        n(left.rejected),
        n(right.rejected),
        true,
    );
    row(
        "indeterminate",
        Msg::Indeterminate,
        n(left.indeterminate),
        n(right.indeterminate),
        true,
    );
    row(
        "delivered",
        Msg::Delivered,
        n(left.delivered),
        n(right.delivered),
        false,
    );
    row(
        "redelivered",
        Msg::Redelivered,
        n(left.redelivered),
        n(right.redelivered),
        false,
    );
    row(
        "duplicated",
        Msg::Duplicated,
        n(left.duplicated),
        n(right.duplicated),
        true,
    );
    row(
        "unconsumed",
        Msg::Unconsumed,
        n(left.unconsumed),
        n(right.unconsumed),
        false,
    );
    row("lost", Msg::Lost, n(left.lost), n(right.lost), true);
    row(
        "unavailable_ms",
        Msg::Unavailable,
        n(left.unavailable_ms),
        n(right.unavailable_ms),
        true,
    );
    row(
        "failovers",
        Msg::Failovers,
        n(left.failovers),
        n(right.failovers),
        false,
    );
    row(
        "detection_ms",
        Msg::Detection,
        list(&left.detection_ms),
        list(&right.detection_ms),
        false,
    );
    if sites {
        row(
            "rto_ms",
            Msg::Rto,
            opt(left.rto_ms),
            opt(right.rto_ms),
            true,
        );
        row(
            "rpo_messages",
            Msg::Rpo,
            opt(left.rpo_messages),
            opt(right.rpo_messages),
            true,
        );
    }
    let v = |r: &Report| r.violations.len() as u64;
    row(
        "violations",
        Msg::CompareViolations,
        n(v(left)),
        n(v(right)),
        true,
    );
    rows
}

/// Both sides of a comparison, their shared parts made equal.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Pair {
    pub left: Scenario,
    pub right: Scenario,
}

impl Pair {
    /// Checks that the sides can share one fault schedule (the same brokers
    /// or sites; the systems may differ) and gives the right side the left's
    /// seed, length and faults.
    pub fn new(left: Scenario, mut right: Scenario) -> Result<Pair, ScenarioError> {
        for (field, same) in [
            ("brokers", left.brokers == right.brokers),
            ("sites", left.sites == right.sites),
        ] {
            if !same {
                return Err(ScenarioError::new(
                    format!("right.{field}"),
                    "both sides must run on the same brokers (or sites), so that they share one fault schedule; the system, its settings and the client options can differ",
                ));
            }
        }
        right.title = left.title.clone();
        right.description = left.description.clone();
        share_run(&left, &mut right);
        Scenario::from_json(&brokersim::json::to_string(&right))
            .map_err(|e| ScenarioError::new(format!("right.{}", e.path), e.message))?;
        Ok(Pair { left, right })
    }

    /// The link fragment (without `#`): `c=` + base64url(deflate(JSON)).
    pub fn encode(&self) -> String {
        format!("{KEY}{}", share::pack(&brokersim::json::to_string(self)))
    }

    /// Reads a fragment. `Ok(None)`: no comparison in it.
    pub fn decode(fragment: &str) -> Result<Option<Pair>, ScenarioError> {
        let Some(data) = fragment.strip_prefix(KEY) else {
            return Ok(None);
        };
        let text = share::unpack(data)?;
        let value: Value = serde_json::from_str(&text)
            .map_err(|e| ScenarioError::new("", format!("not JSON: {e}")))?;
        let side = |name: &str| -> Result<Scenario, ScenarioError> {
            let v = value.get(name).ok_or_else(|| {
                ScenarioError::new(
                    name,
                    "missing: a comparison has a left and a right scenario",
                )
            })?;
            Scenario::from_json(&v.to_string())
                .map_err(|e| ScenarioError::new(format!("{name}.{}", e.path), e.message))
        };
        Pair::new(side("left")?, side("right")?).map(Some)
    }
}

/// Gives `right` what the sides share: the seed, the fault phase, the faults.
fn share_run(left: &Scenario, right: &mut Scenario) {
    right.seed = left.seed;
    right.duration_ms = left.duration_ms;
    right.faults = left.faults.clone();
}

/// Far beyond any run's end: "run to the end".
const THE_END: SimTime = SimTime(u64::MAX / 4);

/// Keeps the right side (`twin`) with the left (`leader`): the same seed,
/// length and faults (a fault the user added on the left is added on the
/// right too), and the same virtual time; once the left has finished, the
/// right runs to its own end. Works at most `budget_ms` of wall time.
pub fn follow(
    leader: &Runner,
    twin: &mut Runner,
    budget_ms: f64,
    clock: Clock,
) -> Result<(), ScenarioError> {
    let (l, r) = (leader.scenario(), twin.scenario());
    if l.seed != r.seed || l.duration_ms != r.duration_ms || l.faults != r.faults {
        let mut scenario = r.clone();
        share_run(l, &mut scenario);
        twin.replace(scenario, true)?;
    }
    let target = match leader.busy() {
        Some(t) => t,
        None if leader.is_finished() => THE_END,
        None => leader.now(),
    };
    let done = twin.is_finished() && target >= twin.now();
    if twin.now() != target && twin.busy() != Some(target) && !done {
        twin.seek(target);
    }
    twin.work(None, budget_ms, clock);
    Ok(())
}

/// One step on both sides: to the next event either side shows, so an
/// event of the right side is never stepped over. Both sides step; if the
/// right's event comes first, the left goes back to it (and [`follow`]
/// brings the right there if the left's came first).
pub fn step_both(left: &mut Runner, right: &mut Runner, budget_ms: f64, clock: Clock) {
    if left.busy().is_some() || right.busy().is_some() {
        return;
    }
    let right_was_level = right.now() == left.now() && !right.is_finished();
    left.step();
    if right_was_level {
        right.step();
        if right.now() < left.now() {
            left.seek(right.now());
            left.work(None, budget_ms, clock);
        }
    }
}

/// One step back on both sides: to the latest earlier event of either.
pub fn back_both(left: &mut Runner, right: &Runner, budget_ms: f64, clock: Clock) {
    let mut t = left.previous_event_at();
    if right.now() == left.now() {
        t = t.max(right.previous_event_at());
    }
    left.seek(t);
    left.work(None, budget_ms, clock);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_clock() -> f64 {
        0.0
    }

    /// Runs the left side to its pending moment and the right up to it.
    fn settle(left: &mut Runner, right: &mut Runner) {
        while !left.work(None, 1e9, &no_clock) {}
        loop {
            follow(left, right, 1e9, &no_clock).unwrap();
            if right.busy().is_none() {
                break;
            }
        }
    }

    fn preset(name: &str) -> Scenario {
        brokersim::presets::get(name).unwrap().scenario()
    }

    #[test]
    fn every_ready_made_comparison_builds_and_differs_in_what_it_names() {
        for r in READY_MADE {
            let pair = r.pair().unwrap_or_else(|e| panic!("{}: {e}", r.name));
            let diff = differences(&pair.left, &pair.right);
            assert_eq!(diff.len(), 1, "{}: {diff:?}", r.name);
            assert!(r.patch.contains(&diff[0].name), "{}: {diff:?}", r.name);
            assert_eq!(pair.left.faults, pair.right.faults);
        }
        let acks = differences(&ready_made("kafka-acks").unwrap().pair().unwrap().left, &{
            ready_made("kafka-acks").unwrap().pair().unwrap().right
        });
        assert_eq!(
            acks,
            vec![Difference {
                name: "acks".into(),
                left: Some("1".into()),
                right: Some("all".into())
            }]
        );
    }

    #[test]
    fn a_patch_sets_every_client_removes_with_null_and_refuses_the_rest() {
        let base = preset("partition-ignore");
        let patch = serde_json::json!({
            "settings": {"net_ticktime": null, "ha-sync-mode": "automatic"},
            "producers": {"retries": 7},
        });
        let s = apply_patch(&base, &patch).unwrap();
        assert!(!s.settings.contains_key("net_ticktime"));
        assert_eq!(s.settings["ha-sync-mode"], "automatic");
        assert!(s.producers.iter().all(|p| p.retries == Some(7)));
        assert_eq!(s.faults, base.faults);
        let diff = differences(&base, &s);
        let names: Vec<&str> = diff.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["ha-sync-mode", "net_ticktime", "retries"]);
        assert_eq!(diff[1].right, None);

        let err = apply_patch(&base, &serde_json::json!({"faults": []})).unwrap_err();
        assert_eq!(err.path, "patch.faults");
        let err =
            apply_patch(&base, &serde_json::json!({"producers": {"acks": "all"}})).unwrap_err();
        assert!(err.path.contains("acks"), "{err}");
    }

    #[test]
    fn a_side_on_another_system_drops_what_it_does_not_take_and_names_the_systems() {
        let pair = ready_made("mirrored-vs-quorum").unwrap().pair().unwrap();
        assert_eq!(pair.right.system, "rabbitmq-quorum");
        let kept: Vec<&String> = pair.right.settings.keys().collect();
        assert_eq!(kept, ["net_ticktime"], "ha-* are mirrored settings");
        assert_eq!(
            differences(&pair.left, &pair.right),
            vec![Difference {
                name: "system".into(),
                left: Some("rabbitmq-mirrored 3.13".into()),
                right: Some("rabbitmq-quorum 4.2".into()),
            }]
        );
        let pair = ready_made("kafka-vs-quorum-power-loss")
            .unwrap()
            .pair()
            .unwrap();
        assert!(pair.right.settings.is_empty());
        assert!(pair.right.producers.iter().all(|p| p.acks.is_none()));
        assert!(
            pair.right
                .consumers
                .iter()
                .all(|c| c.auto_offset_reset.is_none())
        );
        // What both take stays, and still shows when it differs.
        assert_eq!(pair.right.producers[0].count, Some(6000));
        let mut right = pair.right.clone();
        right.producers[0].retries = Some(7);
        let names: Vec<String> = differences(&pair.left, &right)
            .into_iter()
            .map(|d| d.name)
            .collect();
        assert_eq!(names, ["system", "retries"]);
        // A release alone differs as the system with its release.
        let base = preset("quorum-leader-crash");
        let old = apply_patch(&base, &serde_json::json!({"release": "3.13"})).unwrap();
        let diff = differences(&base, &old);
        assert_eq!(diff.len(), 1);
        assert_eq!(diff[0].right.as_deref(), Some("rabbitmq-quorum 3.13"));
    }

    #[test]
    fn a_cross_system_patch_that_cannot_apply_names_the_field() {
        let base = preset("mirrored-rolling-restart");
        let err = apply_patch(&base, &serde_json::json!({"system": 3})).unwrap_err();
        assert_eq!(err.path, "patch.system");
        let err = apply_patch(&base, &serde_json::json!({"system": "rabbitmq"})).unwrap_err();
        assert_eq!(err.path, "system");
        // A release the system does not have: mirroring ended with 3.13.
        let err = apply_patch(&base, &serde_json::json!({"release": "4.2"})).unwrap_err();
        assert_eq!(err.path, "release");
        assert!(err.message.contains("4.0"), "{err}");
        // ActiveMQ's failover URIs mean nothing to Kafka's clients.
        let err = apply_patch(
            &preset("activemq-failover"),
            &serde_json::json!({"system": "kafka"}),
        )
        .unwrap_err();
        assert!(err.path.ends_with(".connect"), "{err}");
        let err = apply_patch(&base, &serde_json::json!({"release": 4})).unwrap_err();
        assert_eq!(err.path, "patch.release");
    }

    #[test]
    fn the_client_options_dropped_are_exactly_those_the_core_refuses() {
        let value = |name: &str| match name {
            "acks" => serde_json::json!("all"),
            "auto_offset_reset" => serde_json::json!("earliest"),
            "idempotent" | "confirms" => serde_json::json!(true),
            "max_in_flight" => serde_json::json!(5),
            _ => serde_json::json!(30_000),
        };
        for &(section, name, takers) in CLIENT_ONLY {
            for system in ["rabbitmq-mirrored", "rabbitmq-quorum", "kafka", "activemq"] {
                let mut json = serde_json::json!({
                    "version": 1, "seed": 1, "duration_ms": 1000,
                    "system": system, "brokers": 2,
                    "producers": [{ "rate_per_s": 1 }],
                    "consumers": [{ "ack": "manual" }],
                });
                json[section][0][name] = value(name);
                let result = Scenario::from_json(&json.to_string());
                if takers.contains(&system) {
                    assert!(
                        result.is_ok(),
                        "{system} takes {section}.{name}: {result:?}"
                    );
                } else {
                    let err = result.expect_err(&format!("{system} refuses {section}.{name}"));
                    assert!(err.path.ends_with(name), "{system}, {name}: {err}");
                }
            }
        }
    }

    #[test]
    fn the_cross_system_comparisons_show_what_their_titles_say() {
        for (name, lost) in [
            ("mirrored-vs-quorum", ("160", "0")),
            ("kafka-vs-quorum-power-loss", ("1000", "0")),
        ] {
            let pair = ready_made(name).unwrap().pair().unwrap();
            let l = brokersim::Sim::new(pair.left.clone()).unwrap().run_to_end();
            let r = brokersim::Sim::new(pair.right.clone())
                .unwrap()
                .run_to_end();
            let rows = report_rows(&l, &r, false);
            // The rows line up: the same measures, whatever the systems.
            let same = report_rows(&l, &l, false);
            let keys = |rows: &[ReportRow]| rows.iter().map(|r| r.key).collect::<Vec<_>>();
            assert_eq!(keys(&rows), keys(&same));
            let row = rows.iter().find(|r| r.key == "lost").unwrap();
            assert_eq!((row.left.as_str(), row.right.as_str()), lost, "{name}");
        }
    }

    #[test]
    fn every_comparison_a_lesson_opens_is_ready_made() {
        let mut opened = Vec::new();
        for file in brokersim::lessons::ALL {
            for step in file.lesson().steps {
                if let Some(name) = step.compare {
                    assert!(ready_made(&name).is_some(), "{}: {name}", file.name);
                    opened.push(name);
                }
            }
        }
        opened.sort();
        assert_eq!(
            opened,
            [
                "kafka-flush",
                "kafka-vs-quorum-power-loss",
                "mirrored-vs-quorum"
            ]
        );
    }

    #[test]
    fn clients_that_differ_one_by_one_are_named_one_by_one() {
        let base = preset("partition-ignore");
        let mut other = base.clone();
        other.producers[1].retries = Some(0);
        let diff = differences(&base, &other);
        assert_eq!(diff.len(), 1);
        assert_eq!(diff[0].name, "p2.retries");
    }

    #[test]
    fn the_report_rows_mark_exactly_what_differs() {
        let pair = ready_made("kafka-acks").unwrap().pair().unwrap();
        let l = brokersim::Sim::new(pair.left.clone()).unwrap().run_to_end();
        let r = brokersim::Sim::new(pair.right.clone())
            .unwrap()
            .run_to_end();
        let rows = report_rows(&l, &r, false);
        let lost = rows.iter().find(|r| r.key == "lost").unwrap();
        assert!(lost.differs() && lost.left != "0" && lost.right == "0");
        assert!(
            !rows
                .iter()
                .find(|r| r.key == "published")
                .unwrap()
                .differs()
        );
        assert!(!rows.iter().any(|r| r.key == "rto_ms"));
        let same = report_rows(&l, &l, true);
        assert!(same.iter().all(|r| !r.differs()));
        assert!(same.iter().any(|r| r.key == "rpo_messages"));
    }

    #[test]
    fn a_comparison_round_trips_through_a_link_and_bad_links_say_why() {
        for r in READY_MADE {
            let pair = r.pair().unwrap();
            let link = pair.encode();
            assert!(link.len() < 2_500, "{}: {} chars", r.name, link.len());
            assert_eq!(Pair::decode(&link).unwrap(), Some(pair));
        }
        assert_eq!(Pair::decode("s=abc").unwrap(), None);
        assert!(
            Pair::decode("c=!!")
                .unwrap_err()
                .message
                .contains("base64url")
        );
        let pack = |v: Value| format!("{KEY}{}", share::pack(&v.to_string()));
        let left = serde_json::to_value(preset("kafka-acks1-leader-crash")).unwrap();
        let err = Pair::decode(&pack(serde_json::json!({ "left": left }))).unwrap_err();
        assert_eq!(err.path, "right");
        // Another system on the same brokers is a comparison; other brokers
        // cannot share the fault schedule.
        let other = serde_json::to_value(preset("partition-ignore")).unwrap();
        let pair = Pair::decode(&pack(serde_json::json!({ "left": left, "right": other })));
        assert_eq!(pair.unwrap().unwrap().right.system, "rabbitmq-mirrored");
        let two = serde_json::to_value(preset("mirrored-unsynced-promotion")).unwrap();
        let err =
            Pair::decode(&pack(serde_json::json!({ "left": left, "right": two }))).unwrap_err();
        assert_eq!(err.path, "right.brokers");
        let mut bad = left.clone();
        bad["producers"][0]["acks"] = "2".into();
        let err =
            Pair::decode(&pack(serde_json::json!({ "left": left, "right": bad }))).unwrap_err();
        assert!(err.path.starts_with("right.producers[0]"), "{err}");
    }

    #[test]
    fn the_right_side_follows_the_left_in_time_and_faults_and_reports_like_the_core() {
        let pair = ready_made("promote-on-failure").unwrap().pair().unwrap();
        let mut left = Runner::new(pair.left.clone()).unwrap();
        let mut right = Runner::new(pair.right.clone()).unwrap();
        left.seek(SimTime::from_ms(25_000));
        settle(&mut left, &mut right);
        assert_eq!(right.now(), SimTime::from_ms(25_000));
        left.inject(brokersim::scenario::FaultSpec {
            restart: Some("b1".into()),
            ..Default::default()
        })
        .unwrap();
        settle(&mut left, &mut right);
        assert_eq!(right.scenario().faults, left.scenario().faults);
        assert_eq!(right.now(), SimTime::from_ms(25_000));
        left.seek(SimTime::from_ms(3_000));
        settle(&mut left, &mut right);
        assert_eq!(right.now(), SimTime::from_ms(3_000));
        left.seek(THE_END);
        settle(&mut left, &mut right);
        assert!(left.is_finished() && right.is_finished());
        for side in [&left, &right] {
            let direct = brokersim::Sim::new(side.scenario().clone())
                .unwrap()
                .run_to_end();
            assert_eq!(side.report(), direct);
        }
        assert_ne!(left.report().lost, right.report().lost);
    }

    #[test]
    fn a_right_side_on_another_system_follows_the_left_s_time_and_faults_too() {
        let pair = ready_made("mirrored-vs-quorum").unwrap().pair().unwrap();
        let mut left = Runner::new(pair.left.clone()).unwrap();
        let mut right = Runner::new(pair.right.clone()).unwrap();
        left.seek(SimTime::from_ms(25_000));
        settle(&mut left, &mut right);
        // A fault the user adds on the left happens on the quorum side too.
        left.inject(brokersim::scenario::FaultSpec {
            kill: Some("b3".into()),
            ..Default::default()
        })
        .unwrap();
        settle(&mut left, &mut right);
        assert_eq!(right.scenario().faults, left.scenario().faults);
        assert_eq!(right.scenario().system, "rabbitmq-quorum");
        assert_eq!(right.now(), SimTime::from_ms(25_000));
        left.seek(THE_END);
        settle(&mut left, &mut right);
        for side in [&left, &right] {
            let direct = brokersim::Sim::new(side.scenario().clone())
                .unwrap()
                .run_to_end();
            assert_eq!(side.report(), direct);
        }
    }

    #[test]
    fn a_step_stops_at_the_next_event_of_either_side_and_back_returns() {
        let pair = ready_made("kafka-acks").unwrap().pair().unwrap();
        let mut left = Runner::new(pair.left.clone()).unwrap();
        let mut right = Runner::new(pair.right.clone()).unwrap();
        // Events shown by a side in (from, to], and whether one is at `to`.
        let shown = |side: &Runner, from: SimTime, to: SimTime| {
            let trace = side.trace();
            let times: Vec<SimTime> = (0..side.trace_len()).filter_map(|i| trace.at(i)).collect();
            let between = times.iter().filter(|t| **t > from && **t < to).count();
            (between, times.contains(&to))
        };
        left.seek(SimTime::from_ms(10_000));
        settle(&mut left, &mut right);
        let mut right_led = 0;
        let mut times = vec![left.now()];
        for _ in 0..40 {
            let from = left.now();
            step_both(&mut left, &mut right, 1e9, &no_clock);
            settle(&mut left, &mut right);
            let now = left.now();
            assert_eq!(right.now(), now);
            // A step may stay at the same moment: the next event at it.
            assert!(now >= from);
            let (l_between, l_at) = shown(&left, from, now);
            let (r_between, r_at) = shown(&right, from, now);
            assert_eq!(
                (l_between, r_between),
                (0, 0),
                "no event of either side is stepped over"
            );
            assert!(l_at || r_at, "a step stops at an event");
            right_led += usize::from(r_at && !l_at);
            if now > from {
                times.push(now);
            }
        }
        assert!(
            right_led > 0,
            "some steps stop at the right side's events only"
        );
        times.pop();
        while let Some(t) = times.pop() {
            back_both(&mut left, &right, 1e9, &no_clock);
            settle(&mut left, &mut right);
            assert_eq!((left.now(), right.now()), (t, t));
        }
    }
}
