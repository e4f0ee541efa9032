//! Seed sweeps (madsim's `MADSIM_TEST_SEED` / `MADSIM_TEST_NUM`, here
//! `SIM_SEED` / `SIM_SEEDS`): each seed is one proptest case, drawn by a
//! runner seeded with it, so `SIM_SEED=N` regenerates exactly the schedule
//! seed N drew. Seeds run on every core. A failing case is shrunk by
//! proptest, its seed saved in `proptest-regressions/properties.txt`
//! (replayed by every later run), its minimal scenario written as a file
//! `brokersim run` replays, and the failure message names the one command
//! that reproduces it.

use std::any::Any;
use std::fmt;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use brokersim::Scenario;
use proptest::strategy::Strategy;
use proptest::test_runner::{
    Config, FailurePersistence, FileFailurePersistence, PersistedSeed, RngSeed, TestCaseError,
    TestError, TestRunner,
};

const REGRESSIONS: &str = "proptest-regressions/properties.txt";

/// The seeds to run: `SIM_SEED=N` runs only seed N; `SIM_SEEDS=N` runs
/// seeds 0..N; otherwise seeds 0..`default`.
pub fn seeds(default: u64) -> Vec<u64> {
    if let Some(seed) = env_u64("SIM_SEED") {
        return vec![seed];
    }
    (0..env_u64("SIM_SEEDS").unwrap_or(default)).collect()
}

/// Whether one seed was asked for (`SIM_SEED`): a "sometimes" property
/// cannot be judged on one run, so it only reports it.
pub fn single_seed() -> bool {
    env_u64("SIM_SEED").is_some()
}

fn env_u64(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    match value.trim().parse() {
        Ok(n) => Some(n),
        Err(_) => panic!("{name}={value:?} is not a number"),
    }
}

/// Runs `f` for every seed on every core; results in seed order.
pub fn par_map<T: Send>(seeds: &[u64], f: impl Fn(u64) -> T + Sync) -> Vec<T> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<T>>> = Mutex::new(seeds.iter().map(|_| None).collect());
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(seeds.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(seed) = seeds.get(i) else { break };
                    let value = f(*seed);
                    results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(value);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.expect("every seed ran"))
        .collect()
}

/// A case that failed: its seed, proptest's minimal value and why.
pub struct Failure {
    pub seed: u64,
    pub reason: String,
    pub minimal: String,
    pub file: Option<PathBuf>,
}

/// Something proptest can draw for a property: it knows its scenario, so
/// a failure can be written as a file.
pub trait HasScenario: fmt::Debug + Clone {
    fn scenario(&self) -> &Scenario;
}

/// The proptest configuration for one seed's case.
fn config(seed: u64, shrink: bool, persist: bool) -> Config {
    Config {
        cases: 1,
        rng_seed: RngSeed::Fixed(seed),
        // The regressions file is named directly (`FileFailurePersistence::Direct`).
        source_file: None,
        failure_persistence: persist.then(|| Box::new(SaveOnly) as Box<dyn FailurePersistence>),
        max_shrink_iters: if shrink { 300 } else { 0 },
        // Shrinking re-runs whole scenarios; a minute of it is plenty.
        max_shrink_time: 60_000,
        ..Config::default()
    }
}

/// Runs one seed's case through proptest; `Some` when it failed (shrunk
/// if `shrink`). `persist` saves a failing seed to the regressions file.
pub fn run_seed<S>(
    test: &str,
    seed: u64,
    strategy: &S,
    shrink: bool,
    persist: bool,
    check: impl Fn(&S::Value) -> Result<(), TestCaseError>,
) -> Option<Failure>
where
    S: Strategy,
    S::Value: HasScenario,
{
    let mut runner = TestRunner::new(config(seed, shrink, persist));
    match runner.run(strategy, |case| check(&case)) {
        Ok(()) => None,
        Err(TestError::Fail(reason, minimal)) => Some(Failure {
            seed,
            reason: reason.to_string(),
            // The seed's own case and its shrunk one go to different
            // files: shrinking can end on another failure than the seed's.
            file: write_scenario(
                test,
                &format!("seed{seed}{}", if shrink { "-shrunk" } else { "" }),
                minimal.scenario(),
            ),
            minimal: format!("{minimal:?}"),
        }),
        Err(TestError::Abort(reason)) => Some(Failure {
            seed,
            reason: format!("proptest gave up: {reason}"),
            minimal: String::new(),
            file: None,
        }),
    }
}

