//! Validate: the platform's policies over every resolved service, after
//! `resolve::link` and before generation. A finding is a diagnostic like any
//! other (`policy::<id>`); with `deny` it is an error and nothing is written.
//!
//! - [`RULES`] is the table of built-in rules: id, default severity, one line
//!   of documentation and the check. Each check lives in `rules/<id>.rs`
//!   with a table of passing and failing specs.
//! - Severities are `policy <id> deny|warn|off` lines: the stdlib's defaults
//!   (`stdlib/policies.kdl`), then the top level of `platform.kdl`, then the
//!   lines in `defaults`, environments, tiers and tiers' environment blocks,
//!   which reach each service through the same layer merge as its fields
//!   (`model::Service::policies`). The most specific line wins, whole.
//! - A service writes `waive <id> reason="…"`; the waiver is reported as
//!   `policy::waived` (a rule of its own: `policy waived deny` forbids
//!   waivers).
//! - Custom rules (`rule NAME expression="…"`) are CEL expressions over a
//!   projection of the service (`custom.rs`).
//!
//! Policies judge valid config: a service whose spec has an error, or any
//! service when the platform config has one, is not checked; and a run with
//! errors holds its policy warnings back ([`hold_back_warnings`]), so that
//! findings do not bury the errors.
//!
//! Invariant: validation reads the model only; it never changes it.

mod custom;

mod rules {
    pub(super) mod latest_tag;
    pub(super) mod missing_description;
    pub(super) mod missing_owner;
    pub(super) mod missing_pdb;
    pub(super) mod missing_probes;
    pub(super) mod plaintext_secret;
    pub(super) mod privileged;
    pub(super) mod registry_not_allowed;
    pub(super) mod too_few_replicas;
    pub(super) mod unknown_owner;
}

use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostic::{Diagnostic, Diagnostics, Label, Severity, did_you_mean, list_and};
use crate::model::{PolicyLevel, PolicySetting, Service};
use crate::source::{FileId, Sources, Span};
use crate::syntax::{Node, Scalar};
use crate::workspace::Workspace;
use crate::{model, spec};

pub use custom::PROJECTION;

