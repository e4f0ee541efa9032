//! Keeps the house in order (issue 13, "vocabulary below behaviour"): the
//! next engineer must be able to add a system without touching everything.
//! That holds while the shared layer (`wire.rs`, `trace.rs`, `out.rs`) names
//! only each system's data-only files (`protocol.rs`, `events.rs`, timers)
//! and never its behaviour, so that no file imports, through a circle of
//! imports, half the crate.
//!
//! The test reads `src/**/*.rs`, builds the graph of which file imports
//! which, and fails when a strongly connected component (an import circle)
//! holds more than 3 files, printing its files. A small circle is allowed:
//! a system's `mod.rs` and a helper file that uses `super::*` name each
//! other by nature.
//!
//! A file imports another when its code names a path into it:
//! `crate::a::b`, `super::b`, `self::b`, or a child module `b::c`, in a
//! `use` or anywhere in the code. The path resolves to the deepest file it
//! reaches (`crate::systems::kafka::protocol::Acks` is
//! `systems/kafka/protocol.rs`, not `systems/kafka/mod.rs`). Code under
//! `#[cfg(test)]` does not count: a test module may import anything.
//! Declaring a child module (`mod b;`) is not an import, but re-exporting
//! from it (`pub use b::X;`) is.

#![cfg(not(target_arch = "wasm32"))]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// A file as a module path: `systems/kafka/mod.rs` is `["systems", "kafka"]`,
/// `lib.rs` is `[]`.
type Module = Vec<String>;

const MOST_FILES_IN_A_CIRCLE: usize = 3;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

fn module_of(relative: &Path) -> Module {
    let mut parts: Module = relative
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

fn name(module: &Module) -> String {
    if module.is_empty() {
        "lib".to_string()
    } else {
        module.join("/")
    }
}

/// The crate's files, by module, with their text.
fn sources() -> BTreeMap<Module, String> {
    let root = src();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path).unwrap();
            (module_of(path.strip_prefix(&root).unwrap()), text)
        })
        .collect()
}

/// Where a comment, string or char literal that starts at `i` ends, or
/// `None` when none starts there (a lifetime's `'` starts none).
fn skip_literal(b: &[u8], i: usize) -> Option<usize> {
    let at = |k: usize| b.get(k).copied().unwrap_or(0);
    let find = |from: usize, pat: &[u8]| {
        (from..b.len())
            .find(|&k| b[k..].starts_with(pat))
            .map_or(b.len(), |k| k + pat.len())
    };
    match (at(i), at(i + 1)) {
        (b'/', b'/') => Some(find(i, b"\n")),
        (b'/', b'*') => Some(find(i + 2, b"*/")),
        (b'"', _) => {
            let mut k = i + 1;
            while k < b.len() && b[k] != b'"' {
                k += if b[k] == b'\\' { 2 } else { 1 };
            }
            Some(k + 1)
        }
        (b'r', b'"' | b'#')
            if i == 0 || !(at(i - 1).is_ascii_alphanumeric() || at(i - 1) == b'_') =>
        {
            let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
            if at(i + 1 + hashes) != b'"' {
                return None;
            }
            let close = format!("\"{}", "#".repeat(hashes));
            Some(find(i + 2 + hashes, close.as_bytes()))
        }
        (b'\'', b'\\') => Some(find(i + 2, b"'")),
        (b'\'', _) if at(i + 2) == b'\'' => Some(i + 3),
        _ => None,
    }
}

/// The length of the item that starts `s` (after an attribute): up to its
/// `;` or its closing `}`, brackets, comments and strings skipped.
fn item_len(s: &str) -> usize {
    let b = s.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        if let Some(end) = skip_literal(b, i) {
            i = end;
            continue;
        }
        match b[i] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' => depth = depth.saturating_sub(1),
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            b';' if depth == 0 => return i + 1,
            _ => {}
        }
        i += 1;
    }
    b.len()
}

/// The text without the items under `#[cfg(test)]`.
fn without_tests(text: &str) -> String {
    const MARK: &str = "#[cfg(test)]";
    let mut kept = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(MARK) {
        kept.push_str(&rest[..at]);
        let after = &rest[at + MARK.len()..];
        rest = &after[item_len(after).min(after.len())..];
    }
    kept.push_str(rest);
    kept
}

