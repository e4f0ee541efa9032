//! `cargo xtask bench`: the figures of issue 5's benchmarks, then the
//! criterion suite.
//!
//! 1. `brokersim bench --json` (release): engine events/s on the reference
//!    scenario natively, and `check` scenario runs per second on one core.
//! 2. The same reference scenario in wasm32, in Node: the release build of
//!    brokersim's `tests/wasm_bench.rs`, run by wasm-bindgen-test-runner.
//! 3. `cargo bench -p brokersim --bench engine` (criterion).
//!
//! Then a summary: native and wasm events/s, their ratio, check runs/s per
//! core, each beside its goal. Benchmarks print figures; a missed goal is
//! reported, never a failure.

use crate::cmd::{Cmd, CmdError, header};

/// The wasm benchmark: `tests/<name>.rs` of brokersim.
const WASM_BENCH_TEST: &str = "wasm_bench";

/// Timed runs of the native reference benchmark, the best one counting: as
/// many as the wasm benchmark makes (`RUNS` in tests/wasm_bench.rs).
const NATIVE_RUNS: &str = "10";

/// What the summary needs.
#[derive(Debug, Default)]
struct Figures {
    native_events_per_s: Option<f64>,
    native_trace_hash: Option<String>,
    check_runs_per_s: Option<f64>,
    check_by_system: Vec<(String, f64)>,
    wasm_events_per_s: Option<f64>,
    wasm_trace_hash: Option<String>,
}

pub fn run() -> Result<(), CmdError> {
    let mut figures = Figures::default();

    let native = Cmd::brokersim_cli()
        .args(["bench", "--json", "--runs", NATIVE_RUNS])
        .read_stdout()?;
    print!("{native}");
    read_native(&native, &mut figures);

    crate::test::ensure_wasm_target()?;
    let runner = crate::test::wasm_test_runner()?;
    let wasm = crate::test::wasm_cargo_test(&runner)
        .args(["--release", "--test", WASM_BENCH_TEST, "--", "--nocapture"])
        .read_stdout()?;
    print!("{wasm}");
    read_wasm(&wasm, &mut figures);

    Cmd::cargo()
        .args(["bench", "-p", "brokersim", "--bench", "engine"])
        .run()?;

    summary(&figures);
    Ok(())
}

fn read_native(json: &str, figures: &mut Figures) {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(json) else {
        println!("warning: `brokersim bench --json` printed no JSON object");
        return;
    };
    figures.native_events_per_s = value["events_per_s"].as_f64();
    figures.native_trace_hash = value["trace_hash"].as_str().map(str::to_owned);
    figures.check_runs_per_s = value["check_runs_per_s_per_core"].as_f64();
    if let Some(by_system) = value["check_runs_per_s_by_system"].as_object() {
        figures.check_by_system = by_system
            .iter()
            .filter_map(|(system, rate)| Some((system.clone(), rate.as_f64()?)))
            .collect();
    }
}

/// Reads `wasm_bench events_per_s=… trace_hash=…` from the runner's output.
fn read_wasm(output: &str, figures: &mut Figures) {
    let Some(line) = output
        .lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix("wasm_bench "))
        .find(|l| l.starts_with("events_per_s="))
    else {
        println!("warning: the wasm benchmark printed no `wasm_bench …` line");
        return;
    };
    for pair in line.split_whitespace() {
        match pair.split_once('=') {
            Some(("events_per_s", v)) => figures.wasm_events_per_s = v.parse().ok(),
            Some(("trace_hash", v)) => figures.wasm_trace_hash = Some(v.to_owned()),
            _ => {}
        }
    }
}

/// `1234567.8` as `1,234,568`.
fn grouped(n: f64) -> String {
    let digits = format!("{:.0}", n.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn verdict(met: bool) -> &'static str {
    if met { "goal met" } else { "goal MISSED" }
}

fn summary(f: &Figures) {
    println!();
    header("benchmark figures");
    let unknown = "(not measured)".to_owned();
    let line = |label: &str, value: String, goal: &str| {
        println!("  {label:<30} {value:>14}   {goal}");
    };
    match f.native_events_per_s {
        Some(n) => line(
            "engine events/s, native",
            grouped(n),
            &format!("goal >= 3,000,000: {}", verdict(n >= 3e6)),
        ),
        None => line("engine events/s, native", unknown.clone(), ""),
    }
    match f.wasm_events_per_s {
        Some(w) => line("engine events/s, wasm in Node", grouped(w), ""),
        None => line("engine events/s, wasm in Node", unknown.clone(), ""),
    }
    match (f.native_events_per_s, f.wasm_events_per_s) {
        (Some(n), Some(w)) if n > 0.0 => {
            let ratio = w / n;
            line(
                "wasm/native ratio",
                format!("{ratio:.2}"),
                &format!("goal >= 0.75: {}", verdict(ratio >= 0.75)),
            );
        }
        _ => line("wasm/native ratio", unknown.clone(), ""),
    }
    match f.check_runs_per_s {
        Some(c) => line(
            "check runs/s per core",
            grouped(c),
            &format!("goal >= 1,000: {}", verdict(c >= 1_000.0)),
        ),
        None => line("check runs/s per core", unknown, ""),
    }
    for (system, rate) in &f.check_by_system {
        line(&format!("  {system}"), grouped(*rate), "");
    }
    match (&f.native_trace_hash, &f.wasm_trace_hash) {
        (Some(n), Some(w)) if n == w => {
            println!("  native and wasm ran the same simulation (trace hash {n})")
        }
        (Some(n), Some(w)) => println!(
            "  warning: native and wasm trace hashes differ ({n} vs {w}): \
             not the same scenario, or a determinism bug"
        ),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(grouped(0.4), "0");
        assert_eq!(grouped(999.0), "999");
        assert_eq!(grouped(1_000.0), "1,000");
        assert_eq!(grouped(3_455_664.2), "3,455,664");
    }

    #[test]
    fn reads_the_wasm_line() {
        let mut f = Figures::default();
        read_wasm(
            "running 1 test\nwasm_bench run 4.0 ms\nwasm_bench events_per_s=2500000 events=10 wall_ms=4.0 runs=3 trace_hash=abc\ntest ok\n",
            &mut f,
        );
        assert_eq!(f.wasm_events_per_s, Some(2_500_000.0));
        assert_eq!(f.wasm_trace_hash.as_deref(), Some("abc"));
    }

    #[test]
    fn reads_the_native_json() {
        let mut f = Figures::default();
        read_native(
            r#"{"events_per_s": 3000000.0, "trace_hash": "abc", "check_runs_per_s_per_core": 1200.0,
                "check_runs_per_s_by_system": {"kafka": 900.0}}"#,
            &mut f,
        );
        assert_eq!(f.native_events_per_s, Some(3e6));
        assert_eq!(f.check_runs_per_s, Some(1200.0));
        assert_eq!(f.check_by_system, vec![("kafka".to_owned(), 900.0)]);
    }
}