/// Replays the seeds saved in the regressions file (every property replays
/// them all with its own strategy, as `proptest!` does).
pub fn replay_regressions<S>(
    test: &str,
    strategy: &S,
    check: impl Fn(&S::Value) -> Result<(), TestCaseError>,
) -> Option<Failure>
where
    S: Strategy,
    S::Value: HasScenario,
{
    let mut runner = TestRunner::new(Config {
        cases: 0,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(REGRESSIONS))),
        ..config(0, true, false)
    });
    match runner.run(strategy, |case| check(&case)) {
        Ok(()) => None,
        Err(TestError::Fail(reason, minimal)) => Some(Failure {
            seed: u64::MAX,
            reason: format!("a seed saved in {REGRESSIONS} fails again: {reason}"),
            file: write_scenario(test, "regression", minimal.scenario()),
            minimal: format!("{minimal:?}"),
        }),
        Err(TestError::Abort(reason)) => Some(Failure {
            seed: u64::MAX,
            reason: format!("proptest gave up on the saved regressions: {reason}"),
            minimal: String::new(),
            file: None,
        }),
    }
}

/// Writes a failing scenario where `brokersim run` can replay it.
fn write_scenario(test: &str, label: &str, scenario: &Scenario) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("properties");
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join(format!("{test}-{label}.json"));
    std::fs::write(&path, scenario.to_json_pretty()).ok()?;
    Some(path)
}

/// The one command that reruns a seed of a property.
pub fn command(test: &str, seed: u64) -> String {
    format!("SIM_SEED={seed} cargo test -p brokersim --test properties -- {test} --exact")
}

/// Panics with every failure, each with the command and file that replay it.
pub fn report_failures(test: &str, failures: &[Failure]) {
    if failures.is_empty() {
        return;
    }
    let mut text = format!("{test}: {} failing seed(s)\n", failures.len());
    for f in failures.iter().take(5) {
        text.push_str(&format!("\n--- seed {}: {}\n", f.seed, f.reason));
        if f.seed != u64::MAX {
            text.push_str(&format!("reproduce: {}\n", command(test, f.seed)));
        }
        if let Some(file) = &f.file {
            text.push_str(&format!(
                "minimal scenario: {} (cargo run -p brokersim-cli -- run {0})\n",
                file.display()
            ));
        }
        text.push_str(&f.minimal);
        text.push('\n');
    }
    panic!("{text}");
}

/// Loads nothing, saves to the regressions file: the seeds of a sweep run in
/// parallel, and the saved ones are replayed once per property instead.
#[derive(Debug, Clone, PartialEq)]
struct SaveOnly;

impl FailurePersistence for SaveOnly {
    fn load_persisted_failures2(&self, _: Option<&'static str>) -> Vec<PersistedSeed> {
        Vec::new()
    }

    fn save_persisted_failure2(
        &mut self,
        source_file: Option<&'static str>,
        seed: PersistedSeed,
        shrunken_value: &dyn fmt::Debug,
    ) {
        FileFailurePersistence::Direct(REGRESSIONS).save_persisted_failure2(
            source_file,
            seed,
            shrunken_value,
        );
    }

    fn box_clone(&self) -> Box<dyn FailurePersistence> {
        Box::new(SaveOnly)
    }

    fn eq(&self, other: &dyn FailurePersistence) -> bool {
        other.as_any().is::<SaveOnly>()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