/// A built-in rule.
#[derive(Debug)]
pub struct Rule {
    /// Names the bad pattern: `policy latest-tag deny` reads "deny latest tags".
    pub id: &'static str,
    /// `policy::<id>`.
    pub code: &'static str,
    /// The severity in `stdlib/policies.kdl`, where the platform sees it.
    pub default: PolicyLevel,
    pub doc: &'static str,
    pub check: fn(&Check<'_>) -> Vec<Finding>,
}

const fn rule(
    id: &'static str,
    code: &'static str,
    default: PolicyLevel,
    doc: &'static str,
    check: fn(&Check<'_>) -> Vec<Finding>,
) -> Rule {
    Rule { id, code, default, doc, check }
}

use PolicyLevel::{Deny, Warn};

/// Every built-in rule, sorted by id.
pub const RULES: &[Rule] = &[
    rule(
        "latest-tag",
        "policy::latest-tag",
        Deny,
        "An image (main, canary, sidecar or init container) tagged `latest` or not tagged at all: what runs changes without a change in Git.",
        rules::latest_tag::check,
    ),
    rule(
        "missing-description",
        "policy::missing-description",
        Warn,
        "A service without a `description`, which the catalog and the Deployment's annotation show.",
        rules::missing_description::check,
    ),
    rule(
        "missing-owner",
        "policy::missing-owner",
        Warn,
        "A service without an `owner`: nobody to page, nobody in the catalog.",
        rules::missing_owner::check,
    ),
    rule(
        "missing-pdb",
        "policy::missing-pdb",
        Warn,
        "A service with more than one replica and no PodDisruptionBudget (`pdb none`), or a budget that lets every replica go at once.",
        rules::missing_pdb::check,
    ),
    rule(
        "missing-probes",
        "policy::missing-probes",
        Warn,
        "A web service without a readiness probe (traffic to pods that are not ready) or a liveness probe (stuck pods never restart).",
        rules::missing_probes::check,
    ),
    rule(
        "plaintext-secret",
        "policy::plaintext-secret",
        Deny,
        "An `env` literal that looks like a credential: a known token prefix (`ghp_`, `github_pat_`, `xoxb-`, `AKIA`, `sk_live_`, `-----BEGIN`, …), a long high-entropy string, or a name like `*_PASSWORD`, `*_TOKEN`, `*_SECRET`, `*_API_KEY` with a literal value.",
        rules::plaintext_secret::check,
    ),
    rule(
        "privileged",
        "policy::privileged",
        Deny,
        "A security escape hatch: running as root, privilege escalation, added capabilities, a writable root filesystem, no seccomp profile, or a `patch` that sets such a field (`privileged`, `hostNetwork`, …). A `reason` explains the change; only a waiver or the platform accepts it.",
        rules::privileged::check,
    ),
    rule(
        "registry-not-allowed",
        "policy::registry-not-allowed",
        Deny,
        "An image from a registry that `allowed-registries` in platform.kdl does not list (checked only when it is set).",
        rules::registry_not_allowed::check,
    ),
    rule(
        "too-few-replicas",
        "policy::too-few-replicas",
        Deny,
        "Fewer replicas (the autoscaler's minimum) than the `min=` of the `policy too-few-replicas` line that applies: the stdlib's `critical` tier sets 3 (2 in staging). Without `min`, nothing is checked. Cron jobs are exempt.",
        rules::too_few_replicas::check,
    ),
    rule(
        "unknown-owner",
        "policy::unknown-owner",
        Deny,
        "An `owner` that is not a `team` the platform declares (checked only when it declares teams).",
        rules::unknown_owner::check,
    ),
];

/// The id whose severity applies to waivers (`policy::waived`).
pub const WAIVED: &str = "waived";
/// Its default severity.
pub const WAIVED_DEFAULT: PolicyLevel = Warn;
/// Its documentation.
pub const WAIVED_DOC: &str = "A `waive <id> reason=\"…\"` in a service, reported so that it stays visible, with a note when it waives nothing. `deny` forbids waivers (say, in a tier), `off` keeps them quiet.";

/// What a check looks at.
#[derive(Debug)]
pub struct Check<'a> {
    pub service: &'a Service,
    pub platform: &'a model::Platform,
    /// `min=` of the deciding `policy` line, and where it is written.
    pub min: Option<(u32, Span)>,
}

impl Check<'_> {
    /// Where a field of the service was decided, or the service's name.
    pub fn origin(&self, field: &str) -> Span {
        self.service.origin(field).unwrap_or(self.service.name_span)
    }

    /// Every image the service runs, with where it is written and what it is.
    pub fn images(&self) -> Vec<(&str, Span, String)> {
        let service = self.service;
        let mut images = vec![(service.image.as_str(), self.origin("image"), "the image".to_owned())];
        if let Some(image) = service.canary.as_ref().and_then(|canary| canary.image.as_deref()) {
            images.push((image, self.origin("canary"), "the canary image".to_owned()));
        }
        for container in &service.sidecars {
            images.push((container.image.as_str(), container.span, format!("sidecar `{}`", container.name)));
        }
        for container in &service.init_containers {
            images.push((container.image.as_str(), container.span, format!("init container `{}`", container.name)));
        }
        images
    }
}

/// One finding of one rule, before its severity is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub span: Span,
    /// Lowercase, user names in backticks; the same in every environment
    /// where it holds (an environment list is added when it does not hold
    /// in all).
    pub message: String,
    pub label: String,
    pub help: String,
    pub labels: Vec<Label>,
}

impl Finding {
    pub fn new(span: Span, message: impl Into<String>, label: impl Into<String>, help: impl Into<String>) -> Finding {
        Finding { span, message: message.into(), label: label.into(), help: help.into(), labels: Vec::new() }
    }

