//! `cargo xtask size`: what the page downloads, what that download is made
//! of, and what the core alone weighs (issue 4: wasm + JS at most 250 KB
//! gzip, goal 150 KB). Like the other benchmarks it prints figures beside
//! their limits and never fails on a missed one.
//!
//! 1. The download: `cargo xtask dist`, then every file a first visit
//!    loads besides the HTML and the style sheet (the wasm, its JS, the
//!    preset index and the default preset; for a visitor in Chinese also
//!    `lang/zh.json`), gzipped at level 9 as a static host would serve
//!    them, beside issue 13's ceiling (538 KB: the download must not grow
//!    past it) and issue 4's limit and goal.
//! 2. What the wasm holds: the same build run through wasm-bindgen and
//!    `wasm-opt -Oz` with its function names kept, each function's code
//!    counted under the crate its name starts with, and the data segments
//!    (texts, presets, tables) apart.
//! 3. The core alone: brokersim's `engine_floor` example, the part of the
//!    core the page cannot do without (read, validate, run, checkpoint,
//!    view, trace text in both languages, report) built with the page's
//!    profile and `wasm-opt -Oz`. No page can weigh less than this.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;
use wasmparser::{KnownCustom, Name, Parser, Payload};

use crate::cmd::{Cmd, CmdError, header};
use crate::test::WASM_TARGET;
use crate::web::{self, CRATE, PROFILE, STEM, failed, target};

/// Issue 4's limit and goal for wasm + JS, gzip.
const LIMIT_KB: f64 = 250.0;
const GOAL_KB: f64 = 150.0;

/// Issue 13's ceiling: the first visit's download must not grow past it.
const CEILING_KB: f64 = 538.0;

/// The files a first visit loads (`index.html` → `start.js` → the
/// wasm-bindgen glue and its snippets → the wasm, which fetches the preset
/// index and the default preset; `boot.rs`). wasm-bindgen's snippets are
/// found in `dist/snippets/`, the data files in `index.html`'s preloads (a
/// test of the web crate checks that it preloads the default preset).
const PAGE_FILES: [&str; 3] = ["start.js", "brokersim_web.js", "brokersim_web_bg.wasm"];

/// What a first visit in Chinese loads on top (`i18n::load`).
const CHINESE_FILES: [&str; 1] = ["lang/zh.json"];

/// brokersim's example that holds the core alone (examples/engine_floor.rs).
const FLOOR_EXAMPLE: &str = "engine_floor";

pub fn run() -> Result<(), CmdError> {
    let dist = web::dist()?;

    header("the download of a first visit, gzip -9");
    let mut files: Vec<String> = PAGE_FILES.iter().map(|f| (*f).to_owned()).collect();
    files.extend(snippets(&dist));
    let html = fs::read_to_string(dist.join("index.html"))
        .map_err(|e| failed("read dist/index.html", e))?;
    files.extend(preloaded_data(&html));
    let total = print_files(&dist, &files)?;
    println!(
        "{:>36}  {:>24.1} KB gzip  {}; {}",
        "total (in English)",
        kb(total),
        ceiling(kb(total)),
        verdict(kb(total))
    );
    let chinese = CHINESE_FILES.map(str::to_owned);
    let zh_total = total + print_files(&dist, &chinese)?;
    println!(
        "{:>36}  {:>24.1} KB gzip  {}",
        "total (in Chinese)",
        kb(zh_total),
        ceiling(kb(zh_total))
    );

    header("what the page's wasm holds (wasm-opt -Oz, names kept)");
    let named = named_page_wasm()?;
    print_breakdown(&read(&named)?)?;

    header("the core alone (brokersim's engine_floor example, the page's profile)");
    let floor = floor_wasm()?;
    let bytes = read(&floor)?;
    let gz = gzip_len(&bytes);
    println!(
        "{:>24}  {:>8.1} KB raw  {:>7.1} KB gzip  {}",
        FLOOR_EXAMPLE,
        kb(bytes.len()),
        kb(gz),
        verdict(kb(gz))
    );
    println!(
        "# size: page_gzip_kb = {:.1}; page_zh_gzip_kb = {:.1}; core_alone_gzip_kb = {:.1}; ceiling_kb = {CEILING_KB}; limit_kb = {LIMIT_KB}; goal_kb = {GOAL_KB}",
        kb(total),
        kb(zh_total),
        kb(gz)
    );
    Ok(())
}

/// Prints each file's raw and gzip size; returns the gzip total.
fn print_files(dist: &Path, files: &[String]) -> Result<usize, CmdError> {
    let mut total = 0;
    for file in files {
        let bytes = read(&dist.join(file))?;
        let gz = gzip_len(&bytes);
        total += gz;
        println!(
            "{file:>36}  {:>8.1} KB raw  {:>7.1} KB gzip",
            kb(bytes.len()),
            kb(gz)
        );
    }
    Ok(total)
}

