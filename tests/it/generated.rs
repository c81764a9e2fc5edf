//! Generated files stay fresh: each test regenerates a committed file and
//! fails if it differs, writing the new text so that only a commit is left
//! to do (rust-analyzer's `ensure_file_contents`).
//!
//! The book (`book/`) is checked here too: every page of `SUMMARY.md`
//! exists, every `{{#include}}` and every relative link resolves, and the
//! text that ranged includes show is recorded so that a shifted fixture is
//! noticed.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use crate::support::{files_under, repo_root};

fn ensure_file_contents(path: &Path, contents: &str) {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    if old == contents {
        return;
    }
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
    panic!("{} was stale and has been regenerated: review and commit it", path.display());
}

#[test]
fn spec_reference_is_fresh() {
    ensure_file_contents(&repo_root().join("book/src/reference/spec_generated.md"), &platc::spec::fields::reference());
}

#[test]
fn policies_reference_is_fresh() {
    ensure_file_contents(&repo_root().join("book/src/reference/policies_generated.md"), &platc::validate::reference());
}

#[test]
fn spec_json_schema_is_fresh() {
    ensure_file_contents(&repo_root().join("schemas/platc.schema.json"), &platc::spec::schema::json_schema_text());
}

// ---- the diagnostics reference ----

/// The files whose first line may name a case's code (as in `diagnostics.rs`).
const SPEC_FILES: &[&str] = &["platform.kdl", "platc.kdl", "platc.yaml"];

/// One folder of `fixtures/invalid/`.
struct InvalidCase {
    name: String,
    code: String,
    /// Every file of the case, `/`-separated, the one naming the code first.
    files: Vec<String>,
}

fn invalid_cases() -> Vec<InvalidCase> {
    let root = repo_root().join("fixtures/invalid");
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let mut files = files_under(&root.join(&name));
            let mut code = None;
            for (index, file) in files.iter().enumerate() {
                if !SPEC_FILES.iter().any(|spec| file.rsplit('/').next() == Some(*spec)) {
                    continue;
                }
                let bytes = std::fs::read(root.join(&name).join(file)).unwrap();
                let first = String::from_utf8_lossy(&bytes).lines().next().unwrap_or_default().to_owned();
                if let Some(found) = first.strip_prefix("// expect:").or_else(|| first.strip_prefix("# expect:")) {
                    code = Some((index, found.trim().to_owned()));
                }
            }
            let (index, code) = code.unwrap_or_else(|| panic!("fixtures/invalid/{name} names no code"));
            let first = files.remove(index);
            files.insert(0, first);
            InvalidCase { name, code, files }
        })
        .collect()
}

/// The first line of an insta snapshot's body: the line after the header's
/// closing `---`.
fn snapshot_body_line(text: &str) -> usize {
    let mut separators = 0;
    for (index, line) in text.lines().enumerate() {
        if line == "---" {
            separators += 1;
            if separators == 2 {
                return index + 2;
            }
        }
    }
    panic!("not an insta snapshot: no header");
}

fn fence_language(file: &str) -> &'static str {
    if file.ends_with(".kdl") {
        "kdl"
    } else if file.ends_with(".yaml") || file.ends_with(".yml") {
        "yaml"
    } else {
        "text"
    }
}

