//! Disaster recovery across sites: asynchronous replication `lag_ms`
//! behind, site outages, failover, and the RPO and RTO the report computes.

use brokersim::systems::kafka::KafkaEvent;
use brokersim::{Event, Lang, Report, Scenario, Sim, TraceEntry, presets, voice};
use serde_json::{Value, json};

fn run_scenario(scenario: Scenario) -> (Report, Vec<TraceEntry>, Vec<String>) {
    let mut sim = Sim::new(scenario).unwrap();
    let report = sim.run_to_end();
    let text = sim
        .trace()
        .iter()
        .map(|e| voice::sentence(e, sim.names(), Lang::En))
        .collect();
    (report, sim.trace().to_vec(), text)
}

fn run_preset(name: &str) -> (Report, Vec<TraceEntry>, Vec<String>) {
    run_scenario(presets::get(name).unwrap().scenario())
}

fn run_json(value: Value) -> (Report, Vec<TraceEntry>, Vec<String>) {
    run_scenario(Scenario::from_json(&value.to_string()).unwrap())
}

fn near(value: u64, expected: u64, slack: u64) -> bool {
    value.abs_diff(expected) <= slack
}

#[test]
fn losing_the_primary_site_leaves_the_last_lag_of_writes_behind_and_replays_from_the_checkpoint() {
    let (report, trace, text) = run_preset("dr-primary-site-lost");
    // 20 msg/s, 2 s behind: about 40 confirmed messages never crossed.
    let rpo = report.rpo_messages.unwrap();
    assert!(near(rpo, 40, 6), "rpo {rpo}");
    // Lost at 90 s, applications moved at 100 s: dr confirms at once.
    let rto = report.rto_ms.unwrap();
    assert!((10_000..10_500).contains(&rto), "rto {rto}");
    // The consumer had handled them at primary before the loss.
    assert_eq!(report.lost, 0);
    // It resumes at dr from the 60 s checkpoint: 30 s of messages again.
    assert!(report.duplicated > 400, "duplicated {}", report.duplicated);
    let checkpoint = trace
        .iter()
        .find_map(|e| match &e.event {
            Event::OffsetsCheckpointed { offsets, .. } => Some((e.at.as_ms(), offsets.clone())),
            _ => None,
        })
        .expect("MirrorMaker checkpointed the offsets");
    assert_eq!(checkpoint.0, 60_000);
    let resumed = trace.iter().find_map(|e| match &e.event {
        Event::Kafka(KafkaEvent::ConsumerPosition {
            offset, committed, ..
        }) if e.at.as_ms() > 100_000 => Some((*offset, *committed)),
        _ => None,
    });
    assert_eq!(resumed, Some((checkpoint.1[0].1, true)));
    // Brokers are named by site in the trace.
    assert!(text.iter().any(|t| t.contains("primary-b1 crashed")));
    assert!(text.iter().any(|t| t.contains("dr-mirrormaker copied")));
    assert!(report.violations.is_empty(), "{:?}", report.violations);
}

#[test]
fn a_site_outage_strands_messages_until_the_site_returns() {
    let (report, trace, text) = run_preset("dr-quorum-site-outage");
    let rto = report.rto_ms.unwrap();
    assert!((10_000..10_500).contains(&rto), "rto {rto}");
    // Primary came back and the federation link delivered what waited there.
    assert_eq!(report.rpo_messages, Some(0));
    assert_eq!(report.lost, 0);
    assert!(report.duplicated > 0);
    let stalled = trace
        .iter()
        .find_map(|e| match &e.event {
            Event::ReplicationStalled { waiting, .. } => Some(*waiting),
            _ => None,
        })
        .expect("the federation link reports what waits at the dark site");
    assert!(near(u64::from(stalled), 20, 3), "stalled {stalled}");
    let late = trace
        .iter()
        .filter(|e| e.at.as_ms() >= 80_000 && matches!(e.event, Event::Replicated { .. }))
        .count();
    assert!(late >= 15, "copied after the return: {late}");
    assert!(text.iter().any(|t| t.contains("dr-federation")));
    assert!(report.violations.is_empty(), "{:?}", report.violations);
}