/// The JS files under `dist/snippets/` (wasm-bindgen's inline modules,
/// imported by the glue), relative to `dist/`.
fn snippets(dist: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut folders = vec![dist.join("snippets")];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "js")
                && let Ok(rel) = path.strip_prefix(dist)
            {
                found.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    found.sort();
    found
}

/// The JSON files `index.html` preloads (`href="./presets/index.json"`).
fn preloaded_data(html: &str) -> Vec<String> {
    html.split("href=\"./")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| href.ends_with(".json"))
        .map(str::to_owned)
        .collect()
}

/// Against issue 13's ceiling.
fn ceiling(kb: f64) -> String {
    if kb < CEILING_KB {
        format!(
            "{:.1} KB under the {CEILING_KB} KB ceiling",
            CEILING_KB - kb
        )
    } else {
        format!(
            "OVER the {CEILING_KB} KB ceiling by {:.1} KB",
            kb - CEILING_KB
        )
    }
}

fn read(path: &Path) -> Result<Vec<u8>, CmdError> {
    fs::read(path).map_err(|e| failed(&format!("read {}", path.display()), e))
}

fn kb(bytes: usize) -> f64 {
    bytes as f64 / 1024.0
}

fn verdict(kb: f64) -> String {
    if kb <= GOAL_KB {
        format!("within the {GOAL_KB} KB goal")
    } else if kb <= LIMIT_KB {
        format!("within the {LIMIT_KB} KB limit")
    } else {
        format!("OVER the {LIMIT_KB} KB limit by {:.1} KB", kb - LIMIT_KB)
    }
}

/// Bytes after gzip at its best compression, as a static host serves them.
fn gzip_len(bytes: &[u8]) -> usize {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().map_or(0, |out| out.len())
}

/// The page's release wasm (built by `dist`) through wasm-bindgen and
/// wasm-opt like the shipped one, but with its function names kept.
fn named_page_wasm() -> Result<std::path::PathBuf, CmdError> {
    let built = target(&format!("{WASM_TARGET}/{PROFILE}/{CRATE}.wasm"));
    let dir = target("web-size");
    Cmd::new(web::ensure_wasm_bindgen()?)
        .arg(&built)
        .args([
            "--target",
            "web",
            "--no-typescript",
            "--out-name",
            STEM,
            "--out-dir",
        ])
        .arg(&dir)
        .null_stdin()
        .run()?;
    let named = dir.join("named.wasm");
    web::wasm_opt()
        .arg("--debuginfo")
        .arg(dir.join(format!("{STEM}_bg.wasm")))
        .arg("-o")
        .arg(&named)
        .null_stdin()
        .run()?;
    Ok(named)
}

/// `engine_floor` built for wasm32 with the page's profile and features,
/// then `wasm-opt -Oz`.
fn floor_wasm() -> Result<std::path::PathBuf, CmdError> {
    Cmd::cargo()
        .args([
            "build",
            "-p",
            "brokersim",
            "--no-default-features",
            "--example",
        ])
        .arg(FLOOR_EXAMPLE)
        .args(["--target", WASM_TARGET, "--profile", PROFILE])
        .null_stdin()
        .run()?;
    let built = target(&format!(
        "{WASM_TARGET}/{PROFILE}/examples/{FLOOR_EXAMPLE}.wasm"
    ));
    let out = target(&format!("web-size/{FLOOR_EXAMPLE}.wasm"));
    web::wasm_opt()
        .args(["--strip-debug", "--strip-producers"])
        .arg(&built)
        .arg("-o")
        .arg(&out)
        .null_stdin()
        .run()?;
    Ok(out)
}

/// Where a function's code comes from, by the crate its (demangled) name
/// starts with. Generic code is named after the generic's crate: a
/// `BTreeMap` of the core's types counts as `alloc`.
fn origin(name: &str) -> &'static str {
    // The page's components: their `html!` code is compiled inside yew's
    // generic `view`, so it carries yew's name.
    if name.contains("brokersim_web") || name.contains("Stateful>::view") {
        return "the page (brokersim-web, its views)";
    }
    if name.contains("brokersim::") {
        return "the core (brokersim)";
    }
    // `<f64 as core::fmt::Display>::fmt` belongs to the trait's crate.
    let path = match name.split_once(" as ") {
        Some((ty, trait_path)) if !ty.contains("::") => trait_path,
        _ => name,
    };
    let krate = path
        .trim_start_matches(['<', '&'])
        .trim_start_matches("mut ")
        .split([':', '<', ' ', '['])
        .next()
        .unwrap_or_default();
    match krate {
        "yew" | "implicit_clone" | "gloo" | "gloo_events" | "prokio" | "indexmap" | "hashbrown" => {
            "yew and its dependencies"
        }
        "alloc" | "core" | "std" => "std's generics and runtime (collections, sorting, fmt)",
        "serde" | "serde_core" | "serde_json" | "zmij" => "serde, serde_json",
        "wasm_bindgen" | "js_sys" | "web_sys" | "wasm_bindgen_futures" => {
            "wasm-bindgen, js-sys, web-sys"
        }
        "miniz_oxide" | "base64" => "share links (miniz_oxide, base64)",
        _ => "other (allocator, compiler builtins, unnamed)",
    }
}

