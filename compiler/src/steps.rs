//! The steps of `platc build` and `platc check` on a loaded repository: the
//! build cache, compiling, staging, planning, writing and recording. The CLI
//! runs them and prints what they return; the benchmark (`bench/`) runs the
//! same functions and times each [`Step`], so that what it measures is what
//! users run.

use crate::cache::{self, Start};
use crate::diff::Drift;
use crate::{Compilation, Workspace, compile_against, compile_keeping, write};

/// A step that has just ended, for whoever times them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The build cache was asked (hit or miss).
    Lookup,
    /// The compilation ended (and its diagnostics were reported).
    Compile,
    /// The plan (for a build) or the drift (for a check) is known.
    Plan,
    /// Staged files were renamed into place, the rest written and pruned.
    Write,
    /// The build cache recorded the run.
    Store,
}

/// How a run goes.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Whether the build cache is asked first and told afterwards.
    pub cache: bool,
    /// When the run began (for the cache's rule on recent changes).
    pub start: Start,
}

/// What a build did.
#[derive(Debug)]
pub enum Built {
    /// The build cache vouched for every file: nothing compiled or written.
    Cached { files: usize },
    /// The compilation has errors: nothing was written.
    Failed(Compilation),
    /// The disk holds the compiled tree now.
    Written(Writes),
}

/// What a build wrote.
#[derive(Debug)]
pub struct Writes {
    pub compilation: Compilation,
    /// Files written, and their bytes.
    pub files: usize,
    pub bytes: usize,
    /// Owned files pruned.
    pub removed: usize,
    /// Files left as they were.
    pub unchanged: usize,
}

/// What a check found, before it is compared with the disk.
#[derive(Debug)]
pub enum Checked {
    /// The build cache vouched for every file.
    Cached { files: usize },
    /// The compilation, to compare (`diff::drift`, then [`checked`]).
    Compiled(Compilation),
}

/// `platc build`: changed files are staged beside their places while
/// compiling, and renamed into place only once the compilation and the plan
/// have passed; on any error nothing is written. `report` sees the
/// compilation as soon as it ends (diagnostics included).
pub fn build(
    workspace: &Workspace,
    options: Options,
    report: &mut dyn FnMut(&Compilation),
    step: &mut dyn FnMut(Step),
) -> Result<Built, String> {
    if let Some(files) = lookup(workspace, options, step) {
        return Ok(Built::Cached { files });
    }
    let stage = write::Stage::new(workspace).map_err(|error| error.to_string())?;
    let compilation = compile_keeping(workspace, &|path, contents| stage.file(path, contents));
    report(&compilation);
    step(Step::Compile);
    if compilation.diagnostics.has_errors() {
        stage.discard();
        return Ok(Built::Failed(compilation));
    }
    if let Some(error) = stage.take_error() {
        stage.discard();
        return Err(format!("{error}; nothing written"));
    }
    let plan = match write::plan(workspace, &compilation.files) {
        Ok(plan) => plan,
        Err(error) => {
            stage.discard();
            return Err(error.to_string());
        }
    };
    step(Step::Plan);
    let (staged, staged_bytes, written) = (stage.len(), stage.bytes(), stage.paths());
    stage.commit().map_err(|error| error.to_string())?;
    write::apply(workspace, &plan).map_err(|error| error.to_string())?;
    step(Step::Write);
    let write::Plan { writes, removals, unchanged } = plan;
    let files = staged + writes.len();
    let bytes = staged_bytes + writes.iter().map(|(_, contents)| contents.len()).sum::<usize>();
    drop(writes);
    store(workspace, &compilation, &removals, &written, options, step);
    Ok(Built::Written(Writes { compilation, files, bytes, removed: removals.len(), unchanged: unchanged - staged }))
}

/// `platc check` and `platc diff`, up to the comparison: the build cache,
/// then the compilation against the disk (keeping only files that differ).
pub fn check(
    workspace: &Workspace,
    options: Options,
    report: &mut dyn FnMut(&Compilation),
    step: &mut dyn FnMut(Step),
) -> Checked {
    if let Some(files) = lookup(workspace, options, step) {
        return Checked::Cached { files };
    }
    let compilation = compile_against(workspace);
    report(&compilation);
    step(Step::Compile);
    Checked::Compiled(compilation)
}

/// After a check compared `compilation` with the disk and found `drifts`:
/// records an up-to-date tree in the build cache.
pub fn checked(
    workspace: &Workspace,
    compilation: &Compilation,
    drifts: &[Drift<'_>],
    options: Options,
    step: &mut dyn FnMut(Step),
) {
    step(Step::Plan);
    if drifts.is_empty() {
        store(workspace, compilation, &[], &[], options, step);
    }
}

fn lookup(workspace: &Workspace, options: Options, step: &mut dyn FnMut(Step)) -> Option<usize> {
    if !options.cache {
        return None;
    }
    let lookup = cache::lookup(workspace, options.start);
    step(Step::Lookup);
    match lookup {
        cache::Lookup::Hit { files } => Some(files),
        cache::Lookup::Miss => None,
    }
}

/// Records a run that left the disk equal to the compiled tree, when the
/// compilation had nothing to say (diagnostics are printed by compiling, so
/// a run with any is never skipped).
fn store(
    workspace: &Workspace,
    compilation: &Compilation,
    removed: &[String],
    written: &[String],
    options: Options,
    step: &mut dyn FnMut(Step),
) {
    if options.cache && compilation.diagnostics.is_empty() {
        cache::store(workspace, &compilation.files, removed, written, options.start);
        step(Step::Store);
    }
}