/// Two sites of `system`, the applications failing over from a lost primary.
fn lost_primary(system: &str, consumer_start_ms: u64) -> Value {
    let mut producer = json!({ "rate_per_s": 20 });
    if system != "activemq" {
        producer = json!({ "rate_per_s": 20, "confirms": true, "retries": 3 });
    }
    json!({
        "version": 1,
        "seed": 5,
        "duration_ms": 60000,
        "system": system,
        "sites": [
            { "name": "primary", "brokers": 2 },
            { "name": "dr", "brokers": 2, "replicate_from": "primary", "lag_ms": 3000 }
        ],
        "producers": [producer],
        "consumers": [{ "ack": "manual", "start_ms": consumer_start_ms }],
        "faults": [
            { "at_ms": 20000, "lose_site": "primary" },
            { "at_ms": 25000, "failover_site": "dr" }
        ]
    })
}

#[test]
fn confirmed_messages_that_never_crossed_are_lost_with_the_site() {
    for system in ["rabbitmq-mirrored", "rabbitmq-quorum", "activemq"] {
        // Nobody consumes before the loss: what had not crossed is gone.
        let (report, _, text) = run_json(lost_primary(system, 30_000));
        let rpo = report.rpo_messages.unwrap();
        assert!(near(rpo, 60, 8), "{system}: rpo {rpo}");
        assert_eq!(report.lost, rpo, "{system}");
        assert!(report.rto_ms.is_some(), "{system}");
        let name = if system == "activemq" {
            "dr-network-connector"
        } else {
            "dr-federation"
        };
        assert!(text.iter().any(|t| t.contains(name)), "{system}");
    }
}

#[test]
fn without_a_failover_there_is_no_recovery_time() {
    let mut s = lost_primary("rabbitmq-quorum", 0);
    s["faults"] = json!([{ "at_ms": 20000, "site_down": "primary" }]);
    let (report, _, _) = run_json(s);
    assert_eq!(report.rto_ms, None);
    assert!(report.unavailable_ms >= 39_000, "{}", report.unavailable_ms);
}

#[test]
fn runs_without_sites_report_no_rpo_or_rto() {
    let (report, _, _) = run_preset("mirrored-master-crash");
    assert_eq!((report.rto_ms, report.rpo_messages), (None, None));
}

#[test]
fn runs_with_sites_are_deterministic() {
    let a = run_preset("dr-primary-site-lost").0;
    let b = run_preset("dr-primary-site-lost").0;
    assert_eq!(a.trace_hash, b.trace_hash);
}

#[test]
fn the_counterexample_search_draws_faults_with_site_names() {
    use brokersim::search::{self, FaultKindChoice};
    // The consumer starts late: what the primary holds when it is lost is gone.
    let base = Scenario::from_json(&lost_primary("rabbitmq-quorum", 50_000).to_string()).unwrap();
    let kinds = [
        FaultKindChoice::Crash,
        FaultKindChoice::Partition,
        FaultKindChoice::Delay,
        FaultKindChoice::SiteDown,
        FaultKindChoice::LoseSite,
    ];
    let mut found_loss = false;
    for seed in 0..40 {
        let scenario = search::with_drawn_faults(&base, seed, &kinds);
        // Every drawn schedule is valid: brokers and sites by their names.
        scenario.validate().unwrap();
        let lost_a_site = scenario.faults.iter().any(|f| f.lose_site.is_some());
        if lost_a_site && let Some(report) = search::run(&scenario) {
            found_loss |= search::fails(&report);
        }
    }
    assert!(
        found_loss,
        "losing a site without failing over loses confirmed messages"
    );
}

