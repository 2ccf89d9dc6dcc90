//! The import graph of `src/` between files is one-way: no file reaches, through its imports,
//! back to itself. Read from the sources (comments and string literals left out): every
//! `crate::`, `super::`, `self::` and child-module path, in `use` trees and in code, is an edge
//! from the file that writes it to the file that holds the module it names. A `mod` declaration
//! is not an edge; a re-export (`pub use child::X`) is.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

#[test]
fn the_import_graph_of_src_has_no_circle() {
    let graph = ImportGraph::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("src").as_path());
    assert!(
        graph.files.len() > 40,
        "read {} files only",
        graph.files.len()
    );
    let circles = graph.circles();
    let described: Vec<String> = circles
        .iter()
        .map(|circle| {
            let mut lines = vec![circle.join(" , ")];
            for from in circle {
                for to in &graph.edges[from] {
                    if circle.contains(to) {
                        lines.push(format!("    {from} -> {to}"));
                    }
                }
            }
            lines.join("\n")
        })
        .collect();
    assert!(
        circles.is_empty(),
        "import circles between files in src/:\n{}",
        described.join("\n")
    );
}

/// The modules of `src/` from the top of the flow down (ARCHITECTURE.md explains each row). A
/// module imports only modules of rows below its own.
const LAYERS: &[&[&str]] = &[
    &["main", "lib"],
    &["listen"],
    &["ui"],
    &["replay"],
    &["capture", "headless"],
    &["config"],
    &["cli", "ingest"],
    &["export", "simulate"],
    &["store", "checks", "chaos", "answer"],
    &["decode", "analysis", "filter", "sender", "diff"],
    &["event", "files"],
    &["alloc", "intern", "sanitize", "words"],
];

