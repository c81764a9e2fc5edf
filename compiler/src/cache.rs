//! The build cache: lets `build`, `check` and `diff` skip compiling when
//! nothing a compilation reads has changed since a run that left the tree up
//! to date, the way `git status` trusts its index.
//!
//! After such a run (no diagnostics at all, the disk equal to the compiled
//! tree), [`store`] records in `<root>/.platc-cache/tree` a fingerprint of the
//! inputs and, for every YAML file of the repository, its size, times and
//! inode, and for generated files the hash of their bytes. [`lookup`] answers
//! [`Lookup::Hit`] only when:
//!
//! - the fingerprint is the same: the same platc binary (version, size and
//!   modification time of the executable), the same scope, the same
//!   `platform.kdl` and spec texts, the same list of files in the repository
//!   (a file added, removed or renamed anywhere misses);
//! - every other file the compilation read (`config-file`, `manifests`) still
//!   hashes the same;
//! - every recorded YAML file still has the recorded size, times and inode,
//!   or, when they differ, still has the recorded bytes (a generated file) or
//!   still does not start with platc's header (any other YAML file, which
//!   would otherwise be an owned file to prune).
//!
//! Since compilation is a pure function of those inputs, a hit means the
//! compilation would produce the recorded tree, and the disk holds it: no
//! drift, nothing to write. Anything else is a miss, and the caller compiles.
//!
//! Times are trusted only for files last modified more than a second before
//! the run that recorded them began (a file edited while platc was writing or
//! reading it must be read again): others are recorded as unverified and read
//! on the next lookup, which then records them again. The folder holds a
//! `.gitignore` of `*` and a `CACHEDIR.TAG`, so git and backup tools skip it.
//!
//! It reads its record and the files it verifies, and writes its record
//! through [`crate::write::cache_files`]: with `workspace.rs` the only module
//! that reads the disk. A cache that cannot be read or written is no cache:
//! the run compiles as if there were none.
#![allow(clippy::disallowed_methods)]

use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rayon::prelude::*;

use crate::emit::{OutputTree, content_hash};
use crate::workspace::Workspace;

/// The cache folder, at the repository root.
pub const FOLDER: &str = ".platc-cache";
/// The record, in the folder.
const RECORD: &str = "tree";
/// The record's first line; a record of another version is a miss.
const MAGIC: &str = "platc-cache 1";

/// What [`lookup`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// The tree on disk is what a compilation would produce: `files` files.
    Hit { files: usize },
    /// Compile.
    Miss,
}

/// The moment a run starts, for [`store`]: files modified after it (or up to
/// a second before) are recorded as unverified.
#[derive(Debug, Clone, Copy)]
pub struct Start(SystemTime);

impl Start {
    pub fn now() -> Start {
        // Compared with file times only; never reaches the output.
        Start(SystemTime::now())
    }

    /// Whether a file modified at `modified` can be trusted by its times.
    fn settled(self, modified: SystemTime) -> bool {
        modified + Duration::from_secs(1) < self.0
    }
}

/// One YAML file as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    path: String,
    /// `None`: unverified, read it on the next lookup.
    stamp: Option<Stamp>,
    /// For a generated file, the hash of its bytes; `None` for another YAML
    /// file (which does not start with the header).
    hash: Option<u64>,
}

/// What a file's metadata says of its identity and last change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: u128,
    changed: i128,
    inode: u64,
}

/// The parsed record.
#[derive(Debug, Default)]
struct Record {
    fingerprint: u64,
    /// Files the compilation read, with the hash of their text.
    reads: Vec<(String, u64)>,
    entries: Vec<Entry>,
}

fn record_path(root: &Path) -> PathBuf {
    root.join(FOLDER).join(RECORD)
}

/// Whether the tree on disk is what compiling `workspace` would produce.
pub fn lookup(workspace: &Workspace, start: Start) -> Lookup {
    let Some(root) = workspace.root() else { return Lookup::Miss };
    let Some(fingerprint) = fingerprint(workspace, workspace.other_files()) else { return Lookup::Miss };
    let Some(record) = std::fs::read_to_string(record_path(root)).ok().and_then(|text| parse(&text)) else {
        return Lookup::Miss;
    };
    if record.fingerprint != fingerprint {
        return Lookup::Miss;
    }
    let reads_unchanged = record.reads.par_iter().all(|(path, hash)| {
        std::fs::read(root.join(path)).is_ok_and(|bytes| content_hash(&String::from_utf8_lossy(&bytes)) == *hash)
    });
    if !reads_unchanged {
        return Lookup::Miss;
    }
    // Each file: trusted by its stamp, or read again.
    let checked: Vec<Option<Entry>> = record
        .entries
        .par_iter()
        .map(|entry| {
            let full = root.join(&entry.path);
            let metadata = std::fs::symlink_metadata(&full).ok()?;
            if !metadata.is_file() {
                return None;
            }
            let now = stamp(&metadata);
            if entry.stamp.is_some() && entry.stamp == now {
                return Some(entry.clone());
            }
            let same = match entry.hash {
                Some(hash) => {
                    let bytes = std::fs::read(&full).ok()?;
                    std::str::from_utf8(&bytes).is_ok_and(|text| content_hash(text) == hash)
                }
                // Another YAML file: only its first line matters.
                None => !workspace.owns(&entry.path),
            };
            let settled = metadata.modified().is_ok_and(|modified| start.settled(modified));
            same.then(|| Entry { stamp: if settled { now } else { None }, ..entry.clone() })
        })
        .collect();
    let Some(entries) = checked.into_iter().collect::<Option<Vec<Entry>>>() else { return Lookup::Miss };
    let files = entries.iter().filter(|entry| entry.hash.is_some()).count();
    if entries != record.entries {
        // Files read again: record what they are now, so the next run trusts them.
        let refreshed = Record { entries, ..record };
        save(root, &refreshed);
    }
    Lookup::Hit { files }
}