/// `a::{b, c::{d, e}}` as `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let (Some(open), true) = (tree.find('{'), tree.ends_with('}')) else {
        return vec![tree.to_string()];
    };
    let prefix = &tree[..open];
    let body = &tree[open + 1..tree.len() - 1];
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut current = String::new();
    for ch in body.chars() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        if ch == ',' && depth == 0 {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(ch);
        }
    }
    if !current.trim().is_empty() {
        parts.push(current);
    }
    parts
        .iter()
        .flat_map(|part| expand(part))
        .map(|path| format!("{prefix}{path}"))
        .collect()
}

/// The deepest file a path written in `module` reaches, if it names one.
fn resolve(files: &BTreeSet<Module>, module: &Module, path: &str) -> Option<Module> {
    let segments: Vec<&str> = path.split("::").map(str::trim).collect();
    let (mut current, rest): (Module, &[&str]) = match segments[0] {
        "crate" => (Vec::new(), &segments[1..]),
        "super" => {
            let ups = segments.iter().take_while(|&&s| s == "super").count();
            let keep = module.len().saturating_sub(ups);
            (module[..keep].to_vec(), &segments[ups..])
        }
        "self" => (module.clone(), &segments[1..]),
        first => {
            let mut child = module.clone();
            child.push(first.to_string());
            if !files.contains(&child) {
                return None;
            }
            (module.clone(), &segments[..])
        }
    };
    let mut best = files.contains(&current).then(|| current.clone());
    for segment in rest {
        let segment = segment.split(" as ").next().unwrap().trim();
        current.push(segment.to_string());
        if files.contains(&current) {
            best = Some(current.clone());
        } else {
            break;
        }
    }
    best
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Every `use` tree (`use a::{b, c};` gives `a::{b, c}`).
fn use_trees(code: &str) -> Vec<String> {
    let chars: Vec<char> = code.chars().collect();
    let mut trees = Vec::new();
    let mut i = 0;
    while i + 3 < chars.len() {
        let starts_word = i == 0 || !is_word(chars[i - 1]);
        if starts_word && chars[i..i + 3] == ['u', 's', 'e'] && chars[i + 3].is_whitespace() {
            let end = (i + 3..chars.len()).find(|&k| chars[k] == ';');
            let Some(end) = end else { break };
            trees.push(chars[i + 4..end].iter().collect());
            i = end;
        }
        i += 1;
    }
    trees
}

/// Every path of two or more segments whose first is a lower-case name
/// (`crate::trace::Event`, `super::link`, `kafka::protocol::Acks`).
fn paths(code: &str) -> Vec<String> {
    let chars: Vec<char> = code.chars().collect();
    let lower = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_';
    let ident_start = |c: char| c.is_ascii_alphabetic() || c == '_';
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let free = i == 0 || !(is_word(chars[i - 1]) || chars[i - 1] == ':');
        if !(free && (chars[i].is_ascii_lowercase() || chars[i] == '_')) {
            i += 1;
            continue;
        }
        let mut end = i;
        while end < chars.len() && lower(chars[end]) {
            end += 1;
        }
        let mut segments = 0;
        while end + 2 < chars.len()
            && chars[end] == ':'
            && chars[end + 1] == ':'
            && ident_start(chars[end + 2])
        {
            end += 2;
            while end < chars.len() && ident(chars[end]) {
                end += 1;
            }
            segments += 1;
        }
        if segments > 0 {
            found.push(chars[i..end].iter().collect());
        }
        i = end.max(i + 1);
    }
    found
}

/// Which files each file imports.
fn import_graph() -> BTreeMap<Module, BTreeSet<Module>> {
    let sources = sources();
    let files: BTreeSet<Module> = sources.keys().cloned().collect();
    let mut graph = BTreeMap::new();
    for (module, text) in &sources {
        let code = without_tests(text);
        let mut written: Vec<String> = use_trees(&code).iter().flat_map(|t| expand(t)).collect();
        written.extend(paths(&code));
        let imports: BTreeSet<Module> = written
            .iter()
            .filter_map(|path| resolve(&files, module, &path.replace('\n', " ")))
            .filter(|target| target != module && !target.is_empty())
            .collect();
        graph.insert(module.clone(), imports);
    }
    graph
}