#[test]
fn each_module_imports_only_modules_below_it() {
    let graph = ImportGraph::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("src").as_path());
    let top = |file: &str| {
        file.trim_end_matches(".rs")
            .split('/')
            .next()
            .unwrap_or("")
            .to_owned()
    };
    let row = |module: &str| LAYERS.iter().position(|row| row.contains(&module));
    let mut wrong = Vec::new();
    for (from, targets) in &graph.edges {
        let Some(from_row) = row(&top(from)) else {
            wrong.push(format!(
                "{from}: module `{}` is in no row of LAYERS",
                top(from)
            ));
            continue;
        };
        for to in targets {
            if top(to) == top(from) {
                continue;
            }
            match row(&top(to)) {
                Some(to_row) if to_row > from_row => {}
                _ => wrong.push(format!("{from} imports {to}, which is not below it")),
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_checker_sees_use_trees_super_paths_and_inline_paths() {
    let dir = std::env::temp_dir().join(format!("hookscope-arch-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("a")).unwrap();
    fs::write(dir.join("lib.rs"), "pub mod a;\npub mod b;\npub mod c;\n").unwrap();
    fs::write(
        dir.join("a.rs"),
        "pub mod x;\npub mod y;\n// use crate::c; in a comment is no edge\nconst S: &str = \"crate::c::Z\";\n",
    )
    .unwrap();
    fs::write(
        dir.join("a/x.rs"),
        "use super::{y::{self, Thing}, Other};\n",
    )
    .unwrap();
    fs::write(dir.join("a/y.rs"), "fn f() { crate::b::go(); }\n").unwrap();
    fs::write(
        dir.join("b.rs"),
        "use crate::{c};\nmod tests { use super::*; fn t() { let _ = '\"'; } }\n",
    )
    .unwrap();
    fs::write(
        dir.join("c.rs"),
        "fn g<'a>(s: &'a str) { crate::a::x::run(s) }\n",
    )
    .unwrap();
    let graph = ImportGraph::read(&dir);
    let _ = fs::remove_dir_all(&dir);

    let edges = |from: &str| graph.edges[from].iter().cloned().collect::<Vec<_>>();
    assert_eq!(
        edges("a.rs"),
        Vec::<String>::new(),
        "comments and strings are no edges"
    );
    assert_eq!(edges("a/x.rs"), vec!["a.rs", "a/y.rs"]);
    assert_eq!(edges("a/y.rs"), vec!["b.rs"]);
    assert_eq!(edges("b.rs"), vec!["c.rs"]);
    assert_eq!(edges("c.rs"), vec!["a/x.rs"]);
    assert_eq!(
        graph.circles(),
        vec![vec!["a/x.rs", "a/y.rs", "b.rs", "c.rs"]],
        "x -> y -> b -> c -> x is one circle"
    );
}

/// Files (by path under `src/`, `/`-separated) and the files each one imports.
struct ImportGraph {
    files: BTreeMap<Vec<String>, String>,
    edges: BTreeMap<String, BTreeSet<String>>,
}

impl ImportGraph {
    fn read(src: &Path) -> Self {
        let mut paths = Vec::new();
        collect_rs(src, &mut paths);
        let mut files = BTreeMap::new();
        for path in &paths {
            let rel = path
                .strip_prefix(src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            files.insert(module_of(&rel), rel);
        }
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for path in &paths {
            let rel = path
                .strip_prefix(src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let module = module_of(&rel);
            let code = strip_comments_and_literals(&fs::read_to_string(path).unwrap());
            let targets = edges.entry(rel.clone()).or_default();
            for resolved in paths_in(&code, &module) {
                if let Some(target) = file_of(&resolved, &files)
                    && target != rel
                {
                    targets.insert(target);
                }
            }
        }
        ImportGraph { files, edges }
    }

    /// The strongly connected components with more than one file, each sorted.
    fn circles(&self) -> Vec<Vec<String>> {
        let nodes: Vec<&String> = self.edges.keys().collect();
        let index_of: BTreeMap<&String, usize> =
            nodes.iter().enumerate().map(|(i, n)| (*n, i)).collect();
        let adjacency: Vec<Vec<usize>> = nodes
            .iter()
            .map(|n| {
                self.edges[*n]
                    .iter()
                    .filter_map(|t| index_of.get(t).copied())
                    .collect()
            })
            .collect();
        let mut tarjan = Tarjan {
            adjacency: &adjacency,
            index: vec![None; nodes.len()],
            low: vec![0; nodes.len()],
            on_stack: vec![false; nodes.len()],
            stack: Vec::new(),
            next: 0,
            components: Vec::new(),
        };
        for node in 0..nodes.len() {
            if tarjan.index[node].is_none() {
                tarjan.visit(node);
            }
        }
        let mut circles: Vec<Vec<String>> = tarjan
            .components
            .into_iter()
            .filter(|c| c.len() > 1)
            .map(|c| {
                let mut names: Vec<String> = c.into_iter().map(|i| nodes[i].clone()).collect();
                names.sort();
                names
            })
            .collect();
        circles.sort();
        circles
    }
}

struct Tarjan<'a> {
    adjacency: &'a [Vec<usize>],
    index: Vec<Option<usize>>,
    low: Vec<usize>,
    on_stack: Vec<bool>,
    stack: Vec<usize>,
    next: usize,
    components: Vec<Vec<usize>>,
}

impl Tarjan<'_> {
    fn visit(&mut self, node: usize) {
        self.index[node] = Some(self.next);
        self.low[node] = self.next;
        self.next += 1;
        self.stack.push(node);
        self.on_stack[node] = true;
        for &next in &self.adjacency[node] {
            match self.index[next] {
                None => {
                    self.visit(next);
                    self.low[node] = self.low[node].min(self.low[next]);
                }
                Some(index) if self.on_stack[next] => {
                    self.low[node] = self.low[node].min(index);
                }
                Some(_) => {}
            }
        }
        if Some(self.low[node]) == self.index[node] {
            let mut component = Vec::new();
            while let Some(top) = self.stack.pop() {
                self.on_stack[top] = false;
                component.push(top);
                if top == node {
                    break;
                }
            }
            self.components.push(component);
        }
    }
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `decode/wms.rs` → `["decode", "wms"]`; `lib.rs` and `main.rs` are the crate root.
fn module_of(rel: &str) -> Vec<String> {
    let stem = rel.trim_end_matches(".rs");
    if stem == "lib" || stem == "main" {
        return Vec::new();
    }
    stem.split('/').map(str::to_owned).collect()
}

/// The file holding the longest module prefix of `path`.
fn file_of(path: &[String], files: &BTreeMap<Vec<String>, String>) -> Option<String> {
    (0..=path.len())
        .rev()
        .find_map(|len| files.get(&path[..len]).cloned())
}

/// Blanks out comments, string and char literals, keeping every other byte in place.
fn strip_comments_and_literals(source: &str) -> String {
    let bytes = source.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        if rest.starts_with(b"//") {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if rest.starts_with(b"/*") {
            let mut depth = 0;
            while i < bytes.len() {
                if bytes[i..].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if bytes[i..].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(b' ');
        } else if let Some(hashes) = raw_string_start(rest) {
            // r"…", r#"…"#, br#"…"#
            let prefix = rest.iter().position(|&b| b == b'"').unwrap();
            i += prefix + 1;
            let mut closing = vec![b'"'];
            closing.extend(std::iter::repeat_n(b'#', hashes));
            while i < bytes.len() && !bytes[i..].starts_with(&closing) {
                i += 1;
            }
            i += closing.len();
            out.extend_from_slice(b"\"\"");
        } else if bytes[i] == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.extend_from_slice(b"\"\"");
        } else if bytes[i] == b'\'' {
            // A char literal ('x', '\n', '\u{1b}') or a lifetime ('a).
            if let Some(len) = char_literal_len(rest) {
                i += len;
                out.extend_from_slice(b"' '");
            } else {
                out.push(b'\'');
                i += 1;
            }
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn raw_string_start(rest: &[u8]) -> Option<usize> {
    let after = rest
        .strip_prefix(b"br")
        .or_else(|| rest.strip_prefix(b"r"))?;
    let hashes = after.iter().take_while(|&&b| b == b'#').count();
    (after.get(hashes) == Some(&b'"')).then_some(hashes)
}

fn char_literal_len(rest: &[u8]) -> Option<usize> {
    if rest.get(1) == Some(&b'\\') {
        let close = rest[2..].iter().position(|&b| b == b'\'')?;
        return Some(close + 3);
    }
    let text = std::str::from_utf8(&rest[1..rest.len().min(6)])
        .unwrap_or_else(|e| std::str::from_utf8(&rest[1..1 + e.valid_up_to()]).unwrap_or_default());
    let first = text.chars().next()?;
    let after = 1 + first.len_utf8();
    (rest.get(after) == Some(&b'\'')).then_some(after + 1)
}

/// Every module path the code names, resolved to an absolute path from the crate root.
fn paths_in(code: &str, file_module: &[String]) -> Vec<Vec<String>> {
    let tokens = tokenize(code);
    // Child modules declared in this file (`mod x;` or `mod x {`), and inline modules with the
    // brace depth they close at, so that `super::` inside `mod tests { … }` means this file.
    let mut children: BTreeSet<String> = BTreeSet::new();
    for window in tokens.windows(2) {
        if window[0] == "mod" && is_ident(&window[1]) {
            children.insert(window[1].clone());
        }
    }
    let mut out = Vec::new();
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < tokens.len() {
        let token = tokens[i].as_str();
        match token {
            "{" => depth += 1,
            "}" => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
            }
            "mod" if tokens.get(i + 2).is_some_and(|t| t == "{") => {
                inline.push((tokens[i + 1].clone(), depth));
            }
            _ => {}
        }
        let mut here: Vec<String> = file_module.to_vec();
        here.extend(inline.iter().map(|(name, _)| name.clone()));
        let previous_is_path = i > 0 && tokens[i - 1] == "::";
        let starts_path = tokens.get(i + 1).is_some_and(|t| t == "::") && !previous_is_path;
        if starts_path {
            let base: Option<Vec<String>> = match token {
                "crate" | "hookscope" => Some(Vec::new()),
                "self" => Some(here.clone()),
                "super" => Some(here[..here.len().saturating_sub(1)].to_vec()),
                name if children.contains(name) && inline.is_empty() => {
                    let mut base = file_module.to_vec();
                    base.push(name.to_owned());
                    Some(base)
                }
                _ => None,
            };
            if let Some(base) = base {
                let (paths, next) = parse_tree(&tokens, i + 2, base);
                out.extend(paths);
                i = next;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Parses a path (or a `use` tree) from `tokens[at]`, after `prefix::`.
fn parse_tree(tokens: &[String], mut at: usize, prefix: Vec<String>) -> (Vec<Vec<String>>, usize) {
    let mut path = prefix;
    loop {
        match tokens.get(at).map(String::as_str) {
            Some("{") => {
                let mut out = Vec::new();
                at += 1;
                while let Some(token) = tokens.get(at) {
                    match token.as_str() {
                        "}" => {
                            at += 1;
                            break;
                        }
                        "," => at += 1,
                        _ => {
                            let (paths, next) = parse_tree(tokens, at, path.clone());
                            out.extend(paths);
                            at = next.max(at + 1);
                        }
                    }
                }
                return (out, at);
            }
            Some("super") => {
                path.pop();
                at += 1;
            }
            Some("self") => at += 1,
            Some(name) if is_ident(name) => {
                path.push(name.to_owned());
                at += 1;
            }
            _ => return (vec![path], at),
        }
        if tokens.get(at).is_some_and(|t| t == "::") {
            at += 1;
        } else {
            return (vec![path], at);
        }
    }
}

fn is_ident(token: &str) -> bool {
    token
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && token.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// Identifiers, `::`, and every other punctuation byte as its own token.
fn tokenize(code: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(chars[start..i].iter().collect());
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            tokens.push("::".to_owned());
            i += 2;
        } else if c.is_whitespace() {
            i += 1;
        } else {
            tokens.push(c.to_string());
            i += 1;
        }
    }
    tokens
}
