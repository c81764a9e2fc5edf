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

/// Every file under `root` (none when it does not exist), relative and
/// `/`-separated, sorted.
pub(crate) fn files_under(root: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("a readable folder") {
            let path = entry.expect("a readable entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let relative = path.strip_prefix(root).expect("under the root");
                let parts: Vec<String> =
                    relative.components().map(|part| part.as_os_str().to_string_lossy().into_owned()).collect();
                out.push(parts.join("/"));
            }
        }
    }
    let mut out = Vec::new();
    if root.is_dir() {
        walk(root, root, &mut out);
    }
    out.sort();
    out
}
