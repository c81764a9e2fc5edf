//! Write an [`OutputTree`] to disk: only the files whose bytes changed, each
//! atomically (a temporary file in the same folder, then a rename), pruning
//! owned files that are no longer generated. The only module that writes.
//!
//! Invariant: nothing is written unless the whole plan is allowed: a file
//! platc does not own at a path it would write stops the build before any
//! write.
#![allow(clippy::disallowed_methods)]

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::diff::{Change, drift};
use crate::emit::OutputTree;
use crate::workspace::Workspace;

/// What a build does; the bytes to write are borrowed from the tree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan<'t> {
    /// New or changed files, with their bytes.
    pub writes: Vec<(String, &'t str)>,
    /// Owned files to delete.
    pub removals: Vec<String>,
    /// Files already up to date.
    pub unchanged: usize,
}

#[derive(Debug)]
pub enum Error {
    /// Files platc would overwrite but does not own.
    Unowned(Vec<String>),
    /// Paths that would leave the repository: not plain relative paths, or
    /// through a symbolic link (each with the reason).
    Outside(Vec<String>),
    /// An in-memory workspace has no disk to write to.
    NoRoot,
    /// Files that a new file would replace (`platc new` creates, never overwrites).
    Exists(Vec<String>),
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Unowned(paths) => {
                write!(f, "refusing to overwrite files that platc did not generate: ")?;
                let quoted: Vec<String> = paths.iter().map(|path| format!("`{path}`")).collect();
                write!(f, "{}", quoted.join(", "))
            }
            Error::Outside(paths) => {
                write!(f, "refusing to write outside the repository: {}", paths.first().map_or("", String::as_str))?;
                match paths.len() {
                    0 | 1 => Ok(()),
                    2 => write!(f, " (and 1 more file)"),
                    count => write!(f, " (and {} more files)", count - 1),
                }
            }
            Error::NoRoot => write!(f, "this workspace is in memory and has no folder to write to"),
            Error::Exists(paths) => {
                let quoted: Vec<String> = paths.iter().map(|path| format!("`{path}`")).collect();
                write!(f, "refusing to overwrite what exists: {}", quoted.join(", "))
            }
            Error::Io { path, source } => write!(f, "cannot write `{}`: {source}", path.display()),
        }
    }
}

impl std::error::Error for Error {}

/// Decides what to write; fails, writing nothing, if a file is in the way.
pub fn plan<'t>(workspace: &Workspace, tree: &'t OutputTree) -> Result<Plan<'t>, Error> {
    // Thousands of files share a few folders: each folder is looked at once.
    let mut links: std::collections::BTreeMap<&str, Option<String>> = std::collections::BTreeMap::new();
    let outside: Vec<String> = tree
        .paths()
        .filter_map(|path| {
            if !is_plain(path) {
                return Some(format!("`{path}` is not a relative path inside it"));
            }
            let folder = path.rsplit_once('/').map_or("", |(folder, _)| folder);
            let link = links.entry(folder).or_insert_with(|| symbolic_link_in(workspace.root(), folder));
            link.as_ref().map(|link| format!("`{path}` goes through the symbolic link `{link}`"))
        })
        .collect();
    if !outside.is_empty() {
        return Err(Error::Outside(outside));
    }
    let drifts = drift(workspace, tree);
    let unowned: Vec<String> =
        drifts.iter().filter(|drift| drift.change == Change::Unowned).map(|drift| drift.path.clone()).collect();
    if !unowned.is_empty() {
        return Err(Error::Unowned(unowned));
    }
    let mut plan = Plan::default();
    for drift in drifts {
        match drift.change {
            Change::Added | Change::Modified => plan.writes.push((drift.path, drift.new)),
            Change::Removed => plan.removals.push(drift.path),
            Change::Unowned => {}
        }
    }
    plan.unchanged = tree.len() - plan.writes.len();
    Ok(plan)
}

/// Carries a plan out under the workspace's root.
pub fn apply(workspace: &Workspace, plan: &Plan<'_>) -> Result<(), Error> {
    let root = workspace.root().ok_or(Error::NoRoot)?;
    // Each folder is created once, before its files (thousands of files
    // share a few hundred folders).
    let mut folders: Vec<&str> =
        plan.writes.iter().filter_map(|(path, _)| path.rsplit_once('/').map(|(folder, _)| folder)).collect();
    folders.dedup();
    let results: Vec<Result<(), Error>> = folders
        .par_iter()
        .map(|folder| {
            let full = root.join(folder);
            std::fs::create_dir_all(&full).map_err(|source| Error::Io { path: full, source })
        })
        .collect();
    results.into_iter().collect::<Result<Vec<()>, Error>>()?;
    // Files are independent: write them in parallel, and report the first
    // failure in path order.
    let results: Vec<Result<(), Error>> = plan
        .writes
        .par_iter()
        .map(|(path, contents)| write_atomically(&root.join(path), contents.as_bytes()))
        .collect();
    results.into_iter().collect::<Result<Vec<()>, Error>>()?;
    for path in &plan.removals {
        let full = root.join(path);
        std::fs::remove_file(&full).map_err(|source| Error::Io { path: full.clone(), source })?;
        remove_empty_parents(root, &full);
    }
    Ok(())
}

