//! Golden trace hashes: every preset, and 1,000 short (preset, seed) runs,
//! must give the trace hashes committed in `tests/golden/`. The wasm test
//! (`tests/wasm_golden.rs`) checks the same files in wasm32, so native and
//! wasm agree run for run.
//!
//! A change in behaviour fails here with the list of what changed; when the
//! change is intended, regenerate with
//! `UPDATE_GOLDEN=1 cargo test -p brokersim --test golden`.

#[path = "golden/cases.rs"]
mod cases;

use std::path::PathBuf;
use std::thread;

use cases::SeedCase;

fn updating() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| !v.is_empty() && v != "0")
}

fn write(rel: &str, text: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(rel);
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    eprintln!("wrote {}", path.display());
}

#[test]
fn every_preset_gives_its_golden_trace_hash() {
    let actual = cases::all_preset_hashes();
    if updating() {
        let hashes = actual
            .iter()
            .map(|(name, hash)| {
                let hash = hash
                    .clone()
                    .unwrap_or_else(|e| panic!("preset {name} does not run: {e}"));
                (name.clone(), hash)
            })
            .collect();
        write("preset_hashes.json", &cases::render_preset_hashes(&hashes));
        return;
    }
    cases::assert_presets_match(&actual, "");
}

/// Computes every seed case, spread over the cores.
fn seed_cases() -> Vec<(String, u64, Result<String, String>)> {
    let cores = thread::available_parallelism().map_or(1, |n| n.get() as u64);
    let mut all: Vec<(u64, String, u64, Result<String, String>)> = thread::scope(|scope| {
        let workers: Vec<_> = (0..cores)
            .map(|worker| {
                scope.spawn(move || {
                    (0..cases::SEED_CASES)
                        .filter(|i| i % cores == worker)
                        .map(|i| {
                            let (preset, seed) = cases::case(i);
                            (
                                i,
                                preset.name.to_owned(),
                                seed,
                                cases::case_hash(preset, seed),
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a seed case panicked"))
            .collect()
    });
    all.sort_by_key(|(i, ..)| *i);
    all.into_iter().map(|(_, p, s, h)| (p, s, h)).collect()
}

#[test]
fn a_thousand_seeds_give_their_golden_trace_hashes() {
    let computed = seed_cases();
    if updating() {
        let lines: Vec<SeedCase> = computed
            .into_iter()
            .map(|(preset, seed, hash)| SeedCase {
                hash: hash.unwrap_or_else(|e| panic!("{preset} seed {seed} does not run: {e}")),
                preset,
                seed,
            })
            .collect();
        write("seed_hashes.txt", &cases::render_seed_hashes(&lines));
        return;
    }
    cases::assert_seeds_match(computed, "");
}

#[test]
fn the_golden_files_parse() {
    cases::parse_preset_hashes(cases::PRESET_HASHES).unwrap();
    let seeds = cases::parse_seed_hashes(cases::SEED_HASHES).unwrap();
    assert!(seeds.len() as u64 >= cases::SEED_CASES || updating());
}
