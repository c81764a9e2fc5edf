//! Discover and load: find the repository root, walk it honouring
//! `.gitignore`, and read the spec files. The only module that reads from disk
//! but for the build cache, which verifies its record (`cache.rs`); `write.rs`
//! is the only one that writes.
//!
//! A [`Workspace`] can also be built from in-memory `(path, text)` pairs, so
//! the library compiles without touching the disk.
#![allow(clippy::disallowed_methods)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use crate::emit::{HEADER_PREFIX, OutputTree};
use crate::source::SourceFile;

/// The platform config file, at the repository root.
pub const PLATFORM_FILE: &str = "platform.kdl";
/// Spec file names, in the order they are preferred.
pub const SPEC_FILES: &[&str] = &["platc.kdl", "platc.yaml"];

/// A loaded repository: its platform config, its service specs, and access to
/// its other files.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// `None` for an in-memory workspace.
    root: Option<PathBuf>,
    pub platform: Option<SourceFile>,
    /// Spec files, sorted by path.
    pub specs: Vec<SourceFile>,
    /// Files that could not be loaded, with the reason.
    pub problems: Vec<(String, String)>,
    /// Repository-relative folders a run is limited to; empty for all.
    scope: Vec<String>,
    /// Paths of every other file, for ownership checks and pruning.
    files: BTreeSet<String>,
    /// In memory: the contents of every other file.
    memory: BTreeMap<String, Arc<str>>,
    /// Every other file a compilation read (`config-file`, `manifests`), for
    /// the build cache.
    reads: Arc<Mutex<BTreeSet<String>>>,
    /// Handles of the folders files were last read from.
    folders: Arc<Folders>,
}

/// The folders files were last opened in, each with an open handle, so that
/// a file is opened relative to its folder (`openat`): the kernel then looks
/// up one name instead of every component of its path, which was most of
/// the cost of comparing a generated file with the disk. Files come folder
/// by folder, so a few handles serve them all; they close with the
/// workspace.
#[derive(Debug, Default)]
struct Folders {
    #[cfg(unix)]
    recent: Mutex<std::collections::VecDeque<(String, Arc<rustix::fd::OwnedFd>)>>,
}

impl Folders {
    /// How many folder handles stay open: a few for each thread.
    #[cfg(unix)]
    const KEPT: usize = 16;

    /// Opens the file at `path` (repository-relative) for reading. The last
    /// component is not followed if it is a link, and opening does not wait
    /// on a FIFO (a regular file reads as usual).
    #[cfg(unix)]
    fn open(&self, root: &Path, path: &str) -> std::io::Result<std::fs::File> {
        use rustix::fs::{Mode, OFlags};
        let (folder, name) = path.rsplit_once('/').unwrap_or(("", path));
        let handle = self.handle(root, folder)?;
        let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOFOLLOW | OFlags::NONBLOCK;
        Ok(std::fs::File::from(rustix::fs::openat(&*handle, name, flags, Mode::empty())?))
    }

    #[cfg(unix)]
    fn handle(&self, root: &Path, folder: &str) -> std::io::Result<Arc<rustix::fd::OwnedFd>> {
        use rustix::fs::{Mode, OFlags};
        let lock = || self.recent.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, handle)) = lock().iter().find(|(open, _)| open == folder) {
            return Ok(Arc::clone(handle));
        }
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let handle = Arc::new(rustix::fs::open(root.join(folder), flags, Mode::empty())?);
        let mut recent = lock();
        recent.push_front((folder.to_owned(), Arc::clone(&handle)));
        recent.truncate(Self::KEPT);
        Ok(handle)
    }

    #[cfg(not(unix))]
    fn open(&self, root: &Path, path: &str) -> std::io::Result<std::fs::File> {
        std::fs::File::open(root.join(path))
    }
}

