//! Hostile input: files that are empty, binary, huge, absurdly nested,
//! billion-laughs bombs, full of duplicates, tabs, BOMs and CRLFs, paths that
//! point out of the repository, symlink loops, megabyte lines and a hundred
//! thousand variables. Each runs the real CLI in process on a repository in a
//! temporary folder, and must end (no panic, no stack overflow, no hang) with
//! a clear diagnostic, exit 1 or 2, and nothing written: not in the
//! repository, and not next to it.
//!
//! The test threads have the default 2 MiB stack and the suite runs a debug
//! build, the least forgiving setting for a recursive parser.
#![allow(clippy::disallowed_methods)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use tempfile::TempDir;

/// A valid service, in KDL.
const HELLO: &str = r#"service hello {
    description "Says hello"
    owner web-team
    image "ghcr.io/acme/hello:1.4.2"
    port 8080
    probes liveness="/healthz" readiness="/readyz"
}
"#;

/// The same service, in YAML.
const HELLO_YAML: &str = "service:
  name: hello
  description: Says hello
  owner: web-team
  image: ghcr.io/acme/hello:1.4.2
  port: 8080
  probes:
    liveness: /healthz
    readiness: /readyz
";

/// A repository at `<temporary folder>/repo`: the folder around it is
/// watched too, so a write that escapes the repository is caught.
struct Repo {
    outer: TempDir,
}

/// What is on disk: a file's length and modification time, a folder, or a link.
#[derive(Debug, PartialEq, Eq)]
enum Entry {
    File(u64, SystemTime),
    Folder,
    Link(PathBuf),
}

