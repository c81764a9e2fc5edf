//! The invalid-input catalogue. Every folder under `fixtures/invalid/` is a
//! tiny repository with one mistake; the first line of one of its spec files
//! (`platc.kdl`, `platc.yaml`, or `platform.kdl` when the mistake is in the
//! platform config) names the diagnostic code the mistake must produce:
//! `// expect: spec::unknown-field` or `# expect: spec::unknown-field`.
//!
//! Each case is copied to a fresh directory and built with the real CLI: it
//! must exit 1, report its code, write nothing, and render exactly as its
//! snapshot in `snapshots/it__diagnostics__invalid__<case>.snap`. To bless a
//! deliberate change: `INSTA_UPDATE=always cargo test -p platc-tests --test it
//! diagnostics` and review `git diff tests/it/snapshots/`.
//!
//! A second test checks that the catalogue covers every code the compiler can
//! report.

// The catalogue and the compiler's sources are read from disk, and cases are
// copied into temporary directories.
#![allow(clippy::disallowed_methods)]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::support::repo_root;

/// The areas of diagnostic codes: `<area>::<kebab-name>`.
const AREAS: &[&str] = &["spec", "resolve", "syntax", "workspace", "patch", "policy"];

/// The files whose first line may hold the `expect:` line.
const SPEC_FILES: &[&str] = &["platform.kdl", "platc.kdl", "platc.yaml"];

/// Codes the compiler can report that no input can trigger, each with the
/// reason. Empty: every code has a case.
const UNTRIGGERABLE: &[(&str, &str)] = &[];

/// What the rendered output says instead of the temporary directory.
const REPO_PLACEHOLDER: &str = "[REPO]";

/// One folder of the catalogue.
#[derive(Debug)]
struct Case {
    name: String,
    dir: PathBuf,
    /// The code from the `expect:` line.
    expect: String,
    /// The file that holds the `expect:` line, relative to `dir`.
    expect_file: String,
}

fn catalogue_dir() -> PathBuf {
    repo_root().join("fixtures").join("invalid")
}

/// Every case, sorted by name.
fn cases() -> Vec<Case> {
    let root = catalogue_dir();
    let mut dirs: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap_or_else(|error| panic!("`{}`: {error}", root.display()))
        .map(|entry| entry.expect("a readable catalogue entry").path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|dir| {
            let name = dir.file_name().and_then(|name| name.to_str()).expect("a UTF-8 case name").to_owned();
            let mut expectations = Vec::new();
            for file in relative_entries(&dir) {
                let is_spec = SPEC_FILES.iter().any(|spec| file.rsplit('/').next() == Some(*spec));
                if !is_spec {
                    continue;
                }
                let bytes = fs::read(dir.join(&file)).expect("a readable spec file");
                let first_line = String::from_utf8_lossy(&bytes).lines().next().unwrap_or_default().to_owned();
                let code = first_line
                    .strip_prefix("// expect:")
                    .or_else(|| first_line.strip_prefix("# expect:"))
                    .map(|code| code.trim().to_owned());
                if let Some(code) = code {
                    expectations.push((file, code));
                }
            }
            assert!(
                expectations.len() == 1,
                "fixtures/invalid/{name}: exactly one spec file must start with an `expect:` line, found {expectations:?}"
            );
            let (expect_file, expect) = expectations.remove(0);
            Case { name, dir, expect, expect_file }
        })
        .collect()
}

/// Every file and folder under `root`, as sorted `/`-separated relative paths.
fn relative_entries(root: &Path) -> BTreeSet<String> {
    fn walk(root: &Path, dir: &Path, entries: &mut BTreeSet<String>) {
        let listing = fs::read_dir(dir).unwrap_or_else(|error| panic!("`{}`: {error}", dir.display()));
        for entry in listing {
            let path = entry.expect("a readable directory entry").path();
            let relative = path.strip_prefix(root).expect("inside the root");
            let parts: Vec<String> =
                relative.components().map(|part| part.as_os_str().to_string_lossy().into_owned()).collect();
            entries.insert(parts.join("/"));
            if path.is_dir() {
                walk(root, &path, entries);
            }
        }
    }
    let mut entries = BTreeSet::new();
    walk(root, root, &mut entries);
    entries
}

/// Copies the folder `from` into the existing folder `to`.
fn copy_tree(from: &Path, to: &Path) {
    for relative in relative_entries(from) {
        let source = from.join(&relative);
        let target = to.join(&relative);
        if source.is_dir() {
            fs::create_dir(&target).unwrap_or_else(|error| panic!("`{}`: {error}", target.display()));
        } else {
            fs::copy(&source, &target).unwrap_or_else(|error| panic!("`{}`: {error}", target.display()));
        }
    }
}

/// What building one case did.
struct Outcome {
    code: i32,
    stdout: String,
    /// The rendered diagnostics, with the temporary directory replaced.
    stderr: String,
    before: BTreeSet<String>,
    after: BTreeSet<String>,
}

