//! One scenario, in a process of its own so that its peak RSS is its own:
//! `platc build` or `platc check` through the steps the CLI takes
//! (`platc::steps`), timed step by step. Prints one `RESULT key=value…` line
//! for the parent.

use std::path::Path;
use std::time::{Duration, Instant};

use platc::report::{self, Style};
use platc::steps::{self, Built, Checked, Step};
use platc::{Compilation, Workspace, cache, diff};

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

    /// Whether the run uses the build cache (asks it first, records the
    /// result): all but the `--no-cache` scenarios.
    fn cache(self) -> bool {
        !matches!(self, Scenario::NoopBuild | Scenario::Check)
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

/// Renders the diagnostics as the CLI does (it prints them as the
/// compilation ends), and insists there are no errors.
fn report(compilation: &Compilation, measurement: &mut Measurement) {
    let style = Style { color: false, width: 100 };
    let mut rendered = String::new();
    for diagnostic in &compilation.diagnostics {
        rendered.push_str(&report::human(diagnostic, &compilation.sources, style));
    }
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
}

/// When each step ended, and the peak RSS then.
#[derive(Debug)]
struct Steps {
    last: Instant,
    ended: Vec<(Step, Duration, u64)>,
}

impl Steps {
    fn new() -> Steps {
        Steps { last: Instant::now(), ended: Vec::new() }
    }

    fn end(&mut self, step: Step) {
        let now = Instant::now();
        self.ended.push((step, now - self.last, peak_rss_kib()));
        self.last = Instant::now();
    }

    fn record(self, measurement: &mut Measurement) {
        for (step, took, peak) in self.ended {
            match step {
                Step::Lookup | Step::Store => measurement.cache += took,
                Step::Compile => {
                    measurement.compile = took;
                    measurement.peak_after_compile_kib = peak;
                }
                Step::Plan => {
                    measurement.plan = took;
                    measurement.peak_after_plan_kib = peak;
                }
                Step::Write => measurement.write = took,
            }
        }
    }
}

/// Runs one scenario on the repository at `dir` through the steps the CLI
/// takes (`platc::steps`), timing each.
pub(crate) fn run(scenario: Scenario, dir: &Path) -> Measurement {
    let mut measurement = Measurement::default();
    let start = Instant::now();
    let options = steps::Options { cache: scenario.cache(), start: cache::Start::now() };
    let workspace = load(dir, &mut measurement);
    let mut timer = Steps::new();
    let mut reported = Measurement::default();
    let leftovers = match scenario {
        Scenario::FullBuild | Scenario::NoopBuild | Scenario::NoopBuildCached => {
            let built =
                steps::build(&workspace, options, &mut |compilation| report(compilation, &mut reported), &mut |step| {
                    timer.end(step);
                })
                .unwrap_or_else(|error| panic!("build: {error}"));
            match built {
                Built::Cached { files } => {
                    measurement.hit = 1;
                    reported.tree_files = files;
                    None
                }
                Built::Failed(_) => unreachable!("`report` insists on no errors"),
                Built::Written(writes) => {
                    measurement.files_written = writes.files;
                    measurement.bytes_written = writes.bytes;
                    measurement.files_removed = writes.removed;
                    let total = writes.compilation.files.len();
                    if scenario == Scenario::FullBuild {
                        assert_eq!(writes.files, total, "a full build writes every file");
                    } else {
                        assert!(
                            writes.files == 0 && writes.removed == 0,
                            "a no-op build must write nothing, but wrote {} and removed {} files",
                            writes.files,
                            writes.removed
                        );
                    }
                    Some(writes.compilation)
                }
            }
        }
        Scenario::Check | Scenario::CheckCached => {
            let checked =
                steps::check(&workspace, options, &mut |compilation| report(compilation, &mut reported), &mut |step| {
                    timer.end(step);
                });
            match checked {
                Checked::Cached { files } => {
                    measurement.hit = 1;
                    reported.tree_files = files;
                    None
                }
                Checked::Compiled(compilation) => {
                    let drifts = diff::drift(&workspace, &compilation.files);
                    steps::checked(&workspace, &compilation, &drifts, options, &mut |step| timer.end(step));
                    measurement.drifts = drifts.len();
                    assert!(drifts.is_empty(), "check after build must find no drift: {}", diff::summary(&drifts));
                    drop(drifts);
                    Some(compilation)
                }
            }
        }
    };
    timer.record(&mut measurement);
    measurement.diagnostics = reported.diagnostics;
    measurement.tree_files = reported.tree_files;
    measurement.tree_bytes = reported.tree_bytes;
    let phase = Instant::now();
    // As the CLI does: freed on a thread of its own.
    match leftovers {
        Some(compilation) => drop(std::thread::spawn(move || drop((compilation, workspace)))),
        None => drop(workspace),
    }
    measurement.teardown = phase.elapsed();
    measurement.total = start.elapsed();
    measurement.peak_rss_kib = peak_rss_kib();
    measurement.cpu = cpu_time();
    measurement
}