/// What a run printed and returned.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Repo {
    fn new() -> Repo {
        let outer = tempfile::Builder::new().prefix("platc-hostile-").tempdir().expect("a temporary folder");
        let stray = outer.path().ancestors().find(|folder| folder.join("platform.kdl").exists());
        assert!(stray.is_none(), "{stray:?} has a platform.kdl: platc would take it for the root");
        std::fs::create_dir(outer.path().join("repo")).expect("the repository folder");
        Repo { outer }
    }

    /// A repository holding one file.
    fn with(path: &str, contents: impl AsRef<[u8]>) -> Repo {
        let repo = Repo::new();
        repo.write(path, contents);
        repo
    }

    fn root(&self) -> PathBuf {
        self.outer.path().join("repo")
    }

    /// Writes `path` (relative to the repository; `../x` is next to it).
    fn write(&self, path: &str, contents: impl AsRef<[u8]>) -> &Repo {
        let full = self.root().join(path);
        std::fs::create_dir_all(full.parent().expect("a parent")).expect("the folders");
        std::fs::write(&full, contents).unwrap_or_else(|error| panic!("{path}: {error}"));
        self
    }

    fn mkdir(&self, path: &str) -> &Repo {
        std::fs::create_dir_all(self.root().join(path)).expect("a folder");
        self
    }

    /// A symbolic link at `path` to `target` (as written, relative to the link's folder).
    fn link(&self, path: &str, target: &str) -> &Repo {
        std::os::unix::fs::symlink(target, self.root().join(path)).unwrap_or_else(|error| panic!("{path}: {error}"));
        self
    }

    /// Runs `platc --color never <args> <repository>` in the repository.
    fn run(&self, args: &[&str]) -> Run {
        let root = self.root();
        let mut command: Vec<String> = ["platc", "--color", "never"].iter().map(|arg| (*arg).to_owned()).collect();
        command.extend(args.iter().map(|arg| (*arg).to_owned()));
        command.push(root.to_string_lossy().into_owned());
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = platc::cli::run(command, &root, false, &mut out, &mut err);
        let scrub = |bytes: Vec<u8>| {
            let text = String::from_utf8(bytes).expect("platc prints UTF-8");
            let canonical = root.canonicalize().expect("the root exists");
            text.replace(canonical.to_string_lossy().as_ref(), "[ROOT]")
                .replace(root.to_string_lossy().as_ref(), "[ROOT]")
        };
        Run { code, stdout: scrub(out), stderr: scrub(err) }
    }

    /// Everything under the temporary folder, the repository included.
    fn disk(&self) -> BTreeMap<String, Entry> {
        fn walk(base: &Path, folder: &Path, out: &mut BTreeMap<String, Entry>) {
            for entry in std::fs::read_dir(folder).expect("a readable folder") {
                let path = entry.expect("a folder entry").path();
                let relative = path.strip_prefix(base).expect("under the base").to_string_lossy().into_owned();
                let metadata = path.symlink_metadata().expect("metadata");
                if metadata.is_symlink() {
                    out.insert(relative, Entry::Link(std::fs::read_link(&path).expect("a link")));
                } else if metadata.is_dir() {
                    out.insert(relative, Entry::Folder);
                    walk(base, &path, out);
                } else {
                    out.insert(relative, Entry::File(metadata.len(), metadata.modified().expect("an mtime")));
                }
            }
        }
        let mut out = BTreeMap::new();
        walk(self.outer.path(), self.outer.path(), &mut out);
        out
    }

    /// Builds, and asserts the build fails with exit 1, reports `code` with
    /// a message containing `message`, and writes nothing anywhere.
    fn refuses(&self, code: &str, message: &str) -> Run {
        self.refuses_with(platc::cli::FINDINGS, code, message)
    }

    fn refuses_with(&self, exit: i32, code: &str, message: &str) -> Run {
        let before = self.disk();
        let run = self.run(&["build"]);
        assert_eq!(run.code, exit, "exit code, expected {exit}:\n{}", run.stderr);
        if !code.is_empty() {
            assert!(run.stderr.lines().any(|line| line == code), "`{code}` is not reported:\n{}", run.stderr);
        }
        assert!(run.stderr.contains(message), "`{message}` is not in the output:\n{}", run.stderr);
        assert!(
            !run.stderr.contains(['\u{0}', '\u{1b}', '\u{7f}']),
            "control characters reach the terminal:\n{}",
            run.stderr.escape_debug()
        );
        assert!(run.stdout.is_empty(), "unexpected output on stdout:\n{}", run.stdout);
        assert_eq!(before, self.disk(), "the build changed the disk:\n{}", run.stderr);
        run
    }

    /// Builds, and asserts the build succeeds and writes inside the
    /// repository only. Returns the generated files and their text.
    fn builds(&self) -> BTreeMap<String, String> {
        let outside = |disk: BTreeMap<String, Entry>| -> BTreeMap<String, Entry> {
            disk.into_iter().filter(|(path, _)| !path.starts_with("repo/")).collect()
        };
        let before = outside(self.disk());
        let run = self.run(&["build"]);
        assert_eq!(run.code, platc::cli::OK, "the build failed:\n{}", run.stderr);
        assert_eq!(before, outside(self.disk()), "the build wrote outside the repository");
        let mut files = BTreeMap::new();
        for (path, entry) in self.disk() {
            let Some(relative) = path.strip_prefix("repo/") else { continue };
            let generated = relative.ends_with(".yaml") && !relative.ends_with("platc.yaml");
            if matches!(entry, Entry::File(..)) && generated {
                files.insert(relative.to_owned(), std::fs::read_to_string(self.root().join(relative)).unwrap());
            }
        }
        files
    }
}

/// `inner` nested `levels` deep: `a { a { … inner … } }`.
fn kdl_nested(levels: usize, inner: &str) -> String {
    format!("{}{inner}{}", "a { ".repeat(levels), " }".repeat(levels))
}

/// The `╭─[file:line:column]` of each diagnostic in human output.
fn positions(stderr: &str) -> Vec<&str> {
    stderr.lines().filter_map(|line| line.trim_start().strip_prefix("╭─[")).collect()
}

#[test]
fn empty_and_blank_spec_files_are_reported() {
    for (path, text) in [
        ("platc.kdl", ""),
        ("platc.kdl", "\n\n   \n"),
        ("platc.kdl", "// only a comment\n"),
        ("platc.yaml", ""),
        ("platc.yaml", "# only a comment\n"),
        ("platc.yaml", "---\n"),
        ("platc.yaml", "~\n"),
    ] {
        Repo::with(path, text).refuses("spec::missing-field", "no `service` in this spec file");
    }
    // An empty platform.kdl is a platform of stdlib defaults.
    let repo = Repo::with("platform.kdl", "");
    repo.write("platc.kdl", HELLO);
    assert!(repo.builds().contains_key("deploy/production/deployment.yaml"));
}