    #[must_use]
    pub fn also(mut self, span: Span, text: impl Into<String>) -> Finding {
        self.labels.push(Label { span, text: text.into() });
        self
    }
}

/// The severity of one rule for one service, and the line that decided it.
#[derive(Debug, Clone, Copy)]
struct Decided {
    level: PolicyLevel,
    min: Option<(u32, Span)>,
    /// The deciding `policy` line, unless it is the stdlib's default.
    line: Option<Span>,
}

fn decide(id: &str, default: PolicyLevel, service: &Service, platform: &model::Platform, sources: &Sources) -> Decided {
    let from = |setting: &PolicySetting, labelled: bool| Decided {
        level: setting.level,
        min: setting.min,
        line: labelled.then_some(setting.span),
    };
    if let Some(setting) = service.policies.get(id) {
        return from(setting, true);
    }
    if let Some(setting) = platform.policies.get(id) {
        let stdlib = sources.get(setting.span.file).path.starts_with("<stdlib>/");
        return from(setting, !stdlib);
    }
    Decided { level: default, min: None, line: None }
}

/// The stack of the thread that runs custom rules: the CEL parser and
/// interpreter recurse once per operator, with large frames in debug builds.
const CEL_STACK: usize = 64 << 20;

/// Checks every service (one group of environments per spec) against the
/// policies; reports into `diagnostics`.
pub fn run(
    files: &[spec::Platform],
    platform: &model::Platform,
    services: &[Vec<Service>],
    workspace: &Workspace,
    sources: &Sources,
    diagnostics: &mut Diagnostics,
) {
    // Policies judge valid config: a spec or a platform config with errors
    // is fixed first, so its findings do not bury the errors.
    let broken_files: BTreeSet<FileId> = diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.severity == Severity::Error)
        .map(|diagnostic| diagnostic.primary.span.file)
        .collect();
    let platform_path = workspace.platform.as_ref().map(|file| file.path.as_str());
    let platform_broken = broken_files.iter().any(|file| {
        let path = sources.get(*file).path.as_str();
        path.starts_with("<stdlib>/") || Some(path) == platform_path
    });
    let checked: Vec<&[Service]> = services
        .iter()
        .filter(|group| {
            group.first().is_some_and(|first| {
                !platform_broken
                    && !broken_files.contains(&first.name_span.file)
                    && workspace.in_scope(&first.spec_path)
            })
        })
        .map(Vec::as_slice)
        .collect();
    if platform.rules.is_empty() {
        check_all(files, platform, &checked, sources, diagnostics);
        return;
    }
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new().stack_size(CEL_STACK).spawn_scoped(scope, || {
            let mut found = Diagnostics::default();
            check_all(files, platform, &checked, sources, &mut found);
            found
        });
        match worker.map(std::thread::ScopedJoinHandle::join) {
            Ok(Ok(found)) => diagnostics.extend(found),
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            // No thread to be had: run here, on the caller's stack.
            Err(_) => check_all(files, platform, &checked, sources, diagnostics),
        }
    });
}

fn check_all(
    files: &[spec::Platform],
    platform: &model::Platform,
    services: &[&[Service]],
    sources: &Sources,
    diagnostics: &mut Diagnostics,
) {
    let rules = custom::compile(platform, diagnostics);
    let mut known: Vec<&str> = RULES.iter().map(|rule| rule.id).collect();
    known.extend(platform.rules.iter().map(|rule| rule.name.as_str()));
    check_policy_lines(files, &known, diagnostics);
    if rules.is_empty() {
        // The built-in rules read one service at a time: on every core.
        let found: Vec<Diagnostics> = services
            .par_iter()
            .map(|group| {
                let (mut broken, mut found) = (BTreeSet::new(), Diagnostics::default());
                let rules = &[];
                Group { platform, sources, rules, broken: &mut broken, known: &known, diagnostics: &mut found }
                    .check(group);
                found
            })
            .collect();
        for found in found {
            diagnostics.extend(found);
        }
        return;
    }
    // Custom rules run on this thread, whose stack CEL needs, and report a
    // rule that fails to evaluate once.
    let mut broken = BTreeSet::new();
    for group in services {
        let mut cx = Group { platform, sources, rules: &rules, broken: &mut broken, known: &known, diagnostics };
        cx.check(group);
    }
}

