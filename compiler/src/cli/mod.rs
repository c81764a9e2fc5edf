//! The command line: the only module that knows clap, terminals and exit
//! codes. Every command runs in process through [`run`], with explicit output
//! streams and working directory, so tests drive the real thing.
//!
//! Exit codes: 0 ok; 1 findings (errors in the specs) or drift; 2 usage or
//! I/O error, or a file in the way that platc does not own.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

mod fmt;
mod inspect;
mod new;

use crate::report::{self, Style};
use crate::workspace::Workspace;
use crate::write;
use crate::{Compilation, compile, compile_against};
use crate::{cache, diff, steps};

/// Exit code: success.
pub const OK: i32 = 0;
/// Exit code: findings in the specs, or a stale tree.
pub const FINDINGS: i32 = 1;
/// Exit code: usage or I/O error.
pub const ERROR: i32 = 2;

#[derive(Debug, Parser)]
#[command(name = "platc", version, about = "Compile service specs into the golden-path tree of your platform")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// When to use colour: auto (on a terminal, unless `NO_COLOR` is set), always or never.
    #[arg(long, global = true, default_value = "auto", value_parser = ["auto", "always", "never"])]
    color: String,
    /// How to report diagnostics: human (on stderr), or json, sarif (SARIF
    /// 2.1.0) or github (workflow annotations) on stdout. With a machine
    /// format, `check` and `diff` print their diff on stderr.
    #[arg(long, global = true, default_value = "human", value_parser = ["human", "json", "sarif", "github"])]
    format: String,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Compile every service and write the tree (only files that changed).
    Build(Run),
    /// Compile and compare with the committed tree; exit 1 with a diff if stale.
    Check(Run),
    /// Print what `build` would change, as a unified diff; exit 0 even when stale.
    Diff(Run),
    /// Compile and report diagnostics, writing nothing.
    Validate(Paths),
    /// Set a service's image tag in one environment (a format-preserving edit
    /// of its spec), then rebuild: the promotion step of deploy workflows.
    SetImage(SetImage),
    /// Show where each resolved value of a service came from: the line that
    /// decided it, in the spec, platform.kdl or the standard library (every
    /// item of a repeated field such as `port` or `secret`, and the `policy`
    /// lines that reach the service).
    Explain(Explain),
    /// Print the service dependency graph (depends-on and APIs); exit 1 on
    /// cycles or dangling edges.
    Graph(Graph),
    /// List the services with their tier, kind, owner and environments.
    List(Paths),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `platc man > platc.1`.
    Man,
    /// Scaffold a service folder (spec, Dockerfile, README, docs), then build
    /// it. Never overwrites anything.
    New(New),
    /// Lay out `platc.kdl` and `platform.kdl` files canonically, keeping
    /// comments; with `--check`, list the files that are not and exit 1.
    Fmt(Fmt),
    /// Print the JSON Schema of `platc.yaml` (committed as
    /// `schemas/platc.schema.json`).
    Schema,
}

#[derive(Debug, clap::Args)]
struct New {
    /// The service's name: lowercase letters, digits and `-`.
    service: String,
    /// The folder to create (default: `./SERVICE`).
    path: Option<PathBuf>,
    /// The tier (one the platform defines; default: the platform's `default-tier`).
    #[arg(long)]
    tier: Option<String>,
    /// web (serves traffic), worker (no Service) or cron (on a schedule).
    #[arg(long, default_value = "web", value_parser = new::KINDS.to_vec())]
    kind: String,
    /// The language: decides the Dockerfile and the CI toolchain.
    #[arg(long, default_value = "go", value_parser = new::LANGUAGES.to_vec())]
    language: String,
    /// The team that owns the service.
    #[arg(long)]
    owner: Option<String>,
    /// The image repository, e.g. `ghcr.io/acme/payments` (default: the
    /// service's name, which the platform's `registry` prefixes). CI builds
    /// and pushes it when it is in the platform's registry.
    #[arg(long)]
    image: Option<String>,
    /// The spec's language: kdl (`platc.kdl`) or yaml (`platc.yaml`, with a
    /// `yaml-language-server` schema line).
    #[arg(long = "as", default_value = "kdl", value_parser = ["kdl", "yaml"])]
    syntax: String,
}