/// Tarjan's strongly connected components.
fn circles(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct Walk<'a> {
        graph: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        on_stack: BTreeSet<&'a Module>,
        found: Vec<Vec<Module>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, v: &'a Module) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in &self.graph[v] {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                loop {
                    let w = self.stack.pop().unwrap();
                    self.on_stack.remove(w);
                    component.push(w.clone());
                    if w == v {
                        break;
                    }
                }
                component.sort();
                self.found.push(component);
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !walk.index.contains_key(v) {
            walk.visit(v);
        }
    }
    walk.found.retain(|c| c.len() > 1);
    walk.found.sort_by_key(|c| std::cmp::Reverse(c.len()));
    walk.found
}

#[test]
fn no_import_circle_holds_more_than_three_files() {
    let graph = import_graph();
    assert!(
        graph.len() > 50 && graph.values().any(|i| !i.is_empty()),
        "the source walk found too little: {} files",
        graph.len()
    );
    let found = circles(&graph);
    for circle in &found {
        let names: Vec<String> = circle.iter().map(name).collect();
        println!("{} files: {}", circle.len(), names.join(", "));
    }
    let too_big: Vec<String> = found
        .iter()
        .filter(|c| c.len() > MOST_FILES_IN_A_CIRCLE)
        .map(|c| {
            let names: Vec<String> = c.iter().map(name).collect();
            format!("{} files: {}", c.len(), names.join(", "))
        })
        .collect();
    assert!(
        too_big.is_empty(),
        "import circles of more than {MOST_FILES_IN_A_CIRCLE} files in src/ (a shared file \
         imports behaviour; name the data-only file instead, or move the type down):\n{}",
        too_big.join("\n")
    );
}

#[test]
fn systems_protocol_and_events_files_do_not_glob_their_parent() {
    let root = src().join("systems");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let globbing: Vec<String> = files
        .iter()
        .filter(|p| {
            matches!(
                p.file_name().and_then(|n| n.to_str()),
                Some("protocol.rs" | "events.rs")
            )
        })
        .filter(|p| fs::read_to_string(p).unwrap().contains("use super::*"))
        .map(|p| p.strip_prefix(src()).unwrap().display().to_string())
        .collect();
    assert!(
        globbing.is_empty(),
        "data-only files must name what they import, not take the behaviour's `use super::*`: {globbing:?}"
    );
}

#[test]
fn the_import_graph_sees_what_the_files_say() {
    // The walk itself, on the lines it must read: the shared layer imports
    // the data-only files, and a test module imports nothing.
    let graph = import_graph();
    let m = |s: &str| -> Module { s.split('/').map(String::from).collect() };
    assert!(graph[&m("wire")].contains(&m("systems/mirrored/protocol")));
    assert!(graph[&m("out")].contains(&m("systems/timer")));
    assert!(!graph[&m("out")].contains(&m("systems")));
    assert_eq!(
        without_tests(
            "a\n#[cfg(test)]\nmod tests;\nb\n#[cfg(test)]\nmod t { fn f() { '}'; \"}\"; } }\nc"
        ),
        "a\n\nb\n\nc"
    );
    assert_eq!(
        expand("crate::a::{b, c::{d, e as f}}"),
        ["crate::a::b", "crate::a::c::d", "crate::a::c::e as f"]
    );
}

/// Issue 13: a file the next engineer can read in one sitting. Tests
/// beside the code do not count.
const MAX_LINES: usize = 1_200;

#[test]
fn no_source_file_is_over_twelve_hundred_lines_of_code() {
    let long: Vec<String> = sources()
        .iter()
        .map(|(module, text)| (name(module), without_tests(text).lines().count()))
        .filter(|(_, lines)| *lines > MAX_LINES)
        .map(|(file, lines)| format!("{file}: {lines} lines"))
        .collect();
    assert!(
        long.is_empty(),
        "split these along their sections (see docs/ARCHITECTURE.md):\n{}",
        long.join("\n")
    );
}