#[test]
fn binary_and_invalid_utf8_files_are_refused() {
    let invalid_utf8: Vec<u8> = (0x80..=0xff).chain(b"service hello {}".iter().copied()).collect();
    for path in ["platc.kdl", "platc.yaml", "platform.kdl"] {
        let repo = Repo::with(path, &invalid_utf8);
        repo.write("services/other/platc.kdl", HELLO);
        repo.refuses("workspace::unreadable", "cannot read this file: the file is not UTF-8 text");
    }
    // Valid UTF-8, but binary: NUL, escape sequences, DEL. The parsers
    // reject it, and none of it reaches the terminal.
    let binary = "\u{0}\u{1}\u{2}ELF\u{1b}[31mred\u{1b}]0;title\u{7}\u{7f}\u{0}";
    Repo::with("platc.kdl", binary).refuses("syntax::kdl", "");
    Repo::with("platc.yaml", binary).refuses("syntax::yaml", "found unprintable character");
    Repo::with("platform.kdl", binary).refuses("syntax::kdl", "");
    // Escape sequences inside a valid string reach a message, masked.
    let run = Repo::with("platc.kdl", "service \"\\u{1b}[2J\" { image \"ghcr.io/acme/x:1.0.0\" }\n")
        .refuses("spec::invalid-name", "invalid service name `?[2J`");
    assert!(!run.stderr.contains('\u{1b}'));
}

#[test]
fn a_50_mb_spec_is_refused_unread() {
    let mut huge = String::from("service hello {\n    image \"ghcr.io/acme/hello:1.0.0\"\n");
    while huge.len() < 50 << 20 {
        huge.push_str("    // padding padding padding padding padding padding padding padding padding\n");
    }
    huge.push_str("}\n");
    let repo = Repo::with("platc.kdl", &huge);
    let run = repo.refuses("workspace::unreadable", "cannot read this file: the file is larger than 1024 KiB");
    assert!(positions(&run.stderr).contains(&"platc.kdl:1:1]"), "{}", run.stderr);
    // Just over the limit, in the other files platc reads.
    let over = format!("# {}\n", "x".repeat(1 << 20));
    Repo::with("platc.yaml", &over).refuses("workspace::unreadable", "the file is larger than 1024 KiB");
    let repo = Repo::with("platform.kdl", over.replace('#', "//"));
    repo.write("platc.kdl", HELLO);
    repo.refuses("workspace::unreadable", "the file is larger than 1024 KiB");
}

#[test]
fn deep_kdl_nesting_is_refused_before_the_parser_recurses() {
    let message = "nesting deeper than 32 levels";
    let balanced = format!("service hello {{ {} }}", kdl_nested(10_000, ""));
    Repo::with("platc.kdl", &balanced).refuses("syntax::kdl", message);
    Repo::with("platc.kdl", format!("service hello {}", "{".repeat(100_000))).refuses("syntax::kdl", message);
    Repo::with("platc.kdl", format!("{}\nservice hello {{}}", "/*".repeat(10_000) + &"*/".repeat(10_000)))
        .refuses("syntax::kdl", message);
    let repo = Repo::with("platform.kdl", kdl_nested(10_000, ""));
    repo.write("platc.kdl", HELLO);
    repo.refuses("syntax::kdl", message);
    // Braces in strings and comments do not count.
    let quoted = HELLO.replace("Says hello", &"{".repeat(10_000)).replace("port 8080", "port 8080 // {{{{{{{{{{");
    assert!(Repo::with("platc.kdl", quoted).builds().contains_key("deploy/production/deployment.yaml"));
    // At the limit, the parser runs (on this 2 MiB stack) and the decoder
    // reports the unknown field.
    let at_limit = format!("service hello {{ {} }}", kdl_nested(31, "x 1"));
    let run = Repo::with("platc.kdl", at_limit).refuses("spec::unknown-field", "unknown field `a`");
    assert!(!run.stderr.contains(message));
}