#[derive(Debug, clap::Args)]
struct Fmt {
    /// List the files that are not formatted and exit 1, writing nothing.
    #[arg(long)]
    check: bool,
    /// Files or folders (default: the current folder).
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct Explain {
    /// The service, by name.
    service: String,
    /// Only this field (e.g. `replicas`).
    field: Option<String>,
    /// Only this environment.
    #[arg(long = "env", value_name = "ENVIRONMENT")]
    environment: Option<String>,
    /// The repository (or a folder in it).
    #[arg(long, default_value = ".")]
    path: PathBuf,
}

#[derive(Debug, clap::Args)]
struct Graph {
    /// dot (Graphviz), mermaid or json.
    #[arg(long = "as", default_value = "dot", value_parser = ["dot", "mermaid", "json"])]
    style: String,
    /// The repository (or a folder in it).
    #[arg(default_value = ".")]
    path: PathBuf,
}

#[derive(Debug, clap::Args)]
struct SetImage {
    /// The service, by name.
    service: String,
    /// The new image tag.
    tag: String,
    /// The environment to promote into.
    #[arg(long = "env", value_name = "ENVIRONMENT")]
    environment: String,
    /// The repository (or a folder in it).
    #[arg(default_value = ".")]
    path: PathBuf,
}

#[derive(Debug, clap::Args)]
struct Run {
    #[command(flatten)]
    paths: Paths,
    /// Compile even when the build cache (`.platc-cache/` at the root) says
    /// that nothing changed since the last run that left the tree up to date.
    #[arg(long)]
    no_cache: bool,
}

#[derive(Debug, clap::Args)]
struct Paths {
    /// The repository, or folders in it: only the services under them are
    /// compiled. The root is the nearest folder above with `platform.kdl`.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
}

/// The `platc` binary.
pub fn main() -> i32 {
    let mut stdout = std::io::stdout().lock();
    // Standard error is unbuffered: without a line buffer, one message
    // written with several format arguments reaches a reader (a CI log, the
    // Backstage task log) in several pieces.
    let mut stderr = std::io::LineWriter::new(std::io::stderr().lock());
    #[allow(clippy::disallowed_methods)]
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
    run(std::env::args_os(), &cwd, terminal && !no_color, &mut stdout, &mut stderr)
}

/// Runs one command. `color_allowed` is whether `--color auto` means colour.
pub fn run<I, T>(args: I, cwd: &Path, color_allowed: bool, out: &mut dyn Write, err: &mut dyn Write) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() { ERROR } else { OK };
            let text = error.render().to_string();
            let _ = if error.use_stderr() { err.write_all(text.as_bytes()) } else { out.write_all(text.as_bytes()) };
            return code;
        }
    };
    let color = match cli.color.as_str() {
        "always" => true,
        "never" => false,
        _ => color_allowed,
    };
    let style = Style { color, width: 100 };
    let format = match cli.format.as_str() {
        "json" => report::Format::Json,
        "sarif" => report::Format::Sarif,
        "github" => report::Format::Github,
        _ => report::Format::Human,
    };
    let mut cx = Cx { out, err, style, format };
    let result = match &cli.command {
        Command::Build(run) => cx.build(cwd, run),
        Command::Check(run) => cx.check(cwd, run, true),
        Command::Diff(run) => cx.check(cwd, run, false),
        Command::Validate(paths) => cx.validate(cwd, paths),
        Command::SetImage(args) => cx.set_image(cwd, args),
        Command::Explain(args) => cx.explain(cwd, args),
        Command::Graph(args) => cx.graph(cwd, args),
        Command::List(paths) => cx.list(cwd, paths),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut command, "platc", &mut script);
            cx.out.write_all(&script).map(|()| OK).map_err(|error| error.to_string())
        }
        Command::New(args) => cx.new_service(
            cwd,
            &new::Options {
                service: &args.service,
                kind: &args.kind,
                language: &args.language,
                tier: args.tier.as_deref(),
                owner: args.owner.as_deref(),
                image: args.image.as_deref(),
                yaml: args.syntax == "yaml",
            },
            args.path.as_deref(),
        ),
        Command::Fmt(args) => cx.fmt(cwd, &args.paths, args.check),
        Command::Schema => cx
            .out
            .write_all(crate::spec::schema::json_schema_text().as_bytes())
            .map(|()| OK)
            .map_err(|error| error.to_string()),
        Command::Man => {
            let command = <Cli as clap::CommandFactory>::command();
            let mut page = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut page)
                .and_then(|()| cx.out.write_all(&page))
                .map(|()| OK)
                .map_err(|error| error.to_string())
        }
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            let _ = writeln!(cx.err, "error: {message}");
            ERROR
        }
    }
}

struct Cx<'a> {
    out: &'a mut dyn Write,
    err: &'a mut dyn Write,
    style: Style,
    format: report::Format,
}

