//! Where a copy is when the power goes (issue 14): process memory, the OS
//! page cache, or the disk. Every broker of a cluster losing power at once
//! (a rack's power, several `crash` faults at the same `at_ms`) takes what
//! was not on disk, and each product's flush settings decide what that is.

use brokersim::ledger::Layer;
use brokersim::report::LossCause;
use brokersim::{Event, MsgId, Report, Scenario, Sim, SimTime};
use serde_json::{Value, json};

/// When the power goes.
const POWER_LOSS_MS: u64 = 10_000;

fn run(mut scenario: Value, patch: impl FnOnce(&mut Value)) -> (Report, Sim) {
    patch(&mut scenario);
    let scenario = Scenario::from_json(&scenario.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let mut sim = Sim::new(scenario).unwrap();
    let report = sim.run_to_end();
    (report, sim)
}

fn all_three(fault: &str) -> Value {
    json!(
        ["b1", "b2", "b3"]
            .iter()
            .map(|b| json!({ "at_ms": POWER_LOSS_MS, fault: b }))
            .collect::<Vec<_>>()
    )
}

/// More than 500 acknowledged records lost, every one of them from a page
/// cache.
fn assert_most_lost_from_page_caches(report: &Report) {
    assert!(
        report.lost > 500,
        "{}/{} lost",
        report.lost,
        report.confirmed
    );
    assert_eq!(
        report.lost_causes.keys().copied().collect::<Vec<_>>(),
        vec![LossCause::PageCacheLost]
    );
}

/// Three Kafka brokers, one partition on all three, `acks=all` with
/// `min.insync.replicas=2`, and nobody consuming: every acknowledged
/// record must still be in the log at the end.
fn kafka(patch: impl FnOnce(&mut Value)) -> (Report, Sim) {
    let scenario = json!({
        "version": 1,
        "seed": 1,
        "duration_ms": 30000,
        "system": "kafka",
        "brokers": 3,
        "settings": { "replication.factor": 3, "min.insync.replicas": 2 },
        "producers": [{ "rate_per_s": 100, "acks": "all", "count": 1000 }],
        "consumers": [],
        "faults": []
    });
    run(scenario, patch)
}

/// Kafka's "Log Flush Policy" (documentation, broker configs
/// `log.flush.interval.messages` / `log.flush.interval.ms`, both
/// `Long.MAX_VALUE` by default; `UnifiedLog.append` flushes only past
/// them): Kafka never fsyncs by default and answers `acks=all` once the ISR
/// has the record in its page caches. Three brokers losing power together
/// lose every acknowledged record the OS had not yet written back
/// (`vm.dirty_expire_centisecs`, 30 s), and log recovery (`LogLoader`)
/// truncates each log to what reached the disk.
#[test]
fn acks_all_loses_acknowledged_records_when_every_broker_loses_power_together() {
    let (report, _) = kafka(|s| s["faults"] = all_three("crash"));
    assert!(report.confirmed > 500, "{report:?}");
    assert_most_lost_from_page_caches(&report);
    assert!(
        !report.violations.is_empty(),
        "losing confirmed records is a violation"
    );
    let last = report.lost_messages.last().unwrap();
    assert!(
        last.held_by.is_some(),
        "the report names whose page cache it was in"
    );
}

/// The same power loss with `flush.messages=1` (topic config; `UnifiedLog`
/// fsyncs once `flush.messages` records are above the recovery point):
/// every record is on disk before it is acknowledged, and none is lost.
#[test]
fn with_flush_messages_1_the_same_power_loss_loses_nothing() {
    let (report, _) = kafka(|s| {
        s["faults"] = all_three("crash");
        s["settings"]["flush.messages"] = json!(1);
    });
    assert!(report.confirmed > 500);
    assert_eq!(report.lost, 0, "{:?}", report.lost_causes);
    assert!(report.violations.is_empty(), "{:?}", report.violations);
}

/// The broker-wide `log.flush.interval.messages` is the default of the
/// topic's `flush.messages`: set on the broker, it protects the topic too.
#[test]
fn the_broker_setting_log_flush_interval_messages_protects_as_well() {
    let (report, _) = kafka(|s| {
        s["faults"] = all_three("crash");
        s["settings"]["log.flush.interval.messages"] = json!(1);
    });
    assert_eq!(report.lost, 0, "{:?}", report.lost_causes);
}

/// `flush.ms` acts through the log flusher (`LogManager.flushDirtyLogs`,
/// every `log.flush.scheduler.interval.ms`): a flush each second loses at
/// most the last second or so, far less than never flushing; alone, with
/// the scheduler left at its default (`Long.MAX_VALUE`), it changes nothing.
#[test]
fn flush_ms_bounds_the_loss_only_with_the_log_flusher_running() {
    let (never, _) = kafka(|s| s["faults"] = all_three("crash"));
    let (alone, _) = kafka(|s| {
        s["faults"] = all_three("crash");
        s["settings"]["flush.ms"] = json!(1000);
    });
    assert_eq!(alone.lost, never.lost, "flush.ms alone never runs");
    let (each_second, _) = kafka(|s| {
        s["faults"] = all_three("crash");
        s["settings"]["flush.ms"] = json!(1000);
        s["settings"]["log.flush.scheduler.interval.ms"] = json!(1000);
    });
    assert!(
        each_second.lost > 0,
        "the last second is still in the page cache"
    );
    // 100 records a second: at most two seconds' worth, against ten.
    assert!(each_second.lost <= 200, "{}", each_second.lost);
    assert!(never.lost > 2 * each_second.lost);
}

/// A single broker losing power loses only its own page cache: the other
/// two in the ISR hold every acknowledged record, and it fetches them
/// back when it returns. `acks=all` survives single crashes.
#[test]
fn acks_all_survives_one_broker_losing_power() {
    for b in ["b1", "b2"] {
        let (report, _) = kafka(|s| {
            s["faults"] = json!([
                { "at_ms": POWER_LOSS_MS, "crash": b },
                { "at_ms": 20000, "restart": b }
            ])
        });
        assert_eq!(report.lost, 0, "{b}: {:?}", report.lost_causes);
    }
}

/// A clean shutdown flushes every log (`LogManager.shutdown`), and a
/// stopped broker's host keeps its page cache anyway: three brokers
/// stopped together lose nothing.
#[test]
fn three_brokers_stopped_together_lose_nothing() {
    let (report, _) = kafka(|s| s["faults"] = all_three("stop"));
    assert!(report.confirmed > 500);
    assert_eq!(report.lost, 0, "{:?}", report.lost_causes);
}

/// A killed process leaves its writes in its host's page cache (Linux
/// writes back a dead process's dirty pages like anyone's: "Page cache",
/// kernel docs `Documentation/admin-guide/sysctl/vm.rst`,
/// `dirty_expire_centisecs`). If the host then loses power before the
/// writeback, those pages are gone as surely as a running broker's: kill
/// all three brokers, then cut the rack's power a second later, and the
/// same records are lost as with the power cut alone.
#[test]
fn a_killed_brokers_page_cache_dies_when_its_host_loses_power_later() {
    let (killed_only, _) = kafka(|s| s["faults"] = all_three("kill"));
    assert_eq!(killed_only.lost, 0, "{:?}", killed_only.lost_causes);
    let (report, sim) = kafka(|s| {
        let mut faults = all_three("kill").as_array().unwrap().clone();
        for b in ["b1", "b2", "b3"] {
            faults.push(json!({ "at_ms": POWER_LOSS_MS + 1000, "crash": b }));
        }
        s["faults"] = json!(faults);
    });
    assert_most_lost_from_page_caches(&report);
    let crashed = sim
        .trace()
        .iter()
        .filter(|e| matches!(e.event, Event::Crashed(_)))
        .count();
    assert_eq!(crashed, 3, "the killed brokers' hosts crash too");
}

/// The OS's writeback (`os.dirty_expire_ms`, after Linux's
/// `vm.dirty_expire_centisecs`): with dirty data written after 1 s, the
/// power loss takes only the last second or two, even without Kafka
/// flushing.
#[test]
fn a_shorter_dirty_expiry_leaves_less_in_the_page_cache() {
    let (never, _) = kafka(|s| s["faults"] = all_three("crash"));
    let (quick, _) = kafka(|s| {
        s["faults"] = all_three("crash");
        s["settings"]["os.dirty_expire_ms"] = json!(1000);
        s["settings"]["os.writeback_interval_ms"] = json!(500);
    });
    assert!(quick.lost > 0);
    assert!(quick.lost <= 200, "{}", quick.lost);
    assert!(never.lost > 2 * quick.lost);
}

/// RabbitMQ quorum queues confirm an entry once a majority has it in its
/// Ra WAL, which fsyncs before it reports the entry written
/// (`ra_log_wal`): the same power loss on all three nodes loses nothing.
#[test]
fn a_quorum_queue_loses_nothing_to_the_same_power_loss() {
    let scenario = json!({
        "version": 1,
        "seed": 1,
        "duration_ms": 30000,
        "system": "rabbitmq-quorum",
        "brokers": 3,
        "settings": {},
        "producers": [{ "rate_per_s": 100, "count": 1000 }],
        "consumers": [],
        "faults": []
    });
    let (report, _) = run(scenario, |s| s["faults"] = all_three("crash"));
    assert!(report.confirmed > 500, "{report:?}");
    assert_eq!(report.lost, 0, "{:?}", report.lost_causes);
}

/// The page cache is a setting of every host; bad values name the field.
#[test]
fn bad_os_and_flush_settings_name_their_field() {
    let bad = |key: &str, value: Value| {
        let mut scenario = json!({
            "version": 1, "seed": 1, "duration_ms": 1000, "system": "kafka", "brokers": 3,
            "settings": {}, "producers": [], "consumers": [], "faults": []
        });
        scenario["settings"][key] = value;
        Scenario::from_json(&scenario.to_string())
            .and_then(|s| s.validate())
            .expect_err(key)
            .to_string()
    };
    for (key, value) in [
        ("os.dirty_expire_ms", json!("soon")),
        ("os.writeback_interval_ms", json!(0)),
        ("flush.messages", json!(0)),
        ("flush.ms", json!(-1)),
        ("log.flush.interval.messages", json!(1.5)),
        ("log.flush.scheduler.interval.ms", json!("never")),
    ] {
        let error = bad(key, value);
        assert!(error.contains(&format!("settings.{key}")), "{error}");
    }
}

/// ActiveMQ master/slave on a KahaDB shared store, one persistent producer
/// and nobody consuming; the master (b1) holds the journal's recent writes
/// in its host's page cache unless KahaDB fsyncs them.
fn activemq(strategy: Option<&str>, patch: impl FnOnce(&mut Value)) -> (Report, Sim) {
    let uri = "failover:(tcp://b1:61616,tcp://b2:61616)?randomize=false";
    let mut scenario = json!({
        "version": 1,
        "seed": 1,
        "duration_ms": 30000,
        "system": "activemq",
        "brokers": 2,
        "settings": { "lockAcquireSleepInterval": 1000 },
        "producers": [{ "rate_per_s": 100, "count": 1000, "connect": uri }],
        "consumers": [],
        "faults": [{ "at_ms": POWER_LOSS_MS, "crash": "b1" }]
    });
    if let Some(strategy) = strategy {
        scenario["settings"]["journalDiskSyncStrategy"] = json!(strategy);
    }
    run(scenario, patch)
}

/// KahaDB's default `journalDiskSyncStrategy=always` (the KahaDB
/// documentation; `DataFileAppender` forces a batch holding a sync write to
/// disk before it answers): a persistent message is on disk before its
/// receipt, and the master's power loss takes none.
#[test]
fn kahadb_always_syncs_before_the_receipt_and_a_power_loss_takes_nothing() {
    let (report, _) = activemq(None, |_| {});
    assert!(report.confirmed > 500, "{report:?}");
    assert_eq!(report.lost, 0, "{:?}", report.lost_causes);
}

/// `journalDiskSyncStrategy=periodic` fsyncs every `journalDiskSyncInterval`
/// (1,000 ms) and answers before: the master's power loss takes what was
/// received since the last sync, about a second's worth at most.
#[test]
fn kahadb_periodic_loses_what_arrived_since_the_last_sync() {
    let (report, _) = activemq(Some("periodic"), |_| {});
    assert!(report.lost > 0, "the last interval was in the page cache");
    assert!(report.lost <= 100, "at most one interval: {}", report.lost);
    assert_eq!(
        report.lost_causes.keys().copied().collect::<Vec<_>>(),
        vec![LossCause::PageCacheLost]
    );
    let (shorter, _) = activemq(Some("periodic"), |s| {
        s["settings"]["journalDiskSyncInterval"] = json!(100);
    });
    assert!(
        shorter.lost < report.lost,
        "{} vs {}",
        shorter.lost,
        report.lost
    );
}

/// `journalDiskSyncStrategy=never`: only the OS's writeback puts the
/// journal on disk (`os.dirty_expire_ms`, 30 s), so the power loss takes
/// every message of the last ten seconds. A `stop` of the same master
/// keeps its host and its page cache: nothing is lost.
#[test]
fn kahadb_never_leaves_the_journal_to_the_os() {
    let (report, _) = activemq(Some("never"), |_| {});
    assert!(report.lost > 500, "{}", report.lost);
    let (stopped, _) = activemq(Some("never"), |s| {
        s["faults"] = json!([{ "at_ms": POWER_LOSS_MS, "stop": "b1" }]);
    });
    assert_eq!(stopped.lost, 0, "{:?}", stopped.lost_causes);
}

/// Non-persistent messages live in the master's memory (ActiveMQ's
/// "What is the difference between persistent and non-persistent
/// delivery?"): even a graceful stop takes them, whatever the journal does.
#[test]
fn non_persistent_messages_die_with_the_masters_memory_even_on_a_stop() {
    let (_, sim) = activemq(None, |s| {
        s["producers"][0]["persistent"] = json!(false);
        s["faults"] = json!([{ "at_ms": POWER_LOSS_MS, "stop": "b1" }]);
    });
    // Sent without a receipt, so never confirmed: the trace counts them.
    let died: u32 = sim
        .trace()
        .iter()
        .filter(|e| e.at.as_ms() == POWER_LOSS_MS)
        .map(|e| match e.event {
            Event::TransientLost { messages, .. } => messages,
            _ => 0,
        })
        .sum();
    assert!(died > 500, "{died}");
}

#[test]
fn journal_disk_sync_interval_goes_only_with_periodic() {
    let mut scenario = json!({
        "version": 1, "seed": 1, "duration_ms": 1000, "system": "activemq", "brokers": 2,
        "settings": { "journalDiskSyncInterval": 500 },
        "producers": [], "consumers": [], "faults": []
    });
    let error = Scenario::from_json(&scenario.to_string())
        .and_then(|s| s.validate())
        .expect_err("an interval without periodic")
        .to_string();
    assert!(
        error.contains("settings.journalDiskSyncInterval"),
        "{error}"
    );
    scenario["settings"]["journalDiskSyncStrategy"] = json!("sometimes");
    let error = Scenario::from_json(&scenario.to_string())
        .and_then(|s| s.validate())
        .expect_err("a strategy KahaDB does not have")
        .to_string();
    assert!(
        error.contains("settings.journalDiskSyncStrategy"),
        "{error}"
    );
}

/// The layers of one message's copies at `at_ms` (`Sim::copies`).
fn layers_at(scenario: Value, msg: u32, at_ms: u64) -> Vec<Layer> {
    let scenario = Scenario::from_json(&scenario.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let mut sim = Sim::new(scenario).unwrap();
    sim.run_until(SimTime::from_ms(at_ms));
    let copies = sim.copies(MsgId(msg)).expect("published");
    copies.stored.iter().map(|c| c.layer).collect()
}

fn kafka_quiet(settings: Value) -> Value {
    json!({
        "version": 1, "seed": 1, "duration_ms": 60000, "system": "kafka", "brokers": 3,
        "settings": settings,
        "producers": [{ "rate_per_s": 100, "acks": "all", "count": 100 }],
        "consumers": [], "faults": []
    })
}

/// The ledger follows each copy from the page cache to the disk: Kafka's
/// records stay dirty until the OS's flusher writes the file back (dirty
/// since about 0 s, expired at 30 s, written at the 35 s wake-up), or
/// reach the disk at once with `flush.messages=1`.
#[test]
fn the_ledger_says_which_layer_holds_each_copy() {
    let settings = json!({ "replication.factor": 3, "min.insync.replicas": 2 });
    let page_cache = vec![Layer::PageCache; 3];
    assert_eq!(
        layers_at(kafka_quiet(settings.clone()), 50, 10_000),
        page_cache
    );
    assert_eq!(
        layers_at(kafka_quiet(settings.clone()), 50, 40_000),
        vec![Layer::Disk; 3]
    );
    let mut flushed = settings;
    flushed["flush.messages"] = json!(1);
    assert_eq!(
        layers_at(kafka_quiet(flushed), 50, 10_000),
        vec![Layer::Disk; 3]
    );

    // RabbitMQ: a persistent message is confirmed once the message store
    // has synced it (`rabbit_msg_store`), a transient one lives in memory;
    // a quorum queue's entry is in Ra's fsynced WAL (`ra_log_wal`).
    let rabbit = |system: &str, settings: Value, persistent: bool| {
        json!({
            "version": 1, "seed": 1, "duration_ms": 20000, "system": system, "brokers": 3,
            "settings": settings,
            "producers": [{ "rate_per_s": 10, "count": 10, "persistent": persistent }],
            "consumers": [], "faults": []
        })
    };
    let mirrored = json!({ "ha-mode": "all" });
    assert_eq!(
        layers_at(
            rabbit("rabbitmq-mirrored", mirrored.clone(), true),
            5,
            5_000
        ),
        vec![Layer::Disk; 3]
    );
    assert_eq!(
        layers_at(rabbit("rabbitmq-mirrored", mirrored, false), 5, 5_000),
        vec![Layer::Memory; 3]
    );
    assert_eq!(
        layers_at(rabbit("rabbitmq-quorum", json!({}), true), 5, 5_000),
        vec![Layer::Disk; 3]
    );
}

/// The preset `kafka-power-loss` tells what the tests above check, with
/// numbers: Linux writes a dirty file back once it has been dirty for
/// 30 s (`vm.dirty_expire_centisecs`, Documentation/admin-guide/sysctl/vm.rst),
/// Kafka never fsyncs by default (Kafka docs, "Log Flush Policy"), so
/// the 1000 records acknowledged after the log's writeback at about 35 s
/// are gone when all three hosts lose power at 45 s; the comparison
/// `kafka-flush` sets `flush.messages=1` and loses none.
#[test]
fn the_kafka_power_loss_preset_loses_the_records_acknowledged_since_the_last_writeback() {
    let scenario = brokersim::presets::get("kafka-power-loss")
        .unwrap()
        .scenario();
    let mut sim = Sim::new(scenario.clone()).unwrap();
    let report = sim.run_to_end();
    assert_eq!(report.lost, 1000, "{report:?}");
    assert_eq!(report.delivered, 3500);
    assert_eq!(
        report.lost_causes.keys().copied().collect::<Vec<_>>(),
        vec![LossCause::PageCacheLost]
    );
    let mut flushed = scenario;
    flushed
        .settings
        .insert("flush.messages".into(), serde_json::json!(1));
    let mut sim = Sim::new(flushed).unwrap();
    let report = sim.run_to_end();
    assert_eq!(report.lost, 0, "{report:?}");
}
