//! The shape of the code: no import circle between the top-level modules of any crate (a
//! module that reaches `crate::x` from `crate::y` while `x` reaches `y` cannot be read, tested
//! or moved on its own). Reads the sources; test modules and comments are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The code of a file without its comment lines and its `#[cfg(test)]` modules' text after the
/// first one (tests reach into whatever they test).
fn code(text: &str) -> String {
    let before_tests = text.split("#[cfg(test)]").next().unwrap_or("");
    before_tests
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules a piece of code names through `crate::` (`crate::a::b`, and each
/// item of `crate::{a, b::c}`).
fn named_modules(code: &str) -> BTreeSet<String> {
    let ident = |text: &str| -> String {
        text.trim()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut named = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = group.split('}').next().unwrap_or("");
            named.extend(group.split(',').map(ident));
        } else {
            named.insert(ident(rest));
        }
    }
    named.retain(|name| !name.is_empty() && name != "self");
    named
}

/// The modules of one cycle through `graph`, if any.
fn a_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_crate_has_an_import_circle_between_its_modules() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut circles = Vec::new();
    let mut crates_read = 0;
    for entry in std::fs::read_dir(&crates)
        .expect("the crates folder")
        .flatten()
    {
        let src = entry.path().join("src");
        let mut files = Vec::new();
        sources(&src, &mut files);
        if files.is_empty() {
            continue;
        }
        crates_read += 1;
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for file in &files {
            let relative = file.strip_prefix(&src).expect("under src");
            let Some(top) = relative.iter().next().and_then(|c| c.to_str()) else {
                continue;
            };
            let top = top.trim_end_matches(".rs").to_string();
            // The crate roots declare every module; they are not modules of their own.
            if top == "lib" || top == "main" {
                continue;
            }
            let text = std::fs::read_to_string(file).expect("a source file");
            let mut named = named_modules(&code(&text));
            named.remove(&top);
            graph.entry(top).or_default().extend(named);
        }
        let known: BTreeSet<String> = graph.keys().cloned().collect();
        for targets in graph.values_mut() {
            targets.retain(|t| known.contains(t));
        }
        if let Some(cycle) = a_cycle(&graph) {
            circles.push(format!(
                "{}: {}",
                entry.file_name().to_string_lossy(),
                cycle.join(" → ")
            ));
        }
    }
    assert!(crates_read >= 8, "read only {crates_read} crates");
    assert!(circles.is_empty(), "import circles: {circles:#?}");
}

#[test]
fn the_reader_finds_a_circle_it_is_shown() {
    let mut graph = BTreeMap::new();
    graph.insert(
        "a".to_string(),
        named_modules("use crate::{b::X, c};\nfn f() { crate::a::g() }"),
    );
    graph.insert("b".to_string(), named_modules("use crate::a::Y;"));
    graph.insert("c".to_string(), BTreeSet::new());
    assert_eq!(
        graph["a"],
        BTreeSet::from(["a".into(), "b".into(), "c".into()])
    );
    graph.get_mut("a").map(|s| s.remove("a"));
    assert_eq!(
        a_cycle(&graph),
        Some(vec!["a".into(), "b".into(), "a".into()])
    );
    graph.insert("b".to_string(), BTreeSet::new());
    assert_eq!(a_cycle(&graph), None);
}
