//! Fuzzing on the stable toolchain: arbitrary bytes and mutated presets
//! given as scenario files. Parsing returns a scenario or an error that
//! names a field (or the whole file) in a sentence, never panics; a parsed
//! scenario starts and a bounded number of steps always ends. The
//! `cargo fuzz` targets in `fuzz/` do the same with libFuzzer (nightly).

use brokersim::{Scenario, Sim};
use proptest::prelude::*;
use serde_json::Value;

/// Engine events run per parsed scenario.
const MAX_STEPS: u32 = 5_000;

/// Parses `text`; on success runs a bounded number of steps.
fn parse_then_run(text: &str) -> Result<(), TestCaseError> {
    match Scenario::from_json(text) {
        Ok(scenario) => {
            let again = Scenario::from_json(&scenario.to_json_pretty());
            prop_assert_eq!(
                again.as_ref(),
                Ok(&scenario),
                "a parsed scenario round-trips"
            );
            let mut sim = Sim::new(scenario)
                .map_err(|e| TestCaseError::fail(format!("parsed but does not start: {e}")))?;
            for _ in 0..MAX_STEPS {
                if !sim.step_event() {
                    break;
                }
            }
            let report = sim.report();
            prop_assert!(report.confirmed + report.rejected <= report.published);
        }
        Err(e) => {
            prop_assert!(!e.message.trim().is_empty(), "an error says why");
            prop_assert!(
                e.path.len() <= 130 && !e.path.contains('?'),
                "a readable field path: {:?}",
                e.path
            );
        }
    }
    Ok(())
}

fn presets() -> Vec<Value> {
    brokersim::presets::names()
        .iter()
        .filter_map(|name| brokersim::presets::get(name))
        .map(|p| serde_json::from_str(p.json).expect("presets are JSON"))
        .collect()
}

/// A replacement value of any JSON kind, some of them plausible.
fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (0u64..100_000).prop_map(Value::from),
        Just(Value::from(u64::MAX)),
        Just(Value::from(-1)),
        Just(Value::from(0.5)),
        "[a-z0-9_./:-]{0,12}".prop_map(Value::from),
        prop::sample::select(vec![
            "b1",
            "b9",
            "c1",
            "p1",
            "all",
            "1/0",
            "0/1",
            "failover:(tcp://b1:61616)?x=1"
        ])
        .prop_map(Value::from),
        Just(Value::Array(vec![])),
        Just(serde_json::json!([["b1"], ["b2"]])),
        Just(serde_json::json!({})),
    ]
}

/// One change to a JSON tree: the `pick`-th node (in document order) is
/// replaced, removed from its object or array, or given an unknown field.
#[derive(Clone, Debug)]
enum Mutation {
    Replace(usize, Value),
    Remove(usize),
    AddField(usize, String, Value),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), value()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        2 => any::<usize>().prop_map(Mutation::Remove),
        1 => (any::<usize>(), "[a-z_.]{1,10}", value()).prop_map(|(i, k, v)| Mutation::AddField(i, k, v)),
    ]
}

fn count(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count).sum(),
        Value::Object(o) => o.values().map(count).sum(),
        _ => 0,
    }
}

/// Applies `m` to the node numbered `*at` (counting down as it walks).
fn apply(v: &mut Value, m: &Mutation, at: &mut usize) -> bool {
    if *at == 0 {
        match m {
            Mutation::Replace(_, new) => *v = new.clone(),
            Mutation::AddField(_, key, new) => {
                if let Value::Object(o) = v {
                    o.insert(key.clone(), new.clone());
                }
            }
            Mutation::Remove(_) => {}
        }
        return true;
    }
    *at -= 1;
    match v {
        Value::Array(a) => {
            for i in 0..a.len() {
                if *at == 0 && matches!(m, Mutation::Remove(_)) {
                    a.remove(i);
                    return true;
                }
                if apply(&mut a[i], m, at) {
                    return true;
                }
            }
        }
        Value::Object(o) => {
            let keys: Vec<String> = o.keys().cloned().collect();
            for k in keys {
                if *at == 0 && matches!(m, Mutation::Remove(_)) {
                    o.remove(&k);
                    return true;
                }
                if let Some(child) = o.get_mut(&k)
                    && apply(child, m, at)
                {
                    return true;
                }
            }
        }
        _ => {}
    }
    false
}

fn mutated(preset: usize, mutations: &[Mutation]) -> String {
    let all = presets();
    let mut json = all[preset % all.len()].clone();
    for m in mutations {
        let pick = match m {
            Mutation::Replace(i, _) | Mutation::Remove(i) | Mutation::AddField(i, _, _) => *i,
        };
        let mut at = pick % count(&json);
        apply(&mut json, m, &mut at);
    }
    json.to_string()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct(
                "proptest-regressions/scenario_fuzz.txt",
            ),
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_bytes_parse_or_fail_with_a_reason(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        parse_then_run(&text)?;
    }

    #[test]
    fn json_shaped_text_parses_or_fails_with_a_reason(text in r#"\{("[a-z_]{1,12}": ?(-?[0-9]{1,6}|"[a-z0-9]{0,6}"|\[\]|\{\}|true|null), ?){0,6}\}"#) {
        parse_then_run(&text)?;
    }

    #[test]
    fn mutated_presets_parse_or_fail_with_a_reason_and_runs_end(
        preset in any::<usize>(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        parse_then_run(&mutated(preset, &mutations))?;
    }
}
