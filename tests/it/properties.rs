//! Property tests: repositories generated from a grammar of valid specs (a
//! name, an image with a tag, ports, env, replicas, a stdlib tier, a kind with
//! a schedule for cron jobs, dependencies among the generated services; in
//! KDL or YAML) all compile without a single error, and compile to the same
//! tree and diagnostics every time and whatever order their files are handed
//! over in.
//!
//! The case count is modest so the suite stays fast; `PROPTEST_CASES=1000`
//! runs more.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use platc::Workspace;
use platc::report::{self, Style};
use proptest::prelude::*;

/// Teams the generated platform declares; every service is owned by one.
const TEAMS: &[&str] = &["web-team", "data-team"];
/// Variable names and values no credential check can mistake for a secret.
const ENV_NAMES: &[&str] = &["LOG_LEVEL", "REGION", "MODE", "WORKERS", "FEATURE_FLAGS", "CACHE_TTL", "LANG", "TZ"];
const ENV_VALUES: &[&str] = &["info", "debug", "eu-west-1", "fast", "4", "on", "true", "300", "en_US.UTF-8", "UTC"];
const SCHEDULES: &[&str] = &["*/5 * * * *", "0 3 * * *", "@daily", "15 2 * * 1-5", "0 0 1 * *"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Web,
    Worker,
    Cron,
}

#[derive(Debug, Clone)]
enum Replicas {
    Fixed(u32),
    Range(u32, u32),
}

/// One generated service.
#[derive(Debug, Clone)]
struct Spec {
    name: String,
    yaml: bool,
    kind: Kind,
    tier: &'static str,
    owner: &'static str,
    tag: (u8, u8, u8),
    ports: Vec<u16>,
    env: Vec<(&'static str, &'static str)>,
    replicas: Option<Replicas>,
    schedule: &'static str,
    depends_on: Vec<String>,
}

/// Everything about a service but its name and dependencies.
fn shape() -> impl Strategy<Value = Spec> {
    let kind = prop_oneof![3 => Just(Kind::Web), 1 => Just(Kind::Worker), 1 => Just(Kind::Cron)];
    (kind, any::<bool>(), prop::sample::select(TEAMS), (0..20u8, 0..20u8, 0..100u8)).prop_flat_map(
        |(kind, yaml, owner, tag)| {
            let tiers: &'static [&'static str] = match kind {
                Kind::Web => &["critical", "standard", "batch"],
                Kind::Worker => &["standard", "batch"],
                Kind::Cron => &["batch", "standard"],
            };
            let port_count = if kind == Kind::Web { 1..=3usize } else { 0..=0 };
            (
                prop::sample::select(tiers),
                prop::collection::btree_set(1024..10_000u16, port_count),
                prop::sample::subsequence(ENV_NAMES, 0..=ENV_NAMES.len()),
                prop::collection::vec(prop::sample::select(ENV_VALUES), ENV_NAMES.len()),
                prop::option::of(prop_oneof![
                    (1..=5u32).prop_map(Replicas::Fixed),
                    (1..=4u32, 0..=6u32).prop_map(|(min, extra)| Replicas::Range(min, min + extra)),
                ]),
                prop::sample::select(SCHEDULES),
            )
                .prop_map(move |(tier, ports, names, values, replicas, schedule)| {
                    // Critical services run at least three replicas everywhere;
                    // cron jobs have no replicas.
                    let replicas = match (kind, tier, replicas) {
                        (Kind::Cron, _, _) => None,
                        (_, "critical", Some(Replicas::Fixed(count))) => Some(Replicas::Fixed(count.max(3))),
                        (_, "critical", Some(Replicas::Range(min, max))) => {
                            Some(Replicas::Range(min.max(3), max.max(3)))
                        }
                        (_, _, replicas) => replicas,
                    };
                    Spec {
                        name: String::new(),
                        yaml,
                        kind,
                        tier,
                        owner,
                        tag,
                        ports: ports.into_iter().collect(),
                        env: names.into_iter().zip(values).collect(),
                        replicas,
                        schedule,
                        depends_on: Vec::new(),
                    }
                })
        },
    )
}

/// One to four services with distinct names; each may depend on web
/// services generated before it (only they have an address).
fn repository() -> impl Strategy<Value = Vec<Spec>> {
    let names = prop::collection::btree_set("[a-z][a-z0-9]{2,9}", 1..=4);
    names.prop_flat_map(|names| {
        let count = names.len();
        (
            Just(names.into_iter().collect::<Vec<String>>()),
            prop::collection::vec(shape(), count),
            prop::collection::vec(prop::collection::vec(any::<bool>(), count), count),
        )
            .prop_map(|(names, mut specs, picks)| {
                for (index, name) in names.into_iter().enumerate() {
                    specs[index].name = name;
                }
                for index in 0..specs.len() {
                    let depends_on = (0..index)
                        .filter(|&earlier| picks[index][earlier] && specs[earlier].kind == Kind::Web)
                        .map(|earlier| specs[earlier].name.clone())
                        .collect();
                    specs[index].depends_on = depends_on;
                }
                specs
            })
    })
}

