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

/// The fixture repositories that are committed in their built state.
pub(crate) const BUILT_FIXTURES: &[&str] = &["minimal", "monorepo", "payment-service", "yaml"];

/// Loads a fixture from disk.
pub(crate) fn load(name: &str) -> Workspace {
    Workspace::load(&fixture(name)).unwrap_or_else(|error| panic!("fixture `{name}`: {error}"))
}