impl Cx<'_> {
    /// Loads the workspace, limited to the services under `paths`.
    fn load(cwd: &Path, paths: &Paths) -> Result<Workspace, String> {
        let absolute: Vec<PathBuf> = paths.paths.iter().map(|path| cwd.join(path)).collect();
        let first = absolute.first().cloned().unwrap_or_else(|| cwd.to_owned());
        let mut workspace = Workspace::discover(&first).map_err(|error| error.to_string())?;
        let root = workspace.root().map(Path::to_owned).unwrap_or_default();
        let mut prefixes = Vec::new();
        for path in &absolute {
            let canonical = path.canonicalize().map_err(|error| format!("`{}`: {error}", path.display()))?;
            let relative = canonical
                .strip_prefix(&root)
                .map_err(|_| format!("`{}` is outside the repository at `{}`", path.display(), root.display()))?;
            prefixes.push(relative.to_string_lossy().replace('\\', "/"));
        }
        workspace.set_scope(prefixes);
        Ok(workspace)
    }

    fn report(&mut self, compilation: &Compilation) {
        let (diagnostics, sources) = (&compilation.diagnostics, &compilation.sources);
        match self.format {
            report::Format::Human => {
                for diagnostic in diagnostics {
                    let text = report::human(diagnostic, sources, self.style);
                    let _ = write!(self.err, "{text}");
                }
            }
            report::Format::Json => {
                let _ = write!(self.out, "{}", report::json(diagnostics, sources));
            }
            report::Format::Sarif => {
                let _ = write!(self.out, "{}", report::sarif(diagnostics, sources));
            }
            report::Format::Github => {
                let _ = write!(self.out, "{}", report::github(diagnostics, sources));
            }
        }
        if let Some(summary) = report::summary(diagnostics, sources) {
            let _ = writeln!(self.err, "{summary}");
        }
    }

    /// Where a diff goes: stdout, unless stdout carries a machine format.
    fn diff_stream(&mut self) -> &mut dyn Write {
        match self.format {
            report::Format::Human | report::Format::Github => &mut *self.out,
            report::Format::Json | report::Format::Sarif => &mut *self.err,
        }
    }

    fn build(&mut self, cwd: &Path, run: &Run) -> Result<i32, String> {
        let options = steps::Options { cache: !run.no_cache, start: cache::Start::now() };
        let workspace = Cx::load(cwd, &run.paths)?;
        match steps::build(&workspace, options, &mut |compilation| self.report(compilation), &mut |_| {})? {
            steps::Built::Cached { files: unchanged } => {
                let _ = writeln!(
                    self.err,
                    "0 files written, 0 files removed, {} unchanged (build cache)",
                    files(unchanged)
                );
                Ok(OK)
            }
            steps::Built::Failed(_) => {
                let _ = writeln!(self.err, "nothing written");
                Ok(FINDINGS)
            }
            steps::Built::Written(writes) => {
                let _ = writeln!(
                    self.err,
                    "{} written, {} removed, {} unchanged",
                    files(writes.files),
                    files(writes.removed),
                    files(writes.unchanged)
                );
                drop_in_background(workspace, writes.compilation);
                Ok(OK)
            }
        }
    }

    fn check(&mut self, cwd: &Path, run: &Run, strict: bool) -> Result<i32, String> {
        let options = steps::Options { cache: !run.no_cache, start: cache::Start::now() };
        let workspace = Cx::load(cwd, &run.paths)?;
        let compilation =
            match steps::check(&workspace, options, &mut |compilation| self.report(compilation), &mut |_| {}) {
                steps::Checked::Cached { files: unchanged } => {
                    if strict {
                        let _ = writeln!(self.err, "{} up to date (build cache)", files(unchanged));
                    }
                    return Ok(OK);
                }
                steps::Checked::Compiled(compilation) => compilation,
            };
        if compilation.diagnostics.has_errors() {
            return Ok(FINDINGS);
        }
        let drifts = diff::drift(&workspace, &compilation.files);
        steps::checked(&workspace, &compilation, &drifts, options, &mut |_| {});
        if drifts.is_empty() {
            if strict {
                let _ = writeln!(self.err, "{} up to date", files(compilation.files.len()));
            }
            drop(drifts);
            drop_in_background(workspace, compilation);
            return Ok(OK);
        }
        let text = diff::unified(&drifts);
        let _ = write!(self.diff_stream(), "{text}");
        let _ = writeln!(self.err, "{}", diff::summary(&drifts));
        if strict {
            let _ = writeln!(self.err, "run `platc build` and commit the result");
            return Ok(FINDINGS);
        }
        Ok(OK)
    }

    fn validate(&mut self, cwd: &Path, paths: &Paths) -> Result<i32, String> {
        // Nothing is compared with the disk: validation only reports.
        let compilation = compile(&Cx::load(cwd, paths)?);
        self.report(&compilation);
        if compilation.diagnostics.has_errors() {
            return Ok(FINDINGS);
        }
        let services =
            compilation.services.iter().map(|service| &service.name).collect::<std::collections::BTreeSet<_>>();
        let _ = writeln!(
            self.err,
            "{} valid",
            if services.len() == 1 { "1 service".to_owned() } else { format!("{} services", services.len()) }
        );
        Ok(OK)
    }
}

