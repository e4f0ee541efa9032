//! Bad scenario files: every one is refused with a `Result` naming the field
//! and saying what is wrong with it; nothing a user can type makes the
//! simulator panic.

use std::panic::{AssertUnwindSafe, catch_unwind};

use brokersim::{Lang, Scenario, ScenarioError, Sim, SimTime};
use serde_json::{Value, json};

/// A small valid RabbitMQ scenario.
fn rabbit() -> Value {
    json!({
        "version": 1,
        "duration_ms": 5000,
        "system": "rabbitmq-mirrored",
        "brokers": 3,
        "settings": { "ha-mode": "all" },
        "producers": [{ "rate_per_s": 10 }],
        "consumers": [{ "prefetch": 10 }],
        "faults": [{ "at_ms": 1000, "crash": "b1" }]
    })
}

/// A small valid ActiveMQ scenario.
fn activemq() -> Value {
    json!({
        "version": 1,
        "duration_ms": 5000,
        "system": "activemq",
        "brokers": 2,
        "producers": [{ "rate_per_s": 10, "connect": "failover:(tcp://b1:61616,tcp://b2:61616)" }],
        "consumers": [{}]
    })
}

/// Parses `text`, which must be refused; returns the error.
fn refused_text(text: &str) -> ScenarioError {
    match catch_unwind(|| Scenario::from_json(text)) {
        Ok(Ok(_)) => panic!("accepted: {}", &text[..text.len().min(300)]),
        Ok(Err(e)) => e,
        Err(_) => panic!("panicked on: {}", &text[..text.len().min(300)]),
    }
}

/// `base` changed by `edit` must be refused at `path`; returns the message.
fn refused(base: Value, edit: impl FnOnce(&mut Value), path: &str) -> String {
    let mut s = base;
    edit(&mut s);
    let e = refused_text(&s.to_string());
    assert_eq!(e.path, path, "wrong path for {s}: {e}");
    assert!(!e.message.is_empty());
    e.message
}

#[test]
fn the_base_scenarios_are_valid() {
    for base in [rabbit(), activemq()] {
        let scenario = Scenario::from_json(&base.to_string()).unwrap();
        Sim::new(scenario).unwrap();
    }
}

#[test]
fn truncated_json_is_refused_where_the_text_stops() {
    let text = rabbit().to_string();
    for cut in [1, 10, text.len() / 2, text.len() - 1] {
        let e = refused_text(&text[..cut]);
        assert!(e.message.contains("EOF"), "{e}");
    }
    // Cut inside the first fault: the path leads there.
    let e = refused_text(&text[..text.find("\"faults\"").unwrap() + 20]);
    assert!(e.path.starts_with("faults[0]"), "{e}");
}

#[test]
fn an_empty_file_is_refused() {
    for text in ["", "   \n", "null", "[]", "42"] {
        let e = refused_text(text);
        assert_eq!(e.path, "", "{text:?}: {e}");
    }
}

#[test]