/// Replaces a file of the user's (a spec, edited by `set-image`) atomically.
pub fn replace_source(workspace: &Workspace, path: &str, contents: &str) -> Result<(), Error> {
    let root = workspace.root().ok_or(Error::NoRoot)?;
    write_atomically(&root.join(path), contents.as_bytes())
}

/// Writes the files of platc's build cache into `folder` (created if
/// needed), each atomically: only [`crate::cache`] calls this.
pub fn cache_files(folder: &Path, files: &[(&str, &str)]) -> Result<(), Error> {
    for (name, contents) in files {
        write_atomically(&folder.join(name), contents.as_bytes())?;
    }
    Ok(())
}

/// Creates new files of the user's (the scaffold of `platc new`) under
/// `folder`, by relative path, each atomically. Refuses, writing nothing, if
/// any of them exists; a file that appears meanwhile is not overwritten
/// either (each is linked into place, which fails on an existing path).
pub fn create_new(folder: &Path, files: &[(String, String)]) -> Result<(), Error> {
    let existing: Vec<String> = files
        .iter()
        .filter(|(path, _)| folder.join(path).symlink_metadata().is_ok())
        .map(|(path, _)| folder.join(path).display().to_string())
        .collect();
    if !existing.is_empty() {
        return Err(Error::Exists(existing));
    }
    for (path, contents) in files {
        create_atomically(&folder.join(path), contents.as_bytes())?;
    }
    Ok(())
}

fn create_atomically(path: &Path, contents: &[u8]) -> Result<(), Error> {
    // A hard link fails when the file exists, so nothing is ever replaced.
    match through_temporary(path, contents, false, |temporary, path| std::fs::hard_link(temporary, path)) {
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(Error::Exists(vec![path.display().to_string()]))
        }
        other => other.map_err(|source| Error::Io { path: path.to_owned(), source }),
    }
}

fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), Error> {
    through_temporary(path, contents, true, |temporary, path| std::fs::rename(temporary, path))
        .map_err(|source| Error::Io { path: path.to_owned(), source })
}

/// Writes `contents` to a temporary file beside `path`, then `place`s it
/// (a rename, which `renames` says, or a hard link), so readers see the
/// whole file or none of it. No
/// fsync: after a crash a rebuild restores the tree, and an fsync per file
/// made a 1,000-service build take most of a minute.
fn through_temporary(
    path: &Path,
    contents: &[u8],
    renames: bool,
    place: impl FnOnce(&Path, &Path) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let folder = path.parent().ok_or_else(|| std::io::Error::other("no parent folder"))?;
    let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = folder.join(format!(".{name}.platc-{}.tmp", std::process::id()));
    let created = match std::fs::File::create(&temporary) {
        // The folder is usually there already (`apply` makes them first).
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(folder)?;
            std::fs::File::create(&temporary)
        }
        other => other,
    };
    let result = created.and_then(|mut file| file.write_all(contents)).and_then(|()| place(&temporary, path));
    // After a rename the temporary is gone; after a link or a failure it is removed.
    if result.is_err() || !renames {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

/// A plain relative path: what a write may take without leaving the root.
fn is_plain(path: &str) -> bool {
    !path.contains('\\') && path.split('/').all(|part| !matches!(part, "" | "." | ".."))
}

/// The first part of `folder` (under `root`) that is a symbolic link, if
/// any: the walk does not follow links, and neither do writes.
fn symbolic_link_in(root: Option<&Path>, folder: &str) -> Option<String> {
    let mut current = root?.to_owned();
    let parts: Vec<&str> = if folder.is_empty() { Vec::new() } else { folder.split('/').collect() };
    for (index, part) in parts.iter().enumerate() {
        current.push(part);
        if current.symlink_metadata().is_ok_and(|metadata| metadata.file_type().is_symlink()) {
            return Some(parts[..=index].join("/"));
        }
    }
    None
}

/// Removes folders left empty by pruning, up to (not including) the root.
fn remove_empty_parents(root: &Path, file: &Path) {
    let mut folder = file.parent();
    while let Some(dir) = folder {
        if dir == root || !dir.starts_with(root) || std::fs::remove_dir(dir).is_err() {
            break;
        }
        folder = dir.parent();
    }
}
