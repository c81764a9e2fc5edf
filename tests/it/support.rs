//! Shared helpers: where the repository is, and loading fixtures.

use std::path::{Path, PathBuf};

use platc::Workspace;

/// The repository root (the parent of the `tests` package).
pub(crate) fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_owned()
}

/// `fixtures/<name>`.
pub(crate) fn fixture(name: &str) -> PathBuf {
    repo_root().join("fixtures").join(name)
}

/// The fixture repositories that are committed in their built state: every
/// folder of `fixtures/` but `invalid/`, sorted.
pub(crate) fn built_fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo_root().join("fixtures"))
        .expect("fixtures/ exists")
        .map(|entry| entry.expect("readable fixtures/").file_name().to_string_lossy().into_owned())
        .filter(|name| name != "invalid")
        .collect();
    names.sort();
    names
}

/// Loads a fixture from disk.
pub(crate) fn load(name: &str) -> Workspace {
    Workspace::load(&fixture(name)).unwrap_or_else(|error| panic!("fixture `{name}`: {error}"))
}