fn a_json_array_is_not_a_scenario() {
    // The format is an object with named fields; a positional array would
    // change meaning whenever a field is added.
    let e = refused_text(r#"[1, "", "", 0, 5000, "activemq", 2]"#);
    assert_eq!(e.path, "");
}

#[test]
fn trailing_text_after_the_scenario_is_refused() {
    let e = refused_text(&format!("{} {{}}", rabbit()));
    assert_eq!(e.path, "");
    assert!(e.message.contains("trailing"), "{e}");
}

#[test]
fn a_version_other_than_1_is_refused() {
    for version in [0, 2, 99] {
        let m = refused(rabbit(), |s| s["version"] = json!(version), "version");
        assert!(m.contains("version 1"), "{m}");
    }
    refused(rabbit(), |s| s["version"] = json!("1"), "version");
    // Another version is named before whatever else its file lacks or adds.
    for text in [
        r#"{"version":2}"#,
        r#"{"version": 2, "duration_ms": 5000, "brokers": 3, "new_field": true}"#,
        r#"{"brokers": "three", "version": 2}"#,
    ] {
        let e = refused_text(text);
        assert_eq!(e.path, "version", "{text}: {e}");
        assert_eq!(
            e.message, "this simulator reads scenario version 1, got 2",
            "{text}"
        );
    }
    // Version 1 with a field missing still names that field.
    let e = refused_text(r#"{"version":1}"#);
    assert!(e.message.contains("duration_ms"), "{e}");
    refused(rabbit(), |s| s["version"] = json!(-1), "version");
}

#[test]
fn an_unknown_system_is_refused_with_the_list_of_systems() {
    let m = refused(rabbit(), |s| s["system"] = json!("zeromq"), "system");
    assert!(m.contains("zeromq") && m.contains("activemq"), "{m}");
    refused(
        rabbit(),
        |s| s["system"] = json!("RabbitMQ-Mirrored"),
        "system",
    );
}

fn two_sites() -> serde_json::Value {
    let mut s = rabbit();
    s.as_object_mut().unwrap().remove("brokers");
    s["sites"] = json!([
        { "name": "primary", "brokers": 3 },
        { "name": "dr", "brokers": 3, "replicate_from": "primary", "lag_ms": 2000 }
    ]);
    s["faults"] = json!([{ "at_ms": 1000, "crash": "primary-b1" }]);
    s
}

#[test]
fn valid_sites_run() {
    let scenario = Scenario::from_json(&two_sites().to_string()).unwrap();
    Sim::new(scenario).unwrap().run_to_end();
}

#[test]
fn bad_disaster_recovery_sites_are_refused_naming_the_field() {
    let m = refused(two_sites(), |s| s["brokers"] = json!(3), "sites");
    assert!(m.contains("not both"), "{m}");
    refused(
        two_sites(),
        |s| s["sites"] = json!([{ "name": "primary", "brokers": 3 }]),
        "sites",
    );
    let m = refused(
        two_sites(),
        |s| s["sites"][1]["name"] = json!("primary"),
        "sites[1].name",
    );
    assert!(m.contains("two sites"), "{m}");
    refused(
        two_sites(),
        |s| s["sites"][1]["name"] = json!("DR site"),
        "sites[1].name",
    );
    refused(
        two_sites(),
        |s| s["sites"][1]["brokers"] = json!(0),
        "sites[1].brokers",
    );
    refused(
        two_sites(),
        |s| s["sites"][1]["brokers"] = json!(13),
        "sites[1].brokers",
    );
    let m = refused(
        two_sites(),
        |s| s["sites"][1]["replicate_from"] = json!("moon"),
        "sites[1].replicate_from",
    );
    assert!(m.contains("moon"), "{m}");
    refused(
        two_sites(),
        |s| s["sites"][1]["replicate_from"] = json!("dr"),
        "sites[1].replicate_from",
    );
    refused(
        two_sites(),
        |s| s["sites"][0]["replicate_from"] = json!("dr"),
        "sites[0].replicate_from",
    );
    refused(
        two_sites(),
        |s| s["sites"][0]["lag_ms"] = json!(5),
        "sites[0].lag_ms",
    );
    refused(
        two_sites(),
        |s| s["sites"][1]["lag_ms"] = json!(-1),
        "sites[1].lag_ms",
    );
    refused(
        two_sites(),
        |s| s["sites"][1]["lag_ms"] = json!(86_400_000),
        "sites[1].lag_ms",
    );
    refused(
        two_sites(),
        |s| s["sites"][1]["colour"] = json!("red"),
        "sites[1].colour",
    );
}

#[test]
fn site_faults_name_a_known_site_and_need_sites() {
    let m = refused(
        two_sites(),
        |s| s["faults"] = json!([{ "at_ms": 1000, "site_down": "moon" }]),
        "faults[0].site_down",
    );
    assert!(m.contains("primary, dr"), "{m}");
    for kind in ["site_up", "lose_site", "failover_site"] {
        refused(
            two_sites(),
            |s| s["faults"] = json!([{ "at_ms": 1000, kind: "" }]),
            &format!("faults[0].{kind}"),
        );
    }
    let m = refused(
        rabbit(),
        |s| s["faults"] = json!([{ "at_ms": 1000, "site_down": "primary" }]),
        "faults[0].site_down",
    );
    assert!(m.contains("sites"), "{m}");
    // With sites, brokers are named by site; the plain names are unknown.
    let m = refused(
        two_sites(),
        |s| s["faults"] = json!([{ "at_ms": 1000, "crash": "b1" }]),
        "faults[0].crash",
    );
    assert!(m.contains("primary-b1") && m.contains("dr-b3"), "{m}");
}

#[test]
fn unknown_fields_are_refused_with_their_path() {
    let m = refused(rabbit(), |s| s["colour"] = json!("red"), "colour");
    assert!(m.contains("unknown field"), "{m}");
    let m = refused(
        rabbit(),
        |s| s["producers"][0]["speed"] = json!(3),
        "producers[0].speed",
    );
    assert!(
        m.contains("rate_per_s"),
        "the message lists the known fields: {m}"
    );
    refused(
        rabbit(),
        |s| s["consumers"][0]["acks"] = json!(3),
        "consumers[0].acks",
    );
    refused(
        rabbit(),
        |s| s["faults"][0]["when"] = json!(3),
        "faults[0].when",
    );
    refused(
        rabbit(),
        |s| s["network"]["jitter"] = json!(3),
        "network.jitter",
    );
    refused(
        rabbit(),
        |s| s["heartbeat"] = json!({ "interval_ms": 1, "timeout_ms": 2, "misses": 2 }),
        "heartbeat.misses",
    );
}

#[test]
fn a_fault_on_an_unknown_broker_names_the_fault() {
    let m = refused(
        rabbit(),
        |s| s["faults"][0]["crash"] = json!("b9"),
        "faults[0].crash",
    );
    assert!(m.contains("b9") && m.contains("b1..b3"), "{m}");
    refused(
        rabbit(),
        |s| s["faults"] = json!([{ "at_ms": 1, "heal": true }, { "at_ms": 1, "stop": "B1" }]),
        "faults[1].stop",
    );
    refused(
        rabbit(),
        |s| s["faults"][0] = json!({ "at_ms": 1, "lose_disk": "c1" }),
        "faults[0].lose_disk",
    );
    let m = refused(
        rabbit(),
        |s| s["faults"][0]["crash"] = json!("p2"),
        "faults[0].crash",
    );
    assert!(m.contains("p2"), "{m}");
}

#[test]
fn a_fault_needs_exactly_one_kind() {
    let m = refused(
        rabbit(),
        |s| s["faults"][0]["stop"] = json!("b2"),
        "faults[0]",
    );
    assert!(m.contains("crash") && m.contains("stop"), "{m}");
    let m = refused(
        rabbit(),
        |s| s["faults"] = json!([{ "at_ms": 1000 }]),
        "faults[0]",
    );
    assert!(m.contains("no fault kind"), "{m}");
    refused(
        rabbit(),
        |s| s["faults"][0] = json!({ "at_ms": 1, "heal": false }),
        "faults[0].heal",
    );
}

#[test]
fn pause_needs_for_ms_and_only_pause_takes_it() {
    let m = refused(
        rabbit(),
        |s| s["faults"] = json!([{ "at_ms": 1000, "pause": "b1" }]),
        "faults[0].for_ms",
    );
    assert!(m.contains("pause"), "{m}");
    refused(
        rabbit(),
        |s| s["faults"] = json!([{ "at_ms": 1000, "pause": "b1", "for_ms": 0 }]),
        "faults[0].for_ms",
    );
    refused(
        rabbit(),
        |s| s["faults"][0]["for_ms"] = json!(100),
        "faults[0].for_ms",
    );
}

#[test]
fn a_fault_after_the_fault_phase_is_refused() {
    let m = refused(
        rabbit(),
        |s| s["faults"][0]["at_ms"] = json!(5001),
        "faults[0].at_ms",
    );
    assert!(m.contains("5001") && m.contains("5000"), "{m}");
    refused(
        rabbit(),
        |s| s["faults"][0]["at_ms"] = json!(-5),
        "faults[0].at_ms",
    );
}

#[test]
fn a_partition_needs_two_sides_and_disjoint_groups() {
    let m = refused(
        rabbit(),
        |s| s["faults"] = json!([{ "at_ms": 1000, "partition": [["b1", "b2", "b3"]] }]),
        "faults[0].partition",
    );
    assert!(m.contains("every broker"), "{m}");
    // One group: the brokers it does not name are the other side.
    let mut one_group = rabbit();
    one_group["faults"] = json!([{ "at_ms": 1000, "partition": [["b1"]] }]);
    let mut sim = Sim::new(Scenario::from_json(&one_group.to_string()).unwrap()).unwrap();
    sim.run_until(SimTime::from_ms(1500));
    let groups: Vec<u8> = (0..3).map(|b| sim.view().brokers[b].group).collect();
    assert_ne!(groups[0], groups[1], "b1 is cut off: {groups:?}");
    assert_eq!(groups[1], groups[2], "b2 and b3 stay together: {groups:?}");
    refused(
        rabbit(),
        |s| s["faults"] = json!([{ "at_ms": 1000, "partition": [] }]),
        "faults[0].partition",
    );
    let m = refused(
        rabbit(),
        |s| s["faults"] = json!([{ "at_ms": 1000, "partition": [["b1", "b2"], ["b2", "b3"]] }]),
        "faults[0].partition[1][0]",
    );
    assert!(m.contains("two groups"), "{m}");
    refused(
        rabbit(),
        |s| s["faults"] = json!([{ "at_ms": 1000, "partition": [["b1"], []] }]),
        "faults[0].partition[1]",
    );
}

#[test]
fn a_slow_link_joins_exactly_two_different_brokers() {
    let slow = |between: Value| {
        move |s: &mut Value| {
            s["faults"] =
                json!([{ "at_ms": 1000, "slow_link": { "between": between, "latency_ms": 10 } }])
        }
    };
    refused(rabbit(), slow(json!(["b1"])), "faults[0].slow_link.between");
    refused(
        rabbit(),
        slow(json!(["b1", "b2", "b3"])),
        "faults[0].slow_link.between",
    );
    refused(
        rabbit(),
        slow(json!(["b1", "b1"])),
        "faults[0].slow_link.between",
    );
    refused(
        rabbit(),
        slow(json!(["b1", "b8"])),
        "faults[0].slow_link.between[1]",
    );
    refused(
        rabbit(),
        |s| s["faults"] = json!([{ "at_ms": 1, "slow_link": { "between": ["b1", "b2"], "latency_ms": 1_000_000 } }]),
        "faults[0].slow_link.latency_ms",
    );
}

#[test]
fn absurd_sizes_are_refused() {
    refused(rabbit(), |s| s["brokers"] = json!(0), "brokers");
    refused(rabbit(), |s| s["brokers"] = json!(1000), "brokers");
    refused(
        rabbit(),
        |s| s["brokers"] = json!(5_000_000_000u64),
        "brokers",
    );
    refused(
        rabbit(),
        |s| s["producers"][0]["rate_per_s"] = json!(0),
        "producers[0].rate_per_s",
    );
    refused(
        rabbit(),
        |s| s["producers"][0]["rate_per_s"] = json!(1_000_000_000u64),
        "producers[0].rate_per_s",
    );
    refused(
        rabbit(),
        |s| s["producers"][0]["rate_per_s"] = json!(1e9),
        "producers[0].rate_per_s",
    );
    refused(rabbit(), |s| s["duration_ms"] = json!(0), "duration_ms");
    refused(
        rabbit(),
        |s| s["duration_ms"] = json!(1_000_000_000_000u64),
        "duration_ms",
    );
    refused(
        rabbit(),
        |s| s["duration_ms"] = json!(u64::MAX),
        "duration_ms",
    );
    let crash = json!({ "at_ms": 1000, "crash": "b1" });
    refused(
        rabbit(),
        |s| s["faults"] = json!(vec![crash.clone(); 1001]),
        "faults",
    );
    let mut thousand = rabbit();
    thousand["faults"] = json!(vec![crash; 1000]);
    Scenario::from_json(&thousand.to_string()).expect("1000 faults are allowed");
    refused(
        rabbit(),
        |s| s["consumers"][0]["prefetch"] = json!(1_000_000_000u64),
        "consumers[0].prefetch",
    );
    refused(
        rabbit(),
        |s| s["producers"] = json!(vec![json!({ "rate_per_s": 1 }); 17]),
        "producers",
    );
    refused(
        rabbit(),
        |s| s["producers"] = json!(vec![json!({ "rate_per_s": 10_000 }); 3]),
        "producers",
    );
}

#[test]
fn latency_min_above_max_is_refused() {
    let m = refused(
        rabbit(),
        |s| s["network"] = json!({ "latency_ms": { "min": 5, "max": 2 } }),
        "network.latency_ms",
    );
    assert!(m.contains("min"), "{m}");
    refused(
        rabbit(),
        |s| s["network"] = json!({ "latency_ms": { "min": 0, "max": 999_999 } }),
        "network.latency_ms",
    );
}

#[test]
fn a_loss_ratio_must_be_whole_numbers_at_most_one_half() {
    for (ratio, says) in [
        ("3/2", "exceed 1"),
        ("1/0", "denominator"),
        ("0.1", "whole numbers"),
        ("abc", "whole numbers"),
        ("-1/4", "whole numbers"),
        ("1/", "whole numbers"),
        ("", "whole numbers"),
        ("9/10", "at most 1/2"),
        ("1", "at most 1/2"),
    ] {
        let m = refused(
            rabbit(),
            |s| s["network"] = json!({ "loss": ratio }),
            "network.loss",
        );
        assert!(m.contains(says), "{ratio:?}: {m}");
    }
    for ratio in ["0", "1/2", " 1/4 ", "0/7"] {
        let mut s = rabbit();
        s["network"] = json!({ "loss": ratio });
        Scenario::from_json(&s.to_string()).unwrap_or_else(|e| panic!("{ratio:?}: {e}"));
    }
    refused(
        rabbit(),
        |s| s["network"] = json!({ "loss": 0.1 }),
        "network.loss",
    );
}

#[test]
fn a_setting_of_another_system_says_whose_it_is() {
    let m = refused(
        rabbit(),
        |s| s["settings"] = json!({ "replication.factor": 3 }),
        "settings.replication.factor",
    );
    assert!(m.contains("kafka"), "{m}");
    let m = refused(
        rabbit(),
        |s| s["settings"] = json!({ "lockAcquireSleepInterval": 3 }),
        "settings.lockAcquireSleepInterval",
    );
    assert!(m.contains("activemq"), "{m}");
    let m = refused(
        activemq(),
        |s| s["settings"] = json!({ "ha-mode": "all" }),
        "settings.ha-mode",
    );
    assert!(m.contains("rabbitmq-mirrored"), "{m}");
}

#[test]
fn an_unknown_setting_is_refused_with_the_known_ones() {
    let m = refused(
        rabbit(),
        |s| s["settings"]["ha-colour"] = json!(3),
        "settings.ha-colour",
    );
    assert!(m.contains("ha-sync-mode"), "{m}");
    refused(
        activemq(),
        |s| s["settings"] = json!({ "lockacquiresleepinterval": 5 }),
        "settings.lockacquiresleepinterval",
    );
}

#[test]
fn a_bad_setting_value_is_refused_at_the_setting() {
    let m = refused(
        rabbit(),
        |s| s["settings"]["ha-mode"] = json!("some"),
        "settings.ha-mode",
    );
    assert!(m.contains("exactly"), "{m}");
    refused(
        rabbit(),
        |s| s["settings"]["ha-mode"] = json!(1),
        "settings.ha-mode",
    );
    refused(
        rabbit(),
        |s| s["settings"]["net_ticktime"] = json!(0),
        "settings.net_ticktime",
    );
    refused(
        rabbit(),
        |s| s["settings"]["net_ticktime"] = json!(-60),
        "settings.net_ticktime",
    );
    refused(
        rabbit(),
        |s| s["settings"]["net_ticktime"] = json!("60"),
        "settings.net_ticktime",
    );
    let m = refused(
        rabbit(),
        |s| s["settings"]["ha-mode"] = json!("exactly"),
        "settings.ha-params",
    );
    assert!(m.contains("exactly"), "{m}");
    refused(
        rabbit(),
        |s| s["settings"] = json!({ "ha-mode": "exactly", "ha-params": 0 }),
        "settings.ha-params",
    );
    refused(
        rabbit(),
        |s| s["settings"] = json!({ "ha-params": 2 }),
        "settings.ha-params",
    );
    refused(
        rabbit(),
        |s| s["settings"]["ha-sync-mode"] = json!("eventually"),
        "settings.ha-sync-mode",
    );
    refused(
        activemq(),
        |s| s["settings"] = json!({ "locker": "lease-database-locker", "lockKeepAlivePeriod": 0 }),
        "settings.lockKeepAlivePeriod",
    );
    refused(
        activemq(),
        |s| s["settings"] = json!({ "lockAcquireSleepInterval": 0 }),
        "settings.lockAcquireSleepInterval",
    );
}

#[test]
fn ha_mode_nodes_naming_an_unknown_broker_points_at_the_entry() {
    let m = refused(
        rabbit(),
        |s| s["settings"] = json!({ "ha-mode": "nodes", "ha-params": ["b1", "b7"] }),
        "settings.ha-params[1]",
    );
    assert!(m.contains("b7"), "{m}");
    refused(
        rabbit(),
        |s| s["settings"] = json!({ "ha-mode": "nodes", "ha-params": ["b1", "b1"] }),
        "settings.ha-params[1]",
    );
    refused(
        rabbit(),
        |s| s["settings"] = json!({ "ha-mode": "nodes", "ha-params": [] }),
        "settings.ha-params",
    );
}

#[test]
fn a_failover_uri_is_refused_outside_activemq() {
    let m = refused(
        rabbit(),
        |s| s["producers"][0]["connect"] = json!("failover:(tcp://b1:61616,tcp://b2:61616)"),
        "producers[0].connect",
    );
    assert!(m.contains("ActiveMQ"), "{m}");
    refused(
        rabbit(),
        |s| s["consumers"][0]["connect"] = json!("tcp://b1:5672"),
        "consumers[0].connect",
    );
}

#[test]
fn a_bad_failover_uri_is_refused_at_the_clients_connect() {
    let path = "producers[0].connect";
    let uri = |text: &str| {
        let text = text.to_string();
        move |s: &mut Value| s["producers"][0]["connect"] = json!(text)
    };
    let m = refused(
        activemq(),
        uri("failover:(tcp://b1:99999,tcp://b2:61616)"),
        path,
    );
    assert!(m.contains("99999"), "{m}");
    refused(activemq(), uri("failover:(tcp://b1:0)"), path);
    refused(activemq(), uri("failover:(tcp://b1:port)"), path);
    let m = refused(
        activemq(),
        uri("failover:(tcp://b1:61616,tcp://b2:61616)?randomise=false"),
        path,
    );
    assert!(m.contains("randomise") && m.contains("randomize"), "{m}");
    refused(
        activemq(),
        uri("failover:(tcp://b1:61616)?randomize=maybe"),
        path,
    );
    refused(
        activemq(),
        uri("failover:(tcp://b1:61616)?maxReconnectDelay=-5"),
        path,
    );
    refused(activemq(), uri("failover:(tcp://b1:61616"), path);
    refused(activemq(), uri("failover:()"), path);
    refused(activemq(), uri("failover:(http://b1:80)"), path);
    refused(
        activemq(),
        uri("failover:(tcp://b1:61616,tcp://b1:61617)"),
        path,
    );
    refused(
        activemq(),
        uri(&format!("failover:({})", "tcp://b1:1,".repeat(2000))),
        path,
    );
    // A host the scenario does not have is refused at its place in the list.
    refused(
        activemq(),
        uri("failover:(tcp://b1:61616,tcp://b3:61616)"),
        "producers[0].connect[1]",
    );
    refused(
        activemq(),
        |s| s["producers"][0]["connect"] = json!(["b1", "b2"]),
        path,
    );
    refused(
        activemq(),
        |s| s["consumers"][0]["connect"] = json!("failover:(tcp://b1:61616)?timeout=soon"),
        "consumers[0].connect",
    );
}

#[test]
fn a_kafka_producer_option_is_refused_under_rabbitmq() {
    let m = refused(
        rabbit(),
        |s| s["producers"][0]["acks"] = json!("all"),
        "producers[0].acks",
    );
    assert!(m.contains("Kafka"), "{m}");
    refused(
        rabbit(),
        |s| s["producers"][0]["idempotent"] = json!(true),
        "producers[0].idempotent",
    );
    refused(
        activemq(),
        |s| s["producers"][0]["confirms"] = json!(true),
        "producers[0].confirms",
    );
}

#[test]
fn deeply_nested_input_is_refused_without_overflowing_the_stack() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let text = rabbit().to_string();
    let nested_title = text.replacen('{', &format!("{{\"title\":{deep},"), 1);
    let e = refused_text(&nested_title);
    assert_eq!(e.path, "title");
    // Fields that hold free-form JSON are where a parser would recurse.
    let nested_setting = text.replacen('{', &format!("{{\"sites\":{deep},"), 1);
    let e = refused_text(&nested_setting);
    assert!(e.path.starts_with("sites"), "{e}");
    let nested_setting = text.replace("\"all\"", &deep);
    refused_text(&nested_setting);
    let objects = format!("{}{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    refused_text(&text.replace("\"all\"", &objects));
    refused_text(&"[".repeat(100_000));
}