/// A failure that is not a mistake in the user's files.
#[derive(Debug)]
pub enum Error {
    NotFound(PathBuf),
    Io { path: PathBuf, source: std::io::Error },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotFound(path) => write!(f, "`{}` does not exist or is not a folder", path.display()),
            Error::Io { path, source } => write!(f, "cannot read `{}`: {source}", path.display()),
        }
    }
}

impl std::error::Error for Error {}

/// What is at a path where platc wants to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Existing {
    Missing,
    /// A file platc generated (it starts with the header), and its text.
    Owned(String),
    /// A file platc did not generate.
    Unowned,
}

/// Spec files larger than this are refused unread: no spec is near it.
const MAX_SPEC_BYTES: u64 = 1 << 20;

impl Workspace {
    /// Finds the root for `path` (the nearest ancestor with `platform.kdl`,
    /// else `path` itself) and loads it.
    pub fn discover(path: &Path) -> Result<Workspace, Error> {
        if !path.is_dir() {
            return Err(Error::NotFound(path.to_owned()));
        }
        let start = path.canonicalize().map_err(|source| Error::Io { path: path.to_owned(), source })?;
        let root = start.ancestors().find(|dir| dir.join(PLATFORM_FILE).is_file()).unwrap_or(&start).to_owned();
        Workspace::load(&root)
    }

    /// The root of a workspace on disk.
    pub fn root(&self) -> Option<&Path> {
        self.root.as_deref()
    }

    /// A workspace with nothing in it yet.
    fn empty(root: Option<PathBuf>) -> Workspace {
        Workspace {
            root,
            platform: None,
            specs: Vec::new(),
            problems: Vec::new(),
            scope: Vec::new(),
            files: BTreeSet::new(),
            memory: BTreeMap::new(),
            reads: Arc::default(),
            folders: Arc::default(),
        }
    }

    /// Loads the repository at `root`.
    pub fn load(root: &Path) -> Result<Workspace, Error> {
        let mut workspace = Workspace::empty(Some(root.to_owned()));
        // Walk on every core (a monorepo holds tens of thousands of generated
        // files), each thread collecting on its own, then put what was found
        // in order.
        let found: Mutex<Vec<Result<String, String>>> = Mutex::default();
        ignore::WalkBuilder::new(root)
            .hidden(false)
            .git_ignore(true)
            .git_global(false)
            .git_exclude(true)
            .require_git(false)
            .follow_links(false)
            .filter_entry(|entry| entry.file_name() != ".git" && entry.file_name() != crate::cache::FOLDER)
            .build_parallel()
            .visit(&mut Collect { root, found: &found });
        let mut found = found.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
        found.par_sort_unstable();
        let mut sources = Vec::new();
        let mut files = Vec::with_capacity(found.len());
        for item in found {
            match item {
                Ok(relative) => {
                    let name = relative.rsplit('/').next().unwrap_or(&relative);
                    if relative == PLATFORM_FILE || SPEC_FILES.contains(&name) {
                        sources.push((root.join(&relative), relative));
                    } else {
                        files.push(relative);
                    }
                }
                Err(error) => workspace.problems.push((String::new(), error)),
            }
        }
        // In order already: built in one pass, not searched once a file.
        workspace.files = files.into_iter().collect();
        let loaded: Vec<(SourceFile, Option<(String, String)>)> =
            sources.into_par_iter().map(|(path, relative)| read_source(&path, relative)).collect();
        for (source, problem) in loaded {
            workspace.problems.extend(problem);
            if source.path == PLATFORM_FILE {
                workspace.platform = Some(source);
            } else {
                workspace.specs.push(source);
            }
        }
        workspace.specs.sort_by(|left, right| left.path.cmp(&right.path));
        Ok(workspace)
    }

