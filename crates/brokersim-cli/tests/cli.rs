//! End-to-end tests of the `brokersim` binary: the CLI is a public interface
//! (README.md, "The command-line runner"), so its output shapes and exit statuses
//! are checked by running the real executable, as a user or script would.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

/// A minimal valid scenario: the base that each bad-input test breaks in one place.
const GOOD: &str = r#"{"version":1,"duration_ms":5000,"system":"rabbitmq-mirrored","brokers":3,"settings":{"ha-mode":"all"},"producers":[{"rate_per_s":10}],"consumers":[{}]}"#;

const REPORT_FIELDS: [&str; 22] = [
    "published",
    "confirmed",
    "rejected",
    "indeterminate",
    "delivered",
    "redelivered",
    "duplicated",
    "unconsumed",
    "lost",
    "unexpected",
    "reordered",
    "unavailable_ms",
    "failovers",
    "detection_ms",
    "rto_ms",
    "rpo_messages",
    "violations",
    "unconsumed_reasons",
    "unconsumed_messages",
    "lost_causes",
    "lost_messages",
    "trace_hash",
];

fn brokersim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_brokersim"))
        .args(args)
        .output()
        .expect("the brokersim binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A directory of its own for one test, removed when the test ends.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> TempDir {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("brokersim-cli-{}-{test}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create a temp dir");
        TempDir(dir)
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("write a temp file");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

/// The scenario text with one replacement, checked to have happened.
fn good_with(from: &str, to: &str) -> String {
    assert!(GOOD.contains(from), "{from} is not in the base scenario");
    GOOD.replacen(from, to, 1)
}

/// Exit status 2, nothing on stdout, and `error: …` naming `needle` on stderr.
fn assert_bad_input(output: &Output, needle: &str) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(2), "stderr: {err}");
    assert!(
        output.stdout.is_empty(),
        "stdout should be empty, got: {}",
        stdout(output)
    );
    assert!(err.starts_with("error: "), "stderr: {err}");
    assert!(
        err.contains(needle),
        "stderr should mention {needle:?}: {err}"
    );
    assert!(!err.contains("panicked"), "stderr: {err}");
}

/// Validates and runs a scenario text; both must refuse it the same way.
fn assert_scenario_refused(test: &str, scenario: &str, needle: &str) {
    let dir = TempDir::new(test);
    let file = dir.file("scenario.json", scenario);
    assert_bad_input(&brokersim(&["validate", path_str(&file)]), needle);
    assert_bad_input(&brokersim(&["run", path_str(&file), "--json"]), needle);
}

fn run_json(args: &[&str]) -> serde_json::Value {
    let output = brokersim(args);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    serde_json::from_slice(&output.stdout).expect("stdout is one JSON value")
}

#[test]
fn run_preset_json_prints_the_whole_report() {
    let report = run_json(&["run", "--preset", "mirrored-master-crash", "--json"]);
    let object = report.as_object().expect("the report is an object");
    for field in REPORT_FIELDS {
        assert!(object.contains_key(field), "missing {field} in {report}");
    }
    assert!(report["published"].as_u64().is_some_and(|n| n > 0));
    assert!(report["trace_hash"].as_str().is_some_and(|h| !h.is_empty()));
}

#[test]
fn the_same_seed_gives_the_same_trace_and_another_seed_another() {
    let hash = |extra: &[&str]| {
        let mut args = vec!["run", "--preset", "mirrored-master-crash", "--json"];
        args.extend_from_slice(extra);
        run_json(&args)["trace_hash"]
            .as_str()
            .expect("trace_hash is a string")
            .to_string()
    };
    let first = hash(&[]);
    assert_eq!(first, hash(&[]));
    assert_ne!(first, hash(&["--seed", "2"]));
}