#[test]
fn an_input_over_1_mib_is_refused_before_parsing() {
    let mut s = rabbit();
    s["description"] = json!("x".repeat(1 << 20));
    let e = refused_text(&s.to_string());
    assert_eq!(e.path, "");
    assert!(e.message.contains("1048576"), "{e}");
    // Also when it is not even JSON.
    refused_text(&"\u{fffd}".repeat(400_000));
}

#[test]
fn a_title_over_4000_characters_is_refused() {
    let m = refused(rabbit(), |s| s["title"] = json!("a".repeat(5000)), "title");
    assert!(m.contains("4000"), "{m}");
    refused(
        rabbit(),
        |s| s["description"] = json!("d".repeat(5000)),
        "description",
    );
    // Characters, not bytes: 4000 two-byte characters are fine.
    let mut s = rabbit();
    s["title"] = json!("é".repeat(4000));
    Scenario::from_json(&s.to_string()).unwrap();
}

// ----- fuzzing the presets ------------------------------------------------------

/// A tiny deterministic generator (xorshift64*), so a failure replays.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Snippets a hand-edit or a bad tool might leave behind.
const SNIPPETS: &[&str] = &[
    "0",
    "-1",
    "1",
    "9",
    "99999999999999999999",
    "1e308",
    "-0.5",
    "null",
    "true",
    "\"b9\"",
    "\"p1\"",
    "\"c1\"",
    "\"\"",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "\"",
    "\\",
    "\\u0000",
    "\u{fffd}",
    "é",
    "[[\"b1\"],[\"b2\"]]",
    "{\"at_ms\":1,\"crash\":\"b1\"}",
    "\"failover:(tcp://b1:61616)?randomize=false\"",
];