#[test]
fn the_view_shows_sites_their_state_and_the_replication_backlog() {
    let scenario = presets::get("dr-quorum-site-outage").unwrap().scenario();
    let mut sim = Sim::new(scenario).unwrap();
    sim.run_until(brokersim::SimTime::from_ms(45_000));
    let view = sim.view();
    let names: Vec<&str> = view.brokers.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names[0], "primary-b1");
    assert_eq!(names[3], "dr-b1");
    assert_eq!(view.brokers[3].site, "dr");
    assert_eq!(view.sites.len(), 2);
    assert_eq!((view.sites[0].status, view.sites[0].active), ("down", true));
    assert_eq!(view.sites[1].replicate_from.as_deref(), Some("primary"));
    assert!(
        view.sites[1].waiting > 0,
        "the federation link waits for primary"
    );
    sim.run_until(brokersim::SimTime::from_ms(55_000));
    let view = sim.view();
    assert!(view.sites[1].active, "the applications failed over to dr");
}

#[test]
fn without_producers_the_applications_still_start_at_the_first_site() {
    // Only a consumer: the first client is then a replicator, which
    // publishes into dr; the applications are still at primary.
    let mut s = lost_primary("rabbitmq-quorum", 0);
    s["producers"] = json!([]);
    s["faults"] = json!([{ "at_ms": 20000, "failover_site": "dr" }]);
    let mut sim = Sim::new(Scenario::from_json(&s.to_string()).unwrap()).unwrap();
    sim.run_until(brokersim::SimTime::from_ms(10_000));
    let view = sim.view();
    assert!(view.sites[0].active && !view.sites[1].active);
    sim.run_until(brokersim::SimTime::from_ms(25_000));
    assert!(sim.view().sites[1].active);
}

#[test]
fn the_brokers_of_a_site_lost_for_good_are_not_said_to_keep_their_disks() {
    let mut sim = Sim::new(presets::get("dr-primary-site-lost").unwrap().scenario()).unwrap();
    sim.run_to_end();
    let trace = sim.trace();
    let text = |e: &TraceEntry, lang| voice::sentence(e, sim.names(), lang);
    let lost_at = trace
        .iter()
        .find(|e| matches!(e.event, Event::SiteLost { .. }))
        .expect("the site is lost")
        .at;
    let at_loss: Vec<&TraceEntry> = trace.iter().filter(|e| e.at == lost_at).collect();
    let crashed: Vec<String> = at_loss
        .iter()
        .filter(|e| matches!(e.event, Event::CrashedWithDisk(_)))
        .map(|e| text(e, Lang::En))
        .collect();
    assert_eq!(crashed.len(), 3, "{crashed:?}");
    assert!(crashed[0].starts_with("primary-b1 crashed and its disk went with it"));
    for entry in &at_loss {
        assert!(
            !matches!(entry.event, Event::Crashed(_)),
            "{}",
            text(entry, Lang::En)
        );
        let (en, zh) = (text(entry, Lang::En), text(entry, Lang::Zh));
        assert!(!en.contains("disk survives"), "{en}");
        assert!(!zh.contains("已写入磁盘的内容得以保留"), "{zh}");
    }
}

/// `dr-primary-site-lost` (primary lost for good at 90 s, failover at
/// 100 s) with `fault` appended as `faults[2]`: its validation.
fn lost_primary_with(fault: Value) -> Result<Scenario, brokersim::ScenarioError> {
    let mut value: Value =
        serde_json::from_str(presets::get("dr-primary-site-lost").unwrap().json).unwrap();
    value["faults"].as_array_mut().unwrap().push(fault);
    Scenario::from_json(&value.to_string())
}

