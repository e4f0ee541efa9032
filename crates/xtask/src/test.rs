//! `cargo xtask test`: the project's single test command.
//!
//! The steps run in order and stop at the first failure; each prints how
//! long it took. To add a step
//! (browser tests, wasm tests, …), write a `fn() -> Result<(), CmdError>` and
//! add it to [`STEPS`].

use std::time::Instant;

use crate::cmd::{Cmd, CmdError};

/// The wasm target the core crate must build for.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// One step of `cargo xtask test`.
pub struct Step {
    /// Short name, used in the failure message.
    pub name: &'static str,
    /// Runs the step; each command it runs prints its own `==>` header.
    pub run: fn() -> Result<(), CmdError>,
}

/// All steps, in the order they run.
pub const STEPS: &[Step] = &[
    Step {
        name: "wasm32 target",
        run: ensure_wasm_target,
    },
    Step {
        name: "rustfmt and clippy components",
        run: ensure_components,
    },
    Step {
        name: "formatting",
        run: fmt_check,
    },
    Step {
        name: "clippy",
        run: clippy,
    },
    Step {
        name: "tests",
        run: cargo_test,
    },
    Step {
        name: "property sweep",
        run: property_sweep,
    },
    Step {
        name: "wasm32 build and tests",
        run: wasm_tests,
    },
    Step {
        name: "browser tests",
        run: crate::web::browser_tests,
    },
];

/// Runs every step; on failure prints which step failed and returns the
/// error (whose exit code xtask ends with).
pub fn run_all() -> Result<(), CmdError> {
    let started = Instant::now();
    let total = STEPS.len();
    for (index, step) in STEPS.iter().enumerate() {
        let step_started = Instant::now();
        let result = (step.run)();
        println!(
            "==> step {}/{total} ({}) took {:.1}s",
            index + 1,
            step.name,
            step_started.elapsed().as_secs_f64()
        );
        if let Err(err) = result {
            eprintln!();
            eprintln!(
                "error: `cargo xtask test` failed at step {}/{total} ({}): {err}",
                index + 1,
                step.name
            );
            return Err(err);
        }
    }
    println!();
    println!(
        "==> cargo xtask test: all {total} steps passed in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Whether a line of `rustup … list --installed` output names `name`
/// (component lines carry a target suffix, e.g. `clippy-x86_64-unknown-linux-gnu`).
fn lists(installed: &str, name: &str) -> bool {
    installed.lines().map(str::trim).any(|line| {
        line == name
            || line
                .strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('-'))
    })
}

/// Runs a `rustup` query; `Ok(None)` when rustup is not installed (a toolchain
/// managed some other way), in which case the caller skips its check.
fn rustup_query(cmd: Cmd) -> Result<Option<String>, CmdError> {
    match cmd.null_stdin().read_stdout() {
        Ok(out) => Ok(Some(out)),
        Err(CmdError::Spawn { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            println!(
                "warning: `rustup` not found; assuming the toolchain is already complete \
                 (rustfmt, clippy, {WASM_TARGET})"
            );
            Ok(None)
        }
        Err(err) => Err(err),
    }
}

/// Makes sure `cargo fmt` and `cargo clippy` exist (a rustup `minimal`
/// profile installs neither).
fn ensure_components() -> Result<(), CmdError> {
    let Some(installed) = rustup_query(Cmd::rustup().args(["component", "list", "--installed"]))?
    else {
        return Ok(());
    };
    let missing: Vec<&str> = ["rustfmt", "clippy"]
        .into_iter()
        .filter(|name| !lists(&installed, name))
        .collect();
    if missing.is_empty() {
        println!("rustfmt and clippy are installed");
        Ok(())
    } else {
        Cmd::rustup()
            .args(["component", "add"])
            .args(missing)
            .null_stdin()
            .run()
    }
}

/// Step a: the wasm32 target, installed with rustup if missing.
pub fn ensure_wasm_target() -> Result<(), CmdError> {
    let Some(installed) = rustup_query(Cmd::rustup().args(["target", "list", "--installed"]))?
    else {
        return Ok(());
    };
    if lists(&installed, WASM_TARGET) {
        println!("{WASM_TARGET} is installed");
        Ok(())
    } else {
        Cmd::rustup()
            .args(["target", "add", WASM_TARGET])
            .null_stdin()
            .run()
    }
}

/// Step b: formatting.
fn fmt_check() -> Result<(), CmdError> {
    Cmd::cargo()
        .args(["fmt", "--all", "--", "--check"])
        .null_stdin()
        .run()
}

/// Step c: lints, warnings denied.
fn clippy() -> Result<(), CmdError> {
    Cmd::cargo()
        .args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ])
        .null_stdin()
        .run()?;
    // The page's code compiles natively only for its unit tests, where
    // most of it is unused; its real target is wasm32.
    Cmd::cargo()
        .args([
            "clippy",
            "-p",
            "brokersim-web",
            "--target",
            WASM_TARGET,
            "--",
            "-D",
            "warnings",
        ])
        .null_stdin()
        .run()
}