fn kdl(spec: &Spec) -> String {
    let (major, minor, patch) = spec.tag;
    let mut out = format!("service {} {{\n", spec.name);
    let _ = writeln!(out, "    description \"The {} service\"", spec.name);
    let _ = writeln!(out, "    owner {}", spec.owner);
    let _ = writeln!(out, "    tier {}", spec.tier);
    let _ = writeln!(out, "    image \"ghcr.io/acme/{}:{major}.{minor}.{patch}\"", spec.name);
    match spec.kind {
        Kind::Web => {
            for port in &spec.ports {
                let _ = writeln!(out, "    port {port}");
            }
            out.push_str("    probes liveness=\"/healthz\" readiness=\"/readyz\"\n");
        }
        Kind::Worker => out.push_str("    kind worker\n"),
        Kind::Cron => {
            out.push_str("    kind cron\n");
            let _ = writeln!(out, "    schedule \"{}\"", spec.schedule);
        }
    }
    match spec.replicas {
        Some(Replicas::Fixed(count)) => {
            let _ = writeln!(out, "    replicas {count}");
        }
        Some(Replicas::Range(min, max)) => {
            let _ = writeln!(out, "    replicas min={min} max={max}");
        }
        None => {}
    }
    if !spec.env.is_empty() {
        let pairs: Vec<String> = spec.env.iter().map(|(name, value)| format!("{name}=\"{value}\"")).collect();
        let _ = writeln!(out, "    env {}", pairs.join(" "));
    }
    if !spec.depends_on.is_empty() {
        let _ = writeln!(out, "    depends-on {}", spec.depends_on.join(" "));
    }
    out.push_str("}\n");
    out
}

fn yaml(spec: &Spec) -> String {
    let (major, minor, patch) = spec.tag;
    let mut out = format!("service:\n  name: {}\n", spec.name);
    let _ = writeln!(out, "  description: The {} service", spec.name);
    let _ = writeln!(out, "  owner: {}", spec.owner);
    let _ = writeln!(out, "  tier: {}", spec.tier);
    let _ = writeln!(out, "  image: ghcr.io/acme/{}:{major}.{minor}.{patch}", spec.name);
    match spec.kind {
        Kind::Web => {
            out.push_str("  port:\n");
            for port in &spec.ports {
                let _ = writeln!(out, "    - port: {port}");
            }
            out.push_str("  probes:\n    liveness: /healthz\n    readiness: /readyz\n");
        }
        Kind::Worker => out.push_str("  kind: worker\n"),
        Kind::Cron => {
            out.push_str("  kind: cron\n");
            let _ = writeln!(out, "  schedule: \"{}\"", spec.schedule);
        }
    }
    match spec.replicas {
        Some(Replicas::Fixed(count)) => {
            let _ = writeln!(out, "  replicas: {count}");
        }
        Some(Replicas::Range(min, max)) => {
            let _ = writeln!(out, "  replicas:\n    min: {min}\n    max: {max}");
        }
        None => {}
    }
    if !spec.env.is_empty() {
        out.push_str("  env:\n");
        for (name, value) in &spec.env {
            let _ = writeln!(out, "    {name}: \"{value}\"");
        }
    }
    if !spec.depends_on.is_empty() {
        let _ = writeln!(out, "  depends-on: [{}]", spec.depends_on.join(", "));
    }
    out
}

/// The repository's files: `platform.kdl` and one spec per service.
fn files(specs: &[Spec]) -> Vec<(String, String)> {
    let mut platform = String::from("environments staging production\n");
    for team in TEAMS {
        let _ = writeln!(platform, "team {team}");
    }
    let mut files = vec![("platform.kdl".to_owned(), platform)];
    for spec in specs {
        let (file, text) = if spec.yaml { ("platc.yaml", yaml(spec)) } else { ("platc.kdl", kdl(spec)) };
        files.push((format!("services/{}/{file}", spec.name), text));
    }
    files
}

/// The tree and the rendered diagnostics of a compile.
fn compile(files: Vec<(String, String)>) -> (Vec<(String, String)>, Vec<String>, bool) {
    let compilation = platc::compile(&Workspace::from_files(files));
    let style = Style { color: false, width: 100 };
    let tree = compilation.files.iter().map(|(path, text)| (path.to_owned(), text.to_owned())).collect();
    let diagnostics = compilation
        .diagnostics
        .iter()
        .map(|diagnostic| report::human(diagnostic, &compilation.sources, style))
        .collect();
    (tree, diagnostics, compilation.diagnostics.has_errors())
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(12);
    ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(cases) }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn valid_specs_compile_without_errors_and_deterministically(specs in repository(), rotation in 0..8usize) {
        let files = files(&specs);
        let (tree, diagnostics, errors) = compile(files.clone());
        prop_assert!(!errors, "errors for\n{files:#?}\n{}", diagnostics.join(""));
        let deployments: BTreeSet<&str> =
            tree.iter().map(|(path, _)| path.as_str()).filter(|path| path.ends_with("/deployment.yaml")).collect();
        let long_running = specs.iter().filter(|spec| spec.kind != Kind::Cron).count();
        prop_assert_eq!(deployments.len(), 2 * long_running, "one Deployment per service and environment");

        let again = compile(files.clone());
        prop_assert!(again == (tree.clone(), diagnostics.clone(), false), "a second compile differs");

        // Another order: rotated, then reversed.
        let mut reordered = files;
        let len = reordered.len();
        reordered.rotate_left(rotation % len);
        reordered.reverse();
        let other = compile(reordered);
        prop_assert!(other == (tree, diagnostics, false), "the order of the files changes the result");
    }
}