/// Once a run has errors, nothing is written, and policy warnings wait until
/// the errors are fixed so that they do not bury them (policy errors stay).
pub fn hold_back_warnings(diagnostics: &mut Diagnostics) {
    if diagnostics.has_errors() {
        diagnostics
            .retain(|diagnostic| diagnostic.severity == Severity::Error || !diagnostic.code.starts_with("policy::"));
    }
}

/// `policy` lines anywhere in the platform config name a rule; `min` is
/// for `too-few-replicas`.
fn check_policy_lines(files: &[spec::Platform], known: &[&str], diagnostics: &mut Diagnostics) {
    let mut lines: Vec<&Node> = Vec::new();
    for file in files {
        lines.extend(&file.settings);
        lines.extend(&file.defaults);
        for tier in &file.tiers {
            lines.extend(&tier.fields);
            lines.extend(tier.environments.iter().flat_map(|block| &block.fields));
        }
        lines.extend(file.environments.iter().flat_map(|environment| &environment.fields));
    }
    for node in lines.into_iter().filter(|node| node.name == "policy") {
        let Some(value) = node.args.first() else { continue };
        let Scalar::String(id) = &value.scalar else { continue };
        if id != WAIVED && !known.contains(&id.as_str()) {
            diagnostics.push(unknown_rule(value.span, id, known, true));
            continue;
        }
        for prop in node.props.iter().filter(|prop| prop.key == "min") {
            if id != "too-few-replicas" {
                diagnostics.push(
                    Diagnostic::error(
                        "spec::unknown-field",
                        prop.key_span,
                        format!("`min` is not a setting of `{id}`"),
                    )
                    .primary_text("only for `too-few-replicas`")
                    .help("remove `min`: it is the replica minimum of `policy too-few-replicas`"),
                );
            }
        }
    }
}

fn unknown_rule(span: Span, id: &str, known: &[&str], in_policy: bool) -> Diagnostic {
    let mut candidates = known.to_vec();
    if in_policy {
        candidates.push(WAIVED);
    }
    let help = did_you_mean(id, candidates.iter().copied())
        .unwrap_or_else(|| format!("the rules are {}, and the platform's custom `rule`s", list_and(&candidates)));
    Diagnostic::error("policy::unknown-rule", span, format!("unknown policy rule `{id}`"))
        .primary_text("no such rule")
        .help(help)
}

/// A finding waiting for the other environments of its service.
struct Pending {
    code: &'static str,
    level: PolicyLevel,
    line: Option<Span>,
    finding: Finding,
    environments: Vec<String>,
}

/// What one service's group of environments is checked with.
struct Group<'a> {
    platform: &'a model::Platform,
    sources: &'a Sources,
    rules: &'a [custom::Compiled<'a>],
    /// Custom rules that failed to evaluate once already.
    broken: &'a mut BTreeSet<String>,
    known: &'a [&'a str],
    diagnostics: &'a mut Diagnostics,
}

