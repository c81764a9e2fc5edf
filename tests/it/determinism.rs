//! Output is a pure function of the inputs: the same repository compiles to
//! the same bytes and the same diagnostics whatever the number of threads and
//! whatever the order its files were handed over in.
#![allow(clippy::disallowed_methods)]

use std::path::Path;

use platc::report::{self, Style};
use platc::{Compilation, Workspace, diff};

use crate::support::{fixture, load};

/// Thread counts every compilation is repeated under.
const THREADS: &[usize] = &[1, 2, 8];
/// Runs per thread count: a race shows up on some runs only.
const RUNS: usize = 3;

/// Compiles `workspace` inside a rayon pool of `threads` threads.
fn compile_with(threads: usize, workspace: &Workspace) -> Compilation {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a thread pool");
    pool.install(|| platc::compile(workspace))
}

/// Every file of the tree, by path.
fn files(compilation: &Compilation) -> Vec<(String, String)> {
    compilation.files.iter().map(|(path, text)| (path.to_owned(), text.to_owned())).collect()
}

/// Every diagnostic as a person sees it, without colour.
fn rendered(compilation: &Compilation) -> Vec<String> {
    let style = Style { color: false, width: 100 };
    compilation.diagnostics.iter().map(|diagnostic| report::human(diagnostic, &compilation.sources, style)).collect()
}