#[test]
fn run_prints_a_readable_summary() {
    let output = brokersim(&["run", "--preset", "mirrored-master-crash"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let text = stdout(&output);
    for needle in [
        "Mirrored queue",
        "rabbitmq-mirrored",
        "seed",
        "b1 crashed",
        "published",
        "lost",
        "trace_hash",
    ] {
        assert!(text.contains(needle), "summary lacks {needle:?}:\n{text}");
    }
    // Per-message events are counted, not listed.
    assert!(!text.contains("published message #"), "{text}");
}

#[test]
fn run_lang_zh_prints_the_events_and_the_report_in_chinese() {
    let args = ["run", "--preset", "mirrored-master-crash"];
    let english = brokersim(&args);
    let output = brokersim(&[&args[..], &["--lang", "zh"]].concat());
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let text = stdout(&output);
    for needle in [
        "关键事件",
        "b1 崩溃",
        "net_ticktime",
        "报告",
        // The report's field names are those of --json, in every language.
        "published",
        "生产者尝试发布的消息",
        "违反不变式：无",
        "trace_hash",
    ] {
        assert!(text.contains(needle), "summary lacks {needle:?}:\n{text}");
    }
    for english_text in ["Key events", "b1 crashed", "tried to publish", "Violations"] {
        assert!(
            !text.contains(english_text),
            "{english_text:?} left:\n{text}"
        );
    }
    let is_chinese = |line: &str| line.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    let events: Vec<&str> = text
        .lines()
        .skip_while(|line| *line != "关键事件")
        .skip(1)
        .take_while(|line| !line.is_empty())
        .collect();
    assert!(events.len() > 5, "{text}");
    assert!(events.iter().all(|line| is_chinese(line)), "{text}");
    let meanings = text
        .lines()
        .skip_while(|line| *line != "报告")
        .skip(1)
        .take_while(|line| !line.is_empty());
    assert!(meanings.clone().count() >= 15, "{text}");
    assert!(meanings.clone().all(is_chinese), "{text}");
    // The same run: only the words differ.
    let hash = |text: &str| text.lines().last().unwrap_or("").to_string();
    assert_eq!(hash(&text), hash(&stdout(&english)));
    assert!(hash(&text).starts_with("trace_hash"));
    // English is the default.
    let en = brokersim(&[&args[..], &["--lang", "en"]].concat());
    assert_eq!(stdout(&en), stdout(&english));

    // The trace file's sentences follow --lang too.
    let dir = TempDir::new("lang");
    let trace = dir.0.join("trace.jsonl");
    let output = brokersim(
        &[
            &args[..],
            &["--lang", "zh", "--json", "--trace", path_str(&trace)],
        ]
        .concat(),
    );
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let text = std::fs::read_to_string(&trace).expect("the trace file was written");
    for line in text.lines() {
        let entry: serde_json::Value = serde_json::from_str(line).expect("each line is JSON");
        assert!(entry["text"].as_str().is_some_and(is_chinese), "{line}");
    }

    let output = brokersim(&[&args[..], &["--lang", "fr"]].concat());
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("fr"), "{}", stderr(&output));
}

#[test]
fn run_writes_the_trace_as_json_lines() {
    let dir = TempDir::new("trace");
    let scenario = dir.file("scenario.json", GOOD);
    let trace = dir.0.join("trace.jsonl");
    let report = run_json(&[
        "run",
        path_str(&scenario),
        "--json",
        "--trace",
        path_str(&trace),
    ]);
    let text = std::fs::read_to_string(&trace).expect("the trace file was written");
    let mut lines = 0;
    for line in text.lines() {
        let entry: serde_json::Value = serde_json::from_str(line).expect("each line is JSON");
        assert!(entry["at_ms"].is_u64(), "{line}");
        assert!(!entry["event"].is_null(), "{line}");
        assert!(
            entry["text"].as_str().is_some_and(|t| !t.is_empty()),
            "{line}"
        );
        lines += 1;
    }
    assert!(lines as u64 > report["published"].as_u64().unwrap_or(0));
}

#[test]
fn validate_accepts_a_good_file() {
    let dir = TempDir::new("validate");
    let file = dir.file("scenario.json", GOOD);
    let output = brokersim(&["validate", path_str(&file)]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert!(stdout(&output).starts_with("ok: "), "{}", stdout(&output));
    assert!(
        stdout(&output).contains("rabbitmq-mirrored, 3 brokers"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn a_missing_file_is_bad_input() {
    let dir = TempDir::new("missing");
    let missing = dir.0.join("no-such-file.json");
    let needle = format!("cannot read {}", missing.display());
    assert_bad_input(&brokersim(&["validate", path_str(&missing)]), &needle);
    assert_bad_input(&brokersim(&["run", path_str(&missing)]), &needle);
}

#[test]
fn truncated_json_is_bad_input() {
    assert_scenario_refused("truncated", &GOOD[..GOOD.len() / 2], "EOF");
}

#[test]
fn an_unknown_system_is_bad_input() {
    let scenario = good_with(r#""system":"rabbitmq-mirrored""#, r#""system":"zeromq""#);
    assert_scenario_refused("system", &scenario, "zeromq");
}

#[test]
fn an_unknown_field_is_bad_input() {
    let scenario = good_with(r#""version":1,"#, r#""version":1,"colour":1,"#);
    assert_scenario_refused("field", &scenario, "colour");
}

#[test]
fn an_unknown_broker_in_a_fault_is_bad_input() {
    let scenario = good_with(
        r#""consumers":[{}]"#,
        r#""consumers":[{}],"faults":[{"at_ms":1,"crash":"b9"}]"#,
    );
    assert_scenario_refused("fault", &scenario, "faults[0].crash");
}

#[test]
fn absurd_sizes_are_bad_input() {
    let scenario = good_with(r#""brokers":3"#, r#""brokers":1000"#);
    assert_scenario_refused("size", &scenario, "brokers");
}

#[test]
fn a_bad_ratio_is_bad_input() {
    let scenario = good_with(
        r#""brokers":3,"#,
        r#""brokers":3,"network":{"loss":"3/2"},"#,
    );
    assert_scenario_refused("ratio", &scenario, "network.loss");
}

#[test]
fn a_bad_failover_uri_is_bad_input() {
    let scenario = r#"{"version":1,"duration_ms":5000,"system":"activemq","brokers":2,"producers":[{"rate_per_s":10,"connect":"failover:(tcp://b1:99999)"}],"consumers":[{}]}"#;
    assert_scenario_refused("uri", scenario, "producers[0].connect");
}

#[test]
fn deep_nesting_is_bad_input_not_a_crash() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let scenario = good_with(
        r#""version":1,"#,
        &format!(r#""version":1,"title":{deep},"#),
    );
    assert_scenario_refused("deep", &scenario, "title");
    // Nested where any JSON value is allowed, so the parser has to descend.
    let scenario = good_with(
        r#""ha-mode":"all""#,
        &format!(r#""ha-mode":"all","x":{deep}"#),
    );
    assert_scenario_refused("deep-value", &scenario, "settings");
}

#[test]
fn an_unknown_preset_is_bad_input_and_lists_the_known_ones() {
    let output = brokersim(&["run", "--preset", "no-such-preset"]);
    assert_bad_input(&output, "no-such-preset");
    assert!(
        stderr(&output).contains("mirrored-master-crash"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn usage_errors_exit_2() {
    let dir = TempDir::new("usage");
    let file = dir.file("scenario.json", GOOD);
    let both = brokersim(&["run", path_str(&file), "--preset", "mirrored-master-crash"]);
    assert_eq!(both.status.code(), Some(2));
    assert!(both.stdout.is_empty());
    assert_eq!(brokersim(&["run"]).status.code(), Some(2));
    assert_eq!(
        brokersim(&["run", "--preset", "mirrored-master-crash", "--seed", "x"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(brokersim(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn help_is_available_everywhere() {
    for args in [
        &["--help"][..],
        &["run", "--help"],
        &["validate", "--help"],
        &["presets", "--help"],
        &["bench", "--help"],
    ] {
        let output = brokersim(args);
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        assert!(stdout(&output).contains("Usage"), "{args:?}");
    }
}

#[test]
fn presets_lists_the_built_in_scenarios() {
    let output = brokersim(&["presets"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert!(stdout(&output).contains("mirrored-master-crash"));
    let list = run_json(&["presets", "--json"]);
    let list = list.as_array().expect("a JSON array");
    let preset = list
        .iter()
        .find(|p| p["name"] == "mirrored-master-crash")
        .expect("mirrored-master-crash is listed");
    assert!(preset["title"].is_string() && preset["description"].is_string());
}

#[test]
fn bench_reports_events_per_second() {
    // A short fault phase and one run keep this quick in a debug build.
    let result = run_json(&[
        "bench",
        "--json",
        "--virtual-ms",
        "3000",
        "--runs",
        "1",
        "--check-seeds",
        "2",
    ]);
    assert!(
        result["events_per_s"].as_f64().is_some_and(|n| n > 0.0),
        "{result}"
    );
    assert!(
        result["check_runs_per_s_per_core"]
            .as_f64()
            .is_some_and(|n| n > 0.0),
        "{result}"
    );
    assert_eq!(result["check_runs"], 8, "{result}");
    assert!(result["events"].as_u64().is_some_and(|n| n > 0), "{result}");
}

#[test]
fn the_summary_lists_at_most_200_events() {
    // 300 faults give well over 200 key events.
    let faults: Vec<String> = (0..150)
        .flat_map(|i| {
            [
                format!(r#"{{"at_ms":{},"crash":"b3"}}"#, 100 + i * 60),
                format!(r#"{{"at_ms":{},"restart":"b3"}}"#, 130 + i * 60),
            ]
        })
        .collect();
    let scenario = good_with(
        r#""consumers":[{}]"#,
        &format!(r#""consumers":[{{}}],"faults":[{}]"#, faults.join(",")),
    )
    .replacen(r#""duration_ms":5000"#, r#""duration_ms":10000"#, 1);
    let dir = TempDir::new("cap");
    let file = dir.file("scenario.json", &scenario);
    let output = brokersim(&["run", path_str(&file)]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let text = stdout(&output);
    let listed = text
        .lines()
        .skip_while(|line| *line != "Key events")
        .skip(1)
        .take_while(|line| !line.starts_with("  …"))
        .count();
    assert_eq!(listed, 200, "{text}");
    assert!(text.contains("more events (use --trace FILE)"), "{text}");
}

/// An auto-ack consumer on RabbitMQ: any consumer crash loses messages, so
/// the search finds a counterexample among the first seeds.
const LOSSY: &str = r#"{"version":1,"duration_ms":8000,"system":"rabbitmq-mirrored","brokers":2,
    "settings":{"ha-mode":"all","net_ticktime":2},
    "producers":[{"rate_per_s":20}],
    "consumers":[{"ack":"auto","process_ms":200}]}"#;

#[test]
fn check_finds_writes_and_replays_a_counterexample() {
    let dir = TempDir::new("check");
    let file = dir.file("lossy.json", LOSSY);
    let out = dir.0.join("cx.json");
    let output = brokersim(&[
        "check",
        path_str(&file),
        "--seeds",
        "64",
        "--faults",
        "crash,pause",
        "--out",
        path_str(&out),
    ]);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    assert!(
        stderr(&output).contains("counterexample"),
        "{}",
        stderr(&output)
    );
    let replay = run_json(&["run", path_str(&out), "--json"]);
    assert!(replay["lost"].as_u64().is_some_and(|n| n > 0), "{replay}");
}

#[test]
fn check_finds_nothing_in_a_configuration_without_faults_that_matter() {
    // A manual-ack consumer, and only heals: nothing is lost.
    let dir = TempDir::new("check-safe");
    let file = dir.file(
        "safe.json",
        &LOSSY.replace(r#""ack":"auto""#, r#""ack":"manual""#),
    );
    let output = brokersim(&["check", path_str(&file), "--seeds", "8", "--faults", "heal"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert!(stdout(&output).is_empty());
}

/// The configuration the issue "Lost means gone" found blamed for the
/// simulator's own bug: Kafka with 3 replicas, `acks=all`,
/// `min.insync.replicas=2` and a manual-ack consumer with the default
/// `auto.offset.reset`; with `flush.messages=1` (every append fsynced) it
/// survives any schedule of faults (issue 14).
const SAFE_KAFKA: &str = r#"{"version":1,"duration_ms":10000,"system":"kafka","brokers":3,
    "settings":{"replication.factor":3,"min.insync.replicas":2,"flush.messages":1},
    "producers":[{"rate_per_s":20,"acks":"all"}],
    "consumers":[{"ack":"manual"}]}"#;

/// Kafka's default flushing (never fsync) leaves acknowledged records in
/// the page caches: several brokers losing power lose some, and `check`
/// finds such a schedule.
#[test]
fn check_finds_the_power_loss_that_acks_all_with_default_flushing_does_not_survive() {
    let dir = TempDir::new("check-kafka-default-flush");
    let file = dir.file(
        "default.json",
        &SAFE_KAFKA.replace(r#","flush.messages":1"#, ""),
    );
    let output = brokersim(&["check", path_str(&file), "--seeds", "1000"]);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    assert!(
        stderr(&output).contains("counterexample"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn check_finds_nothing_in_a_thousand_schedules_against_a_safe_kafka_configuration() {
    let dir = TempDir::new("check-kafka");
    let file = dir.file("safe.json", SAFE_KAFKA);
    let output = brokersim(&["check", path_str(&file), "--seeds", "1000"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert!(
        stderr(&output).contains("no counterexample in 1000 schedules"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_producer_with_no_consumer_loses_nothing_its_messages_are_unconsumed() {
    for system in ["rabbitmq-mirrored", "rabbitmq-quorum", "activemq", "kafka"] {
        let dir = TempDir::new("no-consumer");
        let scenario = good_with(r#""consumers":[{}]"#, r#""consumers":[]"#)
            .replace("rabbitmq-mirrored", system)
            .replace(r#""settings":{"ha-mode":"all"},"#, "");
        let file = dir.file("scenario.json", &scenario);
        let report = run_json(&["run", path_str(&file), "--json"]);
        assert!(
            report["confirmed"].as_u64().unwrap() > 0,
            "{system}: {report}"
        );
        assert_eq!(report["lost"], 0, "{system}: {report}");
        assert_eq!(
            report["unconsumed"], report["confirmed"],
            "{system}: {report}"
        );
        assert_eq!(
            report["unconsumed_reasons"]["no_consumer"], report["confirmed"],
            "{system}: {report}"
        );
        assert_eq!(report["violations"], serde_json::json!([]), "{system}");
    }
}

/// `LOSSY` with its auto-ack consumer crashing at 3 s, 50 messages in hand.
fn auto_ack_consumer_crash() -> String {
    LOSSY.replace(
        r#""consumers":[{"ack":"auto","process_ms":200}]}"#,
        r#""consumers":[{"ack":"auto","process_ms":200,"prefetch":50}],
            "faults":[{"at_ms":3000,"crash":"c1"}]}"#,
    )
}

#[test]
fn run_json_lists_each_lost_message_with_what_destroyed_its_last_copy() {
    // An auto-ack consumer that crashes loses what it had been handed, and
    // what the broker goes on sending it until it notices: RabbitMQ
    // removes the queue's copy as it sends an auto-ack delivery.
    let dir = TempDir::new("lost-cause");
    let scenario = auto_ack_consumer_crash();
    let file = dir.file("scenario.json", &scenario);
    let report = run_json(&["run", path_str(&file), "--json"]);
    let lost = report["lost_messages"].as_array().unwrap();
    assert!(!lost.is_empty(), "{report}");
    assert_eq!(lost.len() as u64, report["lost"].as_u64().unwrap().min(100));
    for m in lost {
        let cause = m["cause"].as_str().unwrap();
        assert!(["consumer_died", "delivery_lost"].contains(&cause), "{m}");
        assert!(
            m["at_ms"]
                .as_u64()
                .is_some_and(|t| (3000..8000).contains(&t)),
            "{m}"
        );
    }
    assert_eq!(lost[0]["cause"], "consumer_died", "{report}");
    let text = stdout(&brokersim(&["run", path_str(&file)]));
    assert!(
        text.contains("an auto-ack consumer died with them in its buffer"),
        "{text}"
    );
}

#[test]
fn run_copies_tells_where_a_message_is_and_what_destroyed_its_last_copy() {
    let dir = TempDir::new("copies");
    let scenario = auto_ack_consumer_crash();
    let file = dir.file("scenario.json", &scenario);
    let report = run_json(&["run", path_str(&file), "--json"]);
    let lost = report["lost_messages"][0]["msg"]
        .as_u64()
        .unwrap()
        .to_string();
    let copies = run_json(&["run", path_str(&file), "--json", "--copies", &lost]);
    assert_eq!(copies["stored"], serde_json::json!([]), "{copies}");
    assert_eq!(copies["last_drop"][0], "consumer_died", "{copies}");
    let text = stdout(&brokersim(&["run", path_str(&file), "--copies", &lost]));
    assert!(
        text.contains("an auto-ack consumer died with them in its buffer"),
        "{text}"
    );
    // A message still queued at the end: no consumer on a 2-node mirrored queue.
    let idle = dir.file(
        "idle.json",
        &LOSSY.replace(r#"[{"ack":"auto","process_ms":200}]"#, "[]"),
    );
    let copies = run_json(&["run", path_str(&idle), "--json", "--copies", "1"]);
    let names: Vec<&str> = copies["stored"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["b1", "b2"], "{copies}");
    assert_eq!(copies["stored"][0]["role"], "master", "{copies}");
    assert_eq!(copies["stored"][1]["role"], "mirror", "{copies}");
    let output = brokersim(&["run", path_str(&idle), "--copies", "100000"]);
    assert_bad_input(&output, "--copies");
}

#[test]
fn check_refuses_an_unknown_fault_kind() {
    let dir = TempDir::new("check-bad");
    let file = dir.file("lossy.json", LOSSY);
    let output = brokersim(&["check", path_str(&file), "--faults", "meteor"]);
    assert_bad_input(&output, "meteor");
}