#[test]
fn faults_on_the_brokers_of_a_site_lost_for_good_are_refused_after_the_loss() {
    let refused = |fault: Value, path: &str| {
        let e = lost_primary_with(fault.clone()).expect_err(&fault.to_string());
        assert_eq!(e.path, path, "{fault}: {e}");
        e.message
    };
    assert_eq!(
        refused(
            json!({ "at_ms": 95000, "restart": "primary-b1" }),
            "faults[2].restart"
        ),
        "primary-b1 belongs to site primary, lost for good at 90000 ms"
    );
    refused(
        json!({ "at_ms": 95000, "crash": "primary-b2" }),
        "faults[2].crash",
    );
    refused(
        json!({ "at_ms": 95000, "stop": "primary-b3" }),
        "faults[2].stop",
    );
    refused(
        json!({ "at_ms": 95000, "pause": "primary-b1", "for_ms": 1000 }),
        "faults[2].pause",
    );
    refused(
        json!({ "at_ms": 95000, "lose_disk": "primary-b1" }),
        "faults[2].lose_disk",
    );
    refused(
        json!({ "at_ms": 95000, "slow_link": { "between": ["dr-b1", "primary-b2"], "latency_ms": 100 } }),
        "faults[2].slow_link.between[1]",
    );
    // At the very moment of the loss, but listed after it: also too late.
    refused(
        json!({ "at_ms": 90000, "restart": "primary-b1" }),
        "faults[2].restart",
    );
    // Before the loss, or on the other site, the fault stands.
    for fault in [
        json!({ "at_ms": 89999, "restart": "primary-b1" }),
        json!({ "at_ms": 95000, "restart": "dr-b1" }),
        json!({ "at_ms": 95000, "crash": "p1" }),
    ] {
        let scenario = lost_primary_with(fault.clone()).unwrap_or_else(|e| panic!("{fault}: {e}"));
        Sim::new(scenario).unwrap();
    }
}

#[test]
fn the_search_draws_no_faults_on_a_site_after_losing_it() {
    use brokersim::search::{self, FaultKindChoice};
    let base = presets::get("dr-primary-site-lost").unwrap().scenario();
    let kinds = [
        FaultKindChoice::Crash,
        FaultKindChoice::Stop,
        FaultKindChoice::Restart,
        FaultKindChoice::Pause,
        FaultKindChoice::LoseDisk,
        FaultKindChoice::Delay,
        FaultKindChoice::LoseSite,
    ];
    let mut losses = 0;
    for seed in 0..300 {
        let scenario = search::with_drawn_faults(&base, seed, &kinds);
        losses += usize::from(scenario.faults.iter().any(|f| f.lose_site.is_some()));
        if let Err(e) = scenario.validate() {
            panic!("seed {seed}: {e}\n{}", scenario.to_json_pretty());
        }
    }
    assert!(losses > 50, "{losses}");
}

/// The Kafka DR preset with MirrorMaker 2's settings on the dr site
/// replaced by `mirror` (an empty object leaves MirrorMaker's defaults).
fn kafka_dr(mirror: Value) -> Value {
    let mut s =
        serde_json::to_value(presets::get("dr-primary-site-lost").unwrap().scenario()).unwrap();
    let dr = s["sites"][1].as_object_mut().unwrap();
    dr.remove("sync.group.offsets.enabled");
    for (key, value) in mirror.as_object().unwrap() {
        dr.insert(key.clone(), value.clone());
    }
    s
}

/// Where the consumer started reading at dr after the failover at 100 s:
/// `(offset, from a committed offset)`.
fn position_at_dr(trace: &[TraceEntry]) -> Option<(u64, bool)> {
    trace.iter().find_map(|e| match &e.event {
        Event::Kafka(KafkaEvent::ConsumerPosition {
            offset, committed, ..
        }) if e.at.as_ms() > 100_000 => Some((*offset, *committed)),
        Event::Kafka(KafkaEvent::ConsumerReset { offset, .. }) if e.at.as_ms() > 100_000 => {
            Some((*offset, false))
        }
        _ => None,
    })
}