/// `book/src/reference/diagnostics_generated.md`: every case of
/// `fixtures/invalid/`, grouped by code, with its files and what `platc build`
/// prints for it (its snapshot).
fn diagnostics_reference() -> String {
    let root = repo_root();
    let mut by_code: BTreeMap<String, Vec<InvalidCase>> = BTreeMap::new();
    for case in invalid_cases() {
        by_code.entry(case.code.clone()).or_default().push(case);
    }
    let mut out = String::from(
        "<!-- Generated from fixtures/invalid/ and tests/it/snapshots/ by the test suite. Do not edit. -->\n\n",
    );
    out.push_str("| code | cases |\n| --- | --- |\n");
    for (code, cases) in &by_code {
        let _ = writeln!(out, "| [`{code}`](#{}) | {} |", heading_id(code), cases.len());
    }
    out.push('\n');
    for (code, cases) in &by_code {
        let _ = write!(out, "## `{code}`\n\n");
        for case in cases {
            let _ = write!(out, "### `{}`\n\n", case.name);
            for file in &case.files {
                let path = format!("fixtures/invalid/{}/{file}", case.name);
                let bytes = std::fs::read(root.join(&path)).unwrap();
                if String::from_utf8(bytes).is_err() {
                    let _ =
                        write!(out, "`{file}` is not UTF-8 text, which is the mistake, so it is not shown here.\n\n");
                    continue;
                }
                let _ =
                    write!(out, "`{file}`:\n\n```{}\n{{{{#include ../../../{path}}}}}\n```\n\n", fence_language(file));
            }
            let snapshot = format!("tests/it/snapshots/it__diagnostics__invalid__{}.snap", case.name);
            let text = std::fs::read_to_string(root.join(&snapshot))
                .unwrap_or_else(|error| panic!("{snapshot}: {error} (run the diagnostics tests first)"));
            let _ = write!(
                out,
                "`platc build` prints:\n\n```text\n{{{{#include ../../../{snapshot}:{}:}}}}\n```\n\n",
                snapshot_body_line(&text)
            );
        }
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[test]
fn diagnostics_reference_is_fresh() {
    ensure_file_contents(&repo_root().join("book/src/reference/diagnostics_generated.md"), &diagnostics_reference());
}

// ---- the command-line reference ----

/// Runs the CLI in process and returns what it printed on stdout.
fn help(args: &[&str]) -> String {
    let mut all = vec!["platc"];
    all.extend_from_slice(args);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = platc::cli::run(all, &repo_root(), false, &mut out, &mut err);
    assert_eq!(code, platc::cli::OK, "`platc {}`: {}", args.join(" "), String::from_utf8_lossy(&err));
    String::from_utf8(out).unwrap()
}

/// `book/src/reference/cli_generated.md`: `platc --help`, then each
/// command's `--help`, in the order `platc --help` lists them.
fn cli_reference() -> String {
    let top = help(&["--help"]);
    let commands: Vec<String> = top
        .lines()
        .skip_while(|line| *line != "Commands:")
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
        .filter(|command| command != "help")
        .collect();
    assert!(commands.len() >= 4, "no commands found in `platc --help`:\n{top}");
    let mut out = String::from(
        "<!-- Generated from `platc --help` and each command's `--help` by the test suite. Do not edit. -->\n\n",
    );
    let _ = write!(out, "## `platc`\n\n```text\n{}\n```\n\n", top.trim_end());
    for command in &commands {
        let text = help(&[command.as_str(), "--help"]);
        let _ = write!(out, "## `platc {command}`\n\n```text\n{}\n```\n\n", text.trim_end());
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[test]
fn cli_reference_is_fresh() {
    ensure_file_contents(&repo_root().join("book/src/reference/cli_generated.md"), &cli_reference());
}

// ---- the book's links and includes ----

/// One `{{#include target}}` of a page.
struct Include {
    /// As written: `path`, `path:5:`, `path:3:9`, `path::9`, `path:4` or `path:anchor`.
    written: String,
    file: PathBuf,
    /// One-based, inclusive; `None` for the whole file.
    lines: Option<(usize, Option<usize>)>,
    /// The lines between `ANCHOR: name` and `ANCHOR_END: name`.
    anchor: Option<String>,
}

fn includes(page: &Path, text: &str) -> Vec<Include> {
    text.split("{{#include ")
        .skip(1)
        .map(|part| {
            let written = part.split("}}").next().unwrap_or_default().trim().to_owned();
            let mut pieces = written.split(':');
            let path = pieces.next().unwrap_or_default();
            let number =
                |piece: Option<&str>| piece.filter(|piece| !piece.is_empty()).map(|piece| piece.parse().unwrap());
            let (lines, anchor) = match (pieces.next(), pieces.next()) {
                (None, _) => (None, None),
                (Some(name), None) if !name.chars().all(|character| character.is_ascii_digit()) => {
                    (None, Some(name.to_owned()))
                }
                (Some(start), None) => {
                    let line = number(Some(start)).unwrap_or_else(|| panic!("{written}: a line number or range"));
                    (Some((line, Some(line))), None)
                }
                (Some(start), Some(end)) => (Some((number(Some(start)).unwrap_or(1), number(Some(end)))), None),
            };
            Include { file: normalize(&page.parent().unwrap().join(path)), written, lines, anchor }
        })
        .collect()
}

/// `a/b/../c` → `a/c`, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The lines an include shows, or why it cannot.
fn included_text(include: &Include) -> Result<String, String> {
    let text = std::fs::read_to_string(&include.file).map_err(|error| format!("`{}`: {error}", include.written))?;
    if let Some(anchor) = &include.anchor {
        let start = format!("ANCHOR: {anchor}");
        let end = format!("ANCHOR_END: {anchor}");
        let shown: Vec<&str> = text
            .lines()
            .skip_while(|line| !line.trim_end().ends_with(&start))
            .skip(1)
            .take_while(|line| !line.trim_end().ends_with(&end))
            .collect();
        if shown.is_empty() {
            return Err(format!("`{}`: no lines between `{start}` and `{end}`", include.written));
        }
        return Ok(shown.join("\n"));
    }
    let Some((start, end)) = include.lines else { return Ok(text) };
    let lines: Vec<&str> = text.lines().collect();
    let end = end.unwrap_or(lines.len());
    if start == 0 || start > end || end > lines.len() {
        return Err(format!("`{}`: the file has {} lines", include.written, lines.len()));
    }
    let shown = &lines[start - 1..end];
    if shown.first().is_some_and(|line| line.trim().is_empty())
        || shown.last().is_some_and(|line| line.trim().is_empty())
    {
        return Err(format!("`{}` starts or ends on a blank line: has the file shifted?", include.written));
    }
    Ok(shown.join("\n"))
}

/// A page with its Markdown includes expanded, as mdBook renders it.
fn expanded(page: &Path) -> String {
    let text = std::fs::read_to_string(page).unwrap_or_default();
    let mut out = text.clone();
    for include in includes(page, &text) {
        if include.file.extension().is_some_and(|extension| extension == "md") {
            out.push('\n');
            out.push_str(&expanded(&include.file));
        }
    }
    out
}

/// mdBook's heading id: lowercase letters, digits, `_` and `-`, spaces as `-`.
fn heading_id(text: &str) -> String {
    text.chars()
        .filter_map(|character| {
            if character.is_alphanumeric() || character == '_' || character == '-' {
                Some(character.to_ascii_lowercase())
            } else if character.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// Lines outside fenced code blocks.
fn prose_lines(text: &str) -> Vec<&str> {
    let mut fenced = false;
    let mut lines = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            lines.push(line);
        }
    }
    lines
}

/// The ids of a page's headings, numbered as mdBook numbers repeats.
fn heading_ids(page: &Path) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut ids = BTreeSet::new();
    for line in prose_lines(&expanded(page)) {
        let Some(title) = line.strip_prefix('#') else { continue };
        let title = title.trim_start_matches('#');
        if !title.starts_with(' ') {
            continue;
        }
        let id = heading_id(title.trim());
        let count = seen.entry(id.clone()).or_insert(0);
        ids.insert(if *count == 0 { id.clone() } else { format!("{id}-{count}") });
        *count += 1;
    }
    ids
}

/// The targets of the inline links `[text](target)` outside code.
fn link_targets(text: &str) -> Vec<String> {
    let mut targets = Vec::new();
    for line in prose_lines(text) {
        // Inline code may hold `](` that is no link.
        let prose: String = line.split('`').step_by(2).collect::<Vec<_>>().join("");
        for part in prose.split("](").skip(1) {
            if let Some(end) = part.find(')') {
                targets.push(part[..end].to_owned());
            }
        }
    }
    targets
}

/// The pages `SUMMARY.md` links, in order.
fn book_pages() -> Vec<String> {
    let summary = std::fs::read_to_string(repo_root().join("book/src/SUMMARY.md")).unwrap();
    link_targets(&summary)
}

#[test]
fn book_links_and_includes_resolve() {
    let src = repo_root().join("book/src");
    let pages = book_pages();
    assert!(pages.len() >= 10, "SUMMARY.md lists only {} pages", pages.len());
    let mut missing = Vec::new();
    for page in &pages {
        if !src.join(page).is_file() {
            missing.push(format!("SUMMARY.md links to missing {page}"));
        }
    }
    for page in &pages {
        let path = src.join(page);
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let mut queue = vec![(path.clone(), text.clone())];
        while let Some((file, text)) = queue.pop() {
            for include in includes(&file, &text) {
                match included_text(&include) {
                    Ok(included) if include.file.extension().is_some_and(|extension| extension == "md") => {
                        queue.push((include.file.clone(), included));
                    }
                    Ok(_) => {}
                    Err(problem) => missing.push(format!("{page} includes {problem}")),
                }
                if include.file.extension().is_some_and(|extension| extension == "snap")
                    && let Some((start, _)) = include.lines
                {
                    let snapshot = std::fs::read_to_string(&include.file).unwrap_or_default();
                    if snapshot.contains("\n---\n") && start != snapshot_body_line(&snapshot) {
                        missing.push(format!("{page}: `{}` does not start at the snapshot's body", include.written));
                    }
                }
            }
        }
        for target in link_targets(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (file, anchor) =
                target.split_once('#').map_or((target.as_str(), None), |(file, anchor)| (file, Some(anchor)));
            let linked = if file.is_empty() { path.clone() } else { normalize(&path.parent().unwrap().join(file)) };
            if !linked.exists() {
                missing.push(format!("{page} links to missing {target}"));
                continue;
            }
            if let Some(anchor) = anchor
                && !heading_ids(&linked).contains(anchor)
            {
                missing.push(format!("{page} links to {target}, a heading that does not exist"));
            }
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
}

/// `book/included-ranges.txt`: the text of every ranged include of the
/// hand-written pages (generated pages compute their ranges). A fixture edit
/// that moves the lines a page shows changes this file, so the test fails
/// until someone has looked at the page.
fn included_ranges() -> String {
    let src = repo_root().join("book/src");
    let mut out = String::from(
        "# Generated by tests/it/generated.rs: what each ranged {{#include}} of the book shows.\n\
         # When this changes, check that the page still shows what its text says, and fix the range if not.\n",
    );
    for page in book_pages() {
        if page.contains("_generated") {
            continue;
        }
        let path = src.join(&page);
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for include in includes(&path, &text) {
            if include.lines.is_none() || include.file.extension().is_some_and(|extension| extension == "snap") {
                continue;
            }
            let shown = included_text(&include).unwrap_or_else(|problem| problem);
            let _ = write!(out, "\n== {page}: {}\n{shown}\n", include.written);
        }
    }
    out
}

#[test]
fn book_ranged_includes_are_reviewed() {
    ensure_file_contents(&repo_root().join("book/included-ranges.txt"), &included_ranges());
}

// ---- the library example of the book (`book/src/guide/library.md`) ----

// ANCHOR: memory
/// Compiles a repository held in memory: its files by path, or every
/// diagnostic as a person would read it.
fn render(files: &[(&str, &str)]) -> Result<Vec<(String, String)>, String> {
    let workspace = platc::Workspace::from_files(files.iter().copied());
    let compilation = platc::compile(&workspace);
    if compilation.diagnostics.has_errors() {
        let style = platc::report::Style { color: false, width: 100 };
        let rendered: Vec<String> = compilation
            .diagnostics
            .iter()
            .map(|diagnostic| platc::report::human(diagnostic, &compilation.sources, style))
            .collect();
        return Err(rendered.concat());
    }
    Ok(compilation.files.iter().map(|(path, text)| (path.to_owned(), text.to_owned())).collect())
}
// ANCHOR_END: memory

// ANCHOR: disk
/// What `platc build` does: compiles the repository at `path` and writes the
/// files that changed, pruning generated files that are no longer produced.
/// Returns how many files it wrote.
fn build(path: &Path) -> Result<usize, String> {
    let workspace = platc::Workspace::discover(path).map_err(|error| error.to_string())?;
    let compilation = platc::compile(&workspace);
    if compilation.diagnostics.has_errors() {
        return Err(platc::report::json(&compilation.diagnostics, &compilation.sources));
    }
    let plan = platc::write::plan(&workspace, &compilation.files).map_err(|error| error.to_string())?;
    platc::write::apply(&workspace, &plan).map_err(|error| error.to_string())?;
    Ok(plan.writes.len())
}
// ANCHOR_END: disk

#[test]
fn the_books_library_examples_compile_in_memory_and_build_on_disk() {
    let minimal = repo_root().join("fixtures/minimal");
    let spec = std::fs::read_to_string(minimal.join("platc.kdl")).unwrap();
    let deployment = std::fs::read_to_string(minimal.join("deploy/production/deployment.yaml")).unwrap();

    let files = render(&[("platc.kdl", spec.as_str())]).unwrap();
    assert!(files.iter().any(|(path, text)| path == "deploy/production/deployment.yaml" && *text == deployment));
    let broken = spec.replace("port 8080", "prot 8080");
    let report = render(&[("platc.kdl", broken.as_str())]).unwrap_err();
    assert!(report.contains("spec::unknown-field") && report.contains("did you mean `port`?"), "{report}");

    let temp = tempfile::tempdir().unwrap();
    std::fs::write(temp.path().join("platc.kdl"), &spec).unwrap();
    assert_eq!(build(temp.path()).unwrap(), files.len());
    assert_eq!(std::fs::read_to_string(temp.path().join("deploy/production/deployment.yaml")).unwrap(), deployment);
    assert_eq!(build(temp.path()).unwrap(), 0, "a second build writes nothing");
    std::fs::write(temp.path().join("platc.kdl"), &broken).unwrap();
    let report: serde_json::Value = serde_json::from_str(&build(temp.path()).unwrap_err()).unwrap();
    let codes: Vec<&str> =
        report["diagnostics"].as_array().unwrap().iter().filter_map(|item| item["code"].as_str()).collect();
    assert!(codes.contains(&"spec::unknown-field"), "{codes:?}");
}