    /// An in-memory workspace from `(path, text)` pairs: `platform.kdl` at the
    /// root is the platform config, `platc.kdl`/`platc.yaml` anywhere are
    /// specs, and every other file is available to specs (`config-file`) and
    /// as the "disk" that `check` compares against.
    pub fn from_files<P: Into<String>, T: Into<String>>(files: impl IntoIterator<Item = (P, T)>) -> Workspace {
        let mut workspace = Workspace::empty(None);
        for (path, text) in files {
            let path: String = path.into();
            let text: String = text.into();
            let name = path.rsplit('/').next().unwrap_or(&path);
            if path == PLATFORM_FILE {
                workspace.platform = Some(SourceFile::new(path, text));
            } else if SPEC_FILES.contains(&name) {
                workspace.specs.push(SourceFile::new(path, text));
            } else {
                workspace.files.insert(path.clone());
                workspace.memory.insert(path, text.into());
            }
        }
        workspace.specs.sort_by(|left, right| left.path.cmp(&right.path));
        workspace
    }

    /// Limits a run to the services under `folders` (repository-relative):
    /// every spec is still compiled, so that dependencies resolve as in a
    /// full run, but only these services' files are generated, compared and
    /// pruned, and only their diagnostics are reported.
    pub fn set_scope(&mut self, folders: Vec<String>) {
        // A folder inside a service (its `deploy/staging`, say) stands for
        // the whole service, whose spec generates the files there.
        let spec_folders: Vec<&str> =
            self.specs.iter().map(|spec| spec.path.rsplit_once('/').map_or("", |(folder, _)| folder)).collect();
        self.scope = folders
            .into_iter()
            .filter(|folder| !folder.is_empty())
            .map(|folder| {
                spec_folders
                    .iter()
                    .filter(|spec_folder| {
                        spec_folder.is_empty()
                            || folder.strip_prefix(*spec_folder).is_some_and(|rest| rest.starts_with('/'))
                    })
                    .max_by_key(|spec_folder| spec_folder.len())
                    .map_or(folder.clone(), |spec_folder| (*spec_folder).to_owned())
            })
            .collect();
        if self.scope.iter().any(String::is_empty) {
            self.scope.clear();
        }
    }

    /// Whether a repository-relative path is inside the run's scope.
    pub fn in_scope(&self, path: &str) -> bool {
        self.scope.is_empty()
            || self.scope.iter().any(|folder| {
                let folder = folder.trim_end_matches('/');
                path == folder || path.strip_prefix(folder).is_some_and(|rest| rest.starts_with('/'))
            })
    }

    /// Replaces a spec's text in memory (after an edit), so a compilation sees it.
    pub fn update_spec(&mut self, path: &str, text: String) {
        if let Some(spec) = self.specs.iter_mut().find(|spec| spec.path == path) {
            spec.text = text.into();
        }
    }

    /// The folders a run is limited to (repository-relative); empty for all.
    pub fn scope(&self) -> &[String] {
        &self.scope
    }

    /// Every file of the repository that is not a spec or `platform.kdl`, in path order.
    pub fn other_files(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(String::as_str)
    }

    /// The YAML files among [`Workspace::other_files`]: where platc's own files are.
    pub fn yaml_files(&self) -> impl Iterator<Item = &str> {
        self.other_files().filter(|path| path.ends_with(".yaml") || path.ends_with(".yml"))
    }

    /// The other files compilations have read so far, in path order.
    pub fn reads(&self) -> Vec<String> {
        self.reads.lock().map(|reads| reads.iter().cloned().collect()).unwrap_or_default()
    }

    /// Reads a repository file as text, for `config-file`.
    pub fn read(&self, path: &str) -> Option<String> {
        if let Ok(mut reads) = self.reads.lock() {
            reads.insert(path.to_owned());
        }
        if let Some(text) = self.memory.get(path) {
            return Some(text.to_string());
        }
        let root = self.root.as_ref()?;
        if !self.files.contains(path) {
            return None;
        }
        std::fs::read_to_string(root.join(path)).ok()
    }

