//! The browser simulator's build: `cargo xtask dist` (the static site in
//! `dist/`), `cargo xtask serve` (the same, served on 127.0.0.1) and the
//! browser-test step of `cargo xtask test`.
//!
//! Everything it needs comes from the package registries and lands inside
//! the project: the wasm32 target (rustup), `wasm-bindgen-cli` at exactly
//! the version of the `wasm-bindgen` crate in Cargo.lock (crates.io, into
//! `.tools/wasm-bindgen`), `wasm-opt` from npm's `binaryen`, `esbuild`
//! (which minifies the JS glue) and `playwright-core` (npm, from the
//! committed `tests/browser/package-lock.json`),
//! and Debian's `chromium` for the tests. Steps that are up to date are
//! skipped.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::cmd::{Cmd, CmdError, header, workspace_root};
use crate::test::WASM_TARGET;

/// The web crate, its wasm profile and what wasm-bindgen calls its output.
pub const CRATE: &str = "brokersim-web";
pub const PROFILE: &str = "release-wasm";
pub const STEM: &str = "brokersim_web";

pub fn root(rel: &str) -> PathBuf {
    workspace_root().join(rel)
}

/// A path in cargo's target directory: `CARGO_TARGET_DIR` when set (a
/// second worktree building beside this one), else `target/` here.
pub fn target(rel: &str) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => workspace_root().join(dir).join(rel),
        _ => root("target").join(rel),
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Whether `output` exists and is newer than every one of `inputs`.
fn up_to_date(output: &Path, inputs: &[PathBuf]) -> bool {
    let Some(out) = modified(output) else {
        return false;
    };
    inputs.iter().all(|i| modified(i).is_some_and(|t| t <= out))
}

pub fn failed(command: &str, why: impl std::fmt::Display) -> CmdError {
    CmdError::Spawn {
        command: command.to_owned(),
        program: command.to_owned(),
        source: std::io::Error::other(why.to_string()),
    }
}

/// The version of the `wasm-bindgen` crate Cargo.lock pins.
pub fn locked_wasm_bindgen_version() -> Result<String, CmdError> {
    let lock = fs::read_to_string(root("Cargo.lock")).map_err(|e| failed("read Cargo.lock", e))?;
    version_in_lock(&lock, "wasm-bindgen")
        .ok_or_else(|| failed("read Cargo.lock", "no wasm-bindgen package in Cargo.lock"))
}

fn version_in_lock(lock: &str, name: &str) -> Option<String> {
    let wanted = format!("name = \"{name}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            let version = lines.next()?.trim();
            return version
                .strip_prefix("version = \"")
                .and_then(|v| v.strip_suffix('"'))
                .map(str::to_owned);
        }
    }
    None
}

/// `.tools/wasm-bindgen/bin/wasm-bindgen` at the locked version, installed
/// with cargo when it is missing or another version.
pub fn ensure_wasm_bindgen() -> Result<PathBuf, CmdError> {
    let version = locked_wasm_bindgen_version()?;
    let dir = root(".tools/wasm-bindgen");
    let bin = dir.join("bin/wasm-bindgen");
    if bin.exists() {
        let have = Cmd::new(&bin).arg("--version").null_stdin().read_stdout()?;
        if have.split_whitespace().nth(1) == Some(version.as_str()) {
            println!("wasm-bindgen {version} is installed in .tools/wasm-bindgen");
            return Ok(bin);
        }
    }
    // No --locked: the CLI's own lock file pins a crate the registry
    // mirror lacks (TOOLCHAIN.md). --debug: an optimised build takes about
    // 7 CPU-minutes, a debug one about 4, and the debug tool still
    // processes the page's wasm in 3 s and the wasm test's in 4 s, with
    // byte-identical output (measured on 2 cores); on a fresh machine
    // that is two minutes of CI.
    Cmd::cargo()
        .args(["install", "wasm-bindgen-cli", "--debug", "--version"])
        .arg(&version)
        .args(["--no-default-features", "--root"])
        .arg(&dir)
        .null_stdin()
        .run()?;
    Ok(bin)
}

/// `npm ci` in tests/browser when node_modules is older than the lock file.
pub fn ensure_npm_packages() -> Result<(), CmdError> {
    let dir = root("tests/browser");
    let lock = dir.join("package-lock.json");
    let stamp = dir.join("node_modules/.package-lock.json");
    if up_to_date(&stamp, &[lock, dir.join("package.json")]) {
        println!("tests/browser/node_modules is up to date");
        return Ok(());
    }
    Cmd::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--prefix"])
        .arg(&dir)
        .null_stdin()
        .run()
}