impl Group<'_> {
    fn check(&mut self, group: &[Service]) {
        let mut pending: Vec<Pending> = Vec::new();
        // Waived rule → the first finding it hid.
        let mut used: BTreeMap<String, Span> = BTreeMap::new();
        for service in group {
            let mut found: Vec<(&'static str, &str, Decided, Finding)> = Vec::new();
            for rule in RULES {
                let decided = decide(rule.id, rule.default, service, self.platform, self.sources);
                if decided.level == PolicyLevel::Off {
                    continue;
                }
                let check = Check { service, platform: self.platform, min: decided.min };
                for finding in (rule.check)(&check) {
                    found.push((rule.code, rule.id, decided, finding));
                }
            }
            if !self.rules.is_empty() {
                let projection = custom::project(service);
                for compiled in self.rules {
                    let name = compiled.rule.name.as_str();
                    let decided = decide(name, compiled.rule.level, service, self.platform, self.sources);
                    if decided.level == PolicyLevel::Off || self.broken.contains(name) {
                        continue;
                    }
                    match compiled.evaluate(&projection) {
                        Ok(true) => {}
                        Ok(false) => found.push(("policy::custom", name, decided, compiled.finding(service))),
                        Err(problem) => {
                            self.broken.insert(name.to_owned());
                            self.diagnostics.push(compiled.evaluation_error(service, &problem));
                        }
                    }
                }
            }
            for (code, id, decided, finding) in found {
                if service.waivers.iter().any(|waiver| waiver.rule == id) {
                    used.entry(id.to_owned()).or_insert(finding.span);
                    continue;
                }
                let same = pending
                    .iter_mut()
                    .find(|item| item.code == code && item.finding == finding && item.level == decided.level);
                match same {
                    Some(item) => item.environments.push(service.environment.clone()),
                    None => pending.push(Pending {
                        code,
                        level: decided.level,
                        line: decided.line,
                        finding,
                        environments: vec![service.environment.clone()],
                    }),
                }
            }
        }
        for item in pending {
            let mut message = item.finding.message;
            if item.environments.len() < group.len() {
                let names: Vec<&str> = item.environments.iter().map(String::as_str).collect();
                message = format!("{message} (in {})", list_and(&names));
            }
            let mut diagnostic = new_diagnostic(item.level, item.code, item.finding.span, message)
                .primary_text(item.finding.label)
                .help(item.finding.help);
            diagnostic.secondary.extend(item.finding.labels);
            if let Some(line) = item.line
                && !diagnostic.secondary.iter().any(|label| within(label.span, line))
            {
                diagnostic = diagnostic.label(line, format!("`{}` set here", item.level.as_str()));
            }
            self.diagnostics.push(diagnostic);
        }
        self.report_waivers(group, &used);
    }

    fn report_waivers(&mut self, group: &[Service], used: &BTreeMap<String, Span>) {
        let mut seen: BTreeSet<Span> = BTreeSet::new();
        for service in group {
            for waiver in &service.waivers {
                if !seen.insert(waiver.span) {
                    continue;
                }
                if !self.known.contains(&waiver.rule.as_str()) {
                    self.diagnostics.push(unknown_rule(waiver.rule_span, &waiver.rule, self.known, false));
                    continue;
                }
                let decided = decide(WAIVED, WAIVED_DEFAULT, service, self.platform, self.sources);
                if decided.level == PolicyLevel::Off {
                    continue;
                }
                let mut diagnostic = match used.get(&waiver.rule) {
                    Some(span) if decided.level == PolicyLevel::Deny => new_diagnostic(
                        decided.level,
                        "policy::waived",
                        waiver.span,
                        format!("`{}` waives `{}`, but the platform allows no waivers here", service.name, waiver.rule),
                    )
                    .primary_text("waiver")
                    .label(*span, "the finding")
                    .help(
                        "fix the finding, or ask the platform team: `policy waived` forbids waivers for this service",
                    ),
                    Some(span) => new_diagnostic(
                        decided.level,
                        "policy::waived",
                        waiver.span,
                        format!("`{}` waives `{}`: {}", service.name, waiver.rule, waiver.reason),
                    )
                    .primary_text("waived")
                    .label(*span, "the finding")
                    .help("reported on every build so that the exception stays visible; fix it and remove the waiver"),
                    None => new_diagnostic(
                        decided.level,
                        "policy::waived",
                        waiver.span,
                        format!("`{}` waives `{}`, which finds nothing here", service.name, waiver.rule),
                    )
                    .primary_text("unused waiver")
                    .help("remove this `waive` line"),
                };
                if let Some(line) = decided.line {
                    diagnostic = diagnostic.label(line, format!("`{}` set here", decided.level.as_str()));
                }
                self.diagnostics.push(diagnostic);
            }
        }
    }
}