    /// Whether `path` holds exactly `contents` now. A read error counts as no.
    pub fn holds(&self, path: &str, contents: &str) -> bool {
        if let Some(text) = self.memory.get(path) {
            return **text == *contents;
        }
        let Some(root) = &self.root else { return false };
        // Only a regular file the walk found (not a link, not a folder) can
        // hold it.
        if !self.files.contains(path) {
            return false;
        }
        let Ok(mut file) = self.folders.open(root, path) else { return false };
        // Through `take`, at most one byte more than expected (which tells a
        // longer file): no need to ask the file's size first, and
        // `File::read_to_end` would ask it again, with its position, to size
        // a buffer that is sized already. Anything but a regular file fails
        // to read or reads short.
        let mut bytes = Vec::with_capacity(contents.len() + 1);
        std::io::Read::read_to_end(&mut std::io::Read::take(&mut file, contents.len() as u64 + 1), &mut bytes).is_ok()
            && bytes == contents.as_bytes()
    }

    /// Whether the file at `path` starts with platc's header (reads only
    /// that much of it).
    pub fn owns(&self, path: &str) -> bool {
        if let Some(text) = self.memory.get(path) {
            return text.starts_with(HEADER_PREFIX);
        }
        let Some(root) = &self.root else { return false };
        let Ok(file) = self.folders.open(root, path) else { return false };
        let mut start = Vec::with_capacity(HEADER_PREFIX.len());
        std::io::Read::read_to_end(&mut std::io::Read::take(file, HEADER_PREFIX.len() as u64), &mut start).is_ok()
            && start == HEADER_PREFIX.as_bytes()
    }

    /// What is at `path` now.
    pub fn existing(&self, path: &str) -> Existing {
        let text = match (&self.root, self.memory.get(path)) {
            (_, Some(text)) => Some(text.to_string()),
            (Some(root), None) => match root.join(path).symlink_metadata() {
                Err(_) => None,
                // A link, a folder, a FIFO: nothing platc wrote, and nothing
                // to read through (a FIFO would block).
                Ok(metadata) if !metadata.is_file() => return Existing::Unowned,
                Ok(_) => {
                    let mut bytes = Vec::new();
                    match self
                        .folders
                        .open(root, path)
                        .and_then(|mut file| std::io::Read::read_to_end(&mut file, &mut bytes))
                    {
                        Ok(_) => Some(String::from_utf8(bytes).unwrap_or_default()),
                        Err(_) => return Existing::Unowned,
                    }
                }
            },
            (None, None) => None,
        };
        match text {
            None => Existing::Missing,
            Some(text) if text.starts_with(HEADER_PREFIX) => Existing::Owned(text),
            Some(_) => Existing::Unowned,
        }
    }

    /// Files platc owns (YAML files that start with the header, and the
    /// temporaries an interrupted build left) that `tree` does not hold: what
    /// a build prunes and `check` reports as extra.
    pub fn owned_files_outside(&self, tree: &OutputTree) -> Vec<String> {
        // Both in path order: one walk along the two, not a search of the
        // tree for each file.
        let mut generated = tree.paths().peekable();
        self.files
            .iter()
            .filter(|path| {
                while generated.next_if(|made| *made < path.as_str()).is_some() {}
                let made = generated.peek() == Some(&path.as_str());
                let yaml = path.ends_with(".yaml") || path.ends_with(".yml");
                (yaml && !made || is_stale_temporary(path)) && self.in_scope(path)
            })
            .filter(|path| matches!(self.existing(path), Existing::Owned(_)))
            .cloned()
            .collect()
    }
}

impl crate::resolve::Files for Workspace {
    fn read(&self, path: &str) -> Option<String> {
        Workspace::read(self, path)
    }

    fn list(&self, folder: &str) -> Vec<String> {
        let prefix = format!("{}/", folder.trim_end_matches('/'));
        self.files
            .range(prefix.clone()..)
            .take_while(|path| path.starts_with(&prefix))
            .filter(|path| !path[prefix.len()..].contains('/'))
            .cloned()
            .collect()
    }
}