/// Copies the case into a fresh directory and runs `platc build` on it, in process.
fn build(case: &Case) -> Outcome {
    let temp = tempfile::tempdir().expect("a temporary directory");
    let repo = temp.path();
    copy_tree(&case.dir, repo);
    let before = relative_entries(repo);
    let mut out = Vec::new();
    let mut err = Vec::new();
    let args = [
        "platc".to_owned(),
        "--color".to_owned(),
        "never".to_owned(),
        "build".to_owned(),
        repo.to_string_lossy().into_owned(),
    ];
    let code = platc::cli::run(args, repo, false, &mut out, &mut err);
    let after = relative_entries(repo);
    let mut stderr = String::from_utf8(err).expect("UTF-8 diagnostics");
    let canonical = repo.canonicalize().expect("a canonical temporary directory");
    for path in [canonical.as_path(), repo] {
        stderr = stderr.replace(path.to_string_lossy().as_ref(), REPO_PLACEHOLDER);
    }
    Outcome { code, stdout: String::from_utf8_lossy(&out).into_owned(), stderr, before, after }
}

#[test]
fn every_invalid_input_reports_its_code_and_writes_nothing() {
    let cases = cases();
    assert!(cases.len() >= 40, "the catalogue holds {} cases, expected at least 40", cases.len());
    let mut failures = Vec::new();
    let mut rendered = Vec::new();
    for case in &cases {
        let slug = case.expect.replace("::", "-");
        if case.name != slug && !case.name.starts_with(&format!("{slug}-")) {
            failures.push(format!("{}: the folder is not named after its code `{}`", case.name, case.expect));
        }
        let outcome = build(case);
        if outcome.code != platc::cli::FINDINGS {
            failures.push(format!("{}: exit code {}, expected {}", case.name, outcome.code, platc::cli::FINDINGS));
        }
        if !outcome.stderr.lines().any(|line| line == case.expect) {
            failures.push(format!(
                "{}: `{}` (from {}) is not reported:\n{}",
                case.name, case.expect, case.expect_file, outcome.stderr
            ));
        }
        if !outcome.stdout.is_empty() {
            failures.push(format!("{}: unexpected output on stdout:\n{}", case.name, outcome.stdout));
        }
        if outcome.before != outcome.after {
            let written: Vec<&String> = outcome.after.symmetric_difference(&outcome.before).collect();
            failures.push(format!("{}: the build changed the tree: {written:?}", case.name));
        }
        rendered.push((case, outcome.stderr));
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
    for (case, stderr) in rendered {
        insta::with_settings!({
            description => format!("fixtures/invalid/{}/{} expects {}", case.name, case.expect_file, case.expect),
            omit_expression => true,
        }, {
            insta::assert_snapshot!(format!("invalid__{}", case.name), stderr);
        });
    }
}

/// Every `"<area>::<name>"` string literal in the compiler's sources.
fn compiler_codes() -> BTreeSet<String> {
    let src = repo_root().join("compiler").join("src");
    let mut codes = BTreeSet::new();
    for file in relative_entries(&src).into_iter().filter(|file| file.ends_with(".rs")) {
        let bytes = fs::read(src.join(&file)).expect("a readable source file");
        let text = String::from_utf8(bytes).expect("UTF-8 source");
        for area in AREAS {
            let opening = format!("\"{area}::");
            let mut rest = text.as_str();
            while let Some(start) = rest.find(&opening) {
                let after = &rest[start + opening.len()..];
                let name_len = after
                    .find(|character: char| !(character.is_ascii_lowercase() || character == '-'))
                    .unwrap_or(after.len());
                if name_len > 0 && after[name_len..].starts_with('"') {
                    codes.insert(format!("{area}::{}", &after[..name_len]));
                }
                rest = after;
            }
        }
    }
    codes
}

#[test]
fn the_catalogue_covers_every_code() {
    let codes = compiler_codes();
    assert!(codes.len() >= 20, "found only {} codes in compiler/src: {codes:?}", codes.len());
    let expected: BTreeSet<String> = cases().into_iter().map(|case| case.expect).collect();
    let untriggerable: BTreeSet<String> = UNTRIGGERABLE.iter().map(|(code, _)| (*code).to_owned()).collect();

    let uncovered: Vec<&String> =
        codes.iter().filter(|code| !expected.contains(*code) && !untriggerable.contains(*code)).collect();
    assert!(uncovered.is_empty(), "codes without a case in fixtures/invalid/: {uncovered:?}");

    let unknown: Vec<&String> = expected.iter().filter(|code| !codes.contains(*code)).collect();
    assert!(unknown.is_empty(), "`expect:` lines name codes the compiler does not have: {unknown:?}");

    let stale: Vec<&String> =
        untriggerable.iter().filter(|code| !codes.contains(*code) || expected.contains(*code)).collect();
    assert!(stale.is_empty(), "UNTRIGGERABLE lists codes that are gone or now have a case: {stale:?}");
}