fn new_diagnostic(level: PolicyLevel, code: &'static str, span: Span, message: String) -> Diagnostic {
    let mut diagnostic = Diagnostic::error(code, span, message);
    if level != PolicyLevel::Deny {
        diagnostic.severity = Severity::Warning;
    }
    diagnostic
}

/// Whether `inner` lies inside `outer`.
fn within(inner: Span, outer: Span) -> bool {
    inner.file == outer.file && inner.start >= outer.start && inner.end <= outer.end
}

/// The Markdown reference of the policies, for the book
/// (`book/src/reference/policies_generated.md`, kept fresh by a test).
pub fn reference() -> String {
    use std::fmt::Write as _;
    let mut out = String::from(
        "<!-- Generated from compiler/src/validate/mod.rs and custom.rs by the test suite. Do not edit. -->\n\n",
    );
    out.push_str("## Built-in rules\n\n");
    out.push_str("| Rule | Default | Diagnostic | What it finds |\n| --- | --- | --- | --- |\n");
    for rule in RULES {
        let _ = writeln!(out, "| `{}` | {} | `{}` | {} |", rule.id, rule.default.as_str(), rule.code, rule.doc);
    }
    let _ = writeln!(out, "| `{WAIVED}` | {} | `policy::waived` | {WAIVED_DOC} |", WAIVED_DEFAULT.as_str());
    out.push_str("\n## Other diagnostics\n\n");
    out.push_str("| Diagnostic | Severity | When |\n| --- | --- | --- |\n");
    for (code, when) in [
        ("policy::custom", "A service breaks a custom `rule`: its expression is false. The severity is the rule's."),
        (
            "policy::invalid-rule",
            "A custom rule's expression does not parse, uses a variable other than `service`, fails to evaluate, or is not true or false; or its name is taken.",
        ),
        ("policy::unknown-rule", "A `policy` line or a `waive` names no rule."),
    ] {
        let severity = if code == "policy::custom" { "the rule's" } else { "error" };
        let _ = writeln!(out, "| `{code}` | {severity} | {when} |");
    }
    out.push_str("\n## The service in a custom rule\n\n");
    out.push_str(
        "A custom rule's `expression` sees one variable, `service`: the resolved service in one environment.\n\n",
    );
    out.push_str("| Field | Type | Value |\n| --- | --- | --- |\n");
    for (path, ty, doc) in PROJECTION {
        let _ = writeln!(out, "| `service.{path}` | {ty} | {doc} |");
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::Workspace;

    /// The diagnostics of a repository with this `platform.kdl` (when not
    /// empty) and this `platc.kdl`.
    pub(crate) fn diagnostics(platform: &str, spec: &str) -> Vec<Diagnostic> {
        let mut files = vec![("platc.kdl", spec)];
        if !platform.is_empty() {
            files.push(("platform.kdl", platform));
        }
        let compilation = crate::compile(&Workspace::from_files(files));
        compilation.diagnostics.into_vec()
    }

    /// Every `pass` spec compiles without `code` and without errors outside
    /// the policies (so it is a valid spec); every `fail` spec reports `code`
    /// and no error outside the policies.
    pub(crate) fn table(code: &str, platform: &str, pass: &[&str], fail: &[&str]) {
        for spec in pass {
            let found = diagnostics(platform, spec);
            let unexpected: Vec<&Diagnostic> = found
                .iter()
                .filter(|diagnostic| {
                    diagnostic.code == code
                        || (diagnostic.severity == Severity::Error && !diagnostic.code.starts_with("policy::"))
                })
                .collect();
            assert!(unexpected.is_empty(), "passing case reports {unexpected:#?}:\n{spec}");
        }
        for spec in fail {
            let found = diagnostics(platform, spec);
            assert!(
                found.iter().any(|diagnostic| diagnostic.code == code),
                "failing case does not report `{code}`: {found:#?}\n{spec}"
            );
            let other: Vec<&Diagnostic> = found
                .iter()
                .filter(|diagnostic| diagnostic.severity == Severity::Error && !diagnostic.code.starts_with("policy::"))
                .collect();
            assert!(other.is_empty(), "failing case has other errors {other:#?}:\n{spec}");
        }
    }

    #[test]
    fn rules_are_sorted_named_after_their_code_and_defaulted_in_the_stdlib() {
        let ids: Vec<&str> = RULES.iter().map(|rule| rule.id).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        assert_eq!(ids, sorted);
        let stdlib =
            crate::stdlib::FILES.iter().find(|(path, _)| path.ends_with("/policies.kdl")).map(|(_, text)| *text);
        let stdlib = stdlib.expect("stdlib/policies.kdl is registered");
        for rule in RULES {
            assert_eq!(rule.code, format!("policy::{}", rule.id));
            let line = format!("\npolicy {} {}\n", rule.id, rule.default.as_str());
            assert!(stdlib.contains(&line), "stdlib/policies.kdl lacks `{}`", line.trim());
        }
        assert!(stdlib.contains(&format!("\npolicy {WAIVED} {}\n", WAIVED_DEFAULT.as_str())));
    }

    const PLATFORM_DENY_DESCRIPTION: &str = "policy missing-description deny\n";

    #[test]
    fn severities_layer_from_stdlib_to_platform_to_tier() {
        let spec = "service api { image \"ghcr.io/acme/api:1.0.0\"; port 8080; probes liveness=\"/l\" readiness=\"/r\"; owner a }";
        let warning = diagnostics("", spec);
        let finding = warning.iter().find(|diagnostic| diagnostic.code == "policy::missing-description");
        let finding = finding.expect("the stdlib default reports it");
        assert_eq!(finding.severity, Severity::Warning);
        assert!(finding.secondary.is_empty(), "no label for the stdlib default: {finding:#?}");

        let denied = diagnostics(PLATFORM_DENY_DESCRIPTION, spec);
        let finding = denied.iter().find(|diagnostic| diagnostic.code == "policy::missing-description");
        let finding = finding.expect("platform.kdl raises it");
        assert_eq!(finding.severity, Severity::Error);
        assert_eq!(finding.secondary.len(), 1, "labelled at the platform's line: {finding:#?}");

        let tier_off = format!("{PLATFORM_DENY_DESCRIPTION}tier standard {{\n    policy missing-description off\n}}\n");
        let quiet = diagnostics(&tier_off, spec);
        assert!(quiet.iter().all(|diagnostic| diagnostic.code != "policy::missing-description"), "{quiet:#?}");
    }

    #[test]
    fn waivers_hide_the_finding_and_are_reported() {
        let spec = "service api { image \"ghcr.io/acme/api:latest\"; port 8080; probes liveness=\"/l\" readiness=\"/r\"; owner a; description \"d\"; waive latest-tag reason=\"the vendor publishes latest only\" }";
        let found = diagnostics("", spec);
        assert!(found.iter().all(|diagnostic| diagnostic.code != "policy::latest-tag"), "{found:#?}");
        let waived = found.iter().find(|diagnostic| diagnostic.code == "policy::waived").expect("reported");
        assert_eq!(waived.severity, Severity::Warning);
        assert!(waived.message.contains("the vendor publishes latest only"));
        assert_eq!(waived.secondary.len(), 1, "points at the finding");

        let denied = diagnostics("tier standard {\n    policy waived deny\n}\n", spec);
        let waived = denied.iter().find(|diagnostic| diagnostic.code == "policy::waived").expect("reported");
        assert_eq!(waived.severity, Severity::Error);

        let unused = spec.replace(":latest", ":1.0.0");
        let found = diagnostics("", &unused);
        let waived = found.iter().find(|diagnostic| diagnostic.code == "policy::waived").expect("reported");
        assert!(waived.message.contains("finds nothing"), "{waived:#?}");

        let typo = spec.replace("waive latest-tag", "waive latest-tags");
        let found = diagnostics("", &typo);
        let unknown = found.iter().find(|diagnostic| diagnostic.code == "policy::unknown-rule").expect("reported");
        assert_eq!(unknown.help.as_deref(), Some("did you mean `latest-tag`?"));

        let no_reason = spec.replace(" reason=\"the vendor publishes latest only\"", "");
        let found = diagnostics("", &no_reason);
        assert!(found.iter().any(|diagnostic| diagnostic.code == "spec::missing-reason"), "{found:#?}");
    }

    #[test]
    fn policy_lines_name_rules_and_services_cannot_write_them() {
        let spec = "service api { image \"ghcr.io/acme/api:1.0.0\"; port 8080 }";
        let found = diagnostics("tier standard {\n    policy latest-tg deny\n}\n", spec);
        let unknown = found.iter().find(|diagnostic| diagnostic.code == "policy::unknown-rule").expect("reported");
        assert_eq!(unknown.help.as_deref(), Some("did you mean `latest-tag`?"));

        let found = diagnostics("policy latest-tag deny min=3\n", spec);
        assert!(found.iter().any(|diagnostic| diagnostic.code == "spec::unknown-field"), "{found:#?}");

        let found = diagnostics("policy latest-tag never\n", spec);
        assert!(found.iter().any(|diagnostic| diagnostic.code == "spec::invalid-value"), "{found:#?}");

        let found =
            diagnostics("", "service api { image \"ghcr.io/acme/api:1.0.0\"; port 8080; policy latest-tag off }");
        let misplaced = found.iter().find(|diagnostic| diagnostic.code == "spec::misplaced-field").expect("reported");
        assert!(misplaced.help.as_deref().is_some_and(|help| help.contains("waive")), "{misplaced:#?}");
    }

    #[test]
    fn a_finding_in_some_environments_names_them() {
        let spec = "service api { image \"ghcr.io/acme/api:1.0.0\"; port 8080; environment staging { image \"ghcr.io/acme/api:latest\" } }";
        let found = diagnostics("", spec);
        let finding = found.iter().find(|diagnostic| diagnostic.code == "policy::latest-tag").expect("reported");
        assert!(finding.message.ends_with("(in `staging`)"), "{}", finding.message);
    }

    #[test]
    fn errors_come_first() {
        // A spec with an error is not checked.
        let found = diagnostics("", "service api { image \"ghcr.io/acme/api:latest\"; port 8080; replica 2 }");
        assert!(found.iter().any(|diagnostic| diagnostic.code == "spec::unknown-field"), "{found:#?}");
        assert!(found.iter().all(|diagnostic| !diagnostic.code.starts_with("policy::")), "{found:#?}");
        // A valid spec beside a broken one keeps its policy errors; warnings wait.
        let files = [
            ("platc.kdl", "service api { image \"ghcr.io/acme/api:1.0.0\"; port 8080; replica 2 }"),
            ("web/platc.kdl", "service web { image \"ghcr.io/acme/web:latest\"; port 8080 }"),
        ];
        let found = crate::compile(&Workspace::from_files(files)).diagnostics.into_vec();
        let codes: Vec<&str> = found.iter().map(|diagnostic| diagnostic.code).collect();
        assert_eq!(codes, ["spec::unknown-field", "policy::latest-tag"], "{found:#?}");
    }

    #[test]
    fn the_reference_lists_every_rule() {
        let text = reference();
        for rule in RULES {
            assert!(text.contains(&format!("| `{}` |", rule.id)));
        }
    }
}