#[test]
fn deep_yaml_nesting_is_refused() {
    let message = "nesting deeper than 64 levels";
    let flow_sequences = format!("service:\n  name: hello\n  labels: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let run = Repo::with("platc.yaml", flow_sequences).refuses("syntax::yaml", "");
    assert!(run.stderr.contains(message) || run.stderr.contains("recursion limit exceeded"), "{}", run.stderr);
    let flow_mappings = format!("service: {}{}\n", "{a: ".repeat(10_000), "}".repeat(10_000));
    Repo::with("platc.yaml", flow_mappings).refuses("syntax::yaml", message);
    let block_sequences = format!("service:\n  name: hello\n  labels:\n    {}x\n", "- ".repeat(10_000));
    Repo::with("platc.yaml", block_sequences).refuses("syntax::yaml", message);
    let block_mappings =
        (0..1_000).map(|level| " ".repeat(level) + "a:\n").collect::<String>().replacen('a', "service", 1);
    let run = Repo::with("platc.yaml", block_mappings).refuses("syntax::yaml", message);
    assert_eq!(positions(&run.stderr), ["platc.yaml:65:65]"]);
}

#[test]
fn yaml_billion_laughs_are_refused_unexpanded() {
    let mut aliases = String::from("l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for level in 1..10 {
        let previous = format!("*l{}", level - 1);
        let _ = writeln!(aliases, "l{level}: &l{level} [{}]", [previous.as_str(); 10].join(", "));
    }
    aliases.push_str("service:\n  name: hello\n  labels: *l9\n");
    Repo::with("platc.yaml", &aliases).refuses("syntax::yaml", "YAML aliases are not supported");

    let mut merges = String::from("m0: &m0 {a: lol, b: lol}\n");
    for level in 1..10 {
        let previous = format!("*m{}", level - 1);
        let _ = writeln!(merges, "m{level}: &m{level} {{<<: [{}], c{level}: lol}}", [previous.as_str(); 10].join(", "));
    }
    merges.push_str("service:\n  <<: *m9\n  name: hello\n");
    Repo::with("platc.yaml", &merges).refuses("syntax::yaml", "YAML merge keys are not supported");
    // A merge key without any alias.
    Repo::with("platc.yaml", "service:\n  <<: {name: hello}\n")
        .refuses("syntax::yaml", "YAML merge keys are not supported");
}

#[test]
fn duplicate_keys_are_errors() {
    let run = Repo::with("platc.yaml", format!("{HELLO_YAML}  image: ghcr.io/acme/hello:2.0.0\n"))
        .refuses("syntax::yaml", "duplicate key \"image\"");
    assert_eq!(positions(&run.stderr), ["platc.yaml:10:3]"]);
    Repo::with("platc.yaml", format!("{HELLO_YAML}service:\n  name: other\n"))
        .refuses("syntax::yaml", "duplicate key \"service\"");
    Repo::with("platc.yaml", HELLO_YAML.replace("    readiness: /readyz", "    liveness: /live"))
        .refuses("syntax::yaml", "duplicate key \"liveness\"");
    let run = Repo::with(
        "platc.kdl",
        HELLO.replace("    port 8080", "    port 8080\n    image \"ghcr.io/acme/hello:2.0.0\""),
    )
    .refuses("spec::duplicate-field", "`image` is written twice");
    assert_eq!(positions(&run.stderr), ["platc.kdl:6:5]"]);
    Repo::with("platc.kdl", format!("{HELLO}{}", HELLO.replace("hello", "other")))
        .refuses("spec::duplicate-service", "a spec file holds one service");
    Repo::with("platc.kdl", HELLO.replace("port 8080", "port 8080\n    env A=1 A=2"))
        .refuses("spec::duplicate-env", "environment variable `A` is set twice");
}

#[test]
fn tabs_are_whitespace_in_kdl_and_an_error_in_yaml_indentation() {
    let spaces = Repo::with("platc.kdl", HELLO).builds();
    let tabs = Repo::with("platc.kdl", HELLO.replace("    ", "\t")).builds();
    assert_eq!(spaces, tabs);
    let run = Repo::with("platc.yaml", HELLO_YAML.replace("  name", "\tname"))
        .refuses("syntax::yaml", "tabs disallowed within this context");
    assert!(run.stderr.contains("indent with spaces"), "{}", run.stderr);
}

#[test]
fn a_byte_order_mark_is_skipped_and_positions_stay_right() {
    for (path, text) in [("platc.kdl", HELLO), ("platc.yaml", HELLO_YAML)] {
        let plain = Repo::with(path, text).builds();
        assert_eq!(plain, Repo::with(path, format!("\u{feff}{text}")).builds(), "{path}");
    }
    for (path, text, position) in [
        ("platc.kdl", HELLO.replace("port 8080", "port 8080\n    bogus 1"), "platc.kdl:6:5]"),
        ("platc.yaml", HELLO_YAML.replace("  port: 8080", "  port: 8080\n  bogus: 1"), "platc.yaml:7:3]"),
    ] {
        let plain = Repo::with(path, &text).refuses("spec::unknown-field", "unknown field `bogus`");
        assert_eq!(positions(&plain.stderr), [position]);
        let bom = Repo::with(path, format!("\u{feff}{text}")).refuses("spec::unknown-field", "unknown field `bogus`");
        assert_eq!(positions(&bom.stderr), [position]);
    }
}

#[test]
fn crlf_line_endings_compile_alike_and_keep_lines_and_columns() {
    for (path, text) in [("platc.kdl", HELLO), ("platc.yaml", HELLO_YAML)] {
        let plain = Repo::with(path, text).builds();
        assert_eq!(plain, Repo::with(path, text.replace('\n', "\r\n")).builds(), "{path}");
    }
    for (path, text) in [
        ("platc.kdl", HELLO.replace("port 8080", "port 8080\n    bogus 1\n    replicas \"three\"")),
        ("platc.yaml", HELLO_YAML.replace("  port: 8080", "  port: 8080\n  bogus: 1\n  replicas: three")),
    ] {
        let lf = Repo::with(path, &text);
        let crlf = Repo::with(path, text.replace('\n', "\r\n"));
        let (lf_run, crlf_run) =
            (lf.refuses("spec::unknown-field", "bogus"), crlf.refuses("spec::unknown-field", "bogus"));
        assert_eq!(positions(&lf_run.stderr).len(), 2, "{}", lf_run.stderr);
        assert_eq!(lf_run.stderr, crlf_run.stderr.replace('\r', ""), "{path}");
        let (lf_json, crlf_json) =
            (lf.run(&["--format", "json", "validate"]), crlf.run(&["--format", "json", "validate"]));
        assert_eq!(lf_json.stdout, crlf_json.stdout, "{path}");
    }
}

#[test]
fn paths_that_leave_the_repository_are_refused() {
    let spec = |extra: &str| HELLO.replace("    port 8080", &format!("    port 8080\n    {extra}"));
    for name in ["../../evil", "/tmp/evil", "..", "a/b"] {
        Repo::with("platc.kdl", HELLO.replace("service hello", &format!("service \"{name}\"")))
            .refuses("spec::invalid-name", "invalid service name");
        let repo = Repo::with("platform.kdl", format!("environments staging \"{name}\"\n"));
        repo.write("platc.kdl", HELLO);
        repo.refuses("spec::invalid-name", "invalid environment name");
        Repo::with("platc.kdl", spec(&format!("environment \"{name}\" {{ replicas 2 }}")))
            .refuses("resolve::unknown-environment", "unknown environment");
    }
    for folder in ["../..", "..", "/etc", "../outside"] {
        let repo = Repo::with("platc.kdl", spec(&format!("manifests \"{folder}\"")));
        repo.write("../outside/config-map.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
        repo.refuses("spec::invalid-value", "leaves the service folder");
    }
    for from in ["../../../../../../etc/passwd", "/etc/passwd", "../outside/secret"] {
        let repo = Repo::with("platc.kdl", spec(&format!("config-file \"/etc/app/config\" from=\"{from}\"")));
        repo.write("../outside/secret", "s3cr3t");
        repo.refuses("spec::invalid-value", "leaves the service folder");
    }
    // Links are not followed: not to read a file outside...
    let repo = Repo::with("../outside/secret", "s3cr3t");
    repo.write("platc.kdl", spec("config-file \"/etc/app/config\" from=\"secret\""))
        .link("secret", "../outside/secret");
    repo.refuses("spec::missing-file", "`secret` does not exist or is not text");
    let repo = Repo::with("../outside/config-map.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
    repo.write("platc.kdl", spec("manifests \"k8s\"")).link("k8s", "../outside");
    repo.refuses("spec::missing-file", "`k8s` holds no YAML files");
    // ...nor to write there: a generated folder that is a link stops the build.
    let repo = Repo::with("platc.kdl", HELLO);
    repo.mkdir("../outside").link("deploy", "../outside");
    let run = repo.refuses_with(platc::cli::ERROR, "", "refusing to write outside the repository");
    assert!(run.stderr.contains("goes through the symbolic link `deploy`"), "{}", run.stderr);
}

#[test]
fn symlink_loops_do_not_trap_discovery() {
    let repo = Repo::with("platc.kdl", HELLO);
    repo.mkdir("services/a")
        .link("loop", ".")
        .link("services/a/up", "../a")
        .link("services/a/root", "../..")
        .link("ping", "pong")
        .link("pong", "ping")
        .link("self", "self")
        .link("dangling", "nowhere/at/all");
    assert!(repo.builds().contains_key("deploy/production/deployment.yaml"));
    let run = repo.run(&["check"]);
    assert_eq!(run.code, platc::cli::OK, "{}", run.stderr);
}

#[test]
fn long_lines_are_clipped_in_diagnostics() {
    // A mistake at the end of a 600 KB line, and one after a 900 KB line.
    let long = HELLO.replace("\"Says hello\"", &format!("\"{}\"; bogus 1", "x".repeat(600_000)));
    let run = Repo::with("platc.kdl", &long).refuses("spec::unknown-field", "unknown field `bogus`");
    let column = long.lines().nth(1).unwrap().find("bogus").unwrap() + 1;
    assert_eq!(positions(&run.stderr), [format!("platc.kdl:2:{column}]")]);
    assert!(run.stderr.contains('…'), "{}", run.stderr);
    assert!(run.stderr.len() < 4_000, "the long line is printed whole: {} bytes", run.stderr.len());
    let after = HELLO.replace("Says hello", &"y".repeat(900_000)).replace("port 8080", "port 8080\n    bogus 1");
    let run = Repo::with("platc.kdl", &after).refuses("spec::unknown-field", "unknown field `bogus`");
    assert_eq!(positions(&run.stderr), ["platc.kdl:6:5]"]);
    assert!(run.stderr.len() < 4_000, "the long line is printed whole: {} bytes", run.stderr.len());

    let labels: Vec<String> = (0..50_000).map(|index| format!("k{index}: v")).collect();
    let yaml = format!(
        "service: {{name: hello, description: Says hello, owner: web-team, image: \"ghcr.io/acme/hello:1.4.2\", \
         port: 8080, probes: {{liveness: /healthz, readiness: /readyz}}, labels: {{{}}}, bogus: 1}}\n",
        labels.join(", ")
    );
    let run = Repo::with("platc.yaml", &yaml).refuses("spec::unknown-field", "unknown field `bogus`");
    let column = yaml.find("bogus").unwrap() + 1;
    assert_eq!(positions(&run.stderr), [format!("platc.yaml:1:{column}]")]);
    assert!(run.stderr.len() < 4_000, "the long line is printed whole: {} bytes", run.stderr.len());
}

#[test]
fn a_hundred_thousand_env_vars_compile() {
    let names: Vec<String> = (0..100_000).map(|index| format!("E{index}")).collect();
    let kdl = HELLO.replace(
        "port 8080",
        &format!("port 8080\n    env {}", names.iter().map(|name| format!("{name}=1")).collect::<Vec<_>>().join(" ")),
    );
    let yaml = format!(
        "{HELLO_YAML}  env: {{{}}}\n",
        names.iter().map(|name| format!("{name}: 1")).collect::<Vec<_>>().join(",")
    );
    for (path, text) in [("platc.kdl", kdl), ("platc.yaml", yaml)] {
        assert!(text.len() < 1 << 20, "{path} is {} bytes, over the limit", text.len());
        let repo = Repo::with(path, &text);
        let run = repo.run(&["--format", "json", "validate"]);
        assert_eq!(run.code, platc::cli::OK, "{path}: {}", run.stderr);
        let errors: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert!(errors["diagnostics"].as_array().is_some_and(Vec::is_empty), "{path}: {}", run.stdout);
    }
}

/// `check` compares what stands at each generated path with what it would
/// write: a file one byte longer or shorter, a link to an identical copy, a
/// folder or a FIFO is drift, each reported, and none makes it wait or read
/// through a link.
#[test]
fn whatever_stands_at_a_generated_path_is_compared_never_followed() {
    let repo = Repo::with("platc.kdl", HELLO);
    let files = repo.builds();
    let deployment = &files["deploy/production/deployment.yaml"];
    let service = &files["deploy/production/service.yaml"];
    let run = repo.run(&["check"]);
    assert_eq!(run.code, platc::cli::OK, "{}", run.stderr);

    repo.write("deploy/production/deployment.yaml", format!("{deployment}\n"));
    repo.write("deploy/production/service.yaml", &service[..service.len() - 1]);
    repo.write("copy.yaml", &files["deploy/staging/deployment.yaml"]);
    std::fs::remove_file(repo.root().join("deploy/staging/deployment.yaml")).unwrap();
    repo.link("deploy/staging/deployment.yaml", "../../copy.yaml");
    std::fs::remove_file(repo.root().join("deploy/staging/service.yaml")).unwrap();
    repo.mkdir("deploy/staging/service.yaml");
    let fifo = repo.root().join("deploy/production/service-account.yaml");
    std::fs::remove_file(&fifo).unwrap();
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(made.success());

    let run = repo.run(&["check"]);
    assert_eq!(run.code, platc::cli::FINDINGS, "{}", run.stderr);
    for path in [
        "deploy/production/deployment.yaml",
        "deploy/production/service.yaml",
        "deploy/production/service-account.yaml",
        "deploy/staging/deployment.yaml",
        "deploy/staging/service.yaml",
    ] {
        assert!(run.stdout.contains(path), "`{path}` is not reported:\n{}{}", run.stdout, run.stderr);
    }
}

/// A build killed between staging and renaming leaves `.<name>.platc-<pid>.tmp`
/// files beside its outputs. Once their process is gone, `check` reports them
/// (so they are not committed) and the next build removes them; those of a
/// build still running, and files that only look alike, stay.
#[test]
fn temporaries_an_interrupted_build_left_are_reported_and_removed() {
    let repo = Repo::with("platc.kdl", HELLO);
    let files = repo.builds();
    let deployment = &files["deploy/production/deployment.yaml"];
    // No process has this id (Linux allows at most 2^22).
    let stale = "deploy/production/.deployment.yaml.platc-4194305.tmp";
    // Process 1 always runs.
    let running = "deploy/production/.service.yaml.platc-1.tmp";
    let lookalike = "deploy/production/.notes.platc-4194305.tmp.bak";
    repo.write(stale, deployment).write(running, deployment).write(lookalike, "mine");

    let run = repo.run(&["check"]);
    assert_eq!(run.code, platc::cli::FINDINGS, "{}", run.stderr);
    assert!(run.stdout.contains(&format!("--- a/{stale}")), "{}", run.stdout);
    assert!(!run.stdout.contains(running) && !run.stdout.contains(lookalike), "{}", run.stdout);

    let run = repo.run(&["build"]);
    assert_eq!(run.code, platc::cli::OK, "{}", run.stderr);
    assert!(run.stderr.contains("1 file removed"), "{}", run.stderr);
    assert!(!repo.root().join(stale).exists());
    assert!(repo.root().join(running).exists() && repo.root().join(lookalike).exists());
    assert_eq!(repo.run(&["check"]).code, platc::cli::OK);
}