/// `wasm-opt -Oz` (npm's binaryen) with the wasm features rustc's wasm32
/// target emits; the caller adds the input, `-o` and the output.
pub fn wasm_opt() -> Cmd {
    Cmd::new(root("tests/browser/node_modules/.bin/wasm-opt")).args([
        "-Oz",
        "--enable-bulk-memory",
        "--enable-nontrapping-float-to-int",
        "--enable-sign-ext",
        "--enable-mutable-globals",
        "--enable-reference-types",
        "--enable-multivalue",
    ])
}

/// Every file the page's build depends on, for the freshness checks.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// `cargo xtask dist`: builds the static site into `dist/`.
pub fn dist() -> Result<PathBuf, CmdError> {
    crate::test::ensure_wasm_target()?;
    let wasm_bindgen = ensure_wasm_bindgen()?;
    ensure_npm_packages()?;

    Cmd::cargo()
        .args([
            "build",
            "-p",
            CRATE,
            "--target",
            WASM_TARGET,
            "--profile",
            PROFILE,
        ])
        .null_stdin()
        .run()?;
    let built = target(&format!("{WASM_TARGET}/{PROFILE}/{CRATE}.wasm"));
    let dist = root("dist");
    let staged = target(&format!("web-bindgen/{STEM}_bg.wasm"));
    let final_wasm = dist.join(format!("{STEM}_bg.wasm"));
    if up_to_date(&final_wasm, std::slice::from_ref(&built))
        && up_to_date(&staged, std::slice::from_ref(&built))
    {
        println!("dist/{STEM}_bg.wasm is up to date");
    } else {
        Cmd::new(&wasm_bindgen)
            .arg(&built)
            .args([
                "--target",
                "web",
                "--no-typescript",
                "--remove-name-section",
            ])
            .args(["--out-name", STEM, "--out-dir"])
            .arg(target("web-bindgen"))
            .null_stdin()
            .run()?;
        fs::create_dir_all(&dist).map_err(|e| failed("create dist/", e))?;
        wasm_opt()
            .arg(&staged)
            .arg("-o")
            .arg(&final_wasm)
            .null_stdin()
            .run()?;
    }
    fs::create_dir_all(&dist).map_err(|e| failed("create dist/", e))?;
    // The glue, minified (npm's esbuild): 10 KB gzip as wasm-bindgen
    // writes it, 7 KB minified. Renaming its locals changes nothing a
    // script sees: its exports and the wasm's imports keep their names.
    Cmd::new(root("tests/browser/node_modules/.bin/esbuild"))
        .arg(target(&format!("web-bindgen/{STEM}.js")))
        .args(["--minify", "--format=esm", "--log-level=warning"])
        .arg(format!(
            "--outfile={}",
            dist.join(format!("{STEM}.js")).display()
        ))
        .null_stdin()
        .run()?;
    // wasm-bindgen's snippets (`files.rs` finds the module's folder with
    // one), imported by the glue from `snippets/`.
    let mut snippets = Vec::new();
    sources(&target("web-bindgen/snippets"), &mut snippets);
    for file in snippets {
        let rel = file
            .strip_prefix(target("web-bindgen"))
            .unwrap_or(&file)
            .to_owned();
        let to = dist.join(&rel);
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).map_err(|e| failed("create dist/snippets/", e))?;
        }
        fs::copy(&file, &to).map_err(|e| failed(&format!("copy {}", file.display()), e))?;
    }
    let mut web = Vec::new();
    sources(&root("web"), &mut web);
    for file in web {
        let rel = file.strip_prefix(root("web")).unwrap_or(&file).to_owned();
        let to = dist.join(&rel);
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).map_err(|e| failed("create dist/", e))?;
        }
        fs::copy(&file, &to).map_err(|e| failed(&format!("copy {}", file.display()), e))?;
    }
    // The lessons, fetched by the page when one is opened (the browser
    // build does not embed them: brokersim's `embedded-lessons` feature).
    let lessons = dist.join("lessons");
    fs::create_dir_all(&lessons).map_err(|e| failed("create dist/lessons/", e))?;
    let mut files = Vec::new();
    sources(&root("crates/brokersim/src/lessons"), &mut files);
    for file in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "json"))
    {
        let name = file.file_name().unwrap_or_default();
        fs::copy(file, lessons.join(name))
            .map_err(|e| failed(&format!("copy {}", file.display()), e))?;
    }
    write_lang_files(&dist)?;
    write_presets(&dist)?;
    header(&format!("dist/ is ready ({})", dist.display()));
    Ok(dist)
}

/// The languages the page fetches instead of carrying them, written from
/// the catalogues themselves: a native run of the web crate prints both
/// catalogues' column (`brokersim-web lang zh`, `i18n::lang_file`).
pub const FETCHED_LANGS: [&str; 1] = ["zh"];