impl Cx<'_> {
    /// Loads and compiles the whole repository for a read-only command;
    /// `None` (after reporting) when it has errors.
    fn compile_all(&mut self, cwd: &Path, path: &Path) -> Result<Option<Compilation>, String> {
        let workspace = Workspace::discover(&cwd.join(path)).map_err(|error| error.to_string())?;
        let compilation = compile(&workspace);
        if compilation.diagnostics.has_errors() {
            self.report(&compilation);
            return Ok(None);
        }
        Ok(Some(compilation))
    }

    fn explain(&mut self, cwd: &Path, args: &Explain) -> Result<i32, String> {
        let Some(compilation) = self.compile_all(cwd, &args.path)? else { return Ok(FINDINGS) };
        let json = self.format == report::Format::Json;
        let text =
            inspect::explain(&compilation, &args.service, args.environment.as_deref(), args.field.as_deref(), json)?;
        let _ = write!(self.out, "{text}");
        Ok(OK)
    }

    fn graph(&mut self, cwd: &Path, args: &Graph) -> Result<i32, String> {
        let Some(compilation) = self.compile_all(cwd, &args.path)? else { return Ok(FINDINGS) };
        let (text, problems) = inspect::graph(&compilation, &args.style);
        let _ = write!(self.out, "{text}");
        for problem in &problems {
            let _ = writeln!(self.err, "warning: {problem}");
        }
        let cycles = problems.iter().any(|problem| problem.starts_with("dependency cycle"));
        Ok(if cycles { FINDINGS } else { OK })
    }

    fn list(&mut self, cwd: &Path, paths: &Paths) -> Result<i32, String> {
        let path = paths.paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
        let Some(compilation) = self.compile_all(cwd, &path)? else { return Ok(FINDINGS) };
        let text = inspect::list(&compilation, self.format == report::Format::Json);
        let _ = write!(self.out, "{text}");
        Ok(OK)
    }

    fn set_image(&mut self, cwd: &Path, args: &SetImage) -> Result<i32, String> {
        let mut workspace = Workspace::discover(&cwd.join(&args.path)).map_err(|error| error.to_string())?;
        let before = compile(&workspace);
        let Some(service) = before.services.iter().find(|service| service.name == args.service) else {
            if before.diagnostics.has_errors() {
                self.report(&before);
                return Ok(FINDINGS);
            }
            let names: std::collections::BTreeSet<&str> =
                before.services.iter().map(|service| service.name.as_str()).collect();
            let hint = crate::diagnostic::did_you_mean(&args.service, names.iter().copied()).unwrap_or_default();
            return Err(format!("no service is named `{}` {hint}", args.service).trim_end().to_owned());
        };
        if !before.services.iter().any(|service| service.environment == args.environment) {
            return Err(format!("no environment is named `{}`", args.environment));
        }
        let spec_path = service.spec_path.clone();
        let spec = workspace.specs.iter().find(|spec| spec.path == spec_path).cloned().ok_or("the spec vanished")?;
        let edited = crate::edit::set_image(&spec, &args.environment, &args.tag).map_err(|error| error.to_string())?;
        workspace.update_spec(&spec_path, edited.clone());
        let after = compile_against(&workspace);
        self.report(&after);
        if after.diagnostics.has_errors() {
            let _ = writeln!(self.err, "the edit would not compile: nothing written");
            return Ok(FINDINGS);
        }
        let plan = write::plan(&workspace, &after.files).map_err(|error| error.to_string())?;
        write::replace_source(&workspace, &spec_path, &edited).map_err(|error| error.to_string())?;
        write::apply(&workspace, &plan).map_err(|error| error.to_string())?;
        let _ = writeln!(
            self.err,
            "{}: `{}` in `{}` now runs tag `{}`; {} written",
            spec_path,
            args.service,
            args.environment,
            args.tag,
            files(plan.writes.len())
        );
        Ok(OK)
    }
}

/// Frees a compilation on a thread of its own: at 10,000 services that
/// takes a tenth of a second, which the process need not wait for (it exits
/// as soon as the command returns; in tests the thread finishes on its own).
fn drop_in_background(workspace: Workspace, compilation: Compilation) {
    std::thread::spawn(move || drop((workspace, compilation)));
}

fn files(count: usize) -> String {
    if count == 1 { "1 file".to_owned() } else { format!("{count} files") }
}
