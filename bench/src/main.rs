//! `platc-bench`: how fast `platc build` and `platc check` are on a synthetic
//! monorepo of N services, and how much memory they take.
//!
//! ```text
//! cargo run --release -p platc-bench -- [N…]          # default: 100 1000 10000
//! cargo run --release -p platc-bench -- --repeat 5 1000
//! platc-bench --generate 1000 --out DIR                 # keep a repository to profile
//! platc-bench --scenario check --dir DIR                # one child, as the parent runs it
//! ```
//!
//! For each N the parent writes the repository into a fresh temporary folder,
//! then runs each scenario (full build, no-op build, check) in a fresh child
//! process (this binary again, with `--scenario`), so that each reports its own
//! peak RSS. Times are printed, never asserted on: they are compared with the
//! targets at the end.
//!
//! The folder is under `std::env::temp_dir()`, so `TMPDIR=/dev/shm` measures
//! platc without the disk (a full build creates ~20 files per service).
//! Profile one child with `valgrind --tool=callgrind platc-bench --scenario
//! check --dir DIR` or `perf record -g …` on a repository kept by `--generate`.

// The bench is a command-line tool: its output is the point.
#![allow(clippy::print_stdout, clippy::print_stderr)]
// The bench is a tool, not the compiler: it writes the synthetic repository
// and reads `/proc/self/status` itself, which clippy.toml reserves for
// workspace.rs and write.rs inside the compiler.
#![allow(clippy::disallowed_methods)]

mod child;
mod synth;

/// The allocator of the `platc` binary (`compiler/src/main.rs`), so that the
/// children measure what the binary does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use child::{Measurement, Scenario};

const DEFAULT_SIZES: &[usize] = &[100, 1000, 10_000];
/// How many times the cheap scenarios (no-op build, check) run; the median is
/// reported. The full build runs once: it needs an empty output tree.
const DEFAULT_REPEAT: usize = 3;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(code) = child_mode(&args) {
        std::process::exit(code);
    }
    let mut sizes = Vec::new();
    let mut repeat = DEFAULT_REPEAT;
    let mut generate_out: Option<PathBuf> = None;
    let mut generate_count: Option<usize> = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--repeat" => repeat = iter.next().and_then(|value| value.parse().ok()).unwrap_or_else(|| usage()),
            "--generate" => generate_count = iter.next().and_then(|value| value.parse().ok()),
            "--out" => generate_out = iter.next().map(PathBuf::from),
            "-h" | "--help" => usage(),
            number => sizes.push(number.replace(['_', ','], "").parse::<usize>().unwrap_or_else(|_| usage())),
        }
    }
    if let Some(count) = generate_count {
        let out = generate_out.unwrap_or_else(|| usage());
        std::fs::create_dir_all(&out).expect("create the output folder");
        let summary = synth::generate(&out, count).expect("write the repository");
        println!(
            "wrote {} services ({} KB of specs) to {}",
            summary.services,
            summary.spec_bytes / 1000,
            out.display()
        );
        return;
    }
    if sizes.is_empty() {
        sizes.extend_from_slice(DEFAULT_SIZES);
    }
    let repeat = repeat.max(1);

    println!(
        "platc-bench: {} CPUs, release={}, {} run(s) of no-op build and check (median shown)",
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        !cfg!(debug_assertions),
        repeat
    );
    let mut results = Vec::new();
    for &size in &sizes {
        results.push((size, bench_size(size, repeat)));
    }
    print_targets(&results);
}

fn usage() -> ! {
    eprintln!(
        "usage: platc-bench [--repeat R] [N…]\n       platc-bench --generate N --out DIR\n       platc-bench --scenario full-build|noop-build|check|noop-build-cached|check-cached --dir DIR"
    );
    std::process::exit(2);
}

/// `--scenario NAME --dir DIR`: runs one scenario and prints its result line.
fn child_mode(args: &[String]) -> Option<i32> {
    let position = args.iter().position(|arg| arg == "--scenario")?;
    let scenario = args.get(position + 1).and_then(|name| Scenario::parse(name)).unwrap_or_else(|| usage());
    let dir_position = args.iter().position(|arg| arg == "--dir").unwrap_or_else(|| usage());
    let dir = args.get(dir_position + 1).map_or_else(|| usage(), PathBuf::from);
    let measurement = child::run(scenario, &dir);
    println!("{}", measurement.line());
    Some(0)
}

