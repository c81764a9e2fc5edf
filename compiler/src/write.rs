//! Write an [`OutputTree`] to disk: only the files whose bytes changed, each
//! atomically (a temporary file in the same folder, then a rename), pruning
//! owned files that are no longer generated. The only module that writes.
//!
//! Invariant: nothing is written unless the whole plan is allowed: a file
//! platc does not own at a path it would write stops the build before any
//! write.
#![allow(clippy::disallowed_methods)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

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
    // Only files whose bytes the tree kept can be written here: the others
    // are on disk already (found by the walk, which follows no link) or were
    // staged (which checked them). Thousands of files share a few folders:
    // each folder is looked at once (a folder's files come together).
    let mut links: BTreeMap<&str, Option<String>> = BTreeMap::new();
    let mut not_links = BTreeSet::new();
    let mut last: Option<(&str, Option<String>)> = None;
    let mut outside = Vec::new();
    for (path, _) in tree.iter() {
        if !is_plain(path) {
            outside.push(format!("`{path}` is not a relative path inside it"));
            continue;
        }
        let folder = path.rsplit_once('/').map_or("", |(folder, _)| folder);
        if last.as_ref().is_none_or(|(previous, _)| *previous != folder) {
            let link = links
                .entry(folder)
                .or_insert_with(|| symbolic_link_in(workspace.root(), folder, &mut not_links))
                .clone();
            last = Some((folder, link));
        }
        if let Some((_, Some(link))) = &last {
            outside.push(format!("`{path}` goes through the symbolic link `{link}`"));
        }
    }
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

/// A build that writes while it compiles: each file that differs from the
/// disk goes to a temporary file beside its place as soon as it is emitted
/// (so a 10,000-service build never holds its output), and [`Stage::commit`]
/// renames them all into place once the whole compilation and its
/// [`plan`] have passed; [`Stage::discard`] removes them, and the folders
/// staging created, when anything failed: then nothing was written.
///
/// A file that cannot be staged safely (outside the repository, or where a
/// file platc does not own stands) is not written: [`Stage::file`] asks the
/// compilation to keep its bytes, and [`plan`] then refuses the build.
#[derive(Debug)]
pub struct Stage<'w> {
    workspace: &'w Workspace,
    root: PathBuf,
    /// Staged files: repository path and temporary file.
    staged: Mutex<Vec<(String, PathBuf)>>,
    /// Folders staging created, to remove on discard.
    created: Mutex<Vec<PathBuf>>,
    /// What staging knows of each folder it writes into.
    folders: Mutex<BTreeMap<String, Folder>>,
    /// Folders known not to be symbolic links.
    plain: Mutex<BTreeSet<String>>,
    /// The first I/O error.
    error: Mutex<Option<Error>>,
    /// Bytes staged.
    bytes: AtomicUsize,
}