/// Code bytes per origin and data bytes, largest first.
fn print_breakdown(wasm: &[u8]) -> Result<(), CmdError> {
    let mut bodies = Vec::new();
    let mut imported = 0u32;
    let mut names = BTreeMap::new();
    let mut data = 0usize;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(|e| failed("read the page's wasm", e))? {
            Payload::ImportSection(imports) => {
                for import in imports.into_imports() {
                    let import = import.map_err(|e| failed("read the page's imports", e))?;
                    if matches!(import.ty, wasmparser::TypeRef::Func(_)) {
                        imported += 1;
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                let range = body.range();
                bodies.push(usize::try_from(range.end - range.start).unwrap_or(0));
            }
            Payload::DataSection(segments) => {
                for segment in segments {
                    data += segment
                        .map_err(|e| failed("read the page's data", e))?
                        .data
                        .len();
                }
            }
            Payload::CustomSection(custom) => {
                if let KnownCustom::Name(reader) = custom.as_known() {
                    for subsection in reader {
                        if let Ok(Name::Function(map)) = subsection {
                            for naming in map.into_iter().flatten() {
                                names.insert(naming.index, naming.name.to_owned());
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let mut by_origin: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, size) in bodies.iter().enumerate() {
        let index = imported + i as u32;
        let name = names.get(&index).map_or("", String::as_str);
        *by_origin.entry(origin(name)).or_default() += size;
    }
    by_origin.insert("data (texts, presets, tables)", data);
    let total: usize = by_origin.values().sum();
    let mut rows: Vec<_> = by_origin.into_iter().collect();
    rows.sort_by_key(|row| std::cmp::Reverse(row.1));
    for (origin, bytes) in rows {
        println!(
            "{:>8.1} KB  {:>4.1}%  {origin}",
            kb(bytes),
            bytes as f64 * 100.0 / total.max(1) as f64
        );
    }
    println!("{:>8.1} KB  raw code and data", kb(total));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_are_counted_under_their_crate() {
        assert_eq!(
            origin("brokersim::engine::Sim::new::h8f3c"),
            "the core (brokersim)"
        );
        assert_eq!(
            origin(
                "<yew::html::component::lifecycle::CompStateInner<COMP> as yew::html::component::lifecycle::Stateful>::view::h4a9e"
            ),
            "the page (brokersim-web, its views)"
        );
        assert_eq!(
            origin("brokersim_web::share::pack::h11"),
            "the page (brokersim-web, its views)"
        );
        assert_eq!(
            origin("alloc::collections::btree::node::BalancingContext<K,V>::bulk_steal_left::h8f"),
            "std's generics and runtime (collections, sorting, fmt)"
        );
        assert_eq!(
            origin("<f64 as core[c5930c85a12de822]::fmt::Display>::fmt"),
            "std's generics and runtime (collections, sorting, fmt)"
        );
        assert_eq!(
            origin(
                "<&mut serde_json::de::Deserializer<R> as serde_core::de::Deserializer>::deserialize_seq::h1e"
            ),
            "serde, serde_json"
        );
        assert_eq!(
            origin("yew::dom_bundle::subtree_root::SubtreeData::add_listener::h47"),
            "yew and its dependencies"
        );
    }

    #[test]
    fn gzip_shrinks_repetition() {
        assert!(gzip_len(&[b'a'; 10_000]) < 100);
    }

    #[test]
    fn the_preloaded_data_files_are_read_from_the_page() {
        let html = r#"<link rel="preload" href="./brokersim_web_bg.wasm" as="fetch">
  <link rel="preload" href="./presets/index.json" as="fetch" crossorigin>"#;
        assert_eq!(preloaded_data(html), ["presets/index.json"]);
    }

    #[test]
    fn the_ceiling_says_by_how_much() {
        assert_eq!(ceiling(530.0), "8.0 KB under the 538 KB ceiling");
        assert_eq!(ceiling(540.0), "OVER the 538 KB ceiling by 2.0 KB");
    }

    #[test]
    fn verdicts_name_the_limit() {
        assert_eq!(verdict(100.0), "within the 150 KB goal");
        assert_eq!(verdict(200.0), "within the 250 KB limit");
        assert_eq!(verdict(260.0), "OVER the 250 KB limit by 10.0 KB");
    }
}