/// Runs one scenario in a fresh child process.
fn spawn(scenario: Scenario, dir: &Path) -> Measurement {
    let exe = std::env::current_exe().expect("the bench's own path");
    // Rebuilt meanwhile (the target folder is shared): run the new binary.
    let exe = exe.to_str().and_then(|path| path.strip_suffix(" (deleted)")).map_or(exe.clone(), PathBuf::from);
    let start = Instant::now();
    let output = Command::new(exe)
        .args(["--scenario", scenario.arg(), "--dir"])
        .arg(dir)
        .output()
        .expect("start the child process");
    let process = start.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{} failed ({}):\n{stderr}", scenario.label(), output.status);
    if !stderr.trim().is_empty() {
        eprintln!("{} printed:\n{stderr}", scenario.label());
    }
    let mut measurement = stdout
        .lines()
        .find_map(Measurement::from_line)
        .unwrap_or_else(|| panic!("{} printed no result line:\n{stdout}", scenario.label()));
    measurement.process = process;
    measurement
}

/// The results of one N, by scenario.
#[derive(Debug)]
struct SizeResult {
    full: Measurement,
    noop: Measurement,
    check: Measurement,
    noop_cached: Measurement,
    check_cached: Measurement,
}

fn bench_size(size: usize, repeat: usize) -> SizeResult {
    let folder = tempfile::Builder::new()
        .prefix(&format!("platc-bench-{size}-"))
        .tempdir_in(std::env::temp_dir())
        .expect("create a temporary folder");
    let start = Instant::now();
    let summary = synth::generate(folder.path(), size).expect("write the synthetic repository");
    let generated = start.elapsed();
    println!();
    println!(
        "== N = {size} services in {} on {} ({:.1} MB of specs, generated in {} ms)",
        folder.path().display(),
        filesystem(folder.path()),
        mb(summary.spec_bytes as u64),
        generated.as_millis()
    );
    println!(
        "   tiers: {} critical, {} standard, {} batch, {} datastore; kinds: {} web, {} worker, {} cron; \
         {} depends-on, {} with environment overrides",
        summary.critical,
        summary.standard,
        summary.batch,
        summary.datastore,
        summary.web,
        summary.worker,
        summary.cron,
        summary.dependencies,
        summary.overrides
    );

    let full = spawn(Scenario::FullBuild, folder.path());
    let noop = median((0..repeat).map(|_| spawn(Scenario::NoopBuild, folder.path())).collect());
    assert_eq!(noop.files_written, 0, "a no-op build writes nothing");
    let check = median((0..repeat).map(|_| spawn(Scenario::Check, folder.path())).collect());
    assert_eq!(check.drifts, 0, "check after a build finds no drift");
    // The first run with the cache reads every file the full build wrote
    // (their times are too recent to trust), and records them as settled.
    let verifying = spawn(Scenario::NoopBuildCached, folder.path());
    let noop_cached = median((0..repeat).map(|_| spawn(Scenario::NoopBuildCached, folder.path())).collect());
    let check_cached = median((0..repeat).map(|_| spawn(Scenario::CheckCached, folder.path())).collect());
    for (name, run) in [("the verifying run", &verifying), ("no-op build", &noop_cached), ("check", &check_cached)] {
        assert_eq!(run.hit, 1, "{name} with the cache must not compile");
    }

    println!(
        "   compiled tree: {} files, {:.1} MB; {} diagnostics",
        full.tree_files,
        mb(full.bytes_written as u64),
        full.diagnostics
    );
    println!();
    println!(
        "   {:<22} {:>9} {:>9} {:>9} {:>14} {:>11} {:>13}",
        "scenario", "wall ms", "child ms", "CPU ms", "files written", "MB written", "peak RSS MB"
    );
    let rows = [
        ("full build", &full),
        (Scenario::NoopBuild.label(), &noop),
        (Scenario::Check.label(), &check),
        ("cache, 1st run", &verifying),
        (Scenario::NoopBuildCached.label(), &noop_cached),
        (Scenario::CheckCached.label(), &check_cached),
    ];
    for (label, measurement) in rows {
        println!(
            "   {:<22} {:>9} {:>9} {:>9} {:>14} {:>11.1} {:>13.1}",
            label,
            ms(measurement.process),
            ms(measurement.total),
            ms(measurement.cpu),
            measurement.files_written,
            mb(measurement.bytes_written as u64),
            mb(measurement.peak_rss_kib * 1024)
        );
    }
    println!();
    println!(
        "   {:<22} {:>14} {:>9} {:>9} {:>11} {:>9} {:>10} {:>9}",
        "phases (ms)", "discover+load", "cache", "compile", "plan/diff", "write", "teardown", "process"
    );
    for (label, measurement) in rows {
        // What the child does not time itself: exec, startup, exit.
        let process = measurement.process.saturating_sub(measurement.total);
        println!(
            "   {:<22} {:>14} {:>9} {:>9} {:>11} {:>9} {:>10} {:>9}",
            label,
            ms(measurement.load),
            ms(measurement.cache),
            ms(measurement.compile),
            ms(measurement.plan),
            ms(measurement.write),
            ms(measurement.teardown),
            ms(process)
        );
    }
    println!();
    println!("   {:<22} {:>14} {:>9} {:>11} {:>9}", "peak RSS MB", "after load", "compile", "plan/diff", "end");
    for (label, measurement) in rows {
        println!(
            "   {:<22} {:>14.1} {:>9.1} {:>11.1} {:>9.1}",
            label,
            mb(measurement.peak_after_load_kib * 1024),
            mb(measurement.peak_after_compile_kib * 1024),
            mb(measurement.peak_after_plan_kib * 1024),
            mb(measurement.peak_rss_kib * 1024)
        );
    }
    // `folder` is removed here.
    SizeResult { full, noop, check, noop_cached, check_cached }
}