/// Step d: native unit, integration and doc tests of every crate.
fn cargo_test() -> Result<(), CmdError> {
    Cmd::cargo()
        .args(["test", "--workspace"])
        .null_stdin()
        .run()
}

/// Seeds per property of the CI sweep: 11 properties × 1,200 = 13,200 fault
/// schedules (README, "Property tests and fuzzing").
pub const CI_SIM_SEEDS: &str = "1200";

/// The property tests over 13,200 fault schedules, in a release build (about
/// eight times faster than the test profile): about 80 s of runs on 2 cores
/// after a minute or two of compiling.
fn property_sweep() -> Result<(), CmdError> {
    Cmd::cargo()
        .args([
            "test",
            "--release",
            "-p",
            "brokersim",
            "--test",
            "properties",
        ])
        .env("SIM_SEEDS", CI_SIM_SEEDS)
        .null_stdin()
        .run()
}

/// The wasm tests of the core, run in Node: `tests/<name>.rs` of brokersim.
pub const WASM_GOLDEN_TEST: &str = "wasm_golden";

/// `.tools/wasm-bindgen/bin/wasm-bindgen-test-runner`, installed with
/// wasm-bindgen-cli at the Cargo.lock version of wasm-bindgen when missing.
pub fn wasm_test_runner() -> Result<std::path::PathBuf, CmdError> {
    let wasm_bindgen = crate::web::ensure_wasm_bindgen()?;
    Ok(wasm_bindgen.with_file_name("wasm-bindgen-test-runner"))
}

/// `cargo test` of the core for wasm32, run in Node by the runner.
pub fn wasm_cargo_test(runner: &std::path::Path) -> Cmd {
    Cmd::cargo()
        .args(["test", "-p", "brokersim", "--target", WASM_TARGET])
        .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", runner)
        .null_stdin()
}

/// Step e: the core builds for wasm32 (the test build compiles the library
/// as any wasm32 build does, so no separate build step is needed), and the
/// golden trace hashes (every preset, 1,000 seeds) in wasm32, in Node,
/// against the same files the native test checks: native and wasm give the
/// same traces.
fn wasm_tests() -> Result<(), CmdError> {
    let runner = wasm_test_runner()?;
    wasm_cargo_test(&runner)
        .args(["--test", WASM_GOLDEN_TEST])
        .run()
}

#[cfg(test)]
mod tests {
    use super::lists;

    #[test]
    fn finds_targets_and_components() {
        let targets = "x86_64-unknown-linux-gnu\nwasm32-unknown-unknown\n";
        assert!(lists(targets, "wasm32-unknown-unknown"));
        assert!(!lists(
            "x86_64-unknown-linux-gnu\n",
            "wasm32-unknown-unknown"
        ));

        let components = "cargo-x86_64-unknown-linux-gnu\nclippy-x86_64-unknown-linux-gnu\n";
        assert!(lists(components, "clippy"));
        assert!(!lists(components, "rustfmt"));
    }
}