/// `(path, text)` of every file under `root`, in path order.
fn files_on_disk(root: &Path) -> Vec<(String, String)> {
    fn walk(root: &Path, folder: &Path, out: &mut Vec<(String, String)>) {
        let entries = std::fs::read_dir(folder).unwrap_or_else(|error| panic!("{}: {error}", folder.display()));
        for entry in entries {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let relative = path.strip_prefix(root).expect("under the root").to_string_lossy().replace('\\', "/");
                let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
                out.push((relative, text));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

/// A fixed permutation (Fisher–Yates driven by xorshift from a constant
/// seed): "shuffled", but the same on every run.
fn shuffled<T>(mut items: Vec<T>, seed: u64) -> Vec<T> {
    let mut state = seed | 1;
    for i in (1..items.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let j = usize::try_from(state % (i as u64 + 1)).expect("below the length");
        items.swap(i, j);
    }
    items
}

#[test]
fn the_monorepo_compiles_to_the_same_files_and_diagnostics_on_any_number_of_threads() {
    let workspace = load("monorepo");
    let reference = compile_with(1, &workspace);
    assert!(!reference.diagnostics.has_errors(), "{:?}", reference.diagnostics);
    assert!(reference.files.len() > 30, "the monorepo should produce many files, got {}", reference.files.len());
    let reference_files = files(&reference);
    let reference_diagnostics = rendered(&reference);
    for &threads in THREADS {
        for run in 0..RUNS {
            let compilation = compile_with(threads, &workspace);
            assert_eq!(files(&compilation), reference_files, "{threads} threads, run {run}: other files");
            assert_eq!(
                rendered(&compilation),
                reference_diagnostics,
                "{threads} threads, run {run}: other diagnostics"
            );
            let services: Vec<(&str, &str)> = compilation
                .services
                .iter()
                .map(|service| (service.name.as_str(), service.environment.as_str()))
                .collect();
            let expected: Vec<(&str, &str)> = reference
                .services
                .iter()
                .map(|service| (service.name.as_str(), service.environment.as_str()))
                .collect();
            assert_eq!(services, expected, "{threads} threads, run {run}: services in another order");
        }
    }
    // And the tree is the committed one, so "identical" is not "identically wrong".
    assert_eq!(diff::drift(&workspace, &reference.files), Vec::new());
}

#[test]
fn the_order_files_are_handed_over_in_does_not_change_the_tree() {
    let on_disk = files_on_disk(&fixture("monorepo"));
    assert!(on_disk.iter().any(|(path, _)| path == "platform.kdl"));
    assert!(
        on_disk.iter().filter(|(path, _)| path.ends_with("/platc.kdl") || path.ends_with("/platc.yaml")).count() >= 5
    );

    let forward = on_disk.clone();
    let reversed: Vec<(String, String)> = on_disk.iter().rev().cloned().collect();
    let shuffles: Vec<Vec<(String, String)>> =
        [0x9e37_79b9_7f4a_7c15, 0xdead_beef, 42].iter().map(|&seed| shuffled(on_disk.clone(), seed)).collect();
    assert_ne!(shuffles[0], forward, "the permutation should move something");
    assert_ne!(shuffles[0], reversed, "the permutation should not be a plain reversal");

    let from_disk = platc::compile(&load("monorepo"));
    assert!(!from_disk.diagnostics.has_errors());
    let orders = [("forward", forward), ("reversed", reversed)].into_iter().chain(
        shuffles
            .into_iter()
            .enumerate()
            .map(|(index, files)| (["shuffled 1", "shuffled 2", "shuffled 3"][index], files)),
    );
    for (name, order) in orders {
        let workspace = Workspace::from_files(order);
        for &threads in THREADS {
            let compilation = compile_with(threads, &workspace);
            // The same diagnostics (the fixture's deliberate waiver) in any order.
            assert_eq!(rendered(&compilation), rendered(&from_disk), "{name}, {threads} threads: other diagnostics");
            assert_eq!(compilation.files, from_disk.files, "{name}, {threads} threads: another tree than from disk");
            assert_eq!(
                diff::drift(&workspace, &compilation.files),
                Vec::new(),
                "{name}, {threads} threads: the in-memory copy of the committed tree is stale"
            );
        }
    }
}

/// Seven services, five with errors of every stage, and a platform with one.
const BROKEN: &[(&str, &str)] = &[
    ("platform.kdl", "environments staging production\ntier fast {\n    replica 2\n}\n"),
    (
        "services/a/platc.kdl",
        "service a {\n    owner web-team\n    image \"ghcr.io/acme/a:1.0.0\"\n    prot 8080\n    replicas lots\n}\n",
    ),
    (
        "services/b/platc.yaml",
        "service:\n  name: b\n  owner: web-team\n  image: ghcr.io/acme/b:1.0.0\n  port: eighty\n",
    ),
    (
        "services/c/platc.kdl",
        "service c {\n    owner web-team\n    tier turbo\n    image \"ghcr.io/acme/c:1.0.0\"\n    port 8080\n}\n",
    ),
    ("services/d/platc.kdl", "service d {\n    owner web-team\n    image \"ghcr.io/acme/d:1.0.0\n    port 8080\n}\n"),
    ("services/e/platc.kdl", "service e {\n    owner web-team\n    image \"ghcr.io/acme/e:1.0.0\"\n    port 8080\n}\n"),
    ("services/f/platc.kdl", "service e {\n    owner web-team\n    image \"ghcr.io/acme/f:1.0.0\"\n    port 8080\n}\n"),
    (
        "services/g/platc.kdl",
        "service g {\n    owner web-team\n    image \"ghcr.io/acme/g:1.0.0\"\n    port 8080\n    depends-on nowhere\n}\n",
    ),
    (
        "services/h/platc.kdl",
        "service h {\n    owner web-team\n    image \"ghcr.io/acme/h:1.0.0\"\n    replicas min=5 max=2\n    port 8080\n}\n",
    ),
];

/// `(path, line, column, code)` of every diagnostic, in reported order.
fn positions(compilation: &Compilation) -> Vec<(String, usize, usize, &'static str)> {
    compilation
        .diagnostics
        .iter()
        .map(|diagnostic| {
            let file = compilation.sources.get(diagnostic.primary.span.file);
            let (line, column) = file.line_column(diagnostic.primary.span.start);
            (file.path.clone(), line, column, diagnostic.code)
        })
        .collect()
}

#[test]
fn diagnostics_of_many_broken_services_are_sorted_by_file_and_position_on_any_number_of_threads() {
    let reference = compile_with(1, &Workspace::from_files(BROKEN.iter().copied()));
    assert!(reference.diagnostics.has_errors());
    assert!(reference.files.is_empty(), "nothing is generated when any spec has an error");

    let found = positions(&reference);
    let keys: Vec<(&str, u32)> = reference
        .diagnostics
        .iter()
        .map(|diagnostic| {
            let span = diagnostic.primary.span;
            (reference.sources.get(span.file).path.as_str(), span.start)
        })
        .collect();
    assert!(keys.is_sorted(), "diagnostics out of (path, position) order: {found:#?}");
    let files: std::collections::BTreeSet<&str> = keys.iter().map(|(path, _)| *path).collect();
    for path in ["platform.kdl", "services/a/platc.kdl", "services/b/platc.yaml", "services/c/platc.kdl"] {
        assert!(files.contains(path), "no diagnostic for {path}: {found:#?}");
    }
    for path in ["services/d/platc.kdl", "services/f/platc.kdl", "services/g/platc.kdl", "services/h/platc.kdl"] {
        assert!(files.contains(path), "no diagnostic for {path}: {found:#?}");
    }
    assert!(!files.contains("services/e/platc.kdl"), "the valid service `e` is only named as the first definition");
    let a: Vec<usize> =
        found.iter().filter(|(path, ..)| path == "services/a/platc.kdl").map(|(_, line, ..)| *line).collect();
    assert_eq!(a, [4, 5], "both mistakes of services/a, in line order: {found:#?}");

    let reference_rendered = rendered(&reference);
    let reversed: Vec<(&str, &str)> = BROKEN.iter().rev().copied().collect();
    let permuted = shuffled(BROKEN.to_vec(), 7);
    for files in [BROKEN.to_vec(), reversed, permuted] {
        let workspace = Workspace::from_files(files);
        for &threads in THREADS {
            for run in 0..RUNS {
                let compilation = compile_with(threads, &workspace);
                assert_eq!(positions(&compilation), found, "{threads} threads, run {run}");
                assert_eq!(rendered(&compilation), reference_rendered, "{threads} threads, run {run}");
                assert!(compilation.files.is_empty());
            }
        }
    }
}
