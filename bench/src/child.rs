//! One scenario, in a process of its own so that its peak RSS is its own: what
//! `platc build` or `platc check` does (`cli/mod.rs`), phase by phase, through
//! the library. Prints one `RESULT key=value…` line for the parent.

use std::path::Path;
use std::time::{Duration, Instant};

use platc::report::{self, Style};
use platc::{Compilation, Workspace, cache, diff, write};

/// What the parent asks a child to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scenario {
    /// `platc build` on a tree with no `deploy/` folders yet (and no cache).
    FullBuild,
    /// `platc build --no-cache` again: nothing changed, nothing may be written.
    NoopBuild,
    /// `platc check --no-cache` on an up-to-date tree: no drift.
    Check,
    /// `platc build` again, the build cache in place.
    NoopBuildCached,
    /// `platc check`, the build cache in place.
    CheckCached,
}

impl Scenario {
    pub(crate) const ALL: [Scenario; 5] =
        [Scenario::FullBuild, Scenario::NoopBuild, Scenario::Check, Scenario::NoopBuildCached, Scenario::CheckCached];

    pub(crate) fn arg(self) -> &'static str {
        match self {
            Scenario::FullBuild => "full-build",
            Scenario::NoopBuild => "noop-build",
            Scenario::Check => "check",
            Scenario::NoopBuildCached => "noop-build-cached",
            Scenario::CheckCached => "check-cached",
        }
    }

    pub(crate) fn label(self) -> &'static str {
        match self {
            Scenario::FullBuild => "full build",
            Scenario::NoopBuild => "no-op build, no cache",
            Scenario::Check => "check, no cache",
            Scenario::NoopBuildCached => "no-op build, cache",
            Scenario::CheckCached => "check, cache",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Scenario> {
        Scenario::ALL.into_iter().find(|scenario| scenario.arg() == text)
    }

    fn cached(self) -> bool {
        matches!(self, Scenario::NoopBuildCached | Scenario::CheckCached)
    }
}

/// The measurements of one child, as it reports them.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Measurement {
    /// `Workspace::discover` (walk + read every spec) and `retain_specs`.
    pub(crate) load: Duration,
    /// `platc::compile` and rendering its diagnostics.
    pub(crate) compile: Duration,
    /// `write::plan` for a build, `diff::drift` for check.
    pub(crate) plan: Duration,
    /// `write::apply` (zero for check).
    pub(crate) write: Duration,
    /// Dropping the plan, compilation and workspace, as the CLI does on return.
    pub(crate) teardown: Duration,
    /// Looking the tree up in the build cache, and recording it there.
    pub(crate) cache: Duration,
    /// 1 when the cache answered and nothing was compiled.
    pub(crate) hit: usize,
    /// From before loading to after teardown, in the child.
    pub(crate) total: Duration,
    pub(crate) files_written: usize,
    pub(crate) bytes_written: usize,
    pub(crate) files_removed: usize,
    /// Files and bytes in the compiled tree.
    pub(crate) tree_files: usize,
    pub(crate) tree_bytes: usize,
    /// Drifts found by check.
    pub(crate) drifts: usize,
    pub(crate) diagnostics: usize,
    /// `VmHWM` at the end of the child.
    pub(crate) peak_rss_kib: u64,
    /// `VmHWM` after loading, after compiling and after planning: which
    /// phase raised the peak.
    pub(crate) peak_after_load_kib: u64,
    pub(crate) peak_after_compile_kib: u64,
    pub(crate) peak_after_plan_kib: u64,
    /// User + system CPU time of every thread of the child, at its end.
    pub(crate) cpu: Duration,
    /// Wall time of the whole child process, measured by the parent.
    pub(crate) process: Duration,
}

const FIELDS: &[&str] = &[
    "load_us",
    "compile_us",
    "plan_us",
    "write_us",
    "teardown_us",
    "total_us",
    "files_written",
    "bytes_written",
    "files_removed",
    "tree_files",
    "tree_bytes",
    "drifts",
    "diagnostics",
    "peak_rss_kib",
    "peak_after_load_kib",
    "peak_after_compile_kib",
    "peak_after_plan_kib",
    "cpu_us",
    "cache_us",
    "hit",
];