/// `root/a/b` → `a/b`, with `/` separators; `None` outside `root` or not UTF-8.
/// Whether `path` is a temporary file that a build interrupted before its
/// end left behind: `.<name>.platc-<pid>.tmp` (see `write::Stage`), of a
/// process that is gone. It holds a whole generated file, so it is owned,
/// and removed like any owned file no longer generated (and `check` reports
/// it, rather than let it be committed).
fn is_stale_temporary(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let Some(rest) = name.strip_prefix('.').and_then(|rest| rest.strip_suffix(".tmp")) else { return false };
    let Some((_, pid)) = rest.rsplit_once(".platc-") else { return false };
    let Ok(pid) = pid.parse::<u32>() else { return false };
    pid != std::process::id() && !process_runs(pid)
}

/// Whether a process with this id exists (a signal to it could be sent, or
/// is refused for want of permission).
#[cfg(unix)]
fn process_runs(pid: u32) -> bool {
    let Some(pid) = i32::try_from(pid).ok().and_then(rustix::process::Pid::from_raw) else { return false };
    match rustix::process::test_kill_process(pid) {
        Ok(()) => true,
        Err(error) => error != rustix::io::Errno::SRCH,
    }
}

/// Elsewhere a build cannot tell: its temporaries count as stale.
#[cfg(not(unix))]
fn process_runs(_: u32) -> bool {
    false
}

/// The walk's visitors: each thread gathers the regular files it meets
/// (repository-relative) and the errors, and hands them over at the end.
struct Collect<'a> {
    root: &'a Path,
    found: &'a Mutex<Vec<Result<String, String>>>,
}

impl<'s> ignore::ParallelVisitorBuilder<'s> for Collect<'s> {
    fn build(&mut self) -> Box<dyn ignore::ParallelVisitor + 's> {
        Box::new(Collected { root: self.root, found: self.found, mine: Vec::new() })
    }
}

struct Collected<'a> {
    root: &'a Path,
    found: &'a Mutex<Vec<Result<String, String>>>,
    mine: Vec<Result<String, String>>,
}

impl ignore::ParallelVisitor for Collected<'_> {
    fn visit(&mut self, entry: Result<ignore::DirEntry, ignore::Error>) -> ignore::WalkState {
        match entry {
            Ok(entry) if entry.file_type().is_some_and(|kind| kind.is_file()) => {
                self.mine.extend(relative_path(self.root, entry.path()).map(Ok));
            }
            Ok(_) => {}
            Err(error) => self.mine.push(Err(error.to_string())),
        }
        ignore::WalkState::Continue
    }
}

impl Drop for Collected<'_> {
    fn drop(&mut self) {
        let mut found = self.found.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        found.append(&mut self.mine);
    }
}

fn relative_path(root: &Path, path: &Path) -> Option<String> {
    let relative = path.strip_prefix(root).ok()?;
    if std::path::MAIN_SEPARATOR == '/' {
        // The walk's paths are already plain: no `.`, no `..`, no doubled `/`.
        return relative.to_str().map(str::to_owned);
    }
    let parts: Option<Vec<&str>> = relative.components().map(|component| component.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}

/// Reads a spec or `platform.kdl`: its text, or empty text and the problem.
fn read_source(path: &Path, relative: String) -> (SourceFile, Option<(String, String)>) {
    let problem = match std::fs::metadata(path) {
        Ok(metadata) if metadata.len() > MAX_SPEC_BYTES => {
            format!("the file is larger than {} KiB", MAX_SPEC_BYTES / 1024)
        }
        Ok(_) => match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => return (SourceFile::new(relative, text), None),
                Err(_) => "the file is not UTF-8 text".to_owned(),
            },
            Err(error) => error.to_string(),
        },
        Err(error) => error.to_string(),
    };
    (SourceFile::new(relative.clone(), String::new()), Some((relative, problem)))
}