/// Records that the disk holds `tree`, the whole compilation of `workspace`
/// (no diagnostics, no drift), and which files it read. `removed` are the
/// files the run pruned: with the files it wrote, the repository's files are
/// now what the workspace found less those, plus the tree. `written` (in
/// order) are the files it wrote, too recent to trust their times.
pub fn store(workspace: &Workspace, tree: &OutputTree, removed: &[String], written: &[String], start: Start) {
    let Some(root) = workspace.root() else { return };
    // The repository's files now, in order: both lists are sorted, so they
    // merge without a set of a quarter of a million paths.
    let kept = workspace.other_files().filter(|path| removed.binary_search_by(|gone| gone.as_str().cmp(path)).is_err());
    let Some(fingerprint) = fingerprint(workspace, merge_sorted(kept, tree.paths())) else { return };
    let mut reads = Vec::new();
    for path in workspace.reads() {
        let Ok(bytes) = std::fs::read(root.join(&path)) else { return };
        reads.push((path, content_hash(&String::from_utf8_lossy(&bytes))));
    }
    let others: Vec<&str> =
        workspace.yaml_files().filter(|path| !tree.contains(path) && workspace.in_scope(path)).collect();
    if others.iter().copied().chain(tree.paths()).any(|path| path.contains(['\n', '\r'])) {
        // The record is line-based.
        return;
    }
    // Both in path order: which files this run wrote, by one merge.
    let mut written = written.iter().map(String::as_str).peekable();
    let generated: Vec<(&str, Option<u64>, bool)> = tree
        .hashes()
        .into_iter()
        .map(|(path, hash)| {
            while written.next_if(|other| *other < path).is_some() {}
            let fresh = written.next_if_eq(&path).is_some() || tree.get(path).is_some();
            (path, Some(hash), fresh)
        })
        .collect();
    let entries: Option<Vec<Entry>> = generated
        .into_par_iter()
        .chain(others.into_par_iter().map(|path| (path, None, false)))
        .map(|(path, hash, fresh)| {
            if fresh {
                // Written by this run: too recent to trust its times.
                return Some(Entry { path: path.to_owned(), stamp: None, hash });
            }
            let metadata = std::fs::symlink_metadata(root.join(path)).ok()?;
            let settled = metadata.modified().is_ok_and(|modified| start.settled(modified));
            Some(Entry { path: path.to_owned(), stamp: if settled { stamp(&metadata) } else { None }, hash })
        })
        .collect();
    // A file gone meanwhile: record nothing.
    let Some(entries) = entries else { return };
    save(root, &Record { fingerprint, reads, entries });
}

/// The union of two sorted sequences of paths, sorted, each path once.
fn merge_sorted<'a>(
    left: impl Iterator<Item = &'a str>,
    right: impl Iterator<Item = &'a str>,
) -> impl Iterator<Item = &'a str> {
    let (mut left, mut right) = (left.peekable(), right.peekable());
    std::iter::from_fn(move || match (left.peek(), right.peek()) {
        (Some(a), Some(b)) if a < b => left.next(),
        (Some(a), Some(b)) if a > b => right.next(),
        (Some(_), Some(_)) => {
            right.next();
            left.next()
        }
        (Some(_), None) => left.next(),
        (None, _) => right.next(),
    })
}