/// One to three mutations: byte changes, truncation, insertion, deletion,
/// duplication. The result is made valid UTF-8 (lossily) as a text box would.
fn mutate(json: &str, rng: &mut XorShift) -> String {
    let mut bytes = json.as_bytes().to_vec();
    for _ in 0..1 + rng.below(3) {
        let len = bytes.len();
        let at = rng.below(len + 1);
        match rng.below(6) {
            0 if at < len => bytes[at] ^= 1 << rng.below(8),
            1 if at < len => bytes[at] = b"0123456789-\"[]{},:.e "[rng.below(21)],
            2 => bytes.truncate(at),
            3 => {
                let snippet = SNIPPETS[rng.below(SNIPPETS.len())].as_bytes();
                bytes.splice(at..at, snippet.iter().copied());
            }
            4 => {
                let end = (at + 1 + rng.below(40)).min(len);
                bytes.drain(at.min(end)..end);
            }
            _ => {
                let end = (at + 1 + rng.below(40)).min(len);
                let copy = bytes[at.min(end)..end].to_vec();
                let to = rng.below(bytes.len() + 1);
                bytes.splice(to..to, copy);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn two_thousand_mutated_presets_are_refused_or_run_without_panicking() {
    let presets = brokersim::presets::ALL;
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let (mut parsed, mut refused) = (0, 0);
    for case in 0..2000 {
        let preset = &presets[case % presets.len()];
        let text = mutate(preset.json, &mut rng);
        let outcome = catch_unwind(AssertUnwindSafe(|| match Scenario::from_json(&text) {
            Err(e) => {
                assert!(!e.message.is_empty());
                false
            }
            Ok(scenario) => {
                let mut sim = Sim::new(scenario).expect("from_json validated it");
                sim.run_until(SimTime::from_ms(2000));
                let _ = sim.view();
                let _ = sim.report();
                true
            }
        }));
        match outcome {
            Ok(true) => parsed += 1,
            Ok(false) => refused += 1,
            Err(_) => panic!("case {case} (mutated {}) panicked on:\n{text}", preset.name),
        }
    }
    // The mix exercises both paths.
    assert!(parsed >= 100, "only {parsed} mutations parsed");
    assert!(refused >= 500, "only {refused} mutations were refused");
}

#[test]
fn translations_name_a_language_the_page_speaks() {
    let message = refused(
        rabbit(),
        |s| s["translations"] = json!({"fr": {"title": "Le maître tombe"}}),
        "translations.fr",
    );
    assert!(message.contains("\"zh\""), "{message}");
    refused(
        rabbit(),
        |s| s["translations"] = json!({"zh": {"titel": "主节点崩溃"}}),
        "translations.zh.titel",
    );
    refused(
        rabbit(),
        |s| s["translations"] = json!({"zh": {"title": "长".repeat(5000)}}),
        "translations.zh.title",
    );
    let mut s = rabbit();
    s["translations"] = json!({"zh": {"title": "主节点崩溃"}});
    let scenario = Scenario::from_json(&s.to_string()).unwrap();
    assert_eq!(scenario.title_in(Lang::Zh), "主节点崩溃");
    // No Chinese description: the untranslated one.
    assert_eq!(scenario.description_in(Lang::Zh), scenario.description);
}

fn two_kafka_sites() -> Value {
    let mut s = two_sites();
    s["system"] = json!("kafka");
    s.as_object_mut().unwrap().remove("settings");
    s
}

#[test]
fn bad_mirrormaker_offset_settings_are_refused_naming_the_field() {
    let valid = |edit: fn(&mut Value)| {
        let mut s = two_kafka_sites();
        edit(&mut s);
        Scenario::from_json(&s.to_string()).unwrap();
    };
    valid(|_| {});
    valid(|s| {
        s["sites"][1]["sync.group.offsets.enabled"] = json!(true);
        s["sites"][1]["emit.checkpoints.interval.seconds"] = json!(10);
        s["sites"][1]["offset.lag.max"] = json!(0);
    });
    let m = refused(
        two_sites(),
        |s| s["sites"][1]["sync.group.offsets.enabled"] = json!(true),
        "sites[1].sync.group.offsets.enabled",
    );
    assert!(m.contains("kafka"), "{m}");
    let m = refused(
        two_kafka_sites(),
        |s| s["sites"][0]["offset.lag.max"] = json!(10),
        "sites[0].offset.lag.max",
    );
    assert!(m.contains("replicate_from"), "{m}");
    refused(
        two_kafka_sites(),
        |s| s["sites"][1]["emit.checkpoints.interval.seconds"] = json!(0),
        "sites[1].emit.checkpoints.interval.seconds",
    );
    refused(
        two_kafka_sites(),
        |s| s["sites"][1]["sync.group.offsets.enabled"] = json!("yes"),
        "sites[1].sync.group.offsets.enabled",
    );
    refused(
        two_kafka_sites(),
        |s| s["sites"][1]["offset.lag.max"] = json!(-1),
        "sites[1].offset.lag.max",
    );
}