/// The file system a path is on, from `/proc/self/mounts`: `ext4 (/dev/vda)`.
fn filesystem(path: &Path) -> String {
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
    let path = path.canonicalize().unwrap_or_else(|_| path.to_owned());
    mounts
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let (device, point, kind) = (fields.next()?, fields.next()?, fields.next()?);
            path.starts_with(point).then(|| (point.len(), format!("{kind} ({device})")))
        })
        .max_by_key(|(length, _)| *length)
        .map_or_else(|| "an unknown file system".to_owned(), |(_, name)| name)
}

/// The run with the median wall time.
fn median(mut runs: Vec<Measurement>) -> Measurement {
    runs.sort_by_key(|run| run.process);
    runs[runs.len() / 2]
}

fn ms(duration: Duration) -> String {
    let millis = duration.as_secs_f64() * 1000.0;
    if millis < 10.0 { format!("{millis:.1}") } else { format!("{millis:.0}") }
}

#[allow(clippy::cast_precision_loss)]
fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// One line of the target table.
struct Target {
    services: usize,
    what: &'static str,
    limit: f64,
    unit: &'static str,
    value: fn(&SizeResult) -> f64,
}

fn print_targets(results: &[(usize, SizeResult)]) {
    let targets = [
        Target { services: 1000, what: "full build", limit: 0.5, unit: "s", value: |r| seconds(r.full.process) },
        Target {
            services: 1000,
            what: "no-op build (cache)",
            limit: 0.2,
            unit: "s",
            value: |r| seconds(r.noop_cached.process),
        },
        Target {
            services: 1000,
            what: "check (cache)",
            limit: 0.25,
            unit: "s",
            value: |r| seconds(r.check_cached.process),
        },
        Target {
            services: 1000,
            what: "no-op build (no cache)",
            limit: 0.2,
            unit: "s",
            value: |r| seconds(r.noop.process),
        },
        Target {
            services: 1000,
            what: "check (no cache)",
            limit: 0.25,
            unit: "s",
            value: |r| seconds(r.check.process),
        },
        Target { services: 10_000, what: "full build", limit: 5.0, unit: "s", value: |r| seconds(r.full.process) },
        Target {
            services: 10_000,
            what: "full build peak RSS",
            limit: 400.0,
            unit: "MB",
            value: |r| mb(r.full.peak_rss_kib * 1024),
        },
    ];
    println!();
    println!("== targets (wall time of the whole child process; MB = 2^20 bytes)");
    println!("   {:<38} {:>10} {:>10}  met", "target", "limit", "measured");
    for target in &targets {
        let label = format!("{} services {}", thousands(target.services), target.what);
        let limit = format!("≤ {} {}", target.limit, target.unit);
        match results.iter().find(|(size, _)| *size == target.services) {
            Some((_, result)) => {
                let value = (target.value)(result);
                let met = if value <= target.limit { "yes" } else { "NO" };
                let measured = format!("{value:.3} {}", target.unit);
                println!("   {label:<38} {limit:>10} {measured:>10}  {met}");
            }
            None => println!("   {label:<38} {limit:>10} {:>10}  not run", "-"),
        }
    }
}

fn seconds(duration: Duration) -> f64 {
    duration.as_secs_f64()
}

fn thousands(number: usize) -> String {
    let digits = number.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}
