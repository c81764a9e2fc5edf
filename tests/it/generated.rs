//! Generated files stay fresh: each test regenerates a committed file and
//! fails if it differs, writing the new text so that only a commit is left
//! to do (rust-analyzer's `ensure_file_contents`).

use std::path::Path;

use crate::support::repo_root;

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

#[test]
fn book_links_and_includes_resolve() {
    let src = repo_root().join("book/src");
    let summary = std::fs::read_to_string(src.join("SUMMARY.md")).unwrap();
    let mut missing = Vec::new();
    let mut pages = Vec::new();
    for line in summary.lines() {
        if let Some(start) = line.find("](") {
            let target = &line[start + 2..line[start..].find(')').map_or(line.len(), |end| start + end)];
            pages.push(target.to_owned());
            if !src.join(target).is_file() {
                missing.push(format!("SUMMARY.md links to missing {target}"));
            }
        }
    }
    assert!(pages.len() >= 3);
    for page in &pages {
        let path = src.join(page);
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        for part in text.split("{{#include ").skip(1) {
            let target = part.split("}}").next().unwrap_or_default().split(':').next().unwrap_or_default().trim();
            let resolved = path.parent().unwrap().join(target);
            if !resolved.is_file() {
                missing.push(format!("{page} includes missing {target}"));
            }
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
}