fn write_lang_files(dist: &Path) -> Result<(), CmdError> {
    let folder = dist.join("lang");
    fs::create_dir_all(&folder).map_err(|e| failed("create dist/lang/", e))?;
    for code in FETCHED_LANGS {
        let json = Cmd::cargo()
            .args(["run", "-q", "-p", CRATE, "--", "lang", code])
            .null_stdin()
            .read_stdout()?;
        let file = folder.join(format!("{code}.json"));
        fs::write(&file, json).map_err(|e| failed(&format!("write {}", file.display()), e))?;
    }
    Ok(())
}

/// The presets, fetched by the page (the browser build compiles in only
/// their names: brokersim's `embedded-presets` feature): each file as it is,
/// and `presets/index.json` (names, systems, titles) written from them by a
/// native run of the web crate (`brokersim-web presets-index`).
fn write_presets(dist: &Path) -> Result<(), CmdError> {
    let folder = dist.join("presets");
    fs::create_dir_all(&folder).map_err(|e| failed("create dist/presets/", e))?;
    let mut files = Vec::new();
    sources(&root("crates/brokersim/src/presets"), &mut files);
    for file in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "json"))
    {
        let name = file.file_name().unwrap_or_default();
        fs::copy(file, folder.join(name))
            .map_err(|e| failed(&format!("copy {}", file.display()), e))?;
    }
    let index = Cmd::cargo()
        .args(["run", "-q", "-p", CRATE, "--", "presets-index"])
        .null_stdin()
        .read_stdout()?;
    let file = folder.join("index.json");
    fs::write(&file, index).map_err(|e| failed(&format!("write {}", file.display()), e))
}

/// `cargo xtask serve`: builds dist/ and serves it until interrupted.
pub fn serve() -> Result<(), CmdError> {
    let dist = dist()?;
    let server = crate::serve::Server::start(&dist, 8080).map_err(|e| failed("serve", e))?;
    println!();
    println!(
        "brokersim is at http://{}/  (Ctrl-C to stop)",
        server.addr()
    );
    server.wait();
    Ok(())
}

/// Debian's chromium (and its driver), installed with apt when missing.
fn ensure_chromium() -> Result<(), CmdError> {
    if Path::new("/usr/bin/chromium").exists() {
        println!("/usr/bin/chromium is installed");
        return Ok(());
    }
    Cmd::new("apt-get").arg("update").null_stdin().run()?;
    Cmd::new("apt-get")
        .args([
            "install",
            "-y",
            "--no-install-recommends",
            "chromium",
            "chromium-driver",
        ])
        .null_stdin()
        .run()
}

/// The test step: dist/, chromium, the npm packages, the CLI the tests
/// compare against, then `node --test` against a server started here.
pub fn browser_tests() -> Result<(), CmdError> {
    let dist = dist()?;
    ensure_chromium()?;
    ensure_npm_packages()?;
    // The tests compare the page with the CLI (`target/debug/brokersim`).
    // The "tests" step built it with the whole workspace's features, and
    // `cargo test --no-run` puts that build back in place in a fraction of
    // a second; `cargo build -p brokersim-cli` would resolve the features
    // for the CLI alone and compile the core again (about a minute of CI).
    Cmd::cargo()
        .args(["test", "-q", "--workspace", "--no-run"])
        .null_stdin()
        .run()?;
    let server = crate::serve::Server::start(&dist, 0).map_err(|e| failed("serve", e))?;
    let url = format!("http://{}/", server.addr());
    println!("serving dist/ at {url} for the browser tests");
    let mut tests: Vec<PathBuf> = Vec::new();
    sources(&root("tests/browser"), &mut tests);
    tests.retain(|p| {
        p.extension().is_some_and(|e| e == "js")
            && p.file_name()
                .is_some_and(|n| n.to_string_lossy().ends_with(".test.js"))
            && !p.components().any(|c| c.as_os_str() == "node_modules")
    });
    tests.sort();
    let result = Cmd::new("node")
        .args(["--test", "--test-concurrency=1"])
        .args(&tests)
        .env("BROKERSIM_URL", &url)
        .env("BROKERSIM_CLI", target("debug/brokersim"))
        .null_stdin()
        .run();
    server.stop();
    result
}

#[cfg(test)]
mod tests {
    use super::version_in_lock;

    #[test]
    fn reads_a_version_from_a_lock_file() {
        let lock = "[[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.130\"\n";
        assert_eq!(
            version_in_lock(lock, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(version_in_lock(lock, "yew"), None);
    }
}
