//! No two files of `backend/src` import each other, directly or through others: each layer and
//! domain can be read (and moved) without the rest of the cycle. A file's own descendants may
//! use it (`super::…`); only imports that leave a file's subtree count.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module path (`crate::graphql::context`) → the modules its `use` lines and `crate::…` paths
/// name.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = BTreeMap::new();
    collect(src, src, &mut files);
    let modules: BTreeSet<String> = files.keys().cloned().collect();
    files
        .iter()
        .map(|(module, text)| {
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            // Comments name modules too; only code counts.
            let code: String = code
                .lines()
                .map(|line| line.split("//").next().unwrap_or_default())
                .collect::<Vec<_>>()
                .join("\n");
            let targets = paths_in(&code)
                .into_iter()
                .filter_map(|path| resolve(module, &path, &modules))
                .filter(|target| target != module && !module.starts_with(&format!("{target}::")))
                .collect();
            (module.clone(), targets)
        })
        .collect()
}

fn collect(root: &Path, dir: &Path, files: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            collect(root, &path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path.strip_prefix(root).expect("inside").with_extension("");
            let relative = relative.to_string_lossy().replace('/', "::");
            let module = match relative.as_str() {
                "lib" | "main" => "crate".to_owned(),
                other => format!("crate::{other}"),
            };
            files.insert(module, std::fs::read_to_string(&path).expect("read a file"));
        }
    }
}

/// Every path a `use` declaration names (braces expanded), and every `crate::…` path in code.
fn paths_in(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for statement in code.split(';') {
        let statement = statement.trim();
        let Some(rest) = statement
            .strip_prefix("pub use ")
            .or_else(|| statement.strip_prefix("pub(crate) use "))
            .or_else(|| statement.strip_prefix("pub(super) use "))
            .or_else(|| statement.strip_prefix("use "))
            .or_else(|| statement.split_once("\nuse ").map(|(_, r)| r))
        else {
            continue;
        };
        let compact: String = rest.chars().filter(|c| !c.is_whitespace()).collect();
        expand(&compact, &mut paths);
    }
    for (at, _) in code.match_indices("crate::") {
        let path: String = code[at..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        paths.push(path);
    }
    paths
}

/// `a::{b, c::{d}}` → `a::b`, `a::c::d`.
fn expand(tree: &str, out: &mut Vec<String>) {
    let Some(open) = tree.find('{') else {
        out.push(tree.split(" as ").next().unwrap_or(tree).to_owned());
        return;
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut depth = 0;
    let mut item = String::new();
    let mut items = Vec::new();
    for c in inner.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(std::mem::take(&mut item));
                continue;
            }
            _ => {}
        }
        item.push(c);
    }
    items.push(item);
    for item in items.iter().filter(|i| !i.is_empty()) {
        if item == "self" {
            out.push(prefix.trim_end_matches("::").to_owned());
        } else {
            expand(&format!("{prefix}{item}"), out);
        }
    }
}

/// The longest module a path starts with, from `module`'s point of view.
fn resolve(module: &str, path: &str, modules: &BTreeSet<String>) -> Option<String> {
    let mut parts: Vec<&str> = path.split("::").collect();
    let mut base: Vec<&str> = match parts.first() {
        Some(&"crate") => {
            parts.remove(0);
            vec!["crate"]
        }
        Some(&"super") => {
            let mut base: Vec<&str> = module.split("::").collect();
            while parts.first() == Some(&"super") {
                parts.remove(0);
                base.pop();
            }
            base
        }
        Some(&"self") => {
            parts.remove(0);
            module.split("::").collect()
        }
        _ => {
            // A child module named directly (`use child::Item;`).
            let mut base: Vec<&str> = module.split("::").collect();
            base.push(parts.first()?);
            if !modules.contains(&base.join("::")) {
                return None;
            }
            parts.remove(0);
            base
        }
    };
    let mut found = modules.contains(&base.join("::")).then(|| base.join("::"));
    for part in parts {
        base.push(part);
        let candidate = base.join("::");
        if modules.contains(&candidate) {
            found = Some(candidate);
        }
    }
    found
}

/// Groups of modules that reach each other (Tarjan's strongly connected components).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Walk<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(walk: &mut Walk<'a>, node: &'a str) {
        let n = walk.index.len();
        walk.index.insert(node, n);
        walk.low.insert(node, n);
        walk.stack.push(node);
        for next in walk.graph.get(node).into_iter().flatten() {
            let next = next.as_str();
            if !walk.index.contains_key(next) {
                visit(walk, next);
                let low = walk.low[node].min(walk.low[next]);
                walk.low.insert(node, low);
            } else if walk.stack.contains(&next) {
                let low = walk.low[node].min(walk.index[next]);
                walk.low.insert(node, low);
            }
        }
        if walk.low[node] == walk.index[node] {
            let mut group = Vec::new();
            while let Some(member) = walk.stack.pop() {
                group.push(member.to_owned());
                if member == node {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                walk.found.push(group);
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for node in graph.keys() {
        if !walk.index.contains_key(node.as_str()) {
            visit(&mut walk, node);
        }
    }
    walk.found
}

#[test]
fn no_file_of_the_backend_imports_a_file_that_imports_it_back() {
    // At run time: a build shared with another checkout may carry that checkout's folder.
    let package =
        std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned());
    let src = Path::new(&package).join("src");
    let graph = module_graph(&src);
    assert!(graph.len() > 50, "the walk found the sources");
    assert!(
        graph["crate::graphql::loader"].contains("crate::graphql::shared_tx"),
        "imports are read"
    );
    let found = cycles(&graph);
    assert!(found.is_empty(), "import cycles in backend/src: {found:#?}");
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("crate::a", vec!["crate::b"]),
        ("crate::b", vec!["crate::c"]),
        ("crate::c", vec!["crate::a"]),
        ("crate::d", vec!["crate::a"]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
    .collect();
    assert_eq!(cycles(&graph), [["crate::a", "crate::b", "crate::c"]]);
}