impl<'w> Stage<'w> {
    pub fn new(workspace: &'w Workspace) -> Result<Stage<'w>, Error> {
        let root = workspace.root().ok_or(Error::NoRoot)?.to_owned();
        Ok(Stage {
            workspace,
            root,
            staged: Mutex::default(),
            created: Mutex::default(),
            folders: Mutex::default(),
            plain: Mutex::default(),
            error: Mutex::default(),
            bytes: AtomicUsize::new(0),
        })
    }

    /// Takes one emitted file: whether the compilation should keep its bytes
    /// (`false` once it is staged, or when the disk holds it already).
    pub fn file(&self, path: &str, contents: &str) -> bool {
        if self.workspace.holds(path, contents) {
            return false;
        }
        let folder = path.rsplit_once('/').map_or("", |(folder, _)| folder);
        let state = self.folder(folder);
        if !is_plain(path) || !state.writable {
            return true;
        }
        let full = self.root.join(path);
        // In a folder this build made, nothing stands but what it staged.
        match if state.fresh { Err(()) } else { std::fs::symlink_metadata(&full).map_err(drop) } {
            Ok(metadata) if !metadata.is_file() => return true,
            Ok(_) => {
                if !self.workspace.owns(path) {
                    return true;
                }
            }
            Err(()) => {}
        }
        match self.stage(folder, state, &full, contents.as_bytes()) {
            Ok(temporary) => {
                lock(&self.staged).push((path.to_owned(), temporary));
                self.bytes.fetch_add(contents.len(), Ordering::Relaxed);
                false
            }
            Err(error) => {
                lock(&self.error).get_or_insert(error);
                true
            }
        }
    }

    /// How many files are staged.
    pub fn len(&self) -> usize {
        lock(&self.staged).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The paths of the files staged, in order.
    pub fn paths(&self) -> Vec<String> {
        let mut paths: Vec<String> = lock(&self.staged).iter().map(|(path, _)| path.clone()).collect();
        paths.sort();
        paths
    }

    /// How many bytes are staged.
    pub fn bytes(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }

    /// The first error staging met, if any: the build must then be discarded.
    pub fn take_error(&self) -> Option<Error> {
        lock(&self.error).take()
    }

    /// Renames every staged file into place, in parallel; the first failure
    /// in path order is returned.
    pub fn commit(self) -> Result<(), Error> {
        let mut staged = self.staged.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
        staged.sort();
        let results: Vec<Result<(), Error>> = staged
            .par_iter()
            .map(|(path, temporary)| {
                let full = self.root.join(path);
                std::fs::rename(temporary, &full).map_err(|source| {
                    let _ = std::fs::remove_file(temporary);
                    Error::Io { path: full, source }
                })
            })
            .collect();
        results.into_iter().collect::<Result<Vec<()>, Error>>().map(|_| ())
    }

    /// Removes every staged file and the folders staging created.
    pub fn discard(self) {
        let staged = self.staged.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
        staged.par_iter().for_each(|(_, temporary)| {
            let _ = std::fs::remove_file(temporary);
        });
        let mut created = self.created.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Deepest first; a folder something else wrote into stays.
        created.sort_by_key(|folder| std::cmp::Reverse(folder.components().count()));
        for folder in created {
            let _ = std::fs::remove_dir(folder);
        }
    }

    /// What staging knows of `folder`; the first time, whether files may be
    /// written into it: no part of it is a symbolic link.
    fn folder(&self, folder: &str) -> Folder {
        if let Some(state) = lock(&self.folders).get(folder) {
            return *state;
        }
        let writable = symbolic_link_in(Some(&self.root), folder, &mut lock(&self.plain)).is_none();
        *lock(&self.folders).entry(folder.to_owned()).or_insert(Folder { writable, ready: false, fresh: false })
    }

    fn stage(&self, folder: &str, state: Folder, full: &Path, contents: &[u8]) -> Result<PathBuf, Error> {
        let directory = self.root.join(folder);
        if !state.ready {
            let mut fresh = false;
            if !directory.is_dir() {
                // Record each folder this creates, outermost first.
                let missing: Vec<PathBuf> = directory
                    .ancestors()
                    .take_while(|ancestor| *ancestor != self.root && !ancestor.exists())
                    .map(Path::to_owned)
                    .collect();
                std::fs::create_dir_all(&directory).map_err(|source| Error::Io { path: directory.clone(), source })?;
                lock(&self.created).extend(missing);
                fresh = true;
            }
            if let Some(known) = lock(&self.folders).get_mut(folder) {
                known.ready = true;
                known.fresh |= fresh;
            }
        }
        let name = full.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
        let temporary = directory.join(format!(".{name}.platc-{}.tmp", std::process::id()));
        std::fs::File::create(&temporary).and_then(|mut file| file.write_all(contents)).map_err(|source| {
            let _ = std::fs::remove_file(&temporary);
            Error::Io { path: full.to_owned(), source }
        })?;
        Ok(temporary)
    }
}

/// What [`Stage`] knows of one folder.
#[derive(Debug, Clone, Copy)]
struct Folder {
    /// No part of it is a symbolic link.
    writable: bool,
    /// It exists (staging made it, or found it).
    ready: bool,
    /// Staging made it: nothing was in it before.
    fresh: bool,
}

/// A lock that a panic elsewhere did not spoil for good.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
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
/// any: the walk does not follow links, and neither do writes. `plain` holds
/// the prefixes already found not to be links (folders share their parents),
/// and gains those found now.
fn symbolic_link_in(root: Option<&Path>, folder: &str, plain: &mut BTreeSet<String>) -> Option<String> {
    let root = root?;
    if folder.is_empty() {
        return None;
    }
    let mut end = 0;
    loop {
        end = folder[end..].find('/').map_or(folder.len(), |slash| end + slash);
        let prefix = &folder[..end];
        if !plain.contains(prefix) {
            match root.join(prefix).symlink_metadata() {
                Ok(metadata) if metadata.file_type().is_symlink() => return Some(prefix.to_owned()),
                Ok(_) => {}
                // Nothing there: nothing deeper either (the build will make it).
                Err(_) => return None,
            }
            plain.insert(prefix.to_owned());
        }
        if end == folder.len() {
            return None;
        }
        end += 1;
    }
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