fn save(root: &Path, record: &Record) {
    // Tens of thousands of lines: written by hand, not through `format!`.
    let mut text = String::with_capacity(64 + record.entries.len() * 96);
    text.push_str(MAGIC);
    text.push_str("\nfingerprint ");
    push_hex(record.fingerprint, &mut text);
    text.push('\n');
    for (path, hash) in &record.reads {
        text.push_str("read ");
        push_hex(*hash, &mut text);
        text.push(' ');
        text.push_str(path);
        text.push('\n');
    }
    // In parallel, a few thousand lines at a time.
    let chunks: Vec<String> = record
        .entries
        .par_chunks(4096)
        .map(|entries| {
            let mut text = String::with_capacity(entries.len() * 96);
            for entry in entries {
                text.push_str("file ");
                match entry.hash {
                    Some(hash) => push_hex(hash, &mut text),
                    None => text.push('-'),
                }
                match entry.stamp {
                    Some(stamp) => {
                        let _ = write!(text, " {} {} {} {} ", stamp.len, stamp.modified, stamp.changed, stamp.inode);
                    }
                    None => text.push_str(" - - - - "),
                }
                text.push_str(&entry.path);
                text.push('\n');
            }
            text
        })
        .collect();
    for chunk in &chunks {
        text.push_str(chunk);
    }
    let folder = root.join(FOLDER);
    // The `.gitignore` first: git never sees the record.
    let mut files = Vec::new();
    if !folder.join(".gitignore").is_file() {
        files.push((".gitignore", "# Written by platc: its build cache, never committed.\n*\n"));
        files.push(("CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n# The build cache of platc.\n"));
    }
    files.push((RECORD, text.as_str()));
    let _ = crate::write::cache_files(&folder, &files);
}

/// Sixteen lowercase hexadecimal digits.
fn push_hex(value: u64, out: &mut String) {
    for shift in (0..16).rev() {
        let digit = u8::try_from((value >> (shift * 4)) & 0xf).unwrap_or(0);
        out.push(char::from(if digit < 10 { b'0' + digit } else { b'a' + digit - 10 }));
    }
}

fn parse(text: &str) -> Option<Record> {
    let mut lines = text.lines();
    if lines.next()? != MAGIC {
        return None;
    }
    let fingerprint = u64::from_str_radix(lines.next()?.strip_prefix("fingerprint ")?, 16).ok()?;
    let mut record = Record { fingerprint, ..Record::default() };
    for line in lines {
        let (kind, rest) = line.split_once(' ')?;
        match kind {
            "read" => {
                let (hash, path) = rest.split_once(' ')?;
                record.reads.push((path.to_owned(), u64::from_str_radix(hash, 16).ok()?));
            }
            "file" => {
                let mut fields = rest.splitn(6, ' ');
                let hash = fields.next()?;
                let hash = if hash == "-" { None } else { Some(u64::from_str_radix(hash, 16).ok()?) };
                let numbers: Vec<&str> = (0..4).map(|_| fields.next()).collect::<Option<_>>()?;
                let path = fields.next()?.to_owned();
                let stamp = if numbers.iter().all(|number| *number == "-") {
                    None
                } else {
                    Some(Stamp {
                        len: numbers[0].parse().ok()?,
                        modified: numbers[1].parse().ok()?,
                        changed: numbers[2].parse().ok()?,
                        inode: numbers[3].parse().ok()?,
                    })
                };
                record.entries.push(Entry { path, stamp, hash });
            }
            _ => return None,
        }
    }
    Some(record)
}

fn stamp(metadata: &std::fs::Metadata) -> Option<Stamp> {
    let modified = metadata.modified().ok()?.duration_since(UNIX_EPOCH).ok()?.as_nanos();
    let (changed, inode) = change_and_inode(metadata);
    Some(Stamp { len: metadata.len(), modified, changed, inode })
}

#[cfg(unix)]
fn change_and_inode(metadata: &std::fs::Metadata) -> (i128, u64) {
    use std::os::unix::fs::MetadataExt;
    (i128::from(metadata.ctime()) * 1_000_000_000 + i128::from(metadata.ctime_nsec()), metadata.ino())
}

#[cfg(not(unix))]
fn change_and_inode(_: &std::fs::Metadata) -> (i128, u64) {
    (0, 0)
}

/// Everything a compilation depends on besides the files it reads through
/// the workspace, `files` being the paths of the repository's other files in
/// order: `None` when it cannot be known (an in-memory workspace, an
/// executable that cannot be found), which disables the cache.
fn fingerprint<'a>(workspace: &Workspace, files: impl Iterator<Item = &'a str>) -> Option<u64> {
    workspace.root()?;
    let executable = std::env::current_exe().ok()?;
    let metadata = std::fs::metadata(executable).ok()?;
    let mut hasher = std::hash::DefaultHasher::new();
    MAGIC.hash(&mut hasher);
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    metadata.len().hash(&mut hasher);
    metadata.modified().ok()?.duration_since(UNIX_EPOCH).ok()?.as_nanos().hash(&mut hasher);
    workspace.scope().hash(&mut hasher);
    workspace.platform.as_ref().map(|file| (&file.path, &*file.text)).hash(&mut hasher);
    for spec in &workspace.specs {
        (&spec.path, &*spec.text).hash(&mut hasher);
    }
    workspace.problems.hash(&mut hasher);
    for path in files {
        path.hash(&mut hasher);
    }
    Some(hasher.finish())
}
