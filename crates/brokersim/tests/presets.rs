//! Every preset shows what its description promises: the numbers a student
//! reads in the report are the lesson.

use brokersim::systems::quorum::QuorumEvent;
use brokersim::{Event, Report, Sim, presets};

fn run(name: &str) -> (Report, Vec<brokersim::TraceEntry>) {
    let preset = presets::get(name).unwrap_or_else(|| panic!("no preset {name}"));
    let mut sim = Sim::new(preset.scenario()).unwrap();
    let report = sim.run_to_end();
    (report, sim.trace().to_vec())
}

fn has(trace: &[brokersim::TraceEntry], pred: impl Fn(&Event) -> bool) -> bool {
    trace.iter().any(|e| pred(&e.event))
}

#[test]
fn every_preset_has_a_title_and_a_description_and_ends() {
    for preset in presets::ALL {
        let scenario = preset.scenario();
        assert!(!scenario.title.is_empty(), "{}", preset.name);
        assert!(
            scenario.description.len() > 80,
            "{} needs a description",
            preset.name
        );
        let mut sim = Sim::new(scenario).unwrap();
        let report = sim.run_to_end();
        assert!(sim.is_finished(), "{}", preset.name);
        assert!(report.published > 0, "{}", preset.name);
        assert_eq!(report.unexpected, 0, "{}", preset.name);
    }
}

/// Every lost message of every preset names what destroyed its last copy
/// (`never_stored` and `unreadable` would mean the copies ledger missed a
/// copy's end: a stale auto-ack delivery once did), and every confirmed
/// message is delivered, unconsumed or lost.
#[test]
fn every_preset_accounts_for_each_confirmed_message() {
    use brokersim::report::LossCause;
    for preset in presets::ALL {
        let (report, _) = run(preset.name);
        let unexplained: u64 = [LossCause::NeverStored, LossCause::Unreadable]
            .iter()
            .filter_map(|c| report.lost_causes.get(c))
            .sum();
        assert_eq!(unexplained, 0, "{}: {:?}", preset.name, report.lost_causes);
        assert_eq!(
            report.lost_causes.values().sum::<u64>(),
            report.lost,
            "{}",
            preset.name
        );
        assert!(
            report.delivered + report.unconsumed + report.lost >= report.confirmed,
            "{}: {report:?}",
            preset.name
        );
    }
}

#[test]
fn mirrored_master_crash_loses_nothing_and_fails_over_once() {
    let (report, trace) = run("mirrored-master-crash");
    assert_eq!(report.lost, 0);
    assert_eq!(report.failovers, 1);
    assert!(has(&trace, |e| matches!(
        e,
        Event::Promoted { synced: true, .. }
    )));
}

#[test]
fn activemq_failover_keeps_persistent_and_loses_non_persistent_messages() {
    let (report, trace) = run("activemq-failover");
    assert_eq!(report.lost, 0);
    assert!(has(
        &trace,
        |e| matches!(e, Event::TransientLost { messages, delivered, .. } if messages + delivered > 0)
    ));
    assert!(has(
        &trace,
        |e| matches!(e, Event::LockAcquired { broker } if broker.0 == 1)
    ));
    assert!(
        report.delivered < report.published,
        "non-persistent messages died with b1"
    );
}

#[test]
fn the_unsynchronised_promotion_loses_confirmed_messages_and_its_cure_does_not() {
    let (lossy, trace) = run("mirrored-unsynced-promotion");
    assert!(lossy.lost > 100, "lost {}", lossy.lost);
    assert!(has(&trace, |e| matches!(
        e,
        Event::Promoted { synced: false, .. }
    )));
    let (cured, trace) = run("mirrored-when-synced");
    assert_eq!(cured.lost, 0);
    assert!(has(&trace, |e| matches!(e, Event::PromotionRefused { .. })));
    assert!(cured.unavailable_ms > lossy.unavailable_ms);
}

#[test]
fn ignore_splits_the_brain_and_pause_minority_does_not() {
    let (ignore, trace) = run("partition-ignore");
    assert!(ignore.lost > 0);
    assert!(has(&trace, |e| matches!(e, Event::SplitBrain { .. })));
    let (pause, trace) = run("partition-pause-minority");
    assert_eq!(pause.lost, 0);
    assert!(!has(&trace, |e| matches!(e, Event::SplitBrain { .. })));
    assert!(has(&trace, |e| matches!(e, Event::PausedMinority { .. })));
}

#[test]
fn the_auto_ack_consumer_crash_loses_its_buffer() {
    let (report, _) = run("autoack-consumer-crash");
    assert!(report.lost > 100);
}

#[test]
fn ecommerce_orders_are_never_lost_but_some_come_twice() {
    let (report, _) = run("ecommerce-orders");
    assert_eq!(report.lost, 0);
    assert!(report.duplicated > 0);
    assert_eq!(report.delivered, report.confirmed);
}

#[test]
fn iot_telemetry_keeps_alarms_and_drops_readings() {
    let (report, trace) = run("iot-telemetry");
    assert_eq!(report.lost, 0, "every confirmed alarm arrives");
    assert!(has(
        &trace,
        |e| matches!(e, Event::TransientLost { messages, delivered, .. } if messages + delivered > 100)
    ));
}

fn quorum(trace: &[brokersim::TraceEntry], pred: impl Fn(&QuorumEvent) -> bool) -> bool {
    has(trace, |e| matches!(e, Event::Quorum(q) if pred(q)))
}

#[test]
fn quorum_leader_crash_elects_a_new_leader_in_term_2_and_loses_nothing() {
    let (report, trace) = run("quorum-leader-crash");
    assert_eq!(report.lost, 0);
    assert_eq!(report.failovers, 1);
    assert!(report.violations.is_empty(), "{:?}", report.violations);
    assert!(quorum(&trace, |q| matches!(
        q,
        QuorumEvent::LeaderElected { term: 2, .. }
    )));
    assert!(quorum(&trace, |q| matches!(
        q,
        QuorumEvent::CaughtUp { broker, .. } if broker.0 == 0
    )));
}

#[test]
fn quorum_leader_minority_confirms_nothing_while_isolated_and_truncates_after_the_heal() {
    let (report, trace) = run("quorum-leader-minority");
    assert_eq!(report.lost, 0);
    assert!(report.violations.is_empty(), "{:?}", report.violations);
    assert!(quorum(&trace, |q| matches!(
        q,
        QuorumEvent::NoQuorum { leader, .. } if leader.0 == 0
    )));
    assert!(quorum(&trace, |q| matches!(
        q,
        QuorumEvent::Truncated { broker, messages, .. } if broker.0 == 0 && *messages > 100
    )));
    // No split brain: the isolated leader never counted as accepting writes.
    assert!(!has(&trace, |e| matches!(e, Event::SplitBrain { .. })));
}

#[test]
fn quorum_poison_message_is_dropped_after_its_delivery_limit() {
    let (report, trace) = run("quorum-poison-message");
    assert!(quorum(&trace, |q| matches!(
        q,
        QuorumEvent::DeliveryLimit {
            returns: 3,
            limit: 2,
            ..
        }
    )));
    assert_eq!(report.lost, 1, "the dropped poison message");
    assert_eq!(report.delivered, report.published - 1);
}