impl Measurement {
    fn values(&self) -> [u64; FIELDS.len()] {
        let micros = |duration: Duration| u64::try_from(duration.as_micros()).unwrap_or(u64::MAX);
        let count = |count: usize| count as u64;
        [
            micros(self.load),
            micros(self.compile),
            micros(self.plan),
            micros(self.write),
            micros(self.teardown),
            micros(self.total),
            count(self.files_written),
            count(self.bytes_written),
            count(self.files_removed),
            count(self.tree_files),
            count(self.tree_bytes),
            count(self.drifts),
            count(self.diagnostics),
            self.peak_rss_kib,
            self.peak_after_load_kib,
            self.peak_after_compile_kib,
            self.peak_after_plan_kib,
            micros(self.cpu),
            micros(self.cache),
            count(self.hit),
        ]
    }

    /// The line a child prints.
    pub(crate) fn line(&self) -> String {
        let pairs: Vec<String> =
            FIELDS.iter().zip(self.values()).map(|(field, value)| format!("{field}={value}")).collect();
        format!("RESULT {}", pairs.join(" "))
    }

    /// Reads the line a child printed.
    pub(crate) fn from_line(line: &str) -> Option<Measurement> {
        let rest = line.strip_prefix("RESULT ")?;
        let mut values = [0u64; FIELDS.len()];
        for pair in rest.split_whitespace() {
            let (key, value) = pair.split_once('=')?;
            let position = FIELDS.iter().position(|field| *field == key)?;
            values[position] = value.parse().ok()?;
        }
        let count = |value: u64| usize::try_from(value).unwrap_or(usize::MAX);
        Some(Measurement {
            load: Duration::from_micros(values[0]),
            compile: Duration::from_micros(values[1]),
            plan: Duration::from_micros(values[2]),
            write: Duration::from_micros(values[3]),
            teardown: Duration::from_micros(values[4]),
            total: Duration::from_micros(values[5]),
            files_written: count(values[6]),
            bytes_written: count(values[7]),
            files_removed: count(values[8]),
            tree_files: count(values[9]),
            tree_bytes: count(values[10]),
            drifts: count(values[11]),
            diagnostics: count(values[12]),
            peak_rss_kib: values[13],
            peak_after_load_kib: values[14],
            peak_after_compile_kib: values[15],
            peak_after_plan_kib: values[16],
            cpu: Duration::from_micros(values[17]),
            cache: Duration::from_micros(values[18]),
            hit: count(values[19]),
            process: Duration::ZERO,
        })
    }
}

/// `VmHWM` (peak resident set) of this process, in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// User + system CPU time of this process (all threads), from
/// `/proc/self/stat` (fields 14 and 15, in clock ticks of 1/100 s on Linux).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The command name, in parentheses, may hold spaces: count from after it.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = rest.split_whitespace().skip(11).take(2).filter_map(|field| field.parse().ok()).collect();
    Duration::from_millis(fields.iter().sum::<u64>() * 10)
}

/// Loads like `Cx::load` with the repository root as the one path.
fn load(dir: &Path, measurement: &mut Measurement) -> Workspace {
    let start = Instant::now();
    let mut workspace =
        Workspace::discover(dir).unwrap_or_else(|error| panic!("cannot load `{}`: {error}", dir.display()));
    workspace.set_scope(Vec::new());
    measurement.load = start.elapsed();
    measurement.peak_after_load_kib = peak_rss_kib();
    workspace
}

/// Compiles as the CLI does (`keep` decides what the tree keeps of each
/// file), and renders the diagnostics.
fn compile(
    workspace: &Workspace,
    keep: &(dyn Fn(&str, &str) -> bool + Sync),
    measurement: &mut Measurement,
) -> Compilation {
    let start = Instant::now();
    let compilation = platc::compile_keeping(workspace, keep);
    let style = Style { color: false, width: 100 };
    let mut rendered = String::new();
    for diagnostic in &compilation.diagnostics {
        rendered.push_str(&report::human(diagnostic, &compilation.sources, style));
    }
    measurement.compile = start.elapsed();
    measurement.peak_after_compile_kib = peak_rss_kib();
    measurement.diagnostics = compilation.diagnostics.len();
    measurement.tree_files = compilation.files.len();
    measurement.tree_bytes = compilation.files.bytes();
    if !rendered.is_empty() {
        eprint!("{rendered}");
    }
    assert!(
        !compilation.diagnostics.has_errors(),
        "the generated specs must compile without errors ({} diagnostics above)",
        compilation.diagnostics.len()
    );
    compilation
}