fn checkpoints(trace: &[TraceEntry]) -> Vec<(u64, Vec<(u16, u64)>)> {
    trace
        .iter()
        .filter_map(|e| match &e.event {
            Event::OffsetsCheckpointed { offsets, .. } => Some((e.at.as_ms(), offsets.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn by_default_mirrormaker_writes_no_group_offsets_and_the_consumer_at_dr_starts_at_auto_offset_reset()
 {
    // KIP-545 / MirrorCheckpointConfig: sync.group.offsets.enabled defaults
    // to false, so nothing writes the group's offsets into the target's
    // __consumer_offsets; the consumer there has no committed offset.
    let (report, trace, _) = run_json(kafka_dr(json!({})));
    assert!(checkpoints(&trace).is_empty());
    // auto.offset.reset=earliest: the whole topic again.
    assert_eq!(position_at_dr(&trace), Some((0, false)));
    let (synced, _, _) = run_preset("dr-primary-site-lost");
    assert!(
        report.duplicated > synced.duplicated + 1_000,
        "duplicated {} vs {} with the offsets synced",
        report.duplicated,
        synced.duplicated
    );
    assert_eq!(report.lost, 0);
}

#[test]
fn synced_offsets_are_translated_to_one_past_the_latest_offset_sync_and_the_gap_is_read_again() {
    // KIP-545: with sync.group.offsets.enabled MirrorCheckpointTask writes
    // the group's offsets into the target every emit.checkpoints.interval.
    // seconds; OffsetSyncStore.translateDownstream maps a committed offset
    // to one past the latest offset sync at or before it, and
    // MirrorSourceTask emits a sync only every offset.lag.max records.
    let run = |lag_max: u64| {
        let (report, trace, _) = run_json(kafka_dr(
            json!({ "sync.group.offsets.enabled": true, "offset.lag.max": lag_max }),
        ));
        (report, checkpoints(&trace), position_at_dr(&trace))
    };
    // offset.lag.max 0: a sync for every record, the translation is exact.
    let (exact, exact_checkpoints, exact_position) = run(0);
    assert_eq!(exact_checkpoints[0].0, 60_000);
    let committed = exact_checkpoints[0].1[0].1;
    assert_eq!(exact_position, Some((committed, true)));
    // The default 100: syncs at downstream offsets 0, 101, 202, …; the one at
    // or before the commit is the multiple of 101 below it, plus one.
    let (coarse, coarse_checkpoints, coarse_position) = run(100);
    let translated = committed / 101 * 101 + 1;
    assert!(translated < committed);
    assert_eq!(coarse_checkpoints[0], (60_000, vec![(0, translated)]));
    assert_eq!(coarse_position, Some((translated, true)));
    // The records between the translated offset and the real commit come again.
    assert_eq!(
        coarse.duplicated - exact.duplicated,
        committed - translated,
        "{coarse:?}"
    );
    assert_eq!(coarse.lost, 0);
}

#[test]
fn emit_checkpoints_interval_seconds_sets_when_the_offsets_reach_dr() {
    // MirrorCheckpointConfig.emitCheckpointsInterval (default 60 s).
    let (_, trace, _) = run_json(kafka_dr(json!({
        "sync.group.offsets.enabled": true,
        "emit.checkpoints.interval.seconds": 25
    })));
    let at: Vec<u64> = checkpoints(&trace).iter().map(|c| c.0).collect();
    // Every 25 s until the primary site is lost at 90 s.
    assert_eq!(at[..3], [25_000, 50_000, 75_000]);
}

/// Events carry the engine's broker ids, not a site's own: `dr-b1` is
/// `BrokerId(3)` after three primary brokers, its JSON says `b4`, and only
/// the sentence, given the run's names explicitly, says `dr-b1`. Nothing
/// ambient is needed to read an entry (issue 13 point 7).
#[test]
fn a_standby_sites_events_name_its_brokers_by_engine_id_and_its_sentences_by_site() {
    let mut sim = Sim::new(presets::get("dr-quorum-site-outage").unwrap().scenario()).unwrap();
    sim.run_to_end();
    let names = sim.names().expect("a run with sites has names");
    let dr_b1 = names.brokers.iter().position(|n| n == "dr-b1").unwrap();
    assert_eq!(dr_b1, 3, "{:?}", names.brokers);
    let declared = sim
        .trace()
        .iter()
        .find(|e| {
            matches!(&e.event, Event::Quorum(q)
                if matches!(q, brokersim::systems::quorum::QuorumEvent::Declared { leader, .. }
                    if usize::from(leader.0) == dr_b1))
        })
        .expect("dr's quorum queue is declared on dr-b1");
    let json = brokersim::json::to_string(&declared.event);
    assert!(json.contains("\"leader\":\"b4\""), "{json}");
    assert!(!json.contains("dr-b"), "{json}");
    let sentence = voice::sentence(declared, sim.names(), Lang::En);
    assert!(sentence.contains("dr-b1"), "{sentence}");
    assert!(
        !voice::sentence(declared, None, Lang::En).contains("dr-b1"),
        "without names, ids print plainly"
    );
}
