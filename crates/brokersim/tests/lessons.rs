//! Every lesson plays: its preset exists, each pause is reached in order,
//! each question has a right answer among its choices, both languages are
//! written, and the report shows what the lesson says it shows.
// The lessons are compiled in only with this (default) feature.
#![cfg(feature = "embedded-lessons")]

use brokersim::lang::Lang;
use brokersim::lessons::{self, Text};
use brokersim::{Sim, presets};

fn has_cjk(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

fn check_text(lesson: &str, what: &str, text: &Text) {
    assert!(text.en.len() > 5, "{lesson}: {what} needs English");
    assert!(has_cjk(&text.zh), "{lesson}: {what} needs Chinese");
    assert_eq!(text.get(Lang::En), text.en);
}

#[test]
fn every_lesson_plays_as_narrated() {
    assert!(!lessons::ALL.is_empty());
    for file in lessons::ALL {
        let lesson = file.lesson();
        let name = file.name;
        check_text(name, "title", &lesson.title);
        check_text(name, "summary", &lesson.summary);
        let preset = presets::get(&lesson.preset)
            .unwrap_or_else(|| panic!("{name}: no preset {}", lesson.preset));
        let mut sim = Sim::new(preset.scenario()).unwrap();
        let report = sim.run_to_end();
        let trace = sim.trace();
        let mut from = 0;
        assert!(!lesson.steps.is_empty(), "{name}: no steps");
        for (i, step) in lesson.steps.iter().enumerate() {
            check_text(name, &format!("steps[{i}].say"), &step.say);
            let at = step
                .pause
                .find(trace, from)
                .unwrap_or_else(|| panic!("{name}: steps[{i}] never pauses ({:?})", step.pause));
            from = at + 1;
            if let Some(q) = &step.question {
                check_text(name, &format!("steps[{i}].question"), &q.prompt);
                assert!(q.choices.len() >= 2, "{name}: steps[{i}] needs choices");
                assert!(q.answer < q.choices.len(), "{name}: steps[{i}] answer");
                for (c, choice) in q.choices.iter().enumerate() {
                    // A choice may be a real option name, the same in both languages.
                    assert!(
                        !choice.en.is_empty() && !choice.zh.is_empty(),
                        "{name}: steps[{i}].choices[{c}]"
                    );
                }
            }
            if let Some(explain) = &step.explain {
                check_text(name, &format!("steps[{i}].explain"), explain);
            }
            for kind in &step.point_at {
                assert!(
                    trace.iter().any(|e| lessons::kind_of(e) == *kind),
                    "{name}: steps[{i}] points at {kind}, which never happens"
                );
            }
        }
        if let Err(e) = lessons::check_expectations(&lesson.expect, &report) {
            panic!("{name}: {e}");
        }
    }
}

#[test]
fn a_lesson_file_with_an_unknown_field_is_refused() {
    let bad = r#"{"title": {"en": "a", "zh": "乙"}, "summary": {"en": "a", "zh": "乙"}, "preset": "x", "steps": [], "colour": 1}"#;
    assert!(serde_json::from_str::<lessons::Lesson>(bad).is_err());
}

// The numbers the lessons of issue 14 state, checked one by one, so that a
// change of behaviour that changes a number fails here with the lesson's
// name rather than silently making its text untrue.

use brokersim::report::LossCause;
use brokersim::systems::quorum::QuorumEvent;
use brokersim::trace::Detector;
use brokersim::{Addr, BrokerId, Event, Report, Scenario, TraceEntry};
use serde_json::{Value, json};

fn preset_json(name: &str) -> Value {
    serde_json::from_str(presets::get(name).unwrap().json).unwrap()
}

fn run_json(scenario: &Value) -> (Report, Vec<TraceEntry>) {
    let scenario = Scenario::from_json(&scenario.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let mut sim = Sim::new(scenario).unwrap();
    let report = sim.run_to_end();
    (report, sim.trace().to_vec())
}

/// `scenario` on another system, as the page's cross-system comparisons
/// build it: the settings and client options of the first system dropped.
fn on_system(
    scenario: &Value,
    system: &str,
    drop_settings: &[&str],
    drop_client: &[&str],
) -> Value {
    let mut other = scenario.clone();
    other["system"] = json!(system);
    let settings = other["settings"].as_object_mut().unwrap();
    for key in drop_settings {
        settings.remove(*key);
    }
    for list in ["producers", "consumers"] {
        for client in other[list].as_array_mut().unwrap() {
            for key in drop_client {
                client.as_object_mut().unwrap().remove(*key);
            }
        }
    }
    other
}

/// Lesson acks-all-is-not-durability. Kafka acknowledges an `acks=all`
/// record once every in-sync replica has appended it, which puts it in the
/// OS page cache; it does not fsync by default. Kafka's topic configuration
/// docs on `flush.messages`: it forces an fsync every N messages, and "in
/// general we recommend you not set this and use replication for
/// durability and allow the operating system's background flush
/// capabilities". Linux writes a dirty inode back once it has been dirty
/// for `vm.dirty_expire_centisecs` (30 s), looking every
/// `vm.dirty_writeback_centisecs` (5 s). RabbitMQ's quorum queues count an
/// entry towards the majority that confirms only once Ra's write-ahead log
/// has fsynced it (Quorum Queues guide: a publisher confirm is sent once a
/// quorum of members has written the message to disk).
#[test]
fn acks_all_loses_records_three_page_caches_held_flush_messages_and_quorum_keep_them() {
    let kafka = preset_json("kafka-power-loss");
    let (report, _) = run_json(&kafka);
    // 100 records a second; the log was written back at 35 s, the power
    // went at 45 s: the 1000 records acknowledged in between are gone.
    assert_eq!((report.confirmed, report.lost), (4500, 1000), "{report:?}");
    let lost: Vec<u32> = report.lost_messages.iter().map(|m| m.msg).collect();
    assert_eq!(lost.first(), Some(&3501));
    assert!(
        report
            .lost_messages
            .iter()
            .all(|m| m.cause == LossCause::PageCacheLost)
    );
    assert_eq!(
        report.lost_causes.get(&LossCause::PageCacheLost),
        Some(&1000)
    );

    let mut flushed = kafka.clone();
    flushed["settings"]["flush.messages"] = json!(1);
    let (report, _) = run_json(&flushed);
    assert_eq!(report.lost, 0, "flush.messages=1: {report:?}");
    assert!(report.confirmed >= 4500, "{report:?}");

    let quorum = on_system(
        &kafka,
        "rabbitmq-quorum",
        &["replication.factor", "min.insync.replicas"],
        &["acks", "auto_offset_reset"],
    );
    let (report, _) = run_json(&quorum);
    assert_eq!(report.lost, 0, "the quorum queue: {report:?}");
    assert!(report.confirmed >= 4500, "{report:?}");
}

/// Lesson why-mirroring-was-removed and comparison mirrored-vs-quorum.
/// RabbitMQ's "Classic Queue Mirroring" guide (3.13): a mirror that
/// restarts comes back empty and is not synchronised unless
/// `ha-sync-mode` is automatic or the queue drains; with
/// `ha-promote-on-failure: always` (the default) an unsynchronised mirror
/// is promoted when the master fails, and the messages only the master held
/// are lost. RabbitMQ 4.0 removed classic queue mirroring (4.0.0 release
/// notes); quorum queues replace it, and Raft elects only a member whose
/// log holds every committed entry.
#[test]
fn a_rolling_restart_then_a_master_crash_loses_160_on_mirrors_and_none_on_a_quorum_queue() {
    let mirrored = preset_json("mirrored-rolling-restart");
    let (report, _) = run_json(&mirrored);
    // 20 messages a second: those queued in the 8 s before b2's restart.
    assert_eq!(report.lost, 160, "{report:?}");
    // The report lists the first of them: #1 onwards, none after #160.
    let lost: Vec<u32> = report.lost_messages.iter().map(|m| m.msg).collect();
    assert_eq!(lost.first(), Some(&1));
    assert!(lost.iter().all(|m| *m <= 160), "{lost:?}");

    let quorum = on_system(
        &mirrored,
        "rabbitmq-quorum",
        &["ha-mode", "ha-sync-mode", "ha-promote-on-failure"],
        &[],
    );
    let (report, _) = run_json(&quorum);
    assert_eq!((report.lost, report.delivered), (0, 900), "{report:?}");
}

fn b(n: u16) -> BrokerId {
    BrokerId(n - 1)
}

/// When a broker first counted `target` down at or after `after_ms`, and how.
fn down(trace: &[TraceEntry], target: BrokerId, after_ms: u64, by: Detector) -> Option<u64> {
    trace.iter().find_map(|e| match e.event {
        Event::DeclaredDown {
            observer: Addr::Broker(_),
            target: Addr::Broker(t),
            by: how,
            ..
        } if t == target && how == by && e.at.as_ms() >= after_ms => Some(e.at.as_ms()),
        _ => None,
    })
}

fn elected(trace: &[TraceEntry], after_ms: u64) -> Option<u64> {
    trace.iter().find_map(|e| match e.event {
        Event::Quorum(QuorumEvent::LeaderElected { .. }) if e.at.as_ms() > after_ms => {
            Some(e.at.as_ms())
        }
        _ => None,
    })
}

/// Lesson kill-or-crash. A killed process's OS closes its sockets, so the
/// Erlang distribution reports nodedown at once (reason
/// `connection_closed`) and Ra's followers use the short election timeout
/// (ra_server_proc, `'DOWN'` with `noconnection`). A host that lost power
/// closes nothing: Ra learns it from aten (heartbeats every 100 ms, polled
/// every second), and the distribution declares nodedown only once
/// `net_ticktime` passes without a tick (Erlang's kernel application,
/// `net_ticktime`: a silent node is considered down after between 3/4 and
/// 5/4 of it).
#[test]
fn the_same_failure_is_noticed_in_a_millisecond_after_a_kill_and_in_seconds_after_a_crash() {
    let (report, trace) = run_json(&preset_json("kill-or-crash"));
    assert_eq!(report.detection_ms, vec![1, 1000], "{report:?}");
    assert_eq!((report.lost, report.confirmed), (0, 1000));
    assert_eq!(report.failovers, 2);
    // The kill at 5 s: nodedown 1 ms later, b2 elected at 5.247 s.
    assert_eq!(
        down(&trace, b(1), 5000, Detector::ConnectionClosed),
        Some(5001)
    );
    assert_eq!(elected(&trace, 5000), Some(5247));
    let reset = trace.iter().filter(|e| {
        e.at.as_ms() == 5001
            && matches!(
                e.event,
                Event::ConnectionLost {
                    why: brokersim::trace::LinkLoss::ProcessKilled,
                    ..
                }
            )
    });
    assert_eq!(reset.count(), 2, "the producer's and the consumer's");
    // The crash at 25 s: aten after 1 s, b1 elected 2.8 s after the crash,
    // nodedown after net_ticktime (15 s in the preset).
    assert_eq!(down(&trace, b(2), 25_000, Detector::Aten), Some(26_000));
    assert_eq!(elected(&trace, 25_000), Some(27_758));
    assert_eq!(
        down(&trace, b(2), 25_000, Detector::NetTicktime),
        Some(40_000)
    );
    assert_eq!(down(&trace, b(2), 25_000, Detector::ConnectionClosed), None);
}