/// Runs one scenario on the repository at `dir`, as `cli/mod.rs` does.
pub(crate) fn run(scenario: Scenario, dir: &Path) -> Measurement {
    let mut measurement = Measurement::default();
    let start = Instant::now();
    let cache_start = cache::Start::now();
    if scenario.cached() {
        let phase = Instant::now();
        let workspace =
            Workspace::discover(dir).unwrap_or_else(|error| panic!("cannot load `{}`: {error}", dir.display()));
        measurement.load = phase.elapsed();
        measurement.peak_after_load_kib = peak_rss_kib();
        let phase = Instant::now();
        let lookup = cache::lookup(&workspace, cache_start);
        measurement.cache = phase.elapsed();
        if let cache::Lookup::Hit { files } = lookup {
            measurement.hit = 1;
            measurement.tree_files = files;
            let phase = Instant::now();
            drop(workspace);
            measurement.teardown = phase.elapsed();
            measurement.total = start.elapsed();
            measurement.peak_rss_kib = peak_rss_kib();
            measurement.cpu = cpu_time();
            return measurement;
        }
        // A miss compiles, as the CLI does, from here on.
        drop(workspace);
    }
    let workspace = load(dir, &mut measurement);
    match scenario {
        Scenario::FullBuild | Scenario::NoopBuild | Scenario::NoopBuildCached => {
            // `Cx::build`: changed files are staged while compiling.
            let stage = write::Stage::new(&workspace).unwrap_or_else(|error| panic!("stage: {error}"));
            let compilation = compile(&workspace, &|path, contents| stage.file(path, contents), &mut measurement);
            if let Some(error) = stage.take_error() {
                panic!("staging: {error}");
            }
            let phase = Instant::now();
            let plan = write::plan(&workspace, &compilation.files).unwrap_or_else(|error| panic!("plan: {error}"));
            measurement.plan = phase.elapsed();
            measurement.peak_after_plan_kib = peak_rss_kib();
            let phase = Instant::now();
            let (staged, staged_bytes, written) = (stage.len(), stage.bytes(), stage.paths());
            stage.commit().unwrap_or_else(|error| panic!("commit: {error}"));
            write::apply(&workspace, &plan).unwrap_or_else(|error| panic!("apply: {error}"));
            measurement.write = phase.elapsed();
            if scenario != Scenario::NoopBuild {
                let phase = Instant::now();
                cache::store(&workspace, &compilation.files, &plan.removals, &written, cache_start);
                measurement.cache += phase.elapsed();
            }
            measurement.files_written = staged + plan.writes.len();
            measurement.bytes_written =
                staged_bytes + plan.writes.iter().map(|(_, contents)| contents.len()).sum::<usize>();
            measurement.files_removed = plan.removals.len();
            if scenario == Scenario::FullBuild {
                assert_eq!(plan.unchanged, compilation.files.len(), "a full build stages every file");
                assert_eq!(measurement.files_written, compilation.files.len(), "a full build writes every file");
            } else {
                assert!(
                    measurement.files_written == 0 && plan.removals.is_empty(),
                    "a no-op build must write nothing, but wrote {} and removed {} files",
                    measurement.files_written,
                    plan.removals.len()
                );
            }
            let phase = Instant::now();
            drop(plan);
            // As the CLI does: freed on a thread of its own.
            std::thread::spawn(move || drop((compilation, workspace)));
            measurement.teardown = phase.elapsed();
        }
        Scenario::Check | Scenario::CheckCached => {
            let compilation = compile(&workspace, &|path, contents| !workspace.holds(path, contents), &mut measurement);
            let phase = Instant::now();
            let drifts = diff::drift(&workspace, &compilation.files);
            measurement.plan = phase.elapsed();
            measurement.peak_after_plan_kib = peak_rss_kib();
            measurement.drifts = drifts.len();
            assert!(drifts.is_empty(), "check after build must find no drift: {}", diff::summary(&drifts));
            if scenario == Scenario::CheckCached {
                let phase = Instant::now();
                cache::store(&workspace, &compilation.files, &[], &[], cache_start);
                measurement.cache += phase.elapsed();
            }
            let phase = Instant::now();
            drop(drifts);
            std::thread::spawn(move || drop((compilation, workspace)));
            measurement.teardown = phase.elapsed();
        }
    }
    measurement.total = start.elapsed();
    measurement.peak_rss_kib = peak_rss_kib();
    measurement.cpu = cpu_time();
    measurement
}
